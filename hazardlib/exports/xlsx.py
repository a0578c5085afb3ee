"""Excel workbooks laid out as the official forms staff expect (openpyxl).

Each sheet has a merged title row; a line with the reporting unit, the as-of date and the preparer;
one or two header rows (a group header merged over the figures it holds, above each figure's own
header); the data rows; an optional totals row; and notes. Numbers, percentages and dates carry their
formats; the header rows are frozen and repeat on every printed page. Pages are A4 landscape: fitted to
the width when the print stays legible (:data:`MIN_PRINTED_PT` or more), else the column groups are split
across pages at a legible scale with the leading columns (序号, the county or hazard id) repeated on each
page (:func:`page_layout`). Text that a spreadsheet could read as a formula is neutralised (:mod:`.cell_guard`).

Large sheets (more than :data:`WRITE_ONLY_ROWS` rows) are streamed with xlsxwriter's constant-memory
mode (:mod:`.xlsx_stream`, the same form), and a sheet longer than Excel's row limit continues on
further sheets.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from ..celltext import as_typed
from ..vocab import date_label
from .cell_guard import neutralise

Kind = Literal["text", "code", "id", "int", "percent", "date", "number"]

WRITE_ONLY_ROWS = 20_000
EXCEL_MAX_ROWS = 1_048_576
FONT = "宋体"
TITLE_FONT = "黑体"

BODY_PT, NOTE_PT, TITLE_PT = 10.5, 10.0, 16.0
MIN_PRINTED_PT = 9.0
"""The smallest a printed character may come out (font size × print scale): a stamped form is read on
paper."""
LANDSCAPE_WIDTH_IN = {"A4": 297 / 25.4, "A3": 420 / 25.4}
SIDE_MARGIN_IN = 0.4
PAPER_CODE = {"A4": Worksheet.PAPERSIZE_A4, "A3": Worksheet.PAPERSIZE_A3}

NUMBER_FORMATS = {"id": "0", "int": "#,##0", "percent": "0.0%", "date": "yyyy-mm-dd", "number": "#,##0.0"}


@dataclass(frozen=True)
class Column:
    """One column of a form: the key of its value, its header, the group header above it, its kind."""

    key: str
    header: str
    group: str | None = None
    kind: Kind = "text"
    width: float | None = None


@dataclass(frozen=True)
class Heading:
    """The line under the title: who reports, as of which day, who prepared it."""

    unit: str
    as_of: dt.date
    preparer: str | None = None
    made_on: dt.date | None = None

    def parts(self) -> tuple[str, str, str]:
        """填报单位, 统计截止日期 and 填表人／填报日期. The date filled in is ``made_on`` (the submission's) or else
        the as-of date — the date of the figures, never the machine's clock; no preparer leaves a blank
        to write by hand."""
        made = self.made_on or self.as_of
        return (
            f"填报单位（盖章）：{self.unit}",
            f"统计截止日期：{date_label(self.as_of)}",
            f"填表人：{self.preparer or '　　　　'}　　填报日期：{date_label(made)}",
        )


@dataclass
class Sheet:
    """One form: a sheet name, its title, columns, rows (a DataFrame) and optionally a totals row.

    ``more``: further rows after ``rows``, as frames read one at a time while the sheet is streamed
    (a ledger too long to hold in memory); a sheet with ``more`` is always streamed unless
    ``write_only=False`` asks for the small form, which gathers them first.
    """

    name: str
    title: str
    columns: Sequence[Column]
    rows: pd.DataFrame
    total: Mapping[str, Any] | None = None
    notes: Sequence[str] = ()
    freeze_columns: int = 0
    row_numbers: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    more: Iterable[pd.DataFrame] | None = None


def column_points(width: float) -> float:
    """The printed width in points of a column ``width`` characters wide: a spreadsheet's width unit is
    the default font's digit (7 pixels) plus 5 pixels of padding, at 96 pixels to the inch."""
    return (7.0 * width + 5.0) * 0.75


def printable_points(paper: str = "A4") -> float:
    """The width a landscape page of ``paper`` prints on, between the forms' side margins, in points."""
    return (LANDSCAPE_WIDTH_IN[paper] - 2 * SIDE_MARGIN_IN) * 72.0


@dataclass(frozen=True)
class PageLayout:
    """How a form prints: fitted to one page's width, or split into page bands (first and last column,
    1-based, after the ``repeat`` leading columns printed on every page) at ``scale`` percent."""

    paper: str
    fit_width: bool
    scale: int
    bands: tuple[tuple[int, int], ...]
    repeat: int

    @property
    def effective_scale(self) -> float:
        """The scale the text prints at (for a fitted page, the fit's)."""
        return self.scale / 100.0


def page_layout(widths: Sequence[float], groups: Sequence[str | None], repeat: int) -> PageLayout:
    """The print layout of a form with columns ``widths`` (characters) and header ``groups``.

    One A4 landscape page wide when the fitted scale keeps the smallest font (:data:`NOTE_PT`) at
    :data:`MIN_PRINTED_PT` or more; otherwise the columns after the first ``repeat`` are cut into page
    bands at group boundaries (a group wider than a page at that scale is cut between its columns), the
    ``repeat`` columns printed on every page, at the largest scale (at most 100%) that fits the widest
    band. A margin of 3% is left for the spreadsheet's own rounding.
    """
    page = printable_points("A4") * 0.97
    points = [column_points(w) for w in widths]
    n, least = len(points), MIN_PRINTED_PT / NOTE_PT
    whole = sum(points)
    if page / whole >= least:
        return PageLayout("A4", True, min(100, math.floor(100 * page / whole)), ((1, n),), 0)
    repeat = max(0, min(repeat, n - 1))
    fixed = sum(points[:repeat])
    room = page / least - fixed
    units: list[list[int]] = []
    for i in range(repeat, n):
        if units and groups[i] is not None and groups[i] == groups[units[-1][-1]]:
            units[-1].append(i)
        else:
            units.append([i])
    bands: list[list[int]] = []
    used = room + 1.0  # no band open yet
    for unit in units:
        width = sum(points[i] for i in unit)
        if used + width <= room:
            bands[-1] += unit
            used += width
            continue
        if width <= room:
            bands.append(list(unit))
            used = width
            continue
        for i in unit:  # a group wider than a page: cut between its columns
            if bands and used + points[i] <= room:
                bands[-1].append(i)
                used += points[i]
            else:
                bands.append([i])
                used = points[i]
    widest = max(fixed + sum(points[i] for i in band) for band in bands)
    scale = min(100, math.floor(100 * page / widest))
    return PageLayout("A4", False, scale, tuple((b[0] + 1, b[-1] + 1) for b in bands), repeat)


def display_width(text: str) -> int:
    """Width of ``text`` in character cells: a Chinese character (or full-width sign) takes two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _styles() -> list[NamedStyle]:
    def style(name: str, *, bold: bool = False, size: float = BODY_PT, **kw: Any) -> NamedStyle:
        s = NamedStyle(name=name)
        s.font = Font(name=kw.pop("font", FONT), bold=bold, size=size)
        s.alignment = kw.pop("alignment", Alignment(vertical="center", wrap_text=True))
        s.border = kw.pop("border", BORDER)
        if "fill" in kw:
            s.fill = kw.pop("fill")
        s.number_format = kw.pop("number_format", "General")
        return s

    total_fill = PatternFill("solid", fgColor="F2F2F2")
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    right = Alignment(horizontal="right", vertical="center")
    out = [
        style("表题", bold=True, size=TITLE_PT, font=TITLE_FONT, alignment=CENTER, border=Border()),
        style(
            "表头信息", size=BODY_PT, alignment=Alignment(vertical="center", wrap_text=True), border=Border()
        ),
        style("表头", bold=True, alignment=CENTER, fill=header_fill),
        style("说明", size=NOTE_PT, alignment=Alignment(vertical="top", wrap_text=True), border=Border()),
    ]
    for suffix, extra in (("", {}), ("合计", {"bold": True, "fill": total_fill})):
        out += [
            style(f"文本{suffix}", **extra),
            style(f"代码{suffix}", alignment=Alignment(horizontal="center", vertical="center"), **extra),
            style(f"编号{suffix}", number_format=NUMBER_FORMATS["id"], alignment=CENTER, **extra),
            style(f"整数{suffix}", number_format=NUMBER_FORMATS["int"], alignment=right, **extra),
            style(f"百分比{suffix}", number_format=NUMBER_FORMATS["percent"], alignment=right, **extra),
            style(f"日期{suffix}", number_format=NUMBER_FORMATS["date"], alignment=CENTER, **extra),
            style(f"数值{suffix}", number_format=NUMBER_FORMATS["number"], alignment=right, **extra),
        ]
    return out


STYLE_OF = {
    "text": "文本",
    "code": "代码",
    "id": "编号",
    "int": "整数",
    "percent": "百分比",
    "date": "日期",
    "number": "数值",
}


def cell_value(kind: Kind, value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind == "percent":
        return float(value) / 100.0
    if kind in ("int", "id"):
        return int(value)
    if kind == "date":
        if isinstance(value, pd.Timestamp):
            return value.date()
        if isinstance(value, str):
            return dt.date.fromisoformat(value[:10])
        return value
    if kind in ("text", "code"):
        return neutralise(value if isinstance(value, str) else str(value))
    return value


class _Writer:
    """Writes rows of styled cells to a normal or a write-only worksheet alike."""

    def __init__(self, ws: Any, write_only: bool, styles: Mapping[str, NamedStyle]):
        self.ws, self.write_only, self.row = ws, write_only, 0
        self.styles = styles

    def cell(self, value: Any, style: str | None) -> Any:
        # A cell made with its named style's style array (openpyxl's public ``Cell(style_array=...)`` and
        # ``NamedStyle.as_tuple()``), the same cell as ``c.style = name``: assigning the style by name
        # looks the name up in the workbook's list of named styles twice, about five times the cost of
        # the cell itself.
        array = self.styles[style].as_tuple() if style else None
        return Cell(self.ws, value=as_typed(value), style_array=array)

    def append(self, cells: Sequence[Any], height: float | None = None) -> int:
        self.row += 1
        if height:
            self.ws.row_dimensions[self.row].height = height
        self.ws.append(list(cells))
        return self.row

    def merge(self, r1: int, c1: int, r2: int, c2: int) -> None:
        if (r1, c1) != (r2, c2):
            ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
            if self.write_only:
                self.ws.merged_cells.add(ref)
            else:
                self.ws.merge_cells(ref)


NUMERIC = ("int", "id", "percent", "number")


def header_text(col: Column) -> str:
    """The header as shown in the form: a figure's unit on a line of its own, e.g. 发现隐患⏎（项）."""
    cut = col.header.rfind("（")
    if col.kind in NUMERIC and cut > 0 and col.header.endswith("）"):
        return f"{col.header[:cut]}\n{col.header[cut:]}"
    return col.header


def column_widths(
    columns: Sequence[Column], rows: pd.DataFrame, total: Mapping[str, Any] | None
) -> list[float]:
    sample = rows.head(500)
    if total is not None:
        sample = pd.concat([sample, pd.DataFrame([dict(total)])], ignore_index=True)
    widths = []
    for col in columns:
        if col.width:
            widths.append(col.width)
            continue
        lines = header_text(col).split("\n")
        header = max(display_width(line) for line in lines)
        if col.kind in NUMERIC:
            label, unit = display_width(lines[0]), display_width(lines[-1])
            # A Chinese character is a little wider than two digits: about 0.6 × its label on each of two lines.
            widths.append(float(max(9, unit + 2, min(15, math.ceil(label * 0.6) + 2))))
        elif col.kind == "date":
            widths.append(12.0)
        else:
            values = sample[col.key].dropna().astype(str) if col.key in sample else pd.Series([], dtype=str)
            longest = max((display_width(v) for v in values), default=0)
            widths.append(float(max(6, min(50, max(longest, math.ceil(header / 2)) + 2))))
    return widths


def header_height(columns: Sequence[Column], widths: Sequence[float]) -> float:
    lines = max(
        sum(math.ceil(display_width(line) / max(1.0, w - 1)) for line in header_text(c).split("\n"))
        for c, w in zip(columns, widths, strict=True)
    )
    return 14.0 * max(1, lines) + 6


@dataclass(frozen=True)
class Frame:
    """Where a form's title, heading line and notes go: over each page band, never in the columns repeated
    on every page (or every page would print a piece of them). Spans are (first, last, text), 1-based;
    later bands' titles read “（续）”; the heading line and the notes sit over the first band."""

    titles: tuple[tuple[int, int, str], ...]
    infos: tuple[tuple[int, int, str], ...]
    title_height: float
    info_height: float
    note_span: tuple[int, int]
    room: float

    def note_height(self, note: str) -> float:
        """A note's row height, wrapped within the first band."""
        return 14.0 * max(1, math.ceil(display_width(note) / max(20.0, self.room - 2))) + 4


def frame_of(title: str, heading: Heading, widths: Sequence[float], layout: PageLayout) -> Frame:
    """The title, heading line and notes of a form laid out as ``layout`` (shared by both writers)."""
    first0, last0 = layout.bands[0]
    room = sum(widths[first0 - 1 : last0])
    titles = tuple(
        (first, last, title if b == 0 else f"{title}（续）") for b, (first, last) in enumerate(layout.bands)
    )
    parts = heading.parts()
    span = last0 - first0 + 1
    if span >= 3 and all(display_width(t) + 2 <= room / 3 for t in parts):
        bounds = [first0 - 1 + span * k // 3 for k in range(4)]
        infos = tuple((bounds[k] + 1, bounds[k + 1], text) for k, text in enumerate(parts))
        info_lines = 1
    else:  # too narrow for three in a row: one line, or one under the other
        one = "　".join(parts)
        text = one if display_width(one) + 2 <= room else "\n".join(parts)
        infos = ((first0, last0, text),)
        info_lines = sum(math.ceil(display_width(t) / max(1.0, room - 2)) for t in text.split("\n"))
    title_lines = math.ceil(display_width(title) * TITLE_PT / BODY_PT / max(1.0, room - 2))
    return Frame(titles, infos, 24.0 * title_lines + 6, 16.0 * info_lines + 6, (first0, last0), room)


def group_height(columns: Sequence[Column], widths: Sequence[float]) -> float:
    """The upper header row's height: each group header wraps within the columns it is merged over."""
    lines, i = 1, 0
    for group, members in groupby(columns, key=lambda c: c.group):
        span = len(list(members))
        if group:
            room = sum(widths[i : i + span]) - 1
            lines = max(lines, math.ceil(display_width(group) / max(1.0, room)))
        i += span
    return 14.0 * lines + 6


def _row_heights(
    data: pd.DataFrame, columns: Sequence[Column], widths: Sequence[float]
) -> list[float | None]:
    """Each row's height for its wrapped text (None: one line), worked out column by column: not every
    spreadsheet grows a row to fit its text when it opens the file."""
    lines = np.ones(len(data), dtype="int64")
    for col, width in zip(columns, widths, strict=True):
        if col.kind != "text" or col.key not in data:
            continue
        text = data[col.key].astype("string").fillna("")
        wide = (text.str.len() + text.str.count(r"[^\x00-\xff]")).to_numpy(dtype="float64")
        lines = np.maximum(lines, np.ceil(wide / max(1.0, width - 1)).astype("int64"))
    return [None if n <= 1 else 14.0 * int(n) + 4 for n in lines]


def _chunks(frame: pd.DataFrame, size: int) -> Iterator[pd.DataFrame]:
    if frame.empty:
        yield frame
        return
    for start in range(0, len(frame), size):
        yield frame.iloc[start : start + size]


def _write_sheet(
    wb: Workbook, named: Mapping[str, NamedStyle], sheet: Sheet, heading: Heading, write_only: bool, part: int,
    rows: pd.DataFrame, last: bool,
) -> None:  # fmt: skip
    name = sheet.name if part == 0 else f"{sheet.name}（续{part}）"
    ws = wb.create_sheet(title=name[:31])
    w = _Writer(ws, write_only, named)
    columns = list(sheet.columns)
    if sheet.row_numbers:
        columns.insert(0, Column("_no", "序号", None, "code", 6))
    n = len(columns)
    widths = column_widths(columns, rows, sheet.total if last else None)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width

    # Everything written before the rows in the file (sheet properties, panes, columns) is set first:
    # a write-only sheet streams its rows and cannot go back.
    two_levels = any(c.group for c in columns)
    header_rows = (3, 4) if two_levels else (3, 3)
    ws.print_title_rows = f"{header_rows[0]}:{header_rows[1]}"
    ws.freeze_panes = (
        f"{get_column_letter(sheet.freeze_columns + 1 + int(sheet.row_numbers))}{header_rows[1] + 1}"
    )
    layout = page_layout(widths, [c.group for c in columns], int(sheet.row_numbers) + sheet.freeze_columns)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = PAPER_CODE[layout.paper]
    if layout.fit_width:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    else:
        ws.page_setup.scale = layout.scale
        if layout.repeat:
            ws.print_title_cols = f"A:{get_column_letter(layout.repeat)}"
        for _, end in layout.bands[:-1]:
            ws.col_breaks.append(Break(id=end))
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = SIDE_MARGIN_IN
    ws.page_margins.top = ws.page_margins.bottom = 0.6

    frame = frame_of(sheet.title, heading, widths, layout)
    title, info = [w.cell(None, "表题") for _ in range(n)], [w.cell(None, "表头信息") for _ in range(n)]
    for cells, spans in ((title, frame.titles), (info, frame.infos)):
        for first, _last, text in spans:
            cells[first - 1].value = text
    w.append(title, frame.title_height)
    w.append(info, frame.info_height)
    for row, spans in ((1, frame.titles), (2, frame.infos)):
        for lo, hi, _text in spans:
            w.merge(row, lo, row, hi)

    head_height = header_height(columns, widths)
    if two_levels:
        top = w.append(
            [w.cell(c.group or header_text(c), "表头") for c in columns], group_height(columns, widths)
        )
        bottom = w.append(
            [w.cell(None if not c.group else header_text(c), "表头") for c in columns], head_height
        )
        i = 1
        for group, members in groupby(columns, key=lambda c: c.group):
            span = len(list(members))
            if group:
                w.merge(top, i, top, i + span - 1)
            else:
                for j in range(i, i + span):
                    w.merge(top, j, bottom, j)
            i += span
    else:
        w.append([w.cell(header_text(c), "表头") for c in columns], head_height)

    keys = [c.key for c in sheet.columns]
    kinds = [c.kind for c in sheet.columns]
    styles = [STYLE_OF[k] for k in kinds]
    data = rows.reindex(columns=keys)
    offset = part * rows_per_sheet(sheet)
    # A streamed (large) sheet writes its text cells bare, without borders: styling every cell of a
    # million-row ledger would double the time it takes; numbers and dates keep their formats.
    bare = [write_only and k in ("text", "code") for k in kinds]
    heights = [None] * len(data) if write_only else _row_heights(data, sheet.columns, widths[-len(keys) :])
    for (number, values), height in zip(
        enumerate(data.itertuples(index=False, name=None), start=offset + 1), heights, strict=True
    ):
        cells = [w.cell(number, "代码")] if sheet.row_numbers else []
        cells += [
            as_typed(cell_value(k, v)) if b else w.cell(cell_value(k, v), s)
            for k, v, s, b in zip(kinds, values, styles, bare, strict=True)
        ]
        w.append(cells, height)
    if sheet.total is not None and last:
        label = [w.cell("合计", "代码合计")] if sheet.row_numbers else []
        cells = label + [
            w.cell(cell_value(k, sheet.total.get(c)), f"{s}合计")
            for c, k, s in zip(keys, kinds, styles, strict=True)
        ]
        w.append(cells)
    first0, last0 = frame.note_span
    for note in sheet.notes if last else ():
        cells = [w.cell(None, "说明") for _ in range(n)]
        cells[first0 - 1].value = note
        r = w.append(cells, frame.note_height(note))
        w.merge(r, first0, r, last0)


def rows_per_sheet(sheet: Sheet) -> int:
    return EXCEL_MAX_ROWS - 5 - len(sheet.notes) - (1 if sheet.total is not None else 0)


def _gathered(sheet: Sheet) -> Sheet:
    if sheet.more is None:
        return sheet
    rows = pd.concat([sheet.rows, *sheet.more], ignore_index=True)
    return replace(sheet, rows=rows, more=None)


def write_formatted(path: str | Path, sheets: Iterable[Sheet], heading: Heading) -> Path:
    """Write ``sheets`` (their ``more`` chunks gathered) as one fully styled openpyxl workbook at ``path``.

    :func:`hazardlib.exports.book_writer.write_workbook` chooses between this and the streamed writer."""
    sheets = [_gathered(s) for s in sheets]
    wb = Workbook()
    wb.remove(wb.active)
    named = {style.name: style for style in _styles()}
    for style in named.values():
        wb.add_named_style(style)
    for sheet in sheets:
        parts = list(_chunks(sheet.rows, rows_per_sheet(sheet)))
        for part, rows in enumerate(parts):
            _write_sheet(wb, named, sheet, heading, False, part, rows, part == len(parts) - 1)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


__all__ = ["Column", "Heading", "PageLayout", "Sheet", "display_width", "page_layout", "write_formatted"]
