"""The audit log, on SQLite and on PostgreSQL: every change is in it and names a person, hazardlib has no
way to change it, and the database itself refuses to change or delete an entry."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

import hazardlib
from devtools import workload
from hazardlib import ledger, records, schema
from hazardlib.errors import StoreError
from hazardlib.store import Store, audited_records, open_store

pytestmark = pytest.mark.engines

A = schema.audit_log


def entries(store: Store) -> list[sa.Row]:
    with store.read() as conn:
        return conn.execute(sa.select(A).order_by(A.c.id)).all()


def test_every_kind_of_write_leaves_an_entry_naming_the_person(store):
    clerk = Store(store.url, user="  王五  ")
    eid = workload.add_enterprises(clerk, "522701", [1])[0]
    with clerk.transaction("录入") as tx:
        hid, _ = records.save_hazard(tx, workload.hazard(eid, dt.date(2024, 6, 3)))
        tx.insert_many(
            schema.inspections,
            [
                workload.inspection(eid, dt.date(2024, 6, d), "18-01", "批量").row()
                | {"county_code": "522701"}
                for d in (4, 5)
            ],
        )
        tx.insert_many(
            schema.inspections,
            [
                workload.inspection(eid, dt.date(2024, 6, 6), "18-01", "汇总").row()
                | {"county_code": "522701"}
            ],
            audit="summary",
        )
        tx.update(schema.enterprises, eid, {"address": "都匀市剑江路1号"})
        tx.set_meta("联系人", "王五")
    with clerk.transaction() as tx:
        tx.delete(
            schema.inspections,
            max(r.record_id for r in entries(clerk) if r.table_name == "inspections" and r.record_id),
        )
    ledger.move(clerk, hid, "order", day=dt.date(2024, 6, 4), deadline=dt.date(2024, 7, 4))
    log = entries(clerk)
    assert {e.action for e in log} >= {"insert", "bulk_insert", "update", "delete", "meta"}
    assert {e.actor for e in log} == {"王五"}  # trimmed, never empty
    assert all(e.at is not None for e in log)
    assert Store(store.url, user=" ").user.strip()  # no name given: the login name or 系统, never blank


def test_hazardlib_offers_no_way_to_change_or_delete_an_entry(store):
    workload.add_enterprises(store, "522701", [1])
    (first, *_) = entries(store)
    attempts = [
        lambda tx: tx.update(A, first.id, {"actor": "别人"}),
        lambda tx: tx.delete(A, first.id),
        lambda tx: tx.insert(
            A, {"at": dt.datetime(2024, 1, 1), "actor": "伪造", "action": "insert", "table_name": "x"}
        ),
        lambda tx: tx.insert_many(
            A, [{"at": dt.datetime(2024, 1, 1), "actor": "伪造", "action": "insert", "table_name": "x"}]
        ),
    ]
    for attempt in attempts:
        with pytest.raises(StoreError, match="审计日志"), store.transaction() as tx:
            attempt(tx)
    assert entries(store) == [first]
    # and no module of the package writes UPDATE or DELETE against the audit log
    package = Path(hazardlib.__file__).parent
    pattern = re.compile(r"audit_log\.(update|delete)\(|(UPDATE|DELETE FROM|TRUNCATE)\s+audit_log", re.I)
    offenders = [
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if "migrations" not in p.parts and pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_database_refuses_to_change_delete_or_forge_an_anonymous_entry(store_url):
    store = open_store(store_url, user="测试员")
    workload.add_enterprises(store, "522701", [1])
    before = entries(store)
    statements = ["UPDATE audit_log SET actor = '别人'", "DELETE FROM audit_log"]
    if store.engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_log")
    for sql in statements:
        with (
            pytest.raises(sa.exc.DBAPIError, match="审计日志只能追加，不能修改或删除"),
            store.engine.begin() as conn,
        ):
            conn.exec_driver_sql(sql)
    for actor in ("", "   "):
        with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
            conn.execute(
                A.insert().values(at=dt.datetime(2024, 1, 1), actor=actor, action="insert", table_name="x")
            )
    assert entries(store) == before


def test_the_database_refuses_to_replace_an_entry_by_inserting_over_its_id(store_url):
    """SQLite's INSERT OR REPLACE deletes the row it conflicts with without firing DELETE triggers; an
    upsert would rewrite the entry in place. Either way the entry stays as it was."""
    store = open_store(store_url, user="测试员")
    workload.add_enterprises(store, "522701", [1])
    before = entries(store)
    first = before[0].id
    cols = "(id, at, actor, action, table_name)"
    values = f"({first}, '2024-01-01 00:00:00', '别人', 'insert', 'enterprises')"
    if store.engine.dialect.name == "sqlite":
        statements = [
            f"INSERT OR REPLACE INTO audit_log {cols} VALUES {values}",
            f"REPLACE INTO audit_log {cols} VALUES {values}",
            f"INSERT OR REPLACE INTO audit_log (rowid, at, actor, action, table_name) VALUES {values}",
            f"INSERT INTO audit_log {cols} VALUES {values} ON CONFLICT (id) DO UPDATE SET actor = excluded.actor",
        ]
    else:
        statements = [
            f"INSERT INTO audit_log {cols} VALUES {values} ON CONFLICT (id) DO UPDATE SET actor = excluded.actor"
        ]
    for sql in statements:
        with (
            pytest.raises(sa.exc.DBAPIError, match="审计日志只能追加，不能修改或删除"),
            store.engine.begin() as conn,
        ):
            conn.exec_driver_sql(sql)
    assert entries(store) == before
    workload.add_enterprises(store, "522701", [2])  # appending goes on as before
    assert len(entries(store)) == len(before) + 1


def test_a_store_upgraded_from_before_the_replace_trigger_gets_it(tmp_path):
    """A SQLite store made at revision 0006 and upgraded refuses INSERT OR REPLACE like a new one."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = Store(url, user="测试员")
    command.upgrade(old.alembic_config(), "0006")
    workload.add_enterprises(old, "522701", [1])  # entries written before the upgrade
    old.dispose()
    old = open_store(url, user="测试员")  # upgraded to the newest revision
    assert old.revision() == old.head() != "0006"
    before = entries(old)
    with (
        pytest.raises(sa.exc.DBAPIError, match="审计日志只能追加"),
        old.engine.begin() as conn,
    ):
        conn.exec_driver_sql(
            f"INSERT OR REPLACE INTO audit_log (id, at, actor, action, table_name) "
            f"VALUES ({before[0].id}, '2024-01-01 00:00:00', '别人', 'insert', 'enterprises')"
        )
    assert entries(old) == before


