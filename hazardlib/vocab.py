"""Closed vocabularies of the campaign: the stored code (English), its Chinese label, and the
variants people write in spreadsheets.

Stored values are short English codes so that queries and JSON stay stable; every label a user reads
comes from here.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Vocabulary:
    """A closed set of codes, each with a Chinese label and accepted variants."""

    name: str
    labels: dict[str, str]
    variants: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.labels)

    def label(self, code: str | None) -> str:
        """The Chinese label of a code (the code itself if unknown, '' for None)."""
        if code is None:
            return ""
        return self.labels.get(code, code)

    def lookup(self, value: object) -> str | None:
        """The code a written value means (code, label or variant), or None if it means none."""
        if value is None:
            return None
        text = _match_key(str(value))
        if not text:
            return None
        lowered = text.lower()
        for code, label in self.labels.items():
            # labels are compared as typed and as normalised (so "一般(隐患)" meets "一般（隐患）")
            if lowered == code.lower() or text in (label, _match_key(label)):
                return code
        for code, words in self.variants.items():
            if text in words or lowered in words or any(text == _match_key(w) for w in words):
                return code
        return None

    def choices_text(self) -> str:
        return "、".join(self.labels.values())


# Full-width letters and digits (Ａ-Ｚ, ａ-ｚ, ０-９) and the ideographic space, to their ASCII forms.
_WIDTH = {
    **{
        cp: cp - 0xFEE0
        for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
        for cp in range(r[0], r[1] + 1)
    },
    0x3000: 0x20,
}


WIDE_CHARS = "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000"  # what clean_text translates (a regex class)
_WIDE = re.compile(f"[{WIDE_CHARS}]")


def clean_text(value: str) -> str:
    """Full-width letters and digits to half-width, stray spaces removed at both ends.

    Chinese punctuation (，。：；（）) is kept as written: it belongs to the text people read.
    """
    if _WIDE.search(value) is None:  # nearly every value: nothing to translate (a search is cheaper)
        return value.strip()
    return value.translate(_WIDTH).strip()


_SPACES = re.compile(r"\s+")
_LINE_BREAK = re.compile(r"\r\n?|[\n\v\f\x1c-\x1e\x85\u2028\u2029]")  # what str.splitlines splits at
_LINE_SPACES = re.compile(r"[^\S\n]+")  # a run of spaces within a line


def _is_clean(value: str) -> bool:
    """Whether ``value`` has nothing to clean but spaces at its ends: no full-width letter or digit, no run
    of spaces, no space other than " " (a line break, a full-width or no-break space is not printable).
    Three checks in C, cheaper than one regular expression over the same text."""
    return value.isprintable() and "  " not in value and _WIDE.search(value) is None


def clean_line(value: str) -> str:
    """Text of one line (a name, an address, a code, a choice): :func:`clean_text`, every run of white
    space, line breaks included, made one space."""
    if _is_clean(value):  # nearly every value: only its ends to trim
        return value.strip()
    return _SPACES.sub(" ", clean_text(value))


def clean_lines(value: str) -> str:
    """Text of several lines (a note, a description, a reply): :func:`clean_text`, each line's runs of
    spaces made one space and its ends trimmed, the line breaks kept as one ``\\n`` each (a line break
    typed in a form's box and one typed in a spreadsheet cell by Alt+Enter are meant alike); blank lines
    at the start and end dropped."""
    if _is_clean(value):
        return value.strip()
    cleaned = clean_text(value)
    lines = [_LINE_SPACES.sub(" ", line).strip() for line in _LINE_BREAK.sub("\n", cleaned).split("\n")]
    return "\n".join(lines).strip("\n")


_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_NAME_BRACKETS = str.maketrans({"(": "（", ")": "）"})
_ANY_SPACE = re.compile(r"\s")


def clean_name(value: str) -> str:
    """An enterprise's name as registered: :func:`clean_line`, without the stray spaces people type
    between Chinese characters, brackets in the full-width form of the business licence."""
    cleaned = clean_line(value)
    if _ANY_SPACE.search(cleaned) is not None:
        cleaned = _SPACE_NEAR_CJK.sub("", cleaned)
    if "(" in cleaned or ")" in cleaned:
        cleaned = cleaned.translate(_NAME_BRACKETS)
    return cleaned


def _match_key(value: str) -> str:
    """The form two written values are compared in: every compatibility form folded (NFKC)."""
    return unicodedata.normalize("NFKC", value).strip()


GRADE = Vocabulary(
    "隐患等级",
    {"general": "一般", "larger": "较大", "major": "重大"},
    {
        "general": ("一般隐患", "一般风险", "低", "轻微", "一般问题"),
        "larger": ("较大隐患", "较大风险", "中", "较重"),
        "major": ("重大隐患", "重大风险", "高", "严重", "重大问题"),
    },
)

FIELD = Vocabulary(
    "领域",
    {"production": "生产领域", "circulation": "流通领域"},
    {"production": ("生产", "生产环节"), "circulation": ("流通", "销售", "流通环节", "销售领域")},
)

ENTERPRISE_FIELD = Vocabulary(
    "企业类型",
    {"producer": "生产单位", "seller": "销售单位", "both": "生产销售单位"},
    {
        "producer": ("生产", "生产企业", "生产者", "制造商"),
        "seller": ("销售", "销售企业", "经销商", "销售者", "经营者", "门店"),
        "both": ("产销", "生产和销售", "生产销售", "生产及销售", "生产、销售"),
    },
)

FINDING_KIND = Vocabulary(
    "类别",
    {"hazard": "隐患", "risk": "风险"},
    {"hazard": ("问题", "质量安全隐患"), "risk": ("质量安全风险",)},
)

HAZARD_SOURCE = Vocabulary(
    "发现来源",
    {
        "self_check": "企业自查",
        "inspection": "现场检查",
        "spot_check": "监督抽查",
        "risk_signal": "风险监测",
        "enforcement": "执法办案",
        "other": "其他",
    },
    {"self_check": ("自查",), "inspection": ("检查", "现场排查"), "spot_check": ("抽查",)},
)

HAZARD_STATE = Vocabulary(
    "整改状态",
    {
        "found": "已发现",
        "ordered": "责令整改中",
        "rectified": "企业已整改",
        "reinspected": "复查合格",
        "closed": "已销号",
        "refused": "拒不整改",
    },
    {
        "found": ("待整改", "新发现", "发现"),
        "ordered": ("整改中", "限期整改", "已责令整改"),
        "rectified": ("已整改", "整改完成待复查"),
        "reinspected": ("已复查", "复查通过"),
        "closed": ("销号", "已销号", "完成"),
        "refused": ("拒绝整改", "拒不整改"),
    },
)

INSTRUMENT_KIND = Vocabulary(
    "文书类型",
    {
        "listed_supervision_notice": "挂牌督办通知书",
        "interview_notice": "约谈通知书",
        "rectification_notice": "整改通知书",
        "reminder_letter": "提醒敦促函",
    },
    {
        "listed_supervision_notice": ("挂牌督办",),
        "interview_notice": ("约谈",),
        "rectification_notice": ("整改", "责令整改通知书"),
        "reminder_letter": ("提醒函", "敦促函", "提醒敦促"),
    },
)

CHANNEL = Vocabulary(
    "抽样环节",
    {
        "production": "生产企业",
        "shop": "销售门店",
        "rural_market": "农村市场",
        "wholesale_market": "专业批发市场",
        "online": "网络销售",
    },
    {
        "production": ("生产", "生产环节", "生产领域"),
        "shop": ("门店", "流通", "流通领域", "实体店"),
        "rural_market": ("农村", "集市"),
        "wholesale_market": ("批发市场", "批发"),
        "online": ("网络", "网购", "电商", "线上"),
    },
)

SPOT_RESULT = Vocabulary(
    "抽查结果",
    {"qualified": "合格", "unqualified": "不合格", "refused": "拒检"},
    {
        "qualified": ("符合", "通过", "√", "判定合格", "检验合格", "抽检合格"),
        "unqualified": ("不符合", "不通过", "×", "判定不合格", "检验不合格", "抽检不合格"),
        "refused": ("拒绝抽检", "拒绝检查", "拒检企业", "拒绝抽样"),
    },
)

PARTY_ROLE = Vocabulary("追查对象", {"producer": "生产单位", "seller": "销售单位"}, {})

TRACING_STATE = Vocabulary(
    "追查状态",
    {"open": "待追查", "passed_on": "已转办", "done": "已办结"},
    {"done": ("办结", "完成"), "passed_on": ("转办",)},
)

VIOLATION = Vocabulary(
    "违法行为",
    {
        "unlicensed": "无证生产",
        "beyond_scope": "超范围生产",
        "counterfeit": "假冒伪劣",
        "passing_off": "以次充好",
        "knowingly_selling_fakes": "知假售假",
        "mark_misuse": "伪造冒用3C等质量标志",
        "substandard": "产品质量不合格",
        "other": "其他",
    },
    {"mark_misuse": ("伪造冒用3C", "冒用认证标志", "伪造认证标志"), "substandard": ("不合格",)},
)

TRANSFER = Vocabulary(
    "移送",
    {"enforcement_team": "执法稽查", "police": "公安机关"},
    {"police": ("公安",), "enforcement_team": ("稽查",)},
)

HELP_KIND = Vocabulary(
    "帮扶方式",
    {
        "quality_clinic": "质量问诊",
        "quality_analysis": "质量分析",
        "training": "质量培训",
        "guidance_letter": "整改指导意见书",
    },
    {"quality_clinic": ("问诊",), "training": ("培训",), "guidance_letter": ("指导意见书",)},
)

SIGNAL_SOURCE = Vocabulary(
    "风险信息来源",
    {
        "spot_check": "监督抽查",
        "licensing": "生产许可",
        "enforcement": "执法打假",
        "recall": "缺陷召回",
        "complaint": "投诉举报",
        "public_opinion": "舆情事件",
    },
    {"complaint": ("投诉", "举报"), "public_opinion": ("舆情",), "recall": ("召回",)},
)

SIGNAL_STATE = Vocabulary(
    "核查结论",
    {"pending": "待核查", "confirmed": "经核查存在问题", "dismissed": "经核查无问题"},
    {"confirmed": ("属实", "存在问题"), "dismissed": ("不属实", "无问题")},
)

OVERSIGHT_KIND = Vocabulary(
    "督导方式",
    {"interview": "约谈", "circular": "通报", "listed_supervision": "挂牌督办"},
    {"listed_supervision": ("挂牌",)},
)

INTERVIEW_TRIGGER = Vocabulary(
    "约谈起因",
    {
        "refused_rectification": "拒不整改或整改不到位",
        "consecutive_unqualified": "连续2次抽查不合格且有重大隐患",
        "county_decision": "县（市）局研究决定",
    },
    {
        "refused_rectification": ("拒不整改", "整改不到位"),
        "consecutive_unqualified": ("连续抽查不合格", "连续2次抽查不合格"),
        "county_decision": ("自行决定", "研究决定", "其他"),
    },
)

IMMEDIATE_KIND = Vocabulary(
    "即时报告事项",
    {
        "major_hazard": "发现重大隐患",
        "major_risk": "发现重大风险",
        "major_risk_self_reported": "企业自报重大风险",
        "major_case": "重大案件",
    },
    {},
)

YES_NO_TRUE = ("是", "有", "已", "已落实", "已执行", "已建立", "已配备", "y", "yes", "true", "1", "√", "✓")
YES_NO_FALSE = (
    "否",
    "无",
    "未",
    "没有",
    "未落实",
    "未执行",
    "未建立",
    "未配备",
    "n",
    "no",
    "false",
    "0",
    "×",
    "✗",
)
YES_NO_LABELS = {True: "是", False: "否"}  # how a yes/no answer is shown, exported and written in a template


def date_label(day: dt.date) -> str:
    """A date the way a Chinese office writes it: 2024年9月15日."""
    return f"{day.year}年{day.month}月{day.day}日"


def due_label(at: dt.datetime) -> str:
    """A time limit the way a Chinese office writes it, its day by :func:`date_label`: one at midnight is the end
    of the day before (2024年7月18日24时, not 2024-07-19 00:00, which a clerk reads as a day later), any other at
    its hour (2024年7月19日9时30分)."""
    if at.time() == dt.time():
        return f"{date_label(at.date() - dt.timedelta(days=1))}24时"
    return f"{date_label(at.date())}{at.hour}时" + (f"{at.minute}分" if at.minute else "")


def yes_no_label(value: bool | None) -> str | None:
    """是 or 否 for a yes/no answer; None when there is no answer."""
    return None if value is None else YES_NO_LABELS[bool(value)]


def parse_yes_no(value: object) -> bool | None:
    """True/False for the usual ways of writing yes or no; None when it is neither."""
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    text = clean_text(str(value)).lower()
    if text in YES_NO_TRUE:
        return True
    if text in YES_NO_FALSE:
        return False
    return None


HAZARD_MOVE = Vocabulary(
    "整改环节",
    {
        "found": "发现登记",
        "order": "责令限期整改",
        "rectify": "企业整改完成",
        "reinspect": "复查",
        "close": "销号",
        "refuse": "拒不整改",
        "escalate": "升级处置",
        "look_back": "回头看",
        "measures": "登记管控措施",
    },
    {
        "order": ("责令整改", "限期整改"),
        "rectify": ("整改完成", "已整改"),
        "close": ("销号",),
        "measures": ("管控措施",),
    },
)

REINSPECTION_OUTCOME = Vocabulary("复查结论", {"passed": "复查合格", "failed": "复查不合格"}, {})

LOOK_BACK_OUTCOME = Vocabulary("回头看结论", {"upheld": "整改成效巩固", "reopened": "问题反弹，重新整改"}, {})

ESCALATION = Vocabulary(
    "升级处置方式",
    {
        "interview": "约谈",
        "concentrated_action": "集中整治",
        "enforcement_sampling": "执法抽检",
        "joint_handling": "联合相关部门依法处理",
    },
    {"joint_handling": ("联合处理", "联合执法"), "concentrated_action": ("集中整治", "从严从速整治")},
)

# Whether a risk's control measures are in place (对存在重大质量安全风险未采取管控措施……), recorded on the ledger
# as a dated move (``measures``).
CONTROL_MEASURES = Vocabulary(
    "管控措施",
    {"in_place": "已采取管控措施", "not_in_place": "未采取管控措施"},
    {"in_place": ("已采取", "已落实", "是"), "not_in_place": ("未采取", "未落实", "否")},
)

# The outcome (结论) each ledger move takes, when it takes one.
MOVE_OUTCOME: dict[str, Vocabulary] = {
    "reinspect": REINSPECTION_OUTCOME,
    "look_back": LOOK_BACK_OUTCOME,
    "escalate": ESCALATION,
    "measures": CONTROL_MEASURES,
}
