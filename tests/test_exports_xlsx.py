"""The xlsx exports read back with openpyxl: an official form with title, headers, totals equal to the sum
of the county rows, formats, print setup, and no cell a spreadsheet would evaluate as a formula."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from python_calamine import CalamineWorkbook

from hazardlib import schema
from hazardlib.exports import book_writer, export, xlsx, xlsx_stream
from hazardlib.exports.cell_guard import FORMULA_STARTS, neutralise
from hazardlib.reports import REPORTS, results_list
from hazardlib.reports.definitions import COUNT_KEYS, FIGURES
from hazardlib.store import Store
from tests.test_reports_results_list import AS_OF, Campaign, hand_built

DANGEROUS = ['=HYPERLINK("http://x","点我")', "+SUM(A1:A9)", "-2+3", "@SUM(1)", "\t=1+1", "\r@SUM(1)"]


@pytest.fixture
def campaign_store(store: Store, engine_name: str, tmp_path: Path) -> Store:
    store = hand_built(store, engine_name, tmp_path)
    c = Campaign(store)
    ids = [
        c.hazard("A2", f"2024-07-{10 + i:02d}", "general", "2024-09-30", problem="C04")
        for i in range(len(DANGEROUS))
    ]
    c.enterprise("EVIL", "522723", "seller")
    with store.transaction("测试") as tx:  # as typed, past the forms' cleaning (a leading tab survives)
        for hazard_id, text in zip(ids, DANGEROUS, strict=True):
            tx.update(schema.hazards, hazard_id, {"description": text})
        tx.update(schema.enterprises, c.ids["EVIL"], {"name": "=1+2 恶意企业"})
    c.hazard("EVIL", "2024-07-20", "general", "2024-07-30", problem="C04")
    return store


def sheet_values(path: Path) -> tuple[Any, list[list[Any]]]:
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    return ws, [list(r) for r in ws.iter_rows(values_only=True)]


def title_of(rows: list[list[Any]]) -> str:
    """The form's title: the first text of row 1 (a form split across pages leaves the columns repeated
    on every page blank there)."""
    return next(v for v in rows[0] if v)


def assert_no_formula(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_STARTS), (
                        f"{ws.title}!{cell.coordinate}: {cell.value!r}"
                    )


def test_results_list_xlsx_is_an_official_form_with_totals_equal_to_the_county_rows(
    campaign_store: Store, tmp_path: Path
) -> None:
    path = export(
        "results-list", campaign_store, AS_OF, None, "xlsx", tmp_path / "成果清单.xlsx", preparer="王芳"
    )
    ws, rows = sheet_values(path)
    assert title_of(rows) == "2024年重点工业产品质量安全隐患排查治理行动成果清单"
    assert any("黔南州市场监督管理局" in str(v) for v in rows[1] if v)
    assert any("2024年8月20日" in str(v) for v in rows[1] if v)
    assert any("王芳" in str(v) for v in rows[1] if v)
    groups, headers = rows[2], rows[3]
    assert groups[:3] == ["序号", "行政区划代码", "县（市）"]
    assert [g for g in groups if g][3:] == [
        "检查一批生产和销售单位",
        "排查治理隐患、动态清零",
        "查处一批不合格产品",
        "约谈一批问题突出企业（含“三书一函”）",
        "打击一批质量违法违规行为",
        "曝光一批违法典型案例",
        "帮扶一批质量管理薄弱企业",
        "实施分类监管",
    ]
    assert [h.replace("\n", "") for h in headers[3:]] == [f.header for f in FIGURES]
    assert ws.freeze_panes == "D5" and ws.print_title_rows == "$3:$4"

    key_col = {f.key: i + 3 for i, f in enumerate(FIGURES)}
    counties, total = rows[4:16], rows[16]
    assert [r[1] for r in counties] == list(results_list(campaign_store, AS_OF)["county_code"][:12])
    assert total[0] == "合计" and total[1] == "522700"
    for key in COUNT_KEYS:
        assert total[key_col[key]] == sum(r[key_col[key]] for r in counties), key
    found, closed = total[key_col["hazards_found"]], total[key_col["hazards_closed"]]
    assert (found, closed) == (16, 1) and total[key_col["closure_rate"]] == pytest.approx(0.063)  # 6.25 → 6.3
    dujun = counties[0]
    assert dujun[key_col["hazards_found"]] == 11 and dujun[key_col["unqualified_rate"]] == pytest.approx(
        0.667
    )
    rate_cell = ws.cell(row=5, column=key_col["closure_rate"] + 1)
    assert rate_cell.number_format == "0.0%"
    assert ws.cell(row=5, column=key_col["hazards_found"] + 1).number_format == "#,##0"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.column_dimensions["C"].width >= xlsx.display_width("黔南布依族苗族自治州")
    assert_no_formula(path)


def test_results_list_xlsx_and_json_give_the_same_figures(campaign_store: Store, tmp_path: Path) -> None:
    xlsx_path = export("results-list", campaign_store, AS_OF, None, None, tmp_path / "list.xlsx")
    json_rows = json.loads(
        export("results-list", campaign_store, AS_OF, None, None, tmp_path / "list.json").read_text()
    )
    _, rows = sheet_values(xlsx_path)
    for sheet_row, json_row in zip(rows[4:17], json_rows, strict=True):
        assert sheet_row[1] == json_row["county_code"]
        for i, f in enumerate(FIGURES):
            got = sheet_row[i + 3]
            want = json_row[f.key]
            if f.kind == "rate":
                assert (got is None and want is None) or got * 100 == pytest.approx(want), f.key
            else:
                assert got == want, f.key


def test_every_table_report_exports_to_xlsx_without_formulas(campaign_store: Store, tmp_path: Path) -> None:
    for name, kind in REPORTS.items():
        if "xlsx" not in kind.formats:
            continue
        path = export(name, campaign_store, AS_OF, None, "xlsx", tmp_path / f"{name}.xlsx")
        ws, rows = sheet_values(path)
        assert kind.title in title_of(rows), name
        assert ws.print_title_rows and ws.freeze_panes, name
        assert_no_formula(path)


def test_user_text_that_looks_like_a_formula_is_neutralised(campaign_store: Store, tmp_path: Path) -> None:
    path = export("ledger", campaign_store, AS_OF, None, "xlsx", tmp_path / "台账.xlsx")
    assert_no_formula(path)
    _, rows = sheet_values(path)
    texts = {v for r in rows for v in r if isinstance(v, str)}
    assert "'=1+2 恶意企业" in texts and "'-2+3" in texts and "'\t=1+1" in texts and "'\r@SUM(1)" in texts
    assert neutralise("正常文字") == "正常文字" and neutralise(12) == 12
    csv_text = export("ledger", campaign_store, AS_OF, None, "csv", tmp_path / "台账.csv").read_text(
        "utf-8-sig"
    )
    frame = pd.read_csv(tmp_path / "台账.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert not any(str(v).startswith(FORMULA_STARTS) for v in frame.to_numpy().ravel())
    assert "'=1+2 恶意企业" in csv_text


def test_text_that_looks_like_an_xml_escape_shows_as_typed(campaign_store: Store, tmp_path: Path) -> None:
    """In a workbook ``_x0041_`` stands for "A"; openpyxl does not escape it, so the small form does."""
    typed = "批号_x0041_照录，_X00e9_ 也照录"
    with campaign_store.read() as conn:
        hazard_id = conn.execute(sa.select(sa.func.min(schema.hazards.c.id))).scalar_one()
    with campaign_store.transaction("测试") as tx:
        tx.update(schema.hazards, hazard_id, {"description": typed})
    path = export("ledger", campaign_store, AS_OF, None, "xlsx", tmp_path / "台账.xlsx")
    shown = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()  # as Excel reads it
    assert typed in {v for row in shown for v in row}


def test_the_ledger_form_starts_with_the_hazard_id(campaign_store: Store, tmp_path: Path) -> None:
    path = export("ledger", campaign_store, AS_OF, None, "xlsx", tmp_path / "台账.xlsx")
    ws, rows = sheet_values(path)
    assert rows[2][0] == "隐患编号" and rows[3][0] is None
    ids = [r[0] for r in rows[4:] if isinstance(r[0], int)]
    assert len(ids) == len(set(ids)) > 10
    assert ws.cell(row=5, column=1).number_format == "0"
    csv = pd.read_csv(
        export("ledger", campaign_store, AS_OF, None, "csv", tmp_path / "台账.csv"), encoding="utf-8-sig"
    )
    assert csv.columns[0] == "隐患编号" and sorted(csv["隐患编号"]) == sorted(ids)


def test_large_ledgers_are_streamed_in_write_only_mode(
    campaign_store: Store, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(xlsx, "WRITE_ONLY_ROWS", 5)
    created: list[bool] = []
    real = xlsx_stream.xlsxwriter.Workbook

    def spy(*args: Any, **kwargs: Any) -> Any:
        created.append(bool(args[1].get("constant_memory")))
        return real(*args, **kwargs)

    monkeypatch.setattr(xlsx_stream.xlsxwriter, "Workbook", spy)
    path = export("ledger", campaign_store, AS_OF, None, "xlsx", tmp_path / "台账.xlsx")
    assert created == [True]
    ws, rows = sheet_values(path)
    assert title_of(rows).endswith("问题整改台账") and rows[2][0] == "隐患编号"
    assert ws.freeze_panes == "B5" and ws.print_title_rows == "$3:$4"
    assert "B1:D1" in {str(m) for m in ws.merged_cells.ranges}  # the title over the first page band
    assert_no_formula(path)


def test_a_sheet_longer_than_the_row_limit_continues_on_another_sheet(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(xlsx, "EXCEL_MAX_ROWS", 12)
    rows = pd.DataFrame({"n": range(10), "name": [f"第{i}行" for i in range(10)]})
    sheet = xlsx.Sheet(
        "清单", "测试清单", [xlsx.Column("n", "数量（项）", None, "int"), xlsx.Column("name", "名称")], rows
    )
    path = book_writer.write_workbook(
        tmp_path / "long.xlsx", [sheet], xlsx.Heading("测试单位", dt.date(2024, 8, 20)), write_only=True
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["清单", "清单（续1）"]
    numbers = [
        r[1]
        for ws in wb.worksheets
        for r in ws.iter_rows(min_row=4, values_only=True)
        if isinstance(r[1], int)
    ]
    assert numbers == list(range(10))


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def check_converts_to_pdf(binary: str, files: list[Path], out: Path) -> None:
    env = {**os.environ, "HOME": str(out.parent)}  # a profile of its own: no clash with a running LibreOffice
    result = subprocess.run(
        [binary, "--headless", "--convert-to", "pdf", "--outdir", str(out), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    for f in files:
        pdf = out / f"{f.stem}.pdf"
        assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF"), (
            f"{f.name}: {result.stdout}{result.stderr}"
        )


@pytest.mark.slow
def test_the_xlsx_exports_open_in_libreoffice(campaign_store: Store, tmp_path: Path) -> None:
    binary = soffice()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI 必须安装 LibreOffice（libreoffice-calc-nogui）以检查导出的 Excel 文件")
        pytest.skip("未安装 LibreOffice（soffice）")
    files = [
        export(name, campaign_store, AS_OF, None, "xlsx", tmp_path / f"{name}.xlsx")
        for name in ("results-list", "ledger", "county-comparison")
    ]
    check_converts_to_pdf(binary, files, tmp_path / "pdf")


@pytest.mark.slow
def test_the_word_drafts_open_in_libreoffice(campaign_store: Store, tmp_path: Path) -> None:
    binary = soffice()
    writer = binary and (Path(os.path.realpath(binary)).parent / "libswlo.so").exists()
    if not writer:
        if os.environ.get("CI"):
            pytest.fail("CI 必须安装 LibreOffice Writer（libreoffice-writer-nogui）以检查导出的 Word 文稿")
        pytest.skip("未安装 LibreOffice Writer（libreoffice-writer-nogui）")
    files = [
        export("stage-summary", campaign_store, AS_OF, "522701", "docx", tmp_path / "stage-summary.docx")
    ]
    check_converts_to_pdf(str(binary), files, tmp_path / "pdf")


@pytest.mark.parametrize("streamed", [False, True], ids=["formatted", "streamed"])
def test_a_note_of_several_lines_shows_its_lines_in_excel(tmp_path: Path, streamed: bool) -> None:
    """A note keeps the line breaks typed in it (fields.Lines): its cell wraps, or Excel shows its lines run
    together on one line; a cell of one line in the streamed form carries no format (written bare, for speed)."""
    note, line = "第一处：进货查验记录不全\n第二处：未见合格证明", "一行的说明"
    rows = pd.DataFrame({"name": ["甲公司", "乙公司"], "note": [note, line]})
    sheet = xlsx.Sheet(
        "台账", "测试台账", [xlsx.Column("name", "企业名称"), xlsx.Column("note", "备注")], rows
    )
    path = book_writer.write_workbook(
        tmp_path / "notes.xlsx", [sheet], xlsx.Heading("测试单位", dt.date(2024, 8, 20)), write_only=streamed
    )
    ws = openpyxl.load_workbook(path).active
    cells = {c.value: c for row in ws.iter_rows(min_row=4) for c in row if c.value in (note, line)}
    assert set(cells) == {note, line}  # the line breaks kept in the cell
    assert cells[note].alignment.wrap_text
    if streamed:
        assert not cells[line].alignment.wrap_text
