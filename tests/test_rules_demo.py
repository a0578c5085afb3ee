"""The rules on the demo campaign at 15 September 2024, checked against independent pandas queries of
the raw tables — including the enterprises and hazards that must not be listed."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from hazardlib import ledger, schema
from hazardlib.rules import run_rule
from hazardlib.rules.supervision import supervision_classes
from hazardlib.store import Store, open_store

from .situations import demo_url

AS_OF = dt.date(2024, 9, 15)
TABLES = (
    "enterprises",
    "hazards",
    "hazard_events",
    "spot_checks",
    "interviews",
    "tracing_tasks",
    "self_checks",
    "county_plans",
    "county_oversight",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Store, dict[str, pd.DataFrame]]:
    store = open_store(demo_url(tmp_path_factory), user="测试员")
    with store.read() as conn:
        frames = {t: pd.read_sql(sa.select(schema.metadata.tables[t]), conn) for t in TABLES}
    return store, frames


def states_at(ev: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Each hazard's state and deadline at ``as_of``, straight from the events with pandas."""
    e = ev[ev["event_date"] <= as_of].sort_values(["hazard_id", "event_date", "id"])
    out = (
        e.groupby("hazard_id")
        .tail(1)
        .set_index("hazard_id")[["to_state"]]
        .rename(columns={"to_state": "state"})
    )
    out["deadline"] = e[e["deadline"].notna()].groupby("hazard_id").tail(1).set_index("hazard_id")["deadline"]
    return out


def fired(store, rule_id, key="enterprise_id"):
    found = run_rule(rule_id, store, AS_OF)
    assert found, f"the demo should make {rule_id} fire"
    return {getattr(f, key) if key != "hazard" else f.records["hazards"][0] for f in found}


def test_the_ledger_at_a_date_is_the_last_event_on_or_before_it(demo):
    store, t = demo
    expected = states_at(t["hazard_events"], AS_OF)
    with store.read() as conn:
        got = ledger.state_at(conn, None, AS_OF).set_index("hazard_id")
    assert got["state"].to_dict() == expected["state"].to_dict()
    now = t["hazards"].set_index("id")["state"]
    assert (now.loc[expected.index] != expected["state"]).sum() > 0  # the demo runs past the as-of date


def test_overdue_hazards_match_an_independent_query_and_later_overdues_are_not_listed(demo):
    store, t = demo
    s = states_at(t["hazard_events"], AS_OF)
    expected = set(s.index[(s["state"] == "ordered") & (s["deadline"] < AS_OF)])
    got = fired(store, "overdue_hazard", "hazard")
    assert got == expected
    done_in_time = set(s.index[(s["deadline"] < AS_OF) & (s["state"] != "ordered")])
    later = states_at(t["hazard_events"], dt.date(2024, 10, 31))
    overdue_later = (
        set(later.index[(later["state"] == "ordered") & (later["deadline"] < dt.date(2024, 10, 31))])
        - expected
    )
    assert done_in_time and overdue_later and not (done_in_time | overdue_later) & got


def test_interviews_after_refusal_or_failed_rectification_match_an_independent_query(demo):
    store, t = demo
    ev, h, iv = t["hazard_events"], t["hazards"].set_index("id"), t["interviews"]
    s = states_at(ev, AS_OF)
    trig = ev[
        (ev["event_date"] <= AS_OF)
        & ((ev["move"] == "refuse") | ((ev["move"] == "reinspect") & (ev["outcome"] == "failed")))
    ]
    trig = trig[trig["hazard_id"].map(s["state"]) != "closed"].assign(
        enterprise_id=lambda x: x["hazard_id"].map(h["enterprise_id"])
    )
    esc = ev[(ev["move"] == "escalate") & (ev["outcome"] == "interview") & (ev["event_date"] <= AS_OF)]
    answers = pd.concat(
        [
            iv.loc[iv["held_date"] <= AS_OF, ["enterprise_id", "held_date"]].rename(
                columns={"held_date": "day"}
            ),
            esc.assign(enterprise_id=esc["hazard_id"].map(h["enterprise_id"]))[
                ["enterprise_id", "event_date"]
            ].rename(columns={"event_date": "day"}),
        ]
    )
    latest_answer = answers.groupby("enterprise_id")["day"].max()
    open_trig = trig[~(trig["enterprise_id"].map(latest_answer).fillna(dt.date.min) >= trig["event_date"])]
    expected = set(open_trig["enterprise_id"])
    assert fired(store, "interview_refused_or_failed") == expected
    assert set(trig["enterprise_id"]) - expected  # interviewed since: not listed


def last_results(spots: pd.DataFrame) -> pd.DataFrame:
    sp = spots.assign(ent=spots["enterprise_id"].fillna(spots["seller_id"]).fillna(spots["producer_id"]))
    sp = sp[
        (sp["sample_date"] <= AS_OF) & sp["result"].isin(["qualified", "unqualified"]) & sp["ent"].notna()
    ]
    return sp.sort_values(["ent", "sample_date", "id"])


