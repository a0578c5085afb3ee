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
from alembic import command

from hazardlib import instruments, models
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
