"""The county a record counts for (``registered_county``, :mod:`hazardlib.figures`, migration 0011): every
record kind the results list counts carries the county its enterprise is registered in, written with the
record, moved with the enterprise (the form and the import) in the same transaction, filled by the
migration and checked and mended by ``hazard verify``, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner

from hazardlib import instruments, models, schema
from hazardlib.cli import main
from hazardlib.figures import COUNTED_TABLES, county_problems
from hazardlib.reports import results_list
from hazardlib.store import Store

from .intake_support import import_register_row
from .situations import Situation

pytestmark = pytest.mark.engines
D = dt.date
DAY = D(2024, 6, 10)
AS_OF = D(2024, 9, 15)
# The results list's counts of the records built by :func:`records_of`, one of each kind.
COUNTED = (
    "producers_inspected", "self_checks", "hazards_found", "spot_check_batches", "enterprises_interviewed",
    "rectification_notices", "cases_filed", "enterprises_helped",
)  # fmt: skip


def records_of(s: Situation, eid: int) -> None:
    """One record of every counted kind about the enterprise ``eid``."""
    s.inspection(eid, DAY)
    s.self_check(eid, DAY)
    s.hazard(eid, DAY)
    s.spot_check(DAY, "qualified", enterprise_id=eid)
    s.interview(eid, DAY)
    s.save(instruments.save_instrument, models.Instrument,
            {"kind": "rectification_notice", "enterprise_id": eid, "campaign_year": 2024, "issue_date": DAY})  # fmt: skip
    s.case(eid, DAY, "knowingly_selling_fakes")
    s.help(eid, DAY, "quality_clinic")
    s.signal("522701", DAY, enterprise_id=eid)


def counties(store: Store, eid: int) -> dict[str, set[tuple[str, str | None]]]:
    """(county_code, registered_county) of the enterprise's records in each counted table."""
    out = {}
    with store.read() as conn:
        for name in COUNTED_TABLES:
            t = schema.metadata.tables[name]
            stmt = sa.select(t.c.county_code, t.c.registered_county)
            stmt = stmt.where(t.c.enterprise_id == eid)
            out[name] = {tuple(r) for r in conn.execute(stmt)}  # type: ignore[misc]
    return out


def counted(store: Store, county: str) -> dict[str, int]:
    frame = results_list(store, AS_OF).set_index("county_code")
    return {key: int(frame.loc[county, key]) for key in COUNTED}


def test_records_carry_their_enterprises_county_and_follow_its_move(store_url: str) -> None:
    store = Store(store_url, user="测试员")
    s = Situation(store)
    eid = s.enterprise("522701")
    records_of(s, eid)
    assert counties(store, eid) == {name: {("522701", "522701")} for name in COUNTED_TABLES}
    assert set(counted(store, "522701").values()) == {1}
    # The prefecture moves the enterprise to 福泉市: its records count there, and still belong to 都匀市.
    assert s.change_enterprise(eid, county_code="522702") == (eid, "updated")
    assert counties(store, eid) == {name: {("522701", "522702")} for name in COUNTED_TABLES}
    assert set(counted(store, "522702").values()) == {1}
    assert set(counted(store, "522701").values()) == {0}
    with store.read() as conn:
        assert county_problems(conn) == []


def test_an_import_that_moves_an_enterprise_moves_its_records_county(store_url: str, tmp_path: Path) -> None:
    store = Store(store_url, user="测试员")
    s = Situation(store)
    eid = s.enterprise("522701", name="都匀市甲水泥有限公司")
    s.inspection(eid, DAY)
    s.hazard(eid, DAY)
    report = import_register_row(store, eid, "福泉市", tmp_path, AS_OF)
    assert report.updated == 1
    assert counties(store, eid)["inspections"] == {("522701", "522702")}
    assert counties(store, eid)["hazards"] == {("522701", "522702")}
    with store.read() as conn:
        assert county_problems(conn) == []


def test_hazard_verify_finds_and_mends_a_county_that_differs_from_the_enterprises(store_url: str) -> None:
    store = Store(store_url, user="测试员")
    s = Situation(store)
    eid = s.enterprise("522701")
    hid = s.hazard(eid, DAY)
    runner = CliRunner()
    assert runner.invoke(main, ["verify", "--db", store_url]).exit_code == 0
    with store.engine.begin() as conn:  # a writer that went round the enterprise's move
        conn.execute(
            schema.enterprises.update().where(schema.enterprises.c.id == eid).values(county_code="522702")
        )
    found = runner.invoke(main, ["verify", "--db", store_url])
    assert found.exit_code == 1 and "企业所在县（市）" in found.output and f"记录 {hid}" in found.output
    mended = runner.invoke(main, ["verify", "--db", store_url, "--mend-shape", "--user", "管理员"])
    assert mended.exit_code == 0 and "完整性检查通过" in mended.output
    assert counties(store, eid)["hazards"] == {("522701", "522702")}


