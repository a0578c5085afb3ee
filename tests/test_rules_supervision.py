"""实施分类监管和精准帮扶: key and special supervision, and help for every enterprise with a quality problem."""

from __future__ import annotations

import datetime as dt

import pytest

from hazardlib.campaign import load_campaign
from hazardlib.rules.supervision import supervision_classes
from hazardlib.stages import campaign_years

from .situations import Situation, subjects

D = dt.date
AS_OF = D(2024, 9, 15)


@pytest.fixture
def s(store):
    return Situation(store)


def majors(s, eid, *days):
    return [
        s.hazard(eid, day, grade="major", kind="risk", problem="P0" + str(i + 1))
        for i, day in enumerate(days)
    ]


def test_three_major_risks_in_the_last_two_years_mean_special_supervision_and_two_do_not(s):
    three, two = s.enterprise(name="三次重大风险有限公司"), s.enterprise()
    ids = majors(s, three, D(2023, 6, 1), D(2023, 8, 1), D(2024, 7, 1))
    majors(s, two, D(2023, 6, 1), D(2024, 7, 1))
    (f,) = s.findings("special_supervision", AS_OF)
    assert (f.enterprise_id, f.records["hazards"], f.action) == (three, tuple(ids), "实施特别监管")
    assert (
        "近2年（2023、2024年度）隐患排查治理行动中 3 次被发现重大质量安全风险（重大风险 3 项；" in f.message
    )
    assert subjects(s.findings("key_supervision", AS_OF)) == {two}  # a major risk this year is at least key


def test_major_risks_of_the_campaign_before_last_or_found_after_the_as_of_date_do_not_count(s):
    """近2年隐患排查治理行动 = this year's and last year's campaigns, each from its window's first day."""
    old, late, edge, early = s.enterprise(), s.enterprise(), s.enterprise(), s.enterprise()
    majors(s, old, D(2022, 9, 16), D(2023, 8, 1), D(2024, 7, 1))  # 2022's campaign is not one of the two
    majors(s, late, D(2023, 6, 1), D(2024, 7, 1), D(2024, 9, 16))
    majors(s, edge, D(2023, 5, 11), D(2023, 8, 1), D(2024, 7, 1))  # 2023's window's first day
    majors(s, early, D(2023, 5, 10), D(2023, 8, 1), D(2024, 7, 1))  # the day before it
    assert subjects(s.findings("special_supervision", AS_OF)) == {edge}
    assert subjects(s.findings("special_supervision", D(2024, 9, 16))) == {edge, late}


def test_three_major_findings_on_one_day_are_one_occasion_and_on_three_days_three(s):
    """发现3次: an occasion is a day. Three majors of one day's inspection (three problem types) are once;
    with a third day it is three times."""
    one_day, two_days, three_days = s.enterprise(), s.enterprise(), s.enterprise()
    for problem in ("P01", "P02", "P03"):
        s.hazard(one_day, D(2024, 7, 1), grade="major", problem=problem)
    s.hazard(two_days, D(2023, 7, 1), grade="major", problem="P01")
    for problem in ("P02", "P03"):
        s.hazard(two_days, D(2024, 7, 1), grade="major", problem=problem)
    majors(s, three_days, D(2023, 7, 1), D(2024, 7, 1), D(2024, 7, 2))
    assert subjects(s.findings("special_supervision", AS_OF)) == {three_days}
    frame = supervision_classes(s.store, AS_OF).set_index("enterprise_id")
    assert frame.loc[[one_day, two_days, three_days], "major_findings"].tolist() == [1, 2, 3]
    assert frame.loc[[one_day, two_days], "class"].tolist() == ["key", "key"]
    s.hazard(two_days, D(2024, 8, 1), grade="major", problem="P04")  # a third day makes it special
    assert subjects(s.findings("special_supervision", AS_OF)) == {two_days, three_days}


def test_each_major_finding_counts_once_however_often_it_moves_on_the_ledger(s):
    eid = s.enterprise()
    h1, _ = majors(s, eid, D(2024, 6, 1), D(2024, 6, 2))
    s.moves(
        h1,
        ("order", D(2024, 6, 3)),
        ("rectify", D(2024, 6, 4)),
        ("reinspect", D(2024, 6, 5), {"outcome": "failed"}),
    )
    assert s.findings("special_supervision", AS_OF) == []


def test_a_larger_risk_this_campaign_means_key_supervision_and_a_general_one_or_last_years_does_not(s):
    larger, general, last_year = s.enterprise(), s.enterprise(), s.enterprise()
    hid = s.hazard(larger, D(2024, 7, 1), grade="larger", kind="risk")
    s.hazard(general, D(2024, 7, 1), grade="general", kind="risk")
    s.hazard(last_year, D(2023, 7, 1), grade="larger", kind="risk")
    (f,) = s.findings("key_supervision", AS_OF)
    assert (f.enterprise_id, f.records["hazards"]) == (larger, (hid,)) and "存在较大风险 1 项" in f.message
    assert s.findings("key_supervision", D(2024, 6, 30)) == []


