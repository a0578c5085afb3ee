"""A streaming reader for large xlsx sheets: bounded memory whatever the sheet's size, at calamine's speed.

calamine reads a whole sheet into memory before giving the first row (about 1.3 KB per row of a
typical template), which is fine for ordinary files; sheets larger than
:attr:`~hazardlib.intake.safety.Limits.stream_above_bytes` are read here instead, so that a
1,000,000-row file imports within bounded memory. The sheet's XML is inflated a block at a time and cut,
between two rows, into pieces of about :data:`PIECE_BYTES`; each piece is read by calamine as a
one-sheet workbook of its own, built in memory (uncompressed) with the file's styles and shared strings,
so every cell comes out exactly as calamine reads it from the whole file (dates as dates, numbers as
numbers). Only the rows of two pieces are in memory at a time: the one being used, and the next,
which a second thread reads meanwhile.

A piece is cut only just before a row that states its number (``<row r="…">``, which Excel, WPS,
LibreOffice and the Python writers all write), so calamine puts every row where the whole sheet has
it; a sheet whose rows do not say their numbers is read as one piece.

The parts were already scanned by :func:`hazardlib.intake.safety.check_xlsx` (no DTD, no entities, no
bomb); the workbook's own structure is read with expat told to refuse any DTD.

calamine builds the dense rectangle from a sheet's first cell to its last before giving any row (about
32 bytes a cell), so a 2 KB file with one cell at A1 and one at XFD1048576 asks for 550 GB.
:func:`sheet_extent` and :func:`cell_extent` find where a sheet's (or a piece's) cells are from its XML,
without building anything, so that no sheet or piece whose rectangle exceeds the cell budget
(:attr:`~hazardlib.intake.safety.Limits.max_cells`) ever reaches calamine.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

import numpy as np
import python_calamine

INFLATE_BYTES = 1024 * 1024  # how much of a zipped part is inflated at a time
PIECE_BYTES = 4 * 1024 * 1024  # about 5,500 rows of a typical template; calamine holds ~7x this in memory
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d*:?[A-Z]*(\d+)\"")
_DIMENSION_TAG = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*>(?:\s*</(?:[\w.-]+:)?dimension\s*>)?")
_SHEET_DATA = re.compile(rb"<((?:[\w.-]+:)?)sheetData\b[^>]*?(/?)>")
_SHEET_DATA_END = re.compile(rb"</(?:[\w.-]+:)?sheetData\s*>")
_ROOT = re.compile(rb"<((?:[\w.-]+:)?worksheet)[\s>/]")
_NUMBERED_ROW = re.compile(rb"<(?:[\w.-]+:)?row\s[^>]*?\br\s*=\s*[\"']")
_FIRST_PIECE = 64 * 1024
_OVERLAP = 4096  # a row's start tag is found even when a block boundary cuts through it
_DATE_1904 = re.compile(rb"<(?:[\w.-]+:)?workbookPr\b[^>]*\bdate1904\s*=\s*[\"'](?:1|true)[\"']")
_RELATIONSHIP_TYPES = {"styles": "styles", "sharedStrings": "shared_strings"}


class DtdRefused(ValueError):
    """An XML part declared a DTD (refused before any entity could be expanded)."""


@dataclass(frozen=True)
class Extent:
    """Where a sheet's cells are: rows ``top`` to ``bottom``, columns A to ``right`` (1-based numbers)."""

    top: int
    bottom: int
    right: int

    @property
    def from_a1(self) -> int:
        """Cells from A1 to the last row and column: what a whole sheet read by calamine is padded to."""
        return self.bottom * self.right

    @property
    def cells(self) -> int:
        """Cells from the first row holding one to the last, from column A: what a piece is read as."""
        return (self.bottom - self.top + 1) * self.right


class TooManyCells(ValueError):
    """A piece of a sheet whose rectangle of cells exceeds the budget (refused before calamine reads it)."""

    def __init__(self, extent: Extent, budget: int):
        super().__init__(f"{extent} exceeds {budget} cells")
        self.extent, self.budget = extent, budget


