"""``Tx.insert_many`` writes through the DBAPI's executemany (``Tx._driver_insert``) and stores exactly what
SQLAlchemy's own insert statement stores: the same values, ids, counts and audit entries, on SQLite and on
PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hazardlib import schema
from hazardlib.devtools import workload
from hazardlib.devtools.postgres import create_database, drop_database
from hazardlib.store import Store, Tx, open_store

pytestmark = pytest.mark.engines

NOW = dt.datetime(2024, 9, 15, 10, 30, 5)
E = schema.enterprises


@dataclasses.dataclass
class Paths:
    """Which way each insert_many call of a test went: the ids the driver insert gave, or None."""

    results: list[list[int] | None] = dataclasses.field(default_factory=list)


@pytest.fixture
def pair(store_url: str, engine_name: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple]:
    """Two fresh stores with the same schema and nothing in them."""
    url = sa.engine.make_url(store_url)
    if engine_name == "sqlite":
        twin = tmp_path / "twin.db"
        shutil.copyfile(str(url.database), twin)
        twin_url = f"sqlite:///{twin}"
    else:
        admin = request.getfixturevalue("pg_url")
        name = f"t_{uuid.uuid4().hex[:20]}"
        twin_url = create_database(admin, name, template=str(url.database))
        request.addfinalizer(lambda: drop_database(admin, name))
    stores = open_store(store_url, user="测试员"), open_store(twin_url, user="测试员")
    yield stores
    for s in stores:
        s.dispose()


@pytest.fixture
def paths(monkeypatch: pytest.MonkeyPatch) -> Paths:
    """Notes what each driver insert returned."""
    seen = Paths()
    driver = Tx._driver_insert

    def noted(self: Tx, table: sa.Table, full: list[dict[str, Any]]) -> list[int] | None:
        ids = driver(self, table, full)
        seen.results.append(ids)
        return ids

    monkeypatch.setattr(Tx, "_driver_insert", noted)
    return seen


def sqlalchemy_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every insert_many through SQLAlchemy's insert statement, as before the driver insert."""
    monkeypatch.setattr(Tx, "_driver_insert", lambda self, table, full: None)


def fill(store: Store, audit: str) -> list[list[int]]:
    """Records of several tables in one transaction, the ids of each insert_many call."""
    enterprises = [workload.enterprise("522701" if n % 3 else "522702", n).row() for n in range(1, 13)]
    for n, row in enumerate(enterprises):
        row.update(
            address=None if n % 2 else f"都匀市剑江路{n}号",
            in_cluster_area=n % 4 == 0,
            concentrated_complaints=n == 5,
            ccc_certificates=[f"2024010{n}"] if n % 5 == 0 else [],
            products=["18-01", "15-01"][: n % 3],
        )
    bare = [  # no lists given: each gets the column's default (an empty list)
        {
            "uscc": workload.make_uscc("522703", n),
            "name": f"无产品企业{n}",
            "county_code": "522703",
            "field": "seller",
        }
        for n in range(20, 24)
    ]
    with store.transaction("批量写入") as tx:
        tx.now = NOW
        ids = [tx.insert_many(E, enterprises, audit=audit), tx.insert_many(E, bare, audit=audit)]
        first = ids[0]
        hazards = [
            workload.hazard(first[n], dt.date(2024, 6, 1 + n), problem=f"P0{n % 4 + 1}").row()
            for n in range(8)
        ]
        for n, row in enumerate(hazards):
            row.update(
                county_code="522701",
                large_urgent=n == 3,
                control_measures=None if n % 3 else n % 2 == 0,
                ordered_date=dt.date(2024, 6, 2 + n) if n % 2 else None,
                deadline=dt.date(2024, 7, 2 + n) if n % 2 else None,
            )
        ids.append(tx.insert_many(schema.hazards, hazards, audit=audit))
        inspections = [  # no results given: each gets the column's default (an empty dict)
            {
                k: v
                for k, v in workload.inspection(i, dt.date(2024, 5, 9), "18-01", "抽样").row().items()
                if k != "results"
            }
            | {"county_code": "522701"}
            for i in first[:3]
        ]
        ids.append(tx.insert_many(schema.inspections, inspections, audit=audit))
        reports = [
            {
                "county_code": "522701",
                "campaign_year": 2024,
                "kind": "large_urgent",
                "record_table": "hazards",
                "record_id": i,
                "raised_at": dt.datetime(2024, 6, 4, 9, 15, 30, 123456),
                "due_at": dt.datetime(2024, 6, 5, 9, 15, 30, 7),
                "acknowledged_at": None if n else dt.datetime(2024, 6, 4, 11, 0),
                "acknowledged_by": None if n else "张三",
                "summary": "大额紧急隐患",
            }
            for n, i in enumerate(ids[2][:3])
        ]
        ids.append(tx.insert_many(schema.immediate_reports, reports, audit=audit))
        mixed = [  # keys that differ between rows: left to SQLAlchemy's statement
            {
                "uscc": workload.make_uscc("522704", 1),
                "name": "甲",
                "county_code": "522704",
                "field": "seller",
            },
            {
                "uscc": workload.make_uscc("522704", 2),
                "name": "乙",
                "county_code": "522704",
                "field": "seller",
                "contact": "李四",
            },
        ]
        ids.append(tx.insert_many(E, mixed, audit=audit))
    return ids


