"""The stage-2 inspection list where it is used: ``hazard report inspection-targets`` and the inspection page."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from hazardlib import stages
from hazardlib.apps import InspectionApp
from hazardlib.campaign import PROPOSAL_FACTORS, load_campaign, proposal_weights
from hazardlib.cli import main
from hazardlib.datafiles import ENV_VAR, data_dir
from hazardlib.reports import score_parts
from hazardlib.store import Store

from .situations import Situation

D = dt.date


def _two_that_differ_by_one_complaint(store: Store) -> tuple[int, int]:
    s = Situation(store)
    plain = s.enterprise("522701", name="都匀市甲商行")
    complained = s.enterprise("522701", name="都匀市乙商行")
    for e in (plain, complained):
        s.self_check(e, D(2024, 5, 20))
    s.signal("522701", D(2024, 6, 1), "complaint", enterprise_id=complained)
    return plain, complained


def test_the_report_lists_a_countys_enterprises_in_rank_order_with_score_and_reasons(store, tmp_path: Path):
    plain, complained = _two_that_differ_by_one_complaint(store)
    out = tmp_path / "targets.json"
    args = ["report", "inspection-targets", "--db", store.url, "--county", "522701", "--as-of", "2024-06-25"]
    result = CliRunner().invoke(main, [*args, "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert [r["enterprise_id"] for r in rows] == [complained, plain]
    assert [r["rank"] for r in rows] == [1, 2] and rows[0]["score"] == rows[1]["score"] + 2
    assert rows[0]["reason"] == "投诉举报、舆情1条（+2）" and rows[0]["complaints"] == 1
    assert rows[1]["reason"].startswith("无") and rows[0]["county_code"] == "522701"
    # One day before the complaint was received, the two are level (the one just short).
    before = tmp_path / "before.json"
    CliRunner().invoke(
        main, [*args[:-1], "2024-05-31", "--format", "json", "-o", str(before)], catch_exceptions=False
    )
    assert {r["score"] for r in json.loads(before.read_text(encoding="utf-8"))} == {0}
    book = tmp_path / "targets.xlsx"
    assert CliRunner().invoke(main, [*args, "-o", str(book)]).exit_code == 0
    values = [
        c for row in load_workbook(book).active.iter_rows(values_only=True) for c in row if c is not None
    ]
    assert "都匀市乙商行" in values and "投诉举报、舆情1条（+2）" in values and "排序理由" in values


def test_the_inspection_page_offers_the_ranked_list_and_opens_the_pick(store):
    _plain, complained = _two_that_differ_by_one_complaint(store)
    app = InspectionApp(Store(store.url, user="都匀市局", county="522701"), D(2024, 6, 25))
    labels = [label for label, _ in app.target_pick.options]
    assert labels[0].startswith("1. 都匀市乙商行（2 分：投诉举报、舆情1条") and labels[1].startswith(
        "2. 都匀市甲商行"
    )
    app.target_pick.value = complained
    app.target_btn.click()
    assert app.enterprise is not None and app.enterprise["id"] == complained
    assert app.work.layout.display == ""


def test_the_inspection_pages_list_numbers_what_it_shows_from_one_when_the_first_ranked_was_inspected(store):
    plain, complained = _two_that_differ_by_one_complaint(store)
    county = Store(store.url, user="都匀市局", county="522701")
    ranked = stages.inspection_proposals(county, "522701", D(2024, 6, 25))
    assert ranked["enterprise_id"].tolist()[:2] == [complained, plain]
    # the one just short: nothing inspected yet, both listed as ranked
    shown = [label for label, _ in InspectionApp(county, D(2024, 6, 25)).target_pick.options]
    assert [label.split(" ")[0] for label in shown] == ["1.", "2."]
    Situation(store).inspection(complained, D(2024, 6, 20))
    ranked = stages.inspection_proposals(county, "522701", D(2024, 6, 25))
    assert ranked.set_index("enterprise_id").at[plain, "rank"] == 2  # still second of the county's ranking
    labels = [label for label, _ in InspectionApp(county, D(2024, 6, 25)).target_pick.options]
    assert labels == [next(label.replace("2. ", "1. ", 1) for label in shown if "甲商行" in label)]


def test_the_prefecture_inspection_page_has_no_county_list(store):
    _two_that_differ_by_one_complaint(store)
    app = InspectionApp(store, D(2024, 6, 25))
    assert not hasattr(app, "target_pick")


# Each factor of the ranking, as two enterprises of one county that differ by that factor alone: how to give
# the factor to one of them (``marked``), what the other gets instead (``plain``: the same records short of
# the factor), and the weight of the campaign file it earns.
MAJOR = {"major_risk_reported": True, "major_risk_description": "出厂检验记录缺失"}
UNCONTROLLED = {"point_code": "R-03", "risk_point": "出厂检验", "measures_in_place": False, "grade": "一般"}
CONTROLLED = {**UNCONTROLLED, "measures_in_place": True}
THREE_DAYS = (D(2023, 7, 1), D(2024, 5, 20), D(2024, 6, 1))


def _checked(s: Situation, e: int, **check: Any) -> None:
    s.self_check(e, D(2024, 5, 20), **check)


def _hazards(grade: str, days: tuple[dt.date, ...] = (D(2024, 6, 1),)) -> Callable[[Situation, int], None]:
    def make(s: Situation, e: int) -> None:
        _checked(s, e)
        for i, day in enumerate(days):
            s.hazard(e, day, grade=grade, problem=f"P0{i + 1}")

    return make


def _flag(name: str) -> dict[str, Any]:
    return {"enterprise": {name: True}, "weight": "key_object"}


ONE_FACTOR: dict[str, dict[str, Any]] = {
    # A major risk reported in the self-check goes on the ledger, which puts the enterprise under key
    # supervision (重点监管); the plain one is under key supervision too, from a larger hazard.
    "major_risk_reported": {
        "marked": lambda s, e: _checked(s, e, **MAJOR),
        "plain": lambda s, e: (_checked(s, e), s.hazard(e, D(2024, 6, 1), grade="larger")),
    },
    "responsibility_gap": {"marked": lambda s, e: _checked(s, e, gaps=("weekly_check",))},
    "uncontrolled_risk_point": {
        "marked": lambda s, e: _checked(s, e, items=[UNCONTROLLED]),
        "plain": lambda s, e: _checked(s, e, items=[CONTROLLED]),
    },
    "not_self_checked": {"marked": lambda s, e: None, "plain": _checked},
    "in_cluster_area": _flag("in_cluster_area"),
    "rural_or_fringe_shop": _flag("rural_or_fringe_shop"),
    "wholesale_market_shop": _flag("wholesale_market_shop"),
    "concentrated_complaints": {"enterprise": {"concentrated_complaints": True}},
    "complaint": {
        "marked": lambda s, e: (_checked(s, e), s.signal("522701", D(2024, 6, 1), enterprise_id=e))
    },
    "spot_check_failure": {
        "marked": lambda s, e: (_checked(s, e), s.spot_check(D(2024, 5, 25), "unqualified", enterprise_id=e)),
        "plain": lambda s, e: (_checked(s, e), s.spot_check(D(2024, 5, 25), "qualified", enterprise_id=e)),
    },
    "key_supervision": {"marked": _hazards("larger"), "plain": _hazards("general")},
    "special_supervision": {
        "marked": _hazards("major", THREE_DAYS),
        "plain": _hazards("general", THREE_DAYS),
    },
}


def test_every_factor_of_the_campaign_file_has_its_pair():
    assert {case.get("weight", name) for name, case in ONE_FACTOR.items()} == set(PROPOSAL_FACTORS)


@pytest.mark.parametrize("name", ONE_FACTOR)
def test_two_enterprises_that_differ_by_one_factor_are_ordered_by_its_weight(store, name):
    case, s = ONE_FACTOR[name], Situation(store)
    marked = s.enterprise("522701", name="都匀市有该项有限公司", **case.get("enterprise", {}))
    plain = s.enterprise("522701", name="都匀市无该项有限公司")
    case.get("marked", _checked)(s, marked)
    case.get("plain", _checked)(s, plain)
    frame = stages.inspection_proposals(store, "522701", D(2024, 6, 25)).set_index("enterprise_id")
    counts = stages.factor_counts(frame)
    factor = case.get("weight", name)
    differ = counts.columns[counts.loc[marked] != counts.loc[plain]].tolist()
    assert differ == [factor] and counts.loc[marked, factor] == counts.loc[plain, factor] + 1
    weights = proposal_weights(load_campaign(2024))
    assert frame.loc[marked, "score"] - frame.loc[plain, "score"] == weights[factor] > 0
    assert frame.loc[marked, "rank"] < frame.loc[plain, "rank"]
    assert frame.loc[marked, "score"] == stages.factor_points(frame, weights).loc[marked].sum()


def test_the_weights_are_read_from_the_campaign_file(store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Doubling the complaint weight in the file doubles what one complaint earns; nothing else changes."""
    folder = tmp_path / "data"
    shutil.copytree(data_dir(), folder)
    path = folder / "campaigns" / "campaign-2024.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("complaint = 2 ", "complaint = 4 "), encoding="utf-8"
    )
    plain, complained = _two_that_differ_by_one_complaint(store)
    monkeypatch.setenv(ENV_VAR, str(folder))
    assert proposal_weights(load_campaign(2024))["complaint"] == 4
    frame = stages.inspection_proposals(store, "522701", D(2024, 6, 25)).set_index("enterprise_id")
    assert frame.loc[complained, "score"] - frame.loc[plain, "score"] == 4
    assert frame.loc[complained, "reason"] == "投诉举报、舆情1条（+4）"


