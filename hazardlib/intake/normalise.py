"""Turning what people type into spreadsheet cells into clean values: text, dates, numbers, codes.

Each function takes a raw cell (str, int, float, bool, date, datetime from the readers) and returns the
clean value, or raises :class:`BadCell` with a Chinese reason. Closed vocabularies (grades, results…)
are left as clean text: the models map their labels and variants to codes.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from ..vocab import clean_line, clean_name, yes_no_label

EXCEL_EPOCH = dt.date(1899, 12, 30)  # the 1900 date system, with Excel's phantom 1900-02-29 before day 61
MAX_SERIAL = 2958465  # 9999-12-31
MAX_CELL_CHARS = 32767  # Excel's own limit on one cell


class BadCell(ValueError):
    """A cell whose value cannot be read as the column's type; the message is Chinese."""

    def __init__(self, message: str, code: str = "cell"):
        self.code = code
        super().__init__(message)


_SPACE_NEAR_CJK = re.compile(
    r"(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])\s+|\s+(?=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])"
)
_DATE_PARTS = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{1,7}(?:\.\d+)?$")
_INT = re.compile(r"^[+-]?\d+(?:\.0+)?$")


def is_blank(value: Any) -> bool:
    """Whether a cell holds nothing (None, an empty string, only spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str | None:
    """Clean text of one line (:func:`hazardlib.vocab.clean_line`: full-width letters and digits to
    half-width, every run of white space one space); numbers without a spurious ``.0``; None for a blank
    cell."""
    if type(value) is str:  # nearly every cell: clean it straight away (blank comes out empty)
        return clean_line(value) or None
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return yes_no_label(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value.isoformat()
    return clean_line(str(value)) or None


def as_text(value: Any) -> str | None:
    """A cell of a column whose model field cleans its text (:func:`hazardlib.fields.cleans_text`): text
    as written, cleaned once, by the model (a note keeps its line breaks, a name does not); None for a
    blank cell; a number, date or yes/no as :func:`text` writes it."""
    if type(value) is str:
        return None if not value or value.isspace() else value
    return text(value)


def choice(value: Any) -> str | None:
    """A value from a closed list (grade, result, county, 是/否…): clean text without the spaces people
    type between Chinese characters to spread them out (“不 合 格”, “都 匀 市”)."""
    cleaned = text(value)
    return _SPACE_NEAR_CJK.sub("", cleaned) if cleaned else None


def name(value: Any) -> str | None:
    """An enterprise's name: clean text without the stray spaces people type between Chinese characters."""
    cleaned = text(value)
    return clean_name(cleaned) if cleaned else None


def code(value: Any) -> str | None:
    """A code (统一社会信用代码, batch number…): clean text with no spaces at all, upper case."""
    if isinstance(value, float) and not value.is_integer():
        raise BadCell("应为文字代码，不是小数", "code_number")
    cleaned = text(value)
    return "".join(cleaned.split()).upper() if cleaned else None


def uscc(value: Any) -> str | None:
    """A 统一社会信用代码 as written; an 18-digit number Excel kept as a number has lost digits."""
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1e15:
        raise BadCell(
            "统一社会信用代码被 Excel 存成了数字，后几位已丢失；请把该列设为“文本”格式后重新填写",
            "uscc_number",
        )
    return code(value)


def serial_to_date(serial: float) -> dt.date:
    """The date of an Excel serial number (1900 date system)."""
    if not 1 <= serial <= MAX_SERIAL:
        raise BadCell(f"“{serial:g}”不是有效的 Excel 日期序号", "date_serial")
    days = int(serial)
    if days < 61:  # Excel counts a 29 February 1900 that never was
        days += 1
    return EXCEL_EPOCH + dt.timedelta(days=days)


def date(value: Any) -> dt.date | None:
    """A date from a date cell, an Excel serial, or text such as 2024-06-03, 2024/6/3, 2024.6.3,
    2024年6月3日 or 20240603 (full-width digits accepted)."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise BadCell("不是有效的日期", "date")
    if isinstance(value, int | float):
        return serial_to_date(float(value))
    raw = unicodedata.normalize("NFKC", str(value)).strip()
    match = _DATE_PARTS.match(raw) or _DATE_COMPACT.match(raw)
    if match:
        year, month, day = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise BadCell(f"“{value}”不是有效的日期（没有这一天）", "date") from None
    if _SERIAL.match(raw):
        return serial_to_date(float(raw))
    raise BadCell(f"“{value}”不是有效的日期（可写作 2024-06-03、2024/6/3、2024.6.3 或 2024年6月3日）", "date")


def integer(value: Any) -> int | None:
    """A whole number from a number cell or text (full-width digits accepted)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise BadCell("应为整数", "int")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise BadCell(f"“{value:g}”应为整数", "int")
    raw = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    if _INT.match(raw):
        return int(float(raw))
    raise BadCell(f"“{value}”应为整数", "int")


def too_long(value: Any) -> bool:
    """Whether a text cell is longer than Excel allows (a file no spreadsheet program wrote)."""
    return isinstance(value, str) and len(value) > MAX_CELL_CHARS
