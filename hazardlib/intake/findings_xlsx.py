"""The findings workbook a clerk gets back: every problem listed, and a copy of each problem row with the
bad cells filled red (yellow for a notice) and the reason in a comment.

The copy keeps the file's own header, so the clerk can correct the cells in place and import the sheet
again (the extra 原行号 column is ignored; the hidden ``_meta`` sheet tells the kind).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from ..celltext import as_typed
from ..errors import Finding
from .readers import FINDINGS_SHEET, META_SHEET
from .report import FINDING_COLUMNS, SEVERITY_LABELS, ImportReport, SheetCopy

ERROR_FILL = PatternFill("solid", start_color="FFFF0000", end_color="FFFF0000")
WARNING_FILL = PatternFill("solid", start_color="FFFFEB9C", end_color="FFFFEB9C")
HEADER_FILL = PatternFill("solid", start_color="FFD9E1F2", end_color="FFD9E1F2")
ERROR_FONT = Font(color="FFFFFFFF", bold=True)
BOLD = Font(bold=True)
ROW_NO_HEADER = "原行号"
AUTHOR = "导入检查"
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_WIDTHS = {
    "file": 24,
    "sheet": 14,
    "row": 8,
    "field": 20,
    "value": 30,
    "message": 60,
    "severity": 18,
    "code": 16,
}


class WriteOnlySheet(Protocol):
    """What is used here of a sheet of ``Workbook(write_only=True)`` (openpyxl's class for it lives in a
    private module, so it is described rather than imported)."""

    freeze_panes: str | None
    column_dimensions: Any

    def append(self, iterable: Iterable[Any]) -> None: ...


def write_findings(reports: Sequence[ImportReport], path: str | Path) -> Path:
    """Write the findings of ``reports`` to ``path`` (xlsx) and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    _list_sheet(book.create_sheet(FINDINGS_SHEET), [f for r in reports for f in r.findings])
    titles: set[str] = {FINDINGS_SHEET, META_SHEET}
    for report in reports:
        by_row: dict[tuple[str, int], list[Finding]] = {}
        for f in report.findings:
            if f.sheet is not None and f.row is not None:
                by_row.setdefault((f.sheet, f.row), []).append(f)
        for copy in report.sheets:
            if copy.rows:
                title = _title(f"待改-{copy.name}", titles)
                _copy_sheet(book.create_sheet(title), copy, by_row)
    kinds = {r.kind for r in reports}
    meta = book.create_sheet(META_SHEET)
    meta.sheet_state = "hidden"
    meta.append(["kind", kinds.pop() if len(kinds) == 1 else ""])
    meta.append(["source", "findings"])
    book.save(path)
    return path


def _title(wanted: str, taken: set[str]) -> str:
    base = _BAD_TITLE.sub("_", wanted)[:28]
    title, n = base, 2
    while title in taken:
        title = f"{base[:26]}-{n}"
        n += 1
    taken.add(title)
    return title


def _list_sheet(sheet: WriteOnlySheet, findings: Iterable[Finding]) -> None:
    sheet.freeze_panes = "A2"
    for i, key in enumerate(FINDING_COLUMNS):
        sheet.column_dimensions[chr(ord("A") + i)].width = _WIDTHS[key]
    sheet.append([_styled(sheet, label, BOLD, HEADER_FILL) for label in FINDING_COLUMNS.values()])
    for f in findings:
        values = [getattr(f, key) for key in FINDING_COLUMNS]
        values[list(FINDING_COLUMNS).index("severity")] = SEVERITY_LABELS.get(f.severity, f.severity)
        sheet.append([_cell(sheet, v) for v in values])


def _copy_sheet(sheet: WriteOnlySheet, copy: SheetCopy, by_row: dict[tuple[str, int], list[Finding]]) -> None:
    """The header, then each problem row with its bad cells highlighted and explained."""
    sheet.freeze_panes = "B2"
    position_of = {copy.written[k]: pos for k, pos in copy.positions.items()}
    width = max([len(copy.header), *(len(v) for v in copy.rows.values())])
    header = [ROW_NO_HEADER, *copy.header, *[None] * (width - len(copy.header))]
    sheet.append([_styled(sheet, v, BOLD, HEADER_FILL) for v in header])
    for number in sorted(copy.rows):
        values = copy.rows[number] + [None] * (width - len(copy.rows[number]))
        cells: list[Any] = [WriteOnlyCell(sheet, number), *(_cell(sheet, v) for v in values)]
        notes: dict[int, list[Finding]] = {}
        for f in by_row.get((copy.name, number), []):
            pos = position_of.get(f.field) if f.field else None
            notes.setdefault(0 if pos is None else pos + 1, []).append(f)
        for index, found in notes.items():
            cell = cells[index]
            error = any(f.severity == "error" for f in found)
            cell.fill = ERROR_FILL if error else WARNING_FILL
            if error:
                cell.font = ERROR_FONT
            text = "\n".join(
                f"{'【错误】' if f.severity == 'error' else '【提示】'}{f.message}" for f in found
            )
            cell.comment = Comment(text, AUTHOR, width=320, height=40 + 20 * len(found))
        cells[0].alignment = Alignment(horizontal="center")
        sheet.append(cells)


def _styled(sheet: WriteOnlySheet, value: Any, font: Font, fill: PatternFill) -> Cell:
    cell = WriteOnlyCell(sheet, value)
    cell.font = font
    cell.fill = fill
    return cell


def _cell(sheet: WriteOnlySheet, value: Any) -> Cell:
    """A cell holding ``value`` as written: other objects as text, and text starting with “=” kept as text
    (never turned into a formula)."""
    if not (value is None or isinstance(value, int | float | bool) or hasattr(value, "isoformat")):
        value = as_typed(str(value))
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell
