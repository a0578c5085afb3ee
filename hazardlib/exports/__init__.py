"""Exports of the reports: xlsx official forms, docx drafts, json for machines, csv for spreadsheets.

:func:`export` writes any report of :data:`hazardlib.reports.REPORT_NAMES` in one of its formats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from contextlib import closing
from pathlib import Path

import pandas as pd

from ..errors import HazardError
from ..reports import REPORTS
from ..reports.labels import bureau
from ..reports.scope import scope_for
from ..reports.summaries import summary
from ..store import SYSTEM_USER, Store
from . import xlsx
from .book_writer import write_workbook
from .docx import write_summary
from .report_forms import TABLES, sheet_for
from .tabular import write_csv, write_json_object, write_json_rows
from .xlsx import Heading

MESSAGES = {
    "unknown_report": "没有名为“{name}”的报表，可用：{choices}",
    "format": "报表“{title}”不能导出为 {fmt}，可用格式：{choices}",
    "no_format": "无法从文件名“{path}”判断导出格式，请用 --format 指定（{choices}）",
}


class ExportError(HazardError):
    """A report or format that does not exist, or a file name that names no format."""


def format_for(name: str, path: str | Path, fmt: str | None = None) -> str:
    """The format to write: ``fmt`` if given, else the extension of ``path``; ExportError if neither fits."""
    if name not in REPORTS:
        raise ExportError(MESSAGES["unknown_report"].format(name=name, choices="、".join(REPORTS)))
    kind = REPORTS[name]
    chosen = (fmt or Path(path).suffix.lstrip(".")).lower()
    if not chosen:
        raise ExportError(MESSAGES["no_format"].format(path=path, choices="、".join(kind.formats)))
    if chosen not in kind.formats:
        raise ExportError(
            MESSAGES["format"].format(title=kind.title, fmt=chosen, choices="、".join(kind.formats))
        )
    return chosen


def _single(frame: pd.DataFrame) -> Generator[pd.DataFrame, None, None]:
    yield frame


def export(
    name: str,
    store: Store,
    as_of: dt.date | None,
    county: str | None,
    fmt: str | None,
    path: str | Path,
    *,
    preparer: str | None = None,
    write_only: bool | None = None,
) -> Path:
    """Write report ``name`` at ``as_of`` for ``county`` (None: the session's county or the prefecture)
    in format ``fmt`` (None: from the extension of ``path``); returns the path written.

    ``preparer`` is the person named as 填表人 on a form (the CLI's --preparer or --user, the dashboard's
    logged-in person); without one — or with the store's placeholder 系统 — the form leaves a blank to
    write in by hand. A form is dated (填报日期) on its as-of date, the date of its figures.

    Raises ExportError (unknown report or format), UnknownCounty, OutOfScope or CampaignNotFound.
    """
    chosen = format_for(name, path, fmt)
    scope = scope_for(store, as_of, county)
    if name in ("stage-summary", "work-summary"):
        data = summary(store, "stage" if name == "stage-summary" else "work", scope.as_of, scope.county)
        if chosen == "docx":
            return write_summary(data, path)
        return write_json_object(data.to_dict(), path)

    spec = TABLES[name]
    # A ledger is read in chunks and written as they come (memory stays flat however long it is);
    # every other table is one small frame.
    chunks = spec.chunks(store, scope) if spec.chunks is not None else _single(spec.build(store, scope))
    with closing(chunks):
        if chosen == "json":
            return write_json_rows((f.drop(columns=list(spec.display_only)) for f in chunks), path)
        if chosen == "csv":
            return write_csv(chunks, spec.columns(scope), path)
        # The first rows decide the form: a ledger that fits the small form is gathered and written
        # as one; a longer one streams the rest of its chunks behind them.
        head: list[pd.DataFrame] = []
        more: Generator[pd.DataFrame, None, None] | None = chunks
        for frame in chunks:
            head.append(frame)
            if sum(len(f) for f in head) > xlsx.WRITE_ONLY_ROWS:  # read when called: tests lower it
                break
        else:
            more = None
        sheet = sheet_for(name, head[0] if len(head) == 1 else pd.concat(head, ignore_index=True), scope)
        sheet.more = more
        person = (preparer or "").strip()
        heading = Heading(bureau(scope.unit_code), scope.as_of, person if person != SYSTEM_USER else None)
        sheets = [sheet, *(spec.companions(scope) if spec.companions is not None else ())]
        return write_workbook(path, sheets, heading, write_only=write_only)


__all__ = ["ExportError", "export", "format_for"]
