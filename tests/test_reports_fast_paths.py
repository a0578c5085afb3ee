"""The results list's database aggregations give exactly the figures of the plain definitions, on SQLite
and PostgreSQL: the ledger figures against each hazard's events replayed in Python, and classified
supervision counted in SQL against the governance rule's own list of enterprises."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa

from hazardlib import schema
from hazardlib.demo import generate
from hazardlib.reports import results_list
from hazardlib.reports.scope import scope_for
from hazardlib.store import PREFECTURE_CODE, Store

from .situations import Situation

pytestmark = pytest.mark.engines
D = dt.date
DATES = (D(2024, 6, 1), D(2024, 7, 20), D(2024, 8, 20), D(2024, 9, 15), D(2024, 11, 15))
LEDGER_FIGURES = ("hazards_found", "hazards_general", "hazards_larger", "hazards_major", "hazards_closed",
                  "hazards_overdue")  # fmt: skip


def plain_ledger_figures(store: Store, as_of: dt.date) -> dict[str, Counter[str]]:
    """The ledger figures per county by the definition: every hazard found in the window, counted for
    its enterprise's county, in the state of its latest event on or before ``as_of`` (ties: later id)."""
    h, e, ev = schema.hazards, schema.enterprises, schema.hazard_events
    start = scope_for(store, as_of).start
    with store.read() as conn:
        county = dict(conn.execute(sa.select(e.c.id, e.c.county_code)).all())
        hazards = conn.execute(
            sa.select(h.c.id, h.c.enterprise_id, h.c.kind, h.c.grade, h.c.found_date)
        ).all()
        events = sorted(conn.execute(sa.select(ev.c.hazard_id, ev.c.event_date, ev.c.id, ev.c.to_state,
                                               ev.c.deadline)).all(), key=lambda r: (r[1], r[2]))  # fmt: skip
    state: dict[int, str] = {}
    deadline: dict[int, Any] = {}
    for hid, day, _id, to_state, dl in events:
        if day <= as_of:
            state[hid] = to_state
            if dl is not None:
                deadline[hid] = dl
    out: dict[str, Counter[str]] = {k: Counter() for k in LEDGER_FIGURES}
    for hid, eid, kind, grade, found in hazards:
        if kind != "hazard" or not (start <= found <= as_of) or eid not in county:
            continue
        c, now = county[eid], state.get(hid, "found")
        out["hazards_found"][c] += 1
        out[f"hazards_{grade}"][c] += 1
        out["hazards_closed"][c] += now == "closed"
        out["hazards_overdue"][c] += (
            now == "ordered" and deadline.get(hid) is not None and deadline[hid] < as_of
        )
    return out


def mismatches(store: Store, as_of: dt.date) -> list[str]:
    """Where the results list differs from the plain definitions at ``as_of`` (empty when it does not)."""
    frame = results_list(store, as_of).set_index("county_code")
    plain = plain_ledger_figures(store, as_of)
    out = []
    for key in LEDGER_FIGURES:
        counties = frame[key].drop(PREFECTURE_CODE)
        fast = {c: int(v) for c, v in counties.items() if v}
        if fast != {c: n for c, n in plain[key].items() if n}:
            out.append(f"{as_of} {key}: {fast} != {dict(plain[key])}")
        if int(frame.loc[PREFECTURE_CODE, key]) != sum(plain[key].values()):
            out.append(f"{as_of} {key}: prefecture total")
    return out


def test_fast_figures_equal_the_plain_definitions_on_hand_built_ledgers(store_url: str) -> None:
    store = Store(store_url, user="测试员")
    s = Situation(store)
    a, b, moved = s.enterprise("522701"), s.enterprise("522702"), s.enterprise("522701")
    s.ledger_story(a, b, b, moved)
    s.hazard(a, D(2024, 5, 1), problem="P03")  # before stage 1: in no window
    s.hazard(a, D(2024, 10, 1), problem="P04", kind="risk", grade="major")  # a risk, found late
    for i, day in enumerate((D(2023, 6, 1), D(2023, 9, 1), D(2024, 7, 1))):  # three majors in two years
        s.hazard(b, day, grade="major", kind="risk", problem=f"P0{i + 5}")
    assert [m for as_of in DATES for m in mismatches(store, as_of)] == []


def test_fast_figures_equal_the_plain_definitions_on_the_demo_campaign(store_url: str) -> None:
    store = Store(store_url, user="演示数据生成器")
    generate(store, seed=11, scale=0.05, progress=False)
    assert [m for as_of in (*DATES, D(2023, 9, 15)) for m in mismatches(store, as_of)] == []
