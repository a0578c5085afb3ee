"""The next campaign carries over the last one (issue 22, item 2): the hazards still open when 2025's window
opens are on 2025's results list apart from 2025's findings, the classes of supervision count major findings
across the two campaigns of the plan's window, and 2024's figures are what they were."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from hazardlib.apps.enterprises import history_note
from hazardlib.campaign import load_campaign
from hazardlib.campaign_files import new_campaign
from hazardlib.datafiles import ENV_VAR, data_dir
from hazardlib.explore import column_labels, enterprise_history
from hazardlib.exports import export
from hazardlib.reports import ledger, results_list
from hazardlib.reports.definitions import CARRY_OVER_KEYS, FIGURE_KEYS
from hazardlib.reports.enterprise_history import history_line
from hazardlib.rules.supervision import supervision_classes, supervision_of
from hazardlib.store import Store

from .situations import Situation

pytestmark = pytest.mark.engines  # the carry-over is SQL over the ledger's shape: SQLite and PostgreSQL

D = dt.date
OPENS_2025 = D(2025, 5, 11)  # 2025's window start, moved a year from 2024's
AS_OF = D(2025, 8, 20)


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of data/ with 2025's campaign made from 2024's (``hazard campaign new 2025 --from 2024``)."""
    folder = tmp_path / "data"
    shutil.copytree(data_dir(), folder)
    monkeypatch.setenv(ENV_VAR, str(folder))
    new_campaign(2025, 2024)
    return folder


def _row(store: Store, as_of: dt.date, county: str = "522701") -> dict[str, object]:
    frame = results_list(store, as_of, county)
    return frame.iloc[0].to_dict()


def test_the_new_campaign_carries_over_the_one_it_was_made_from(data: Path):
    assert load_campaign(2025).carried_over_from == 2024
    assert load_campaign(2024).carried_over_from is None  # the first campaign kept in the workbook


def test_a_hazard_open_when_the_window_opens_is_carried_over_not_found_again(data: Path, store: Store):
    s = Situation(store)
    e = s.enterprise()
    carried = s.hazard(e, D(2024, 9, 2), ordered=D(2024, 9, 2), deadline=D(2024, 10, 8))
    closed_day_before = s.hazard(
        e, D(2024, 9, 3), problem="P02", ordered=D(2024, 9, 3), deadline=D(2024, 10, 8)
    )
    s.moves(closed_day_before, ("rectify", D(2025, 5, 9)), ("reinspect", D(2025, 5, 10), {"outcome": "passed"}),
            ("close", D(2025, 5, 10)))  # fmt: skip
    closed_on_opening = s.hazard(
        e, D(2024, 9, 4), problem="P03", ordered=D(2024, 9, 4), deadline=D(2024, 10, 8)
    )
    s.moves(closed_on_opening, ("rectify", D(2025, 5, 10)), ("reinspect", D(2025, 5, 11), {"outcome": "passed"}),
            ("close", D(2025, 5, 11)))  # fmt: skip
    found_2025 = s.hazard(e, D(2025, 6, 25), problem="P04", ordered=D(2025, 6, 25), deadline=D(2025, 9, 25))
    assert carried and found_2025

    row = _row(store, AS_OF)
    # 2025's findings count 2025's hazard only; the two still open at the opening are carried over.
    assert row["hazards_found"] == 1
    assert row["hazards_carried_over"] == 2
    assert row["hazards_carried_over_closed"] == 1  # closed on the window's first day: carried, then closed
    assert row["hazards_carried_over_overdue"] == 1  # its 2024 deadline long passed, still ordered
    assert row["hazards_overdue"] == 0  # 2025's own hazard is within its deadline on 20 August

    # Before the window opens nothing is carried over yet (the window is empty).
    assert _row(store, D(2025, 5, 1))["hazards_carried_over"] == 0


def test_the_carry_over_keys_follow_the_hazards_of_the_year_and_only_in_a_carrying_campaign(
    data: Path, store: Store
):
    keys_2025 = [k for k in results_list(store, AS_OF).columns if k not in ("county_code", "county_name")]
    after = keys_2025.index("hazards_overdue") + 1
    assert keys_2025[after : after + len(CARRY_OVER_KEYS)] == list(CARRY_OVER_KEYS)
    assert [k for k in keys_2025 if k not in CARRY_OVER_KEYS] == list(FIGURE_KEYS)  # the contract kept
    keys_2024 = [k for k in results_list(store, D(2024, 8, 20)).columns]
    assert not set(CARRY_OVER_KEYS) & set(keys_2024)


def test_the_prefecture_total_adds_the_counties_carry_over(data: Path, store: Store):
    s = Situation(store)
    for county in ("522701", "522702"):
        s.hazard(s.enterprise(county), D(2024, 10, 1), ordered=D(2024, 10, 1), deadline=D(2024, 10, 30))
    frame = results_list(store, AS_OF).set_index("county_code")
    assert frame.loc["522701", "hazards_carried_over"] == frame.loc["522702", "hazards_carried_over"] == 1
    assert frame.loc["522700", "hazards_carried_over"] == 2


