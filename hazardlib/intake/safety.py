"""Checks made on a file before any parser sees it, and the documented limits of an import.

A workbook is a zip of XML parts, so a hostile one can be a zip bomb (a few kilobytes that inflate to
gigabytes) or carry an XML entity bomb ("billion laughs") or external entities. Both are refused here,
from the zip's own directory and from a chunked scan of every XML part, before calamine or openpyxl
parse anything. An .xls's sheets are measured against the cell budget here too (:func:`check_xls`: calamine
reads all of them densely as it opens the file); an xlsx's are measured by :mod:`.sheet_reader` as each
sheet is read. Every refusal is a :class:`FileRefused` with a Chinese message.
"""

from __future__ import annotations

import codecs
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import olefile
from openpyxl.utils import get_column_letter

from ..errors import HazardError

MIB = 1024 * 1024
EXCEL_COLUMNS = 16_384  # A to XFD


@dataclass(frozen=True)
class Limits:
    """What an import accepts; anything beyond is refused before it is parsed (documented in docs/intake.md)."""

    max_file_bytes: int = 512 * MIB  # the file as sent
    max_uncompressed_bytes: int = 2 * 1024 * MIB  # all parts of an xlsx, inflated
    max_ratio: int = 100  # inflated / compressed size of one part
    ratio_floor_bytes: int = 1 * MIB  # parts smaller than this may compress as well as they like
    max_members: int = 10_000  # parts in one xlsx
    max_rows: int = 1_000_000  # data rows in one sheet
    # Cells of the rectangle read into memory at once, from column A to the last cell's column: a whole
    # sheet from A1 (or, for a sheet read in pieces, one piece's rows). calamine builds that rectangle
    # densely, empty cells included (about 50 bytes a cell with the rows handed on): 4,000,000 is about
    # 200 MB, and 20 times what a piece of a real 30-column sheet needs.
    max_cells: int = 4_000_000
    max_cell_chars: int = 32_767  # Excel's own limit; a longer cell is a finding and its row is rejected
    max_csv_field_bytes: int = 16 * MIB  # a CSV field longer than this stops the file
    stream_above_bytes: int = 64 * MIB  # sheets larger than this (inflated) are read by the streaming reader


LIMITS = Limits()

XLSX_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SCANNED_SUFFIXES = (".xml", ".rels", ".vml")
_FORBIDDEN = (b"<!doctype", b"<!entity")
_FORBIDDEN_ALL = tuple(
    token.decode("ascii").encode(enc) for token in _FORBIDDEN for enc in ("utf-8", "utf-16-le", "utf-16-be")
)
_OVERLAP = max(len(t) for t in _FORBIDDEN_ALL) - 1
_OPENERS = (b"<!", b"<\x00!")  # every token above holds one of these: where neither is, none can be
_CHUNK = 1 * MIB


class FileRefused(HazardError):
    """A file that is not imported at all (not a workbook, damaged, hostile, too large, kind unknown)."""

    def __init__(self, file: str, reason: str, code: str = "refused"):
        self.file, self.reason, self.code = file, reason, code
        super().__init__(f"文件“{file}”未导入：{reason}")

    def __reduce__(self) -> tuple[Any, ...]:  # pickled whole (a file read in a second process, .ahead)
        return (type(self), (self.file, self.reason, self.code))


NOT_EXCEL = "不是有效的 Excel 文件"


def file_format(path: Path, limits: Limits = LIMITS) -> str:
    """``xlsx``, ``xls`` or ``csv`` from the name and the first bytes; raises FileRefused for anything else."""
    name = path.name
    if not path.is_file():
        raise FileRefused(name, "文件不存在", "missing")
    size = path.stat().st_size
    if size == 0:
        raise FileRefused(name, f"{NOT_EXCEL}（文件是空的）", "empty")
    if size > limits.max_file_bytes:
        raise FileRefused(
            name, f"文件大小 {size / MIB:.0f} MB 超过上限 {limits.max_file_bytes / MIB:.0f} MB", "too_large"
        )
    with open(path, "rb") as handle:
        head = handle.read(8)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".et"):
        if head.startswith(XLSX_MAGIC):
            return "xlsx"  # WPS and some systems save xlsx under an .xls name
        if head == OLE2_MAGIC:
            if suffix in (".xlsx", ".xlsm"):
                raise FileRefused(
                    name, f"{NOT_EXCEL}（可能设置了打开密码，请取消密码后另存为 .xlsx）", "encrypted"
                )
            return "xls"
        raise FileRefused(name, f"{NOT_EXCEL}（文件内容不是 Excel 工作簿，可能只是改了扩展名）", "not_excel")
    if suffix in (".csv", ".txt"):
        if head.startswith(XLSX_MAGIC) or head == OLE2_MAGIC:
            raise FileRefused(
                name, "文件扩展名是 .csv，但内容是 Excel 工作簿；请改回 .xlsx 或 .xls 扩展名", "csv_is_excel"
            )
        return "csv"
    raise FileRefused(name, f"{NOT_EXCEL}：只能导入 .xlsx、.xls 或 .csv 文件", "extension")


