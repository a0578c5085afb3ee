"""``hazard check``: the findings of every rule and where the campaign stands, at a date."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections import Counter
from typing import Any

import click
import pandas as pd

from ..campaign import campaign_at
from ..exports.tabular import json_value
from ..rules import RULES, run_all
from ..stages import county_progress, stage_status
from .root import as_of_option, county_option, db_option, friendly_errors, main, store_for

COUNTY_FIGURES = (
    "key_enterprises",
    "self_checked",
    "self_check_coverage",
    "plan_adopted",
    "plan_adopted_date",
    "inspections_production",
    "inspections_circulation",
    "inspections",
    "hazards_found",
    "hazards_closed",
    "close_out_rate",
    "open_hazards",
    "overdue_hazards",
    "open_escalations",
    "on_track",
    "lagging_checks",
    "lagging_reasons",
)
"""The tracker's figures of each county in the JSON (the campaign so far; docs/rules.md “进度指标”)."""
STAGE_FIGURES = (
    "window_start",
    "window_end",
    "self_checked",
    "self_check_coverage",
    "self_checks_in_window",
    "inspections_production",
    "inspections_circulation",
    "hazards_found",
    "hazards_closed",
    "hazards_found_to_date",
    "hazards_closed_to_date",
    "close_out_rate",
    "open_hazards",
    "overdue_hazards",
    "open_escalations",
    "on_track",
    "lagging_checks",
    "lagging_reasons",
)
"""The figures of each stage under ``stages`` (flows within the stage, stocks at its end)."""


def _rows(frame: pd.DataFrame, columns: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    return {r["county_code"]: {c: json_value(r[c]) for c in columns} for r in frame.to_dict("records")}


def build_report(store: Any, as_of: dt.date, county: str | None) -> dict[str, Any]:
    """The JSON object of ``hazard check``: as_of, stage, counties (with per-stage figures), findings."""
    campaign = campaign_at(as_of)
    total = county_progress(store, as_of, county)
    by_stage = {
        s.no: _rows(county_progress(store, as_of, county, stage=s.no), STAGE_FIGURES)
        for s in campaign.stages
        if s.start <= as_of or s is campaign.stages[0]
    }
    counties = []
    for code, figures in _rows(total, COUNTY_FIGURES).items():
        name = total.loc[total["county_code"] == code, "county_name"].iloc[0]
        stages = {str(no): rows[code] for no, rows in by_stage.items()}
        counties.append({"county_code": code, "county_name": name, **figures, "stages": stages})
    return {
        "as_of": as_of.isoformat(),
        "stage": stage_status(as_of),
        "counties": counties,
        "findings": [f.to_dict() for f in run_all(store, as_of, county)],
    }


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    """Columns padded to the display width of Chinese text (two cells per character)."""
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(_pad(c, w, i in right) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    return [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def _pct(value: Any) -> str:
    return "—" if value is None else f"{value:.0%}"


def render_table(report: dict[str, Any], limit: int) -> str:
    """The report as readable Chinese text."""
    stage = report["stage"]
    out = [f"{stage['title']} · 截至 {report['as_of']}", f"当前阶段：{stage['label']}"]
    if stage["next_deadline"]:
        out.append(f"下一报送节点：{stage['next_deadline']['label']}")
    out += ["", "各县（市）进度（本年度行动至今）"]
    headers = [
        "县（市）",
        "自查覆盖率",
        "工作方案",
        "检查(生产/流通)",
        "发现隐患和风险",
        "已销号",
        "销号率",
        "逾期",
        "升级处置未结",
        "进度",
    ]
    rows = [
        [
            c["county_name"],
            _pct(c["self_check_coverage"]),
            "已制定" if c["plan_adopted"] else "未制定",
            f"{c['inspections_production']}/{c['inspections_circulation']}",
            str(c["hazards_found"]),
            str(c["hazards_closed"]),
            _pct(c["close_out_rate"]),
            str(c["overdue_hazards"]),
            str(c["open_escalations"]),
            "正常" if c["on_track"] else "滞后",
        ]
        for c in report["counties"]
    ]
    out += _table(headers, rows, right={1, 3, 4, 5, 6, 7, 8})
    lagging = [c for c in report["counties"] if not c["on_track"] and c["lagging_reasons"]]
    for c in lagging:
        out.append(f"  {c['county_name']}滞后：{c['lagging_reasons']}")
    findings = report["findings"]
    counts = Counter(f["rule"] for f in findings)
    out += ["", f"规则发现（共 {len(findings)} 条）"]
    if not findings:
        out.append("  无")
    for rule_id, rule in RULES.items():
        if not counts[rule_id]:
            continue
        out += ["", f"【{rule.title}】{rule_id}：{counts[rule_id]} 条"]
        shown = [f for f in findings if f["rule"] == rule_id][:limit]
        for f in shown:
            due = f"（期限 {f['due']}）" if f["due"] else ""
            out.append(f"  · {f['county_code']} {f['subject']}：{f['action']}{due}")
            out.append(f"    {f['message']}")
        if counts[rule_id] > len(shown):
            out.append(f"  ……另有 {counts[rule_id] - len(shown)} 条（用 --format json 或 --limit 查看全部）")
    return "\n".join(out)


@main.command("check")
@db_option
@as_of_option
@county_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="输出格式：table 为中文表格，json 供程序读取。 Output: a readable table, or JSON.",
)
@click.option(
    "--limit",
    default=10,
    show_default=True,
    type=click.IntRange(min=1),
    help="表格中每条规则最多列出的条数（JSON 总是全部列出）。 Findings shown per rule in the table.",
)
@friendly_errors
def check_cmd(db: str | None, as_of: dt.date | None, county: str | None, fmt: str, limit: int) -> None:
    """按工作方案逐条检查：列出各规则发现的待办事项，以及三个阶段的进度。

    Run every rule of the work plan at a date and print the findings and the stage status.
    """
    store = store_for(db, county=county)
    report = build_report(store, as_of or dt.date.today(), county)
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(render_table(report, limit))
