"""The official holiday calendar: which days are working days, for any year the bureau has the notice of.

Deadlines counted in working days, and calendar-day periods whose last day may be a statutory holiday
(民法典 第二百零三条), need the State Council's yearly notice of holidays and make-up working days (调休).
The chinesecalendar package carries those notices up to the year it was released; a bureau that needs a
later year adds the notice as data, `data/holidays/YYYY.toml`, without waiting for a new package:

    year = 2027
    source = "国务院办公厅关于2027年部分节假日安排的通知"
    [[holidays]]
    name = "元旦"
    from = 2027-01-01
    to = 2027-01-01
    workdays = []                     # weekend days worked instead (调休上班) for this holiday

A year's file, when present, is the calendar of that year; where chinesecalendar also knows the year the file
is checked against it day by day, so a mistyped file is found when it is loaded, not in a wrong deadline.
A year that neither knows raises :class:`CalendarOutOfRange`, naming the file to add — never a silent count
of calendar days.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar

from hazardlib.datafiles import data_dir
from hazardlib.errors import CalendarOutOfRange, Finding, ValidationFailed

FOLDER = "holidays"


@dataclass(frozen=True)
class Holiday:
    """One holiday of a year's notice: its rest days and the weekend days worked in exchange."""

    name: str
    start: date
    end: date
    workdays: tuple[date, ...]


@dataclass(frozen=True)
class HolidayYear:
    """A year's notice as the bureau entered it."""

    year: int
    source: str
    holidays: tuple[Holiday, ...]
    rest_days: frozenset[date]
    workdays: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        """A make-up working day works; a holiday rests; otherwise Monday to Friday work."""
        if day in self.workdays:
            return True
        return day not in self.rest_days and day.weekday() < 5


def file_for(year: int, folder: Path | None = None) -> Path:
    """Where a year's holiday notice is kept: ``data/holidays/YYYY.toml``."""
    return (folder or data_dir()) / FOLDER / f"{year}.toml"


def package_knows(year: int) -> bool:
    """Whether chinesecalendar carries the notice of `year` (it raises for years it lacks)."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def _as_date(value: Any) -> date | None:
    return value if isinstance(value, date) else None


def parse(path: Path, year: int) -> HolidayYear:
    """Read and check one year's file; raises ValidationFailed listing every problem (file, line, field)."""
    text = path.read_text(encoding="utf-8")
    findings: list[Finding] = []

    def bad(field: str, message: str, value: Any = None, needle: str | None = None) -> None:
        line = _line_of(text, needle) if needle else None
        findings.append(
            Finding("holidays", message, field=field, value=value, row=line, file=_relative(path))
        )

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationFailed([Finding("holidays", f"文件格式有误：{exc}", file=_relative(path))]) from None
    if raw.get("year") != year:
        bad("year", f"应为 {year}（与文件名一致）", raw.get("year"), "year")
    holidays: list[Holiday] = []
    for entry in raw.get("holidays", []):
        name = str(entry.get("name", "")).strip()
        start, end = _as_date(entry.get("from")), _as_date(entry.get("to"))
        if not name:
            bad("name", "节日名称不能为空", needle="[[holidays]]")
        if start is None or end is None or start > end:
            bad("from/to", f"“{name}”的起止日期无效（应为 YYYY-MM-DD，且起不晚于止）", (start, end), name)
            continue
        if start.year != year or end.year != year:
            bad("from/to", f"“{name}”的日期不在 {year} 年内", (start, end), name)
        worked = tuple(entry.get("workdays", []))
        for day in worked:
            if not isinstance(day, date):
                bad("workdays", f"“{name}”的调休上班日不是日期", day, name)
            elif day.weekday() < 5:
                bad("workdays", f"“{name}”的调休上班日 {day} 不是星期六或星期日", day, day.isoformat())
        holidays.append(Holiday(name, start, end, tuple(d for d in worked if isinstance(d, date))))
    if findings:
        raise ValidationFailed(findings)
    rest = frozenset(h.start + timedelta(days=i) for h in holidays for i in range((h.end - h.start).days + 1))
    calendar = HolidayYear(
        year,
        str(raw.get("source", "")),
        tuple(holidays),
        rest,
        frozenset(d for h in holidays for d in h.workdays),
    )
    if package_knows(year):
        _check_against_package(calendar, path, text)
    return calendar


def _check_against_package(calendar: HolidayYear, path: Path, text: str) -> None:
    """Every day of the year as the file says and as chinesecalendar says; the first disagreements listed."""
    findings: list[Finding] = []
    day = date(calendar.year, 1, 1)
    while day.year == calendar.year:
        ours, theirs = calendar.is_working_day(day), bool(chinese_calendar.is_workday(day))
        if ours != theirs:
            said = "工作日" if ours else "休息日"
            known = "工作日" if theirs else "休息日"
            message = f"{day} 在本文件中是{said}，chinesecalendar 记载为{known}"
            findings.append(
                Finding(
                    "holidays",
                    message,
                    field="holidays",
                    value=day,
                    row=_line_of(text, day.isoformat()),
                    file=_relative(path),
                )
            )
        day += timedelta(days=1)
    if findings:
        raise ValidationFailed(findings[:20])


@functools.lru_cache(maxsize=64)
def _year(folder: Path, year: int) -> HolidayYear | None:
    path = file_for(year, folder)
    return parse(path, year) if path.exists() else None


def year_calendar(year: int) -> HolidayYear | None:
    """The bureau's notice of `year` from ``data/holidays/``, or None when it has no file for that year."""
    return _year(data_dir(), year)


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day: by ``data/holidays/YYYY.toml`` when the bureau keeps one for the
    year, else by chinesecalendar; raises CalendarOutOfRange (naming the file to add) when neither knows."""
    kept = _year(data_dir(), day.year)
    if kept is not None:
        return kept.is_working_day(day)
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        raise CalendarOutOfRange(day, _relative(file_for(day.year))) from None


def _relative(path: Path) -> str:
    return f"data/{FOLDER}/{path.name}"


_YEAR_FILE = re.compile(r"(\d{4})\.toml")


def kept_years(folder: Path | None = None) -> list[int]:
    """The years the bureau keeps a holiday file for."""
    base = (folder or data_dir()) / FOLDER
    if not base.is_dir():
        return []
    return sorted(int(m.group(1)) for p in base.iterdir() if (m := _YEAR_FILE.fullmatch(p.name)))
