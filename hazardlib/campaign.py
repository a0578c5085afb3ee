"""A campaign year: its three stages, report deadlines and rule thresholds; working-day arithmetic."""

from __future__ import annotations

import functools
import itertools
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from hazardlib.datafiles import resolve
from hazardlib.errors import CampaignNotFound, Finding, ValidationFailed
from hazardlib.holidays import is_working_day

NUMERALS = "〇一二三四五六七八九十"
REQUIRED_PARAMETERS = (
    "special_supervision_major_risks",
    "special_supervision_window_years",
    "consecutive_unqualified",
    "default_rectification_days",
    "immediate_report_hours",
    "self_reported_risk_resolve_days",
    "lagging_self_check_coverage",
    "lagging_closure_rate",
    "on_track_closure_rate_by_stage3_end",
    "listed_supervision_open_major_hazards",
    "listed_supervision_hazards_per_100_enterprises",
    "listed_supervision_times_prefecture_average",
)
UNITS = {"calendar": "自然日", "working": "工作日"}
PROPOSAL_FACTORS = MappingProxyType(
    {
        "major_risk_reported": "自查报告重大风险",
        "responsibility_gap": "主体责任自查未落实（每项）",
        "uncontrolled_risk_point": "风险管控清单措施未落实（每项）",
        "not_self_checked": "未开展自查",
        "key_object": "重点对象标记：企业集聚区、城乡结合部或农村市场门店、专业批发市场门店（每项）",
        "concentrated_complaints": "舆情反映集中、投诉较多",
        "complaint": "投诉举报、舆情信息（每条）",
        "spot_check_failure": "监督抽查不合格或拒检（每次）",
        "key_supervision": "实施重点监管",
        "special_supervision": "实施特别监管",
    }
)
"""The factors of stage 2's inspection ranking, each with its Chinese title: the keys the campaign file's
``[parameters.proposal_weights]`` must give points to, no more and no fewer."""
_WEIGHTS_TABLE = "parameters.proposal_weights"
_FILE = re.compile(r"campaign-(\d{4})\.toml")
_CATEGORY = re.compile(r"\d{2}")


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"


@dataclass(frozen=True)
class Stage:
    """One of the plan's stages: “三、工作步骤”."""

    no: int
    name: str
    start: date
    end: date

    @property
    def ordinal(self) -> str:
        """The stage number in Chinese, e.g. 二."""
        return NUMERALS[self.no] if self.no < len(NUMERALS) else str(self.no)

    @property
    def title(self) -> str:
        """For example “第二阶段：现场检查、隐患排查”."""
        return f"第{self.ordinal}阶段：{self.name}"


@dataclass(frozen=True)
class ReportDeadline:
    """A date by which counties report to the prefecture, and what they report: “四、(三)报送工作要求”."""

    day: date
    items: tuple[str, ...]
    continuing: bool = False
    """A written report after the campaign's finish on the hazards not yet rectified (方案：10月底后持续书面报送)."""


@dataclass(frozen=True)
class CountyProduct:
    """A product a county adds to its own campaign (validated by `Catalogue.with_county_additions`)."""

    code: str
    county_code: str
    name: str
    regime: str
    standard: str = ""
    note: str = ""


@dataclass(frozen=True)
class StageStatus:
    """Where a date falls in a campaign; `days_left` counts today and the stage's last day."""

    day: date
    stage: Stage | None
    between: tuple[Stage | None, Stage | None] | None
    days_left: int | None
    next_stage_start: date | None
    next_deadline: ReportDeadline | None
    days_to_deadline: int | None
    finished: bool

    @property
    def label(self) -> str:
        """The status in Chinese, e.g. “第二阶段：现场检查、隐患排查（剩余 12 天）”."""
        if self.stage is not None:
            return f"{self.stage.title}（剩余 {self.days_left} 天）"
        before, after = self.between or (None, None)
        if after is None:
            return "行动已结束" if self.finished else "各阶段已结束，收尾中"
        if before is None:
            return f"行动尚未开始（第{after.ordinal}阶段 {_md(after.start)}开始）"
        return f"第{before.ordinal}、{after.ordinal}阶段之间（第{after.ordinal}阶段 {_md(after.start)}开始）"

    @property
    def deadline_label(self) -> str:
        """The next report deadline in Chinese, or an empty string when none is left."""
        if self.next_deadline is None:
            return ""
        items = "、".join(self.next_deadline.items)
        when = "今天" if self.days_to_deadline == 0 else f"还有 {self.days_to_deadline} 天"
        return f"{_md(self.next_deadline.day)}前报送{items}（{when}）"


