"""强化督促指导: listed supervision of a county, and interview or circular for a county lagging behind."""

from __future__ import annotations

import datetime as dt

import pytest

from .situations import Situation

D = dt.date


@pytest.fixture
def s(store):
    return Situation(store)


def counties(findings):
    return {f.county_code: f for f in findings}


def test_concentrated_risks_many_problems_or_sensitive_opinion_put_a_county_under_listed_supervision(s):
    duyun = [s.enterprise("522701") for _ in range(20)]
    fuquan = [s.enterprise("522702") for _ in range(20)]
    majors = [s.hazard(duyun[0], D(2024, 7, 1), grade="major", problem=f"P0{i}") for i in range(1, 6)]
    for i in range(1, 5):  # four open major hazards in 20 enterprises: short of both thresholds
        s.hazard(fuquan[0], D(2024, 7, 1), grade="major", problem=f"P0{i}")
    libo = [s.enterprise("522722") for _ in range(3)]
    s.hazard(libo[0], D(2024, 7, 1))  # two hazards in three enterprises: 67 per 100, prefecture 25.6
    s.hazard(libo[1], D(2024, 7, 1), problem="P02")
    opinion = s.signal(
        "522723", D(2024, 7, 1), "public_opinion", verification="confirmed", verified_date=D(2024, 7, 2)
    )
    got = counties(s.findings("listed_supervision_county", D(2024, 9, 15)))
    assert set(got) == {"522701", "522722", "522723"}
    assert (
        got["522701"].records == {"hazards": tuple(majors)}
        and "未销号的重大隐患 5 条（共 5 条，达到 5 条，且为全州各县（市）平均 0.8 条的 1.5 倍以上）"
        in got["522701"].message
    )
    assert (
        "每百户重点企业发现隐患和风险 66.7 条（达到 30 条，且为全州平均 25.6 条的 1.5 倍以上）"
        in got["522722"].message
    )
    assert got["522723"].records == {"risk_signals": (opinion,)} and got["522723"].action == "挂牌督办"
    s.oversight("522701", "listed_supervision", D(2024, 9, 1))
    assert "522701" not in counties(s.findings("listed_supervision_county", D(2024, 9, 15)))


def test_open_major_risks_are_counted_as_risks_beside_the_hazards(s):
    """对风险隐患比较集中……的地区实施“挂牌”督办: both count, each named for what it is."""
    duyun = [s.enterprise("522701") for _ in range(20)]
    [s.enterprise("522702") for _ in range(20)]
    for i in range(1, 4):
        s.hazard(duyun[0], D(2024, 7, 1), grade="major", problem=f"P0{i}")
    for i in range(4, 6):
        s.hazard(duyun[1], D(2024, 7, 1), grade="major", kind="risk", problem=f"P0{i}", control_measures=True)
    got = counties(s.findings("listed_supervision_county", D(2024, 9, 15)))
    assert "未销号的重大隐患 3 条、重大风险 2 条（共 5 条" in got["522701"].message


def test_risks_are_concentrated_only_against_the_rest_of_the_prefecture(s):
    """“比较集中”: five open major hazards in each of nine counties is the prefecture's level, not a
    concentration; in each of eight it is 1.5 times the average (40 / 12) and they are listed."""
    counties_ = ["522701", "522702", "522722", "522723", "522725", "522726", "522727", "522728", "522729"]
    firms = {c: s.enterprise(c) for c in counties_}
    for c in counties_[:8]:
        for i in range(1, 6):
            s.hazard(firms[c], D(2024, 7, 1), grade="major", problem=f"P0{i}")
    assert set(counties(s.findings("listed_supervision_county", D(2024, 9, 15)))) == set(counties_[:8])
    for i in range(1, 6):
        s.hazard(firms[counties_[8]], D(2024, 7, 1), grade="major", problem=f"P0{i}")
    assert counties(s.findings("listed_supervision_county", D(2024, 9, 15))) == {}
    # one county alone has no prefecture to compare with: the absolute threshold stands
    alone = s.findings("listed_supervision_county", D(2024, 9, 15), county="522701")
    assert [f.county_code for f in alone] == ["522701"]


def test_a_county_without_its_plan_or_with_too_few_self_checks_after_stage_1_is_interviewed_or_circulated(s):
    unchecked = {}
    for county, checked in (("522701", 2), ("522702", 1), ("522722", 2)):
        ids = [s.enterprise(county) for _ in range(3)]
        for eid in ids[:checked]:
            s.self_check(eid, D(2024, 5, 20))
        unchecked[county] = tuple(ids[checked:])
    s.plan("522701", D(2024, 5, 16))
    s.plan("522702", D(2024, 5, 16))
    got = counties(s.findings("county_interview_or_circular", D(2024, 6, 25)))
    assert "522701" not in got  # plan adopted, 2 of 3 self-checked (67% ≥ 60%)
    assert "自查覆盖率 33% 低于应达到的 60%" in got["522702"].message
    assert got["522702"].records == {"enterprises": unchecked["522702"]}  # the enterprises behind the lag
    assert (
        "第一阶段结束仍未制定本地工作方案" in got["522722"].message and got["522722"].action == "约谈或通报"
    )
    s.oversight("522702", "circular", D(2024, 6, 22))  # in stage 2's window (from 21 June)
    s.oversight("522722", "interview", D(2024, 6, 1))  # before it: does not answer today's lag
    got = counties(s.findings("county_interview_or_circular", D(2024, 6, 25)))
    assert "522702" not in got and "522722" in got


def test_during_stage_1_the_coverage_expected_grows_with_the_days_gone(s):
    for county, checked in (("522701", 1), ("522702", 0)):
        ids = [s.enterprise(county) for _ in range(3)]
        for eid in ids[:checked]:
            s.self_check(eid, D(2024, 5, 20))
    got = counties(s.findings("county_interview_or_circular", D(2024, 5, 31)))  # 21 of 41 days: 31% expected
    assert "522701" not in got and "522702" in got
    assert "自查覆盖率 0% 低于应达到的 31%" in got["522702"].message
