"""问题处置: the next step of every hazard on the ledger, and the written reports after 31 October."""

from __future__ import annotations

import datetime as dt

import pytest

from .situations import Situation

D = dt.date


@pytest.fixture
def s(store):
    return Situation(store)


def test_a_hazard_past_its_deadline_is_overdue_and_the_deadline_day_itself_is_not(s):
    eid = s.enterprise(name="都匀市剑江水泥有限公司")
    hid = s.hazard(eid, D(2024, 7, 1), ordered=D(2024, 7, 1), deadline=D(2024, 7, 15))
    assert s.findings("overdue_hazard", D(2024, 7, 15)) == []
    (f,) = s.findings("overdue_hazard", D(2024, 7, 16))
    assert (f.county_code, f.subject, f.due, dict(f.records)) == (
        "522701",
        "都匀市剑江水泥有限公司",
        D(2024, 7, 15),
        {"hazards": (hid,)},
    )
    assert "整改期限 2024-07-15 已过 1 天" in f.message and "水泥" in f.message


def test_a_hazard_rectified_later_is_still_overdue_at_a_date_before_the_rectification(s):
    hid = s.hazard(s.enterprise(), D(2024, 7, 1), ordered=D(2024, 7, 1), deadline=D(2024, 7, 15))
    s.move(hid, "rectify", D(2024, 7, 20))
    assert [f.records["hazards"] for f in s.findings("overdue_hazard", D(2024, 7, 19))] == [(hid,)]
    assert s.findings("overdue_hazard", D(2024, 7, 20)) == []
    assert [f.records["hazards"] for f in s.findings("reinspection_due", D(2024, 7, 20))] == [(hid,)]


def test_each_state_asks_for_its_next_step(s):
    eid = s.enterprise()
    found = s.hazard(eid, D(2024, 7, 1))
    ordered = s.hazard(eid, D(2024, 7, 2), ordered=D(2024, 7, 2), deadline=D(2024, 8, 30))
    rectified = s.hazard(eid, D(2024, 7, 3), ordered=D(2024, 7, 3), deadline=D(2024, 8, 30))
    s.move(rectified, "rectify", D(2024, 7, 10))
    passed = s.hazard(eid, D(2024, 7, 4), ordered=D(2024, 7, 4), deadline=D(2024, 8, 30))
    s.moves(passed, ("rectify", D(2024, 7, 10)), ("reinspect", D(2024, 7, 11), {"outcome": "passed"}))
    as_of = D(2024, 7, 20)
    got = {
        r: [f.records["hazards"][0] for f in s.findings(r, as_of)]
        for r in ("rectification_order_due", "reinspection_due", "close_out_due", "overdue_hazard")
    }
    assert got == {
        "rectification_order_due": [found],
        "reinspection_due": [rectified],
        "close_out_due": [passed],
        "overdue_hazard": [],
    }
    assert all(ordered not in hazards for hazards in got.values())


def test_after_31_october_each_county_with_open_hazards_keeps_reporting_in_writing(s):
    duyun, fuquan, libo = s.enterprise("522701"), s.enterprise("522702"), s.enterprise("522722")
    open1 = s.hazard(duyun, D(2024, 9, 1), ordered=D(2024, 9, 1), deadline=D(2024, 9, 30))
    open2 = s.hazard(duyun, D(2024, 9, 2))
    done = s.hazard(fuquan, D(2024, 9, 1), ordered=D(2024, 9, 1), deadline=D(2024, 9, 30))
    s.moves(
        done,
        ("rectify", D(2024, 9, 10)),
        ("reinspect", D(2024, 9, 11), {"outcome": "passed"}),
        ("close", D(2024, 9, 12)),
    )
    s.hazard(libo, D(2024, 11, 5))  # found after the as-of date
    assert s.findings("continuing_written_report", D(2024, 10, 31)) == []
    (f,) = s.findings("continuing_written_report", D(2024, 11, 1))
    assert (f.county_code, f.subject, f.records["hazards"]) == ("522701", "都匀市", (open1, open2))
    assert "仍有隐患 2 条未完成整改（其中逾期 1 条）" in f.message


def test_the_written_report_names_open_risks_as_risks_and_hazards_as_hazards(s):
    """风险 on the ledger is a risk in the message, 隐患 a hazard: 对10月底前未完成隐患问题整改的要持续书面报送."""
    duyun = s.enterprise("522701")
    s.hazard(duyun, D(2024, 9, 1))
    s.hazard(duyun, D(2024, 9, 2), kind="risk", control_measures=True)
    (f,) = s.findings("continuing_written_report", D(2024, 11, 1))
    assert "仍有隐患 1 条、风险 1 条未完成整改" in f.message
    fuquan = s.enterprise("522702")
    s.hazard(fuquan, D(2024, 9, 2), kind="risk", control_measures=True)  # only a risk: no 隐患 in the message
    (f,) = s.findings("continuing_written_report", D(2024, 11, 1), county="522702")
    assert "仍有风险 1 条未完成整改" in f.message and "隐患" not in f.message.split("：")[0]


def test_a_county_asked_for_sees_only_its_own_findings(s):
    s.hazard(s.enterprise("522701"), D(2024, 7, 1))
    other = s.hazard(s.enterprise("522702"), D(2024, 7, 1))
    assert [
        f.records["hazards"] for f in s.findings("rectification_order_due", D(2024, 7, 2), county="522702")
    ] == [(other,)]