def test_consecutive_unqualified_with_a_major_hazard_matches_an_independent_query(demo):
    store, t = demo
    sp = last_results(t["spot_checks"])
    last2 = sp.groupby("ent").tail(2)
    both = last2.groupby("ent")["result"].agg(lambda r: len(r) == 2 and (r == "unqualified").all())
    twice = set(both.index[both].astype(int))
    s = states_at(t["hazard_events"], AS_OF)
    h = t["hazards"].set_index("id").join(s.rename(columns={"state": "state_at", "deadline": "deadline_at"}))
    majors = set(
        h.loc[
            (h["grade"] == "major")
            & (h["kind"] == "hazard")
            & h["state_at"].notna()
            & (h["state_at"] != "closed"),
            "enterprise_id",
        ]
    )
    last_day = last2.groupby("ent")["sample_date"].max()
    iv = t["interviews"]
    ev = t["hazard_events"].assign(
        ent=lambda x: x["hazard_id"].map(t["hazards"].set_index("id")["enterprise_id"])
    )
    talked = pd.concat(
        [
            iv[["enterprise_id", "held_date"]].set_axis(["ent", "day"], axis=1),
            ev[(ev["move"] == "escalate") & (ev["outcome"] == "interview")][["ent", "event_date"]].set_axis(
                ["ent", "day"], axis=1
            ),
        ]
    )
    interviewed = {
        e
        for e in twice
        if ((talked["ent"] == e) & (talked["day"] >= last_day[e]) & (talked["day"] <= AS_OF)).any()
    }
    expected = (twice & majors) - interviewed
    assert fired(store, "interview_consecutive_unqualified") == expected
    last3 = sp.groupby("ent").tail(3).groupby("ent")["result"].agg(tuple)
    short = {int(e) for e, seq in last3.items() if seq == ("unqualified", "qualified", "unqualified")}
    assert short and not short & expected  # unqualified–qualified–unqualified is not consecutive


def test_special_and_key_supervision_match_an_independent_count(demo):
    """Special: major findings on 3 days or more in the 2023 and 2024 campaigns (each from its window's
    first day, 11 May); key: a larger or major finding in the 2024 campaign's window."""
    store, t = demo
    h = t["hazards"]
    opens = {2023: dt.date(2023, 5, 11), 2024: dt.date(2024, 5, 11)}
    in_campaign = h["campaign_year"].isin(opens) & (h["found_date"] >= h["campaign_year"].map(opens))
    in_campaign &= h["found_date"] <= AS_OF
    major = h[in_campaign & (h["grade"] == "major")]
    occasions = major.groupby("enterprise_id")["found_date"].nunique()
    findings = major.groupby("enterprise_id").size()
    special = set(occasions.index[occasions >= 3])
    assert fired(store, "special_supervision") == special
    assert set(occasions.index[occasions == 2])  # two occasions are not three: not special
    same_day = set(findings.index[findings >= 3]) - special  # three majors on two dates
    assert same_day and not same_day & fired(store, "special_supervision")
    key = set(
        h.loc[
            in_campaign & h["grade"].isin(["larger", "major"]) & (h["campaign_year"] == 2024), "enterprise_id"
        ]
    )
    assert fired(store, "key_supervision") == key - special


def test_on_the_demo_three_major_findings_on_two_dates_are_not_special_supervision(demo):
    """The demo's enterprises with three major findings on two dates, and (just past it) on three."""
    store, t = demo
    h = t["hazards"]
    major = h[(h["grade"] == "major") & (h["found_date"] <= AS_OF)]
    per = major.groupby("enterprise_id").agg(n=("id", "size"), days=("found_date", "nunique"))
    two_dates, three_dates = set(per.index[(per.n == 3) & (per.days == 2)]), set(per.index[per.days >= 3])
    classes = supervision_classes(store, AS_OF).set_index("enterprise_id")["class"]
    assert two_dates and all(classes.get(e) == "key" for e in two_dates)
    assert three_dates and all(classes.get(e) == "special" for e in three_dates)


def test_tracing_findings_match_the_tracing_tasks_table(demo):
    store, t = demo
    sp, tasks = t["spot_checks"], t["tracing_tasks"]
    made = set(tasks.loc[tasks["created_date"] <= AS_OF, "spot_check_id"])
    bad = sp[(sp["result"] == "unqualified") & (sp["sample_date"] <= AS_OF)]
    assert {f.records["spot_checks"][0] for f in run_rule("two_way_tracing", store, AS_OF)} == set(
        bad["id"]
    ) - made
    open_at = tasks[
        (tasks["created_date"] <= AS_OF) & ~(tasks["done_date"].notna() & (tasks["done_date"] <= AS_OF))
    ]
    got = {
        (f.records["tracing_tasks"][0], f.county_code) for f in run_rule("tracing_task_open", store, AS_OF)
    }
    assert got == set(zip(open_at["id"], open_at["to_county"], strict=True)) and got


def test_lagging_counties_match_an_independent_computation(demo):
    store, t = demo
    e, sc, plans, ov = t["enterprises"], t["self_checks"], t["county_plans"], t["county_oversight"]
    key = e[e["products"].map(len) > 0]
    checked = sc[
        (sc["campaign_year"] == 2024) & (sc["check_date"] <= AS_OF) & sc["enterprise_id"].isin(key["id"])
    ]
    coverage = checked.groupby("county_code")["enterprise_id"].nunique() / key.groupby("county_code").size()
    s = states_at(t["hazard_events"], AS_OF)
    h = t["hazards"]
    h = h[(h["campaign_year"] == 2024) & (h["found_date"] <= AS_OF)].assign(
        state=lambda x: x["id"].map(s["state"])
    )
    closure = h.assign(closed=h["state"] == "closed").groupby("county_code")["closed"].mean()
    adopted = set(
        plans.loc[(plans["campaign_year"] == 2024) & (plans["adopted_date"] <= AS_OF), "county_code"]
    )
    lagging = {
        c
        for c in key["county_code"].unique()
        if c not in adopted or coverage.get(c, 0) < 0.6 or closure.get(c, 1) < 0.5
    }
    answered = set(
        ov.loc[
            ov["kind"].isin(["interview", "circular"])
            & (ov["action_date"] >= dt.date(2024, 9, 1))
            & (ov["action_date"] <= AS_OF),
            "county_code",
        ]
    )
    assert fired(store, "county_interview_or_circular", "county_code") == lagging - answered
    assert lagging & answered  # a county circulated in this stage is not listed again
