"""A new campaign year as files the quality section edits: made from last year's, checked, listed.

The plan is yearly. ``hazard campaign new 2025 --from 2024`` writes ``data/campaigns/campaign-2025.toml`` from
2024's file: every date moved by a year (29 February becomes 28 February), ``year`` and ``title`` changed,
the comments kept, the ``source`` line emptied for the new work plan's title and number, and the
categories of the year's catalogue, the county additions and the parameters carried over as they were,
and ``carried_over_from`` set to the source year: the hazards still open when the new campaign opens carry
over to its ledger and its results list shows them apart from its own findings.
``hazard campaign check 2025`` then names every problem with file, line and field, so the section can
edit the file against the new plan without a developer.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from hazardlib.campaign import available_years, campaign_file, read_campaign
from hazardlib.catalogue import catalogue_for
from hazardlib.datafiles import resolve
from hazardlib.errors import CalendarOutOfRange, CampaignNotFound, Finding, HazardError, ValidationFailed
from hazardlib.holidays import file_for, is_working_day, package_knows

_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_WEEKDAY_NOTE = re.compile(r"[；;，,]?\s*当天是星期.")


class CampaignExists(HazardError):
    """``campaign new`` for a year that already has its file."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(f"{path.name} 已存在，不会覆盖；如需重新生成，请先删除或改名该文件")


@dataclass(frozen=True)
class CampaignSummary:
    """One line of ``hazard campaign list``."""

    year: int
    title: str
    start: date | None
    finish: date | None
    deadlines: tuple[date, ...]
    categories: int
    county_products: int
    errors: int
    warnings: int
    carried_over_from: int | None = None