def check_xlsx(path: Path, limits: Limits = LIMITS) -> dict[str, int]:
    """Refuse a damaged, bomb-like or entity-carrying xlsx; returns each part's inflated size.

    The zip's directory is checked first (part count, declared sizes, compression ratios), then every
    XML part is inflated in chunks, counting the bytes actually produced (a directory can lie) and
    looking for DOCTYPE or ENTITY declarations, which no spreadsheet program writes.
    """
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRefused(
            name, f"{NOT_EXCEL}（文件已损坏或不完整，可能未下载或复制完）", "truncated"
        ) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_members:
            raise FileRefused(name, f"{NOT_EXCEL}（压缩包内有 {len(infos)} 个部件，超过上限）", "members")
        names = {i.filename for i in infos}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise FileRefused(name, f"{NOT_EXCEL}（缺少工作簿部件，可能是其他软件的压缩包）", "not_workbook")
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_uncompressed_bytes:
            raise FileRefused(name, _bomb(declared, limits), "zip_bomb")
        for info in infos:
            if info.flag_bits & 0x1:
                raise FileRefused(name, f"{NOT_EXCEL}（文件已加密）", "encrypted")
            if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
                info.compress_size, 1
            ):
                ratio = info.file_size / max(info.compress_size, 1)
                raise FileRefused(
                    name,
                    f"部件 {info.filename} 压缩比 {ratio:.0f} 超过上限 {limits.max_ratio}，疑似压缩炸弹",
                    "zip_bomb",
                )
        sizes: dict[str, int] = {}
        total = 0
        for info in infos:
            if not info.filename.lower().endswith(_SCANNED_SUFFIXES):
                total += info.file_size
                continue
            size = _scan_part(archive, info, name, limits, total)
            sizes[info.filename] = size
            total += size
        return sizes


def _bomb(size: int, limits: Limits) -> str:
    return (
        f"解压后大小 {size / MIB:.0f} MB 超过上限 {limits.max_uncompressed_bytes / MIB:.0f} MB，"
        "疑似压缩炸弹或文件过大"
    )


def _scan_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: Limits, before: int
) -> int:
    """Inflate one XML part in chunks; refuse it if it declares a DTD or entities or inflates too far."""
    size = 0
    tail = b""
    try:
        with archive.open(info) as part:
            while chunk := part.read(_CHUNK):
                size += len(chunk)
                if before + size > limits.max_uncompressed_bytes:
                    raise FileRefused(name, _bomb(before + size, limits), "zip_bomb")
                if _declares(chunk) or _declares(tail + chunk[:_OVERLAP]):
                    raise FileRefused(
                        name,
                        f"{NOT_EXCEL}：部件 {info.filename} 含有 DOCTYPE 或 ENTITY 声明"
                        "（Excel 不会写入，可能是恶意构造的文件）",
                        "xml_entities",
                    )
                tail = (tail + chunk[-_OVERLAP:])[-_OVERLAP:]
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise FileRefused(
            name, f"{NOT_EXCEL}（文件已损坏或不完整：{type(exc).__name__}）", "truncated"
        ) from None
    return size


def _declares(data: bytes) -> bool:
    """Whether ``data`` holds a DOCTYPE or ENTITY declaration (in any case, UTF-8 or UTF-16)."""
    return any(opener in data for opener in _OPENERS) and any(t in data.lower() for t in _FORBIDDEN_ALL)


def too_many_cells(file: str, sheet: str, top: int, bottom: int, right: int, limits: Limits) -> FileRefused:
    """The refusal of a sheet whose cells, rows ``top``-``bottom`` by columns A-``right``, exceed the budget."""
    cells = (bottom - top + 1) * right
    return FileRefused(
        file,
        f"工作表“{sheet}”中有内容（或设置了格式）的单元格分布在第 {top:,} 至第 {bottom:,} 行、A 至 "
        f"{column_name(right)} 列，读入需要 {cells:,} 个单元格，超过上限 {limits.max_cells:,} 个单元格"
        "（行数 × 列数）；可能有单元格误填在很远的行或列。请删除数据以外的多余行列"
        "（或只把数据复制到新工作表）后重新导入",
        "too_many_cells",
    )


