"""The results list's parts changed by migration 0033 are read from their indexes alone, on SQLite and on
PostgreSQL: the visits by county and field, the instruments by county and kind, the self-checks' distinct
enterprises, the two-way traces and the enforcement cases, and classified supervision beside them. Before the
migration the traces read every task of the county from the table, the cases the table itself; the figures are
the same either way."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from hazardlib import instruments, models
from hazardlib.errors import MigrationRefused
from hazardlib.reports import results_list
from hazardlib.reports.scope import scope_for
from hazardlib.reports.supervision_counts import supervision_select
from hazardlib.store import Store
from hazardlib.tracing import create_tracing_tasks

from .situations import Situation
from .test_stages import postgresql_plan, sqlite_plan

D = dt.date
DAY = D(2024, 9, 15)
# the module, not the function of the same name that hazardlib.reports exports
PARTS = importlib.import_module("hazardlib.reports.results_list")


def plans(store: Store, *, index_only: bool = False) -> dict[str, str]:
    """Each part's plan: PostgreSQL's after VACUUM ANALYZE with scans of the table ruled out (what the indexes
    allow; the test store is too small for the planner to prefer an index) and, with ``index_only``, index scans
    that read the table too (which index gives the part alone: otherwise the planner picks among indexes of equal
    cost on rows this few, one not covering the part as good as any), SQLite's as it is."""
    scope = scope_for(store, DAY, None)
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")  # the visibility and statistics of the rows just written
    parts: dict[str, Any] = {
        name: getattr(PARTS, f"_{name}")(scope)
        for name in ("inspections", "instruments", "self_checks", "traces", "enforcement")
    }
    with store.read() as conn:
        parts["supervision"] = supervision_select(store, conn, scope)
    if store.engine.dialect.name == "postgresql":
        return {name: postgresql_plan(store, stmt, index_only=index_only) for name, stmt in parts.items()}
    return {name: sqlite_plan(store, stmt) for name, stmt in parts.items()}


def assert_read_from_their_indexes_alone(store: Store) -> None:
    """Each part's plan at migration 0033: read from its own index alone, by the conditions it ranges over."""
    head = plans(store, index_only=True)
    if store.engine.dialect.name == "postgresql":
        only = "Index Only Scan using"
        # The instruments are left out here: with one instrument the planner takes one descent of any index
        # over the 48 ranges (county, kind) of ix_instruments_counted; from some thousands on (the demo store)
        # it takes those ranges, index-only (docs/benchmarks.md). SQLite's plan is checked below.
        for name, index in [
            ("inspections", "ix_inspections_counted"),
            ("self_checks", "ix_self_checks_key_counted"),
            ("traces", "ix_tracing_tasks_to_county"),
            ("enforcement", "ix_enforcement_cases_counted"),
            ("supervision", "ix_hazards_classified"),
        ]:
            scans = [line for line in head[name].splitlines() if "Scan" in line]
            assert scans and all(f"{only} {index} " in line for line in scans), head[name]
        assert (
            "Index Cond: ((registered_county = '522701'::text) AND (field = 'production'::text)"
            in (head["inspections"])
        )
    else:
        covering = "USING COVERING INDEX"
        assert (
            f"{covering} ix_inspections_counted (registered_county=? AND field=? AND" in head["inspections"]
        )
        assert f"{covering} ix_instruments_counted (registered_county=? AND kind=? AND" in head["instruments"]
        assert f"{covering} ix_tracing_tasks_to_county (to_county=? AND created_date" in head["traces"]
        assert f"{covering} ix_enforcement_cases_counted (registered_county=?)" in head["enforcement"]
        assert covering in head["self_checks"] and covering in head["supervision"]


@pytest.mark.engines
def test_the_results_lists_parts_are_read_from_their_indexes_alone_since_migration_0033(store):
    s = Situation(store)
    eid = s.enterprise("522701")
    s.self_check(eid, D(2024, 5, 20))
    s.inspection(eid, D(2024, 7, 1))
    s.hazard(eid, D(2024, 7, 1), grade="larger", ordered=D(2024, 7, 1), deadline=D(2024, 7, 20))
    notice = {"kind": "rectification_notice", "campaign_year": 2024, "issue_date": D(2024, 7, 2)}
    s.save(instruments.save_instrument, models.Instrument, {**notice, "enterprise_id": eid})
    s.case(eid, D(2024, 8, 1), "unlicensed")
    _shop, batch = s.unqualified_shop("522702", "福泉市甲商店", D(2024, 8, 2))
    create_tracing_tasks(store, batch, D(2024, 8, 3))
    expected = results_list(store, DAY)
    duyun = expected.loc[0]
    assert (duyun["cases_filed"], duyun["rectification_notices"], duyun["producers_inspected"]) == (1, 1, 1)
    assert expected["two_way_traces"].sum() >= 1
    assert_read_from_their_indexes_alone(store)
    cfg = store.alembic_config()
    command.downgrade(cfg, "0032")
    store.engine.dispose()  # connections (and their cached statements) of the schema after the migration
    before = plans(store)
    assert "ix_enforcement_cases_counted" not in before["enforcement"]
    if store.engine.dialect.name == "postgresql":  # the task read from the table for its date
        assert "Index Scan using ix_tracing_tasks_to_county" in before["traces"], before["traces"]
        assert "Index Only Scan using ix_tracing_tasks_to_county" not in before["traces"]
    else:
        assert "USING INDEX ix_tracing_tasks_to_county (to_county=?)" in before["traces"], before["traces"]
        assert "SCAN enforcement_cases" in before["enforcement"], before["enforcement"]
    assert results_list(store, DAY).equals(expected)
    command.upgrade(cfg, "head")
    store.engine.dispose()
    assert_read_from_their_indexes_alone(store)  # the same plans again (costs aside: the statistics differ)
    assert results_list(store, DAY).equals(expected)


