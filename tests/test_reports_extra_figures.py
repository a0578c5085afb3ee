"""A campaign adds figures to the results list with ``[[extra_figures]]`` in its calendar file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from hazardlib.datafiles import data_dir
from hazardlib.errors import ValidationFailed
from hazardlib.exports import export
from hazardlib.reports import results_list
from hazardlib.reports.definitions import FIGURE_KEYS
from hazardlib.reports.extra import parse
from hazardlib.store import Store
from tests.test_reports_results_list import AS_OF, A, B, build_campaign

EXTRA = """
[[extra_figures]]
key = "online_batches"
label = "网络销售抽查"
unit = "批次"
group = "抽查"
table = "spot_checks"
date_column = "sample_date"
definition = "抽样环节为网络销售的监督抽查批次。"
where = { channel = "online" }

[[extra_figures]]
key = "production_hazard_enterprises"
label = "生产领域存在隐患的企业"
unit = "家"
group = "隐患"
table = "hazards"
date_column = "found_date"
count = "enterprises"
definition = "发现生产领域问题隐患的企业，同一企业计 1 家。"
where = { kind = "hazard", problem_code = ["P01", "P02", "P03", "P04", "P05", "P06", "P07", "P99"] }
"""


@pytest.fixture
def extended(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    data = tmp_path / "data"
    shutil.copytree(data_dir(), data, ignore=shutil.ignore_patterns("*.db*", "logs"))
    toml = data / "campaigns" / "campaign-2024.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + EXTRA, encoding="utf-8")
    monkeypatch.setenv("HAZARD_DATA", str(data))
    c = build_campaign(store)
    c.spot_check("S9", "2024-07-20", "qualified", enterprise="A2", channel="online")
    c.spot_check("S10", "2024-08-21", "qualified", enterprise="B2", channel="online")
    return store


def test_a_campaign_adds_figures_counted_like_the_others(extended: Store, tmp_path: Path) -> None:
    frame = results_list(extended, AS_OF)
    keys = list(frame.columns[2:])
    assert keys.index("online_batches") == keys.index("follow_up_checks") + 1
    assert keys.index("production_hazard_enterprises") == keys.index("hazards_overdue") + 1
    assert [k for k in keys if k in FIGURE_KEYS] == list(FIGURE_KEYS)
    rows = frame.set_index("county_code")
    # S6 (online) is about a shop outside the prefecture; S10 is after the as-of date.
    assert rows.loc[A, "online_batches"] == 1 and rows.loc[B, "online_batches"] == 0
    assert rows.loc[A, "production_hazard_enterprises"] == 2  # A1, A3
    assert rows.loc[B, "production_hazard_enterprises"] == 1  # B1
    assert rows.loc["522700", "online_batches"] == 1

    path = export("results-list", extended, AS_OF, None, "xlsx", tmp_path / "list.xlsx")
    ws = openpyxl.load_workbook(path).worksheets[0]
    headers = [c.value for c in ws[4]]
    col = headers.index("网络销售抽查\n（批次）")
    group = next(ws.cell(3, i).value for i in range(col + 1, 0, -1) if ws.cell(3, i).value)
    assert group == "查处一批不合格产品"  # the campaign's 抽查 group, in the plan's words on the form
    listed = json.loads(
        export("results-list", extended, AS_OF, None, "json", tmp_path / "l.json").read_text()
    )
    assert listed[0]["online_batches"] == 1


def bad(**entry: Any) -> list[str]:
    base = dict(
        key="x_count", label="某指标", unit="项", definition="定义", table="hazards", date_column="found_date"
    )
    with pytest.raises(ValidationFailed) as caught:
        parse([{**base, **entry}], "campaign-2024.toml")
    return [str(f) for f in caught.value.findings]


def test_a_wrong_declaration_is_refused_with_chinese_reasons() -> None:
    assert "与已有指标重名" in bad(key="hazards_found")[0]
    assert "应为以下之一" in bad(table="audit_log")[0]
    assert "应为该表的日期列" in bad(date_column="grade")[0]
    assert "不是可用于筛选的列" in bad(where={"password": "x"})[0]
    assert "records（记录数）或 enterprises" in bad(count="sum")[0]
    assert "必填" in bad(label="")[0]
    assert "campaign-2024.toml" in bad(key="Bad Key")[0]