@dataclass(frozen=True)
class Campaign:
    """One year's campaign, read from `data/campaigns/campaign-YYYY.toml`."""

    year: int
    title: str
    stages: tuple[Stage, ...]
    deadlines: tuple[ReportDeadline, ...]
    finish: date
    parameters: Mapping[str, Any] = field(hash=False)
    county_products: tuple[CountyProduct, ...] = ()
    source: str = ""
    # The plan's key-product categories of this year (``[catalogue] categories``), codes of products.csv;
    # empty for a file that lists none, which then takes every category of products.csv.
    categories: tuple[str, ...] = ()
    opens: date | None = None
    """The campaign window's first day (``[window] start`` in the file); None: the first stage's first day."""
    carried_over_from: int | None = None
    """The earlier campaign whose hazards still open at this one's window start carry over to its ledger
    (``carried_over_from`` in the file, written by ``hazard campaign new YEAR --from EARLIER``); None: the
    results list shows no carry-over (the first campaign kept in the workbook)."""

    @property
    def start(self) -> date:
        """The campaign window's first day: ``[window] start`` in the file (never after the first stage's
        start; the first stage's start when the file has none)."""
        return self.opens or self.stages[0].start

    def window(self, as_of: date) -> tuple[date, date]:
        """The one campaign window at ``as_of``: from :attr:`start` to ``as_of`` (both inclusive; empty
        before the start). Every count of “this campaign's” records — the results list, the tracker,
        the rules, the summaries — takes the records dated in it (docs/rules.md “行动窗口”)."""
        return self.start, as_of

    def parameter(self, name: str) -> Any:
        """A threshold from `[parameters]`; raises KeyError (Chinese message) when it is missing."""
        try:
            return self.parameters[name]
        except KeyError:
            raise KeyError(f"{self.year}年行动日历的 [parameters] 中没有参数“{name}”") from None

    def default_deadline(self, day: date) -> date:
        """The deadline of an order made on ``day`` when none is given: ``default_rectification_days`` in
        ``default_rectification_unit`` (calendar days unless the file says working), through
        :func:`deadline_from`."""
        unit = self.parameters.get("default_rectification_unit", "calendar")
        return deadline_from(day, int(self.parameter("default_rectification_days")), unit)

    def resolve_deadline(self, reported: date) -> date:
        """The last day an enterprise has to put control measures in place for a major risk it reported in its
        self-check on ``reported`` (主动报告并积极化解) before joint handling is due:
        ``self_reported_risk_resolve_days`` working days after (the report's own day not counted), through
        :func:`deadline_from`; raises CalendarOutOfRange for a year the holiday calendar does not know."""
        return deadline_from(reported, int(self.parameter("self_reported_risk_resolve_days")), "working")

    def stage_of(self, day: date) -> StageStatus:
        """Where `day` falls: in a stage, between two, before the first or after the last."""
        stage = next((s for s in self.stages if s.start <= day <= s.end), None)
        between = None
        if stage is None:
            before = next((s for s in reversed(self.stages) if s.end < day), None)
            after = next((s for s in self.stages if s.start > day), None)
            between = (before, after)
        upcoming = next((s for s in self.stages if s.start > day), None)
        deadline = next((d for d in self.deadlines if d.day >= day), None)
        return StageStatus(
            day=day,
            stage=stage,
            between=between,
            days_left=(stage.end - day).days + 1 if stage else None,
            next_stage_start=upcoming.start if upcoming else None,
            next_deadline=deadline,
            days_to_deadline=(deadline.day - day).days if deadline else None,
            finished=day > self.finish,
        )


def campaign_year_of(day: date) -> int:
    """The campaign a date belongs to: the plan runs May–October of one calendar year."""
    return day.year


def available_years(data_dir: str | os.PathLike[str] | None = None) -> tuple[int, ...]:
    """Years that have a campaign file, oldest first."""
    folder = resolve(data_dir) / "campaigns"
    found = (_FILE.fullmatch(p.name) for p in folder.glob("campaign-*.toml"))
    return tuple(sorted(int(m.group(1)) for m in found if m))


