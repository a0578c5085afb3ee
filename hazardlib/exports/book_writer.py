"""One workbook from the sheets of a form: the styled openpyxl form (:mod:`.xlsx`) for a small one, the
streamed xlsxwriter form (:mod:`.xlsx_stream`) for a large one.

The choice lives here, above both writers, so that the streamed writer can take the layout of
:mod:`.xlsx` without the two importing each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from . import xlsx
from .xlsx import Heading, Sheet, write_formatted
from .xlsx_stream import write_streamed


def write_workbook(
    path: str | Path, sheets: Iterable[Sheet], heading: Heading, *, write_only: bool | None = None
) -> Path:
    """Write ``sheets`` as one workbook at ``path``; streamed when asked or when a sheet is large."""
    sheets = list(sheets)
    if write_only is None:
        write_only = any(len(s.rows) > xlsx.WRITE_ONLY_ROWS or s.more is not None for s in sheets)
    if write_only:
        return write_streamed(Path(path), sheets, heading)
    return write_formatted(path, sheets, heading)
