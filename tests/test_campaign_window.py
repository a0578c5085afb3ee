"""No day of the campaign belongs to no stage, and every view counts the same campaign window.

Plan, 三、工作步骤: 5月中旬—6月中旬, 6月下旬—8月下旬, 9月上旬—10月下旬 (中旬 = 11–20, 下旬 = 21 to the end of
the month). docs/rules.md “行动窗口” states the reading.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from hazardlib import stages
from hazardlib.campaign import load_campaign
from hazardlib.cli import main
from hazardlib.datafiles import resolve
from hazardlib.errors import ValidationFailed
from hazardlib.reports.results_list import results_frame
from hazardlib.reports.scope import scope_for
from hazardlib.rules import run_rule
from hazardlib.store import open_store

from .situations import Situation, demo_url

D = dt.date


def test_every_day_from_the_first_stage_to_the_last_is_in_a_stage() -> None:
    campaign = load_campaign(2024)
    day, last = campaign.stages[0].start, campaign.stages[-1].end
    assert (campaign.start, campaign.stages[0].start, campaign.stages[0].end) == (
        D(2024, 5, 11),
        D(2024, 5, 11),
        D(2024, 6, 20),
    )
    while day <= last:
        assert campaign.stage_of(day).stage is not None, day
        day += dt.timedelta(days=1)
    assert campaign.stage_of(D(2024, 6, 20)).stage.no == 1  # 6月中旬's last day
    assert campaign.stage_of(D(2024, 6, 21)).stage.no == 2  # 6月下旬's first day
    assert campaign.stage_of(D(2024, 5, 10)).stage is None  # just short: before 5月中旬


def _copy_data(tmp_path: Path, name: str = "data") -> Path:
    data = tmp_path / name  # a folder of its own: calendars are cached by folder
    shutil.copytree(resolve(None), data)
    return data


def _edit(data: Path, old: str, new: str) -> None:
    path = data / "campaigns" / "campaign-2024.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_calendar_leaving_days_between_two_stages_is_refused(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    _edit(data, "end = 2024-06-20", "end = 2024-06-19")  # 20 June would belong to no stage
    with pytest.raises(ValidationFailed) as err:
        load_campaign(2024, data)
    assert "不属于任何阶段" in str(err.value)


def test_a_calendar_whose_stages_meet_loads(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    assert load_campaign(2024, data).stages[0].end == D(2024, 6, 20)


def test_the_window_start_is_a_campaign_parameter_not_after_stage_one(tmp_path: Path) -> None:
    earlier, later = _copy_data(tmp_path, "earlier"), _copy_data(tmp_path, "later")
    _edit(earlier, "start = 2024-05-11  # 方案：第一阶段", "start = 2024-05-09  # 方案：第一阶段")
    assert load_campaign(2024, earlier).window(D(2024, 6, 1)) == (D(2024, 5, 9), D(2024, 6, 1))
    _edit(later, "start = 2024-05-11  # 方案：第一阶段", "start = 2024-05-12  # 方案：第一阶段")
    with pytest.raises(ValidationFailed) as err:
        load_campaign(2024, later)
    assert "行动窗口起点" in str(err.value)


def test_the_results_list_and_the_tracker_count_the_same_self_checks(store) -> None:
    """A self-check dated the day before the window (10 May) counts nowhere; one dated its first day
    (11 May) counts in the results list, the tracker and the lagging county's records alike."""
    s = Situation(store)
    before, first = s.enterprise("522701"), s.enterprise("522701")
    s.self_check(before, D(2024, 5, 10))
    s.self_check(first, D(2024, 5, 11))
    as_of = D(2024, 6, 18)
    tracker = {r["county_code"]: r["self_checked"] for r in stages.county_progress_rows(store, as_of)}
    results = results_frame(store, scope_for(store, as_of)).set_index("county_code")["self_checks"]
    assert tracker["522701"] == int(results["522701"]) == 1
    assert {c: int(v) for c, v in results.items()} == tracker
    lagging = [f for f in run_rule("county_interview_or_circular", store, as_of) if f.county_code == "522701"]
    assert all(first not in f.records.get("enterprises", ()) for f in lagging)
    assert any(before in f.records.get("enterprises", ()) for f in lagging)


def test_hazards_found_before_the_window_are_not_this_campaigns_in_the_tracker(store) -> None:
    s = Situation(store)
    e = s.enterprise("522701")
    s.hazard(e, D(2024, 5, 10), problem="P01")
    s.hazard(e, D(2024, 5, 11), problem="P02")
    row = next(r for r in stages.county_progress_rows(store, D(2024, 6, 18)) if r["county_code"] == "522701")
    results = results_frame(store, scope_for(store, D(2024, 6, 18))).set_index("county_code")
    assert row["hazards_found_to_date"] == 1 == int(results.loc["522701", "hazards_found"])


@pytest.mark.parametrize("as_of", [D(2024, 6, 18), D(2024, 10, 20)])
def test_on_the_demo_the_results_list_and_the_tracker_give_the_same_self_checks(
    tmp_path_factory, as_of
) -> None:
    store = open_store(demo_url(tmp_path_factory), user="测试员")
    tracker = {r["county_code"]: r["self_checked"] for r in stages.county_progress_rows(store, as_of)}
    results = results_frame(store, scope_for(store, as_of)).set_index("county_code")["self_checks"]
    assert {c: int(v) for c, v in results.items()} == tracker and sum(tracker.values()) > 0


def test_hazard_check_names_a_stage_on_18_june(tmp_path_factory) -> None:
    out = CliRunner().invoke(main, ["check", "--db", demo_url(tmp_path_factory), "--as-of", "2024-06-18",
                                    "--format", "json"])  # fmt: skip
    assert out.exit_code == 0
    stage = json.loads(out.output)["stage"]
    assert (stage["no"], stage["name"], stage["between"]) == (1, "部署、自查自纠", None)
