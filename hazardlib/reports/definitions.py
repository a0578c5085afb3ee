"""The figures of the action results list (行动成果清单): JSON key, Chinese label, unit, group and the
exact definition of what is counted.

The keys are a contract with whoever reads the JSON; the labels and definitions are what staff read
in the Excel form and in ``docs/reports.md`` (a test checks that the two agree). The plan's attachment
is not available, so the list follows the plan's six batches (六个一批).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["count", "rate"]

# The header groups of the form, in order (two-level headers: group above, figure below).
GROUPS: tuple[str, ...] = ("检查", "隐患", "抽查", "约谈与文书", "打击", "帮扶", "分类监管")

WINDOW = "日期在行动窗口起点（行动日历 [window] start，第一阶段开始之日）至统计截止日（两端均含）之间"


@dataclass(frozen=True)
class Figure:
    """One figure of the results list."""

    key: str
    label: str
    unit: str
    group: str
    definition: str
    deciding_date: str
    kind: Kind = "count"

    @property
    def header(self) -> str:
        """The column header, e.g. 检查生产单位（家次）; rates read 整改率（%）."""
        return f"{self.label}（{self.unit}）"


def _f(
    key: str, label: str, unit: str, group: str, definition: str, date: str, kind: Kind = "count"
) -> Figure:
    return Figure(key, label, unit, group, definition, date, kind)


FIGURES: tuple[Figure, ...] = (
    _f(
        "producers_inspected",
        "检查生产单位",
        "家次",
        "检查",
        "检查领域为生产领域的现场检查，同一企业同一天检查多个产品计 1 家次（生产销售兼营的企业按每次检查的领域计）。",
        "检查日期",
    ),
    _f(
        "sellers_inspected",
        "检查销售单位",
        "家次",
        "检查",
        "检查领域为流通领域的现场检查，同一企业同一天检查多个产品计 1 家次。",
        "检查日期",
    ),
    _f(
        "self_checks",
        "组织企业自查",
        "家",
        "检查",
        "提交了质量安全主体责任落实情况自查的重点企业（登记了重点产品的企业；每家企业每年度一份自查，按企业计）；"
        "与进度跟踪的“已自查”同一口径。",
        "自查日期",
    ),
    _f(
        "major_risks_self_reported",
        "企业主动报告重大风险",
        "项",
        "检查",
        "企业自查中主动报告的重大质量安全风险：整改台账上类别为“风险”、等级为“重大”、来源为“企业自查”的记录，"
        "加上勾选了“主动报告重大风险”却未在台账上另行登记风险的自查（每份计 1 项）。",
        "风险的发现日期；未登记风险的自查为自查日期",
    ),
    _f(
        "hazards_found",
        "发现隐患",
        "项",
        "隐患",
        "整改台账上类别为“隐患”的记录（企业自报的“风险”不计入，另见“企业主动报告重大风险”）。",
        "发现日期",
    ),
    _f("hazards_general", "其中：一般隐患", "项", "隐患", "发现隐患中等级为“一般”的。", "发现日期"),
    _f("hazards_larger", "其中：较大隐患", "项", "隐患", "发现隐患中等级为“较大”的。", "发现日期"),
    _f("hazards_major", "其中：重大隐患", "项", "隐患", "发现隐患中等级为“重大”的。", "发现日期"),
    _f(
        "hazards_closed",
        "完成整改销号",
        "项",
        "隐患",
        "计入“发现隐患”的隐患中，按整改记录截至统计截止日的状态为“已销号”的（截止日之后的销号、"
        "以及“回头看”后重新整改的不计）。",
        "发现日期（计入范围）；销号日期（状态）",
    ),
    _f(
        "closure_rate",
        "整改率",
        "%",
        "隐患",
        "完成整改销号 ÷ 发现隐患 × 100，保留一位小数；发现隐患为 0 时不计算（空）。",
        "同“发现隐患”“完成整改销号”",
        "rate",
    ),
    _f(
        "hazards_overdue",
        "逾期未整改",
        "项",
        "隐患",
        "计入“发现隐患”的隐患中，截至统计截止日状态为“责令整改中”而整改期限早于截止日的"
        "（与整改台账的“逾期”同一口径；“拒不整改”的另行列示，不计入本项）。",
        "发现日期（计入范围）；整改期限",
    ),
    _f(
        "spot_check_batches",
        "监督抽查",
        "批次",
        "抽查",
        "监督抽查批次（含跟踪抽查、执法抽检），按受检企业（未填时按销售单位、再按生产单位）登记的县（市）计。",
        "抽样日期",
    ),
    _f(
        "spot_checks_production",
        "其中：生产环节",
        "批次",
        "抽查",
        "监督抽查批次中抽样环节为“生产企业”的。",
        "抽样日期",
    ),
    _f(
        "spot_checks_circulation",
        "其中：流通领域",
        "批次",
        "抽查",
        "监督抽查批次中抽样环节为“销售门店”或“专业批发市场”的（网络销售、农村市场各自单列，不计入本项；"
        "生产环节、流通领域、网络销售、农村市场四项之和等于监督抽查批次）。",
        "抽样日期",
    ),
    _f(
        "spot_checks_online",
        "其中：网络销售",
        "批次",
        "抽查",
        "监督抽查批次中抽样环节为“网络销售”的。",
        "抽样日期",
    ),
    _f(
        "spot_checks_rural_market",
        "其中：农村市场",
        "批次",
        "抽查",
        "监督抽查批次中抽样环节为“农村市场”的。",
        "抽样日期",
    ),
    _f("unqualified_batches", "不合格", "批次", "抽查", "监督抽查批次中结果为“不合格”的。", "抽样日期"),
    _f(
        "refused_batches",
        "拒检",
        "批次",
        "抽查",
        "监督抽查批次中结果为“拒检”的（不计入不合格发现率的分母）。本项为方案未列、为核对发现率而增列的指标。",
        "抽样日期",
    ),
    _f(
        "unqualified_rate",
        "不合格发现率",
        "%",
        "抽查",
        "不合格批次 ÷（监督抽查批次 − 拒检批次）× 100，保留一位小数；分母为 0 时不计算（空）。",
        "抽样日期",
        "rate",
    ),
    _f(
        "two_way_traces",
        "双向追查",
        "次",
        "抽查",
        "对不合格产品的生产单位、销售单位发起的追查任务，每个追查对象计 1 次，按追查对象所在县（市）计"
        "（州局转办的，按转办到的县（市）计）；追查对象在州外或尚待州局转办的列入双向追查情况表，不计入各县（市）。",
        "追查任务发起日期",
    ),
    _f(
        "follow_up_checks",
        "跟踪抽查",
        "批次",
        "抽查",
        "对不合格企业、拒检企业开展的跟踪抽查批次（登记了“跟踪抽查的原批次”的批次；也计入监督抽查批次）。",
        "抽样日期",
    ),
    _f(
        "enterprises_interviewed",
        "约谈企业",
        "家",
        "约谈与文书",
        "举行了约谈的企业，同一企业多次约谈计 1 家。",
        "约谈日期",
    ),
    _f(
        "listed_supervision_notices",
        "挂牌督办通知书",
        "份",
        "约谈与文书",
        "签发的挂牌督办通知书。",
        "签发日期",
    ),
    _f("interview_notices", "约谈通知书", "份", "约谈与文书", "签发的约谈通知书。", "签发日期"),
    _f("rectification_notices", "整改通知书", "份", "约谈与文书", "签发的整改通知书。", "签发日期"),
    _f("reminder_letters", "提醒敦促函", "份", "约谈与文书", "签发的提醒敦促函。", "签发日期"),
    _f("cases_filed", "立案查处", "件", "打击", "立案查处的质量违法案件。", "立案日期"),
    _f(
        "transfers",
        "移送稽查或公安",
        "件",
        "打击",
        "移送执法稽查或公安机关的案件。",
        "移送日期",
    ),
    _f(
        "dishonesty_listed",
        "列入严重违法失信名单",
        "家",
        "打击",
        "依法列入市场监管严重违法失信名单的企业，同一企业计 1 家。",
        "列入日期",
    ),
    _f("licences_revoked", "撤销许可证", "张", "打击", "依法撤销许可证书的案件，每件计 1 张。", "撤销日期"),
    _f(
        "typical_cases_published",
        "曝光典型案例",
        "件",
        "打击",
        "作为典型案例曝光的案件。",
        "曝光日期",
    ),
    _f(
        "enterprises_helped",
        "帮扶企业",
        "家",
        "帮扶",
        "接受任何一种帮扶（质量问诊、质量分析、质量培训、整改指导意见书）的企业，同一企业计 1 家。",
        "帮扶日期",
    ),
    _f("quality_clinics", "质量问诊", "次", "帮扶", "开展的质量问诊。", "帮扶日期"),
    _f("guidance_letters", "整改指导意见书", "份", "帮扶", "发送的整改指导意见书。", "帮扶日期"),
    _f(
        "key_supervision",
        "重点监管",
        "家",
        "分类监管",
        "截至统计截止日实施重点监管的企业：本年度行动中截至该日被发现较大（或重大）质量安全风险、隐患的企业；"
        "已实施特别监管的不重复计入。口径与治理规则“key_supervision”相同。",
        "统计截止日的分类监管状态",
    ),
    _f(
        "special_supervision",
        "特别监管",
        "家",
        "分类监管",
        "截至统计截止日实施特别监管的企业：截至该日的近 2 年（参数 special_supervision_window_years）内被发现"
        "重大质量安全风险、隐患 3 次及以上（参数 special_supervision_major_risks）的企业，每条台账记录计 1 次。"
        "口径与治理规则“special_supervision”相同。",
        "统计截止日的分类监管状态",
    ),
)

# The hazards an earlier campaign leaves open, shown apart from this campaign's findings by a campaign that
# carries them over (``carried_over_from`` in its calendar, written by ``hazard campaign new``); placed after
# the hazards of the year (:func:`hazardlib.reports.extra.ordered_figures`). Never counted in 发现隐患.
CARRY_OVER_FIGURES: tuple[Figure, ...] = (
    _f(
        "hazards_carried_over",
        "上年度结转隐患",
        "项",
        "隐患",
        "整改台账上类别为“隐患”、发现日期早于行动窗口起点、到窗口起点前一日仍未销号的记录（往年行动结束时未完成整改、"
        "结转到本年度的隐患；不计入本年度的“发现隐患”）。只在行动日历写明 carried_over_from（hazard campaign new "
        "生成新年度时写入）的年度列出。",
        "发现日期（早于窗口起点）；窗口起点前一日的状态",
    ),
    _f(
        "hazards_carried_over_closed",
        "其中：本年度完成整改销号",
        "项",
        "隐患",
        "上年度结转隐患中，按整改记录截至统计截止日的状态为“已销号”的。",
        "销号日期（状态）",
    ),
    _f(
        "hazards_carried_over_overdue",
        "其中：逾期未整改",
        "项",
        "隐患",
        "上年度结转隐患中，截至统计截止日状态为“责令整改中”而整改期限早于截止日的（与“逾期未整改”同一口径）。",
        "整改期限",
    ),
)
CARRY_OVER_KEYS: tuple[str, ...] = tuple(f.key for f in CARRY_OVER_FIGURES)

FIGURE_KEYS: tuple[str, ...] = tuple(f.key for f in FIGURES)
COUNT_KEYS: tuple[str, ...] = tuple(f.key for f in FIGURES if f.kind == "count")
RATE_KEYS: tuple[str, ...] = tuple(f.key for f in FIGURES if f.kind == "rate")
BY_KEY: dict[str, Figure] = {f.key: f for f in FIGURES}
ANY_KEY: dict[str, Figure] = {**BY_KEY, **{f.key: f for f in CARRY_OVER_FIGURES}}
"""Every figure the code defines: those of every campaign and the carry-over."""

# How each rate is recomputed from counts: key -> (numerator, denominator terms added or subtracted).
RATES: dict[str, tuple[str, tuple[tuple[int, str], ...]]] = {
    "closure_rate": ("hazards_closed", ((1, "hazards_found"),)),
    "unqualified_rate": ("unqualified_batches", ((1, "spot_check_batches"), (-1, "refused_batches"))),
}


def figure(key: str) -> Figure:
    """The figure with this key (of every campaign, or of the carry-over); KeyError (Chinese message) for
    an unknown key."""
    try:
        return ANY_KEY[key]
    except KeyError:
        raise KeyError(f"成果清单中没有指标“{key}”") from None
