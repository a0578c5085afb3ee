"""重要情况、重大案件第一时间及时报告: the immediate-report feed and its overdue items."""

from __future__ import annotations

import datetime as dt

import pytest

from hazardlib.errors import HazardError
from hazardlib.immediate import acknowledge, feed, feed_page
from hazardlib.store import Store

from .situations import Situation

D = dt.date
T = dt.datetime


@pytest.fixture
def s(store):
    return Situation(store)


def test_a_major_hazard_not_reported_within_the_campaigns_hours_is_a_finding(s, store):
    hid = s.hazard(
        s.enterprise("522728", name="罗甸某烟花爆竹有限公司"), D(2024, 7, 1), grade="major", product="20-01"
    )
    assert s.findings("immediate_report_overdue", D(2024, 7, 1)) == []  # due at 2 July 00:00
    (f,) = s.findings("immediate_report_overdue", D(2024, 7, 2))
    (item,) = feed(store, D(2024, 7, 2))["id"]
    assert (f.county_code, f.subject, f.due, dict(f.records)) == (
        "522728",
        "罗甸县",
        D(2024, 7, 2),
        {"immediate_reports": (item,), "hazards": (hid,)},
    )
    assert "罗甸某烟花爆竹有限公司发现重大隐患" in f.message and "应于 2024年7月1日24时 前" in f.message


def test_an_acknowledged_report_is_no_finding_and_a_late_one_stops_firing_once_acknowledged(s, store):
    s.hazard(s.enterprise(), D(2024, 7, 1), grade="major")
    s.case(s.enterprise(), D(2024, 7, 1), "counterfeit", major_case=True, case_no="黔南市监罚〔2024〕9号")
    items = feed(store, D(2024, 7, 1)).set_index("kind")["id"]
    acknowledge(store, int(items["major_hazard"]), at=T(2024, 7, 1, 18, 30))
    acknowledge(store, int(items["major_case"]), at=T(2024, 7, 3, 9, 0))
    assert [
        f.records["immediate_reports"] for f in s.findings("immediate_report_overdue", D(2024, 7, 2))
    ] == [(int(items["major_case"]),)]
    assert s.findings("immediate_report_overdue", D(2024, 7, 3)) == []
    states = feed(store, D(2024, 7, 3)).set_index("kind")["state_label"].to_dict()
    assert states == {"major_hazard": "已报告", "major_case": "已报告（超时）"}
    with pytest.raises(HazardError, match="不再重复确认"):
        acknowledge(store, int(items["major_hazard"]))


def test_only_the_prefecture_signs_for_an_immediate_report(s, store):
    s.hazard(s.enterprise("522701"), D(2024, 7, 1), grade="major")
    item = int(feed(store, D(2024, 7, 1))["id"].iloc[0])
    county = Store(store.url, user="都匀录入员", county="522701")
    with pytest.raises(HazardError, match="县（市）会话不能签收"):
        acknowledge(county, item, at=T(2024, 7, 1, 18, 0))
    assert feed(store, D(2024, 7, 1))["state_label"].tolist() == ["待报告"]


def test_only_major_findings_and_major_cases_are_reported_at_once(s, store):
    eid = s.enterprise()
    s.hazard(eid, D(2024, 7, 1), grade="larger")
    s.case(eid, D(2024, 7, 1), "substandard")
    assert feed(store, D(2024, 9, 15)).empty


def test_a_dashboard_reads_the_head_of_the_feed_counted_by_the_database(s, store):
    """The tracker shows the newest items and the newest waiting ones; the page holds exactly the rows the
    whole feed starts with, and its counts are the whole feed's."""
    firm = s.enterprise("522701")
    for day in range(1, 8):
        s.hazard(firm, D(2024, 7, day), grade="major", problem=f"P0{day}")
    whole = feed(store, D(2024, 7, 9))
    for item in whole["id"].iloc[[0, 3, 5]]:  # three acknowledged: the newest, and two older ones
        acknowledge(store, int(item), at=T(2024, 7, 8, 9, 0))
    whole = feed(store, D(2024, 7, 9))
    page = feed_page(store, D(2024, 7, 9), latest=3, waiting=2)
    waiting = whole[whole["state"].isin(["pending", "late"])]
    assert (page.total, page.waiting_total) == (7, 4)
    for part, want in ((page.latest, whole.head(3)), (page.waiting, waiting.head(2))):
        assert list(part.columns) == list(whole.columns)
        assert (
            part[["id", "summary", "state_label"]].values.tolist()
            == want[["id", "summary", "state_label"]].values.tolist()
        )
    before = feed_page(store, D(2024, 7, 6), latest=3, waiting=2)  # six raised, none acknowledged yet
    assert (before.total, before.waiting_total) == (6, 6)
