"""The ledger's shape (``hazard_events.until_date`` and ``held_deadline``, :mod:`hazardlib.figures`): kept
by each ledger move in the same transaction, filled by migration 0009 from the events, and checked by
``hazard verify``, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner

from hazardlib import ledger, schema
from hazardlib.cli import main
from hazardlib.figures import counted_by_arms, is_closed, is_overdue, ledger_at, shape_problems
from hazardlib.store import Store

from .situations import Situation

pytestmark = pytest.mark.engines
D = dt.date
E = schema.hazard_events


def shapes(store: Store, hazard_id: int) -> list[tuple[str, dt.date, dt.date | None, dt.date | None]]:
    """(move, event date, until date, deadline in force) of a hazard's events in ledger order."""
    with store.read() as conn:
        rows = conn.execute(
            sa.select(E.c.move, E.c.event_date, E.c.until_date, E.c.held_deadline)
            .where(E.c.hazard_id == hazard_id)
            .order_by(E.c.event_date, E.c.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def story(store_url: str) -> tuple[Store, dict[str, int]]:
    store = Store(store_url, user="测试员")
    s = Situation(store)
    a, b = s.enterprise("522701"), s.enterprise("522702")
    return store, s.ledger_story(a, b, b, a)


def test_each_ledger_move_keeps_the_shape_of_its_hazards_events(store_url: str) -> None:
    store, ids = story(store_url)
    # Found and ordered the same day: the found event holds on no day; a closing holds until reopened.
    assert shapes(store, ids["reopened"]) == [
        ("found", D(2024, 6, 25), D(2024, 6, 25), None),
        ("order", D(2024, 6, 25), D(2024, 7, 1), D(2024, 7, 5)),
        ("rectify", D(2024, 7, 1), D(2024, 7, 2), D(2024, 7, 5)),
        ("reinspect", D(2024, 7, 2), D(2024, 7, 2), D(2024, 7, 5)),
        ("close", D(2024, 7, 2), D(2024, 8, 1), D(2024, 7, 5)),
        ("look_back", D(2024, 8, 1), None, D(2024, 8, 10)),
    ]
    # An escalation keeps the state and the deadline in force before it.
    assert shapes(store, ids["refused"])[-2:] == [
        ("refuse", D(2024, 7, 13), D(2024, 7, 14), D(2024, 7, 12)),
        ("escalate", D(2024, 7, 14), None, D(2024, 7, 12)),
    ]
    ledger.move(store, ids["refused"], "order", day=D(2024, 7, 20), deadline=D(2024, 8, 5))
    assert shapes(store, ids["refused"])[-2:] == [
        ("escalate", D(2024, 7, 14), D(2024, 7, 20), D(2024, 7, 12)),
        ("order", D(2024, 7, 20), None, D(2024, 8, 5)),
    ]
    with store.read() as conn:
        assert shape_problems(conn) == []
        state = ledger.state_at(conn, [ids["refused"]], D(2024, 8, 6)).iloc[0]
    assert (state["state"], state["deadline"], bool(state["overdue"])) == ("ordered", D(2024, 8, 5), True)


def test_hazard_verify_finds_a_shape_that_differs_from_the_events(store_url: str) -> None:
    store, ids = story(store_url)
    runner = CliRunner()
    assert runner.invoke(main, ["verify", "--db", store_url]).exit_code == 0
    with store.engine.begin() as conn:  # a writer that went round the ledger move
        conn.execute(
            E.update().where(E.c.hazard_id == ids["closed"], E.c.move == "close").values(until_date=None)
        )
        conn.execute(E.insert().values(hazard_id=ids["closed"], move="look_back", event_date=D(2024, 8, 1),
                                       from_state="closed", to_state="found", outcome="reopened", actor="某人",
                                       recorded_at=dt.datetime(2024, 8, 1, 9)))  # fmt: skip
    found = runner.invoke(main, ["verify", "--db", store_url])
    assert found.exit_code == 1 and "状态有效期" in found.output and f"隐患 {ids['closed']}" in found.output
    mended = runner.invoke(main, ["verify", "--db", store_url, "--mend-shape", "--user", "管理员"])
    assert mended.exit_code == 0 and "完整性检查通过" in mended.output
    assert shapes(store, ids["closed"])[-2:] == [
        ("close", D(2024, 7, 8), D(2024, 8, 1), D(2024, 7, 10)),
        ("look_back", D(2024, 8, 1), None, D(2024, 7, 10)),
    ]
    with store.read() as conn:
        audit = schema.audit_log
        assert (
            conn.execute(sa.select(audit.c.actor).where(audit.c.action == "mend_shape")).scalar() == "管理员"
        )


def test_migration_0009_fills_the_shape_from_the_events_and_drops_the_running_counts(store_url: str) -> None:
    store, ids = story(store_url)
    kept = {name: shapes(store, i) for name, i in ids.items()}
    cfg = store.alembic_config()
    command.downgrade(cfg, "0006")
    columns = {c["name"] for c in sa.inspect(store.engine).get_columns("hazard_events")}
    assert "until_date" not in columns and sa.inspect(store.engine).has_table("figure_counts")
    command.upgrade(cfg, "head")
    assert not sa.inspect(store.engine).has_table("figure_counts")
    assert {name: shapes(store, i) for name, i in ids.items()} == kept
    with store.read() as conn:
        assert shape_problems(conn) == []


H = schema.hazards


def span(store: Store, hazard_id: int) -> tuple[dt.date | None, str | None, dt.date | None]:
    """(span date, span state, span deadline) of a hazard: its current span (migration 0010)."""
    with store.read() as conn:
        row = conn.execute(
            sa.select(H.c.span_date, H.c.span_state, H.c.span_deadline).where(H.c.id == hazard_id)
        ).one()
    return tuple(row)  # type: ignore[return-value]


def test_each_ledger_move_keeps_the_hazards_current_span(store_url: str) -> None:
    store, ids = story(store_url)
    assert span(store, ids["reopened"]) == (D(2024, 8, 1), "ordered", D(2024, 8, 10))
    assert span(store, ids["refused"]) == (D(2024, 7, 14), "refused", D(2024, 7, 12))
    ledger.move(store, ids["refused"], "order", day=D(2024, 7, 20), deadline=D(2024, 8, 5))
    assert span(store, ids["refused"]) == (D(2024, 7, 20), "ordered", D(2024, 8, 5))
    # Before its latest event the state is read from the event holding then, after it from the span.
    with store.read() as conn:
        early = ledger.state_at(conn, [ids["refused"]], D(2024, 7, 15)).iloc[0]
        late = ledger.state_at(conn, [ids["refused"]], D(2024, 8, 6)).iloc[0]
    assert (early["state"], early["deadline"]) == ("refused", D(2024, 7, 12))
    assert (late["state"], late["deadline"], bool(late["overdue"])) == ("ordered", D(2024, 8, 5), True)


def test_hazard_verify_finds_and_mends_a_span_that_differs_from_the_events(store_url: str) -> None:
    store, ids = story(store_url)
    kept = span(store, ids["closed"])
    with store.engine.begin() as conn:  # a writer that went round the ledger move
        conn.execute(H.update().where(H.c.id == ids["closed"]).values(span_state="ordered"))
    runner = CliRunner()
    found = runner.invoke(main, ["verify", "--db", store_url])
    assert found.exit_code == 1 and "当前状态" in found.output and f"隐患 {ids['closed']}" in found.output
    mended = runner.invoke(main, ["verify", "--db", store_url, "--mend-shape", "--user", "管理员"])
    assert mended.exit_code == 0 and span(store, ids["closed"]) == kept


def test_migration_0010_fills_the_hazards_span_from_the_events(store_url: str) -> None:
    store, ids = story(store_url)
    kept = {name: span(store, i) for name, i in ids.items()}
    cfg = store.alembic_config()
    command.downgrade(cfg, "0009")
    assert "span_date" not in {c["name"] for c in sa.inspect(store.engine).get_columns("hazards")}
    command.upgrade(cfg, "head")
    assert {name: span(store, i) for name, i in ids.items()} == kept
    with store.read() as conn:
        assert shape_problems(conn) == []


def by_state(led: sa.Subquery, day: dt.date) -> dict[str, sa.ColumnElement[int]]:
    """Counts over a ledger at ``day`` that read its state and deadline: every hazard, closed, overdue,
    ordered, with a deadline in force."""

    def count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    return {
        "found": sa.func.count(),
        "closed": count_if(is_closed(led)),
        "overdue": count_if(is_overdue(led, day)),
        "ordered": count_if(led.c.state == "ordered"),
        "with_deadline": sa.func.count(led.c.deadline),
    }


def test_the_ledger_counted_arm_by_arm_equals_the_one_query_on_every_day(store_url: str) -> None:
    store, ids = story(store_url)
    changed_after: set[int] = set()
    for offset in range(0, 80):
        day = D(2024, 6, 19) + dt.timedelta(days=offset)
        led = ledger_at(day)
        plain = (
            sa.select(led.c.county_code, *(v.label(k) for k, v in by_state(led, day).items()))
            .group_by(led.c.county_code)
            .order_by(led.c.county_code)
        )
        arms = counted_by_arms(
            day,
            "county_code",
            lambda ledger, day=day: by_state(ledger, day),
            columns=["county_code", "state", "deadline"],
        )
        with store.read() as conn:
            expected = [tuple(r) for r in conn.execute(plain)]
            got = sorted(tuple(r) for r in conn.execute(arms))
            changed = conn.execute(
                sa.select(H.c.id).where(H.c.found_date <= day, H.c.span_date > day)
            ).scalars()
            changed_after.update(changed)
        assert got == expected, day
    # Both arms were counted: on some days a hazard changed after the day (its holding event sought), on the
    # last ones every hazard was in its current span.
    assert changed_after == set(ids.values())


def plain_paths(store: Store, ids: dict[str, int]) -> dict[str, bool]:
    with store.read() as conn:
        got = dict(conn.execute(sa.select(H.c.id, H.c.plain_path).where(H.c.id.in_(ids.values()))).all())
    return {name: bool(got[i]) for name, i in ids.items()}


def test_a_hazard_is_on_a_plain_path_while_its_events_are_its_milestone_dates(store_url: str) -> None:
    store, ids = story(store_url)
    # Only the hazard found, ordered, rectified, re-inspected and passed, closed out, each once.
    assert plain_paths(store, ids) == {"closed": True, "reopened": False, "failed": False, "refused": False}
    s = Situation(store)
    fresh = s.hazard(s.enterprise("522701"), D(2024, 8, 1))
    one = {"fresh": fresh}
    assert plain_paths(store, one) == {"fresh": True}  # found only
    ledger.move(store, fresh, "order", day=D(2024, 8, 2), deadline=D(2024, 8, 20))
    assert plain_paths(store, one) == {"fresh": True}
    ledger.move(store, fresh, "escalate", day=D(2024, 8, 3), outcome="interview")  # off the path
    assert plain_paths(store, one) == {"fresh": False}
    with store.read() as conn:
        assert shape_problems(conn) == []


def test_hazard_verify_finds_and_mends_a_plain_path_that_differs_from_the_events(store_url: str) -> None:
    store, ids = story(store_url)
    with store.engine.begin() as conn:  # a writer that went round the ledger move
        conn.execute(H.update().where(H.c.id == ids["failed"]).values(plain_path=True))
    runner = CliRunner()
    found = runner.invoke(main, ["verify", "--db", store_url])
    assert found.exit_code == 1 and "常规环节" in found.output and f"隐患 {ids['failed']}" in found.output
    mended = runner.invoke(main, ["verify", "--db", store_url, "--mend-shape", "--user", "管理员"])
    assert mended.exit_code == 0 and plain_paths(store, ids)["failed"] is False


def test_migration_0027_fills_the_plain_path_from_the_events(store_url: str) -> None:
    store, ids = story(store_url)
    kept = plain_paths(store, ids)
    cfg = store.alembic_config()
    command.downgrade(cfg, "0026")
    assert "plain_path" not in {c["name"] for c in sa.inspect(store.engine).get_columns("hazards")}
    command.upgrade(cfg, "head")
    assert plain_paths(store, ids) == kept
    with store.read() as conn:
        assert shape_problems(conn) == []
