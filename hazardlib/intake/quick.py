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
# the lengths the model allows a field's cleaned text (fewest, most characters)
LENGTHS = {"name": (2, 200), "address": (1, 300), "contact": (1, 100)}
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


def _uscc(value: Any) -> str:
    code = _text(value) or ""
    if not plain_uscc(code):
        raise Declined
    return code


def _name(value: Any) -> str:
    shortest, longest = LENGTHS["name"]
    if type(value) is not str or not shortest <= len(name := vocab.clean_name(value)) <= longest:
        raise Declined
    return name


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
    """The stored values of a plainly valid enterprise row, as the model would give them; else None.

    :attr:`checks` holds each field's check (a value as the model's data would hold it, to its stored value,
    or :class:`Declined`), :attr:`defaults` the stored value of an optional field the data leaves out; the
    list fields' checks give tuples (:func:`stored` turns them into the model's lists). The column-wise reader
    of :mod:`.columnar` uses the same checks.
    """

    FIELDS = tuple(models.Enterprise.model_fields)
    LISTS = frozenset({"ccc_certificates", "products"})

    def __init__(self) -> None:
        yes_no = _Memo(_yes_no)
        self.checks: dict[str, Callable[[Any], Any]] = {
            "uscc": _uscc,
            "name": _name,
            "county_code": _Memo(_county),
            "field": _Memo(_field),
            "address": functools.partial(_text, optional=True, max_length=LENGTHS["address"][1]),
            "in_cluster_area": yes_no,
            "rural_or_fringe_shop": yes_no,
            "wholesale_market_shop": yes_no,
            "concentrated_complaints": yes_no,
            "licence_no": _Memo(_licence),
            "ccc_certificates": _Memo(_ccc),
            "products": _Memo(_products),
            "contact": functools.partial(_text, optional=True, max_length=LENGTHS["contact"][1]),
        }
        assert tuple(self.checks) == self.FIELDS, "the checks follow the model's fields"
        self.defaults: dict[str, Any] = {
            "address": None,
            "in_cluster_area": False,
            "rural_or_fringe_shop": False,
            "wholesale_market_shop": False,
            "concentrated_complaints": False,
            "licence_no": None,
            "ccc_certificates": (),
            "products": (),
            "contact": None,
        }
        self.own_products = _Memo(self._own_products)

    @staticmethod
    def _own_products(key: tuple[tuple[str, ...], str]) -> bool:
        products, county = key
        if fields.other_county_product(list(products), county) is not None:
            raise Declined
        return True

    def fits(self, products: tuple[str, ...], county: str) -> bool:
        """Whether the products are all the county's to list (another county's own products are not)."""
        if not products:
            return True
        try:
            return self.own_products((products, county))
        except Declined:
            return False

    def values(self, data: Mapping[str, Any]) -> dict[str, Any] | None:
        """``models.Enterprise.model_validate(data).row()`` for a plainly valid row; None otherwise."""
        if not data.keys() <= _KNOWN:
            return None
        out: dict[str, Any] = {}
        defaults = self.defaults
        try:
            for key, check in self.checks.items():
                if key in data:
                    out[key] = check(data[key])
                elif key in defaults:
                    out[key] = defaults[key]
                else:
                    return None
        except Declined:
            return None
        if not self.fits(out["products"], out["county_code"]):
            return None
        return stored(out)


def stored(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with the list fields as the model's lists (the checks give tuples)."""
    for key in QuickEnterprise.LISTS:
        values[key] = list(values[key])
    return values


def content_of(values: Mapping[str, Any]) -> tuple[Any, ...]:
    """An enterprise's stored values as one hashable tuple in the model's field order (lists as tuples): two
    rows of a file with the same key say the same thing when their contents are equal."""
    return tuple(tuple(v) if type(v) is list else v for v in map(values.__getitem__, QuickEnterprise.FIELDS))


_KNOWN = frozenset(QuickEnterprise.FIELDS)
