"""The rectification ledger (问题整改台账) with every hazard's history, the overdue list, and the
continuing report of hazards not rectified (after 31 October: “对10月底前未完成隐患问题整改的要持续
书面报送整改完成情况”).

Each hazard is shown as the ledger stood at the as-of date (:func:`hazardlib.ledger.ledger_at`): its
state, deadline and the dates of its moves up to that day; moves dated later are ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import schema, vocab
from ..ledger import E, is_overdue, ledger_at
from ..store import Store
from . import labels
from .common import Scope, frame_of, scope_for

H = schema.hazards

LEDGER_COLUMNS = [
    "hazard_id", "county_code", "county_name", "enterprise_id", "enterprise_name", "uscc", "kind",
    "kind_label", "grade", "grade_label", "category_code", "category_name", "sub_product_code",
    "sub_product_name", "problem_code", "problem_name", "source", "source_label", "found_date",
    "description", "ordered_date", "deadline", "rectified_date", "reinspected_date", "closed_date",
    "state", "state_label", "overdue", "overdue_days", "history",
]  # fmt: skip

_MOVE_DATES = {
    "ordered_date": "order",
    "rectified_date": "rectify",
    "reinspected_date": "reinspect",
    "closed_date": "close",
}
_OUTCOMES = {**vocab.REINSPECTION_OUTCOME.labels, **vocab.LOOK_BACK_OUTCOME.labels, **vocab.ESCALATION.labels}


def _in(column: Any, values: str | Sequence[str] | None) -> list[Any]:
    if values is None:
        return []
    items = [values] if isinstance(values, str) else list(values)
    return [column.in_(items)]


def _query(
    scope: Scope,
    *,
    kind: str | Sequence[str] | None,
    state: str | Sequence[str] | None,
    grade: str | Sequence[str] | None,
    category: str | Sequence[str] | None,
    overdue_only: bool,
    open_only: bool,
) -> Any:
    led = ledger_at(scope.as_of)
    e = schema.enterprises.alias("e_ledger")
    moves = (
        sa.select(
            E.c.hazard_id,
            *(
                sa.func.max(sa.case((E.c.move == move, E.c.event_date))).label(name)
                for name, move in _MOVE_DATES.items()
            ),
        )
        .where(E.c.event_date <= scope.as_of)
        .group_by(E.c.hazard_id)
        .subquery("move_dates")
    )
    overdue = is_overdue(led, scope.as_of)
    where = [
        scope.within(led.c.found_date),
        scope.county_filter(e.c.county_code),
        *_in(led.c.kind, kind),
        *_in(led.c.state, state),
        *_in(led.c.grade, grade),
        *_in(led.c.category_code, category),
    ]
    if overdue_only:
        where.append(overdue)
    if open_only:
        where.append(led.c.state != "closed")
    from_ = (
        led.join(e, e.c.id == led.c.enterprise_id)
        .join(H, H.c.id == led.c.id)
        .outerjoin(moves, moves.c.hazard_id == led.c.id)
    )
    stmt = (
        sa.select(
            led.c.id.label("hazard_id"),
            e.c.county_code,
            e.c.id.label("enterprise_id"),
            e.c.name.label("enterprise_name"),
            e.c.uscc,
            led.c.kind,
            led.c.grade,
            led.c.category_code,
            led.c.sub_product_code,
            led.c.problem_code,
            led.c.source,
            led.c.found_date,
            H.c.description,
            *(moves.c[name] for name in _MOVE_DATES),
            led.c.deadline,
            led.c.state,
            sa.case((overdue, True), else_=False).label("overdue"),
        )
        .select_from(from_)
        .where(*where)
        .order_by(e.c.county_code, led.c.found_date, led.c.id)
    )
    return stmt


# Up to this many hazards, their events are fetched by id; a longer ledger reads every event of the
# hazards found in the report's window in one pass over the events' (hazard_id, event_date) index.
_BY_ID = 2000

# Rows per chunk of a streamed ledger (:func:`ledger_chunks`): small enough that a chunk and its
# hazards' histories take a few MB, large enough that the per-chunk queries cost nothing.
CHUNK_ROWS = 5000


def _histories(conn: Connection, scope: Scope, hazard_ids: Sequence[int], by_id: bool) -> pd.Series:
    """Each hazard's moves up to the as-of date as one line of text, e.g.
    “2024-06-25 发现登记；2024-06-25 责令限期整改（期限 2024-07-25）；…”.

    ``by_id``: the events are fetched by the hazards' ids, else by a pass over the window's events."""
    columns = ["hazard_id", "event_date", "move", "deadline", "outcome", "note"]
    stmt = sa.select(*(E.c[c] for c in columns)).where(E.c.event_date <= scope.as_of)
    if by_id:
        stmt = stmt.where(E.c.hazard_id.in_([int(i) for i in hazard_ids]))
    else:
        stmt = stmt.join(H, H.c.id == E.c.hazard_id).where(scope.within(H.c.found_date))
    ev = frame_of(conn.execute(stmt.order_by(E.c.hazard_id, E.c.event_date, E.c.id)).all(), columns)
    if ev.empty:
        return pd.Series(dtype=object)
    text = ev["event_date"].astype(str) + " " + labels.vocabulary(ev["move"], vocab.HAZARD_MOVE)
    outcome = ev["outcome"].map(_OUTCOMES)
    text = text.where(outcome.isna(), text + "（" + outcome.fillna("") + "）")
    deadline = ev["deadline"].astype(str)
    text = text.where(ev["deadline"].isna(), text + "（期限 " + deadline + "）")
    # Events come ordered by hazard: join each run of lines (a Python loop beats a groupby of strings).
    joined: dict[int, str] = {}
    for hid, lines in groupby(zip(ev["hazard_id"].tolist(), text.tolist(), strict=True), key=itemgetter(0)):
        joined[int(hid)] = "；".join(line for _, line in lines)
    return pd.Series(joined, dtype=object)


def _rows(conn: Connection, scope: Scope, frame: pd.DataFrame, history: bool, chunk: bool) -> pd.DataFrame:
    """The ledger's rows for the query's ``frame``: labels, overdue days and (``history``) histories,
    fetched by id for a ``chunk`` of the ledger or a short one."""
    frame["county_name"] = labels.county(frame["county_code"])
    frame["kind_label"] = labels.vocabulary(frame["kind"], vocab.FINDING_KIND)
    frame["grade_label"] = labels.vocabulary(frame["grade"], vocab.GRADE)
    frame["category_name"] = labels.category(frame["category_code"])
    frame["sub_product_name"] = labels.sub_product(frame["sub_product_code"])
    frame["problem_name"] = labels.problem(frame["problem_code"])
    frame["source_label"] = labels.vocabulary(frame["source"], vocab.HAZARD_SOURCE)
    frame["state_label"] = labels.vocabulary(frame["state"], vocab.HAZARD_STATE)
    frame["overdue"] = frame["overdue"].astype(bool)
    frame.loc[frame["state"] != "closed", "closed_date"] = None
    late = (pd.Timestamp(scope.as_of) - pd.to_datetime(frame["deadline"])).dt.days
    frame["overdue_days"] = late.where(frame["overdue"]).astype("Int64")
    if history and not frame.empty:
        ids = frame["hazard_id"].tolist()
        lines = _histories(conn, scope, ids, by_id=chunk or len(ids) <= _BY_ID)
        frame["history"] = frame["hazard_id"].map(lines).fillna("")
    else:
        frame["history"] = ""
    return frame[LEDGER_COLUMNS].reset_index(drop=True)


def ledger_frame(
    store: Store,
    scope: Scope,
    *,
    kind: str | Sequence[str] | None = None,
    state: str | Sequence[str] | None = None,
    grade: str | Sequence[str] | None = None,
    category: str | Sequence[str] | None = None,
    overdue_only: bool = False,
    open_only: bool = False,
    history: bool = True,
) -> pd.DataFrame:
    """:func:`ledger` for an already resolved scope."""
    stmt = _query(
        scope,
        kind=kind,
        state=state,
        grade=grade,
        category=category,
        overdue_only=overdue_only,
        open_only=open_only,
    )
    with store.read() as conn:
        result = conn.execute(stmt)
        frame = frame_of(result.all(), list(result.keys()))
        return _rows(conn, scope, frame, history, chunk=False)


def ledger_chunks(
    store: Store,
    scope: Scope,
    *,
    kind: str | Sequence[str] | None = None,
    state: str | Sequence[str] | None = None,
    grade: str | Sequence[str] | None = None,
    category: str | Sequence[str] | None = None,
    overdue_only: bool = False,
    open_only: bool = False,
    history: bool = True,
    chunk_rows: int | None = None,
) -> Generator[pd.DataFrame, None, None]:
    """:func:`ledger_frame` in chunks of at most ``chunk_rows`` (default :data:`CHUNK_ROWS`) rows, in the ledger's order: the rows
    are read from one streamed query (a server-side cursor on PostgreSQL) and each chunk's histories
    are fetched for that chunk's hazards only, so memory stays flat however long the ledger.

    Concatenated, the chunks are exactly :func:`ledger_frame`'s rows. At least one chunk is yielded
    (an empty one when no hazard matches), so a consumer always sees the columns.
    """
    stmt = _query(
        scope,
        kind=kind,
        state=state,
        grade=grade,
        category=category,
        overdue_only=overdue_only,
        open_only=open_only,
    )
    # One connection, so the rows and the histories come from the same snapshot.
    with store.read() as conn:
        result = conn.execution_options(stream_results=True, yield_per=chunk_rows or CHUNK_ROWS).execute(stmt)
        keys = list(result.keys())
        empty = True
        for part in result.partitions():
            empty = False
            yield _rows(conn, scope, frame_of(part, keys), history, chunk=True)
        if empty:
            yield _rows(conn, scope, frame_of([], keys), history, chunk=True)


def ledger(
    store: Store,
    as_of: dt.date | None = None,
    county: str | None = None,
    *,
    kind: str | Sequence[str] | None = None,
    state: str | Sequence[str] | None = None,
    grade: str | Sequence[str] | None = None,
    category: str | Sequence[str] | None = None,
    overdue_only: bool = False,
    open_only: bool = False,
    history: bool = True,
) -> pd.DataFrame:
    """The rectification ledger at ``as_of``: every hazard and risk found from stage 1's start to
    ``as_of``, with its state, deadline, the dates of its moves and (``history``) its moves as text.

    Filters (a code or a list of codes): ``kind`` (hazard/risk), ``state`` (at ``as_of``), ``grade``,
    ``category``; ``overdue_only`` and ``open_only`` (not closed out). Columns: :data:`LEDGER_COLUMNS`;
    the first is the hazard id (隐患编号) the rectification template is keyed by.
    """
    return ledger_frame(
        store,
        scope_for(store, as_of, county),
        kind=kind,
        state=state,
        grade=grade,
        category=category,
        overdue_only=overdue_only,
        open_only=open_only,
        history=history,
    )


def overdue(
    store: Store, as_of: dt.date | None = None, county: str | None = None, **filters: Any
) -> pd.DataFrame:
    """The overdue list (逾期未整改): hazards ordered to rectify whose deadline passed before ``as_of``
    (the ``hazards_overdue`` figure of the results list, one row each)."""
    filters.setdefault("kind", "hazard")
    return ledger(store, as_of, county, overdue_only=True, **filters)


def unrectified(
    store: Store, as_of: dt.date | None = None, county: str | None = None, **filters: Any
) -> pd.DataFrame:
    """Hazards not closed out at ``as_of`` (hazards_found − hazards_closed of the results list): after
    the campaign's finish, the continuing written report of unrectified hazards."""
    filters.setdefault("kind", "hazard")
    return ledger(store, as_of, county, open_only=True, **filters)
