"""Whether a self-check's enterprise is a key enterprise (``self_checks.key_enterprise``, migration 0024),
kept with the enterprise's product list so that 组织企业自查 is counted from the self-checks' own index:
written with the self-check, changed with the enterprise's products (the form and the import) in the same
transaction, filled by the migration, checked and mended by ``hazard verify``, on SQLite and PostgreSQL.
The figure keeps its meaning: a self-check counts when its enterprise is a key enterprise now."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner

from hazardlib import schema
from hazardlib.cli import main
from hazardlib.figures import key_enterprise_problems
from hazardlib.intake import import_file, importer
from hazardlib.reports import results_list
from hazardlib.stages import county_progress_rows
from hazardlib.store import Store

from .conftest import make_uscc
from .intake_support import import_register_row, write_sheet
from .situations import Situation

pytestmark = pytest.mark.engines
D = dt.date
DAY = D(2024, 6, 10)
AS_OF = D(2024, 9, 15)
DUYUN = "522701"
SC = schema.self_checks


def kept(store: Store, sid: int) -> bool:
    with store.read() as conn:
        return bool(conn.execute(sa.select(SC.c.key_enterprise).where(SC.c.id == sid)).scalar_one())


def self_checks_counted(store: Store) -> int:
    """组织企业自查 of 都匀市 in the results list and 已自查 in the tracker (one definition: the two agree)."""
    listed = int(results_list(store, AS_OF).set_index("county_code").loc[DUYUN, "self_checks"])
    tracked = {r["county_code"]: r for r in county_progress_rows(store, AS_OF)}[DUYUN]["self_checked"]
    assert listed == tracked
    return listed


def test_the_self_check_follows_its_enterprise_becoming_and_ceasing_to_be_key(store_url: str) -> None:
    store = Store(store_url, user="测试员")
    s = Situation(store)
    key = s.enterprise(DUYUN)
    plain = s.enterprise(DUYUN, products=())
    checked, unchecked = s.self_check(key, DAY), s.self_check(plain, DAY)
    assert (kept(store, checked), kept(store, unchecked)) == (True, False)
    assert self_checks_counted(store) == 1
    # The enterprise without key products registers one: its self-check counts from then on.
    assert s.change_enterprise(plain, products=["03-01"]) == (plain, "updated")
    assert kept(store, unchecked) is True
    assert self_checks_counted(store) == 2
    # The key enterprise drops its key products: its self-check no longer counts.
    assert s.change_enterprise(key, products=[]) == (key, "updated")
    assert kept(store, checked) is False
    assert self_checks_counted(store) == 1
    with store.read() as conn:
        assert key_enterprise_problems(conn) == []


def test_an_import_that_gives_an_enterprise_key_products_counts_its_self_check(
    store_url: str, tmp_path: Path
) -> None:
    store = Store(store_url, user="测试员")
    s = Situation(store)
    eid = s.enterprise(DUYUN, name="都匀市甲水泥有限公司", products=())
    sid = s.self_check(eid, DAY)
    assert kept(store, sid) is False and self_checks_counted(store) == 0
    report = import_register_row(store, eid, "都匀市", tmp_path, AS_OF)
    assert report.updated == 1
    assert kept(store, sid) is True and self_checks_counted(store) == 1
    with store.read() as conn:
        assert key_enterprise_problems(conn) == []


def test_hazard_verify_finds_and_mends_a_key_enterprise_that_differs_from_the_products(
    store_url: str,
) -> None:
    store = Store(store_url, user="测试员")
    s = Situation(store)
    eid = s.enterprise(DUYUN)
    sid = s.self_check(eid, DAY)
    runner = CliRunner()
    assert runner.invoke(main, ["verify", "--db", store_url]).exit_code == 0
    with store.engine.begin() as conn:  # a writer that went round the enterprise's save
        conn.execute(schema.enterprises.update().where(schema.enterprises.c.id == eid).values(products=[]))
    found = runner.invoke(main, ["verify", "--db", store_url])
    assert found.exit_code == 1 and "是否重点企业" in found.output and f"记录 {sid}" in found.output
    mended = runner.invoke(main, ["verify", "--db", store_url, "--mend-shape", "--user", "管理员"])
    assert mended.exit_code == 0 and "完整性检查通过" in mended.output
    assert kept(store, sid) is False


def test_migration_0024_fills_the_key_enterprise_from_the_products(store_url: str) -> None:
    store = Store(store_url, user="测试员")
    s = Situation(store)
    key, plain = s.enterprise(DUYUN), s.enterprise(DUYUN, products=())
    checked, unchecked = s.self_check(key, DAY), s.self_check(plain, DAY)
    cfg = store.alembic_config()
    command.downgrade(cfg, "0023")
    assert "key_enterprise" not in {c["name"] for c in sa.inspect(store.engine).get_columns("self_checks")}
    command.upgrade(cfg, "head")
    assert (kept(store, checked), kept(store, unchecked)) == (True, False)
    assert self_checks_counted(store) == 1


def analyzed(store: Store, table: str) -> bool:
    """Whether the database holds planner statistics of ``table`` gathered by ANALYZE."""
    with store.read() as conn:
        if conn.dialect.name == "sqlite":
            stat = "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
            if not conn.exec_driver_sql(stat).scalar():
                return False
            sql = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = :t"
        else:
            sql = (
                "SELECT count(*) FROM pg_stat_user_tables WHERE relname = :t AND schemaname = current_schema() "
                "AND last_analyze IS NOT NULL"
            )
        return bool(conn.execute(sa.text(sql), {"t": table}).scalar())


def test_an_import_of_many_rows_refreshes_the_planners_statistics_and_a_small_one_does_not(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(store_url, user="测试员")
    header = ["统一社会信用代码", "企业名称", "所属县（市）", "企业类型", "地址", "生产或销售的产品"]
    rows = [
        [make_uscc(DUYUN, n), f"都匀市{n}号水泥有限公司", "都匀市", "生产单位", "甲路1号", "水泥"]
        for n in (1, 2)
    ]
    monkeypatch.setattr(importer, "BULK_ROWS", 3)  # a bulk load is 3 rows here (1,000 in the workbook)
    import_file(store, write_sheet(tmp_path / "两行.xlsx", [header, *rows]), today=AS_OF)
    assert not analyzed(store, "enterprises")
    more = [
        [make_uscc(DUYUN, n), f"都匀市{n}号水泥有限公司", "都匀市", "生产单位", "甲路1号", "水泥"]
        for n in (3, 4, 5)
    ]
    import_file(store, write_sheet(tmp_path / "三行.xlsx", [header, *more]), today=AS_OF)
    assert analyzed(store, "enterprises")
