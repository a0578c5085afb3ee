"""The rectification ledger (问题整改台账) with every hazard's history, the overdue list, and the
continuing report of hazards not rectified (after 31 October: “对10月底前未完成隐患问题整改的要持续
书面报送整改完成情况”).

Each hazard is shown as the ledger stood at the as-of date (:func:`hazardlib.ledger.ledger_at`): its
state, deadline and the dates of its moves up to that day; moves dated later are ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from .. import schema, vocab
from ..figures import carried_over, is_open
from ..ledger import E, is_overdue, ledger_at
from ..store import Store
from . import labels
from .scope import Scope, scope_for

H = schema.hazards

LEDGER_COLUMNS = [
    "hazard_id", "campaign_year", "carried_over", "county_code", "county_name", "enterprise_id", "enterprise_name", "uscc", "kind",
    "kind_label", "grade", "grade_label", "category_code", "category_name", "sub_product_code",
    "sub_product_name", "problem_code", "problem_name", "source", "source_label", "found_date",
    "description", "ordered_date", "deadline", "rectified_date", "reinspected_date", "closed_date",
    "state", "state_label", "overdue", "overdue_days", "history",
]  # fmt: skip

MOVE_DATES = {m.column: m.move for m in schema.MILESTONES}
"""The ledger's milestone columns and the move whose latest date each shows."""
_OUTCOMES = {code: label for words in vocab.MOVE_OUTCOME.values() for code, label in words.labels.items()}


def _in(column: Any, values: str | Sequence[str] | None) -> list[Any]:
    if values is None:
        return []
    items = [values] if isinstance(values, str) else list(values)
    return [column.in_(items)]


def _day_text(column: Any, dialect: str) -> Any:
    """A date column as ISO text (YYYY-MM-DD) in SQL, whatever the engine's own date style."""
    if dialect == "postgresql":
        return sa.func.to_char(column, "YYYY-MM-DD")
    if dialect == "sqlite":
        return sa.func.date(column)
    return sa.cast(column, sa.String)


def _events(hazard_id: Any, as_of: dt.date, dialect: str) -> Any:
    """SQL: the hazard's events up to ``as_of`` as one text, each “date|id|move|deadline|outcome”, joined
    with “;” in no particular order (:func:`_moves` reads and orders them)."""
    ev = E.alias("ev")
    fields = [
        _day_text(ev.c.event_date, dialect),
        sa.cast(ev.c.id, sa.String),
        ev.c.move,
        sa.func.coalesce(_day_text(ev.c.deadline, dialect), ""),
        sa.func.coalesce(ev.c.outcome, ""),
    ]
    item = fields[0]
    for field in fields[1:]:
        item = item + "|" + field
    return (
        sa.select(sa.func.aggregate_strings(item, ";"))
        .where(ev.c.hazard_id == hazard_id, ev.c.event_date <= as_of)
        .scalar_subquery()
    )


def _query(
    scope: Scope,
    dialect: str,
    *,
    kind: str | Sequence[str] | None,
    state: str | Sequence[str] | None,
    grade: str | Sequence[str] | None,
    category: str | Sequence[str] | None,
    overdue_only: bool,
    open_only: bool,
) -> Any:
    """The ledger's rows, each with its hazard's events up to the as-of date in one text (``events``),
    from which :func:`_rows` takes the dates of the moves and the history: read in the same pass as the
    row, on the index pages the ledger's state was just looked up on, they cost less than a query of
    their own for each chunk, and far less than a GROUP BY of every event."""
    led = ledger_at(scope.as_of)
    e = schema.enterprises.alias("e_ledger")
    overdue = is_overdue(led, scope.as_of)
    # The window: an open-only list (the continuing written report) names every hazard and risk still
    # open, of any campaign year, as the rule continuing_written_report does; the overdue list keeps the
    # campaign's window (the hazards_overdue figure); the ledger lists the campaign's records and every
    # earlier one still open (they stay on the ledger until closed out). A campaign that carries over an
    # earlier one's hazards (``carried_over_from``) also keeps those closed since its window opened, so
    # that its ledger holds every hazard its results list counts as carried over.
    carry = (
        carried_over(led.c.id, scope.start) if scope.campaign.carried_over_from is not None else sa.false()
    )
    if open_only:
        window = led.c.found_date <= scope.as_of
    elif overdue_only:
        window = scope.within(led.c.found_date)
    else:
        earlier = sa.and_(led.c.found_date < scope.start, sa.or_(is_open(led), carry))
        window = sa.or_(scope.within(led.c.found_date), earlier)
    where = [
        window,
        scope.county_filter(e.c.county_code),
        *_in(led.c.kind, kind),
        *_in(led.c.state, state),
        *_in(led.c.grade, grade),
        *_in(led.c.category_code, category),
    ]
    if overdue_only:
        where.append(overdue)
    if open_only:
        where.append(is_open(led))
    from_ = led.join(e, e.c.id == led.c.enterprise_id).join(H, H.c.id == led.c.id)
    stmt = (
        sa.select(
            led.c.id.label("hazard_id"),
            H.c.campaign_year,
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
            led.c.deadline,
            led.c.state,
            sa.case((overdue, True), else_=False).label("overdue"),
            sa.case((carry, True), else_=False).label("carried_over"),
            _events(led.c.id, scope.as_of, dialect).label("events"),
        )
        .select_from(from_)
        .where(*where)
        .order_by(e.c.county_code, led.c.found_date, led.c.id)
    )
    return stmt


# Rows per chunk of a streamed ledger (:func:`ledger_chunks`): small enough that a chunk takes a few MB,
# large enough that the per-chunk work costs nothing.
CHUNK_ROWS = 5000

