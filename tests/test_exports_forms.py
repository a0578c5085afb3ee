"""The stamped forms speak to their readers (issue 19 item 9): the preparer is a person or a blank, never
系统; the form is dated by its figures, not by the machine's clock; no developer path in a note (the results
list's definitions are its second sheet, 指标说明); the header groups in the plan's words; and the printed
form legible: every character at 9 pt or larger once the page is scaled."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils import get_column_letter

from hazardlib.campaign import campaign_at
from hazardlib.cli import main
from hazardlib.exports import export
from hazardlib.exports.report_forms import DEFINITIONS_SHEET, PLAN_GROUPS
from hazardlib.exports.xlsx import MIN_PRINTED_PT, page_layout
from hazardlib.reports import REPORTS
from hazardlib.reports.extra import ordered_figures
from hazardlib.store import Store
from tests.test_exports_xlsx import check_converts_to_pdf, soffice
from tests.test_reports_results_list import AS_OF, hand_built

LANDSCAPE_IN = {9: 297 / 25.4, 8: 420 / 25.4}  # paper code → landscape width in inches (A4, A3)
XLSX_REPORTS = [name for name, kind in REPORTS.items() if "xlsx" in kind.formats]


@pytest.fixture
def built(store: Store, engine_name: str, tmp_path: Path) -> Store:
    return hand_built(store, engine_name, tmp_path)


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, ["report", *args])
    assert result.exit_code == 0, result.output
    return result.output


def texts(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [
        str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None
    ]


def heading(path: Path) -> str:
    ws = openpyxl.load_workbook(path).worksheets[0]
    return "　".join(str(c.value) for c in ws[2] if c.value)


def test_the_results_list_names_a_person_or_leaves_a_blank_and_is_dated_by_its_figures(
    built: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HAZARD_USER", raising=False)
    monkeypatch.setenv("USER", "root")  # the machine's login is nobody's name on a form
    common = ("--db", built.url, "--as-of", AS_OF.isoformat())

    nobody = tmp_path / "无人.xlsx"
    cli("results-list", *common, "-o", str(nobody))
    line = heading(nobody)
    assert "填表人：　　　　" in line and "系统" not in line and "root" not in line  # a blank to write in
    assert f"填报日期：{AS_OF.year}年{AS_OF.month}月{AS_OF.day}日" in line  # the figures' date
    today = dt.date.today()
    assert today == AS_OF or f"{today.year}年{today.month}月{today.day}日" not in line
    assert not any("docs/" in t for t in texts(nobody))
    assert openpyxl.load_workbook(nobody).sheetnames == ["行动成果清单", DEFINITIONS_SHEET]

    user = tmp_path / "用户.xlsx"
    cli("results-list", *common, "--user", "李明", "-o", str(user))
    assert "填表人：李明" in heading(user)
    preparer = tmp_path / "填表人.xlsx"
    cli("results-list", *common, "--user", "李明", "--preparer", "王芳", "-o", str(preparer))
    assert "填表人：王芳" in heading(preparer)


def test_a_session_of_nobody_in_particular_leaves_the_preparer_blank(built: Store, tmp_path: Path) -> None:
    path = export("results-list", built, AS_OF, None, "xlsx", tmp_path / "清单.xlsx", preparer="系统")
    assert "填表人：　　　　" in heading(path)
    path = export("results-list", built, AS_OF, None, "xlsx", tmp_path / "清单2.xlsx", preparer="张三")
    assert "填表人：张三" in heading(path)


def test_the_definitions_sheet_explains_every_figure_under_the_plans_group(
    built: Store, tmp_path: Path
) -> None:
    path = export("results-list", built, AS_OF, None, "xlsx", tmp_path / "清单.xlsx")
    wb = openpyxl.load_workbook(path)
    rows = [r for r in wb[DEFINITIONS_SHEET].iter_rows(min_row=4, values_only=True) if isinstance(r[0], int)]
    figures = ordered_figures(campaign_at(AS_OF))
    assert [(r[2], r[3]) for r in rows] == [(f.label, f.unit) for f in figures]
    assert all(r[4] for r in rows)  # a definition for each
    groups = {r[1] for r in rows}
    assert "曝光一批违法典型案例" in groups and set(PLAN_GROUPS.values()) <= groups
    assert {r[1] for r in rows if r[2] == "曝光典型案例"} == {"曝光一批违法典型案例"}
    form = wb.worksheets[0]
    assert any("本工作簿“指标说明”表" in str(c.value) for row in form.iter_rows() for c in row if c.value)


def printed(ws: Any) -> tuple[float, list[float]]:
    """The scale a sheet prints at and the width of each printed page (points, before scaling), worked
    out from what the file says: column widths, paper, margins, fit or scale, breaks, repeated columns."""
    widths = [
        (7.0 * (ws.column_dimensions[get_column_letter(i)].width or 8.43) + 5.0) * 0.75
        for i in range(1, ws.max_column + 1)
    ]
    page = (LANDSCAPE_IN[int(ws.page_setup.paperSize)] - ws.page_margins.left - ws.page_margins.right) * 72
    if ws.sheet_properties.pageSetUpPr.fitToPage:
        return min(1.0, page / sum(widths)), [sum(widths)]
    repeat = 0
    if ws.print_title_cols:
        last = ws.print_title_cols.split(":")[1].replace("$", "")
        repeat = openpyxl.utils.column_index_from_string(last)
    cuts = [b.id for b in ws.col_breaks.brk] + [ws.max_column]
    pages, start = [], repeat
    for cut in cuts:
        pages.append(sum(widths[:repeat]) + sum(widths[start:cut]))
        start = cut
    return int(ws.page_setup.scale) / 100.0, pages


@pytest.mark.parametrize("name", XLSX_REPORTS)
def test_every_printed_form_is_legible_at_9_pt_and_fits_its_pages(
    built: Store, tmp_path: Path, name: str
) -> None:
    path = export(name, built, AS_OF, None, "xlsx", tmp_path / f"{name}.xlsx")
    for ws in openpyxl.load_workbook(path).worksheets:
        scale, pages = printed(ws)
        page = (
            LANDSCAPE_IN[int(ws.page_setup.paperSize)] - ws.page_margins.left - ws.page_margins.right
        ) * 72
        assert all(width * scale <= page + 0.5 for width in pages), (name, ws.title, scale, pages, page)
        smallest = min(c.font.sz for row in ws.iter_rows() for c in row if c.value is not None)
        assert smallest * scale >= MIN_PRINTED_PT, (name, ws.title, smallest, scale)
        assert not any("docs/" in str(c.value) for row in ws.iter_rows() for c in row if c.value)


def test_a_form_one_column_too_wide_for_a_legible_page_is_split_at_its_groups() -> None:
    # A4 landscape prints 784 pt between the margins (3% kept back); 10-pt notes may shrink to 90%.
    too_wide = [10.0] * 19  # 19 × 56.25 pt = 1069 pt: 0.71 of a page — too small
    assert not page_layout(too_wide, [None] * 19, 1).fit_width
    narrow = [10.0] * 14  # 14 × 56.25 = 787.5 pt → 0.966 ≥ 0.9: one page wide
    assert page_layout(narrow, [None] * 14, 1).fit_width
    wider = [10.0] * 16  # 900 pt → 0.845 < 0.9: split
    layout = page_layout(wider, [None, None, *["甲"] * 7, *["乙"] * 7], 2)
    assert not layout.fit_width and layout.bands == ((3, 9), (10, 16)) and layout.repeat == 2
    assert layout.scale == 100


def test_the_summary_drafts_carry_no_developer_path_and_the_figures_date(
    built: Store, tmp_path: Path
) -> None:
    for name in ("stage-summary", "work-summary"):
        path = export(name, built, AS_OF, "522701", "docx", tmp_path / f"{name}.docx")
        document = docx.Document(str(path))
        paragraphs = [p.text for p in document.paragraphs]
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        assert not any("docs/" in t or re.search(r"\.py\b|\.md\b", t) for t in (*paragraphs, *cells))
        assert f"{AS_OF.year}年{AS_OF.month}月{AS_OF.day}日" in [p.strip() for p in paragraphs[-3:]]
        assert "曝光一批违法典型案例" in cells


@pytest.mark.slow
def test_the_split_results_list_converts_to_pdf_one_page_per_band(built: Store, tmp_path: Path) -> None:
    binary = soffice()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI 必须安装 LibreOffice（libreoffice-calc-nogui）以检查导出的 Excel 文件")
        pytest.skip("未安装 LibreOffice（soffice）")
    path = export("results-list", built, AS_OF, None, "xlsx", tmp_path / "results-list.xlsx")
    check_converts_to_pdf(binary, [path], tmp_path / "pdf")
    ws = openpyxl.load_workbook(path).worksheets[0]
    bands = len(ws.col_breaks.brk) + 1
    pages = len(re.findall(rb"/Type\s*/Page[^s]", (tmp_path / "pdf" / "results-list.pdf").read_bytes()))
    assert bands > 1 and pages >= bands + 1  # the form's bands, then 指标说明
