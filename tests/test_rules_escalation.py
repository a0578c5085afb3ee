"""问题处置: interview after refusal or failed rectification, concentrated action and look-back, joint
handling — each situation of the sentence, and the one just short of it."""

from __future__ import annotations

import datetime as dt

import pytest

from .situations import Situation, subjects

D = dt.date
AS_OF = D(2024, 9, 15)


@pytest.fixture
def s(store):
    return Situation(store)


def ordered(s, eid, day=None, **kw):
    day = day or D(2024, 7, 1)
    return s.hazard(eid, day, ordered=day, deadline=day + dt.timedelta(days=20), **kw)


@pytest.mark.engines
def test_refusing_or_failing_to_rectify_calls_for_an_interview_until_one_is_held(s):
    refused, failed, obeying, interviewed_before = (s.enterprise() for _ in range(4))
    h1 = ordered(s, refused)
    s.move(h1, "refuse", D(2024, 7, 5))
    h2 = ordered(s, failed)
    s.moves(h2, ("rectify", D(2024, 7, 10)), ("reinspect", D(2024, 7, 12), {"outcome": "failed"}))
    ordered(s, obeying)  # ordered and waiting: nothing refused, nothing failed
    h4 = ordered(s, interviewed_before)
    s.interview(interviewed_before, D(2024, 7, 2))
    s.move(h4, "refuse", D(2024, 7, 5))  # the interview came before the refusal: it does not answer it
    found = {f.enterprise_id: f for f in s.findings("interview_refused_or_failed", AS_OF)}
    assert set(found) == {refused, failed, interviewed_before}
    assert "2024-07-05 拒不整改" in found[refused].message and "复查整改不到位" in found[failed].message
    assert found[failed].records["hazards"] == (h2,) and len(found[failed].records["hazard_events"]) == 1
    s.interview(refused, D(2024, 7, 20))
    s.move(h2, "escalate", D(2024, 7, 21), outcome="interview")
    assert subjects(s.findings("interview_refused_or_failed", AS_OF)) == {interviewed_before}
    assert subjects(s.findings("interview_refused_or_failed", D(2024, 7, 19))) == {
        refused,
        failed,
        interviewed_before,
    }


def test_a_refused_hazard_closed_out_since_needs_no_interview(s):
    eid = s.enterprise()
    h = ordered(s, eid)
    s.moves(
        h,
        ("refuse", D(2024, 7, 5)),
        ("rectify", D(2024, 7, 8)),
        ("reinspect", D(2024, 7, 9), {"outcome": "passed"}),
        ("close", D(2024, 7, 9)),
    )
    assert s.findings("interview_refused_or_failed", AS_OF) == []
    assert subjects(s.findings("interview_refused_or_failed", D(2024, 7, 6))) == {eid}


def test_a_large_urgent_hazard_calls_for_concentrated_action_and_enforcement_sampling_where_needed(s):
    urgent, sampled, plain = s.enterprise(), s.enterprise(), s.enterprise()
    h1 = ordered(s, urgent, large_urgent=True)
    ordered(s, sampled, large_urgent=True)
    s.spot_check(
        D(2024, 7, 3), "unqualified", enterprise_id=sampled, enforcement_sampling=True, channel="production"
    )
    ordered(s, plain)
    found = {f.enterprise_id: f for f in s.findings("concentrated_action", AS_OF)}
    assert set(found) == {urgent, sampled}
    assert "必要时开展执法抽检" in found[urgent].message and "执法抽检" not in found[sampled].message
    s.move(h1, "escalate", D(2024, 7, 4), outcome="concentrated_action")
    assert subjects(s.findings("concentrated_action", AS_OF)) == {sampled}


def test_a_large_urgent_hazard_closed_out_calls_for_a_look_back_and_an_ordinary_one_does_not(s):
    urgent, plain = s.enterprise(), s.enterprise()
    steps = (
        ("rectify", D(2024, 7, 8)),
        ("reinspect", D(2024, 7, 9), {"outcome": "passed"}),
        ("close", D(2024, 7, 10)),
    )
    h1 = ordered(s, urgent, large_urgent=True)
    s.moves(h1, *steps)
    s.moves(ordered(s, plain), *steps)
    assert s.findings("look_back_due", D(2024, 7, 9)) == []  # not yet closed out
    (f,) = s.findings("look_back_due", AS_OF)
    assert (f.enterprise_id, f.records["hazards"]) == (urgent, (h1,)) and "2024-07-10 销号" in f.message
    s.move(h1, "look_back", D(2024, 9, 1), outcome="upheld")
    assert s.findings("look_back_due", AS_OF) == []


