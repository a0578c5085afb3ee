"""The tracker's ledger figures counted in the database (``stages.ledger_counts``) are exactly those of the
plain definition, each hazard's events replayed in Python, on SQLite and PostgreSQL, per stage and date."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa

from hazardlib import schema, stages
from hazardlib.campaign import campaign_at
from hazardlib.demo import generate
from hazardlib.store import PREFECTURE_CODE, Store

from .situations import Situation

pytestmark = pytest.mark.engines
D = dt.date
FIGURES = ("hazards_found", "hazards_found_to_date", "hazards_closed", "hazards_closed_to_date",
           "open_hazards", "overdue_hazards", "open_escalations")  # fmt: skip


def plain_figures(store: Store, as_of: dt.date, stage: int | None) -> dict[str, Counter[str]]:
    """Per county, by the definition: the campaign's hazards found in its window by the window's end, each in the
    state of its latest event on or before it (ties: the later id), with its latest deadline then."""
    campaign = campaign_at(as_of)
    w = stages.window(campaign, as_of, stage)
    h, ev = schema.hazards, schema.hazard_events
    with store.read() as conn:
        hazards = conn.execute(sa.select(h.c.id, h.c.county_code, h.c.campaign_year, h.c.found_date)).all()
        events = sorted(conn.execute(sa.select(ev.c.hazard_id, ev.c.event_date, ev.c.id, ev.c.move,
                                               ev.c.to_state, ev.c.deadline)).all(), key=lambda r: (r[1], r[2]))  # fmt: skip
    state: dict[int, str] = {}
    deadline: dict[int, Any] = {}
    closed_in: set[int] = set()
    escalated: set[int] = set()
    for hid, day, _id, move, to_state, dl in events:
        if day > w.end:
            continue
        state[hid] = to_state
        if dl is not None:
            deadline[hid] = dl
        closed_in |= {hid} if move == "close" and day >= w.start else set()
        escalated |= {hid} if move == "escalate" else set()
    out: dict[str, Counter[str]] = {k: Counter() for k in FIGURES}
    for hid, county, year, found in hazards:
        if year != campaign.year or found > w.end or found < campaign.start:
            continue
        now, closed = state.get(hid, "found"), state.get(hid) == "closed"
        out["hazards_found"][county] += found >= w.start
        out["hazards_found_to_date"][county] += 1
        out["hazards_closed"][county] += closed and hid in closed_in
        out["hazards_closed_to_date"][county] += closed
        out["open_hazards"][county] += not closed
        out["overdue_hazards"][county] += now == "ordered" and hid in deadline and deadline[hid] < w.end
        out["open_escalations"][county] += not closed and hid in escalated
    return out


def mismatches(store: Store, as_of: dt.date) -> list[tuple[Any, ...]]:
    """(as-of date, stage, figure) wherever the tracker's figures differ from the plain definition."""
    out = []
    for stage in (None, 1, 2, 3):
        plain = plain_figures(store, as_of, stage)
        frame = stages.county_progress(store, as_of, stage=stage).set_index("county_code")
        for key in FIGURES:
            fast = {c: int(v) for c, v in frame[key].items() if c != PREFECTURE_CODE}
            if fast != {c: plain[key][c] for c in fast}:
                out.append((as_of, stage, key))
    return out


def test_the_trackers_ledger_figures_equal_the_plain_definition(store_url: str) -> None:
    store = Store(store_url, user="演示数据生成器")
    generate(store, seed=11, scale=0.05, progress=False)
    s = Situation(Store(store_url, user="测试员"))
    a, b = s.enterprise("522701"), s.enterprise("522702")
    s.ledger_story(a, b, b, a)
    dates = (D(2024, 6, 1), D(2024, 7, 20), D(2024, 8, 20), D(2024, 9, 15), D(2024, 11, 15))
    assert [m for as_of in dates for m in mismatches(store, as_of)] == []
