"""重点监管 and 特别监管 are standing classes, not to-dos: they raise the enterprise in the stage-2
inspection ranking (this year's and next year's), are shown on the enterprise, and are not pending items
in the county comparison (docs/rules.md “分类监管”)."""

from __future__ import annotations

import datetime as dt

import pytest

from hazardlib import stages
from hazardlib.apps.enterprises import supervision_badge
from hazardlib.apps.inspection import InspectionApp
from hazardlib.reports.comparison import county_comparison
from hazardlib.rules import RULES, is_to_do, run_all

from .situations import Situation

D = dt.date
COUNTY = "522730"


@pytest.fixture
def s(store):
    return Situation(store)


def test_a_larger_finding_raises_the_enterprise_in_the_stage_2_ranking_and_a_general_one_does_not(s, store):
    key = s.enterprise(COUNTY, name="龙里重点有限公司")
    plain = s.enterprise(COUNTY, name="龙里一般有限公司")
    s.hazard(key, D(2024, 6, 1), grade="larger")
    s.hazard(plain, D(2024, 6, 1), grade="general")
    frame = stages.inspection_proposals(store, COUNTY, D(2024, 6, 20)).set_index("name")
    assert frame.loc["龙里重点有限公司", "supervision"] == "key"
    assert frame.loc["龙里一般有限公司", "supervision"] == ""
    assert frame.loc["龙里重点有限公司", "score"] == frame.loc["龙里一般有限公司", "score"] + 3
    assert frame.loc["龙里重点有限公司", "reason"].startswith("实施重点监管（+3）")
    assert frame.loc["龙里重点有限公司", "rank"] < frame.loc["龙里一般有限公司", "rank"]


def test_special_supervision_outranks_key_supervision(s, store):
    special = s.enterprise(COUNTY, name="龙里特别有限公司")
    key = s.enterprise(COUNTY, name="龙里重点有限公司")
    for i, day in enumerate((D(2023, 7, 1), D(2024, 5, 20), D(2024, 6, 1))):
        s.hazard(special, day, grade="major", problem=f"P0{i + 1}")
    s.hazard(key, D(2024, 6, 1), grade="major")
    frame = stages.inspection_proposals(store, COUNTY, D(2024, 6, 20)).set_index("name")
    assert frame.loc[["龙里特别有限公司", "龙里重点有限公司"], "supervision"].tolist() == ["special", "key"]
    assert frame.loc["龙里特别有限公司", "score"] - frame.loc["龙里重点有限公司", "score"] == 3


def test_last_years_class_carries_into_next_years_ranking(s, store):
    """A class held at the end of last year's campaign raises the enterprise in this year's stage 2."""
    last_year = s.enterprise(COUNTY, name="龙里去年重点有限公司")
    general = s.enterprise(COUNTY, name="龙里去年一般有限公司")
    s.hazard(last_year, D(2023, 7, 1), grade="larger")
    s.hazard(general, D(2023, 7, 1), grade="general")
    frame = stages.inspection_proposals(store, COUNTY, D(2024, 6, 20)).set_index("name")
    assert frame.loc["龙里去年重点有限公司", "reason"].startswith("2023年度实施重点监管（+3）")
    assert frame.loc["龙里去年一般有限公司", "supervision"] == ""


def test_the_class_is_shown_on_the_enterprise_and_nothing_for_an_enterprise_in_none(s, store):
    key = s.enterprise("522701", name="都匀重点有限公司")
    plain = s.enterprise("522701", name="都匀一般有限公司")
    s.hazard(key, D(2024, 7, 1), grade="larger")
    s.hazard(plain, D(2024, 7, 1), grade="general")
    badge = supervision_badge(store, key, D(2024, 7, 10))
    assert "重点监管" in badge and "较大隐患 1 项" in badge
    assert supervision_badge(store, plain, D(2024, 7, 10)) == ""
    app = InspectionApp(store, D(2024, 7, 10))
    app.picker.query.value = "都匀重点有限公司"
    app.picker.search_btn.click()
    assert "重点监管" in app.picker.current.value


def test_classes_are_not_pending_items_in_the_county_comparison(s, store):
    key = s.enterprise("522701")
    s.hazard(key, D(2024, 7, 1), grade="larger")  # a class (重点监管) and a to-do (责令整改)
    as_of = D(2024, 7, 10)
    found = [f for f in run_all(store, as_of) if f.county_code == "522701"]
    assert {f.rule for f in found} >= {"key_supervision", "rectification_order_due"}
    assert RULES["key_supervision"].standing and RULES["special_supervision"].standing
    row = county_comparison(store, as_of).set_index("county_code").loc["522701"]
    assert row["open_findings"] == sum(is_to_do(f) for f in found) == len(found) - 1
    assert "重点监管" not in row["findings_by_rule"] and "待责令整改" in row["findings_by_rule"]
