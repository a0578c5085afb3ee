"""The store (on SQLite and on PostgreSQL): schema from empty, round trips, an audit entry for every write, scoping, concurrency."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner

from devtools import workload
from hazardlib import models, records, schema
from hazardlib.cli import main
from hazardlib.errors import NotFound, OutOfScope, StaleRecord, StoreError, ValidationFailed
from hazardlib.store import Store, count, open_store

from .conftest import (
    MISSING_HAZARD,
    ExtraMigrationStore,
    add_dangling_event,
    contents,
    dangling_rows,
    make_uscc,
)

pytestmark = pytest.mark.engines


def add_enterprise(store: Store, county: str = "522701", serial: int = 1) -> int:
    e = models.validate(
        models.Enterprise,
        {
            "uscc": make_uscc(county, serial),
            "name": f"测试企业{serial}有限公司",
            "county_code": county,
            "field": "producer",
        },
    )
    with store.transaction() as tx:
        return records.save_enterprise(tx, e)[0]


def test_migrations_build_every_table_from_empty(engine_url):
    store = Store(engine_url)
    assert store.revision() is None
    assert store.upgrade() is True
    assert store.revision() == store.head()
    names = set(sa.inspect(store.engine).get_table_names())
    assert set(schema.metadata.tables) <= names


def test_init_twice_changes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    runner = CliRunner()
    first = runner.invoke(main, ["init", "--db", url])
    assert first.exit_code == 0 and "已创建数据库" in first.output
    mtime = (tmp_path / "w.db").stat().st_mtime_ns
    second = runner.invoke(main, ["init", "--db", url])
    assert second.exit_code == 0 and "未做修改" in second.output
    assert (tmp_path / "w.db").stat().st_mtime_ns == mtime


def test_enterprise_round_trip_and_audit(store):
    eid = add_enterprise(store)
    row = store.get(schema.enterprises, eid)
    assert row["name"] == "测试企业1有限公司" and row["field"] == "producer" and row["version"] == 1
    with store.read() as conn:
        (entry,) = conn.execute(sa.select(schema.audit_log)).mappings().all()
    assert (entry["actor"], entry["action"], entry["table_name"], entry["record_id"]) == (
        "测试员",
        "insert",
        "enterprises",
        eid,
    )
    assert entry["after"]["uscc"] == row["uscc"] and entry["before"] is None


def test_saving_the_same_record_again_changes_nothing_and_a_change_is_audited_with_before_and_after(store):
    eid = add_enterprise(store)
    e = models.validate(
        models.Enterprise,
        {
            "uscc": make_uscc("522701", 1),
            "name": "测试企业1有限公司",
            "county_code": "522701",
            "field": "producer",
        },
    )
    with store.transaction() as tx:
        assert records.save_enterprise(tx, e) == (eid, "unchanged")
    with store.transaction() as tx:
        assert records.save_enterprise(tx, e.model_copy(update={"name": "测试企业一有限公司"})) == (
            eid,
            "updated",
        )
    with store.read() as conn:
        last = (
            conn.execute(sa.select(schema.audit_log).order_by(schema.audit_log.c.id.desc()))
            .mappings()
            .first()
        )
        assert count(conn, schema.audit_log) == 2
    assert last["before"]["name"] == "测试企业1有限公司" and last["after"]["name"] == "测试企业一有限公司"
    assert store.get(schema.enterprises, eid)["version"] == 2


def test_every_write_kind_is_audited(store):
    eid = add_enterprise(store)
    day = dt.date(2024, 6, 1)
    with store.transaction() as tx:
        sc = models.validate(
            models.SelfCheck,
            {
                "enterprise_id": eid,
                "campaign_year": 2024,
                "check_date": day,
                "management_system": True,
                "quality_director": True,
                "quality_officer": True,
                "daily_control": True,
                "weekly_check": False,
                "monthly_review": True,
                "items": [{"point_code": "R-01", "risk_point": "进货查验记录不全", "grade": "一般"}],
            },
        )
        records.save_self_check(tx, sc)
        records.save_inspection(
            tx,
            models.validate(
                models.Inspection,
                {
                    "enterprise_id": eid,
                    "campaign_year": 2024,
                    "inspection_date": day,
                    "field": "生产",
                    "sub_product_code": "18-01",
                },
            ),
        )
        records.save_help(
            tx,
            models.validate(
                models.HelpRecord,
                {"enterprise_id": eid, "campaign_year": 2024, "kind": "质量问诊", "help_date": day},
            ),
        )
    with store.read() as conn:
        audited = set(conn.execute(sa.select(schema.audit_log.c.table_name)).scalars())
        for table in (schema.self_checks, schema.risk_control_items, schema.inspections, schema.help_records):
            assert count(conn, table) == 1
    assert {"self_checks", "risk_control_items", "inspections", "help_records"} <= audited


def test_a_failed_write_leaves_nothing_behind(store):
    add_enterprise(store)
    with pytest.raises(ValidationFailed), store.transaction() as tx:
        tx.insert(schema.store_meta, {"key": "k", "value": "v"})
        models.validate(models.Enterprise, {"uscc": "bad", "name": "坏", "county_code": "x", "field": "y"})
    with store.read() as conn:
        meta = schema.store_meta
        assert conn.execute(sa.select(sa.func.count()).where(meta.c.key == "k")).scalar() == 0
        assert count(conn, schema.audit_log) == 1


def test_a_county_session_cannot_write_another_countys_records(store):
    eid = add_enterprise(store, "522702", 5)
    duyun = Store(store.url, user="都匀市局", county="522701")
    with pytest.raises(NotFound), duyun.transaction() as tx:  # invisible, so not found
        tx.update(schema.enterprises, eid, {"name": "改名"})
    other = models.validate(
        models.Enterprise,
        {
            "uscc": make_uscc("522702", 6),
            "name": "福泉某有限公司",
            "county_code": "522702",
            "field": "seller",
        },
    )
    with pytest.raises(OutOfScope, match="522701"), duyun.transaction() as tx:
        records.save_enterprise(tx, other)
    with duyun.read() as conn:
        visible = (
            conn.execute(duyun.scoped(sa.select(schema.enterprises.c.id), schema.enterprises)).scalars().all()
        )
    assert visible == []
    assert store.get(schema.enterprises, eid)["name"] == "测试企业5有限公司"


def test_second_save_of_a_stale_record_is_refused_naming_who_changed_it(store):
    eid = add_enterprise(store)
    alice, bob = Store(store.url, user="张三"), Store(store.url, user="李四")
    seen = alice.get(schema.enterprises, eid)["version"]
    with bob.transaction() as tx:
        tx.update(schema.enterprises, eid, {"address": "都匀市剑江路1号"}, expected_version=seen)
    with pytest.raises(StaleRecord) as exc, alice.transaction() as tx:
        tx.update(schema.enterprises, eid, {"address": "都匀市剑江路2号"}, expected_version=seen)
    assert "李四" in str(exc.value)
    assert store.get(schema.enterprises, eid)["address"] == "都匀市剑江路1号"


def test_opening_an_old_store_upgrades_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
    engine.dispose()
    store = open_store(url)
    assert store.revision() == store.head()


def hazard_store(tmp_path) -> tuple[ExtraMigrationStore, int]:
    """A SQLite store at the workbook's head holding one hazard with its ledger event, able to upgrade to a
    migration of the test's own; and the hazard's id."""
    url = f"sqlite:///{tmp_path / 's.db'}"
    open_store(url).dispose()  # the workbook's migrations, to its head
    store = ExtraMigrationStore(url, tmp_path / "versions", user="测试员")
    eid = workload.add_enterprises(store, "522701", [1])[0]
    with store.transaction("准备") as tx:
        hid, _ = records.save_hazard(tx, workload.hazard(eid, dt.date(2024, 6, 3)))
    return store, hid


def test_an_upgrade_that_would_leave_a_row_referring_to_a_missing_one_is_undone(tmp_path):
    """SQLite migrates with foreign keys off (store.migrating): a migration writing a ledger event of a hazard
    that is not there is undone — the store stays at its revision with every row and column as it was."""
    store, _ = hazard_store(tmp_path)
    at = store.revision()
    before = contents(store)
    store.add_migration(MISSING_HAZARD)
    with pytest.raises(StoreError, match="无法升级数据库：升级会使一些记录引用不存在的记录，已撤销升级"):
        store.upgrade()
    assert store.revision() == at
    assert contents(store) == before
    with store.read() as conn:
        assert "scratch" not in {c["name"] for c in sa.inspect(conn).get_columns("enterprises")}
    assert dangling_rows(store) == []


def test_an_upgrade_writing_a_row_that_refers_to_a_row_there_is_kept(tmp_path):
    """The near miss of the above: the same migration writing an event of the hazard the store holds."""
    store, hid = hazard_store(tmp_path)
    events = len(contents(store)["hazard_events"])
    store.add_migration(hid)
    assert store.upgrade() is True
    assert store.revision() == store.head() == "extra"
    assert len(contents(store)["hazard_events"]) == events + 1
    assert dangling_rows(store) == []


def test_a_store_already_holding_a_row_that_refers_to_a_missing_one_still_upgrades(tmp_path):
    """A damaged store (an event of a hazard that is not there, written with foreign keys off) is upgraded
    through migration 0034, which rebuilds the hazards' table on SQLite: the damage is neither more nor less
    (hazard verify names it), and the hazard's own events are kept."""
    path = tmp_path / "old.db"
    store = Store(f"sqlite:///{path}", user="测试员")
    command.upgrade(store.alembic_config(), "0033")
    eid = workload.add_enterprises(store, "522701", [1])[0]
    with store.transaction("准备") as tx:
        records.save_hazard(tx, workload.hazard(eid, dt.date(2024, 6, 3)))
    add_dangling_event(path)
    damaged = dangling_rows(store)
    assert len(damaged) == 1
    events = contents(store)["hazard_events"]
    assert store.upgrade() is True
    assert store.revision() == store.head()
    assert dangling_rows(store) == damaged
    assert contents(store)["hazard_events"] == events