_DATE_OF_MOVE = {move: i for i, move in enumerate(MOVE_DATES.values())}
_MOVE_HEADS = {move: f" {label}" for move, label in vocab.HAZARD_MOVE.labels.items()}
_OUTCOME_TEXTS = {outcome: f"（{label}）" for outcome, label in _OUTCOMES.items()}


def _event_order(item: list[str]) -> tuple[str, int]:
    return item[0], int(item[1])


def _moves(events: Sequence[str | None], history: bool) -> tuple[list[list[Any]], list[str]]:
    """Each hazard's moves from its ``events`` text (:func:`_events`): one column for each move of
    :data:`MOVE_DATES` with its latest date, and (``history``) the moves, oldest first, as one line of
    text, e.g. “2024-06-25 发现登记；2024-06-25 责令限期整改（期限 2024-07-25）；…” ("" without)."""
    dates: list[list[Any]] = [[None] * len(events) for _ in MOVE_DATES]
    texts = [""] * len(events)
    date_of, heads, outcomes = _DATE_OF_MOVE, _MOVE_HEADS, _OUTCOME_TEXTS
    days: dict[str, dt.date] = {}  # each date's value, made once
    for i, text in enumerate(events):
        if not text:
            continue
        items = [event.split("|") for event in text.split(";")]
        items.sort(key=_event_order)  # by date, then as recorded
        lines: list[str] = []
        for day, _, move, deadline, outcome in items:
            j = date_of.get(move)
            if j is not None:
                value = days.get(day)
                if value is None:
                    value = days[day] = dt.date.fromisoformat(day)
                dates[j][i] = value  # oldest first: the last one is the latest
            if history:
                head = heads.get(move)
                line = day + (head if head is not None else f" {move}")
                if outcome:
                    line += outcomes.get(outcome, "")
                if deadline:
                    line += f"（期限 {deadline}）"
                lines.append(line)
        texts[i] = "；".join(lines)
    return dates, texts


def _rows(scope: Scope, rows: Sequence[Any], keys: Sequence[str], history: bool) -> pd.DataFrame:
    """The ledger's frame for the query's ``rows``: the dates of the moves, labels, overdue days and
    (``history``) histories."""
    names = [*keys[:-1], *MOVE_DATES]
    if rows:
        columns = [list(c) for c in zip(*rows, strict=True)]
        dates, texts = _moves(columns.pop(), history)
        frame = pd.DataFrame(dict(zip(names, [*columns, *dates], strict=True)))
    else:
        texts = []
        frame = pd.DataFrame(columns=names)
    frame["county_name"] = labels.county(frame["county_code"])
    frame["kind_label"] = labels.vocabulary(frame["kind"], vocab.FINDING_KIND)
    frame["grade_label"] = labels.vocabulary(frame["grade"], vocab.GRADE)
    frame["category_name"] = labels.category(frame["category_code"])
    frame["sub_product_name"] = labels.sub_product(frame["sub_product_code"])
    frame["problem_name"] = labels.problem(frame["problem_code"])
    frame["source_label"] = labels.vocabulary(frame["source"], vocab.HAZARD_SOURCE)
    frame["state_label"] = labels.vocabulary(frame["state"], vocab.HAZARD_STATE)
    frame["overdue"] = frame["overdue"].astype(bool)
    frame["carried_over"] = frame["carried_over"].astype(bool)
    frame.loc[frame["state"] != "closed", "closed_date"] = None
    late = (pd.Timestamp(scope.as_of) - pd.to_datetime(frame["deadline"])).dt.days
    frame["overdue_days"] = late.where(frame["overdue"]).astype("Int64")
    if history and texts:
        frame["history"] = pd.Series(texts, index=frame.index)
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
    filters = dict(kind=kind, state=state, grade=grade, category=category)
    with store.read() as conn:
        stmt = _query(scope, conn.dialect.name, **filters, overdue_only=overdue_only, open_only=open_only)
        result = conn.execute(stmt)
        return _rows(scope, result.all(), list(result.keys()), history)


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
    are read from one streamed query (a server-side cursor on PostgreSQL), each with its hazard's
    events, so memory stays flat however long the ledger.

    Concatenated, the chunks are exactly :func:`ledger_frame`'s rows. At least one chunk is yielded
    (an empty one when no hazard matches), so a consumer always sees the columns.
    """
    filters = dict(kind=kind, state=state, grade=grade, category=category)
    # One streamed query (a server-side cursor on PostgreSQL): each chunk comes with its hazards' events.
    with store.read() as conn:
        stmt = _query(scope, conn.dialect.name, **filters, overdue_only=overdue_only, open_only=open_only)
        result = conn.execution_options(stream_results=True, yield_per=chunk_rows or CHUNK_ROWS).execute(stmt)
        keys = list(result.keys())
        empty = True
        for part in result.partitions():
            empty = False
            yield _rows(scope, part, keys, history)
        if empty:
            yield _rows(scope, [], keys, history)


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
    ``as_of``, with its state, deadline, the dates of its moves and (``history``) its moves as text,
    and the earlier ones still open; ``carried_over`` marks the hazards an earlier campaign left open when
    this one's window opened (:func:`hazardlib.figures.carried_over`: only for a campaign that carries
    over, which then lists them even once closed).

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
    """Hazards and risks of every campaign year not closed out at ``as_of`` (each row labelled by its
    ``campaign_year`` and ``kind_label``): after the campaign's finish, the continuing written report — the
    records the rule ``continuing_written_report`` names, exactly."""
    return ledger(store, as_of, county, open_only=True, **filters)
