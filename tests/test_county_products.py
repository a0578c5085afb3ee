"""A county may add products for its own campaign: once listed in the campaign file, its records may name
them (and only its records); the plan's 24 categories stay as they are."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
import sqlalchemy as sa

from hazardlib import models, schema
from hazardlib.catalogue import load_catalogue, load_catalogue_with_county_products
from hazardlib.datafiles import data_dir
from hazardlib.errors import ValidationFailed
from hazardlib.rules.common import product_name

from .conftest import make_uscc
from .situations import Situation

D = dt.date
HEATER = """
[[county_products]]
code = "C522701-01"
county_code = "522701"
name = "燃气热水器"
regime = "CCC"
standard = "GB 6932-2015"
note = "都匀市局自选"
"""


@pytest.fixture
def with_heater(monkeypatch, tmp_path):
    """The reference data with 都匀市 adding 燃气热水器 to its 2023 and 2024 campaigns."""
    folder = tmp_path / "data"
    shutil.copytree(data_dir(), folder, ignore=shutil.ignore_patterns("logs", "*.db*"))
    for year in (2023, 2024):
        path = folder / "campaigns" / f"campaign-{year}.toml"
        path.write_text(path.read_text(encoding="utf-8") + HEATER, encoding="utf-8")
    monkeypatch.setenv("HAZARD_DATA", str(folder))
    product_name.cache_clear()
    yield folder
    product_name.cache_clear()


def test_without_the_campaign_file_listing_it_a_county_product_is_refused():
    assert "C522701-01" not in load_catalogue_with_county_products().sub_products
    with pytest.raises(ValidationFailed, match="不是重点产品目录中的产品"):
        models.validate(models.Hazard, _hazard(1, "C522701-01"))


def test_a_county_product_kept_over_two_years_joins_the_catalogue_once(with_heater):
    cat = load_catalogue_with_county_products()
    heater = cat.sub_product("C522701-01")
    assert (heater.name, heater.county_code, heater.category_code) == ("燃气热水器", "522701", "C01")
    assert cat.regime_on("C522701-01", D(2024, 7, 1)) == "CCC"
    assert len(cat.categories) == 24 and "C522701-01" not in load_catalogue().sub_products


def test_the_county_records_its_own_product_and_another_county_may_not(with_heater, store):
    s = Situation(store)
    duyun = s.enterprise("522701", products=["03-01", "燃气热水器"])
    hid = s.hazard(duyun, D(2024, 7, 1), product="C522701-01")
    row = store.get(schema.hazards, hid)
    assert (row["sub_product_code"], row["category_code"]) == ("C522701-01", "C01")
    assert product_name("C522701-01") == "燃气热水器"

    with pytest.raises(ValidationFailed) as caught:  # 福泉市 did not add it
        models.validate(
            models.Enterprise,
            {
                "uscc": make_uscc("522702", 99),
                "name": "福泉市测试燃气具有限公司",
                "county_code": "522702",
                "field": "producer",
                "products": ["C522701-01"],
            },
        )
    assert "是都匀市自行增加的排查产品，不适用于福泉市" in str(caught.value)

    fuquan = s.enterprise("522702")
    hazards = sa.select(sa.func.count()).select_from(schema.hazards)
    with store.read() as conn:
        before = conn.execute(hazards).scalar()
    with pytest.raises(ValidationFailed, match="不适用于福泉市"):
        s.hazard(fuquan, D(2024, 7, 1), product="C522701-01")
    with store.read() as conn:
        assert conn.execute(hazards).scalar() == before  # nothing written


def _hazard(enterprise_id: int, product: str) -> dict[str, object]:
    return {
        "enterprise_id": enterprise_id,
        "campaign_year": 2024,
        "grade": "general",
        "problem_code": "P07",
        "sub_product_code": product,
        "found_date": D(2024, 7, 1),
        "source": "inspection",
    }


def test_a_validation_reads_the_reference_data_of_its_call_and_the_next_one_the_folder_switched_to(
    with_heater, monkeypatch
):
    duyun = {"uscc": make_uscc("522701", 98), "name": "都匀市测试燃气具有限公司", "county_code": "522701",
             "field": "producer", "products": "燃气热水器"}  # fmt: skip
    batch = [duyun, {**duyun, "uscc": make_uscc("522701", 97), "products": ["C522701-01"]}]
    # the folder is read once per call and handed to every field check through the context
    assert [r.products for r, _ in models.check_many(models.Enterprise, batch)] == [["C522701-01"]] * 2
    assert models.validate(models.Hazard, _hazard(1, "C522701-01")).sub_product_code == "C522701-01"
    monkeypatch.delenv("HAZARD_DATA")  # back to data/, where 都匀市 added nothing: the next call sees it
    assert [f.code for f in models.check(models.Enterprise, duyun)[1]] == ["sub_product"]
    assert all(r is None for r, _ in models.check_many(models.Enterprise, batch))
    with pytest.raises(ValidationFailed, match="不是重点产品目录中的产品"):
        models.validate(models.Hazard, _hazard(1, "C522701-01"))
    # a check without that context (a model built directly) reads the setting itself
    assert models.Enterprise.model_validate(duyun, context={"data_dir": with_heater}).products == [
        "C522701-01"
    ]
    with pytest.raises(ValueError, match="不是重点产品目录中的产品"):
        models.Enterprise.model_validate(duyun)