def load_campaign(year: int, data_dir: str | os.PathLike[str] | None = None) -> Campaign:
    """The campaign of `year`; raises CampaignNotFound, or ValidationFailed for a malformed file."""
    return _load(int(year), resolve(data_dir))


def has_campaign(day: date) -> bool:
    """Whether the year of ``day`` has a campaign (a record of another year is history)."""
    try:
        campaign_at(day)
    except CampaignNotFound:
        return False
    return True


def campaign_at(day: date) -> Campaign:
    """The campaign ``day`` belongs to; CampaignNotFound (Chinese message) for a year without one.

    Here with the campaign files (the bottom layer) so that the ledger, the immediate reports, tracing,
    the rules and the tracker all read it without importing one another."""
    return load_campaign(campaign_year_of(day))


def campaign_file(year: int, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where a year's campaign calendar is kept: ``data/campaigns/campaign-YYYY.toml``."""
    return resolve(data_dir) / "campaigns" / f"campaign-{year}.toml"


@functools.lru_cache(maxsize=16)
def _load(year: int, folder: Path) -> Campaign:
    path = campaign_file(year, folder)
    if not path.is_file():
        raise CampaignNotFound(year)
    return read_campaign(path, year)


def read_campaign(path: Path, year: int) -> Campaign:
    """Parse one campaign file as it is on disk now (not cached: what ``hazard campaign check`` reads);
    raises ValidationFailed listing every problem."""
    with open(path, "rb") as handle:
        raw = tomllib.load(handle)
    return _parse(raw, year, path.name)


def _parse(raw: dict[str, Any], year: int, file: str) -> Campaign:
    findings: list[Finding] = []

    def bad(name: str, message: str, value: Any = None) -> None:
        findings.append(Finding("campaign", message, field=name, value=value, file=file))

    try:
        stages = tuple(
            sorted(
                (Stage(int(s["no"]), str(s["name"]), s["start"], s["end"]) for s in raw["stages"]),
                key=lambda s: s.start,
            )
        )
        deadlines = tuple(
            sorted(
                (
                    ReportDeadline(d["day"], tuple(d["items"]), bool(d.get("continuing", False)))
                    for d in raw["deadlines"]
                ),
                key=lambda d: d.day,
            )
        )
        finish, title = raw["finish"], str(raw["title"])
        opens = dict(raw.get("window", {})).get("start", stages[0].start if stages else None)
    except (KeyError, TypeError) as exc:
        raise ValidationFailed([Finding("campaign", f"缺少必填项或格式错误：{exc}", file=file)]) from None
    carried = raw.get("carried_over_from")
    if carried is not None and (isinstance(carried, bool) or not isinstance(carried, int) or carried >= year):
        bad("carried_over_from", f"应为早于{year}的行动年度，如 {year - 1}", carried)
        carried = None
    if raw.get("year") != year:
        bad("year", f"文件名年份为{year}，文件内 year 不一致", raw.get("year"))
    if not stages:
        bad("stages", "至少需要一个阶段")
    for s in stages:
        if not (isinstance(s.start, date) and isinstance(s.end, date) and s.start <= s.end):
            bad("stages", f"第{s.ordinal}阶段的起止日期无效", (s.start, s.end))
    for a, b in itertools.pairwise(stages):
        if b.start <= a.end:
            bad("stages", f"第{a.ordinal}阶段与第{b.ordinal}阶段的日期重叠", (a.end, b.start))
        elif a.start <= a.end and b.start <= b.end and b.start != a.end + timedelta(days=1):
            bad("stages", f"第{a.ordinal}阶段与第{b.ordinal}阶段之间有不属于任何阶段的日子", (a.end, b.start))
    if not isinstance(opens, date) or (
        stages and isinstance(stages[0].start, date) and opens > stages[0].start
    ):
        bad("window.start", "行动窗口起点无效或晚于第一阶段开始", opens)
    if not isinstance(finish, date) or (
        stages and isinstance(stages[-1].end, date) and finish < stages[-1].end
    ):
        bad("finish", "完成日期无效或早于最后一个阶段结束", finish)
    parameters = dict(raw.get("parameters", {}))
    for name in REQUIRED_PARAMETERS:
        value = parameters.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            bad(name, "参数缺失或不是正数", value)
    if parameters.get("default_rectification_unit", "calendar") not in UNITS:
        bad("default_rectification_unit", "应为 calendar（自然日）或 working（工作日）")
    for name, message, value in _weight_problems(parameters.get("proposal_weights")):
        bad(name, message, value)
    county_products = tuple(
        CountyProduct(**{k: str(entry.get(k, "")) for k in CountyProduct.__dataclass_fields__})
        for entry in raw.get("county_products", [])
    )
    categories = raw.get("catalogue", {}).get("categories", [])
    if not isinstance(categories, list) or not all(
        isinstance(c, str) and _CATEGORY.fullmatch(c) for c in categories
    ):
        bad("catalogue.categories", '应为两位数字的重点产品类别代码列表，如 ["01", "02"]', categories)
        categories = []
    elif len(set(categories)) != len(categories):
        bad("catalogue.categories", "类别代码重复", categories)
    if findings:
        raise ValidationFailed(findings)
    return Campaign(
        year,
        title,
        stages,
        deadlines,
        finish,
        MappingProxyType(parameters),
        county_products,
        str(raw.get("source", "")),
        tuple(categories),
        opens,
        carried,
    )


def _weight_problems(table: Any) -> list[tuple[str, str, Any]]:
    """(field, message, value) for each problem of the ``[parameters.proposal_weights]`` table: missing,
    an unknown factor, a weight that is not a whole number of points at least 0, a factor left out."""
    if not isinstance(table, dict):
        return [(_WEIGHTS_TABLE, "缺少第二阶段检查名单的计分表 [parameters.proposal_weights]", table)]
    known = "、".join(PROPOSAL_FACTORS)
    problems = [
        (f"{_WEIGHTS_TABLE}.{name}", f"未知的计分因素“{name}”，应为以下之一：{known}", value)
        for name, value in table.items()
        if name not in PROPOSAL_FACTORS
    ]
    problems += [
        (f"{_WEIGHTS_TABLE}.{name}", f"“{title}”的分值应为不小于 0 的整数", table[name])
        for name, title in PROPOSAL_FACTORS.items()
        if name in table
        and (isinstance(table[name], bool) or not isinstance(table[name], int) or table[name] < 0)
    ]
    problems += [
        (f"{_WEIGHTS_TABLE}.{name}", f"缺少计分因素“{name}”（{title}）的分值", None)
        for name, title in PROPOSAL_FACTORS.items()
        if name not in table
    ]
    return problems


def proposal_weights(campaign: Campaign) -> Mapping[str, int]:
    """Points per factor of stage 2's inspection ranking (:data:`PROPOSAL_FACTORS`, in that order): the
    campaign file's ``[parameters.proposal_weights]``, where every factor is written out (the loader refuses
    a file that leaves one out, so no weight is decided outside the file)."""
    table = campaign.parameter("proposal_weights")
    return MappingProxyType({name: int(table[name]) for name in PROPOSAL_FACTORS})


def add_working_days(start: date, n: int) -> date:
    """The n-th working day strictly after `start` (n = 0 gives `start`); raises CalendarOutOfRange."""
    if n < 0:
        raise ValueError(f"工作日数不能为负数：{n}")
    day = start
    while n:
        day += timedelta(days=1)
        n -= is_working_day(day)
    return day


def first_working_day_from(day: date) -> date:
    """``day`` itself when it is a working day, else the first working day after it: the end of a period
    whose last day falls on a rest day (民法典 第二百零三条); raises CalendarOutOfRange."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def deadline_from(order_date: date, days: int, unit: Literal["calendar", "working"] = "calendar") -> date:
    """The deadline `days` calendar or working days after an order (the order's own day not counted).

    A period counted in calendar days whose last day is a rest day — a statutory holiday, or a weekend
    day that is not a make-up working day — ends on the first working day after it (民法典 第二百零三条:
    期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日): 1 September + 30 days ends on
    8 October 2024, not on 1 October. Raises CalendarOutOfRange for a year the holiday calendar does not
    know, in either unit (it does not guess the holidays).
    """
    if unit == "calendar":
        return first_working_day_from(order_date + timedelta(days=days))
    if unit == "working":
        return add_working_days(order_date, days)
    raise ValueError(f"期限单位“{unit}”无效，应为 calendar（自然日）或 working（工作日）")