def test_two_majors_in_2024_and_one_in_2025_put_the_enterprise_under_special_supervision(
    data: Path, store: Store
):
    s = Situation(store)
    special, short, outside = s.enterprise(), s.enterprise(), s.enterprise()
    for e in (special, short):
        s.hazard(e, D(2024, 6, 25), grade="major")
        s.hazard(e, D(2024, 7, 25), grade="major", problem="P02")
    s.hazard(special, D(2025, 6, 25), grade="major", problem="P03")
    # Just short: a major in 2023 is outside 2025's two campaigns (2024 and 2025).
    s.hazard(outside, D(2023, 6, 25), grade="major")
    s.hazard(outside, D(2024, 6, 25), grade="major")
    s.hazard(outside, D(2025, 6, 25), grade="major", problem="P02")
    s.hazard(short, D(2025, 6, 26), grade="larger", problem="P03")

    classes = supervision_classes(store, AS_OF).set_index("enterprise_id")
    assert classes.loc[special, "class"] == "special"
    assert list(classes.loc[special, "campaign_years"]) == [2024, 2025]
    assert classes.loc[short, "class"] == "key"  # two majors in two years, and a larger one this year
    assert classes.loc[outside, "class"] == "key"
    row = supervision_of(store, special, AS_OF)
    assert row is not None and "2024、2025年度" in row["reasons"]
    assert _row(store, AS_OF)["special_supervision"] == 1
    # In 2024 (window 2023–2024) the same enterprise had two majors: not yet special.
    assert supervision_of(store, special, D(2024, 10, 20))["class"] == "key"  # type: ignore[index]


def test_an_enterprises_history_is_one_across_years(data: Path, store: Store):
    s = Situation(store)
    e, other = s.enterprise(), s.enterprise()
    s.hazard(e, D(2024, 6, 25), grade="major")
    s.spot_check(D(2024, 7, 1), "unqualified", producer={"enterprise_id": e})
    s.interview(e, D(2025, 6, 1), reason="连续两次抽查不合格")
    s.hazard(e, D(2025, 6, 25), grade="major", problem="P02")
    s.hazard(other, D(2025, 6, 25))
    history = enterprise_history(store, e)
    assert list(history["campaign_year"]) == [2024, 2024, 2025, 2025]
    assert list(history["record"]) == ["hazards", "spot_checks", "interviews", "hazards"]
    assert history["detail"].iloc[0].startswith("重大隐患：") and "不合格" in history["detail"].iloc[1]
    assert list(enterprise_history(store, e, D(2024, 12, 31))["campaign_year"]) == [2024, 2024]
    assert all(c in column_labels() for c in history.columns)
    line = "2024年：发现隐患、风险 1 项（重大 1）、监督抽查 1 批次；2025年：发现隐患、风险 1 项（重大 1）、约谈 1 次"
    assert history_line(history) == line
    assert line in history_note(store, e, AS_OF)  # under the enterprise's name on its pages
    assert history_note(store, s.enterprise(), AS_OF) == ""


def test_the_2025_ledger_lists_the_carry_over_marked_and_kept_once_closed(data: Path, store: Store, tmp_path):
    s = Situation(store)
    e = s.enterprise()
    open_one = s.hazard(e, D(2024, 9, 2), ordered=D(2024, 9, 2), deadline=D(2024, 10, 8))
    closed_in_2025 = s.hazard(e, D(2024, 9, 3), problem="P02", ordered=D(2024, 9, 3), deadline=D(2024, 10, 8))
    s.moves(closed_in_2025, ("rectify", D(2025, 6, 1)), ("reinspect", D(2025, 6, 2), {"outcome": "passed"}),
            ("close", D(2025, 6, 2)))  # fmt: skip
    closed_in_2024 = s.hazard(e, D(2024, 9, 4), problem="P03", ordered=D(2024, 9, 4), deadline=D(2024, 10, 8))
    s.moves(closed_in_2024, ("rectify", D(2024, 9, 20)), ("reinspect", D(2024, 9, 21), {"outcome": "passed"}),
            ("close", D(2024, 9, 21)))  # fmt: skip
    found_2025 = s.hazard(e, D(2025, 6, 25), problem="P04")
    book = ledger(store, AS_OF).set_index("hazard_id")
    assert set(book.index) == {open_one, closed_in_2025, found_2025}  # the one closed in 2024 is history
    assert book["carried_over"].to_dict() == {open_one: True, closed_in_2025: True, found_2025: False}
    row = _row(store, AS_OF)
    assert int(book["carried_over"].sum()) == row["hazards_carried_over"]
    # 2024's ledger is as it was: no carry-over marked, the hazard closed in 2024 listed.
    assert not ledger(store, D(2024, 10, 20))["carried_over"].any()
    sheet = load_workbook(export("ledger", store, AS_OF, None, "xlsx", tmp_path / "台账.xlsx")).active
    assert sheet is not None
    headers = {str(c.value) for row in sheet.iter_rows(max_row=6) for c in row if c.value}
    assert "上年度结转" in headers
