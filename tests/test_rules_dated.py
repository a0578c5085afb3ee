"""A rule declared ``dated`` is one whose findings can carry a due date; the landing page's list of what is due
this week runs only those (:func:`hazardlib.rules.run_all`'s ``dated``). On the demo campaign at dates across it,
no other rule gives a due date, so the week's list is the same as from every rule, while the rules left out do
fire."""

from __future__ import annotations

import datetime as dt

import pytest

from hazardlib.apps.landing import due_this_week
from hazardlib.rules import RULES, run_all
from hazardlib.store import open_store

from .situations import demo_url

DATES = [dt.date(2024, m, d) for m, d in ((6, 20), (8, 15), (8, 20), (9, 15), (10, 25), (11, 28))]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = open_store(demo_url(tmp_path_factory), user="测试员")
    yield store
    store.dispose()


@pytest.mark.parametrize("as_of", DATES)
def test_only_dated_rules_give_due_dates_and_the_week_is_the_same_from_them(demo, as_of):
    every = run_all(demo, as_of)
    assert every, "the demo should make rules fire"
    undated = [f for f in every if not RULES[f.rule].dated]
    assert all(f.due is None for f in undated), [f.rule for f in undated if f.due is not None]
    dated = run_all(demo, as_of, dated=True)
    assert dated == [f for f in every if RULES[f.rule].dated]
    assert due_this_week(dated, as_of) == due_this_week(every, as_of)


def test_the_rules_left_out_fire_and_the_dated_ones_give_due_dates(demo):
    found = [f for as_of in DATES for f in run_all(demo, as_of)]
    left_out = {f.rule for f in found if not RULES[f.rule].dated}
    assert {"listed_supervision_county", "key_supervision"} <= left_out  # the costliest rules, firing
    with_due = {f.rule for f in found if f.due is not None}
    assert len(with_due) >= 6 and all(RULES[r].dated for r in with_due)
