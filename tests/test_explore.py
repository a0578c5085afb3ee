"""The analyses behind the notebooks (hazardlib.explore): each built on a small hand-made situation and
the one just short of it, and cross-checked on the demo campaign against the reports and rules."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from hazardlib import explore, reports, schema, stages
from hazardlib.explore import workbook
from hazardlib.intake import import_file, write_template
from hazardlib.rules import run_rule
from hazardlib.store import Store, count, open_store

from .situations import Situation, demo_url, subjects

D = dt.date
AS_OF = D(2024, 9, 15)
DONE = (("order", D(2024, 6, 25), {"deadline": D(2024, 7, 25)}), ("rectify", D(2024, 7, 1)))


def close_out(s: Situation, hazard: int, day: dt.date) -> None:
    """Order, rectify, re-inspect and close a hazard, the last three on ``day``."""
    s.moves(
        hazard,
        ("order", day - dt.timedelta(days=5), {"deadline": day}),
        ("rectify", day),
        ("reinspect", day, {"outcome": "passed"}),
        ("close", day),
    )


@pytest.fixture
def s(store: Store) -> Situation:
    return Situation(store)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return open_store(demo_url(tmp_path_factory), user="测试员")


# -- the store the notebooks open ---------------------------------------------------------------


def test_an_empty_store_gets_the_demo_and_a_store_with_records_is_left_alone(tmp_path, monkeypatch, s):
    monkeypatch.setattr(workbook, "DEMO_SCALE", 0.02)
    url = f"sqlite:///{tmp_path / 'nb.db'}"
    monkeypatch.setenv("HAZARD_DB", url)
    store = explore.open_workbook(progress=False)
    assert store.url == url and store.meta("demo_seed") == "7"
    with store.read() as conn:
        enterprises = count(conn, schema.enterprises)
    explore.open_workbook(progress=False)  # opened again: nothing added
    with store.read() as conn:
        assert count(conn, schema.enterprises) == enterprises > 0

    s.enterprise("522701")  # a store holding real records and no demo is never filled
    explore.open_workbook(s.store.url, progress=False)
    assert s.store.meta("demo_seed") is None
    with s.store.read() as conn:
        assert count(conn, schema.enterprises) == 1


def test_a_scratch_copy_holds_the_same_records_and_changes_leave_the_original_alone(s, tmp_path):
    e = s.enterprise("522701")
    s.hazard(e, D(2024, 6, 20))
    copy = explore.scratch_copy(s.store, tmp_path / "copy")
    Situation(copy).hazard(e, D(2024, 6, 21))
    with s.store.read() as conn:
        assert count(conn, schema.hazards) == 1
    with copy.read() as conn:
        assert count(conn, schema.hazards) == 2
    assert copy.url.endswith("副本.db") and copy.user == s.store.user


def test_figures_are_the_results_list_total_one_row_per_figure(demo):
    figures = explore.figures(demo, AS_OF).set_index("figure")
    total = reports.results_list(demo, AS_OF).iloc[-1]
    assert figures.loc["hazards_found", "value"] == total["hazards_found"]
    assert isinstance(figures.loc["hazards_found", "value"], int)
    assert figures.loc["closure_rate", "value"] == total["closure_rate"]
    assert figures.loc["closure_rate", "label"] == "整改率（%）"


def test_the_calendar_says_which_stage_is_running_and_which_deadline_has_passed():
    cal = explore.calendar(AS_OF).set_index("name")["status"]
    assert cal["第二阶段：现场检查、隐患排查"] == "已结束"
    assert cal["第三阶段：隐患治理、质量帮扶"] == "进行中"
    assert cal["行动成果清单、阶段性工作总结"] == "已过"
    assert explore.stage_label(AS_OF).startswith("第三阶段：隐患治理、质量帮扶（剩余 47 天）")


# -- breakdowns -----------------------------------------------------------------------------------


def test_hazards_are_broken_down_by_product_field_and_problem_as_the_results_list_counts(s):
    a, b = s.enterprise("522701"), s.enterprise("522702", field="seller", products=["04-01"])
    closed = s.hazard(a, D(2024, 6, 20), grade="major", product="03-01", problem="P01")
    close_out(s, closed, D(2024, 7, 10))
    s.hazard(a, D(2024, 6, 21), grade="larger", product="03-01", problem="P05")
    s.hazard(b, D(2024, 7, 1), product="04-01", problem="C01", ordered=D(2024, 7, 1), deadline=D(2024, 8, 1))
    s.hazard(b, D(2024, 7, 2), kind="risk", grade="larger", product="04-01", problem="C01")
    s.hazard(a, D(2024, 5, 10), product="03-01", problem="P01")  # the day before stage 1: not counted

    by_category = explore.hazards_by(s.store, AS_OF, "category").set_index("category_code")
    assert by_category.loc["03", ["hazards", "major", "larger", "closed", "open"]].tolist() == [2, 1, 1, 1, 1]
    assert by_category.loc["03", "category_name"] == "水泥" and by_category.loc["03", "closure_rate"] == 50.0
    assert by_category.loc["04", ["hazards", "overdue"]].tolist() == [1, 1]
    assert by_category["hazards"].sum() == reports.results_list(s.store, AS_OF).iloc[-1]["hazards_found"]

    by_field = explore.hazards_by(s.store, AS_OF, "field").set_index("field")
    assert by_field["hazards"].to_dict() == {"production": 2, "circulation": 1}
    assert by_field.loc["production", "field_name"] == "生产领域" and by_field["share"].sum() == 100.0
    with_risks = explore.hazards_by(s.store, AS_OF, ["county", "problem"], kind=None)
    assert with_risks[["county_name", "problem_name", "hazards"]].values.tolist() == [
        ["福泉市", "销售无证产品", 2],
        ["都匀市", "无证生产", 1],
        ["都匀市", "偷工减料", 1],
    ]
    with pytest.raises(ValueError, match="不能按“colour”分组"):
        explore.hazards_by(s.store, AS_OF, "colour")


def test_the_unqualified_rate_leaves_refusals_out_of_the_denominator(s):
    shop, maker = s.enterprise("522701", field="seller"), s.enterprise("522701")
    for result in ("unqualified", "qualified", "qualified", "refused"):
        s.spot_check(D(2024, 7, 1), result, enterprise_id=shop)
    s.spot_check(D(2024, 7, 2), "unqualified", enterprise_id=maker, channel="production")
    by_field = explore.spot_checks_by(s.store, AS_OF, "field").set_index("field")
    assert by_field.loc["circulation", ["batches", "unqualified", "refused", "qualified"]].tolist() == [
        4,
        1,
        1,
        2,
    ]
    assert by_field.loc["circulation", "unqualified_rate"] == 33.3
    assert by_field.loc["production", "unqualified_rate"] == 100.0
    total = reports.results_list(s.store, AS_OF).iloc[-1]
    assert by_field["batches"].sum() == total["spot_check_batches"]


def test_the_product_overview_lists_every_category_with_zeros_where_nothing_was_found(s):
    e = s.enterprise("522701")
    s.hazard(e, D(2024, 6, 20))
    overview = explore.product_overview(s.store, AS_OF)
    assert len(overview) == 24 and overview["category_code"].is_monotonic_increasing
    cement = overview.set_index("category_code").loc["03"]
    assert cement["hazards"] == 1 and cement["unqualified_rate"] is None
    assert overview.set_index("category_code").loc["01", "hazards"] == 0
    assert len(explore.product_overview(s.store, AS_OF, "sub_product")) > 24


def test_key_problems_rank_each_field_and_mark_the_catch_all(s):
    e = s.enterprise("522701", field="both")
    for day, problem in ((20, "P01"), (21, "P01"), (22, "P01"), (23, "P99"), (24, "C05")):
        s.hazard(e, D(2024, 6, day), problem=problem)
    problems = explore.key_problems(s.store, AS_OF)
    assert problems[["problem_code", "key", "hazards", "cumulative_share"]].values.tolist() == [
        ["P01", True, 3, 75.0],
        ["P99", False, 1, 100.0],
        ["C05", True, 1, 100.0],
    ]


# -- enterprises ----------------------------------------------------------------------------------


def test_an_enterprise_with_problems_on_two_days_is_a_repeat_offender_and_one_day_is_not(s):
    twice = s.enterprise("522701")
    s.hazard(twice, D(2023, 7, 1), problem="P01")
    s.spot_check(D(2024, 7, 1), "unqualified", enterprise_id=twice)
    once = s.enterprise("522701")
    s.hazard(once, D(2024, 6, 20), problem="P01")
    s.hazard(once, D(2024, 6, 20), problem="P05")  # the same day: one occasion
    offenders = explore.repeat_offenders(s.store, AS_OF)
    assert offenders["enterprise_id"].tolist() == [twice]
    row = offenders.iloc[0]
    assert (row["occasions"], row["hazards"], row["unqualified"], row["campaigns"]) == (2, 1, 1, 2)
    assert row["open_hazards"] == 1 and row["county_name"] == "都匀市"  # the 2023 hazard is still open
    assert explore.repeat_offenders(s.store, AS_OF, times=3).empty


@pytest.mark.parametrize(
    ("results", "listed"),
    [(("unqualified", "unqualified"), True), (("unqualified", "qualified", "unqualified"), False)],
)
def test_consecutive_unqualified_means_the_last_two_results(s, results, listed):
    e = s.enterprise("522701", field="seller")
    for day, result in enumerate(results, start=1):
        s.spot_check(D(2024, 7, day), result, enterprise_id=e)
    assert (e in set(explore.consecutive_unqualified(s.store, AS_OF)["enterprise_id"])) is listed


def test_consecutive_unqualified_shows_who_is_still_to_be_interviewed_as_the_rule_does(s):
    e = s.enterprise("522701", field="seller")
    s.spot_check(D(2024, 7, 1), "unqualified", enterprise_id=e, batch_no="B1")
    s.spot_check(D(2024, 7, 2), "unqualified", enterprise_id=e, batch_no="B2")
    s.hazard(e, D(2024, 7, 3), grade="major")
    row = explore.consecutive_unqualified(s.store, AS_OF).iloc[0]
    assert (row["batches"], row["open_major_hazards"], row["to_interview"]) == ("B1、B2", 1, True)
    assert subjects(run_rule("interview_consecutive_unqualified", s.store, AS_OF)) == {e}
    s.interview(e, D(2024, 7, 10))
    row = explore.consecutive_unqualified(s.store, AS_OF).iloc[0]
    assert row["interviewed"] and not row["to_interview"]


def test_producers_of_unqualified_products_and_supervised_enterprises_are_due_for_help(s):
    maker = s.enterprise("522702")
    s.spot_check(D(2024, 7, 1), "unqualified", producer={"enterprise_id": maker})
    supervised = s.enterprise("522701")
    s.hazard(supervised, D(2024, 6, 20), grade="larger")
    s.enterprise("522701")  # nothing wrong: not a candidate
    due = explore.help_candidates(s.store, AS_OF).set_index("enterprise_id")
    assert set(due.index) == {maker, supervised}
    assert due.loc[maker, "letter_due"] and not due.loc[maker, "helped"]
    # A larger hazard is a quality problem found in the campaign: that enterprise is due for help too.
    assert due.loc[supervised, "supervision"] == "重点监管" and due.loc[supervised, "letter_due"]
    assert due.index[0] == maker  # the unqualified producer first

    s.help(maker, D(2024, 7, 20), "guidance_letter")
    after = explore.help_candidates(s.store, AS_OF).set_index("enterprise_id").loc[maker]
    assert after["helped"] and not after["letter_due"] and after["guidance_letter"] == 1
    assert after["last_help_date"] == D(2024, 7, 20)


def test_findings_come_as_a_table_with_the_rules_names(s):
    maker = s.enterprise("522702")
    s.spot_check(D(2024, 7, 1), "unqualified", producer={"enterprise_id": maker})
    table = explore.findings(s.store, AS_OF, rules="help_unqualified_producer")
    assert table[["rule", "title", "county_name", "enterprise_id"]].values.tolist() == [
        ["help_unqualified_producer", "发现质量问题的企业须精准帮扶", "福泉市", maker]
    ]
    assert set(explore.findings(s.store, AS_OF)["rule"]) >= {"help_unqualified_producer"}


# -- close-out over time --------------------------------------------------------------------------


def test_the_projection_carries_the_current_stages_pace_to_the_finish(s):
    as_of = D(2024, 9, 10)  # stage 3 began on 1 September: a 10-day pace window
    quick, slow = s.enterprise("522701"), s.enterprise("522702")
    for county_enterprise, closed_in_september in ((quick, 5), (slow, 1)):
        hazards = [s.hazard(county_enterprise, D(2024, 6, 20 + i)) for i in range(10)]
        for h in hazards[:closed_in_september]:
            close_out(s, h, D(2024, 9, 5))
    projection = explore.closeout_projection(s.store, as_of).set_index("county_code")
    fast = projection.loc["522701"]
    assert (fast["pace_from"], fast["pace_days"], fast["days_left"]) == (D(2024, 9, 1), 10, 51)
    assert (fast["closed_per_week"], fast["found_per_week"], fast["projected_rate"]) == (3.5, 0.0, 100.0)
    assert fast["on_course"] and fast["clear_date"] == D(2024, 9, 20)
    behind = projection.loc["522702"]  # 1 + 0.1 × 51 = 6.1 of 10
    assert behind["projected_rate"] == 61.0 and not behind["on_course"]
    assert behind["needed_per_week"] == round((9.5 - 1) * 7 / 51, 1)
    assert "低于 95%" in behind["verdict"]
    assert projection.loc["522700", ["found", "closed"]].tolist() == [20, 6]
    with pytest.raises(ValueError, match="尚未开始"):
        explore.closeout_projection(s.store, D(2024, 5, 1))


def test_close_out_over_time_ends_with_the_trackers_figures(demo):
    series = explore.closeout_series(demo, AS_OF)
    assert series["day"].iloc[0] == D(2024, 5, 11) and series["day"].iloc[-1] == AS_OF
    assert (series.groupby("county_code")["day"].diff().dropna() <= pd.Timedelta(days=7)).all()
    last = series[series["day"] == AS_OF].set_index("county_code")
    progress = stages.county_progress(demo, AS_OF).set_index("county_code")
    assert last["found"].to_dict() == progress["hazards_found_to_date"].to_dict()
    assert last["closed"].to_dict() == progress["hazards_closed_to_date"].to_dict()
    assert last["overdue"].to_dict() == progress["overdue_hazards"].to_dict()
    projection = explore.closeout_projection(demo, AS_OF).set_index("county_code")
    assert projection["closed"].to_dict() == last["closed"].to_dict()
    chart = explore.closeout_chart(series, projection.reset_index(), ["522700", "522723"])
    assert "贵定县" in chart.svg and "10月31日完成" in chart.svg and "都匀市" not in chart.svg


# -- trying another definition -------------------------------------------------------------------


def test_tallying_the_ledger_gives_the_results_lists_figure(demo):
    led = reports.ledger(demo, AS_OF, kind="hazard", history=False)
    led = led[led["campaign_year"] == AS_OF.year]  # the ledger also lists earlier years' open hazards
    results = reports.results_list(demo, AS_OF)
    compared = explore.compare(results, "hazards_overdue", explore.tally(led, led["overdue"]))
    assert len(compared) == 13 and compared["difference"].eq(0).all()
    refused_too = explore.tally(led, led["overdue"] | (led["state"] == "refused"))
    assert refused_too.loc["522700"] >= results.iloc[-1]["hazards_overdue"]
    with pytest.raises(ValueError, match="条件有 1 行"):
        explore.tally(led, pd.Series([True]))


# -- filling a template -------------------------------------------------------------------------


def test_example_rows_fill_a_template_that_imports_into_a_copy(s, tmp_path):
    for field in ("producer", "seller", "producer"):
        s.enterprise("522702", field=field, products=["04-01"])
    rows = explore.example_inspections(s.store, "522702", AS_OF, n=3)
    assert list(rows["检查领域"]) == ["生产领域", "流通领域", "生产领域"]
    assert list(rows["隐患等级"]) == ["一般", "较大", "重大"]
    rows.loc[2, "检查日期"] = "2024-13-01"
    template = explore.fill_template(write_template("inspections", tmp_path / "现场检查.xlsx"), rows)
    sheet = openpyxl.load_workbook(template).worksheets[0]
    assert [sheet.cell(r, 1).value for r in (3, 4, 5)] == [1, 2, 3]
    copy = explore.scratch_copy(s.store, tmp_path)
    report = import_file(copy, template)
    assert (report.inserted, report.rejected) == (2, 1)
    assert report.findings_frame()["行号"].tolist() == [5]
    with s.store.read() as conn:
        assert count(conn, schema.inspections) == 0
    with pytest.raises(ValueError, match="没有“颜色”列"):
        explore.fill_template(template, pd.DataFrame({"颜色": ["红"]}))
    with pytest.raises(ValueError, match="没有可用于示例的企业"):
        explore.example_inspections(s.store, "522701", AS_OF)


def test_chinese_headings_replace_known_columns_only():
    frame = pd.DataFrame({"county_name": [], "hazards_found": [], "mine": []})
    assert list(explore.zh(frame).columns) == ["县（市）", "发现隐患（项）", "mine"]
    assert list(frame.columns) == ["county_name", "hazards_found", "mine"]
