"""The other reports on the hand-built campaign: the rectification ledger with history, the overdue and
unrectified lists, typical cases, tracing, the county comparison and the summaries' figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hazardlib.campaign import load_campaign
from hazardlib.errors import OutOfScope
from hazardlib.reports import (
    county_comparison,
    ledger,
    overdue,
    results_list,
    stage_summary,
    tracing,
    typical_cases,
    unrectified,
    work_summary,
)
from hazardlib.store import Store
from tests.test_reports_results_list import AS_OF, A, B, hand_built


@pytest.fixture
def campaign_store(store: Store, engine_name: str, tmp_path: Path) -> Store:
    return hand_built(store, engine_name, tmp_path)


@pytest.mark.engines
def test_the_ledger_lists_every_finding_of_the_window_with_its_state_then_and_its_history(
    campaign_store: Store,
) -> None:
    whole = ledger(campaign_store, AS_OF)
    assert whole.columns[0] == "hazard_id"
    start = load_campaign(2024).start
    earlier = whole[whole["found_date"] < start]  # found before the campaign and still open: on the ledger
    assert len(earlier) > 0 and (earlier["state"] != "closed").all()
    frame = whole[whole["found_date"] >= start]
    assert len(frame) == 12 and set(frame["kind"]) == {"hazard", "risk"}  # 9 hazards, 3 risks
    closed = frame[frame["state"] == "closed"].iloc[0]
    assert closed["closed_date"] == dt.date(2024, 7, 23) and closed["rectified_date"] == dt.date(2024, 7, 20)
    assert closed["history"] == (
        "2024-06-25 发现登记；2024-06-25 责令限期整改（期限 2024-07-25）；2024-07-20 企业整改完成；"
        "2024-07-23 复查（复查合格）；2024-07-23 销号"
    )
    # Closed on 21 August: still ordered on the 20th, and its later moves are not in its history yet.
    late = frame[
        (frame["enterprise_name"] == "测试A3有限公司") & (frame["deadline"] == dt.date(2024, 8, 19))
    ].iloc[0]
    assert late["state"] == "ordered" and late["closed_date"] is None and "销号" not in late["history"]
    assert late["overdue"] and late["overdue_days"] == 1


def test_ledger_filters(campaign_store: Store) -> None:
    assert set(ledger(campaign_store, AS_OF, kind="risk")["grade"]) == {"major", "larger"}
    assert list(ledger(campaign_store, AS_OF, state="refused")["state_label"]) == ["拒不整改"]
    assert set(ledger(campaign_store, AS_OF, grade=["major"], kind="hazard")["county_code"]) == {A, B}
    assert ledger(campaign_store, AS_OF, county=B, history=False)["history"].eq("").all()


def test_the_overdue_and_unrectified_lists_match_the_results_list(campaign_store: Store) -> None:
    figures = results_list(campaign_store, AS_OF).set_index("county_code")
    late = overdue(campaign_store, AS_OF)
    assert late.groupby("county_code").size().to_dict() == {A: 2, B: 1}
    assert (late["overdue_days"] > 0).all()
    everything = unrectified(campaign_store, AS_OF)  # hazards and risks of any year, still open
    assert set(everything["kind"]) == {"hazard", "risk"} and (everything["state"] != "closed").all()
    in_window = (everything["kind"] == "hazard") & (everything["found_date"] >= load_campaign(2024).start)
    open_ = everything[in_window]
    expected = figures["hazards_found"] - figures["hazards_closed"]
    assert len(open_) == expected.loc["522700"]
    assert open_.groupby("county_code").size().to_dict() == {
        k: v for k, v in expected.drop("522700").items() if v
    }


def test_the_unrectified_report_goes_on_after_the_campaign(campaign_store: Store) -> None:
    january = unrectified(campaign_store, dt.date(2025, 1, 10))  # no 2025 campaign: the 2024 one goes on
    assert len(january) == len(unrectified(campaign_store, dt.date(2024, 12, 31))) > 0
    assert "2024-08-21 销号" not in "".join(january["history"])


def test_typical_cases_list_the_published_cases_with_their_facts(campaign_store: Store) -> None:
    cases = typical_cases(campaign_store, AS_OF)
    assert list(cases["case_no"]) == ["黔南都市监罚〔2024〕1号"]
    case = cases.iloc[0]
    assert (
        case["facts"] == "销售不合格电动自行车"
        and case["transfer_label"] == "公安机关"
        and case["dishonesty_listed"]
    )
    assert len(typical_cases(campaign_store, dt.date(2024, 8, 21))) == 2


@pytest.mark.engines
def test_tracing_shows_the_tasks_and_the_records_about_enterprises_outside_the_prefecture(
    campaign_store: Store,
) -> None:
    frame = tracing(campaign_store, AS_OF)
    assert list(frame["batch_no"]) == ["S2", "S2", "S6", "S5", "S5"]
    outside = frame[frame["outside_prefecture"]]
    assert set(outside["target_name"]) == {"广东某电动车厂", "某网店"}
    assert frame.loc[frame["batch_no"] == "S6", "counted_for_name"].iloc[0] == "不计入（州外企业）"
    county = tracing(Store(campaign_store.url, county=B), AS_OF)
    assert list(county["batch_no"]) == ["S5", "S5"]


@pytest.mark.engines
def test_the_county_comparison_puts_progress_rates_and_findings_side_by_side(campaign_store: Store) -> None:
    frame = county_comparison(campaign_store, AS_OF).set_index("county_code")
    assert (
        len(frame) == 13
        and frame.loc[A, "closure_rate"] == 20.0
        and frame.loc[B, "unqualified_rate"] == 100.0
    )
    assert frame.loc[A, "key_enterprises"] == 3 and frame.loc[
        A, "hazards_per_100_enterprises"
    ] == pytest.approx(166.7)
    assert frame.loc["522700", "open_findings"] >= frame.drop(index="522700")["open_findings"].sum()
    assert "隐患逾期未整改" in frame.loc[A, "findings_by_rule"]
    assert frame.loc["522723", "hazards_found"] == 0 and not frame.loc["522723", "plan_adopted"]


def test_a_county_session_cannot_ask_for_another_county(campaign_store: Store) -> None:
    with pytest.raises(OutOfScope):
        ledger(Store(campaign_store.url, county=A), AS_OF, county=B)


@pytest.mark.engines
def test_the_summaries_hold_the_county_figures_stages_problems_and_cases(campaign_store: Store) -> None:
    s = stage_summary(campaign_store, AS_OF, A)
    assert s.title == "都匀市2024年重点工业产品质量安全隐患排查治理行动阶段性工作总结"
    assert s.due == dt.date(2024, 8, 20) and s.figures["hazards_found"] == 5
    assert list(s.stages["status"]) == ["已结束", "进行中", "未开始"]
    assert s.problems["hazards"].sum() == 5 and set(s.problems["field_label"]) == {"生产领域", "流通领域"}
    assert list(s.cases["enterprise_name"]) == ["测试A2有限公司"]
    w = work_summary(campaign_store, dt.date(2024, 10, 20))
    data = w.to_dict()
    assert data["document"] == "工作总结" and data["due"] == "2024-10-20" and data["county_code"] == "522700"
    assert data["figures"]["typical_cases_published"] == 2 and len(data["stages"]) == 3
