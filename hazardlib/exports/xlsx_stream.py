"""Large sheets streamed with xlsxwriter's constant-memory mode: the same form as :mod:`.xlsx` (merged
title, heading line, one or two header rows, frozen and repeated on every page, printed as
:func:`.xlsx.page_layout` says, totals and notes), written row by row so that memory stays flat however long the ledger.

The title, heading, headers, totals and notes are styled as in the small form; data rows carry their
number and date formats and no borders: styling every cell of a million-row ledger would double the
time it takes to write. A text cell of several lines (a note that keeps its line breaks) wraps, so that
Excel shows its lines.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from .cell_guard import FORMULA_STARTS, ILLEGAL_CHARACTERS_RE, QUOTE, neutralise
from .xlsx import (
    BODY_PT,
    FONT,
    NOTE_PT,
    NUMBER_FORMATS,
    SIDE_MARGIN_IN,
    STYLE_OF,
    TITLE_FONT,
    TITLE_PT,
    Column,
    Heading,
    Kind,
    Sheet,
    cell_value,
    column_widths,
    frame_of,
    group_height,
    header_height,
    header_text,
    page_layout,
    rows_per_sheet,
)

_BASE = {"font_name": FONT, "font_size": BODY_PT, "valign": "vcenter"}
_PAPER = {"A4": 9, "A3": 8}  # xlsxwriter's paper codes
_ALIGN = {"text": {}, "code": {"align": "center"}, "id": {"align": "center"}, "int": {"align": "right"},
          "percent": {"align": "right"}, "date": {"align": "center"}, "number": {"align": "right"}}  # fmt: skip
_KIND_OF = {name: kind for kind, name in STYLE_OF.items()}


class _Formats:
    """The workbook's formats by the names of the named styles of :mod:`.xlsx` (made once each)."""

    def __init__(self, book: xlsxwriter.Workbook):
        self.book = book
        self._made: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._made:
            self._made[name] = self.book.add_format(self._spec(name))
        return self._made[name]

    @staticmethod
    def _spec(name: str) -> dict[str, Any]:
        border = {"border": 1}
        if name == "表题":
            return {**_BASE, "font_name": TITLE_FONT, "font_size": TITLE_PT, "bold": True, "align": "center",
                    "text_wrap": True}  # fmt: skip
        if name == "表头信息":
            return {**_BASE, "text_wrap": True}
        if name == "表头":
            return {
                **_BASE,
                **border,
                "bold": True,
                "align": "center",
                "text_wrap": True,
                "bg_color": "#D9E1F2",
            }
        if name == "说明":
            return {**_BASE, "font_size": NOTE_PT, "valign": "top", "text_wrap": True}
        total = name.endswith("合计")
        kind = _KIND_OF[name.removesuffix("合计")]
        spec = {**_BASE, **_ALIGN[kind], **border}
        if kind in NUMBER_FORMATS:
            spec["num_format"] = NUMBER_FORMATS[kind]
        if kind == "text":
            spec["text_wrap"] = True
        if total:
            spec.update(bold=True, bg_color="#F2F2F2")
        return spec

    def wrapped(self) -> Any:
        """The format of a data cell of several lines (a note that keeps its line breaks): wrapped, or Excel
        shows its lines run together on one."""
        if "_wrapped" not in self._made:
            self._made["_wrapped"] = self.book.add_format({"text_wrap": True})
        return self._made["_wrapped"]

    def bare(self, kind: str) -> Any:
        """The format of a data cell: its number or date format only (None for text and codes)."""
        if kind not in NUMBER_FORMATS:
            return None
        key = f"_bare_{kind}"
        if key not in self._made:
            self._made[key] = self.book.add_format({"num_format": NUMBER_FORMATS[kind]})
        return self._made[key]


