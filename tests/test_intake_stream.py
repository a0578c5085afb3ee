"""The streaming reader cuts a large sheet into pieces and reads each with calamine: whatever the cuts, it
must give the rows calamine gives reading the whole sheet."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from hazardlib.intake import FileRefused, Limits, sheet_reader
from hazardlib.intake.readers import SpreadsheetFile

WHOLE = Limits(stream_above_bytes=1 << 40)
STREAMED = Limits(stream_above_bytes=0)


def book(path: Path, *, epoch_1904: bool = False) -> Path:
    """A sheet with a title, a header, text, numbers, dates, blank stretches and rows starting further right."""
    wb = Workbook()
    if epoch_1904:
        wb.epoch = CALENDAR_MAC_1904
    sheet = wb.active
    assert sheet is not None
    sheet.title = "企业名录"
    sheet.append(["黔南州企业名录（测试）"])
    sheet.append(["序号", "统一社会信用代码", "企业名称", "登记日期", "人数"])
    for i in range(1, 400):
        row = 3 + i + (40 if i > 150 else 0)  # rows 154-193 left empty
        if i % 37 == 0:
            sheet.cell(row, 3, f"只有名称{i}")  # a row holding nothing in columns A and B
            continue
        values = [
            i,
            f"9152270{i:011d}",
            f"第{i}号企业　有限公司",
            dt.date(2024, 1, 1) + dt.timedelta(days=i),
            i * 1.5,
        ]
        for column, value in enumerate(values, start=1):
            sheet.cell(row, column, value)
    sheet.cell(700, 2, "最后一行")
    wb.save(path)
    return path


def without_row_numbers(path: Path, out: Path) -> Path:
    """The same workbook with no r="…" on its rows and cells (some writers leave them out)."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'(<(?:row|c)\b[^>]*?)\sr="[A-Z]*\d+"', rb"\1", data)
            target.writestr(info, data)
    return out


def rows(path: Path, limits: Limits) -> list[tuple[int, list[Any]]]:
    with SpreadsheetFile(path, limits) as sheets:
        (name,) = sheets.data_sheets()
        assert sheets.streamed(name) == (limits is STREAMED)
        found = []
        for number, values in sheets.rows(name):
            values = list(values)
            while values and values[-1] is None:
                values.pop()
            found.append((number, values))
        return found


@pytest.mark.parametrize("epoch_1904", [False, True], ids=["1900", "1904"])
def test_a_sheet_cut_into_many_pieces_reads_as_calamine_reads_it_whole(tmp_path, monkeypatch, epoch_1904):
    path = book(tmp_path / "企业名录.xlsx", epoch_1904=epoch_1904)
    whole = rows(path, WHOLE)
    monkeypatch.setattr(sheet_reader, "PIECE_BYTES", 2048)
    monkeypatch.setattr(sheet_reader, "INFLATE_BYTES", 500)  # inflated half a kilobyte at a time
    pieces = list(
        sheet_reader.sheet_pieces(zipfile.ZipFile(path), "xl/worksheets/sheet1.xml", sheet_reader.PIECE_BYTES)
    )
    assert len(pieces) > 10
    assert rows(path, STREAMED) == whole
    assert whole[3] == (4, [1.0, "915227000000000001", "第1号企业　有限公司", dt.date(2024, 1, 2), 1.5])
    assert [n for n, _ in whole] == list(range(1, 701))  # every row up to the last, blank ones too


def test_a_sheet_whose_rows_do_not_say_their_numbers_is_read_in_one_piece(tmp_path, monkeypatch):
    path = without_row_numbers(book(tmp_path / "a.xlsx"), tmp_path / "b.xlsx")
    monkeypatch.setattr(sheet_reader, "PIECE_BYTES", 2048)
    monkeypatch.setattr(sheet_reader, "INFLATE_BYTES", 500)  # inflated half a kilobyte at a time
    pieces = list(
        sheet_reader.sheet_pieces(zipfile.ZipFile(path), "xl/worksheets/sheet1.xml", sheet_reader.PIECE_BYTES)
    )
    assert len(pieces) == 1
    assert rows(path, STREAMED) == rows(path, WHOLE)


def _reading_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("xlsx-piece")]


def test_a_piece_read_ahead_fails_as_it_would_read_in_turn(tmp_path, monkeypatch):
    """The next piece is read by a second thread: its failure reaches the import as the file's refusal, and
    no reading thread is left behind, whether the rows were all read or the reading stopped early."""
    path = book(tmp_path / "企业名录.xlsx")
    monkeypatch.setattr(sheet_reader, "PIECE_BYTES", 2048)
    read = sheet_reader.PieceReader.rows
    calls = 0

    def failing(self: Any, sheet_xml: bytes) -> Any:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise ValueError("damaged piece")
        return read(self, sheet_xml)

    with SpreadsheetFile(path, STREAMED) as sheets:
        (name,) = sheets.data_sheets()
        head = sheets.rows(name)
        assert next(head)[0] == 1
        head.close()  # the header is looked for in the first rows, then the reading stops
        assert _reading_threads() == []
        part = sheets.rows(name)
        assert [n for n, _values in itertools.islice(part, 300)][-1] == 300  # well into the pieces read ahead
        assert _reading_threads() != []
        part.close()
        assert _reading_threads() == []
        monkeypatch.setattr(sheet_reader.PieceReader, "rows", failing)
        with pytest.raises(FileRefused, match="工作表内容格式错误：ValueError"):
            for _number, _values in sheets.rows(name):
                pass
    assert calls == 4 and _reading_threads() == []
