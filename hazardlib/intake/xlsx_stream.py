"""A streaming reader for large xlsx sheets: one row in memory at a time, whatever the sheet's size.

calamine reads a whole sheet into memory before giving the first row (about 1.3 KB per row of a
typical template), which is fast for ordinary files; sheets larger than
:attr:`~hazardlib.intake.safety.Limits.stream_above_bytes` are read here instead, with expat over the
inflated part, so that a 1,000,000-row file imports within bounded memory. Only what an import needs
is read: cell values (shared strings, inline strings, numbers, booleans, errors). Dates come out as
Excel serial numbers, which :func:`hazardlib.intake.normalise.date` reads.

The parts were already scanned by :func:`hazardlib.intake.safety.check_xlsx`; expat is also told to
refuse any DTD, so no entity is ever expanded.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import Any
from xml.parsers import expat

_CHUNK = 1024 * 1024
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d*:?[A-Z]*(\d+)\"")


class DtdRefused(ValueError):
    """An XML part declared a DTD (refused before any entity could be expanded)."""


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
        while chunk := part.read(_CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _local(tag: str) -> str:
    return tag.rpartition("|")[2]


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the zip part holding it, from workbook.xml and its relationships."""
    rels: dict[str, str] = {}
    sheets: list[tuple[str, str]] = []

    def rel(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Relationship":
            target = attrs.get("Target", "")
            rels[attrs.get("Id", "")] = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join("xl", target))
            )

    def book(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "sheet":
            rid = next((v for k, v in attrs.items() if k.endswith("|id") or k == "r:id"), "")
            sheets.append((attrs.get("name", ""), rid))

    _feed(archive, "xl/_rels/workbook.xml.rels", _parser(rel))
    _feed(archive, "xl/workbook.xml", _parser(book))
    return {name: rels[rid] for name, rid in sheets if rid in rels}


def shared_strings(archive: zipfile.ZipFile) -> list[str]:
    """The shared-string table (phonetic runs left out)."""
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings: list[str] = []
    parts: list[str] = []
    state = {"in_t": False, "phonetic": 0}

    def start(tag: str, _attrs: dict[str, str]) -> None:
        name = _local(tag)
        if name == "si":
            parts.clear()
        elif name == "rPh":
            state["phonetic"] += 1
        elif name == "t" and not state["phonetic"]:
            state["in_t"] = True

    def end(tag: str) -> None:
        name = _local(tag)
        if name == "t":
            state["in_t"] = False
        elif name == "rPh":
            state["phonetic"] -= 1
        elif name == "si":
            strings.append("".join(parts))

    def text(data: str) -> None:
        if state["in_t"]:
            parts.append(data)

    _feed(archive, "xl/sharedStrings.xml", _parser(start, end, text))
    return strings


def dimension_rows(archive: zipfile.ZipFile, part: str) -> int | None:
    """The last row the sheet's <dimension> declares (read from the part's first bytes), if any."""
    with archive.open(part) as handle:
        head = handle.read(64 * 1024)
    match = _DIMENSION.search(head)
    return int(match.group(1)) if match else None


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def iter_sheet(archive: zipfile.ZipFile, part: str, strings: list[str]) -> Iterator[tuple[int, list[Any]]]:
    """(Excel row number, cell values from column A) for every row the part holds, in order."""
    ready: list[tuple[int, list[Any]]] = []
    row: list[Any] = []
    state: dict[str, Any] = {"row": 0, "col": -1, "type": "n", "text": [], "in_v": False}

    def start(tag: str, attrs: dict[str, str]) -> None:
        name = _local(tag)
        if name == "c":
            ref = attrs.get("r")
            match = _CELL_REF.match(ref) if ref else None
            state["col"] = _column_index(match.group(1)) if match else state["col"] + 1
            state["type"] = attrs.get("t", "n")
            state["text"] = []
        elif name in ("v", "t"):
            state["in_v"] = True
        elif name == "row":
            r = attrs.get("r")
            state["row"] = int(r) if r else state["row"] + 1
            state["col"] = -1
            row.clear()

    def end(tag: str) -> None:
        name = _local(tag)
        if name in ("v", "t"):
            state["in_v"] = False
        elif name == "c":
            value = _value(state["type"], "".join(state["text"]), strings)
            col = state["col"]
            if value is not None:
                if col >= len(row):
                    row.extend([None] * (col + 1 - len(row)))
                row[col] = value
        elif name == "row":
            ready.append((state["row"], list(row)))

    def text(data: str) -> None:
        if state["in_v"]:
            state["text"].append(data)

    parser = _parser(start, end, text)
    with archive.open(part) as handle:
        while chunk := handle.read(_CHUNK):
            parser.Parse(chunk, False)
            yield from ready
            ready.clear()
    parser.Parse(b"", True)
    yield from ready


def _value(kind: str, raw: str, strings: list[str]) -> Any:
    if kind == "s":
        try:
            return strings[int(raw)]
        except (ValueError, IndexError):
            return None
    if kind in ("inlineStr", "str", "e", "d"):
        return raw or None
    if kind == "b":
        return raw.strip() == "1"
    if not raw:
        return None
    try:
        number = float(raw)
    except ValueError:
        return raw
    return int(number) if number.is_integer() and abs(number) < 1e15 else number