class UnreadableCell(ValueError):
    """A cell tag whose position cannot be told from the XML (calamine is not given such a sheet)."""


def _parser(
    start: Callable[..., None],
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
) -> Any:
    parser = expat.ParserCreate(namespace_separator="|")
    parser.buffer_text = True

    def refuse(*_args: Any) -> None:
        raise DtdRefused("DOCTYPE")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    return parser


def _feed(archive: zipfile.ZipFile, name: str, parser: Any) -> None:
    with archive.open(name) as part:
        while chunk := part.read(INFLATE_BYTES):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _local(tag: str) -> str:
    return tag.rpartition("|")[2]


@dataclass
class BookParts:
    """Where a workbook keeps what its sheets need: each sheet's part, the styles and the shared strings."""

    sheets: dict[str, str] = field(default_factory=dict)  # sheet name -> zip part
    styles: str | None = None
    shared_strings: str | None = None


def _target(target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def book_parts(archive: zipfile.ZipFile) -> BookParts:
    """The workbook's parts, from workbook.xml and its relationships."""
    rels: dict[str, str] = {}
    found = BookParts()
    sheets: list[tuple[str, str]] = []

    def rel(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Relationship":
            target = _target(attrs.get("Target", ""))
            rels[attrs.get("Id", "")] = target
            kind = _RELATIONSHIP_TYPES.get(attrs.get("Type", "").rpartition("/")[2])
            if kind is not None and getattr(found, kind) is None:
                setattr(found, kind, target)

    def book(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "sheet":
            rid = next((v for k, v in attrs.items() if k.endswith("|id") or k == "r:id"), "")
            sheets.append((attrs.get("name", ""), rid))

    _feed(archive, "xl/_rels/workbook.xml.rels", _parser(rel))
    _feed(archive, "xl/workbook.xml", _parser(book))
    found.sheets = {name: rels[rid] for name, rid in sheets if rid in rels}
    return found


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the zip part holding it, from workbook.xml and its relationships."""
    return book_parts(archive).sheets


def dimension_rows(archive: zipfile.ZipFile, part: str) -> int | None:
    """The last row the sheet's <dimension> declares (read from the part's first bytes), if any."""
    with archive.open(part) as handle:
        head = handle.read(64 * 1024)
    match = _DIMENSION.search(head)
    return int(match.group(1)) if match else None


# -- where a sheet's cells are ----------------------------------------------------------------------
#
# Every cell counts, a formatted empty one too (calamine leaves those out; counting them errs on the safe
# side and costs nothing for a real sheet). Excel, WPS, LibreOffice and the Python writers write every
# cell as ``<c r="B7" ...>``: such XML is measured by numpy over its bytes, a few passes in C (the rate is
# in docs/benchmarks.md), where a regular expression would build an object for every cell. Any other spelling
# (a namespace prefix, single quotes, a cell without ``r``, whose place is the one after the cell before
# it, as calamine reads it) is walked tag by tag, reading attributes by XML's grammar, so that no value
# can pass for a tag or an attribute.

_LT, _COLON, _C, _QUOTE = 0x3C, 0x3A, 0x63, 0x22
_TAG_ENDS = tuple(b" >/\t\n\r")  # what may follow a tag's name
_PLAIN_REF = tuple(b' r="')  # what follows "<c" in a cell written plainly
_ATTRIBUTES = rb"""(?:\s+[^\s=<>/"']+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*"""  # as _ATTRIBUTE, any number
_TAG = re.compile(rb"<(?:[\w.-]+:)?(c|row)(" + _ATTRIBUTES + rb")\s*/?>")
_ANY_CELL = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
_ATTRIBUTE = re.compile(rb"""\s+([^\s=<>/"']+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")
_REF = re.compile(rb"\$?([A-Za-z]*)\$?([0-9]*)")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


class _NotPlain(Exception):
    """Some cell of the XML is not written ``<c r="A1"``: it is walked tag by tag instead."""


def _plain_extent(xml: bytes) -> Extent | None:
    """The extent of XML whose every cell is written ``<c r="A1"``; raises _NotPlain if some cell is not.

    Cell tags are found as a ``c`` after ``<`` (or after ``:``, a prefixed one) and before a tag's end;
    ``<`` never occurs inside an attribute's value, so every one found is a tag's start (or text in a
    comment: counted, which is safe). Each reference is read in place: one to three letters, one to
    seven digits, a closing quote.
    """
    data = np.frombuffer(xml, dtype=np.uint8)
    if len(data) < 3:
        return None
    after = data[2:]
    ends = np.zeros(len(after), dtype=bool)
    for end in _TAG_ENDS:
        ends |= after == end
    before = data[:-2]
    cells = np.flatnonzero((data[1:-1] == _C) & ends & ((before == _LT) | (before == _COLON))) + 1
    if not len(cells):
        return None
    if (data[cells - 1] == _COLON).any():
        raise _NotPlain
    padded = np.concatenate([data, np.zeros(16, dtype=np.uint8)])
    for k, byte in enumerate(_PLAIN_REF, start=1):
        if (padded[cells + k] != byte).any():
            raise _NotPlain
    at = cells + len(_PLAIN_REF) + 1  # the reference's first character
    column = np.zeros(len(cells), dtype=np.int64)
    letters = np.zeros(len(cells), dtype=np.int64)
    going = np.ones(len(cells), dtype=bool)
    for k in range(4):
        char = padded[at + k].astype(np.int64)
        going &= (char >= 0x41) & (char <= 0x5A)
        column = np.where(going, column * 26 + char - 0x40, column)
        letters += going
    row = np.zeros(len(cells), dtype=np.int64)
    digits = np.zeros(len(cells), dtype=np.int64)
    going = np.ones(len(cells), dtype=bool)
    for k in range(8):
        char = padded[at + letters + k].astype(np.int64)
        going &= (char >= 0x30) & (char <= 0x39)
        row = np.where(going, row * 10 + char - 0x30, row)
        digits += going
    closed = padded[at + letters + digits] == _QUOTE
    if not (closed & (letters >= 1) & (letters <= 3) & (digits >= 1) & (digits <= 7)).all():
        raise _NotPlain
    return Extent(int(row.min()), int(row.max()), int(column.max()))


class _Walk:
    """Cells found tag by tag: a row without ``r`` follows the one before, a cell without ``r`` is the one
    after the cell before it in its row (as calamine places them)."""

    def __init__(self) -> None:
        self.row = self.column = 0
        self.top: int | None = None
        self.bottom = self.right = 0

    def feed(self, xml: bytes) -> None:
        """Walk the tags of ``xml`` (a block ending just before a tag, following the blocks fed before)."""
        cells = 0
        for tag in _TAG.finditer(xml):
            ref = next((a or b for name, a, b in _ATTRIBUTE.findall(tag.group(2)) if name == b"r"), b"")
            place = _REF.fullmatch(ref)
            letters, digits = place.groups() if place else (b"", b"")
            if tag.group(1) == b"row":
                self.row, self.column = (int(digits) if digits else self.row + 1), 0
                continue
            cells += 1
            self.column = _column_number(letters) if letters else self.column + 1
            if digits:
                self.row = int(digits)
            self.top = self.row if self.top is None else min(self.top, self.row)
            self.bottom, self.right = max(self.bottom, self.row), max(self.right, self.column)
        if cells != len(_ANY_CELL.findall(xml)):
            raise UnreadableCell("a cell tag not written by XML's grammar")

    def extent(self) -> Extent | None:
        return None if self.top is None else Extent(self.top, self.bottom, self.right)


def cell_extent(xml: bytes) -> Extent | None:
    """Where the cells of a sheet's XML (whole, or a piece of it) are; None when it has none.

    Raises :class:`UnreadableCell` for a cell tag that cannot be read.
    """
    try:
        return _plain_extent(xml)
    except _NotPlain:
        walk = _Walk()
        walk.feed(xml)
        return walk.extent()


def sheet_extent(archive: zipfile.ZipFile, part: str) -> Extent | None:
    """Where the cells of a sheet are, read from its part a block at a time (nothing is built)."""
    found: list[Extent] = []
    try:
        for block in _blocks(archive, part):
            if (extent := _plain_extent(block)) is not None:
                found.append(extent)
    except _NotPlain:
        walk = _Walk()
        for block in _blocks(archive, part):
            walk.feed(block)
        return walk.extent()
    if not found:
        return None
    return Extent(min(e.top for e in found), max(e.bottom for e in found), max(e.right for e in found))


def _blocks(archive: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """The part's bytes a block at a time, each block ending just before a tag (no tag is cut)."""
    with archive.open(part) as handle:
        held = b""
        while block := handle.read(INFLATE_BYTES):
            held += block
            cut = held.rfind(b"<")
            if cut > 0:
                yield held[:cut]
                held = held[cut:]
        if held:
            yield held


# -- reading a large sheet in pieces -----------------------------------------------------------------

_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/styles.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    b"</Types>"
)
_PACKAGE_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Target="xl/workbook.xml" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    b"</Relationships>"
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b"<workbookPr%s/><sheets>"
    b'<sheet name="piece" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_RELATIONSHIP = (
    b'<Relationship Id="%s" Target="%s" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/%s"/>'
)


class PieceReader:
    """What every piece of one sheet shares: the parts of the little workbook calamine reads it from."""

    def __init__(self, archive: zipfile.ZipFile, parts: BookParts, max_cells: int):
        self.max_cells = max_cells
        date_1904 = bool(_DATE_1904.search(archive.read("xl/workbook.xml")))
        self.files: list[tuple[str, bytes]] = [
            ("[Content_Types].xml", _TYPES),
            ("_rels/.rels", _PACKAGE_RELS),
            ("xl/workbook.xml", _WORKBOOK % (b' date1904="1"' if date_1904 else b"")),
        ]
        rels = [_RELATIONSHIP % (b"rId1", b"worksheets/sheet1.xml", b"worksheet")]
        for rid, part, name, kind in (
            (b"rId2", parts.styles, "styles.xml", b"styles"),
            (b"rId3", parts.shared_strings, "sharedStrings.xml", b"sharedStrings"),
        ):
            if part is not None and part in archive.NameToInfo:
                self.files.append((f"xl/{name}", archive.read(part)))
                rels.append(_RELATIONSHIP % (rid, name.encode(), kind))
        self.files.append(
            (
                "xl/_rels/workbook.xml.rels",
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                + b"".join(rels)
                + b"</Relationships>",
            )
        )
        # A piece re-reads the shared strings: with a large table, fewer and larger pieces.
        self.size = max(PIECE_BYTES, len(dict(self.files).get("xl/sharedStrings.xml", b"")))

    def rows(self, sheet_xml: bytes) -> Iterator[tuple[int, list[Any]]]:
        """(Excel row number, values from column A) of the rows holding a value; empty cells None.

        The piece is read by calamine at once (by the thread that calls this); each row's values are
        made as the row is used: a piece read ahead holds one list per row (calamine's) rather than a
        tuple and a list, which outlive the garbage collector's young generations and add to its full
        passes (docs/benchmarks.md, "Import: the register checked in batches").

        Raises :class:`TooManyCells` before calamine sees a piece whose rectangle exceeds the budget.
        """
        extent = cell_extent(sheet_xml)
        if extent is not None and extent.cells > self.max_cells:
            raise TooManyCells(extent, self.max_cells)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as book:
            for name, data in self.files:
                book.writestr(name, data)
            book.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        buffer.seek(0)
        with python_calamine.CalamineWorkbook.from_filelike(buffer) as workbook:
            sheet = workbook.get_sheet_by_index(0)
            start = sheet.start
            if start is None:
                return iter(())
            values = sheet.to_python(skip_empty_area=True)
        return _numbered(values, *start)


def _numbered(values: list[list[Any]], top: int, left: int) -> Iterator[tuple[int, list[Any]]]:
    """calamine's rows of a piece starting at (``top``, ``left``), 0-based: (Excel row number, values from
    column A), empty cells None. Each row is calamine's own list with its empty cells set to None: no
    second list per row (it would outlive the garbage collector's young generations as the first does)."""
    pad = [None] * left
    for number, row in enumerate(values, start=top + 1):
        blank_to_none(row)
        yield number, pad + row if left else row


def blank_to_none(row: list[Any]) -> list[Any]:
    """``row`` with its empty cells (calamine's ``""``) set to None, in place; the row itself."""
    at = -1
    for _ in range(row.count("")):  # scans in C; most rows have a few empty cells, if any
        at = row.index("", at + 1)
        row[at] = None
    return row


def iter_sheet(
    archive: zipfile.ZipFile, part: str, parts: BookParts, max_cells: int
) -> Iterator[tuple[int, list[Any]]]:
    """(Excel row number, cell values from column A; empty cells None) for every row up to the last
    holding a value, as calamine reads the whole sheet (empty rows included), one piece at a time.

    The first piece (small: the header is looked for in it) is read at once; after it, the next piece is
    read by a second thread while the rows of the one before are used (calamine lets go of Python's
    lock while it parses), so reading overlaps the import's own work. At most two pieces are in memory.
    A piece whose rectangle (its rows, from column A to its last cell's column) holds more than
    ``max_cells`` cells raises :class:`TooManyCells` instead of being read.
    """
    reader = PieceReader(archive, parts, max_cells)
    last = 0

    def emit(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
        nonlocal last
        for number, values in rows:
            while last + 1 < number:  # the empty rows between two pieces, as calamine gives them
                last += 1
                yield last, []
            last = number
            yield number, values

    pieces = sheet_pieces(archive, part, reader.size)
    first = next(pieces, None)
    if first is None:
        return
    yield from emit(reader.rows(first))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="xlsx-piece") as pool:
        try:
            ahead: Future[Iterator[tuple[int, list[Any]]]] | None = None
            for sheet_xml in pieces:
                following = pool.submit(reader.rows, sheet_xml)
                if ahead is not None:
                    yield from emit(ahead.result())
                ahead = following
            if ahead is not None:
                yield from emit(ahead.result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def sheet_pieces(archive: zipfile.ZipFile, part: str, size: int) -> Iterator[bytes]:
    """The sheet's XML as self-contained sheets of about ``size`` bytes each (the first one small, as the
    header is looked for in it), each cut just before a row that states its number."""
    with archive.open(part) as handle:
        held = bytearray()
        while (found := _SHEET_DATA.search(held)) is None:
            block = handle.read(INFLATE_BYTES)
            if not block:
                return  # no sheetData: no rows
            held += block
        if found.group(2):
            return  # <sheetData/>
        root = _ROOT.search(held)
        closing = b"</%ssheetData></%s>" % (found.group(1), root.group(1) if root else b"worksheet")
        head = _DIMENSION_TAG.sub(b"", bytes(held[: found.end()]))
        del held[: found.end()]
        limit = since = min(size, _FIRST_PIECE)
        while True:
            if len(held) > limit:
                row = _NUMBERED_ROW.search(held, since)
                if row is not None:
                    yield head + held[: row.start()] + closing
                    del held[: row.start()]
                    limit = since = size
                    continue
                since = max(limit, len(held) - _OVERLAP)  # search only what comes next (and the seam)
            block = handle.read(INFLATE_BYTES)
            if not block:
                end = _SHEET_DATA_END.search(held)
                yield head + (held[: end.start()] if end else held) + closing
                return
            held += block
