"""Reports of the campaign as pandas DataFrames: the action results list, the rectification ledgers,
typical cases, tracing, the county comparison and the figures of the stage and work summaries.

Every figure is defined in :mod:`hazardlib.reports.definitions` and ``docs/reports.md``. Exports of
these reports to xlsx, docx, json and csv: :func:`hazardlib.exports.export` (the layer above: the
reports do not know their files).
"""

from __future__ import annotations

from dataclasses import dataclass

from .comparison import county_comparison
from .definitions import FIGURES, GROUPS, Figure
from .ledgers import ledger, overdue, unrectified
from .results_list import results_list
from .summaries import Summary, stage_summary, work_summary
from .targets import score_parts, targets_frame
from .tracing_report import tracing
from .typical_cases import typical_cases

TABLE_FORMATS = ("xlsx", "json", "csv")
SUMMARY_FORMATS = ("docx", "json")


@dataclass(frozen=True)
class ReportKind:
    """A report the ``hazard report`` command and :func:`hazardlib.exports.export` know: name, Chinese
    title, formats."""

    name: str
    title: str
    formats: tuple[str, ...]
    help: str


REPORTS: dict[str, ReportKind] = {
    r.name: r
    for r in (
        ReportKind("results-list", "行动成果清单", TABLE_FORMATS, "各县（市）及全州合计的成果指标"),
        ReportKind("ledger", "问题整改台账", TABLE_FORMATS, "每条隐患、风险的整改状态和整改过程"),
        ReportKind("overdue", "逾期未整改隐患清单", TABLE_FORMATS, "整改期限已过仍在整改中的隐患"),
        ReportKind(
            "unrectified", "未完成整改隐患清单", TABLE_FORMATS, "尚未销号的隐患（10月底后持续书面报送）"
        ),
        ReportKind("typical-cases", "典型案例", TABLE_FORMATS, "曝光的典型案例及案情"),
        ReportKind("tracing", "双向追查情况", TABLE_FORMATS, "追查任务及涉及州外企业的抽查"),
        ReportKind(
            "county-comparison", "各县（市）工作进展对比", TABLE_FORMATS, "进度、比率和督导事项（州局用）"
        ),
        ReportKind(
            "inspection-targets",
            "现场检查建议对象",
            TABLE_FORMATS,
            "第二阶段按风险排序的检查对象、得分和理由（按县（市））",
        ),
        ReportKind(
            "stage-summary", "阶段性工作总结（草稿）", SUMMARY_FORMATS, "8月20日前报送的阶段性工作总结草稿"
        ),
        ReportKind("work-summary", "工作总结（草稿）", SUMMARY_FORMATS, "10月20日前报送的工作总结草稿"),
    )
}
REPORT_NAMES: tuple[str, ...] = tuple(REPORTS)


__all__ = [
    "FIGURES",
    "GROUPS",
    "REPORTS",
    "REPORT_NAMES",
    "Figure",
    "ReportKind",
    "Summary",
    "county_comparison",
    "ledger",
    "overdue",
    "results_list",
    "score_parts",
    "stage_summary",
    "targets_frame",
    "tracing",
    "typical_cases",
    "unrectified",
    "work_summary",
]
