"""The layout of each table report as a form: its title, its columns (header, group, kind) and notes.

The same column list serves the xlsx form (:mod:`.xlsx`) and the CSV file (:mod:`.tabular`), so a CSV
column is headed exactly as the form's.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from contextlib import closing
from dataclasses import dataclass

import pandas as pd

from ..reports.comparison import comparison_frame
from ..reports.definitions import Figure
from ..reports.extra import ordered_figures
from ..reports.ledgers import ledger_chunks, ledger_frame
from ..reports.results_list import results_frame
from ..reports.scope import Scope
from ..reports.targets import FACTORS, targets_frame
from ..reports.tracing_report import tracing_frame
from ..reports.typical_cases import cases_frame
from ..store import PREFECTURE_CODE, Store
from ..vocab import YES_NO_LABELS
from .xlsx import Column, Sheet


@dataclass(frozen=True)
class TableReport:
    """A table report: how to build its frame for a scope, and how to lay it out."""

    title: str
    build: Callable[[Store, Scope], pd.DataFrame]
    columns: Callable[[Scope], list[Column]]
    notes: Callable[[Scope], list[str]]
    freeze_columns: int = 0
    row_numbers: bool = True
    totals: bool = False
    display_only: tuple[str, ...] = ()
    """Columns the build adds for the form only (是/否 labels); the JSON leaves them out."""
    chunks: Callable[[Store, Scope], Generator[pd.DataFrame, None, None]] | None = None
    """For a report that can be long (the ledgers): the build's rows in chunks, in order, read as
    they are written; concatenated, exactly the build's frame."""
    companions: Callable[[Scope], list[Sheet]] | None = None
    """Further sheets of the workbook after the form (the results list's 指标说明)."""


def _md(scope: Scope) -> str:
    return f"{scope.start.month}月{scope.start.day}日"


def _common_notes(scope: Scope, definitions: str = "") -> list[str]:
    return [
        f"说明：统计范围为{scope.campaign.year}年第一阶段开始之日（{_md(scope)}）至统计截止日（含当日）的记录，"
        "按各项指标规定的日期认定；各项按企业登记所在县（市）统计，涉及州外企业的记录见“双向追查情况”表。"
        + definitions,
    ]


# The form's header groups in the plan's words (“通过检查一批生产和销售单位、查处一批不合格产品、约谈一批问题
# 突出企业、打击一批质量违法违规行为、曝光一批违法典型案例、帮扶一批质量管理薄弱企业”), keyed by the group a
# figure is defined in; the typical cases published are a batch of their own. A group not listed here (a
# campaign's own) keeps its name.
PLAN_GROUPS: dict[str, str] = {
    "检查": "检查一批生产和销售单位",
    "隐患": "排查治理隐患、动态清零",
    "抽查": "查处一批不合格产品",
    "约谈与文书": "约谈一批问题突出企业（含“三书一函”）",
    "打击": "打击一批质量违法违规行为",
    "帮扶": "帮扶一批质量管理薄弱企业",
    "分类监管": "实施分类监管",
}
PLAN_GROUP_OF_FIGURE: dict[str, str] = {"typical_cases_published": "曝光一批违法典型案例"}


def plan_group(figure: Figure) -> str:
    """The header a figure stands under on the form, in the plan's words."""
    return PLAN_GROUP_OF_FIGURE.get(figure.key) or PLAN_GROUPS.get(figure.group, figure.group)


def results_columns(scope: Scope) -> list[Column]:
    columns = [
        Column("county_code", "行政区划代码", None, "code", 10),
        Column("county_name", "县（市）", None, "text"),
    ]
    for f in ordered_figures(scope.campaign):
        columns.append(Column(f.key, f.header, plan_group(f), "percent" if f.kind == "rate" else "int"))
    return columns


def _results_notes(scope: Scope) -> list[str]:
    return [
        *_common_notes(scope, "各项指标的定义见本工作簿“指标说明”表。"),
        "整改率＝完成整改销号÷发现隐患×100%；不合格发现率＝不合格批次÷（监督抽查批次－拒检批次）×100%；"
        "分母为0时不计算。合计行的各项数量为各县（市）之和，比率按合计数重新计算。",
    ]


DEFINITIONS_SHEET = "指标说明"


