"""The enterprise model's checks for the rows of a large register that plainly pass them, without building
a pydantic model for each row.

A province's register has hundreds of thousands of rows, nearly all of them valid, most of their cells
repeating a few values (the county, the enterprise type, 是/否, the products). :class:`QuickEnterprise`
returns a row's stored values exactly as ``models.Enterprise(**data).row()`` would, or None when the row
is not plainly valid: the model then checks it and words the findings. It runs the model's own checks
(:mod:`hazardlib.fields`), each remembered per distinct value written in the column; only the credit
code's check digit is computed here, for codes already in their compact form, and
``tests/test_intake_quick.py`` holds it, and the whole checker, to the model.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from .. import fields, models, vocab

# GB 32100-2015: the code's 31 characters and the weights of its first 17 positions
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(_ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_COMPACT_USCC = re.compile(r"[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}")
_MEMO_LIMIT = 4096  # distinct values remembered per column (a column of names is not worth it)


class Declined(Exception):
    """Internal: the value is not plainly valid; the model decides."""


def plain_uscc(code: str) -> bool:
    """True when ``code`` is a 统一社会信用代码 in its compact form (18 characters, no spaces, upper case)
    with the right check digit: python-stdnum's ``validate`` then returns it unchanged."""
    if not _COMPACT_USCC.fullmatch(code):
        return False
    total = sum(map(operator.mul, map(_VALUE.__getitem__, code[:17]), _WEIGHTS))
    return _ALPHABET[-total % 31] == code[17]


def _text(value: Any, *, optional: bool = False, max_length: int | None = None) -> str | None:
    """A ``fields.Text`` field, cleaned. A blank text is declined: the model refuses it (the importer
    passes a blank cell as None, which an optional field takes)."""
    if value is None and optional:
        return None
    if type(value) is not str:
        raise Declined
    cleaned = vocab.clean_text(value)
    if not cleaned or (max_length is not None and len(cleaned) > max_length):
        raise Declined
    return cleaned


def _county(value: Any) -> str:
    return fields.check_county(_text(value) or "")


def _field(value: Any) -> str:
    if type(value) is not str or (code := vocab.ENTERPRISE_FIELD.lookup(value)) is None:
        raise Declined
    return code


def _yes_no(value: Any) -> bool:
    if type(value) is not bool and type(value) is not str:
        raise Declined
    parsed = fields.check_yes_no(value)
    if parsed is None:
        raise Declined
    return bool(parsed)


def _licence(value: Any) -> str | None:
    return fields.check_licence(_text(value, optional=True))


def _ccc(value: Any) -> tuple[str, ...]:
    if type(value) is not str:
        raise Declined
    return tuple(fields.check_ccc(value))


def _products(value: Any) -> tuple[str, ...]:
    if type(value) is not str:
        raise Declined
    return tuple(fields.check_products(value))


class _Memo:
    """A column's check remembered per distinct value written: the result, or that it declined."""

    def __init__(self, check: Callable[[Any], Any]):
        self.check = check
        self.seen: dict[tuple[type, Any], Any] = {}

    def __call__(self, value: Any) -> Any:
        key = (type(value), value)
        try:
            found = self.seen[key]
        except KeyError:
            try:
                found = self.check(value)
            except Exception:  # whatever the model's check raises, the model words it
                found = Declined
            if len(self.seen) < _MEMO_LIMIT:
                self.seen[key] = found
        except TypeError:  # unhashable: not a cell value
            raise Declined from None
        if found is Declined:
            raise Declined
        return found


class QuickEnterprise:
    """The stored values of a plainly valid enterprise row, as the model would give them; else None."""

    FIELDS = tuple(models.Enterprise.model_fields)

    def __init__(self) -> None:
        self.county = _Memo(_county)
        self.field = _Memo(_field)
        self.own_products = _Memo(self._own_products)
        yes_no, ccc, products = _Memo(_yes_no), _Memo(_ccc), _Memo(_products)
        # the optional fields in the model's order: (field, check, value when the file has no such column)
        self.optional: tuple[tuple[str, Callable[[Any], Any], Any], ...] = (
            ("address", functools.partial(_text, optional=True, max_length=300), None),
            ("in_cluster_area", yes_no, False),
            ("rural_or_fringe_shop", yes_no, False),
            ("wholesale_market_shop", yes_no, False),
            ("concentrated_complaints", yes_no, False),
            ("licence_no", _Memo(_licence), None),
            ("ccc_certificates", lambda v: list(ccc(v)), []),
            ("products", lambda v: list(products(v)), []),
            ("contact", functools.partial(_text, optional=True, max_length=100), None),
        )

    @staticmethod
    def _own_products(key: tuple[tuple[str, ...], str]) -> bool:
        products, county = key
        if fields.other_county_product(list(products), county) is not None:
            raise Declined
        return True

    def values(self, data: Mapping[str, Any]) -> dict[str, Any] | None:
        """``models.Enterprise.model_validate(data).row()`` for a plainly valid row; None otherwise."""
        if not data.keys() <= _KNOWN:
            return None
        try:
            uscc = _text(data.get("uscc")) or ""
            if not plain_uscc(uscc):
                return None
            name = data.get("name")
            if type(name) is not str or not 2 <= len(name := vocab.clean_name(name)) <= 200:
                return None
            county = self.county(data.get("county_code"))
            out = {"uscc": uscc, "name": name, "county_code": county, "field": self.field(data.get("field"))}
            for key, check, absent in self.optional:
                out[key] = (
                    check(data[key]) if key in data else (list(absent) if type(absent) is list else absent)
                )
            if out["products"]:
                self.own_products((tuple(out["products"]), county))
            return out
        except Declined:
            return None


_KNOWN = frozenset(QuickEnterprise.FIELDS)
