"""The stage-2 inspection list where it is used: ``hazard report inspection-targets`` and the inspection page."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from hazardlib.apps import InspectionApp
from hazardlib.cli import main
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


def test_the_prefecture_inspection_page_has_no_county_list(store):
    _two_that_differ_by_one_complaint(store)
    app = InspectionApp(store, D(2024, 6, 25))
    assert not hasattr(app, "target_pick")
