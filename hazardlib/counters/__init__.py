"""Running counts behind the action results list (行动成果清单), kept in the same transaction as each write.

At a province's scale (a million hazards) counting the results list from the records takes seconds; the
counts here make it a sum over a few hundred thousand small rows. Each figure a record adds to is kept as
*marks* in ``figure_counts``: ``(county_code, figure, anchor, day, n)``. A figure at an as-of date, for a
report window that starts on ``start``, is

    SUM(n) over the marks with  anchor >= start  AND  day <= as_of

and ``day >= anchor`` for every mark. A record dated ``d`` that counts once puts ``+1`` at
``(anchor=d, day=d)``. A hazard found on ``f`` that is closed from day ``a`` until it is reopened on ``b``
puts ``+1`` at ``(f, a)`` and ``-1`` at ``(f, b)``. An enterprise counted once however many dated records it
has in the window (自查企业数, 约谈企业数 …) puts ``+1`` at ``(d_i, d_i)`` for each of its dates and ``-1`` at
``(d_{i-1}, d_i)`` for each date after the first, so that its marks sum to 1 whenever any date lies in the
window and to 0 otherwise.

**Upkeep.** Marks are grouped by *unit* (a hazard with its events; an enterprise's inspections,
self-checks, interviews, cases or help; one spot check, tracing task or instrument). The first time a
transaction touches a unit (:meth:`Tracker.touch`, called by :class:`~hazardlib.store.Tx` before every
write), the unit's marks are counted from the store as it stands; when the transaction ends
(:meth:`Tracker.flush`), they are counted again and the difference is added to ``figure_counts`` by one
upsert, in the same transaction. A write undone by a savepoint leaves its unit's marks as they were, so the
difference is nothing. Writers never count the same unit at the same time: SQLite lets one writer in at a
time, and PostgreSQL writers take turns by county (see :func:`hazardlib.store.make_engine`).

The plain definitions stay in :mod:`hazardlib.reports.results_list` (``county_counts_plain``); tests hold the
counts to them after every kind of write, and ``hazard recount --check`` compares them on a real store.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import schema
from .marks import (
    CLASSIFIED_FIGURES,
    COUNTED_FIGURES,
    ENT,
    FAMILIES,
    PROGRESS_FIGURES,
    Marks,
    Where,
    campaign_key,
    hazard_marks,
    progress_figure,
    supervision_marks,
    supervision_terms,
)

COUNTS = schema.figure_counts
KEY = ("anchor", "day", "county_code", "figure")
IN_CHUNK = 5000  # units per IN (...) query
RANGE_CHUNK = 50000  # ids per range when every unit is counted

# Which units a write to each table touches: (family, column of the record holding the unit id).
_TOUCHES: dict[str, tuple[tuple[str, str], ...]] = {
    "enterprises": (("enterprise", "id"),),
    "hazards": (("hazard", "id"), ("supervision", "enterprise_id")),
    "hazard_events": (("hazard", "hazard_id"),),
    "inspections": (("inspections", "enterprise_id"),),
    "self_checks": (("self_checks", "enterprise_id"),),
    "interviews": (("interviews", "enterprise_id"),),
    "enforcement_cases": (("enforcement", "enterprise_id"),),
    "help_records": (("help", "enterprise_id"),),
    "spot_checks": (("spot_check", "id"),),
    "tracing_tasks": (("trace", "id"),),
    "instruments": (("instrument", "id"),),
}
# Columns of a record whose change cannot move a figure (a hazard's state is read from its events).
_IDLE_COLUMNS: dict[str, frozenset[str]] = {
    "hazards": frozenset(
        [
            "state",
            "deadline",
            "ordered_date",
            "rectified_date",
            "reinspected_date",
            "closed_date",
            "description",
            "control_measures",
            "large_urgent",
            "problem_code",
            "category_code",
            "sub_product_code",
            "updated_at",
            "updated_by",
            "version",
        ]
    ),
}
# Records that count for the county of the enterprises they name (an enterprise moving county moves them).
_ENTERPRISE_LINKS: tuple[tuple[str, sa.Table, tuple[str, ...]], ...] = (
    ("hazard", schema.hazards, ("enterprise_id",)),
    ("spot_check", schema.spot_checks, ("enterprise_id", "seller_id", "producer_id")),
    ("instrument", schema.instruments, ("enterprise_id",)),
)


def _in(units: Sequence[Any]) -> Iterator[Where]:
    """Conditions that together pick ``units``: a run of consecutive ids (the records of one large insert)
    as ranges of at most :data:`RANGE_CHUNK`, the others in lists of at most :data:`IN_CHUNK`."""
    rest: list[Any] = list(units)
    if rest and all(type(u) is int for u in rest):
        rest = []
        for first, last in _runs(sorted(set(units))):
            if last - first + 1 < RUN_MIN:
                rest.extend(range(first, last + 1))
                continue
            for start in range(first, last + 1, RANGE_CHUNK):
                yield _between(start, min(last, start + RANGE_CHUNK - 1))
    for i in range(0, len(rest), IN_CHUNK):
        yield _member_of(rest[i : i + IN_CHUNK])


def _runs(ids: Sequence[int]) -> Iterator[tuple[int, int]]:
    """The runs of consecutive numbers in sorted, distinct ``ids``: (first, last) of each."""
    first = last = ids[0]
    for i in ids[1:]:
        if i != last + 1:
            yield first, last
            first = i
        last = i
    yield first, last


RUN_MIN = 64  # consecutive ids counted by one range rather than listed


def _member_of(chunk: list[Any]) -> Where:
    return lambda column: column.in_(chunk)


def _between(first: int, last: int) -> Where:
    return lambda column: column.between(first, last)


def _ranges(conn: Connection, table: sa.Table) -> Iterator[Where]:
    low, high = conn.execute(sa.select(sa.func.min(table.c.id), sa.func.max(table.c.id))).one()
    if low is None:
        return
    for first in range(int(low), int(high) + 1, RANGE_CHUNK):
        yield _between(first, first + RANGE_CHUNK - 1)


def count_units(conn: Connection, family: str, units: Sequence[Any] | None) -> Marks:
    """The marks of ``units`` of ``family`` (every unit when None), counted from the store."""
    fam = FAMILIES[family]
    marks: Marks = {}
    conditions = _ranges(conn, fam.table) if units is None else _in(units)
    for where in conditions:
        for key, n in fam.count(conn, where).items():
            marks[key] = marks.get(key, 0) + n
    return marks


def apply(conn: Connection, marks: Marks) -> int:
    """Add ``marks`` to ``figure_counts`` (one upsert, in key order); returns the rows written."""
    rows = [
        {"county_code": c, "figure": f, "anchor": a, "day": d, "n": n}
        for (c, f, a, d), n in sorted(marks.items(), key=lambda kv: (kv[0][2], kv[0][3], kv[0][0], kv[0][1]))
        if n
    ]
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stmt = insert(COUNTS)
    stmt = stmt.on_conflict_do_update(index_elements=list(KEY), set_={"n": COUNTS.c.n + stmt.excluded.n})
    for i in range(0, len(rows), IN_CHUNK):
        conn.execute(stmt, rows[i : i + IN_CHUNK])
    return len(rows)


TERMS_KEY = "figure_counts_terms"


def _terms_text() -> str:
    return json.dumps(supervision_terms(), sort_keys=True)


def terms_current(conn: Connection) -> bool:
    """Whether the classified-supervision marks were counted by the campaign calendars of today (a new
    or changed calendar needs ``hazard recount``; until then the results list counts those figures from
    the records)."""
    meta = schema.store_meta
    kept = conn.execute(sa.select(meta.c.value).where(meta.c.key == TERMS_KEY)).scalar()
    return kept == _terms_text()


def forget(conn: Connection) -> None:
    """Empty ``figure_counts`` and forget the terms they were made by (a store being restored from a
    backup, which brings its own and is counted afresh afterwards); nothing when the store predates them."""
    if sa.inspect(conn).has_table(COUNTS.name):
        conn.execute(COUNTS.delete())
    meta = schema.store_meta
    conn.execute(meta.delete().where(meta.c.key == TERMS_KEY))


def rebuild(conn: Connection, progress: Callable[[str], object] | None = None) -> int:
    """Count every unit of the store afresh into an emptied ``figure_counts``; returns its rows.
    ``progress`` is called with each family's name once it is counted."""
    meta = schema.store_meta
    conn.execute(meta.delete().where(meta.c.key == TERMS_KEY))
    conn.execute(meta.insert().values(key=TERMS_KEY, value=_terms_text()))
    conn.execute(COUNTS.delete())
    total = 0
    for family in FAMILIES:
        total += apply(conn, count_units(conn, family, None))
        if progress is not None:
            progress(family)
    conn.execute(COUNTS.delete().where(COUNTS.c.n == 0))
    return total