def test_score_parts_show_each_factor_its_weight_and_points_adding_up_to_the_score(store):
    _plain, complained = _two_that_differ_by_one_complaint(store)
    parts = score_parts(store, "522701", D(2024, 6, 25), top=1)
    assert parts["enterprise_id"].unique().tolist() == [complained]
    assert parts["factor"].tolist() == list(PROPOSAL_FACTORS)
    row = parts.set_index("factor").loc["complaint"]
    assert (row["count"], row["weight"], row["points"]) == (1, 2, 2)
    assert row["factor_title"] == "投诉举报、舆情信息（每条）"
    assert parts["points"].sum() == parts["score"].iloc[0] == 2


def test_a_county_without_enterprises_has_an_empty_list_and_no_score_parts(store):
    assert stages.inspection_proposals(store, "522701", D(2024, 6, 25)).empty
    assert score_parts(store, "522701", D(2024, 6, 25)).empty


def test_the_export_shows_the_standing_class_that_earns_points_in_every_format(store, tmp_path: Path):
    """The class column (重点监管/特别监管, with the year it stands from when not this campaign) beside the
    factors, so the score can be rebuilt from the file; blank for the one just short (a general hazard)."""
    s = Situation(store)
    now = s.enterprise("522701", name="都匀市本年较大有限公司")
    carried = s.enterprise("522701", name="都匀市去年较大有限公司")
    plain = s.enterprise("522701", name="都匀市一般隐患有限公司")
    _hazards("larger")(s, now)
    _hazards("larger", (D(2023, 7, 1),))(s, carried)
    _hazards("general")(s, plain)
    expected = {"都匀市本年较大有限公司": "重点监管", "都匀市去年较大有限公司": "重点监管（2023年度）"}
    expected["都匀市一般隐患有限公司"] = ""
    args = ["report", "inspection-targets", "--db", store.url, "--county", "522701", "--as-of", "2024-06-25"]
    written = {fmt: tmp_path / f"targets.{fmt}" for fmt in ("json", "csv", "xlsx")}
    for fmt, path in written.items():
        result = CliRunner().invoke(main, [*args, "--format", fmt, "-o", str(path)])
        assert result.exit_code == 0, result.output
    rows = json.loads(written["json"].read_text(encoding="utf-8"))
    assert {r["name"]: r["supervision_label"] for r in rows} == expected
    assert {r["name"]: (r["supervision"], r["supervision_since"]) for r in rows}[
        "都匀市去年较大有限公司"
    ] == ("key", "2023年度")
    assert all("complaints" in r and "reason" in r for r in rows)  # the keys before stay
    with written["csv"].open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    header = next(row for row in table if "分类监管" in row and "企业名称" in row)
    name, cls = header.index("企业名称"), header.index("分类监管")
    assert {row[name]: row[cls] for row in table if len(row) > cls and row[name] in expected} == expected
    sheet = list(load_workbook(written["xlsx"]).active.iter_rows(values_only=True))
    name = next(row for row in sheet if "企业名称" in row).index("企业名称")
    cls = next(row for row in sheet if "分类监管" in row).index("分类监管")  # under the 得分构成 group
    found = {row[name]: row[cls] or "" for row in sheet if row[name] in expected}
    assert found == expected
