"""Pieces the rules share: labels for messages and the SQL tests of actions already recorded."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from .. import schema, vocab
from ..catalogue import product_name as product_name

ENT = schema.enterprises
H = schema.hazards
E = schema.hazard_events
S = schema.spot_checks
INTERVIEWS = schema.interviews


def finding_label(kind: str, grade: str) -> str:
    """For example “重大隐患” or “较大风险”."""
    return f"{vocab.GRADE.label(grade)}{vocab.FINDING_KIND.label(kind)}"


def kind_word(kind: str) -> str:
    """The word for a ledger record: 隐患 for a hazard, 风险 for a risk (its ``kind``)."""
    return vocab.FINDING_KIND.label(kind)


def tally(rows: Iterable[Mapping[str, Any]], unit: str, *, grade: bool = True) -> str:
    """Ledger records counted by what they are, in the ledger's order of kinds, e.g. “重大隐患 2 条、重大风险
    1 条” (``grade``: with the grade word, the rows all of one grade) or “隐患 3 条、风险 1 条”."""
    counts: dict[str, int] = {}
    for r in rows:
        word = finding_label(r["kind"], r["grade"]) if grade else kind_word(r["kind"])
        counts[word] = counts.get(word, 0) + 1
    order = {vocab.FINDING_KIND.label(k): i for i, k in enumerate(vocab.FINDING_KIND.codes)}
    words = sorted(counts, key=lambda w: order.get(w[-2:], len(order)))
    return "、".join(f"{w} {counts[w]} {unit}" for w in words)


def days(a: dt.date, b: dt.date) -> int:
    return (b - a).days


def sampled_enterprise() -> Any:
    """SQL: the enterprise a spot check is about — the sampled enterprise (受检企业), else its seller,
    else its producer (the same order the store uses to give a check its county)."""
    return sa.func.coalesce(S.c.enterprise_id, S.c.seller_id, S.c.producer_id)


def interviewed_since(enterprise: Any, since: Any, as_of: dt.date) -> Any:
    """SQL: the enterprise was interviewed (约谈) on or after ``since`` and on or before ``as_of``: an interview
    record (the one source: an interview recorded on the ledger is one too, :mod:`hazardlib.interviews`)."""
    return sa.exists().where(
        INTERVIEWS.c.enterprise_id == enterprise,
        INTERVIEWS.c.held_date >= since,
        INTERVIEWS.c.held_date <= as_of,
    )


def escalated_since(hazard: Any, outcome: str, since: Any, as_of: dt.date) -> Any:
    """SQL: the hazard has an ``escalate`` move with ``outcome`` dated in ``since``…``as_of``."""
    e2 = E.alias(f"esc_{outcome}")
    return sa.exists().where(
        e2.c.hazard_id == hazard,
        e2.c.move == "escalate",
        e2.c.outcome == outcome,
        e2.c.event_date >= since,
        e2.c.event_date <= as_of,
    )


def group_rows(rows: Iterable[Mapping[str, Any]], key: str) -> dict[Any, list[Mapping[str, Any]]]:
    """Rows of a (small) result grouped by one column, keeping their order."""
    out: dict[Any, list[Mapping[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r[key]].append(r)
    return out


def ids(rows: Sequence[Mapping[str, Any]], column: str) -> tuple[int, ...]:
    """The distinct ids in one column of some rows, in order."""
    return tuple(dict.fromkeys(int(r[column]) for r in rows if r[column] is not None))


def fetch(conn: sa.Connection, stmt: Any) -> list[dict[str, Any]]:
    """The rows of a rule's query as dicts (a rule's result set, never a whole table)."""
    return [dict(r) for r in conn.execute(stmt).mappings()]
