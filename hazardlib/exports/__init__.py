"""Exports of the reports: xlsx official forms, docx drafts, json for machines, csv for spreadsheets.

:func:`export` writes any report of :data:`hazardlib.reports.REPORT_NAMES` in one of its formats.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..errors import HazardError
from ..reports import REPORTS
from ..reports.common import scope_for
from ..reports.labels import bureau
from ..reports.summaries import summary
from ..store import Store

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

    Raises ExportError (unknown report or format), UnknownCounty, OutOfScope or CampaignNotFound.
    """
    chosen = format_for(name, path, fmt)
    scope = scope_for(store, as_of, county)
    if name in ("stage-summary", "work-summary"):
        data = summary(store, "stage" if name == "stage-summary" else "work", scope.as_of, scope.county)
        if chosen == "docx":
            from .docx import write_summary

            return write_summary(data, path)
        from .tabular import write_json_object

        return write_json_object(data.to_dict(), path)

    from .forms import TABLES, sheet_for

    spec = TABLES[name]
    frame = spec.build(store, scope)
    if chosen == "json":
        from .tabular import write_json_rows

        return write_json_rows(frame.drop(columns=list(spec.display_only)), path)
    sheet = sheet_for(name, frame, scope)
    if chosen == "csv":
        from .tabular import write_csv

        return write_csv(frame, sheet.columns, path)
    from .xlsx import Heading, write_workbook

    heading = Heading(bureau(scope.unit_code), scope.as_of, preparer or store.user)
    return write_workbook(path, [sheet], heading, write_only=write_only)


__all__ = ["ExportError", "export", "format_for"]