def contents(store: Store) -> dict[str, list[list[tuple[type, Any]]]]:
    """Every table's rows as the driver hands them back (SQLite: the stored text and numbers), by id."""
    tables = {}
    with store.read() as conn:
        for table in schema.metadata.sorted_tables:
            order = ", ".join(c.name for c in table.primary_key.columns)
            rows = conn.exec_driver_sql(f"SELECT * FROM {table.name} ORDER BY {order}").all()
            tables[table.name] = [[(type(v), v) for v in row] for row in rows]
    return tables


@pytest.mark.parametrize("audit", ["each", "batch", "summary"])
def test_the_driver_insert_stores_what_sqlalchemys_statement_stores(pair, paths, monkeypatch, audit):
    fast, plain = pair
    fast_ids = fill(fast, audit)
    assert [r is not None for r in paths.results] == [True] * 5 + [False]  # the mixed rows fell back
    sqlalchemy_only(monkeypatch)
    assert fill(plain, audit) == fast_ids
    written, expected = contents(fast), contents(plain)
    assert expected["enterprises"] and expected["hazards"] and expected["immediate_reports"]
    assert written["audit_log"]
    for name in expected:
        assert written[name] == expected[name], name


def test_each_id_is_its_rows_and_the_next_insert_goes_on_from_it(store, paths):
    rows = [workload.enterprise("522701", n).row() for n in (7, 3, 9, 1)]
    with store.transaction() as tx:
        first = tx.insert_many(E, rows)
        single = tx.insert(E, workload.enterprise("522701", 5).row())
        second = tx.insert_many(E, [workload.enterprise("522702", n).row() for n in (2, 4)], audit="batch")
    assert all(paths.results)
    assert [*first, single, *second] == list(range(first[0], first[0] + 7))
    with store.read() as conn:
        by_uscc = dict(conn.execute(sa.select(E.c.uscc, E.c.id)).all())
        audited = conn.execute(
            sa.select(schema.audit_log.c.record_id, schema.audit_log.c.after["uscc"].as_string())
            .where(schema.audit_log.c.action == "insert")
            .order_by(schema.audit_log.c.id)
        ).all()
    assert [by_uscc[r["uscc"]] for r in rows] == first
    assert audited[:4] == [(i, r["uscc"]) for i, r in zip(first, rows, strict=True)]


@pytest.mark.parametrize("driver", [True, False], ids=["driver", "sqlalchemy"])
def test_a_refused_row_raises_the_same_error_and_leaves_nothing(store, paths, monkeypatch, driver):
    kept = workload.add_enterprises(store, "522701", [2])
    if not driver:
        sqlalchemy_only(monkeypatch)
    batch = [workload.enterprise("522701", n).row() for n in (1, 2, 3)]  # 2 is stored already
    with store.transaction() as tx:
        savepoint = tx.conn.begin_nested()
        with pytest.raises(sa.exc.IntegrityError):
            tx.insert_many(E, batch, audit="batch")
        savepoint.rollback()
        later = tx.insert_many(E, [workload.enterprise("522701", 4).row()])
    assert paths.results == ([later] if driver else [])
    with store.read() as conn:
        stored = conn.execute(sa.select(E.c.id, E.c.uscc).order_by(E.c.id)).all()
        audited = conn.execute(
            sa.select(schema.audit_log.c.record_id).order_by(schema.audit_log.c.id)
        ).scalars()
        assert list(audited) == kept + later
    assert stored == [(kept[0], workload.make_uscc("522701", 2)), (later[0], workload.make_uscc("522701", 4))]


def test_a_refused_row_leaves_none_of_the_rows_before_it(store):
    """The driver insert writes row by row, in a savepoint of its own: the rows before a refused one go too."""
    workload.add_enterprises(store, "522701", [2])
    with store.transaction() as tx:
        with pytest.raises(sa.exc.DBAPIError):
            tx.insert_many(E, [workload.enterprise("522701", n).row() for n in (1, 2)])
        assert tx.conn.execute(sa.select(sa.func.count()).select_from(E)).scalar() == 1


def test_holding_names_exactly_the_stored_values_asked_for(store):
    """``Tx.holding`` (the batch import's look-up): which of the given credit codes are stored, by a plain
    query through the driver on either engine."""
    workload.add_enterprises(store, "522701", [2, 5])
    stored = {workload.make_uscc("522701", n) for n in (2, 5)}
    asked = [workload.make_uscc("522701", n) for n in range(1, 8)] + ["x' OR '1'='1", "%s", "?"]
    with store.transaction() as tx:
        assert tx.holding(E, "uscc", asked) == stored
        assert tx.holding(E, "uscc", asked[:1]) == set()
        assert tx.holding(E, "uscc", []) == set()
        assert tx.holding(E, "name", ["无此企业"]) == set()
