"""Reading the sheets of an xlsx, xls or csv file as rows of cell values, with their Excel row numbers.

- ``.xlsx``: python-calamine for ordinary sheets (fast; each sheet read once, however often its rows
  are asked for), the streaming reader of :mod:`hazardlib.intake.sheet_reader` (calamine a piece at a
  time) for sheets too large to hold in memory, and for sparse ones: calamine pads a sheet to the dense
  rectangle from A1 to its last cell, so a sheet whose rectangle exceeds the cell budget
  (:attr:`Limits.max_cells`, measured from the XML before calamine sees it) is read in pieces, each
  piece measured the same way, and a piece that still exceeds it refuses the file;
- ``.xls``: python-calamine, once :func:`~hazardlib.intake.safety.check_xls` has measured every sheet
  against the cell budget (calamine reads them all, densely, as it opens the file);
- ``.csv``: UTF-8 with or without BOM, or GB18030 (what Chinese Excel and WPS write), streamed.

Every file is checked by :mod:`hazardlib.intake.safety` before a parser sees it.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import python_calamine

from . import sheet_reader
from .safety import (
    EXCEL_COLUMNS,
    LIMITS,
    NOT_EXCEL,
    FileRefused,
    Limits,
    check_xls,
    check_xlsx,
    csv_encoding,
    file_format,
    too_many_cells,
)

META_SHEET = "_meta"
LISTS_SHEET = "lists"
INSTRUCTIONS_SHEET = "说明"
FINDINGS_SHEET = "问题清单"
NOT_DATA = {META_SHEET, LISTS_SHEET, INSTRUCTIONS_SHEET, FINDINGS_SHEET}

Row = tuple[int, list[Any]]


@dataclass
class SheetInfo:
    name: str
    visible: bool
    rows: int | None  # the last row number, where the file says it up front


class SpreadsheetFile:
    """An opened, checked file: its data sheets, the template's hidden metadata, and rows on demand."""

    def __init__(self, path: Path, limits: Limits = LIMITS):
        self.path = Path(path)
        self.limits = limits
        self.format = file_format(self.path, limits)
        self._calamine: python_calamine.CalamineWorkbook | None = None
        self._archive: zipfile.ZipFile | None = None
        self._book = sheet_reader.BookParts()
        self._parts: dict[str, str] = {}
        self._loaded: dict[str, list[list[Any]]] = {}
        self._sizes: dict[str, int] = {}
        self._extents: dict[str, sheet_reader.Extent | None] = {}
        self.sheets: list[SheetInfo] = []
        self.meta: dict[str, str] = {}
        if self.format == "csv":
            self._encoding = csv_encoding(self.path)
            self.sheets = [SheetInfo(self.path.stem, True, None)]
            return
        if self.format == "xlsx":
            self._sizes = check_xlsx(self.path, limits)
        else:
            check_xls(self.path, limits)
        self._open_calamine()
        if self.format == "xlsx":
            self._archive = zipfile.ZipFile(self.path)
            try:
                self._book = sheet_reader.book_parts(self._archive)
                self._parts = self._book.sheets
            except (
                sheet_reader.DtdRefused,
                ValueError,
                KeyError,
                Exception,
            ) as exc:  # expat.ExpatError is an Exception
                self.close()
                raise FileRefused(
                    self.path.name, f"{NOT_EXCEL}（工作簿结构无法读取：{type(exc).__name__}）"
                ) from None
        self.meta = self._read_meta()

    # -- opening ------------------------------------------------------------------------------
    def _open_calamine(self) -> None:
        try:
            book = python_calamine.CalamineWorkbook.from_path(str(self.path))
            metadata = book.sheets_metadata
        except python_calamine.PasswordError:
            raise FileRefused(self.path.name, f"{NOT_EXCEL}（设置了打开密码）", "encrypted") from None
        except Exception as exc:  # calamine raises its own and plain errors for damaged files
            raise FileRefused(
                self.path.name, f"{NOT_EXCEL}（文件已损坏或格式不对：{type(exc).__name__}）", "damaged"
            ) from None
        self._calamine = book
        self.sheets = [
            SheetInfo(m.name, m.visible == python_calamine.SheetVisibleEnum.Visible, None)
            for m in metadata
            if m.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]

    def _read_meta(self) -> dict[str, str]:
        if self._calamine is None or META_SHEET not in {s.name for s in self.sheets}:
            return {}
        extent = self._extent(META_SHEET)
        if extent is not None and extent.from_a1 > self.limits.max_cells:
            raise too_many_cells(self.path.name, META_SHEET, 1, extent.bottom, extent.right, self.limits)
        rows = self._calamine.get_sheet_by_name(META_SHEET).to_python(skip_empty_area=False)
        return {str(r[0]).strip(): str(r[1]).strip() for r in rows if len(r) >= 2 and str(r[0]).strip()}

    def close(self) -> None:
        self._loaded.clear()
        if self._calamine is not None:
            self._calamine.close()
            self._calamine = None
        if self._archive is not None:
            self._archive.close()
            self._archive = None

    def __enter__(self) -> SpreadsheetFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------------------
    def data_sheets(self) -> list[str]:
        """Visible sheets that may hold records (not the template's instructions, lists or metadata)."""
        return [s.name for s in self.sheets if s.visible and s.name not in NOT_DATA]

    def streamed(self, sheet: str) -> bool:
        """Whether this sheet is read by the streaming reader (it is too large for calamine's in-memory one)."""
        part = self._parts.get(sheet)
        return part is not None and self._sizes.get(part, 0) > self.limits.stream_above_bytes

    def declared_rows(self, sheet: str) -> int | None:
        """The number of the last row, as the sheet's header says (xlsx only), before reading it."""
        part = self._parts.get(sheet)
        if self._archive is None or part is None:
            return None
        try:
            return sheet_reader.dimension_rows(self._archive, part)
        except (KeyError, zipfile.BadZipFile):
            return None

    def rows(self, sheet: str) -> Iterator[Row]:
        """(Excel row number, values from column A) for each row of ``sheet``; empty cells are None."""
        if self.format == "csv":
            yield from self._csv_rows()
            return
        if self._archive is not None and (self.streamed(sheet) or not self._fits(sheet)):
            yield from self._streamed_rows(sheet)
            return
        yield from enumerate(self._load(sheet), start=1)
        self._loaded.pop(sheet, None)  # read through: the import is done with it

    def _fits(self, sheet: str) -> bool:
        """Whether calamine may read the sheet whole: the rectangle from A1 to its last cell, which it
        builds densely, is within the cell budget."""
        extent = self._extent(sheet)
        return extent is None or extent.from_a1 <= self.limits.max_cells

    def _extent(self, sheet: str) -> sheet_reader.Extent | None:
        """Where the sheet's cells are, measured from its XML (not from its ``<dimension>``, which the
        writer states and a hostile file can understate) before calamine reads it; once per sheet."""
        if sheet in self._extents:
            return self._extents[sheet]
        assert self._archive is not None
        part = self._parts.get(sheet)
        if part is None:  # calamine would find a sheet the workbook's relationships do not point to
            raise FileRefused(self.path.name, f"工作表“{sheet}”无法读取（找不到它的部件）", "damaged")
        try:
            extent = sheet_reader.sheet_extent(self._archive, part)
        except sheet_reader.UnreadableCell:
            raise FileRefused(
                self.path.name, f"工作表“{sheet}”无法读取（单元格的写法不对）", "damaged"
            ) from None
        except (zipfile.BadZipFile, EOFError, OSError, KeyError) as exc:
            raise FileRefused(
                self.path.name, f"{NOT_EXCEL}（文件已损坏：{type(exc).__name__}）", "damaged"
            ) from None
        self._extents[sheet] = extent
        return extent

    def _load(self, sheet: str) -> list[list[Any]]:
        """The sheet's rows read by calamine, once (the header is looked for, then the rows imported)."""
        if sheet in self._loaded:
            return self._loaded[sheet]
        assert self._calamine is not None
        try:
            found = self._calamine.get_sheet_by_name(sheet)
            data = found.to_python(skip_empty_area=False)
            merged = found.merged_cell_ranges or []
        except Exception as exc:
            raise FileRefused(
                self.path.name, f"工作表“{sheet}”无法读取（{type(exc).__name__}）", "damaged"
            ) from None
        rows = [sheet_reader.blank_to_none(values) for values in data]
        _fill_down(rows, merged)
        self._loaded[sheet] = rows
        return rows

    def _streamed_rows(self, sheet: str) -> Iterator[Row]:
        assert self._archive is not None
        try:
            yield from sheet_reader.iter_sheet(
                self._archive, self._parts[sheet], self._book, self.limits.max_cells
            )
        except sheet_reader.TooManyCells as exc:
            found = exc.extent
            raise too_many_cells(
                self.path.name, sheet, found.top, found.bottom, found.right, self.limits
            ) from None
        except sheet_reader.UnreadableCell:
            raise FileRefused(
                self.path.name, f"工作表“{sheet}”无法读取（单元格的写法不对）", "damaged"
            ) from None
        except sheet_reader.DtdRefused:
            raise FileRefused(self.path.name, f"{NOT_EXCEL}（含有 DOCTYPE 声明）", "xml_entities") from None
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise FileRefused(
                self.path.name, f"{NOT_EXCEL}（文件已损坏：{type(exc).__name__}）", "damaged"
            ) from None
        except Exception as exc:  # calamine raises its own and plain errors for a damaged sheet
            raise FileRefused(
                self.path.name, f"{NOT_EXCEL}（工作表内容格式错误：{type(exc).__name__}）", "damaged"
            ) from None

    def _csv_rows(self) -> Iterator[Row]:
        previous = csv.field_size_limit()
        csv.field_size_limit(self.limits.max_csv_field_bytes)
        try:
            with open(self.path, encoding=self._encoding, newline="") as handle:
                sample = handle.read(64 * 1024)
                handle.seek(0)
                try:
                    dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
                except csv.Error:
                    dialect = csv.excel
                number = 0
                try:
                    lines = self._csv_lines(handle, dialect.delimiter)
                    for number, values in enumerate(csv.reader(lines, dialect), start=1):
                        yield number, [v if v.strip() else None for v in values]
                except csv.Error as exc:
                    raise FileRefused(
                        self.path.name, f"CSV 文件格式错误或单元格过长（第{number + 1}行附近：{exc}）", "csv"
                    ) from None
        finally:
            csv.field_size_limit(previous)

    def _csv_lines(self, handle: Iterator[str], delimiter: str) -> Iterator[str]:
        """The file's lines, each checked before the csv module splits it into a list of cells: a line of
        more than Excel's 16,384 columns (a few kilobytes of commas make millions) refuses the file."""
        for number, line in enumerate(handle, start=1):
            if line.count(delimiter) >= EXCEL_COLUMNS:
                raise FileRefused(
                    self.path.name,
                    f"CSV 文件第 {number:,} 行有 {line.count(delimiter) + 1:,} 列，超过上限 {EXCEL_COLUMNS:,} 列"
                    "（Excel 的最大列数）；请检查文件是否由表格软件正确导出",
                    "too_many_cells",
                )
            yield line


def _fill_down(rows: list[list[Any]], merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    """Give every cell of a one-column merged range the value of its top cell: an enterprise's name merged
    over the rows of its hazards belongs to each of them. Wider merges (titles, notes) are left alone."""
    for (top, col), (bottom, last_col) in merged:
        if col != last_col or bottom <= top or top >= len(rows) or col >= len(rows[top]):
            continue
        value = rows[top][col]
        for r in range(top + 1, min(bottom, len(rows) - 1) + 1):
            if col < len(rows[r]) and rows[r][col] is None:
                rows[r][col] = value
