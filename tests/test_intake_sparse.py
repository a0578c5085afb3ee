"""A sparse sheet (a cell at A1 and one far away) cannot make the reader build the dense rectangle between
them: calamine would (a 1.6 KB file asked for 1.6 GB, or 550 GB with the far cell in the last row). The
cells are measured from the sheet's XML first, against the cell budget ``Limits.max_cells``: a sheet
within it is read, one beyond it is read in pieces, and a piece still beyond it refuses the file with a
Chinese message. Peak memory is measured in a child process, through the command and the 报表导出 upload."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import python_calamine

from hazardlib.intake import LIMITS, FileRefused, Limits, import_file
from hazardlib.intake.sheet_reader import cell_extent

from .conftest import make_uscc
from .intake_support import TODAY, contents

HEADER = ["统一社会信用代码", "企业名称", "所属县（市）", "企业类型"]
PEAK_MB = 200
SHEET = "企业名录"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    f'<sheets><sheet name="{SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    "</Relationships>"
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def sheet_xml(rows: str, dimension: str | None = None) -> str:
    head = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"<worksheet {_NS}>{head}<sheetData>{rows}</sheetData></worksheet>"
    )


def cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def workbook(path: Path, sheet: str, name: str = SHEET) -> Path:
    """A minimal real xlsx (what Excel needs to open it) holding one sheet's XML."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK.replace(f'name="{SHEET}"', f'name="{name}"'))
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        book.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def sparse(path: Path, last_row: int, dimension: str | None = None) -> Path:
    """A1 and XFD{last_row}: about 1.6 KB."""
    rows = f'<row r="1">{cell("A1", "统一社会信用代码")}</row><row r="{last_row}">{cell(f"XFD{last_row}", "x")}</row>'
    return workbook(path, sheet_xml(rows, dimension))


def enterprise_rows(first: int, count: int, stray: str | None = None) -> str:
    """The header in row 1 and ``count`` good enterprises from row 2; ``stray`` a note in that cell of the
    last row."""
    out = ['<row r="1">' + "".join(cell(f"{c}1", h) for c, h in zip("ABCD", HEADER, strict=True)) + "</row>"]
    for i in range(count):
        n = i + 2
        values = [make_uscc("522701", first + i), f"稀疏测试企业{first + i}有限公司", "都匀市", "销售单位"]
        cells = "".join(cell(f"{c}{n}", v) for c, v in zip("ABCD", values, strict=True))
        if stray and i == count - 1:
            cells += cell(stray, "备注：核对过")
        out.append(f'<row r="{n}">{cells}</row>')
    return "".join(out)


# -- measured in a child: the command and the dashboard upload ------------------------------------------

_MEASURE = (
    "import json, resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(json.dumps({'rc': done.returncode, 'out': done.stdout + done.stderr, 'peak_mb': peak / 1024}))\n"
)

_UPLOAD = """
import datetime as dt, sys
from pathlib import Path
from hazardlib.apps import ExportApp
from hazardlib.store import Store
path = Path(sys.argv[2])
data = path.read_bytes()
app = ExportApp(Store(sys.argv[1], user="都匀统计员", county="522701"), dt.date(2024, 9, 15))
app.upload.value = ({"name": path.name, "type": "application/vnd.ms-excel", "size": len(data),
                     "content": memoryview(data), "last_modified": dt.datetime(2024, 9, 15, 9, 0)},)
app.import_btn.click()
print(app.status.value + app.import_result.value)
"""


def measured(*command: str) -> tuple[int, str, float]:
    """Run ``command`` in a grandchild; its exit code, output and peak resident memory (MB), as measured by
    the child that waited for it (this process's own children do not count)."""
    got = json.loads(
        subprocess.run(
            [sys.executable, "-c", _MEASURE, *command],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        ).stdout
    )
    return got["rc"], got["out"], got["peak_mb"]


@pytest.fixture(params=[2000, 1_048_576], ids=["XFD2000", "XFD1048576"])
def hostile(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, int]:
    path = sparse(tmp_path / "稀疏.xlsx", request.param, dimension="A1")  # the dimension understates it
    assert path.stat().st_size < 2048
    return path, request.param


