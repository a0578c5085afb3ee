"""County scoping in the store layer, on SQLite and on PostgreSQL: a county session can neither read nor
write another county's records through Store or Tx — get, scoped queries, insert, insert_many, update,
delete, the record savers — except the tracing tasks it sent or received."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from devtools import workload
from hazardlib import records, schema, vocab
from hazardlib.errors import NotFound, OutOfScope
from hazardlib.store import Store, open_store

pytestmark = pytest.mark.engines

MINE, OTHER, THIRD = "522701", "522702", "522722"
DAY = dt.date(2024, 6, 3)
# a tracing task is seen by the counties that sent it or held it, its passes by the counties that passed it and
# received it (tests/test_tracing_holders.py)
TRACING = ("tracing_tasks", "tracing_passes")
SCOPED = [t for t in schema.RECORD_TABLES if t.name not in TRACING]


def _value(column: sa.Column, county: str, parents: dict[str, int], serial: int) -> Any:
    """A valid value for a required column of a record of ``county``."""
    if column.name in ("county_code", "sampled_by_county", "from_county"):
        return county
    if column.foreign_keys:
        return parents[next(iter(column.foreign_keys)).column.table.name]
    t = column.type
    if isinstance(t, sa.Boolean):
        return False
    if isinstance(t, sa.DateTime):
        return dt.datetime(2024, 6, 3, 9, 0)
    if isinstance(t, sa.Date):
        return DAY
    if isinstance(t, sa.Integer):
        return 2024 if column.name == "campaign_year" else serial
    if isinstance(t, sa.JSON):
        return []
    if column.name == "uscc":
        return workload.make_uscc(county, serial)
    if column.name == "grade":  # one of the vocabulary's (the hazards' CHECK, migration 0034)
        return vocab.GRADE.codes[0]
    length = getattr(t, "length", None) or 20
    return f"{county}-{serial}"[:length] if length >= 6 else county[:length]


def row_for(table: sa.Table, county: str, parents: dict[str, int], serial: int) -> dict[str, Any]:
    """The required columns of ``table`` filled for a record of ``county`` (children of ``parents``)."""
    meta = {"id", "created_at", "created_by", "updated_at", "updated_by", "version"}
    return {
        c.name: _value(c, county, parents, serial)
        for c in table.columns
        if c.name not in meta and not c.nullable and c.server_default is None and c.default is None
    }


def one_of_each(store: Store, county: str, serial: int) -> dict[str, int]:
    """One record of ``county`` in every record table (tracing tasks: one sent to MINE, one to THIRD)."""
    ids: dict[str, int] = {}
    with store.transaction("准备") as tx:
        for table in SCOPED:
            ids[table.name] = tx.insert(table, row_for(table, county, ids, serial))
        for role, to in (("producer", MINE), ("seller", THIRD)):
            row = row_for(schema.tracing_tasks, county, ids, serial) | {"role": role, "to_county": to}
            ids[f"tracing_to_{to}"] = tx.insert(schema.tracing_tasks, row)
    return ids


@pytest.fixture
def world(store_url):
    prefecture = open_store(store_url, user="州局")
    theirs = one_of_each(prefecture, OTHER, 1)
    mine = one_of_each(prefecture, MINE, 2)
    return Store(store_url, user="都匀市局", county=MINE), prefecture, theirs, mine


def test_a_county_reads_none_of_another_countys_records(world):
    county, _, theirs, mine = world
    for table in SCOPED:
        with pytest.raises(NotFound):
            county.get(table, theirs[table.name])
        with county.read() as conn:
            visible = set(conn.execute(county.scoped(sa.select(table.c.id), table)).scalars())
        assert visible == {mine[table.name]}, table.name
    with county.read() as conn:
        tasks = set(
            conn.execute(county.scoped(sa.select(schema.tracing_tasks.c.id), schema.tracing_tasks)).scalars()
        )
    assert tasks == {theirs[f"tracing_to_{MINE}"], mine[f"tracing_to_{MINE}"], mine[f"tracing_to_{THIRD}"]}
    with pytest.raises(NotFound):
        county.get(schema.tracing_tasks, theirs[f"tracing_to_{THIRD}"])


@pytest.mark.parametrize("table", SCOPED, ids=lambda t: t.name)
def test_a_county_writes_none_of_another_countys_records(world, table):
    county, prefecture, theirs, mine = world
    before = prefecture.get(table, theirs[table.name])
    copy = {k: v for k, v in before.items() if k not in ("id", "version")}
    writes = [
        lambda tx: tx.update(table, theirs[table.name], copy),
        lambda tx: tx.delete(table, theirs[table.name]),
    ]
    for write in writes:
        with pytest.raises(NotFound), county.transaction() as tx:
            write(tx)
    for write in (lambda tx: tx.insert(table, copy), lambda tx: tx.insert_many(table, [copy])):
        with pytest.raises(OutOfScope), county.transaction() as tx:
            write(tx)
    # moving one's own record into another county, or under another county's record
    owner = {"county_code": OTHER} if "county_code" in table.c else {}
    owner |= {c.name: copy[c.name] for c in table.columns if c.foreign_keys and not c.nullable}
    with pytest.raises(OutOfScope), county.transaction() as tx:
        tx.update(table, mine[table.name], owner)
    assert prefecture.get(table, theirs[table.name]) == before


def test_the_record_savers_refuse_another_countys_enterprise(world):
    county, _, theirs, _ = world
    eid = theirs["enterprises"]
    saves = [
        lambda tx: records.save_self_check(tx, workload.self_check(eid, 2024, "越权")),
        lambda tx: records.save_inspection(tx, workload.inspection(eid, DAY, "18-01", "越权")),
        lambda tx: records.save_hazard(tx, workload.hazard(eid, DAY)),
        lambda tx: records.save_enterprise(tx, workload.enterprise(OTHER, 99)),
    ]
    for save in saves:
        with pytest.raises((OutOfScope, NotFound)), county.transaction() as tx:
            save(tx)


def test_a_county_works_on_the_tracing_tasks_it_sent_or_received_and_no_other(world):
    county, prefecture, theirs, mine = world
    t = schema.tracing_tasks
    received, elsewhere = theirs[f"tracing_to_{MINE}"], theirs[f"tracing_to_{THIRD}"]
    with county.transaction() as tx:
        tx.update(t, received, {"note": "已核查生产企业", "state": "done"})
        tx.update(t, mine[f"tracing_to_{THIRD}"], {"note": "已转办"})
    assert prefecture.get(t, received)["note"] == "已核查生产企业"
    with pytest.raises(OutOfScope), county.transaction() as tx:  # handing it on to two other counties
        tx.update(t, received, {"to_county": THIRD})
    with pytest.raises(NotFound), county.transaction() as tx:
        tx.update(t, elsewhere, {"note": "越权"})
    with pytest.raises(OutOfScope), county.transaction() as tx:
        tx.insert(
            t,
            {k: v for k, v in prefecture.get(t, elsewhere).items() if k not in ("id", "version")}
            | {"role": "x"},
        )
