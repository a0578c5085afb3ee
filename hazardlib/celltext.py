"""Text as a workbook's XML must hold it, shared by the writers of exports and of import findings."""

from __future__ import annotations

import re
from typing import Any

_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def as_typed(value: Any) -> Any:
    """Text as openpyxl must write it for Excel to show it as typed.

    In a workbook's XML, ``_x0041_`` stands for the character U+0041 ("A"); openpyxl writes text as it is
    (xlsxwriter escapes it itself), so text holding such a sequence has its underscore written as
    ``_x005F_``. Other values are returned unchanged.
    """
    if isinstance(value, str) and "_x" in value:
        return _ESCAPE_LIKE.sub(r"_x005F_\1", value)
    return value