def refusal(last_row: int, limit: int = LIMITS.max_cells) -> str:
    return (
        f"文件“稀疏.xlsx”未导入：工作表“{SHEET}”中有内容（或设置了格式）的单元格分布在第 1 至第 {last_row:,} 行、"
        f"A 至 XFD 列，读入需要 {last_row * 16384:,} 个单元格，超过上限 {limit:,} 个单元格"
    )


def test_the_command_refuses_a_sparse_sheet_within_bounded_memory(store, hostile):
    path, last_row = hostile
    before = contents(store, skip=(), volatile=False)
    code, out, peak = measured(
        sys.executable, "-c", "from hazardlib.cli import main; main()", "import", str(path), "--db", store.url
    )
    assert peak < PEAK_MB, f"{peak:.0f} MB: {out[-300:]}"
    assert code == 1 and refusal(last_row) in out, out
    assert contents(store, skip=(), volatile=False) == before


def test_the_dashboard_upload_refuses_a_sparse_sheet_within_bounded_memory(store, hostile):
    path, last_row = hostile
    code, out, peak = measured(sys.executable, "-c", _UPLOAD, store.url, str(path))
    assert peak < PEAK_MB, f"{peak:.0f} MB: {out[-300:]}"
    assert code == 0 and "hz-msg-error" in out and refusal(last_row) in out, out


def test_a_sparse_metadata_sheet_is_refused_before_it_is_read(store, tmp_path):
    rows = f'<row r="1">{cell("A1", "kind")}{cell("B1", "enterprises")}</row><row r="3000">{cell("XFD3000", "x")}</row>'
    path = workbook(tmp_path / "稀疏.xlsx", sheet_xml(rows), name="_meta")
    with pytest.raises(FileRefused, match=r"工作表“_meta”中有内容.*超过上限 4,000,000 个单元格"):
        import_file(store, path, today=TODAY)


# -- legitimate sparse sheets ---------------------------------------------------------------------------


def test_a_stray_cell_far_right_within_the_budget_is_read_with_the_rest(store, tmp_path):
    path = workbook(tmp_path / "企业.xlsx", sheet_xml(enterprise_rows(1, 3, stray="ZZ4")))
    report = import_file(store, path, today=TODAY)
    assert (report.inserted, report.rejected) == (3, 0), report.findings


def test_a_dimension_that_overstates_the_sheet_does_not_refuse_it(store, tmp_path):
    path = workbook(tmp_path / "企业.xlsx", sheet_xml(enterprise_rows(1, 3), dimension="A1:XFD1048576"))
    report = import_file(store, path, today=TODAY)
    assert (report.inserted, report.rejected) == (3, 0), report.findings


