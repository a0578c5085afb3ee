"""A long ledger streamed with xlsxwriter (constant memory) and read back from the .xlsx file: the same
cells as the small form openpyxl writes (values, dates, safe text), with the title, heading and header
styles of the form and the number formats of its data cells."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from hazardlib import schema
from hazardlib.exports import export, xlsx, xlsx_stream
from hazardlib.exports.cell_guard import ILLEGAL_CHARACTERS_RE
from hazardlib.exports.report_forms import TABLES
from hazardlib.reports import ledgers
from hazardlib.reports.scope import scope_for
from hazardlib.store import Store
from tests.test_reports_results_list import AS_OF, Campaign, hand_built

# Descriptions as typed: a formula, a control character XML cannot hold, xlsxwriter's own escape
# sequence, spaces at both ends, and XML's special characters.
TEXTS = ["=1+2 公式", "响铃\x07字符", "_x0041_ 像转义", "  前后空格  ", "<标签> & “引号”"]
SHOWN = ["'=1+2 公式", "响铃字符", "_x0041_ 像转义", "  前后空格  ", "<标签> & “引号”"]


@pytest.fixture
def campaign_store(store: Store, engine_name: str, tmp_path: Path) -> Store:
    store = hand_built(store, engine_name, tmp_path)
    c = Campaign(store)
    ids = [
        c.hazard("A2", f"2024-07-{10 + i:02d}", "general", "2024-09-30", problem="C04")
        for i in range(len(TEXTS))
    ]
    with store.transaction("测试") as tx:
        for hazard_id, text in zip(ids, TEXTS, strict=True):
            tx.update(schema.hazards, hazard_id, {"description": text})
    return store


def _values(path: Path) -> list[list[Any]]:
    """The first sheet's cells as a spreadsheet shows them (python-calamine decodes text as Excel does)."""
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def _widths(ws: Any) -> dict[int, float]:
    return {i: d.width for d in ws.column_dimensions.values() for i in range(d.min, d.max + 1)}


def test_the_streamed_ledger_reads_back_as_the_small_form(
    campaign_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledgers, "CHUNK_ROWS", 4)  # several chunks, each written as it comes
    streamed = export("ledger", campaign_store, AS_OF, None, "xlsx", tmp_path / "流式.xlsx", write_only=True)
    small = export("ledger", campaign_store, AS_OF, None, "xlsx", tmp_path / "小表.xlsx", write_only=False)
    rows, ref_rows = _values(streamed), _values(small)
    # Cell for cell the small form, title, heading, both header rows and notes included (the text that
    # looks like an escape sequence too: each writer escapes it, so a spreadsheet shows it as typed).
    assert rows == ref_rows
    assert rows[2][:5] == ["隐患编号", "企业", "", "", "隐患情况"] and rows[3][:3] == [
        "",
        "县（市）",
        "企业名称",
    ]

    # The values themselves, against the ledger's frame: the hazard id as a number, dates as dates, empty
    # cells for missing values, text made safe to open.
    scope = scope_for(campaign_store, AS_OF)
    frame = TABLES["ledger"].build(campaign_store, scope).reset_index(drop=True)
    columns = TABLES["ledger"].columns(scope)
    data = rows[4 : 4 + len(frame)]
    assert len(frame) > 12 and next(v for v in rows[4 + len(frame)] if v).startswith("说明")
    for r, (_, row) in zip(data, frame.iterrows(), strict=True):
        for cell, col in zip(r, columns, strict=True):
            value = row[col.key]
            if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
                assert cell == "", (col.key, value, cell)
            elif col.kind == "date":
                assert cell == value, col.key
            elif col.kind in ("id", "int"):
                assert cell == int(value), col.key
            elif col.key != "description":
                assert cell == str(value), col.key
    described = dict(zip(frame["hazard_id"], frame["description"], strict=True))
    at = [c.key for c in columns].index("description")
    shown = {described[int(r[0])]: r[at] for r in data}
    assert [shown[t] for t in TEXTS] == SHOWN

    # Formats (read with openpyxl): ids, dates and counts keep their number formats, text is bare; the
    # title, heading and header cells are styled as in the small form.
    ws, ref = openpyxl.load_workbook(streamed).worksheets[0], openpyxl.load_workbook(small).worksheets[0]
    late = 5 + int(frame.index[frame["overdue"]][0])  # a row with overdue days
    formats = {c.key: ws.cell(row=late, column=j).number_format for j, c in enumerate(columns, start=1)}
    assert formats["hazard_id"] == "0" and formats["found_date"] == formats["deadline"] == "yyyy-mm-dd"
    assert formats["overdue_days"] == "#,##0" and formats["description"] == "General"
    assert ws.cell(row=late, column=12).border.left.style is None
    for name in ("A1", "A2", "A3", "B3", "B4", "U4"):
        cell, ref_cell = ws[name], ref[name]
        assert (cell.font.name, cell.font.sz, bool(cell.font.b), cell.alignment.horizontal) == (
            ref_cell.font.name,
            ref_cell.font.sz,
            bool(ref_cell.font.b),
            ref_cell.alignment.horizontal,
        ), name
    assert (ws["A1"].font.name, ws["A1"].font.sz, ws["A1"].font.b) == ("黑体", 16, True)
    for name in ("A3", "B3", "B4", "U4"):
        cell = ws[name]
        assert cell.font.b and cell.fill.fgColor.rgb.endswith("D9E1F2") and cell.border.left.style == "thin"
    assert {str(m) for m in ws.merged_cells.ranges} == {str(m) for m in ref.merged_cells.ranges}
    # Column widths as set (xlsxwriter adds its padding of 0.71 and joins neighbours of the same width).
    widths, ref_widths = _widths(ws), _widths(ref)
    assert len(widths) == len(columns) and widths.keys() == ref_widths.keys()
    assert all(abs(widths[i] - ref_widths[i]) < 1 for i in widths), (widths, ref_widths)


ODD = [
    None, np.nan, pd.NA, pd.NaT, np.float64("nan"), "", "文字", "=1+1", "\t@SUM(1)", "a\x01b", "\x02=2",
    12, np.int64(7), 3.5, True, dt.date(2024, 5, 1), pd.Timestamp("2024-05-02"), "2024-05-03",
]  # fmt: skip


@pytest.mark.parametrize("kind", ["text", "code", "date", "int", "id", "number", "percent"])
def test_a_columns_cells_are_what_value_makes_of_each(kind: xlsx.Kind) -> None:
    values: list[Any] = []
    for v in ODD:
        try:
            values.append((v, xlsx.cell_value(kind, v)))
        except (TypeError, ValueError):
            continue  # not a value of this kind
    expected = []  # what the form writes: a date column's dates as Excel's serial numbers
    for _, cell in values:
        cell = xlsx_stream.writable_cell(cell)
        expected.append(
            xlsx_stream.excel_serial(cell) if kind == "date" and isinstance(cell, dt.datetime) else cell
        )
    got = xlsx_stream.column_cells(kind, [v for v, _ in values])
    assert got == expected
    # Without a character XML cannot hold, a text column takes the quick path: the same cells.
    keep = [
        i for i, (v, _) in enumerate(values) if not (isinstance(v, str) and ILLEGAL_CHARACTERS_RE.search(v))
    ]
    assert len(keep) < len(values) or kind not in ("text", "code")
    assert xlsx_stream.column_cells(kind, [values[i][0] for i in keep]) == [expected[i] for i in keep]