def test_migration_0011_fills_the_records_county_from_the_enterprises(store_url: str) -> None:
    store = Store(store_url, user="测试员")
    s = Situation(store)
    eid = s.enterprise("522701")
    records_of(s, eid)
    kept = counties(store, eid)
    cfg = store.alembic_config()
    command.downgrade(cfg, "0010")
    assert "registered_county" not in {c["name"] for c in sa.inspect(store.engine).get_columns("hazards")}
    command.upgrade(cfg, "head")
    assert counties(store, eid) == kept
    with store.read() as conn:
        assert county_problems(conn) == []


def notices(store: Store) -> dict[str, int]:
    """The results list's rectification notices per county (the counties that have any)."""
    frame = results_list(store, AS_OF)
    return {c: int(n) for c, n in zip(frame["county_code"], frame["rectification_notices"], strict=True) if n}


def counted_index(store: Store) -> list[str | None]:
    (index,) = [
        i
        for i in sa.inspect(store.engine).get_indexes("instruments")
        if i["name"] == "ix_instruments_counted"
    ]
    return list(index["column_names"])


def test_instruments_count_for_their_enterprises_county_else_their_own_before_and_after_migration_0025(
    store_url: str,
) -> None:
    store = Store(store_url, user="测试员")
    s = Situation(store)
    moved = s.enterprise("522701")
    notice = {"kind": "rectification_notice", "campaign_year": 2024, "issue_date": DAY}
    s.save(instruments.save_instrument, models.Instrument, {**notice, "enterprise_id": moved})
    with store.transaction("测试") as tx:  # to no enterprise, issued by 福泉市
        instruments.save_instrument(tx, models.validate(models.Instrument, notice), county_code="522702")
    # The enterprise moves to 瓮安县: its notice counts there, the one to no enterprise stays in 福泉市.
    s.change_enterprise(moved, county_code="522725")
    expected = {"522702": 1, "522725": 1, "522700": 2}  # and the prefecture's total
    assert notices(store) == expected
    assert counted_index(store) == ["registered_county", "kind", "issue_date", "county_code"]  # 0033
    cfg = store.alembic_config()
    command.downgrade(cfg, "0024")
    assert counted_index(store) == ["issue_date", "registered_county", "county_code", "kind"]
    command.upgrade(cfg, "head")
    assert counted_index(store) == ["registered_county", "kind", "issue_date", "county_code"]  # 0033
    assert notices(store) == expected


CHANNELS = (
    "spot_checks_production",
    "spot_checks_circulation",
    "spot_checks_online",
    "spot_checks_rural_market",
)


def spot_check_figures(store: Store) -> dict[str, dict[str, int]]:
    """The results list's spot-check figures per county (the counties that have any batch)."""
    frame = results_list(store, AS_OF).set_index("county_code")
    keys = ["spot_check_batches", *CHANNELS, "unqualified_batches", "follow_up_checks"]
    return {c: {k: int(frame.loc[c, k]) for k in keys} for c in frame.index if frame.loc[c, keys[0]]}


def spot_checks_index(store: Store) -> list[str | None]:
    (index,) = [
        i
        for i in sa.inspect(store.engine).get_indexes("spot_checks")
        if i["name"] == "ix_spot_checks_counted"
    ]
    return list(index["column_names"])


def test_spot_checks_count_by_channel_from_their_index_alone_before_and_after_migration_0027(
    store_url: str,
) -> None:
    store = Store(store_url, user="测试员")
    s = Situation(store)
    maker, shop = s.enterprise("522701"), s.enterprise("522702", field="seller")
    s.spot_check(DAY, "qualified", enterprise_id=maker, channel="production")
    first = s.spot_check(DAY, "unqualified", enterprise_id=shop, channel="online")
    s.spot_check(DAY, "qualified", enterprise_id=shop, channel="rural_market", follow_up_of=first)
    s.spot_check(AS_OF + dt.timedelta(days=1), "qualified", enterprise_id=shop, channel="shop")  # after
    zero = dict.fromkeys(CHANNELS, 0)
    expected = {
        "522701": {"spot_check_batches": 1, **zero, "spot_checks_production": 1,
                   "unqualified_batches": 0, "follow_up_checks": 0},
        "522702": {"spot_check_batches": 2, **zero, "spot_checks_online": 1, "spot_checks_rural_market": 1,
                   "unqualified_batches": 1, "follow_up_checks": 1},
        "522700": {"spot_check_batches": 3, "spot_checks_production": 1, "spot_checks_circulation": 0,
                   "spot_checks_online": 1, "spot_checks_rural_market": 1,
                   "unqualified_batches": 1, "follow_up_checks": 1},
    }  # fmt: skip
    new = ["registered_county", "sample_date", "channel", "result", "follow_up_of"]
    assert spot_checks_index(store) == new
    assert spot_check_figures(store) == expected
    cfg = store.alembic_config()
    command.downgrade(cfg, "0026")
    assert spot_checks_index(store) == ["registered_county", "sample_date", "result", "follow_up_of"]
    command.upgrade(cfg, "head")
    assert spot_checks_index(store) == new
    assert spot_check_figures(store) == expected