def test_a_sheet_beyond_the_budget_is_read_in_pieces_each_within_it(store, tmp_path):
    # 2,001 rows to column Z (the note in the last row): 52,026 cells from A1, over a budget of 50,000;
    # read in pieces (the first one, where the header is looked for, of 64 KB: some 240 rows), each within
    # it. Nothing of the sheet is refused: what is there is read.
    path = workbook(tmp_path / "企业.xlsx", sheet_xml(enterprise_rows(1, 2000, stray="Z2001")))
    assert len(zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")) > 64 * 1024
    report = import_file(store, path, today=TODAY, limits=Limits(max_cells=50_000))
    assert (report.inserted, report.rejected) == (2000, 0), report.findings[:3]


def test_a_piece_beyond_the_budget_refuses_the_file_naming_the_sheet_and_the_limit(store, tmp_path):
    path = workbook(tmp_path / "企业.xlsx", sheet_xml(enterprise_rows(1, 2000, stray="Z2001")))
    before = contents(store, skip=(), volatile=False)
    with pytest.raises(FileRefused) as refused:
        import_file(store, path, today=TODAY, limits=Limits(max_cells=20_000))
    message = str(refused.value)
    assert message.startswith(f"文件“企业.xlsx”未导入：工作表“{SHEET}”中有内容") and "A 至 Z 列" in message
    assert "超过上限 20,000 个单元格" in message and refused.value.code == "too_many_cells"
    assert contents(store, skip=(), volatile=False) == before


# -- the measure never falls short of what calamine builds ----------------------------------------------

_SPELLINGS = {
    "plain": f'<row r="1">{cell("A1", "a")}</row><row r="9">{cell("XFD9", "b")}</row>',
    "prefixed": (
        '<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="1">'
        '<x:c r="A1" t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c>'
        '<x:c r="XFD40" t="inlineStr"><x:is><x:t>b</x:t></x:is></x:c></x:row>'
    ),
    "single quotes": "<row r='1'><c r='A1' t='inlineStr'><is><t>a</t></is></c>"
    "<c r='XFD30' t='inlineStr'><is><t>b</t></is></c></row>",
    "r in another attribute's value": """<row r="1"><c foo=' r="A1"' r="XFD6"><v>1</v></c></row>""",
    "attribute before r": '<row r="1"><c t="inlineStr" r="XFD7"><is><t>b</t></is></c></row>',
    "value that looks like a tag end": '<row r="1"><c s="1" foo="/>" r="XFD8"><v>1</v></c></row>',
    "cells without r follow the one before": '<row r="5"><c r="XFC5"><v>1</v></c><c><v>2</v></c></row>'
    "<row><c><v>3</v></c></row>",
    "rows without r follow the one before": '<row r="3"><c r="B3"><v>1</v></c></row><row><c><v>2</v></c></row>',
    "beyond Excel's last column": f'<row r="2">{cell("A2", "a")}{cell("XFE2", "b")}</row>',
    "out of order": f'<row r="50">{cell("C50", "a")}</row><row r="4">{cell("XFD4", "b")}</row>',
}


@pytest.mark.parametrize("spelling", list(_SPELLINGS))
def test_the_measured_extent_covers_what_calamine_reads(spelling, tmp_path):
    xml = sheet_xml(_SPELLINGS[spelling])
    with python_calamine.CalamineWorkbook.from_path(str(workbook(tmp_path / "a.xlsx", xml))) as book:
        read = book.get_sheet_by_index(0)
        (top, _left), (bottom, right) = read.start, read.end
    extent = cell_extent(xml.encode())
    assert extent is not None
    assert extent.top <= top + 1 and extent.bottom >= bottom + 1 and extent.right >= right + 1


def test_a_cell_tag_that_cannot_be_read_refuses_the_file(store, tmp_path):
    xml = sheet_xml(f'<row r="1">{cell("A1", "统一社会信用代码")}<c r=XFD9><v>1</v></c></row>')
    with pytest.raises(FileRefused, match="单元格的写法不对"):
        import_file(store, workbook(tmp_path / "坏.xlsx", xml), today=TODAY)


def test_the_budget_is_told_with_the_row_limit():
    text = Path(__file__).parents[1].joinpath("docs", "intake.md").read_text(encoding="utf-8")
    assert f"{LIMITS.max_cells:,} 个单元格" in text and f"{LIMITS.max_rows:,} 行" in text


# -- a CSV row is the rectangle a CSV reader builds ------------------------------------------------------


def test_a_csv_line_of_millions_of_commas_is_refused_within_bounded_memory(store, tmp_path):
    path = tmp_path / "逗号.csv"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(",".join(HEADER) + "\n")
        handle.write("," * 20_000_000 + "\n")  # 20 MB: a list of 20,000,001 cells, twice, before the fix
    code, out, peak = measured(
        sys.executable, "-c", "from hazardlib.cli import main; main()", "import", str(path), "--db", store.url
    )
    assert peak < PEAK_MB, f"{peak:.0f} MB: {out[-300:]}"
    assert code == 1 and "文件“逗号.csv”未导入：CSV 文件第 2 行有 20,000,001 列，超过上限 16,384 列" in out, (
        out
    )


def test_a_csv_row_as_wide_as_excel_allows_is_read(store, tmp_path):
    path = tmp_path / "企业.csv"
    good = [make_uscc("522701", 1), "宽表测试企业有限公司", "都匀市", "销售单位"]
    path.write_text(
        ",".join(HEADER + [""] * (16_384 - 4)) + "\n" + ",".join(good + [""] * (16_384 - 4)) + "\n",
        encoding="utf-8",
    )
    report = import_file(store, path, today=TODAY)
    assert (report.inserted, report.rejected) == (1, 0), report.findings
    path.write_text(",".join(HEADER) + "\n" + ",".join(good + [""] * (16_384 - 3)) + "\n", encoding="utf-8")
    with pytest.raises(FileRefused, match="CSV 文件第 2 行有 16,385 列，超过上限 16,384 列"):
        import_file(store, path, today=TODAY)


# -- .xls: calamine reads every sheet densely as it opens the file ---------------------------------------


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(kind: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))