def definitions_sheet(scope: Scope) -> Sheet:
    """The results list's second sheet, 指标说明: every figure of the form (the campaign's own included),
    under its header group, with its unit, what is counted and the date that places a record in the
    period — what staff check a figure against, in the workbook they stamp."""
    figures = ordered_figures(scope.campaign)
    rows = pd.DataFrame(
        {
            "group": [plan_group(f) for f in figures],
            "label": [f.label for f in figures],
            "unit": [f.unit for f in figures],
            "definition": [f.definition for f in figures],
            "date": [f.deciding_date for f in figures],
        }
    )
    return Sheet(
        name=DEFINITIONS_SHEET,
        title=f"{joined(scope.campaign.title, '行动成果清单')}指标说明",
        columns=[
            Column("group", "分组", None, "text", 16),
            Column("label", "指标", None, "text", 18),
            Column("unit", "单位", None, "code", 6),
            Column("definition", "统计口径", None, "text", 60),
            Column("date", "按哪个日期计入统计期", None, "text", 22),
        ],
        rows=rows,
        notes=[
            f"统计期为{scope.campaign.year}年第一阶段开始之日（{_md(scope)}）至统计截止日（含当日）；"
            "记录按“按哪个日期计入统计期”一栏所列日期计入。"
        ],
        freeze_columns=2,
    )


def _results_build(store: Store, scope: Scope) -> pd.DataFrame:
    return results_frame(store, scope)


LEDGER_GROUP, HAZARD_GROUP, RECTIFY_GROUP = "企业", "隐患情况", "整改情况"


def ledger_columns(scope: Scope) -> list[Column]:
    carry = [Column("carried_over_label", "上年度结转", HAZARD_GROUP, "code", 8)]
    return [
        Column("hazard_id", "隐患编号", None, "id", 10),
        Column("county_name", "县（市）", LEDGER_GROUP, "text"),
        Column("enterprise_name", "企业名称", LEDGER_GROUP, "text"),
        Column("uscc", "统一社会信用代码", LEDGER_GROUP, "code", 21),
        Column("campaign_year", "行动年度", HAZARD_GROUP, "id", 8),
        *(carry if scope.campaign.carried_over_from is not None else []),
        Column("kind_label", "类别", HAZARD_GROUP, "code", 6),
        Column("grade_label", "等级", HAZARD_GROUP, "code", 6),
        Column("category_name", "产品类别", HAZARD_GROUP, "text"),
        Column("sub_product_name", "产品", HAZARD_GROUP, "text"),
        Column("problem_name", "问题类型", HAZARD_GROUP, "text"),
        Column("source_label", "发现来源", HAZARD_GROUP, "text"),
        Column("found_date", "发现日期", HAZARD_GROUP, "date"),
        Column("description", "隐患描述", HAZARD_GROUP, "text", 30),
        Column("ordered_date", "责令整改日期", RECTIFY_GROUP, "date"),
        Column("deadline", "整改期限", RECTIFY_GROUP, "date"),
        Column("rectified_date", "整改完成日期", RECTIFY_GROUP, "date"),
        Column("reinspected_date", "复查日期", RECTIFY_GROUP, "date"),
        Column("closed_date", "销号日期", RECTIFY_GROUP, "date"),
        Column("state_label", "截止日状态", RECTIFY_GROUP, "text"),
        Column("overdue_label", "是否逾期", RECTIFY_GROUP, "code", 6),
        Column("overdue_days", "逾期天数", RECTIFY_GROUP, "int"),
        Column("history", "整改过程", RECTIFY_GROUP, "text", 50),
    ]


def _ledger_notes(scope: Scope) -> list[str]:
    return [
        f"说明：台账列出{_md(scope)}至统计截止日发现的隐患和风险以及以往年度尚未销号的隐患和风险，状态、期限和各环节日期均为截至统计截止日的情况"
        "（此后的整改记录不计）。“逾期”指截止日仍在责令整改中且整改期限早于截止日。"
        "填报整改进展时请以“隐患编号”对应。",
        *(
            [
                "“上年度结转”为“是”的：行动窗口起点前发现、起点前一日仍未销号的隐患（此后销号的也列出），"
                "与成果清单的“上年度结转隐患”一致，不计入本年度的“发现隐患”。"
            ]
            if scope.campaign.carried_over_from is not None
            else []
        ),
    ]


FLAGS = ("overdue_label",)
LEDGER_FLAGS = (*FLAGS, "carried_over_label")