def write_streamed(path: Path, sheets: Sequence[Sheet], heading: Heading) -> Path:
    """Write ``sheets`` to ``path`` in constant memory (a sheet longer than Excel's limit continues on
    further sheets). A sheet's :attr:`~.xlsx.Sheet.more` chunks are read only as they are written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})  # fmt: skip
    formats = _Formats(book)
    try:
        for sheet in sheets:
            rows = _Rows(sheet.rows, sheet.more)
            per_sheet = rows_per_sheet(sheet)
            part = 0
            while True:
                # The totals row counts in the column widths of the last part only, so a sheet with
                # totals looks ahead to know whether this part is the last (such forms are short).
                last_part = sheet.total is not None and rows.at_most(per_sheet)
                _sheet(book, formats, sheet, heading, part, rows, per_sheet, last_part)
                if rows.exhausted():
                    break
                part += 1
    finally:
        book.close()
    return path


class _Rows:
    """The rows of a sheet as a queue of frames, filled from its chunks only as far as asked."""

    def __init__(self, first: pd.DataFrame, more: Iterable[pd.DataFrame] | None):
        self.template = first.iloc[:0]
        self._queue: deque[pd.DataFrame] = deque([first] if len(first) else [])
        self._queued = len(first)
        self._more = iter(more) if more is not None else iter(())

    def _fill(self, n: int) -> None:
        while self._queued < n:
            frame = next(self._more, None)
            if frame is None:
                return
            if len(frame):
                self._queue.append(frame)
                self._queued += len(frame)

    def peek(self, n: int) -> pd.DataFrame:
        """The next ``n`` rows (fewer at the end), left in the queue."""
        self._fill(n)
        if not self._queue:
            return self.template
        if len(self._queue[0]) >= n:
            return self._queue[0].iloc[:n]
        return pd.concat(list(self._queue), ignore_index=True).iloc[:n]

    def at_most(self, n: int) -> bool:
        """True if no more than ``n`` rows are left."""
        self._fill(n + 1)
        return self._queued <= n

    def exhausted(self) -> bool:
        return self.at_most(0)

    def take(self, n: int) -> Iterator[pd.DataFrame]:
        """The next ``n`` rows (fewer at the end), frame by frame, taken out of the queue."""
        while n > 0:
            self._fill(1)
            if not self._queue:
                return
            frame = self._queue.popleft()
            if len(frame) > n:
                self._queue.appendleft(frame.iloc[n:])
                frame = frame.iloc[:n]
            self._queued -= len(frame)
            n -= len(frame)
            yield frame


_EPOCH = dt.datetime(1899, 12, 31)
_UNSEEN = object()
_NA, _NAT = pd.NA, pd.NaT


def excel_serial(value: dt.datetime) -> float:
    """Excel's serial number of ``value`` (what xlsxwriter's ``write_datetime`` stores for it)."""
    delta = value - _EPOCH
    serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    return serial + 1 if serial > 59 else serial  # Excel counts a 29 February 1900


def _texts(values: list[Any]) -> list[Any]:
    """A text column's cells: :func:`.xlsx.cell_value` of each, worked out for the whole column at once.

    The characters XML cannot hold are looked for in all the column's text in one pass; only a column
    that has some is cleaned value by value. Otherwise a cell's text is only checked for a leading
    formula sign (and quoted, as :func:`.cell_guard.neutralise` does)."""
    texts = [
        None if v is None or v is _NA or v is _NAT or (isinstance(v, float) and v != v) else str(v)
        for v in values
    ]
    if ILLEGAL_CHARACTERS_RE.search("\n".join([t for t in texts if t is not None])):
        return [None if t is None else neutralise(t) for t in texts]
    return [QUOTE + t if t is not None and t.startswith(FORMULA_STARTS) else t for t in texts]


def column_cells(kind: Kind, values: list[Any]) -> list[Any]:
    """The cells of one column: None (left empty), text, or a number (a date as its serial number),
    each what :func:`.xlsx.cell_value` makes of the value.

    Dates repeat a great deal down a ledger, so each distinct value is converted once."""
    if kind in ("text", "code"):
        return _texts(values)
    if kind == "date":
        seen: dict[Any, Any] = {}
        out: list[Any] = []
        for v in values:
            if v is None or v is _NA or v is _NAT or (isinstance(v, float) and v != v):
                out.append(None)
                continue
            cell = seen.get(v, _UNSEEN)
            if cell is _UNSEEN:
                cell = writable_cell(cell_value(kind, v))
                if isinstance(cell, dt.datetime):
                    cell = excel_serial(cell)
                seen[v] = cell
            out.append(cell)
        return out
    return [writable_cell(cell_value(kind, v)) for v in values]


def _write_any(write_string: Any, write_number: Any) -> Any:
    def write(row: int, col: int, value: Any, f: Any) -> None:
        if isinstance(value, str):
            write_string(row, col, value, f)
        else:
            write_number(row, col, value, f)

    return write


def _write_text(write_string: Any, wrapped: Any) -> Any:
    def write(row: int, col: int, value: str, f: Any) -> None:
        write_string(row, col, value, wrapped if "\n" in value else f)

    return write


def writable_cell(value: Any) -> Any:
    """A cell's value as the sheet writes it: a plain date as a datetime (xlsxwriter writes dates only through
    ``write_datetime``), anything else as it is."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _sheet(
    book: xlsxwriter.Workbook, fmt: _Formats, sheet: Sheet, heading: Heading, part: int, rows: _Rows,
    per_sheet: int, last_part: bool,
) -> None:  # fmt: skip
    name = sheet.name if part == 0 else f"{sheet.name}（续{part}）"
    ws = book.add_worksheet(name[:31])
    columns: list[Column] = list(sheet.columns)
    if sheet.row_numbers:
        columns.insert(0, Column("_no", "序号", None, "code", 6))
    n = len(columns)
    widths = column_widths(columns, rows.peek(500), sheet.total if last_part else None)
    for i, width in enumerate(widths):
        ws.set_column(i, i, width)
    two_levels = any(c.group for c in columns)
    header_last = 3 if two_levels else 2  # zero-based rows: title 0, heading 1, headers 2 (and 3)
    ws.repeat_rows(2, header_last)
    ws.freeze_panes(header_last + 1, sheet.freeze_columns + int(sheet.row_numbers))
    layout = page_layout(widths, [c.group for c in columns], int(sheet.row_numbers) + sheet.freeze_columns)
    ws.set_landscape()
    ws.set_paper(_PAPER[layout.paper])
    if layout.fit_width:
        ws.fit_to_pages(1, 0)
    else:
        ws.set_print_scale(layout.scale)
        if layout.repeat:
            ws.repeat_columns(0, layout.repeat - 1)
        ws.set_v_pagebreaks([last for _, last in layout.bands[:-1]])
    ws.center_horizontally()
    ws.set_margins(left=SIDE_MARGIN_IN, right=SIDE_MARGIN_IN, top=0.6, bottom=0.6)

    form = frame_of(sheet.title, heading, widths, layout)
    ws.set_row(0, form.title_height)
    ws.set_row(1, form.info_height)
    for row, placed, f in ((0, form.titles, fmt["表题"]), (1, form.infos, fmt["表头信息"])):
        covered: set[int] = set()
        for first, last, text in placed:
            _merge(ws, row, first - 1, row, last - 1, text, f)
            covered.update(range(first - 1, last))
        for j in range(n):
            if j not in covered:
                ws.write_blank(row, j, None, f)
    head_height = header_height(columns, widths)
    if two_levels:
        ws.set_row(2, group_height(columns, widths))
        ws.set_row(3, head_height)
        # Constant-memory mode writes a row out as soon as a cell of a later row is written, and ignores
        # what comes for it after that: the upper header row is written whole before the lower one. A
        # header spanning both rows is merged without a format, so that xlsxwriter pads nothing into
        # the lower row yet, and then written with its format; its lower cell comes with that row.
        spans: list[tuple[str | None, int, list[Column]]] = []
        i = 0
        for group, members in groupby(columns, key=lambda c: c.group):
            cols = list(members)
            if group:
                _merge(ws, 2, i, 2, i + len(cols) - 1, group, fmt["表头"])
            else:
                for j, c in enumerate(cols):
                    ws.merge_range(2, i + j, 3, i + j, header_text(c), None)
                    ws.write(2, i + j, header_text(c), fmt["表头"])
            spans.append((group, i, cols))
            i += len(cols)
        for group, i, cols in spans:
            for j, c in enumerate(cols):
                if group:
                    ws.write(3, i + j, header_text(c), fmt["表头"])
                else:
                    ws.write_blank(3, i + j, None, fmt["表头"])
    else:
        ws.set_row(2, head_height)
        for j, c in enumerate(columns):
            ws.write(2, j, header_text(c), fmt["表头"])

    keys = [c.key for c in sheet.columns]
    kinds = [c.kind for c in sheet.columns]
    cell_formats = [fmt.bare(k) for k in kinds]
    # Each cell through its type's own public writer (no per-cell dispatch on the value's type, as
    # ``write`` and ``write_row`` do), bound once per sheet.
    write_string, write_number = ws.write_string, ws.write_number
    # a text cell of several lines wraps (its line breaks shown); the others stay bare
    by_kind = {"text": _write_text(write_string, fmt.wrapped()), "code": write_string,
               "number": _write_any(write_string, write_number)}  # fmt: skip
    writers = [by_kind.get(k, write_number) for k in kinds]
    numbered = sheet.row_numbers
    if numbered:
        cell_formats.insert(0, None)
        writers.insert(0, write_number)
    columns_at = range(len(writers))
    r = header_last + 1
    number = part * per_sheet + 1
    for frame in rows.take(per_sheet):
        n_rows = len(frame)
        cells = [
            column_cells(k, frame[key].tolist()) if key in frame else [None] * n_rows
            for key, k in zip(keys, kinds, strict=True)
        ]
        if numbered:
            cells.insert(0, list(range(number, number + n_rows)))
        number += n_rows
        for values in zip(*cells, strict=True):
            for col, value, write, f in zip(columns_at, values, writers, cell_formats, strict=True):
                if value is not None:
                    write(r, col, value, f)
            r += 1
    last = rows.exhausted()
    if sheet.total is not None and last:
        styles = [STYLE_OF[k] for k in kinds]
        if numbered:
            ws.write(r, 0, "合计", fmt["代码合计"])
        for j, (key, kind, style) in enumerate(zip(keys, kinds, styles, strict=True), start=int(numbered)):
            value = writable_cell(cell_value(kind, sheet.total.get(key)))
            ws.write(r, j, value, fmt[f"{style}合计"]) if value is not None else ws.write_blank(
                r, j, None, fmt[f"{style}合计"]
            )
        r += 1
    first0, last0 = form.note_span
    for note in sheet.notes if last else ():
        ws.set_row(r, form.note_height(note))
        for j in range(n):
            if not first0 - 1 <= j <= last0 - 1:
                ws.write_blank(r, j, None, fmt["说明"])
        _merge(ws, r, first0 - 1, r, last0 - 1, note, fmt["说明"])
        r += 1


def _merge(ws: Any, r1: int, c1: int, r2: int, c2: int, value: Any, f: Any) -> None:
    if (r1, c1) == (r2, c2):
        ws.write(r1, c1, value, f)
    else:
        ws.merge_range(r1, c1, r2, c2, value, f)