def xls_label(row: int, column: int, text: str) -> bytes:
    """A LABEL record: text at (row, column), 0-based."""
    return _record(0x0204, struct.pack("<HHHHB", row, column, 15, len(text), 1) + text.encode("utf-16-le"))


def xls(path: Path, cells: list[bytes], name: str = SHEET) -> Path:
    """A minimal real .xls: a BIFF8 workbook stream (globals, one sheet) in a compound file of 512-byte
    sectors (header, FAT, directory, stream), which python-calamine and olefile read."""
    sheet_name = _record(0x0085, struct.pack("<IBBBB", 0, 0, 0, len(name), 1) + name.encode("utf-16-le"))
    head = _bof(0x0005) + _record(0x0042, struct.pack("<H", 1200))
    start = len(head) + len(sheet_name) + 4
    sheet_name = sheet_name[:4] + struct.pack("<I", start) + sheet_name[8:]
    stream = head + sheet_name + _record(0x000A) + _bof(0x0010) + b"".join(cells) + _record(0x000A)
    stream += b"\0" * max(0, 4096 - len(stream))  # at least 4 KB: kept in ordinary sectors
    stream += b"\0" * (-len(stream) % 512)
    sectors = len(stream) // 512
    free, end, fat_sector, none = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    header = bytearray(512)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 0x1000, end, 0, end, 0)
    struct.pack_into("<109I", header, 76, 0, *[free] * 108)
    fat = [fat_sector, end] + [3 + i if i < sectors - 1 else end for i in range(sectors)]
    fat += [free] * (128 - len(fat))

    def entry(entry_name: str, kind: int, child: int, first: int, size: int) -> bytes:
        out = bytearray(128)
        raw = (entry_name + "\0").encode("utf-16-le") if entry_name else b""
        out[: len(raw)] = raw
        struct.pack_into("<HBBIII", out, 64, len(raw), kind, 1, none, none, child)
        struct.pack_into("<IQ", out, 116, first, size)
        return bytes(out)

    directory = entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, none, 2, len(stream))
    directory += entry("", 0, none, 0, 0) * 2
    path.write_bytes(bytes(header) + struct.pack("<128I", *fat) + directory + stream)
    return path


@pytest.fixture(params=[(65535, 255), (1999, 16383)], ids=["IV65536", "XFD2000"])
def hostile_xls(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    row, column = request.param
    path = xls(tmp_path / "稀疏.xls", [xls_label(0, 0, "统一社会信用代码"), xls_label(row, column, "x")])
    assert path.stat().st_size < 8192
    letters = "IV" if column == 255 else "XFD"
    return path, (
        f"文件“稀疏.xls”未导入：工作表“{SHEET}”中有内容（或设置了格式）的单元格分布在第 1 至第 {row + 1:,} 行、"
        f"A 至 {letters} 列，读入需要 {(row + 1) * (column + 1):,} 个单元格，超过上限 4,000,000 个单元格"
    )


def test_the_command_refuses_a_sparse_xls_within_bounded_memory(store, hostile_xls):
    path, message = hostile_xls
    code, out, peak = measured(
        sys.executable, "-c", "from hazardlib.cli import main; main()", "import", str(path), "--db", store.url
    )
    assert peak < PEAK_MB, f"{peak:.0f} MB: {out[-300:]}"
    assert code == 1 and message in out, out


def test_the_dashboard_upload_refuses_a_sparse_xls_within_bounded_memory(store, hostile_xls):
    path, message = hostile_xls
    code, out, peak = measured(sys.executable, "-c", _UPLOAD, store.url, str(path))
    assert peak < PEAK_MB, f"{peak:.0f} MB: {out[-300:]}"
    assert code == 0 and message in out, out


def test_an_xls_with_a_stray_cell_within_the_budget_is_read(store, tmp_path):
    cells = [xls_label(0, c, h) for c, h in enumerate(HEADER)]
    for i in range(1, 4):
        values = [make_uscc("522701", i), f"旧版表格企业{i}有限公司", "都匀市", "销售单位"]
        cells += [xls_label(i, c, v) for c, v in enumerate(values)]
    cells.append(xls_label(3, 200, "备注"))
    report = import_file(store, xls(tmp_path / "企业.xls", cells), today=TODAY)
    assert (report.inserted, report.rejected) == (3, 0), report.findings