class Tracker:
    """The units one transaction has touched, with their marks before its first write to them."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.before: Marks = {}
        self.touched: dict[str, set[Any]] = defaultdict(set)
        self.everything = False

    def recount_everything(self) -> None:
        """Count the whole store afresh at the end (after bulk writes that bypass :meth:`touch`)."""
        self.everything = True

    def _units(self, family: str, units: Iterable[Any], *, new: bool) -> None:
        fresh = [u for u in {u for u in units if u is not None} if u not in self.touched[family]]
        if not fresh:
            return
        self.touched[family].update(fresh)
        if not new:
            for key, n in count_units(self.conn, family, fresh).items():
                self.before[key] = self.before.get(key, 0) + n

    def touch(
        self,
        table: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        changed: Iterable[str] | None = None,
        new: bool = False,
    ) -> None:
        """Note the units that a write of ``rows`` to ``table`` changes, before the write.

        ``changed``: the columns an update changes (None: an insert or a delete); ``new``: the rows are
        being inserted and carry their id already, so the units they key by id hold nothing yet.
        """
        if self.everything:
            return
        if table == "enterprises":
            self._enterprises(rows, changed, new=new)
            return
        touches = _TOUCHES.get(table)
        if not touches:
            return
        if changed is not None and not (set(changed) - _IDLE_COLUMNS.get(table, frozenset())):
            return
        for family, column in touches:
            self._units(family, (r.get(column) for r in rows), new=new and column == "id")
        if table == "hazards":  # a major risk on the ledger counts in its self-check's figures
            self._units(
                "self_checks",
                (r.get("enterprise_id") for r in rows if r.get("source") == "self_check"),
                new=False,
            )

    def inserted(self, table: str, ids: Iterable[int]) -> None:
        """Note the units keyed by the ids of records just inserted (they held no marks before)."""
        if self.everything:
            return
        for family, column in _TOUCHES.get(table, ()):
            if column == "id":
                self._units(family, ids, new=True)

    def _enterprises(
        self, rows: Sequence[Mapping[str, Any]], changed: Iterable[str] | None, *, new: bool
    ) -> None:
        ids = [r["id"] for r in rows if r.get("id") is not None]
        columns = None if changed is None else set(changed)
        if columns is None or columns & {"county_code", "products"}:
            self._units("enterprise", ids, new=new)
        if columns is not None and "products" in columns:  # key enterprises' self-checks
            self._units("self_checks", ids, new=False)
        if columns is not None and "county_code" in columns:
            self._enterprises_moving(ids)

    def _enterprises_moving(self, ids: Sequence[int]) -> None:
        for fam in FAMILIES.values():
            if fam.table is ENT:
                self._units(fam.name, ids, new=False)
        for family, table, columns in _ENTERPRISE_LINKS:
            linked = sa.or_(*(table.c[c].in_(list(ids)) for c in columns))
            units = self.conn.execute(sa.select(table.c.id).where(linked)).scalars().all()
            self._units(family, units, new=False)

    def flush(self, progress: Callable[[str], object] | None = None) -> None:
        """Add the difference the transaction made to ``figure_counts`` (before it commits); after
        :meth:`recount_everything`, count the store afresh (``progress`` as for :func:`rebuild`)."""
        if self.everything:
            rebuild(self.conn, progress)
            self.everything = False
            return
        if not self.touched:
            return
        marks = {k: -n for k, n in self.before.items()}
        for family, units in self.touched.items():
            for key, n in count_units(self.conn, family, sorted(units)).items():
                marks[key] = marks.get(key, 0) + n
        apply(self.conn, marks)
        self.before.clear()
        self.touched.clear()


def _sums(conn: Connection, counties: Sequence[str], *where: Any) -> dict[tuple[str, str], int]:
    stmt = (
        sa.select(COUNTS.c.county_code, COUNTS.c.figure, sa.func.sum(COUNTS.c.n))
        .where(COUNTS.c.county_code.in_(list(counties)), *where)
        .group_by(COUNTS.c.county_code, COUNTS.c.figure)
    )
    return {(c, f): int(n) for c, f, n in conn.execute(stmt)}


def counted(
    conn: Connection, start: dt.date, as_of: dt.date, counties: Sequence[str]
) -> dict[tuple[str, str], int]:
    """Every :data:`COUNTED_FIGURES` per county for a report window ``start``…``as_of``:
    {(county, figure): n}."""
    return _sums(
        conn,
        counties,
        COUNTS.c.anchor >= start,
        COUNTS.c.day <= as_of,
        COUNTS.c.figure.in_(COUNTED_FIGURES),
    )


def classified(
    conn: Connection, campaign_year: int, as_of: dt.date, counties: Sequence[str]
) -> dict[tuple[str, str], int]:
    """Enterprises under key and special supervision per county at ``as_of``, by the terms of the campaign
    of ``campaign_year``: {(county, figure): n}."""
    return _sums(
        conn,
        counties,
        COUNTS.c.anchor == campaign_key(campaign_year),
        COUNTS.c.day <= as_of,
        COUNTS.c.figure.in_(CLASSIFIED_FIGURES),
    )


def progress(
    conn: Connection, year: int, start: dt.date, end: dt.date, counties: Sequence[str]
) -> dict[tuple[str, str], int]:
    """The tracker's progress figures per county for the campaign of ``year`` over a window
    ``start``…``end``: {(county, figure without prefix): n} (see :func:`hazardlib.stages.county_progress`)."""
    names = {progress_figure(f, year): f for f in PROGRESS_FIGURES}
    names[progress_figure("key_enterprises")] = "key_enterprises"
    got = _sums(
        conn,
        counties,
        COUNTS.c.anchor >= start,
        COUNTS.c.day <= end,
        COUNTS.c.figure.in_(list(names)),
    )
    return {(c, names[f]): n for (c, f), n in got.items()}


__all__ = [
    "CLASSIFIED_FIGURES",
    "COUNTED_FIGURES",
    "FAMILIES",
    "PROGRESS_FIGURES",
    "Marks",
    "Tracker",
    "apply",
    "classified",
    "count_units",
    "counted",
    "forget",
    "hazard_marks",
    "progress",
    "progress_figure",
    "rebuild",
    "supervision_marks",
    "terms_current",
]
