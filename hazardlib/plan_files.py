"""A county's work-plan file (工作方案) as the store keeps it: PDF, DOCX or WPS/DOC, recognised by its content
(not by its name's extension), at most :data:`MAX_BYTES`, with its SHA-256.

Content, not extension: a PDF starts with ``%PDF-``; a DOCX is a zip archive holding ``word/document.xml``; a
WPS or DOC file is an OLE compound file (read with olefile) holding a ``WordDocument`` stream. A file whose
content is not the type its extension says, or none of them, is refused with a Chinese message naming the
field (方案文件).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import olefile

from .errors import Finding, ValidationFailed

MAX_BYTES = 20 * 1024 * 1024
"""The largest plan file the store keeps (20 MB): a scanned plan of some dozens of pages fits."""

FIELD = "方案文件"
TYPES = {".pdf": "pdf", ".docx": "docx", ".doc": "doc", ".wps": "wps"}
LABELS = {"pdf": "PDF", "docx": "Word（DOCX）", "doc": "Word（DOC）", "wps": "WPS"}


@dataclass(frozen=True)
class PlanFile:
    """A checked plan file: its name, type (pdf, docx, doc, wps), size in bytes, SHA-256 and bytes."""

    name: str
    type: str
    size: int
    sha256: str
    data: bytes

    def row(self) -> dict[str, object]:
        """The columns of ``county_plans`` that hold it."""
        return {
            "file_name": self.name,
            "file_type": self.type,
            "file_size": self.size,
            "file_sha256": self.sha256,
            "file_data": self.data,
        }


def _refuse(code: str, message: str, name: str) -> ValidationFailed:
    return ValidationFailed([Finding(code, message, field=FIELD, value=name)])


def content_type(data: bytes) -> str | None:
    """What ``data`` is by its content: "pdf", "docx", "ole" (a WPS or DOC Word document) or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK") and zipfile.is_zipfile(io.BytesIO(data)):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                return "docx" if "word/document.xml" in z.namelist() else None
        except zipfile.BadZipFile:
            return None
    if olefile.isOleFile(data):
        try:
            with olefile.OleFileIO(data) as ole:
                return "ole" if ole.exists("WordDocument") else None
        except OSError:
            return None
    return None


def check_plan_file(name: str, data: bytes) -> PlanFile:
    """``data`` named ``name`` as a :class:`PlanFile`; ValidationFailed (naming 方案文件) when it is empty,
    larger than :data:`MAX_BYTES`, of a type the store does not take, or not what its extension says."""
    name = PurePath(name.strip() or "工作方案").name[:200]
    suffix = PurePath(name).suffix.lower()
    if suffix not in TYPES:
        raise _refuse("file_type", f"“{name}”不是可接受的文件类型，应为 PDF、DOCX 或 WPS/DOC 文件", name)
    if not data:
        raise _refuse("file_empty", f"“{name}”是空文件", name)
    if len(data) > MAX_BYTES:
        size = f"{len(data) / 1024 / 1024:.1f}"
        raise _refuse("file_size", f"“{name}”有 {size} MB，超过上限 {MAX_BYTES // 1024 // 1024} MB", name)
    kind = TYPES[suffix]
    found = content_type(data)
    if found != ("ole" if kind in ("doc", "wps") else kind):
        what = LABELS[kind]
        raise _refuse("file_content", f"“{name}”的内容不是{what}文件（扩展名与内容不符或文件已损坏）", name)
    return PlanFile(name, kind, len(data), hashlib.sha256(data).hexdigest(), data)
