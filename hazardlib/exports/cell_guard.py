"""Making user text safe to put in a spreadsheet cell or a CSV file.

A spreadsheet reads a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and some
also strip a leading tab or carriage return before doing so (CSV/formula injection). Such text is
prefixed with a single quote, so it shows as typed and is never evaluated; characters that XML cannot
hold (control characters) are removed.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def neutralise(value: Any) -> Any:
    """``value`` unchanged unless it is text a spreadsheet could run: then prefixed with a quote."""
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if text.startswith(FORMULA_STARTS):
        return QUOTE + text
    return text


def is_dangerous(value: Any) -> bool:
    """True for text that a spreadsheet would read as a formula (what :func:`neutralise` guards)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)
