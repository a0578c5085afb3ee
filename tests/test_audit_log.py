"""The audit log, on SQLite and on PostgreSQL: every change is in it and names a person, hazardlib has no
way to change it, and the database itself refuses to change or delete an entry."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

import hazardlib
from hazardlib import ledger, records, schema
from hazardlib.devtools import workload
from hazardlib.errors import StoreError
from hazardlib.store import Store, open_store

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
            audit_rows=False,
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
