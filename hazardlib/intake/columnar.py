"""Reading the plainly valid rows of a large enterprises register a column at a time.

The importer reads a sheet in chunks of rows. :class:`EnterpriseColumns` takes each recognised column of a
chunk whole and puts every cell through the three steps the row path takes: the cell parser of the
column's type (:mod:`.normalise`), the handler's resolution of county and product names to codes, and the
model's check as :class:`.quick.QuickEnterprise` runs it. A column that repeats a few values (the county,
the type, 是/否, the products) is worked out once per distinct value. A row whose every cell passes is a
plainly valid enterprise and comes back as its stored values; every other row — blank, the template's
example, a repeated header, a cell too long, bad or missing — comes back as None and takes the row path,
which words its findings. ``tests/test_intake_columnar.py`` holds the two paths to the same report and the
same store.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .. import vocab
from .columns import EXAMPLE_MARK, KindSpec
from .context import cell_parser
from .kinds import HeaderMatch
from .normalise import BadCell
from .quick import LENGTHS, Declined, QuickEnterprise, plain_uscc

DECLINED: Any = object()  # a cell that is not plainly valid
_MISSING: Any = object()
MEMO_LIMIT = 4096  # distinct values remembered per column; a column with more is worked out cell by cell
UNIQUE = frozenset({"uscc", "name", "address", "contact"})  # columns whose values seldom repeat

Fields = tuple[Any, ...]  # an enterprise's stored values in the model's field order (lists as tuples)

# In a column's text cells joined by NUL, what cleaning would change: a full-width letter or digit, a space
# other than " ", two spaces running, a space at either end of a cell; in a name also any space (spaces
# near Chinese characters go) and a half-width bracket.
_TEXT_CHANGES = re.compile(rf"[{vocab.WIDE_CHARS}]|\s\s|[^\S ]|^ | $| \x00|\x00 ")
_NAME_CHANGES = re.compile(rf"[{vocab.WIDE_CHARS}\s()]")


class EnterpriseColumns:
    """The plainly valid rows of a chunk of an enterprises sheet, checked a column at a time.

    ``resolvers``: column key → the handler's resolution of a cleaned cell (county and product names to
    codes); ``parsers``: column key → the cell parser the row path uses for it.
    """

    def __init__(
        self,
        spec: KindSpec,
        match: HeaderMatch,
        quick: QuickEnterprise,
        parsers: Mapping[str, Callable[[Any], Any]],
        resolvers: Mapping[str, Callable[[Any], Any]],
        max_chars: int,
    ):
        self.quick = quick
        self.max_chars = max_chars
        # per field of the model: the column's position and its cell function, or the default when the
        # file has no such column
        self.steps: list[tuple[int | None, Any]] = []
        self.memos: list[dict[Any, Any] | None] = []
        self.wholes: list[Callable[[Sequence[Any], Callable[[Any], Any]], Sequence[Any] | None] | None] = []
        for key in quick.FIELDS:
            position = match.positions.get(key)
            self.wholes.append(_WHOLE.get(key))
            if position is None:
                self.steps.append((None, quick.defaults.get(key, DECLINED)))
                self.memos.append(None)
                continue
            cell = self._cell(
                parsers.get(key, cell_parser(spec.column(key).type)),
                resolvers.get(key),
                quick.checks[key],
                quick.defaults.get(key, DECLINED),
            )
            self.steps.append((position, cell))
            self.memos.append(None if key in UNIQUE else {})
        self.row_no = match.row_no_position
        # the cells a row is read for: each field's column, then the 序号 column
        read = {p for p, _step in self.steps if p is not None}
        self.positions = sorted(read if self.row_no is None else read | {self.row_no})
        self.width = self.positions[-1] + 1
        # a tuple of cells, as the four required columns are always there
        self.pick = operator.itemgetter(*self.positions)
        example = spec.column("uscc").example
        self.example_uscc = str(example).upper() if example is not None else None
        self.products = quick.FIELDS.index("products")
        self.county = quick.FIELDS.index("county_code")

    def _cell(
        self,
        parse: Callable[[Any], Any],
        resolve: Callable[[Any], Any] | None,
        check: Callable[[Any], Any],
        blank: Any,
    ) -> Callable[[Any], Any]:
        """A cell's stored value through the row path's steps, ``blank`` for a blank cell (DECLINED for a
        required column), DECLINED when any step would find fault."""
        limit = self.max_chars

        def cell(raw: Any) -> Any:
            if type(raw) is str and len(raw) > limit:
                return DECLINED
            try:
                value = parse(raw)
                if value is None:
                    return blank
                if resolve is not None:
                    value = resolve(value)
                return check(value)
            except (BadCell, Declined):
                return DECLINED

        return cell

    def rows(self, chunk: Sequence[list[Any]]) -> list[Fields | None]:
        """For each row of ``chunk`` (cell values from column A), its stored values if it is plainly valid,
        else None."""
        width, pick = self.width, self.pick
        picked = [pick(r) if len(r) >= width else pick(r + [None] * (width - len(r))) for r in chunk]
        found = list(zip(*picked, strict=True)) if picked else [()] * len(self.positions)
        cells_of = dict(zip(self.positions, found, strict=True))
        columns: list[Sequence[Any]] = []
        size = len(chunk)
        for i, (position, step) in enumerate(self.steps):
            if position is None:
                columns.append([step] * size)
                continue
            cells = cells_of[position]
            whole = self.wholes[i]
            if whole is not None and (done := whole(cells, step)) is not None:
                columns.append(done)
                continue
            memo = self.memos[i]
            if memo is None:
                columns.append(list(map(step, cells)))
                continue
            columns.append(self._remembered(i, memo, step, cells))
        out: list[Fields | None] = []
        example, fits = self.example_uscc, self.quick.fits
        p, c = self.products, self.county
        for fields in zip(*columns, strict=True):
            if DECLINED in fields or fields[0] == example or not fits(fields[p], fields[c]):
                out.append(None)
            else:
                out.append(fields)
        if self.row_no is not None:
            for i, mark in enumerate(cells_of[self.row_no]):
                if type(mark) is str and EXAMPLE_MARK in mark:
                    out[i] = None
        return out

    def _remembered(
        self, i: int, memo: dict[Any, Any], step: Callable[[Any], Any], cells: Sequence[Any]
    ) -> list[Any]:
        """``step`` of each cell, worked out once per distinct text (or blank) written; a cell of another
        type (a number, a date, 是 as a boolean) each time (1, 1.0 and True are equal keys)."""
        get = memo.get
        out = [get(raw, _MISSING) for raw in cells]
        if _MISSING in out:
            for j, found in enumerate(out):
                if found is _MISSING:
                    raw = cells[j]
                    remember = raw is None or type(raw) is str
                    found = get(raw, _MISSING) if remember else _MISSING
                    if found is _MISSING:
                        found = step(raw)
                        if remember:
                            memo[raw] = found
                    out[j] = found
            if len(memo) > MEMO_LIMIT:  # not a column of a few values: not worth remembering
                self.memos[i] = None
        return out


def _plain_texts(
    changes: re.Pattern[str], key: str, cells: Sequence[Any], step: Callable[[Any], Any]
) -> Sequence[Any] | None:
    """A text column's stored values at once when cleaning leaves every text cell as written and each is of a
    length the model allows (the others by ``step``); None otherwise (each cell by ``step``)."""
    texts = [c for c in cells if type(c) is str]
    if not texts:
        return None
    lengths = list(map(len, texts))
    shortest, longest = LENGTHS[key]
    if min(lengths) < shortest or max(lengths) > longest or changes.search("\x00".join(texts)):
        return None
    if len(texts) == len(cells):
        return cells
    return [c if type(c) is str else step(c) for c in cells]


def _plain_usccs(cells: Sequence[Any], step: Callable[[Any], Any]) -> list[Any]:
    """The credit codes of a column: one already compact with the right check digit is stored as written
    (every step of the row path leaves it so), any other by ``step``."""
    return [c if type(c) is str and plain_uscc(c) else step(c) for c in cells]


# column-wise shortcuts, exact by construction, for the columns whose values seldom repeat
_WHOLE: dict[str, Callable[[Sequence[Any], Callable[[Any], Any]], Sequence[Any] | None]] = {
    "uscc": _plain_usccs,
    "name": functools.partial(_plain_texts, _NAME_CHANGES, "name"),
    "address": functools.partial(_plain_texts, _TEXT_CHANGES, "address"),
    "contact": functools.partial(_plain_texts, _TEXT_CHANGES, "contact"),
}
