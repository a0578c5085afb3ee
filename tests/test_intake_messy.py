"""A deliberately messy spreadsheet imports its good rows, reports each bad one by row and column, and
importing it again (or trying it dry) changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from hazardlib import models, records, schema
from hazardlib.cli import main
from hazardlib.cli.intake_cmd import ProgressBar
from hazardlib.intake import Limits, import_file, write_findings

from .conftest import make_uscc
from .intake_support import TODAY, contents, write_sheet

D = dt.date
KNOWN = make_uscc("522701", 11)
NEW = make_uscc("522702", 12)
OTHER = make_uscc("522722", 13)
FULL_WIDTH = str.maketrans(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ",
)

# fmt: off
HEADER = ["序号", "单位名称", "社会信用代码", "县市", "主体类型", "检查时间", "环节", "产品名称", "隐患级别", "问题类别", "联系人"]
ROWS = [
    # row 4: an enterprise not yet in the store, registered from the row; full-width code, stray spaces
    [1, " 福泉市 乙 建材有限公司 ", NEW.translate(FULL_WIDTH), "福泉市", "生产", "2024-07-03", "生产领域", "水泥", None, None, "张三"],
    # row 5: the known enterprise by name only, date as an Excel serial (45481 = 2024-07-08), a hazard
    [2, "都匀市甲电缆有限公司", None, None, None, 45481, "流通", "电线电缆", "重大隐患", "C01", None],
    [None] * 11,  # row 6: blank
    [3, "丙公司", KNOWN[:-1] + ("0" if KNOWN[-1] != "0" else "1"), "都匀市", "销售单位", "2024/7/9", "流通", "安全帽", None, None, None],
    [4, "丁公司", OTHER, "凯里市", "销售单位", "2024.7.9", "流通", "安全帽", None, None, None],  # row 8: not our county
    [2, "都匀市甲电缆有限公司", None, None, None, 45481, "流通", "电线电缆", "重大隐患", "C01", None],  # row 9: repeats row 5
    [5, "都匀市甲电缆有限公司", KNOWN.translate(FULL_WIDTH), None, None, "２０２４年７月１０日", "流通领域", "电线电缆", "一般", "C05 销售来源不明", None],
    [6, "福泉市乙建材有限公司", NEW, None, None, "2024.7.11", "生产", "03-01 水泥", "较大风险", "P04", None],
    [7, "福泉市乙建材有限公司", NEW, None, None, "2024-13-01", "生产", "水泥", None, None, None],  # row 12: no such date
    [None] * 11,
]
# fmt: on
BAD = {(7, "社会信用代码"), (8, "县市"), (9, None), (12, "检查时间")}


def messy_book(path, rows=ROWS):
    """The file as county staff send it: a merged title, a blank line, then the header on row 3."""
    book = Workbook()
    sheet = book.active
    sheet.title = "7月检查"
    sheet["A1"] = "都匀市2024年7月重点工业产品现场检查情况汇总表"
    sheet.merge_cells("A1:K1")
    sheet.append([])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def known(store):
    with store.transaction() as tx:
        records.save_enterprise(
            tx,
            models.Enterprise(uscc=KNOWN, name="都匀市甲电缆有限公司", county_code="522701", field="seller"),
        )
    return store


def located(report):
    return {(f.row, f.field) for f in report.findings if f.severity == "error"}


@pytest.mark.engines
def test_the_good_rows_go_in_and_each_bad_one_is_reported_with_its_row_and_column(known, tmp_path):
    report = import_file(known, messy_book(tmp_path / "检查.xlsx"), today=TODAY)
    assert report.kind == "inspections"
    assert located(report) == BAD
    assert (report.inserted, report.rejected) == (4, 4)
    assert all(f.file == "检查.xlsx" and f.sheet == "7月检查" for f in report.findings)
    assert any("联系人" in f.message and f.severity == "warning" for f in report.findings)
    by_row = {f.row: f for f in report.errors}
    assert "校验位" in by_row[7].message and "黔南州所辖" in by_row[8].message
    assert "与第5行重复" in by_row[9].message and "日期" in by_row[12].message

    with known.read() as conn:
        names = set(conn.execute(sa.select(schema.enterprises.c.name)).scalars())
        days = sorted(conn.execute(sa.select(schema.inspections.c.inspection_date)).scalars())
        hazards = conn.execute(sa.select(schema.hazards.c.grade, schema.hazards.c.problem_code)).all()
    assert names == {"都匀市甲电缆有限公司", "福泉市乙建材有限公司"}
    assert days == [D(2024, 7, 3), D(2024, 7, 8), D(2024, 7, 10), D(2024, 7, 11)]
    assert sorted(hazards) == [("general", "C05"), ("larger", "P04"), ("major", "C01")]


@pytest.mark.engines
def test_importing_the_same_file_twice_leaves_the_store_as_after_once(known, tmp_path):
    path = messy_book(tmp_path / "检查.xlsx")
    import_file(known, path, today=TODAY)
    once = contents(known, volatile=False)
    again = import_file(known, path, today=TODAY)
    assert contents(known, volatile=False) == once
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 4, 4)
    assert len(again.previous_imports) == 1 and again.previous_imports[0]["sha256"] == again.sha256


@pytest.mark.engines
def test_a_dry_run_writes_nothing_but_reports_what_would_happen(known, tmp_path):
    before = contents(known, skip=(), volatile=False)
    report = import_file(known, messy_book(tmp_path / "检查.xlsx"), dry_run=True, today=TODAY)
    assert (report.inserted, report.rejected) == (4, 4) and located(report) == BAD
    assert contents(known, skip=(), volatile=False) == before


def test_a_corrected_file_updates_the_rows_it_corrects(known, tmp_path):
    import_file(known, messy_book(tmp_path / "检查.xlsx"), today=TODAY)
    fixed = [list(r) for r in ROWS]
    fixed[3][2] = KNOWN  # the bad code, corrected: row 7 is the known enterprise
    fixed[0][7] = "03-01 水泥"  # same product written another way: unchanged
    fixed[6][9] = "C06"  # the problem type of row 10 corrected: a new hazard (the key changed)
    fixed[1][8] = "较大"  # the grade of row 5 corrected: updated in place
    report = import_file(known, messy_book(tmp_path / "改正后.xlsx", fixed), today=TODAY)
    assert located(report) == {(8, "县市"), (9, None), (12, "检查时间")}
    assert (report.inserted, report.updated, report.unchanged) == (2, 1, 2)
    with known.read() as conn:
        grades = dict(conn.execute(sa.select(schema.hazards.c.problem_code, schema.hazards.c.grade)).all())
    assert grades["C01"] == "larger" and "C06" in grades


def test_the_streaming_reader_reads_the_file_exactly_as_calamine_does(known, tmp_path):
    path = messy_book(tmp_path / "检查.xlsx")
    streamed = import_file(known, path, dry_run=True, today=TODAY, limits=Limits(stream_above_bytes=0))
    loaded = import_file(known, path, dry_run=True, today=TODAY)
    assert [(f.row, f.field, f.message) for f in streamed.findings] == [
        (f.row, f.field, f.message) for f in loaded.findings
    ]
    assert streamed.rows == loaded.rows


def _inspection_imported(store, tmp_path, rows, column):
    """Import the inspection sheet ``rows`` without an error; what the new enterprise holds in ``column``."""
    report = import_file(store, write_sheet(tmp_path / "检查.xlsx", rows), today=TODAY)
    assert not report.errors, [str(f) for f in report.errors]
    with store.read() as conn:
        return conn.execute(sa.select(column).where(schema.enterprises.c.uscc == NEW)).scalar()


def test_choices_spread_out_with_spaces_are_read_as_written_together(known, tmp_path):
    rows = [
        ["企业名称", "统一社会信用代码", "所属县（市）", "企业类型", "检查日期", "检查领域", "产品", "隐患等级", "问题类型", "已采取管控措施"],
        ["福泉市乙建材有限公司", NEW, "福 泉 市", "生产 单位", "2024-07-03", "生产 领域", "水泥", "较 大", "P04", " 是 "],
    ]  # fmt: skip
    county = _inspection_imported(known, tmp_path, rows, schema.enterprises.c.county_code)
    with known.read() as conn:
        grade = conn.execute(sa.select(schema.hazards.c.grade)).scalar()
    assert (county, grade) == ("522702", "larger")


@pytest.mark.engines
def test_a_note_keeps_the_line_breaks_typed_in_its_cell_and_a_name_does_not(known, tmp_path):
    note = " 第一处：进货查验  记录不全\r\n\n 第二处：未见合格证明 \n"
    rows = [
        ["企业名称", "统一社会信用代码", "所属县（市）", "企业类型", "检查日期", "检查领域", "产品", "检查情况", "检查人员"],
        ["福泉市乙建材\n有限公司", NEW, "福泉市", "生产单位", "2024-07-03", "生产领域", "水泥", note, "李四\n王五"],
    ]  # fmt: skip
    name = _inspection_imported(known, tmp_path, rows, schema.enterprises.c.name)
    with known.read() as conn:
        kept, inspectors = conn.execute(
            sa.select(schema.inspections.c.note, schema.inspections.c.inspectors)
        ).one()
    assert kept == "第一处：进货查验 记录不全\n\n第二处：未见合格证明"  # runs of spaces within a line: one
    assert (name, inspectors) == ("福泉市乙建材有限公司", "李四 王五")  # one-line fields: no line break
    # what a clerk types in the form's box is kept alike
    assert models.validate(models.LedgerMove, {"note": note}).note == kept


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_in_gb18030_reads_the_same(known, tmp_path, encoding):
    path = tmp_path / "检查.csv"
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["都匀市2024年7月重点工业产品现场检查情况汇总表"])
        writer.writerow([])
        writer.writerow(HEADER)
        writer.writerows(["" if v is None else v for v in row] for row in ROWS)
    report = import_file(known, path, today=TODAY)
    assert located(report) == BAD
    assert (report.inserted, report.rejected) == (4, 4)


def test_the_findings_workbook_shows_each_bad_cell_in_red_with_its_reason(known, tmp_path):
    report = import_file(known, messy_book(tmp_path / "检查.xlsx"), today=TODAY)
    out = write_findings([report], tmp_path / "问题.xlsx")
    book = load_workbook(out)
    listed = list(book["问题清单"].iter_rows(min_row=2, values_only=True))
    assert {(r[2], r[3]) for r in listed if r[6].startswith("错误")} == BAD
    copy = book["待改-7月检查"]
    header = [c.value for c in copy[1]]
    assert header[:3] == ["原行号", "序号", "单位名称"]
    for row in copy.iter_rows(min_row=2):
        number = row[0].value
        for column in [c for r, c in BAD if r == number]:
            cell = row[header.index(column) if column else 0]
            assert cell.fill.fgColor.rgb == "FFFF0000"
            assert cell.comment is not None and "错误" in cell.comment.text
    copied = {r[0].value: r[0] for r in copy.iter_rows(min_row=2)}
    assert sorted(copied) == [4, 7, 8, 9, 12]  # the rejected rows, and row 4 whose enterprise was registered
    assert copied[4].fill.fgColor.rgb == "FFFFEB9C" and "已按本行信息登记" in copied[4].comment.text


def test_the_corrected_findings_sheet_imports_back(known, tmp_path):
    report = import_file(known, messy_book(tmp_path / "检查.xlsx"), today=TODAY)
    out = write_findings([report], tmp_path / "问题.xlsx")
    book = load_workbook(out)
    copy = book["待改-7月检查"]
    header = [c.value for c in copy[1]]
    for row in copy.iter_rows(min_row=2):
        if row[0].value == 7:
            row[header.index("社会信用代码")].value = KNOWN
        if row[0].value == 12:
            row[header.index("检查时间")].value = "2024-07-12"
    book.save(out)
    again = import_file(known, out, today=TODAY)
    assert again.kind == "inspections"
    # rows 7 and 12 now go in; row 4 and the copy of row 5 were already there; row 8 is still not ours
    assert (again.inserted, again.unchanged, again.rejected) == (2, 2, 1)
    assert located(again) == {(4, "县市")}


def test_hazard_import_prints_the_findings_and_writes_them_to_a_file(known, tmp_path):
    path = messy_book(tmp_path / "检查.xlsx")
    runner = CliRunner()
    db = ["--db", known.url, "--user", "县局张三"]
    before = contents(known, skip=(), volatile=False)
    tried = runner.invoke(main, ["import", str(path), *db, "--dry-run", "--quiet"])
    assert tried.exit_code == 1 and "试导入" in tried.output and "第7行" in tried.output
    assert contents(known, skip=(), volatile=False) == before
    done = runner.invoke(
        main, ["import", str(path), *db, "--findings", str(tmp_path / "问题.xlsx"), "--quiet"]
    )
    assert "登记现场检查 4 次" in done.output and (tmp_path / "问题.xlsx").exists()
    with known.read() as conn:
        actor = conn.execute(sa.select(schema.imports.c.actor)).scalar_one()
    assert actor == "县局张三"
    twice = runner.invoke(main, ["import", str(path), *db, "--quiet"])
    assert "与库中相同 4 行" in twice.output and "导入过" in twice.output


@pytest.mark.skipif(shutil.which("soffice") is None, reason="需要 LibreOffice（soffice）另存文件")
@pytest.mark.parametrize("suffix", ["xls", "xlsx"])
def test_the_same_file_saved_by_an_office_program_reads_the_same(known, tmp_path, suffix):
    """LibreOffice writes .xls, and .xlsx with a shared-string table (read here by the streaming reader too)."""
    path = messy_book(tmp_path / "检查.xlsx")
    saved = tmp_path / "saved"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", suffix, "--outdir", str(saved), str(path)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    for limits in (Limits(), Limits(stream_above_bytes=0)):
        report = import_file(known, saved / f"检查.{suffix}", dry_run=True, today=TODAY, limits=limits)
        assert located(report) == BAD
        assert (report.inserted, report.rejected) == (4, 4)


def test_the_import_command_feeds_a_progress_bar_from_the_importer(known, tmp_path):
    bar = ProgressBar("检查.xlsx")
    report = import_file(known, messy_book(tmp_path / "检查.xlsx"), today=TODAY, progress=bar)
    read = sum(report.rows.values()) + report.blank_rows
    assert bar.bar is not None and bar.bar.n == read and bar.bar.unit == "行"
    bar.close()
    quiet = ProgressBar("检查.xlsx", enabled=False)
    quiet(1000, None)
    assert quiet.bar is None
