"""``hazard check``: the findings of every rule and the stage status, as JSON and as a Chinese table."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from hazardlib.cli import main
from hazardlib.rules import RULES

from .situations import Situation, demo_url

D = dt.date


def check(url, *args):
    result = CliRunner().invoke(main, ["check", "--db", url, *args])
    return result


@pytest.fixture
def built(store):
    s = Situation(store)
    duyun, fuquan = s.enterprise("522701", name="都匀市某水泥有限公司"), s.enterprise("522702")
    s.hazard(duyun, D(2024, 7, 1), ordered=D(2024, 7, 1), deadline=D(2024, 7, 31))
    s.hazard(fuquan, D(2024, 7, 1))
    return store.url


def test_json_is_one_object_with_stage_counties_and_findings(built):
    result = check(built, "--as-of", "2024-09-15", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) == {"as_of", "stage", "counties", "findings"} and report["as_of"] == "2024-09-15"
    assert (report["stage"]["no"], report["stage"]["days_left"], report["stage"]["next_deadline"]["day"]) == (
        3,
        47,
        "2024-10-20",
    )
    assert [c["county_code"] for c in report["counties"]][-1] == "522700" and len(report["counties"]) == 13
    duyun = report["counties"][0]
    assert (duyun["county_name"], duyun["hazards_found"], duyun["overdue_hazards"]) == ("都匀市", 1, 1)
    assert set(duyun["stages"]) == {"1", "2", "3"} and duyun["stages"]["2"]["hazards_found"] == 1
    overdue = [f for f in report["findings"] if f["rule"] == "overdue_hazard"]
    assert overdue == [
        {
            "rule": "overdue_hazard",
            "county_code": "522701",
            "subject": "都匀市某水泥有限公司",
            "enterprise_id": 1,
            "action": "督促整改并复查",
            "due": "2024-07-31",
            "records": {"hazards": [1]},
            "message": overdue[0]["message"],
        }
    ]
    assert all(f["rule"] in RULES for f in report["findings"])


def test_the_table_is_readable_chinese(built):
    result = check(built, "--as-of", "2024-09-15")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "当前阶段：第三阶段：隐患治理、质量帮扶（剩余 47 天）" in out and "下一报送节点：10月20日前" in out
    assert "各县（市）进度" in out and "都匀市" in out and "【隐患逾期未整改】overdue_hazard：1 条" in out
    assert "都匀市某水泥有限公司：督促整改并复查（期限 2024-07-31）" in out


def test_a_county_sees_only_its_own_findings_and_row(built):
    report = json.loads(
        check(built, "--as-of", "2024-09-15", "--county", "522702", "--format", "json").output
    )
    assert [c["county_code"] for c in report["counties"]] == ["522702"]
    assert {f["county_code"] for f in report["findings"]} == {"522702"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--county", "999999"], "不是黔南州所辖县（市）"),
        (["--as-of", "2031-06-01"], "没有2031年度的行动日历"),
        (["--as-of", "2024-13-01"], "不是有效的日期"),
    ],
)
def test_bad_options_get_a_chinese_message(built, args, message):
    result = check(built, *args)
    assert result.exit_code != 0 and message in result.output


def test_on_the_demo_campaign_check_lists_what_the_issue_asks_for_with_the_records_behind_each(
    tmp_path_factory,
):
    result = check(demo_url(tmp_path_factory), "--as-of", "2024-09-15", "--format", "json")
    assert result.exit_code == 0, result.output[-2000:]
    report = json.loads(result.output)
    by_rule: dict[str, list[dict]] = {}
    for f in report["findings"]:
        by_rule.setdefault(f["rule"], []).append(f)
    wanted = {
        "overdue_hazard",
        "interview_refused_or_failed",
        "interview_consecutive_unqualified",
        "key_supervision",
        "special_supervision",
        "tracing_task_open",
        "county_interview_or_circular",
    }
    assert wanted <= set(by_rule)
    for rule_id in wanted:
        assert all(f["records"] and all(f["records"].values()) for f in by_rule[rule_id]), rule_id
    lagging = {c["county_code"] for c in report["counties"] if not c["on_track"]} - {"522700"}
    assert {f["county_code"] for f in by_rule["county_interview_or_circular"]} <= lagging
