"""The template kinds, and how a file's header row is matched onto a kind's columns (synonyms, marks
such as “*” or “（必填）”, full-width brackets and spaces do not matter)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .columns import ENTERPRISES, HELP, INSPECTIONS, MAX_HEADER_CHARS, ROW_NO_HEADER, SELF_CHECKS, KindSpec
from .columns_cases import ENFORCEMENT, RECTIFICATIONS, RISK_SIGNALS, SPOT_CHECKS
from .columns_documents import INSTRUMENTS, TRACING_TASKS, WRITTEN_REPORTS
from .columns_plan import COUNTY_PLANS, INTERVIEWS, OVERSIGHT

KINDS: dict[str, KindSpec] = {
    k.name: k
    for k in (
        ENTERPRISES,
        SELF_CHECKS,
        INSPECTIONS,
        RECTIFICATIONS,
        SPOT_CHECKS,
        ENFORCEMENT,
        HELP,
        RISK_SIGNALS,
        COUNTY_PLANS,
        INTERVIEWS,
        OVERSIGHT,
        INSTRUMENTS,
        TRACING_TASKS,
        WRITTEN_REPORTS,
    )
}
TEMPLATE_KINDS: tuple[str, ...] = tuple(KINDS)


# -- matching a file's headers --------------------------------------------------------------------

_DECORATION = re.compile(r"^[*＊★※]+|[*＊★※]+$|[(（](必填|选填|必填项|选填项|可选)[)）]$|[:：]$")
_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")"})


def header_key(text: object) -> str:
    """A header reduced to what identifies it: full-width to half-width, no spaces, marks or brackets' style."""
    if text is None or len(str(text)) > MAX_HEADER_CHARS:
        return ""  # a long text is a title or data, never a header
    key = unicodedata.normalize("NFKC", str(text)).translate(_BRACKETS)
    key = "".join(key.split())
    previous = None
    while previous != key:
        previous, key = key, _DECORATION.sub("", key)
    return key.upper()


def _lookup(spec: KindSpec) -> dict[str, str]:
    table: dict[str, str] = {}
    for column in spec.columns:
        for name in (column.header, *column.synonyms):
            table.setdefault(header_key(name), column.key)
    return table


_LOOKUPS = {name: _lookup(spec) for name, spec in KINDS.items()}
_PARTS = {
    name: {c.key: {header_key(p) for p in c.parts} for c in spec.columns if c.parts}
    for name, spec in KINDS.items()
}


@dataclass
class HeaderMatch:
    """How one header row of a file maps onto a kind's columns."""

    kind: str
    positions: dict[str, int]  # column key -> 0-based position in the row
    written: dict[str, str]  # column key -> the header as written in the file
    duplicates: list[tuple[int, str, str]] = field(default_factory=list)  # position, written, key
    unknown: list[str] = field(default_factory=list)
    row_no_position: int | None = None
    joined: dict[str, list[tuple[int, str]]] = field(
        default_factory=dict
    )  # key -> its other parts: position, written

    @property
    def missing_required(self) -> list[str]:
        return [k for k in KINDS[self.kind].required_keys if k not in self.positions]

    @property
    def score(self) -> int:
        return len(self.positions)


def match_headers(kind: str, cells: Sequence[object]) -> HeaderMatch:
    """Map a row of header cells onto ``kind``'s columns (first match wins, the rest are duplicates)."""
    lookup, parts = _LOOKUPS[kind], _PARTS[kind]
    found = HeaderMatch(kind, {}, {})
    for position, cell in enumerate(cells):
        key = header_key(cell)
        if not key:
            continue
        if key == ROW_NO_HEADER:
            found.row_no_position = position
            continue
        column = lookup.get(key)
        if column is None:
            found.unknown.append(str(cell).strip())
        elif column in found.positions:
            if key in parts.get(column, ()) and header_key(found.written[column]) in parts[column]:
                found.joined.setdefault(column, []).append((position, str(cell).strip()))  # 联系人, 联系电话
            else:
                found.duplicates.append((position, str(cell).strip(), column))
        else:
            found.positions[column] = position
            found.written[column] = str(cell).strip()
    return found


def best_kind(
    cells: Sequence[object], kinds: Iterable[str] = TEMPLATE_KINDS
) -> tuple[HeaderMatch | None, bool]:
    """The kind whose required columns all appear in ``cells`` and that matches most of them.

    Returns ``(match, ambiguous)``; match is None when no kind fits.
    """
    fits = [m for m in (match_headers(k, cells) for k in kinds) if not m.missing_required and m.score >= 2]
    if not fits:
        return None, False
    fits.sort(key=lambda m: (m.score, -len(KINDS[m.kind].columns)), reverse=True)
    ambiguous = len(fits) > 1 and fits[1].score == fits[0].score
    return fits[0], ambiguous
