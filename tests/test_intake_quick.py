"""The quick checker of large enterprise registers must give exactly the model's stored values for every row
it accepts, decline every row the model refuses, and accept the plainly valid rows (else it is no quicker)."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from hazardlib import fields, models
from hazardlib.intake.quick import QuickEnterprise, plain_uscc

from .conftest import make_uscc

VALID = [make_uscc(county, serial) for county in ("522701", "522702", "522732") for serial in (1, 77, 4096)]
ABSENT = object()  # the file has no such column: the key is left out of the data

CANDIDATES: dict[str, list[Any]] = {
    "uscc": [
        *VALID,
        f" {VALID[1]} ",
        VALID[0].lower(),
        VALID[2][:9] + " " + VALID[2][9:],
        VALID[3][:6] + "-" + VALID[3][6:],
        VALID[4][:-1] + ("0" if VALID[4][-1] != "0" else "1"),
        VALID[5].translate(str.maketrans(string.digits, "０１２３４５６７８９")),
        VALID[6][:17],
        "I" + VALID[7][1:],
        "",
        None,
        915227010000000170,
    ],
    "name": [
        "都匀市甲水泥有限公司",
        " 都匀 市 乙五金 ",
        "(都匀)丙公司",
        "ＡＢＣ电器行",
        "甲",
        "",
        "公" * 201,
        5,
        None,
    ],
    "county_code": ["522701", "522702", " 522732 ", "都匀市", "520101", "", None, 522701],
    "field": ["生产单位", "producer", "销售", "生产销售单位", "生 产", "其他", "", None, 1],
    "address": ["甲路1号", "  乙路 2号 ", "", "  ", "路" * 301, None, 3, ABSENT],
    "in_cluster_area": ["是", "否", True, False, "Y", "可能", "", 1, ABSENT],
    "concentrated_complaints": ["否", " 是 ", "N", ABSENT],
    "licence_no": ["XK13-001-00001", "（黔）XK13-001-00001", "xk13 001 00001", "XK13", "", None, ABSENT],
    "ccc_certificates": ["2020010101234567", "2020010101234567、2020010101234568", "123", "", ABSENT],
    "products": ["03-01", "水泥", "03-01、18-01", "18-01", "不存在的产品", "", None, ABSENT],
    "contact": ["张三 13800000000", "李" * 101, "", None, ABSENT],
}


def _row(choice: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in choice.items() if v is not ABSENT}


# how many of the first candidates of each field the model accepts (a few later ones it accepts too)
ACCEPTED = {"uscc": 10, "name": 4, "county_code": 4, "field": 4, "address": 2, "in_cluster_area": 4}
ACCEPTED |= {
    "concentrated_complaints": 4,
    "licence_no": 2,
    "ccc_certificates": 2,
    "products": 4,
    "contact": 1,
}


def _with_one_changed(field: str) -> st.SearchStrategy[dict[str, Any]]:
    """Rows valid but for (perhaps) ``field``, which may take any of its candidates."""
    return st.fixed_dictionaries(
        {
            k: st.sampled_from(v if k == field else v[: ACCEPTED[k]] + [ABSENT] * (ABSENT in v))
            for k, v in CANDIDATES.items()
        }
    )


rows = (
    st.sampled_from(list(CANDIDATES)).flatmap(_with_one_changed)
    | st.fixed_dictionaries({k: st.sampled_from(v) for k, v in CANDIDATES.items()})
).map(_row)


@pytest.fixture(scope="module")
def quick() -> QuickEnterprise:
    """One checker for every example: what it remembers of one row must not change another's outcome."""
    return QuickEnterprise()


def model_row(data: dict[str, Any]) -> dict[str, Any] | None:
    record, _findings = models.check(models.Enterprise, data)
    return None if record is None else record.row()


@settings(max_examples=1500, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=rows)
def test_an_accepted_row_has_exactly_the_models_values(quick, data):
    found, expected = quick.values(data), model_row(data)
    if found is not None:
        assert expected is not None, f"the model refuses {data}"
        assert repr(found) == repr(expected)  # the same values, types and order (True is not 1)


def test_plainly_valid_rows_are_accepted(quick):
    data = {
        "uscc": VALID[0],
        "name": "都匀市甲水泥有限公司",
        "county_code": "522701",
        "field": "生产单位",
        "address": "甲路1号",
        "in_cluster_area": "是",
        "licence_no": "XK13-001-00001",
        "ccc_certificates": "2020010101234567",
        "products": "03-01、18-01",
        "contact": "张三 13800000000",
    }
    for _ in range(2):  # the second time from what the checker remembers
        assert quick.values(data) == model_row(data)
    assert quick.values(
        {"uscc": VALID[1], "name": "福泉市乙商行", "county_code": "522702", "field": "销售"}
    ) == (model_row({"uscc": VALID[1], "name": "福泉市乙商行", "county_code": "522702", "field": "销售"}))


def test_a_row_the_model_refuses_is_declined(quick):
    base = {"uscc": VALID[2], "name": "都匀市丙公司", "county_code": "522701", "field": "生产单位"}
    for change in (
        {"uscc": VALID[2][:-1] + ("0" if VALID[2][-1] != "0" else "1")},
        {"county_code": "520101"},
        {"field": "其他"},
        {"name": "丙"},
        {"products": "不存在的产品"},
        {"in_cluster_area": "可能"},
        {"unknown": 1},
    ):
        data = base | change
        assert model_row(data) is None and quick.values(data) is None, change


def test_a_product_another_county_added_is_declined(monkeypatch, quick):
    """A county's own additions are refused elsewhere (the model's rule, which the checker asks)."""
    real = fields.other_county_product

    def owned(codes: list[str], county: str) -> str | None:
        return "只适用于都匀市" if "18-01" in codes and county != "522701" else real(codes, county)

    monkeypatch.setattr(fields, "other_county_product", owned)
    checker = QuickEnterprise()
    data = {"uscc": VALID[3], "name": "福泉市丁公司", "county_code": "522702", "field": "销售单位"}
    assert checker.values(data | {"products": "18-01"}) is None
    assert model_row(data | {"products": "18-01"}) is None
    assert checker.values(data | {"products": "03-01"}) == model_row(data | {"products": "03-01"})
    assert checker.values({**data, "county_code": "522701", "products": "18-01"}) is not None


@settings(max_examples=3000, deadline=None)
@given(
    st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYIOSVZab -", min_size=16, max_size=19)
    | st.sampled_from(VALID).flatmap(
        lambda code: st.sampled_from([code[:i] + c + code[i + 1 :] for i in range(18) for c in "0A"])
    )
)
def test_the_check_digit_is_python_stdnums(code):
    if plain_uscc(code):
        assert stdnum_uscc.validate(code) == code
    elif stdnum_uscc.is_valid(code):
        assert stdnum_uscc.compact(code) != code  # valid, but not written compactly: left to the model


def test_valid_compact_codes_pass():
    assert all(plain_uscc(code) for code in VALID)