def _with_flags(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["overdue_label"] = frame["overdue"].map(YES_NO_LABELS)
    frame["carried_over_label"] = frame["carried_over"].map(YES_NO_LABELS)
    return frame


def _ledger_build(store: Store, scope: Scope) -> pd.DataFrame:
    return _with_flags(ledger_frame(store, scope))


def _overdue_build(store: Store, scope: Scope) -> pd.DataFrame:
    return _with_flags(ledger_frame(store, scope, kind="hazard", overdue_only=True))


def _unrectified_build(store: Store, scope: Scope) -> pd.DataFrame:
    return _with_flags(ledger_frame(store, scope, open_only=True))


def _flagged(chunks: Generator[pd.DataFrame, None, None]) -> Generator[pd.DataFrame, None, None]:
    with closing(chunks):
        for frame in chunks:
            yield _with_flags(frame)


def _ledger_chunks(store: Store, scope: Scope) -> Generator[pd.DataFrame, None, None]:
    return _flagged(ledger_chunks(store, scope))


def _overdue_chunks(store: Store, scope: Scope) -> Generator[pd.DataFrame, None, None]:
    return _flagged(ledger_chunks(store, scope, kind="hazard", overdue_only=True))


def _unrectified_chunks(store: Store, scope: Scope) -> Generator[pd.DataFrame, None, None]:
    return _flagged(ledger_chunks(store, scope, open_only=True))


def _unrectified_notes(scope: Scope) -> list[str]:
    finish = scope.campaign.finish
    return [
        *_ledger_notes(scope),
        f"方案要求：对{finish.month}月底前未完成隐患问题整改的要持续书面报送整改完成情况。本表列出截至统计截止日尚未销号的"
        "各年度隐患和风险（按行动年度和类别标注），与规则“10月底后未完成整改须持续书面报送”所列一致。",
    ]


def case_columns(_scope: Scope) -> list[Column]:
    return [
        Column("case_no", "案件编号", None, "text"),
        Column("county_name", "县（市）", None, "text"),
        Column("enterprise_name", "当事人", None, "text"),
        Column("uscc", "统一社会信用代码", None, "code", 21),
        Column("violation_label", "违法行为", None, "text"),
        Column("sub_product_name", "涉案产品", None, "text"),
        Column("filed_date", "立案日期", None, "date"),
        Column("facts", "基本案情", None, "text", 40),
        Column("penalty", "处罚结果", None, "text", 30),
        Column("persons_punished", "处罚到人（人）", None, "int"),
        Column("transfer_label", "移送", "后续处理", "text"),
        Column("transfer_date", "移送日期", "后续处理", "date"),
        Column("dishonesty_label", "列入严重违法失信名单", "后续处理", "code", 10),
        Column("revoked_label", "撤销许可证", "后续处理", "code", 8),
        Column("published_date", "曝光日期", None, "date"),
    ]


def _cases_build(store: Store, scope: Scope) -> pd.DataFrame:
    frame = cases_frame(store, scope)
    frame["dishonesty_label"] = frame["dishonesty_listed"].map(YES_NO_LABELS)
    frame["revoked_label"] = frame["licence_revoked"].map(YES_NO_LABELS)
    return frame


def tracing_columns(_scope: Scope) -> list[Column]:
    batch, task = "不合格（抽查）批次", "追查任务"
    return [
        Column("batch_no", "抽样单编号", batch, "text"),
        Column("sample_date", "抽样日期", batch, "date"),
        Column("sub_product_name", "产品", batch, "text"),
        Column("channel_label", "抽样环节", batch, "text"),
        Column("result_label", "抽查结果", batch, "code", 8),
        Column("sampled_by_name", "抽查县（市）", batch, "text"),
        Column("counted_for_name", "计入成果清单的县（市）", batch, "text"),
        Column("task_id", "任务编号", task, "id", 8),
        Column("role_label", "追查对象", task, "code", 8),
        Column("target_name", "对象名称", task, "text"),
        Column("target_region", "所在地区", task, "text"),
        Column("to_county_name", "承办单位", task, "text"),
        Column("outside_label", "涉及州外企业", task, "code", 8),
        Column("created_date", "下达日期", task, "date"),
        Column("due", "办理期限", task, "date"),
        Column("state_label", "截止日状态", task, "text"),
        Column("done_date", "办结日期", task, "date"),
        Column("overdue_label", "是否逾期", task, "code", 6),
        Column("note", "备注", None, "text", 30),
    ]


def _tracing_build(store: Store, scope: Scope) -> pd.DataFrame:
    frame = tracing_frame(store, scope)
    frame["outside_label"] = frame["outside_prefecture"].map(YES_NO_LABELS)
    frame["overdue_label"] = frame["overdue"].map(YES_NO_LABELS).where(frame["task_id"].notna(), "")
    return frame


def comparison_columns(_scope: Scope) -> list[Column]:
    p, h, s, d, o = "工作进度", "检查与隐患", "抽查", "处置与帮扶", "督导"
    return [
        Column("county_code", "行政区划代码", None, "code", 10),
        Column("county_name", "县（市）", None, "text"),
        Column("key_enterprises", "重点企业（家）", p, "int"),
        Column("plan_label", "制定工作方案", p, "code", 8),
        Column("self_check_coverage", "自查覆盖率（%）", p, "percent"),
        Column("on_track_label", "按期推进", p, "code", 8),
        Column("lagging_reasons", "滞后原因", p, "text", 30),
        Column("producers_inspected", "检查生产单位（家次）", h, "int"),
        Column("sellers_inspected", "检查销售单位（家次）", h, "int"),
        Column("hazards_found", "发现隐患（项）", h, "int"),
        Column("hazards_per_100_enterprises", "每百户企业隐患（项）", h, "number"),
        Column("hazards_closed", "完成整改销号（项）", h, "int"),
        Column("closure_rate", "整改率（%）", h, "percent"),
        Column("hazards_overdue", "逾期未整改（项）", h, "int"),
        Column("spot_check_batches", "监督抽查（批次）", s, "int"),
        Column("spot_checks_production", "其中：生产环节（批次）", s, "int"),
        Column("spot_checks_circulation", "其中：流通领域（批次）", s, "int"),
        Column("spot_checks_online", "其中：网络销售（批次）", s, "int"),
        Column("spot_checks_rural_market", "其中：农村市场（批次）", s, "int"),
        Column("unqualified_rate", "不合格发现率（%）", s, "percent"),
        Column("enterprises_interviewed", "约谈企业（家）", d, "int"),
        Column("cases_filed", "立案查处（件）", d, "int"),
        Column("enterprises_helped", "帮扶企业（家）", d, "int"),
        Column("open_findings", "待办事项（项）", o, "int"),
        Column("findings_by_rule", "待办事项分类", o, "text", 40),
        Column("oversight_suggested", "建议督导方式", o, "text"),
        Column("oversight_taken", "已采取督导", o, "text"),
    ]


def _comparison_build(store: Store, scope: Scope) -> pd.DataFrame:
    frame = comparison_frame(store, scope)
    frame["plan_label"] = frame["plan_adopted"].map(YES_NO_LABELS)
    frame["on_track_label"] = frame["on_track"].map(YES_NO_LABELS)
    return frame


def _comparison_notes(scope: Scope) -> list[str]:
    return [
        *_common_notes(scope),
        "按期推进：第一阶段结束后已印发本地工作方案，自查覆盖率、隐患销号率达到行动日历规定的各阶段要求；"
        "待办事项为治理规则截至统计截止日提出、尚未办理的事项。",
    ]


FACTOR_HEADERS = {
    "major_risk_reported": "自查报告重大风险",
    "responsibility_gaps": "主体责任未落实（项）",
    "uncontrolled_risk_points": "风险措施未落实（项）",
    "not_self_checked": "未开展自查",
    "in_cluster_area": "企业集聚区",
    "rural_or_fringe_shop": "城乡结合部或农村门店",
    "wholesale_market_shop": "专业批发市场门店",
    "concentrated_complaints": "舆情集中、投诉较多",
    "complaints": "投诉举报、舆情（条）",
    "spot_check_failures": "抽查不合格或拒检（次）",
}
FLAG_FACTORS = tuple(
    f
    for f in FACTORS
    if f not in ("responsibility_gaps", "uncontrolled_risk_points", "complaints", "spot_check_failures")
)


def targets_columns(_scope: Scope) -> list[Column]:
    factors = "得分构成"
    return [
        Column("county_name", "县（市）", None, "text"),
        Column("rank", "排序", None, "int", 6),
        Column("name", "企业名称", None, "text", 30),
        Column("uscc", "统一社会信用代码", None, "code", 20),
        Column("field_label", "类型", None, "text", 8),
        Column("score", "得分", None, "int", 6),
        Column("reason", "排序理由", None, "text", 40),
        Column("inspected_label", "本次行动已检查", None, "code", 8),
        *(
            Column(
                f"{f}_label" if f in FLAG_FACTORS else f,
                FACTOR_HEADERS[f],
                factors,
                "code" if f in FLAG_FACTORS else "int",
                10,
            )
            for f in FACTORS
        ),
        Column("supervision_label", "分类监管", factors, "text", 16),
    ]


def _targets_build(store: Store, scope: Scope) -> pd.DataFrame:
    frame = targets_frame(store, scope)
    for flag in ("inspected", *FLAG_FACTORS):
        if flag in frame:
            frame[f"{flag}_label"] = frame[flag].astype(bool).map(YES_NO_LABELS)
    return frame


def _targets_notes(scope: Scope) -> list[str]:
    return [
        f"说明：第二阶段现场检查的建议对象，按截至{scope.as_of.isoformat()}的自查发现、重点对象标记、投诉举报和舆情、"
        "以往抽查不合格或拒检、分类监管（重点监管、特别监管，括号内为所延续的往年行动）计分，得分高者先查；各项分值为行动日历的参数（[parameters.proposal_weights]），"
        "“排序理由”列出每项加分。“本次行动已检查”为本年度行动中已有现场检查记录的企业。",
    ]


TABLES: dict[str, TableReport] = {
    "results-list": TableReport(
        "行动成果清单",
        _results_build,
        results_columns,
        _results_notes,
        2,
        True,
        True,
        companions=lambda scope: [definitions_sheet(scope)],
    ),
    "ledger": TableReport(
        "问题整改台账",
        _ledger_build,
        ledger_columns,
        _ledger_notes,
        1,
        False,
        display_only=LEDGER_FLAGS,
        chunks=_ledger_chunks,
    ),
    "overdue": TableReport(
        "逾期未整改隐患清单",
        _overdue_build,
        ledger_columns,
        _ledger_notes,
        1,
        False,
        display_only=LEDGER_FLAGS,
        chunks=_overdue_chunks,
    ),
    "unrectified": TableReport(
        "未完成整改隐患清单",
        _unrectified_build,
        ledger_columns,
        _unrectified_notes,
        1,
        False,
        display_only=LEDGER_FLAGS,
        chunks=_unrectified_chunks,
    ),
    "typical-cases": TableReport(
        "典型案例",
        _cases_build,
        case_columns,
        _common_notes,
        1,
        display_only=("dishonesty_label", "revoked_label"),
    ),
    "tracing": TableReport(
        "双向追查情况",
        _tracing_build,
        tracing_columns,
        _common_notes,
        1,
        display_only=("outside_label", *FLAGS),
    ),
    "county-comparison": TableReport(
        "各县（市）工作进展对比",
        _comparison_build,
        comparison_columns,
        _comparison_notes,
        2,
        True,
        True,
        display_only=("plan_label", "on_track_label"),
    ),
    "inspection-targets": TableReport(
        "现场检查建议对象",
        _targets_build,
        targets_columns,
        _targets_notes,
        3,
        False,
        display_only=("county_name", "field_label", "inspected_label", *(f"{f}_label" for f in FLAG_FACTORS)),
    ),
}


def joined(campaign_title: str, title: str) -> str:
    """The campaign's title and a report's, without saying 行动 twice (…治理行动 + 行动成果清单)."""
    if campaign_title.endswith("行动") and title.startswith("行动"):
        return campaign_title + title[2:]
    return campaign_title + title


def sheet_for(name: str, frame: pd.DataFrame, scope: Scope) -> Sheet:
    """The form of table report ``name`` for ``frame``: the prefecture row becomes the totals row."""
    spec = TABLES[name]
    rows, total = frame, None
    if spec.totals and "county_code" in frame and (frame["county_code"] == PREFECTURE_CODE).any():
        rows = frame[frame["county_code"] != PREFECTURE_CODE]
        total = {str(k): v for k, v in frame[frame["county_code"] == PREFECTURE_CODE].iloc[0].items()}
    title = joined(scope.campaign.title, spec.title)
    if scope.county is not None:
        title = f"{scope.unit_name}{title}"
    return Sheet(
        name=spec.title[:31],
        title=title,
        columns=spec.columns(scope),
        rows=rows,
        total=total,
        notes=spec.notes(scope),
        freeze_columns=spec.freeze_columns,
        row_numbers=spec.row_numbers,
    )