def test_supervision_messages_name_hazards_and_risks_for_what_they_are(s):
    """A hazard on the ledger is 隐患, a risk 风险 — in the key and the special supervision messages alike."""
    hazards, mixed = s.enterprise(), s.enterprise()
    s.hazard(hazards, D(2024, 7, 1), grade="larger")
    (f,) = s.findings("key_supervision", AS_OF)
    assert "存在较大隐患 1 项" in f.message and "风险" not in f.message
    s.hazard(mixed, D(2023, 6, 1), grade="major", problem="P01")
    s.hazard(mixed, D(2023, 8, 1), grade="major", kind="risk", problem="P02")
    s.hazard(mixed, D(2024, 7, 1), grade="major", problem="P03")
    s.hazard(mixed, D(2024, 7, 2), grade="larger", kind="risk", problem="P04")
    (f,) = s.findings("special_supervision", AS_OF)
    assert "（重大隐患 2 项、重大风险 1 项；同一天发现的计 1 次" in f.message
    s.hazard(hazards, D(2024, 7, 3), grade="major", kind="risk", problem="P05")
    (f,) = [f for f in s.findings("key_supervision", AS_OF) if f.enterprise_id == hazards]
    assert "存在重大风险 1 项、较大隐患 1 项" in f.message


@pytest.mark.engines
def test_supervision_classes_is_one_row_per_enterprise_with_its_reasons_and_records(s, store):
    special, key = s.enterprise("522702"), s.enterprise("522701")
    majors(s, special, D(2023, 6, 1), D(2024, 6, 1), D(2024, 7, 1))
    s.hazard(key, D(2024, 7, 1), grade="larger")
    frame = supervision_classes(store, AS_OF)
    assert frame[
        ["enterprise_id", "county_code", "class", "major_findings", "larger_findings"]
    ].values.tolist() == [
        [special, "522702", "special", 3, 0],
        [key, "522701", "key", 0, 1],
    ]
    assert frame["campaign_years"].tolist() == [(2023, 2024)] * 2 and all(
        frame["reasons"].str.contains("监管")
    )
    assert supervision_classes(store, AS_OF, county="522701")["enterprise_id"].tolist() == [key]


def test_the_campaigns_are_this_years_and_last_years_by_the_window_parameter():
    campaign = load_campaign(2024)
    assert campaign.parameter("special_supervision_window_years") == 2
    assert campaign_years(campaign) == (2023, 2024)


def test_every_enterprise_in_an_unqualified_spot_check_gets_help_and_any_help_since_answers_it(s):
    """聚焦隐患排查治理中发现质量问题的企业和产品……一企一策点对点向不合格产品生产企业发送整改指导意见书: the
    producer, the seller and the sampled enterprise of an unqualified batch; the producer is also due a
    guidance letter. Help dated before the batch does not answer it; help on its sampling day does."""
    producer, helped_before, clinic_that_day, sampled, shop = (
        s.enterprise(),
        s.enterprise(),
        s.enterprise(),
        s.enterprise(field="seller"),
        s.enterprise(field="seller"),
    )
    for p in (producer, helped_before, clinic_that_day):
        s.spot_check(
            D(2024, 7, 1),
            "unqualified",
            enterprise_id=sampled,
            producer={"enterprise_id": p},
            product="07-01",
        )
    s.spot_check(D(2024, 7, 2), "unqualified", seller={"enterprise_id": shop}, producer={"name": "外省某厂"})
    s.spot_check(
        D(2024, 7, 2), "qualified", enterprise_id=s.enterprise(field="seller")
    )  # no problem: no help
    s.help(helped_before, D(2024, 6, 1), "guidance_letter")
    s.help(clinic_that_day, D(2024, 7, 1), "quality_clinic")
    found = {f.enterprise_id: f for f in s.findings("help_unqualified_producer", AS_OF)}
    assert set(found) == {producer, helped_before, sampled, shop}
    assert "生产的安全帽监督抽查不合格" in found[producer].message
    assert "整改指导意见书" in found[producer].message and "整改指导意见书" in found[producer].action
    assert (
        "受检的安全帽监督抽查不合格" in found[sampled].message
        and len(found[sampled].records["spot_checks"]) == 3
    )
    assert "销售的" in found[shop].message and "整改指导意见书" not in found[shop].message
    assert "质量问诊" in found[shop].message
    s.help(shop, D(2024, 9, 15), "training")  # on the as-of date: answered then, not the day before
    assert shop in subjects(s.findings("help_unqualified_producer", D(2024, 9, 14)))
    assert shop not in subjects(s.findings("help_unqualified_producer", AS_OF))


def test_a_larger_or_major_finding_of_this_campaign_calls_for_help_and_a_general_one_does_not(s):
    larger, major_risk, general, last_year = (
        s.enterprise(),
        s.enterprise(field="seller"),
        s.enterprise(),
        s.enterprise(),
    )
    s.hazard(larger, D(2024, 7, 1), grade="larger")
    risk = s.hazard(major_risk, D(2024, 7, 1), grade="major", kind="risk", problem="C99", product="07-01")
    s.hazard(general, D(2024, 7, 1))
    s.hazard(last_year, D(2023, 7, 1), grade="major")  # last year's campaign
    found = {f.enterprise_id: f for f in s.findings("help_unqualified_producer", AS_OF)}
    assert set(found) == {larger, major_risk}
    assert (
        "被发现较大隐患 1 项" in found[larger].message and "被发现重大风险 1 项" in found[major_risk].message
    )
    assert found[major_risk].records == {"hazards": (risk,)} and found[major_risk].action == "精准帮扶"
    assert s.findings("help_unqualified_producer", D(2024, 6, 30)) == []  # before they were found
    s.help(larger, D(2024, 6, 30), "training")  # before the finding: does not answer it
    s.help(larger, D(2024, 8, 1), "quality_analysis")
    assert larger in subjects(s.findings("help_unqualified_producer", D(2024, 7, 31)))
    assert subjects(s.findings("help_unqualified_producer", AS_OF)) == {major_risk}
