"""Malformed and hostile files are refused with a Chinese message before any parser sees them, and the
store is left exactly as it was."""

from __future__ import annotations

import io
import random
import zipfile

import pytest
from click.testing import CliRunner

from hazardlib.cli import main
from hazardlib.intake import FileRefused, Limits, import_file, write_template
from hazardlib.intake.safety import check_xlsx

from .conftest import make_uscc
from .intake_support import TODAY, contents, write_sheet

HEADER = ["统一社会信用代码", "企业名称", "所属县（市）", "企业类型"]


def good_rows(n):
    return [
        HEADER,
        *([make_uscc("522701", i), f"测试企业{i}有限公司", "都匀市", "销售单位"] for i in range(1, n + 1)),
    ]


def marked_rows():
    """One row whose name is an ASCII marker (openpyxl writes Chinese as character references)."""
    return [HEADER, [make_uscc("522701", 1), "MARKER", "都匀市", "销售单位"]]


def refused(store, path, **kw):
    """The refusal's message, after checking that the store did not change at all."""
    before = contents(store, skip=(), volatile=False)
    with pytest.raises(FileRefused) as caught:
        import_file(store, path, today=TODAY, **kw)
    assert contents(store, skip=(), volatile=False) == before
    return str(caught.value)


def rewrite(path, part, change):
    """A copy of the xlsx at ``path`` with one part's bytes changed."""
    source = zipfile.ZipFile(path)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, change(data) if info.filename == part else data)
    path.write_bytes(out.getvalue())
    return path


def test_a_text_file_named_xlsx_is_not_an_excel_file(store, tmp_path):
    path = tmp_path / "企业.xlsx"
    path.write_text("统一社会信用代码,企业名称\n", encoding="utf-8")
    assert "不是有效的 Excel 文件" in refused(store, path)


def test_a_file_of_another_type_is_refused_by_its_extension(store, tmp_path):
    path = tmp_path / "企业.docx"
    path.write_bytes(b"PK\x03\x04rest")
    assert "只能导入 .xlsx、.xls 或 .csv" in refused(store, path)


def test_a_truncated_workbook_is_refused(store, tmp_path):
    whole = write_sheet(tmp_path / "whole.xlsx", good_rows(50)).read_bytes()
    path = tmp_path / "企业.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    message = refused(store, path)
    assert "不是有效的 Excel 文件" in message and "不完整" in message


def test_a_zip_bomb_is_refused_from_the_zip_directory_before_anything_is_inflated(store, tmp_path):
    path = write_sheet(tmp_path / "炸弹.xlsx", good_rows(1))
    bomb = b"<row>" + b" " * (50 * 1024 * 1024) + b"</row>"
    rewrite(path, "xl/worksheets/sheet1.xml", lambda _data: bomb)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
        assert info.file_size / info.compress_size > 100
    assert "压缩炸弹" in refused(store, path)


def test_a_workbook_that_inflates_beyond_the_total_limit_is_refused(store, tmp_path):
    path = write_sheet(tmp_path / "大.xlsx", good_rows(200))
    limits = Limits(max_uncompressed_bytes=20_000)
    assert "解压后大小" in refused(store, path, limits=limits)


def test_a_doctype_entity_bomb_in_a_sheet_is_refused_before_parsing(store, tmp_path):
    laughs = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )

    def inject(data):
        assert b"MARKER" in data
        return laughs + data.replace(b"MARKER", b"&lol3;")

    path = rewrite(write_sheet(tmp_path / "实体.xlsx", marked_rows()), "xl/worksheets/sheet1.xml", inject)
    assert "DOCTYPE" in refused(store, path)


def test_an_external_entity_in_utf16_is_found_too(tmp_path):
    path = write_sheet(tmp_path / "实体.xlsx", good_rows(1))
    xxe = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    rewrite(path, "docProps/app.xml", lambda _data: xxe.encode("utf-16"))
    with pytest.raises(FileRefused, match="DOCTYPE"):
        check_xlsx(path)


def test_a_one_megabyte_cell_rejects_its_row_with_a_chinese_reason_and_stores_nothing(store, tmp_path):
    rng = random.Random(7)  # varied text: a repeated one would be refused as a zip bomb first
    cell = "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(1_000_000))
    path = write_sheet(tmp_path / "超长.xlsx", marked_rows())  # openpyxl itself cuts a cell at 32767
    rewrite(path, "xl/worksheets/sheet1.xml", lambda data: data.replace(b"MARKER", cell.encode()))
    before = contents(store, skip=("audit_log", "imports"), volatile=False)
    report = import_file(store, path, today=TODAY)
    assert contents(store, skip=("audit_log", "imports"), volatile=False) == before
    (finding,) = report.findings
    assert (finding.row, finding.field, report.rejected) == (2, "企业名称", 1)
    assert "超过 Excel 允许的上限 32767" in finding.message and len(str(finding.value)) < 100


def test_a_file_whose_kind_cannot_be_told_is_refused_saying_so(store, tmp_path):
    path = write_sheet(tmp_path / "工资表.xlsx", [["姓名", "工资", "月份"], ["张三", 3000, "6月"]])
    message = refused(store, path)
    assert "无法判断文件的数据类型" in message and "--kind" in message
    with pytest.raises(FileRefused, match="找不到“质量帮扶”的表头"):
        import_file(store, path, kind="help", today=TODAY)


def test_more_rows_than_the_limit_refuse_the_whole_file(store, tmp_path):
    path = write_sheet(tmp_path / "企业.xlsx", good_rows(5))
    message = refused(store, path, limits=Limits(max_rows=3))
    assert "超过 3 行的上限" in message


def test_a_csv_that_is_really_binary_is_refused(store, tmp_path):
    path = tmp_path / "企业.csv"
    path.write_bytes(b"\x00\x01\x02" * 100)
    assert "不是有效的 CSV 文件" in refused(store, path)


def test_a_template_with_a_password_like_ole_header_under_xlsx_is_refused(store, tmp_path):
    path = tmp_path / "加密.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert "打开密码" in refused(store, path)


def test_the_command_reports_a_refused_file_in_chinese_and_goes_on_with_the_others(store, tmp_path):
    bad = tmp_path / "坏.xlsx"
    bad.write_text("not a workbook")
    good = write_template("enterprises", tmp_path / "好.xlsx")
    result = CliRunner().invoke(main, ["import", str(bad), str(good), "--db", store.url, "--quiet"])
    assert result.exit_code == 1
    assert "文件“坏.xlsx”未导入：不是有效的 Excel 文件" in result.output
    assert "导入“好.xlsx”（企业名录）" in result.output


def test_a_text_longer_than_its_field_allows_is_reported_as_too_long_with_the_limit(store, tmp_path):
    rows = [
        ["企业名称", "统一社会信用代码", "所属县（市）", "企业类型", "帮扶方式", "帮扶日期", "帮扶内容"],
        [
            "都匀市测试有限公司",
            make_uscc("522701", 1),
            "都匀市",
            "销售单位",
            "质量问诊",
            "2024-07-01",
            "字" * 5000,
        ],
    ]
    report = import_file(store, write_sheet(tmp_path / "帮扶.xlsx", rows), today=TODAY)
    (finding,) = report.errors
    assert (finding.row, finding.field, report.rejected) == (2, "帮扶内容", 1)
    assert "内容太长（最多4000个字）" in finding.message