def ledger_plan(store: Store) -> str:
    """The plan of the results list's ledger figures (:func:`~hazardlib.reports.results_list.ledger_select`)."""
    stmt = PARTS.ledger_select(scope_for(store, DAY, None))
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        return postgresql_plan(store, stmt, index_only=True)
    return sqlite_plan(store, stmt)


def ledger_events(store: Store) -> list[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql("SELECT * FROM hazard_events ORDER BY id")]


def set_grade(store: Store, hazard_id: int, grade: str) -> None:
    """The hazard's grade written as it stands, past the models (what a hand-edited store could hold)."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE hazards SET grade = '{grade}' WHERE id = {hazard_id}")


@pytest.mark.engines
def test_the_ledgers_arms_are_read_by_grade_and_the_grade_is_the_vocabularys_since_migration_0034(store):
    s = Situation(store)
    duyun, fuquan = s.enterprise("522701"), s.enterprise("522702")
    s.hazard(duyun, D(2024, 7, 1), grade="general", ordered=D(2024, 7, 1), deadline=D(2024, 7, 20))  # overdue
    s.hazard(duyun, D(2024, 7, 2), grade="larger")
    major = s.hazard(duyun, D(2024, 7, 3), grade="major")
    s.hazard(fuquan, D(2024, 7, 4), grade="major", ordered=D(2024, 7, 4), deadline=D(2024, 12, 1))
    expected = results_list(store, DAY)
    figures = ["hazards_found", "hazards_general", "hazards_larger", "hazards_major", "hazards_overdue"]
    assert expected.loc[0, figures].tolist() == [3, 1, 1, 1, 1]
    assert expected.loc[1, figures].tolist() == [1, 0, 0, 1, 0]
    head = ledger_plan(store)
    if store.engine.dialect.name == "postgresql":
        # Each arm read from the index in the order of its groups by county and grade: only the arms' sums
        # are sorted (the grades are picked as the entries are read on a store this small).
        scans = [line for line in head.splitlines() if " on hazards" in line]
        assert len(scans) == 3 and all("using ix_hazards_counted on hazards" in line for line in scans), head
        assert head.count("Group Key: hazards") == 3 and "registered_county, hazards_1.grade" in head, head
        assert head.count("Sort Key") == 1, head
    else:
        # Each arm one range per county and grade, grouped in the index's order: only the arms' sums are sorted.
        by_grade = "USING COVERING INDEX ix_hazards_counted (registered_county=? AND kind=? AND grade=? AND plain_path=?"
        assert head.count(by_grade) == 3, head
        assert head.count("TEMP B-TREE") == 1, head
    # A grade outside the vocabulary is refused by the store; one of it is taken.
    set_grade(store, major, "major")
    with pytest.raises(sa.exc.IntegrityError):
        set_grade(store, major, "严重")
    cfg = store.alembic_config()
    command.downgrade(cfg, "0033")
    store.engine.dispose()
    before = ledger_plan(store)
    # Before, each arm's entries of a county were sorted again by grade.
    assert before.count("Sort Key" if store.engine.dialect.name == "postgresql" else "TEMP B-TREE") > 1, (
        before
    )
    assert results_list(store, DAY).equals(expected)
    # A store holding one is not upgraded (nothing changes) until the grade is put right.
    set_grade(store, major, "严重")
    with pytest.raises(
        MigrationRefused, match=rf"有 1 条隐患的“隐患等级”不是一般、较大或重大（隐患编号 {major}）"
    ):
        store.upgrade()
    assert store.revision() == "0033"
    set_grade(store, major, "major")
    # Upgraded as `hazard init` does: SQLite rebuilds the table, and every event of the ledger stays.
    events = ledger_events(store)
    assert events and store.upgrade()
    store.engine.dispose()
    assert ledger_events(store) == events
    assert ledger_plan(store).count("ix_hazards_counted") >= 3
    assert results_list(store, DAY).equals(expected)