def test_a_major_risk_without_control_measures_calls_for_joint_handling(s):
    bare, controlled, larger = s.enterprise(), s.enterprise(), s.enterprise()
    r1 = s.hazard(bare, D(2024, 7, 1), kind="risk", grade="major", control_measures=False)
    s.hazard(controlled, D(2024, 7, 1), kind="risk", grade="major", control_measures=True)
    s.hazard(larger, D(2024, 7, 1), kind="risk", grade="larger", control_measures=False)
    (f,) = s.findings("joint_handling", AS_OF)
    assert (f.enterprise_id, f.records["hazards"]) == (bare, (r1,)) and "未采取管控措施" in f.message
    s.move(r1, "escalate", D(2024, 7, 3), outcome="joint_handling")
    assert s.findings("joint_handling", AS_OF) == []


def test_refusing_to_rectify_a_major_hazard_calls_for_joint_handling_and_a_general_one_does_not(s):
    major, general = s.enterprise(), s.enterprise()
    h1 = ordered(s, major, grade="major")
    s.move(h1, "refuse", D(2024, 7, 5))
    h2 = ordered(s, general, grade="general")
    s.move(h2, "refuse", D(2024, 7, 5))
    assert s.findings("joint_handling", D(2024, 7, 4)) == []
    (f,) = s.findings("joint_handling", AS_OF)
    assert f.enterprise_id == major and "拒不整改（2024-07-05）" in f.message
    assert "对重大质量安全隐患" in f.message
    s.move(h1, "escalate", D(2024, 7, 4 + 3), outcome="joint_handling")
    assert s.findings("joint_handling", AS_OF) == []


def test_a_refused_major_risk_is_named_a_risk_in_the_joint_handling_message(s):
    """对存在重大质量安全风险……或对重大质量安全隐患拒不整改的: a risk refused is a risk, not a hazard."""
    eid = s.enterprise()
    risk = s.hazard(eid, D(2024, 7, 1), kind="risk", grade="major", control_measures=True,
                    ordered=D(2024, 7, 1), deadline=D(2024, 7, 4))  # fmt: skip
    s.move(risk, "refuse", D(2024, 7, 5))
    (f,) = s.findings("joint_handling", AS_OF)
    assert "对重大质量安全风险" in f.message and "隐患" not in f.message


# 主动报告并积极化解 — then joint handling. 1 July 2024 is a Monday: ten working days after it (the day of the
# report not counted) end on Monday 15 July.
REPORTED, RESOLVE_BY = D(2024, 7, 1), D(2024, 7, 15)


def self_reported(s, eid, **kw):
    return s.hazard(
        eid, REPORTED, kind="risk", grade="major", control_measures=False, source="self_check", **kw
    )


def test_a_major_risk_the_enterprise_reports_is_its_own_to_resolve_until_the_deadline_then_joint_handling(s):
    eid = s.enterprise()
    risk = self_reported(s, eid)
    (task,) = s.findings("self_reported_risk_to_resolve", RESOLVE_BY)
    assert (task.enterprise_id, task.records["hazards"], task.due) == (eid, (risk,), RESOLVE_BY)
    assert "积极化解" in task.message and "2024-07-15" in task.message
    assert s.findings("joint_handling", RESOLVE_BY) == []  # the deadline's own day: still the enterprise's
    (joint,) = s.findings("joint_handling", RESOLVE_BY + dt.timedelta(days=1))
    assert joint.records["hazards"] == (risk,) and "到 2024-07-15 仍未采取管控措施" in joint.message
    assert s.findings("self_reported_risk_to_resolve", RESOLVE_BY + dt.timedelta(days=1)) == []


def test_a_major_risk_found_by_inspectors_without_measures_calls_for_joint_handling_at_once(s):
    inspected, reported = s.enterprise(), s.enterprise()
    s.hazard(inspected, REPORTED, kind="risk", grade="major", control_measures=False)  # source: inspection
    self_reported(s, reported)
    assert subjects(s.findings("joint_handling", REPORTED)) == {inspected}
    assert subjects(s.findings("self_reported_risk_to_resolve", REPORTED)) == {reported}
    assert s.findings("joint_handling", REPORTED - dt.timedelta(days=1)) == []  # not found yet


def test_control_measures_recorded_on_the_ledger_count_from_their_date(s):
    in_time, late = s.enterprise(), s.enterprise()
    r1, r2 = self_reported(s, in_time), self_reported(s, late)
    s.move(r1, "measures", D(2024, 7, 10), outcome="in_place")
    s.move(r2, "measures", D(2024, 7, 20), outcome="in_place")
    assert subjects(s.findings("self_reported_risk_to_resolve", D(2024, 7, 9))) == {in_time, late}
    assert subjects(s.findings("self_reported_risk_to_resolve", D(2024, 7, 10))) == {late}
    assert subjects(s.findings("joint_handling", D(2024, 7, 19))) == {late}  # late: measures not yet in place
    assert s.findings("joint_handling", D(2024, 7, 20)) == []
    s.move(r1, "measures", D(2024, 8, 1), outcome="not_in_place")  # withdrawn after the deadline
    assert s.findings("joint_handling", D(2024, 7, 31)) == []
    assert subjects(s.findings("joint_handling", D(2024, 8, 1))) == {in_time}