def _enterprise_rows() -> list[dict]:
    return [workload.enterprise(c, n).row() for c, n in (("522701", 1), ("522702", 2), ("522701", 3))]


def _account_rows() -> list[dict]:
    return [
        {"name": f"账号{n}", "county_code": county, "password_hash": f"argon2-secret-{n}"}
        for county, n in (("522701", 1), ("522702", 2), ("522701", 3))
    ]


def _account_rows_one_secret() -> list[dict]:
    """Accounts whose secret is alike in every record of a county (held once by the batch entry)."""
    return [{**row, "password_hash": "argon2-secret"} for row in _account_rows()]


@pytest.mark.parametrize(
    ("table", "make_rows"),
    [
        (schema.enterprises, _enterprise_rows),
        (schema.accounts, _account_rows),
        (schema.accounts, _account_rows_one_secret),
    ],
    ids=["enterprises", "accounts", "accounts-one-secret"],
)
def test_a_batch_entry_holds_what_one_entry_per_record_would(store, table, make_rows):
    """``insert_many(..., audit="batch")`` writes one entry per county holding each record's id and values;
    read record by record it says exactly what an entry per record says (a secret column hidden alike)."""
    rows = make_rows()
    times = {"created_at", "updated_at"}

    def plain(entry: dict) -> tuple:
        after = {k: entry["after"][k] for k in sorted(entry["after"]) if k not in times}
        return (
            entry["action"],
            entry["table_name"],
            entry["county_code"],
            entry["actor"],
            entry["before"],
            after,
        )

    views = {}
    for audit in ("each", "batch"):
        seen = {e.id for e in entries(store)}
        with store.transaction(f"批量导入（{audit}）") as tx:
            ids = tx.insert_many(table, rows, audit=audit)
        assert "argon2-secret" not in repr([e._mapping for e in entries(store)])
        written = [dict(e._mapping) for e in entries(store) if e.id not in seen]
        expanded = [r for e in written for r in audited_records(e)]
        assert sorted(r["record_id"] for r in expanded) == ids  # each record by its id
        views[audit] = (len(written), sorted(map(repr, map(plain, expanded))))
        with store.transaction("清理") as tx:
            for i in ids:
                tx.delete(table, i)
    assert views["each"][0] == 3 and views["batch"][0] == 2  # one entry for 都匀市, one for 福泉市
    assert views["each"][1] == views["batch"][1]


def test_batch_entries_of_every_layout_read_the_same():
    """Entries written by earlier versions hold a batch's records as mappings, later ones as columns and
    lists of values, the latest the values every record holds alike once: all read as the same entry per
    record."""
    at = dt.datetime(2026, 11, 1, 9, 0)
    base = {
        "action": "bulk_insert",
        "table_name": "enterprises",
        "at": at,
        "actor": "甲",
        "county_code": "522701",
    }
    records = [
        {"uscc": "A", "name": "甲公司", "products": ["03-01"]},
        {"uscc": "B", "name": "乙公司", "products": []},
    ]
    earlier = {**base, "after": {"rows": 2, "ids": [7, 8], "records": records}}
    later = {**base, "after": {"rows": 2, "ids": [7, 8], "columns": ["uscc", "name", "products"],
                               "values": [["A", "甲公司", ["03-01"]], ["B", "乙公司", []]]}}  # fmt: skip
    # what every record of the entry holds alike written once (7 December 2026, 23:45 UTC and after)
    latest = {**base, "after": {"rows": 2, "ids": [7, 8], "columns": ["uscc", "name", "products"],
                                "same": {"name": "甲公司"}, "values": [["A", ["03-01"]], ["B", []]]}}  # fmt: skip
    read = audited_records(later)
    assert audited_records(earlier) == read
    assert audited_records(latest) == [{**e, "after": {**e["after"], "name": "甲公司"}} for e in read]
    assert list(audited_records(latest)[1]["after"])[-3:] == [
        "uscc",
        "name",
        "products",
    ]  # in the columns' order
    assert [(e["action"], e["record_id"], e["after"]["uscc"], e["after"]["created_by"]) for e in read] == [
        ("insert", 7, "A", "甲"),
        ("insert", 8, "B", "甲"),
    ]
    summary = {**base, "after": {"rows": 2, "ids": [7, 8]}}  # audit="summary": an entry of its own
    assert audited_records(summary) == [summary]
