"""``Tx.insert_many`` writes through SQLAlchemy's insert with RETURNING over many rows: each id is its own
row's (matched by the credit code where the table keeps one unique, else in the rows' order), a refused row
leaves none of the rows, and rows naming different columns each store what they name; on SQLite and on
PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from devtools import workload
from hazardlib import schema
from hazardlib.errors import OutOfScope
from hazardlib.store import Store

pytestmark = pytest.mark.engines

E = schema.enterprises
H = schema.hazards


def test_each_id_is_its_rows_and_the_next_insert_goes_on_from_it(store):
    rows = [workload.enterprise("522701", n).row() for n in (7, 3, 9, 1)]
    with store.transaction() as tx:
        first = tx.insert_many(E, rows)
        single = tx.insert(E, workload.enterprise("522701", 5).row())
        second = tx.insert_many(E, [workload.enterprise("522702", n).row() for n in (2, 4)], audit="batch")
    assert len({*first, single, *second}) == 7 and max(first) < single < min(second)
    with store.read() as conn:
        by_uscc = dict(conn.execute(sa.select(E.c.uscc, E.c.id)).all())
        audited = conn.execute(
            sa.select(schema.audit_log.c.record_id, schema.audit_log.c.after["uscc"].as_string())
            .where(schema.audit_log.c.action == "insert")
            .order_by(schema.audit_log.c.id)
        ).all()
    assert [by_uscc[r["uscc"]] for r in rows] == first
    assert audited[:4] == [(i, r["uscc"]) for i, r in zip(first, rows, strict=True)]


def test_the_ids_of_a_table_without_a_unique_text_column_are_in_the_rows_order(store):
    [eid] = workload.add_enterprises(store, "522701", [1])
    days = [dt.date(2024, 6, d) for d in (9, 2, 30, 14, 5)]
    rows = [workload.hazard(eid, day).row() | {"county_code": "522701"} for day in days]
    with store.transaction() as tx:
        ids = tx.insert_many(H, rows, audit="batch")
    with store.read() as conn:
        found = dict(conn.execute(sa.select(H.c.id, H.c.found_date)).all())
    assert [found[i] for i in ids] == days


@pytest.mark.parametrize("audit", ["each", "batch", "summary"])
def test_a_refused_row_raises_and_leaves_none_of_the_rows(store, audit):
    kept = workload.add_enterprises(store, "522701", [2])
    batch = [workload.enterprise("522701", n).row() for n in (1, 2, 3)]  # 2 is stored already
    with store.transaction() as tx:
        with pytest.raises(sa.exc.IntegrityError):
            tx.insert_many(E, batch, audit=audit)
        later = tx.insert_many(E, [workload.enterprise("522701", 4).row()])
    with store.read() as conn:
        stored = conn.execute(sa.select(E.c.id, E.c.uscc).order_by(E.c.id)).all()
        audited = conn.execute(
            sa.select(schema.audit_log.c.record_id).order_by(schema.audit_log.c.id)
        ).scalars()
        assert list(audited) == kept + later
    assert stored == [(kept[0], workload.make_uscc("522701", 2)), (later[0], workload.make_uscc("522701", 4))]


def test_rows_naming_different_columns_each_store_what_they_name(store):
    """One statement takes the columns of its first row: a later row's other columns must not be dropped."""
    rows = [
        {
            "uscc": workload.make_uscc("522704", 1),
            "name": "甲商行",
            "county_code": "522704",
            "field": "seller",
        },
        {
            "uscc": workload.make_uscc("522704", 2),
            "name": "乙商行",
            "county_code": "522704",
            "field": "seller",
            "contact": "李四",
        },
        {
            "uscc": workload.make_uscc("522704", 3),
            "name": "丙商行",
            "county_code": "522704",
            "field": "seller",
        },
    ]
    with store.transaction() as tx:
        ids = tx.insert_many(E, rows, audit="batch")
    with store.read() as conn:
        stored = {i: (u, c) for i, u, c in conn.execute(sa.select(E.c.id, E.c.uscc, E.c.contact))}
    assert [stored[i] for i in ids] == [(r["uscc"], r.get("contact")) for r in rows]


def test_rows_nobody_links_to_are_written_in_order_without_their_ids_and_audited_once(store):
    """``Tx.insert_unlinked`` (the demo's ledger events and documents): the rows stored in the order given,
    after the rows before them, with one ``bulk_insert`` entry holding their count."""
    [eid] = workload.add_enterprises(store, "522701", [1])
    days = [dt.date(2024, 6, d) for d in (9, 2, 30)]
    rows = [workload.hazard(eid, day).row() | {"county_code": "522701"} for day in days]
    with store.transaction() as tx:
        [before] = tx.insert_many(H, rows[:1])
        assert tx.insert_unlinked(H, rows[1:]) == 2
        assert tx.insert_unlinked(H, []) == 0
    with store.read() as conn:
        stored = conn.execute(sa.select(H.c.id, H.c.found_date).order_by(H.c.id)).all()
        entries = conn.execute(
            sa.select(schema.audit_log.c.after).where(
                schema.audit_log.c.action == "bulk_insert", schema.audit_log.c.table_name == "hazards"
            )
        ).scalars()
        assert list(entries) == [{"rows": 2}]
    assert [d for _, d in stored] == days and stored[0][0] == before < stored[1][0] < stored[2][0]


def test_rows_nobody_links_to_are_refused_outside_a_county_sessions_county(store):
    [eid] = workload.add_enterprises(store, "522701", [1])
    row = workload.hazard(eid, dt.date(2024, 6, 9)).row() | {"county_code": "522701"}
    county = Store(store.url, user="瓮安县局", county="522725")
    with pytest.raises(OutOfScope), county.transaction() as tx:
        tx.insert_unlinked(H, [row])
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(H)).scalar() == 0