def column_name(number: int) -> str:
    """The Excel letters of column ``number`` (1 is A), or “第 N” beyond Excel's last column, XFD (calamine
    reads such a cell, though no spreadsheet program writes one)."""
    if not 1 <= number <= EXCEL_COLUMNS:
        return f"第 {number:,}"
    return get_column_letter(number)


# BIFF records of an .xls that place a cell (row, column first), and those that place a run of cells
# (row, first column, ..., last column): values, formulas, blanks.
_BIFF_CELLS = {0x0006, 0x00D6, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x0406}
_BIFF_RUNS = {0x00BD, 0x00BE}
_BIFF_BOF, _BIFF_EOF, _BIFF_SHEET = 0x0809, 0x000A, 0x0085


def check_xls(path: Path, limits: Limits = LIMITS) -> None:
    """Refuse an .xls any of whose sheets' cells span more than the cell budget from A1.

    calamine reads every sheet of an .xls as it opens the file, each into the dense rectangle from its
    first cell to its last (a 6 KB file with cells at A1 and IV65536 takes 1 GB, and a cell record may
    name a column far beyond IV). The workbook stream is read here with olefile and its records walked
    from where each sheet begins, as calamine walks them, without building anything.
    """
    try:
        with olefile.OleFileIO(str(path)) as ole:
            stream = next((s for s in ("Workbook", "Book") if ole.exists(s)), None)
            data = ole.openstream(stream).read() if stream else b""
    except (OSError, ValueError, IndexError, struct.error, NotImplementedError):
        raise FileRefused(path.name, f"{NOT_EXCEL}（文件已损坏或格式不对）", "damaged") from None
    for sheet, start in _biff_sheets(data):
        bottom, right = _biff_extent(data, start)
        if bottom * right > limits.max_cells:
            raise too_many_cells(path.name, sheet, 1, bottom, right, limits)


def _biff_records(data: bytes, start: int) -> Iterator[tuple[int, bytes]]:
    position = start
    while position >= 0 and position + 4 <= len(data):
        kind, size = struct.unpack_from("<HH", data, position)
        yield kind, data[position + 4 : position + 4 + size]
        position += 4 + size


def _biff_sheets(data: bytes) -> list[tuple[str, int]]:
    """(name, where its records begin) of every sheet the workbook's globals list."""
    sheets = []
    for kind, body in _biff_records(data, 0):
        if kind == _BIFF_EOF:
            break
        if kind == _BIFF_SHEET and len(body) >= 8:
            start, count, wide = struct.unpack_from("<I", body)[0], body[6], body[7] & 1
            raw = body[8 : 8 + count * (2 if wide else 1)]
            sheets.append((raw.decode("utf-16-le" if wide else "latin-1", errors="replace"), start))
    return sheets


def _biff_extent(data: bytes, start: int) -> tuple[int, int]:
    """The last row and column (1-based) of the cells of the sheet whose records begin at ``start``, up to
    the end of its substream (past any embedded chart's: counting more is safe)."""
    bottom = right = depth = 0
    for kind, body in _biff_records(data, start):
        if kind == _BIFF_BOF:
            depth += 1
        elif kind == _BIFF_EOF:
            depth -= 1
            if depth <= 0:
                break
        elif kind in _BIFF_CELLS and len(body) >= 4:
            row, column = struct.unpack_from("<HH", body)
            bottom, right = max(bottom, row + 1), max(right, column + 1)
        elif kind in _BIFF_RUNS and len(body) >= 6:
            row, first = struct.unpack_from("<HH", body)
            last = struct.unpack_from("<H", body, len(body) - 2)[0]
            bottom, right = max(bottom, row + 1), max(right, first + 1, last + 1)
    return bottom, right


def csv_encoding(path: Path) -> str:
    """``utf-8-sig`` if the whole file is UTF-8 (with or without BOM), else ``gb18030``; FileRefused when
    it is neither or looks binary."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as handle:
                while chunk := handle.read(_CHUNK):
                    if b"\x00" in chunk:
                        raise FileRefused(path.name, "不是有效的 CSV 文件（含有二进制内容）", "binary")
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileRefused(
        path.name, "无法识别 CSV 文件的编码；请另存为“CSV UTF-8”或 GB18030（GBK）编码", "encoding"
    )
