"""Blank templates: Chinese headers with required columns marked, instructions, dropdowns from the
reference data, date formats, frozen header, example row ignored by the import, hidden kind."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from hazardlib.catalogue import load_catalogue
from hazardlib.cli import main
from hazardlib.intake import KINDS, LIMITS, TEMPLATE_KINDS, import_file, write_template
from hazardlib.regions import load_regions

from .conftest import make_uscc
from .intake_support import TODAY, contents

ASKED = (
    "enterprises",
    "self-checks",
    "inspections",
    "rectifications",
    "spot-checks",
    "enforcement",
    "help",
    "risk-signals",
    "county-plans",
    "interviews",
    "oversight",
    "instruments",
    "tracing-tasks",
    "written-reports",
)


def test_the_template_kinds_are_the_ones_the_issue_names():
    assert TEMPLATE_KINDS == ASKED


@pytest.mark.parametrize("kind", ASKED)
def test_every_template_has_marked_chinese_headers_dropdowns_dates_an_example_and_its_kind(tmp_path, kind):
    spec = KINDS[kind]
    book = load_workbook(write_template(kind, tmp_path / f"{kind}.xlsx"))
    assert book.sheetnames[:2] == [spec.sheet, "说明"]
    assert book["lists"].sheet_state == "hidden" and book["_meta"].sheet_state == "hidden"
    meta = {r[0]: r[1] for r in book["_meta"].iter_rows(values_only=True)}
    assert meta["kind"] == kind

    data = book[spec.sheet]
    header = [c.value for c in data[1]]
    assert header == ["序号", *(c.marked_header for c in spec.columns)]
    for column, cell in zip(spec.columns, data[1][1:], strict=True):
        # marked exactly when the import requires it (on every row, or with its group)
        assert cell.value.startswith("*") == bool(column.always_required or column.required_with)
        red = cell.font.color is not None and cell.font.color.rgb == "FFC00000"
        assert red == cell.value.startswith("*")
        assert data.column_dimensions[cell.column_letter].width >= 10
    assert data.freeze_panes == "B2"
    assert data["A2"].value == "示例" and data["B2"].font.i

    for column, cell in zip(spec.columns, data[2][1:], strict=True):
        if column.type == "date":
            assert data.column_dimensions[cell.column_letter].number_format == "yyyy-mm-dd"
            assert data.cell(3, cell.column).number_format == "yyyy-mm-dd"

    lists = book["lists"]
    named = {name: book.defined_names[name].attr_text for name in book.defined_names}
    rules = {
        str(rule.sqref).split(":")[0][:-1]: rule.formula1 for rule in data.data_validations.dataValidation
    }
    for column, cell in zip(spec.columns, data[1][1:], strict=True):
        if column.choices:
            name = rules[cell.column_letter]
            ref = named[name].split("!")[1].replace("$", "")
            values = [c.value for row in lists[ref] for c in row]
            assert values and (column.example is None or column.example in values)
            if column.choices == "counties":
                assert values == [c.name for c in load_regions().counties]
            if column.choices == "sub_products":
                assert len(values) == len(load_catalogue().sub_products)

    notes = " ".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    assert "必填" in notes and spec.key in notes and "示例" in notes


def test_the_dropdowns_cover_counties_categories_products_fields_grades_results_and_states(tmp_path):
    used = {c.choices for spec in KINDS.values() for c in spec.columns if c.choices}
    assert {
        "counties",
        "categories",
        "sub_products",
        "fields",
        "grades",
        "spot_results",
        "hazard_states",
    } <= used
    book = load_workbook(write_template("inspections", tmp_path / "i.xlsx"))
    categories = [c.value for c in book["lists"]["A"][1:] if c.value]
    assert len(categories) == 24 and categories[0].startswith("01 ")


@pytest.mark.parametrize("kind", ASKED)
def test_a_blank_template_imports_nothing_and_its_example_row_is_ignored(store, tmp_path, kind):
    before = contents(store)
    report = import_file(store, write_template(kind, tmp_path / f"{kind}.xlsx"), today=TODAY)
    assert report.kind == kind and report.example_rows == 1
    assert sum(report.rows.values()) == 0 and not report.findings
    assert contents(store) == before


def test_an_example_row_filled_with_real_data_is_skipped_with_a_notice(store, tmp_path):
    path = write_template("help", tmp_path / "help.xlsx")
    book = load_workbook(path)
    book["质量帮扶"]["B2"] = "都匀市真实企业有限公司"
    book.save(path)
    report = import_file(store, path, today=TODAY)
    assert report.example_rows == 1
    assert [(f.row, f.severity) for f in report.findings] == [(2, "warning")]
    assert "示例" in report.findings[0].message


def test_hazard_template_help_lists_every_kind_and_writes_the_file(tmp_path):
    runner = CliRunner()
    shown = runner.invoke(main, ["template", "--help"])
    assert shown.exit_code == 0
    assert all(kind in shown.output for kind in ASKED)
    written = runner.invoke(main, ["template", "spot-checks", "-o", str(tmp_path / "抽查.xlsx")])
    assert written.exit_code == 0 and "监督抽查" in written.output
    assert load_workbook(tmp_path / "抽查.xlsx").sheetnames[0] == "监督抽查"
    refused = runner.invoke(main, ["template", "hazards", "-o", str(tmp_path / "x.xlsx")])
    assert refused.exit_code != 0


def test_the_intake_document_lists_every_column_synonym_key_and_limit_the_code_has():
    text = (Path(__file__).resolve().parent.parent / "docs" / "intake.md").read_text(encoding="utf-8")
    for name, spec in KINDS.items():
        assert f"`{name}`" in text and spec.key in text, name
        for column in spec.columns:
            assert f"| {column.header} |" in text, column.header
            assert all(s in text for s in column.synonyms), column.header
    for figure in (f"{LIMITS.max_rows:,}", f"{LIMITS.max_cell_chars:,}", f"{LIMITS.max_members:,}"):
        assert figure in text
    assert (
        f"{LIMITS.max_uncompressed_bytes // 1024**3} GB" in text
        and f"{LIMITS.max_file_bytes // 1024**2} MB" in text
    )
    assert f"压缩比不超过 {LIMITS.max_ratio}" in text


@pytest.mark.skipif(shutil.which("soffice") is None, reason="需要 LibreOffice（soffice）打开并另存模板")
def test_a_template_filled_and_saved_again_by_an_office_program_still_imports(store, tmp_path):
    path = write_template("enterprises", tmp_path / "企业名录.xlsx")
    book = load_workbook(path)
    sheet = book["企业名录"]
    sheet.append([1, make_uscc("522701", 31), "都匀市甲公司", "都匀市", "生产单位"])
    sheet.append([2, make_uscc("522702", 32), "福泉市乙公司", "福泉市", "销售单位"])
    book.save(path)
    saved = tmp_path / "saved"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(saved), str(path)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    resaved = load_workbook(saved / "企业名录.xlsx")
    assert resaved["企业名录"].data_validations.dataValidation and resaved["_meta"].sheet_state == "hidden"
    report = import_file(store, saved / "企业名录.xlsx", today=TODAY)
    assert (report.kind, report.inserted, report.example_rows, report.findings) == ("enterprises", 2, 1, [])