def _moved(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def new_campaign_text(text: str, source_year: int, year: int) -> str:
    """Last year's file text made into ``year``'s: dates moved, year and title changed, source emptied,
    ``carried_over_from`` set to ``source_year`` (after the ``year`` line when the source has none).

    Comments are kept (they quote the plan's wording, which rarely changes), except a remark on which
    weekday a date fell, which no longer holds."""
    years = year - source_year

    def move(match: re.Match[str]) -> str:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        return _moved(day, years).isoformat()

    carry = f"carried_over_from = {source_year}  # {source_year}年行动结束时未销号的隐患结转到本年度（成果清单单列）"
    has_carry = any(line.split("=", 1)[0].strip() == "carried_over_from" for line in text.splitlines())
    lines = []
    for line in text.splitlines():
        key = line.split("=", 1)[0].strip()
        if key == "carried_over_from":
            line = carry
        elif key == "year":
            line = f"year = {year}"
            if not has_carry:
                lines.append(line)
                line = carry
        elif key == "title":
            line = line.replace(f"{source_year}年", f"{year}年")
        elif key == "source":
            line = f'source = ""  # 待填写：{year}年工作方案的标题、文号和印发日期'
        elif _DATE.search(line):
            line = _WEEKDAY_NOTE.sub("", _DATE.sub(move, line)).rstrip()
        lines.append(line)
    header = (
        f"# 由 hazard campaign new {year} --from {source_year} 生成：日期按{source_year}年顺延一年，"
        f"类别、县（市）自选产品和参数照{source_year}年。\n"
        f"# 请业务科室对照{year}年工作方案逐项核对、修改，然后运行 hazard campaign check {year}。\n"
    )
    return header + "\n".join(lines) + "\n"


def new_campaign(year: int, source_year: int, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Write ``campaign-YEAR.toml`` from ``campaign-SOURCE.toml``; never overwrites. Returns its path."""
    folder = resolve(data_dir)
    source = campaign_file(source_year, folder)
    if not source.is_file():
        raise CampaignNotFound(source_year)
    target = campaign_file(year, folder)
    if target.exists():
        raise CampaignExists(target)
    read_campaign(source, source_year)  # a broken source file is refused before anything is written
    text = new_campaign_text(source.read_text(encoding="utf-8"), source_year, year)
    with open(target, "x", encoding="utf-8") as handle:  # "x": a file that appeared meanwhile is kept
        handle.write(text)
    return target


def _code(line: str) -> str:
    return line.split("#", 1)[0].strip()


def _line_of(text: str, field: str | None, value: object) -> int | None:
    """The line a finding is about: the line assigning its key inside its own table (``window.start``, a
    weight of ``parameters.proposal_weights``), else the line holding its value, else the line assigning its
    field anywhere, else the header of its table."""
    lines = text.splitlines()
    parts = (field or "").split(".")
    key = parts[-1]
    tables = [f"[{'.'.join(parts[:depth])}]" for depth in range(len(parts), 0, -1)]  # innermost first
    headers = {
        _code(line): number for number, line in enumerate(lines, start=1) if _code(line).startswith("[")
    }
    own = next((headers[t] for t in tables[1:] if t in headers), None)
    if own is not None:
        for number, line in enumerate(lines[own:], start=own + 1):
            if _code(line).startswith("["):
                break
            if _code(line).split("=", 1)[0].strip() == key:
                return number
    values = value if isinstance(value, tuple) else (value,)
    for one in values:
        if isinstance(one, date | str) and str(one):
            for number, line in enumerate(lines, start=1):
                if str(one) in _code(line):
                    return number
    for number, line in enumerate(lines, start=1):
        if key and _code(line).split("=", 1)[0].strip() == key:
            return number
    return next((headers[t] for t in tables if t in headers), None)


def carried_from_unknown_year(carried_over_from: int | None, years: tuple[int, ...]) -> Finding | None:
    """A warning when ``carried_over_from`` names a year without a campaign file: the open hazards still carry
    over (they are the store's, not the file's), but the year stated is most likely mistyped."""
    if carried_over_from is None or carried_over_from in years:
        return None
    return Finding(
        "campaign",
        f"结转来源年度 {carried_over_from} 没有行动文件（campaigns/campaign-{carried_over_from}.toml），"
        "请核对年份",
        field="carried_over_from",
        value=carried_over_from,
        severity="warning",
    )


def check_campaign(year: int, data_dir: str | os.PathLike[str] | None = None) -> list[Finding]:
    """Every problem of a year's campaign file, each with file, line and field; an empty list when usable.

    Errors: what ``load_campaign`` refuses, a category the catalogue lacks, a county addition breaking the
    plan's rule. Warnings (severity ``warning``): an empty source, a reporting deadline outside the
    campaign's stages (the written reports after its finish, ``continuing = true``, excepted), a
    ``carried_over_from`` year without a campaign file, a day of the
    campaign in a year whose holidays are unknown (deadlines there cannot be computed until
    ``data/holidays/YYYY.toml`` is added)."""
    folder = resolve(data_dir)
    path = campaign_file(year, folder)
    if not path.is_file():
        raise CampaignNotFound(year)
    text = path.read_text(encoding="utf-8")
    name = f"campaigns/{path.name}"

    def located(finding: Finding) -> Finding:
        return finding.located(file=name, row=finding.row or _line_of(text, finding.field, finding.value))

    try:
        campaign = read_campaign(path, year)
        catalogue_for(campaign, folder)
    except (ValidationFailed, tomllib.TOMLDecodeError) as failed:
        if isinstance(failed, tomllib.TOMLDecodeError):
            return [Finding("campaign", f"文件格式有误：{failed}", file=name)]
        return [located(f) for f in failed.findings]
    findings = []
    if not campaign.source.strip():
        findings.append(
            Finding("campaign", "未填写本年度工作方案的标题和文号", field="source", severity="warning")
        )
    for deadline in campaign.deadlines:
        after = deadline.day > campaign.finish and not deadline.continuing  # the written reports come after
        if deadline.day < campaign.start or after:
            findings.append(
                Finding(
                    "campaign",
                    "报送期限不在行动期间内",
                    field="deadlines.day",
                    value=deadline.day,
                    severity="warning",
                )
            )
    unknown = carried_from_unknown_year(campaign.carried_over_from, available_years(folder))
    if unknown is not None:
        findings.append(unknown)
    # The written reports after the finish are dates to report by, not periods the campaign counts from.
    counted = (d.day for d in campaign.deadlines if not d.continuing)
    last = max(campaign.finish, *counted) + timedelta(days=60)
    for when in sorted({campaign.start.year, last.year}):
        if not package_knows(when) and not file_for(when, folder).exists():
            findings.append(
                Finding(
                    "campaign",
                    f"{when}年的法定节假日未知，按工作日的期限无法计算：请添加 data/holidays/{when}.toml",
                    field="holidays",
                    severity="warning",
                )
            )
        else:
            try:
                is_working_day(date(when, 1, 1))
            except (CalendarOutOfRange, ValidationFailed) as exc:
                findings.append(Finding("campaign", str(exc), field="holidays", severity="warning"))
    return [located(f) for f in findings]


def campaign_summaries(data_dir: str | os.PathLike[str] | None = None) -> list[CampaignSummary]:
    """Every year with a campaign file, oldest first, with how many problems ``check`` would name."""
    folder = resolve(data_dir)
    out = []
    for year in available_years(folder):
        problems = check_campaign(year, folder)
        errors = sum(f.severity == "error" for f in problems)
        warnings = len(problems) - errors
        if errors:
            out.append(
                CampaignSummary(
                    year, "（文件有误，见 hazard campaign check）", None, None, (), 0, 0, errors, warnings
                )
            )
            continue
        c = read_campaign(campaign_file(year, folder), year)
        out.append(
            CampaignSummary(
                year,
                c.title,
                c.start,
                c.finish,
                tuple(d.day for d in c.deadlines),
                len(catalogue_for(c, folder).categories),
                len(c.county_products),
                errors,
                warnings,
                c.carried_over_from,
            )
        )
    return out
