"""The one definition of a hazard's state at a date, read by the results list, the tracker and the rules.

A hazard's state at a date D is the to-state of its latest event dated on or before D (ties: the later
event id), ``found`` when it has none; its deadline at D is the one set by the latest such event carrying
a deadline; it is *overdue* at D when it is ``ordered`` and that deadline is before D; *closed* when its
state is ``closed``, *open* otherwise.

So that “the state at D” is a range predicate rather than a replay of the events, each event carries the
**shape** of the ledger (two columns of ``hazard_events``, migration 0009):

* ``until_date``: the date of the hazard's next event in ledger order (event date, then id), NULL for its
  latest event. The event's state holds on the days ``event_date <= D < until_date``; an event followed by
  another on the same day holds on no day. At any D a hazard has at most one holding event.
* ``held_deadline``: the deadline in force while the event's state holds (the event's own deadline, else
  the one in force before it).

and each hazard row carries its **current span** (three columns of ``hazards``, migration 0010):
``span_date``, ``span_state`` and ``span_deadline``, the date, to-state and held deadline of its latest event
(NULL when it has none). At a date on or after ``span_date`` the hazard is in ``span_state``, read from the
hazard's own index entry; only a hazard whose latest event is after D has its holding event looked up.

and whether its events are its **milestone dates** (``plain_path``, migration 0027): found on its found date,
then at most once each ordered (on ``ordered_date``, with ``deadline``), rectified (``rectified_date``),
re-inspected and passed (``reinspected_date``) and closed out (``closed_date``), the columns the ledger move
writes with each of these moves. Nine hazards in ten go that way; the state at any date of such a hazard is
the last of its milestones on or before it, read from the hazard's index entry too. Only a hazard changed
after D whose path was not plain (a failed re-inspection, a refusal, an escalation, a look-back) has its
holding event sought.

The shape is kept by :func:`mend_shape`, called for its hazard by the one ledger move
(:func:`hazardlib.ledger.append_event`) in the same transaction, and for the whole store by the demo
generator (which writes in bulk); ``hazard verify`` checks it against the events (:func:`shape_problems`).
With the covering indexes of ``hazards`` (widened by the span) and ``ix_hazard_events_span``, the ledger at
a date reads the hazards' index entries and seeks an event only for the hazards that changed after it.

This module needs neither pandas nor the models, so that the tracker's first table can use it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema
from .store import table_label

H = schema.hazards
E = schema.hazard_events

FIXED_COLUMNS = (
    "id", "enterprise_id", "county_code", "campaign_year", "kind", "grade", "problem_code", "category_code",
    "sub_product_code", "found_date", "source", "source_id", "control_measures", "large_urgent", "registered_county",
)  # fmt: skip
"""The ``hazards`` columns that do not change along the lifecycle, carried by :func:`ledger_at`."""


def holds_at(event: Any, as_of: dt.date) -> Any:
    """SQL: the event (a ``hazard_events`` table or alias) holds its hazard's state at ``as_of``."""
    return sa.and_(
        event.c.event_date <= as_of, sa.or_(event.c.until_date.is_(None), event.c.until_date > as_of)
    )


STATE_COLUMNS = ("state", "state_date", "deadline")
"""The columns :func:`ledger_at` derives from the ledger at its date."""


def ledger_at(
    as_of: dt.date,
    hazard_ids: Iterable[int] | None = None,
    *,
    where: Sequence[Any] = (),
    columns: Sequence[str] | None = None,
) -> sa.Subquery:
    """SQL (SQLite and PostgreSQL): every hazard found on or before ``as_of`` with its state then.

    Columns: :data:`FIXED_COLUMNS` plus ``state`` (``found`` when no event is dated on or before
    ``as_of``), ``state_date`` (the date of the event that set it, else the found date) and ``deadline``
    (in force at ``as_of``). ``hazard_ids`` and ``where`` (conditions on the ``hazards`` table) narrow the
    hazards. A hazard whose latest event is on or before ``as_of`` (or that has none) is in its current
    span, read from the hazard's index entry alone; only for any other is its one event holding at
    ``as_of`` sought (see the module's docstring).

    ``columns`` (names of :data:`FIXED_COLUMNS` and :data:`STATE_COLUMNS`) is for a caller that counts
    over every hazard the ledger gives, its conditions all in ``where``, and reads ``state`` in several
    figures: the ledger is then the same hazards as two arms of a UNION ALL (:func:`ledger_arms`) carrying
    those columns only, the hazards in their current span (from a covering index of ``hazards``) and the
    hazards changed after ``as_of`` joined to their holding event (one seek each), each hazard's state
    computed once. A caller that filters or joins the ledger leaves ``columns`` out: the one query, which
    the database merges into the caller's, so that its conditions reach the hazards' indexes.
    """
    where = [*where] if hazard_ids is None else [*where, H.c.id.in_(list(hazard_ids))]
    if columns is not None:
        return sa.union_all(*ledger_arms(as_of, where=where, columns=columns)).subquery("ledger")
    ev = E.alias("holding_event")

    def holding(column: Any) -> Any:
        """The column of the hazard's one event holding at ``as_of`` (NULL when none holds)."""
        return sa.select(column).where(ev.c.hazard_id == H.c.id, holds_at(ev, as_of)).scalar_subquery()

    # CASE evaluates its branches lazily: the events are sought only for a hazard changed after as_of.
    no_event, in_span = H.c.span_date.is_(None), H.c.span_date <= as_of
    state = {
        "state": sa.case(
            (no_event, "found"),
            (in_span, H.c.span_state),
            else_=sa.func.coalesce(holding(ev.c.to_state), "found"),
        ),
        "state_date": sa.case(
            (no_event, H.c.found_date),
            (in_span, H.c.span_date),
            else_=sa.func.coalesce(holding(ev.c.event_date), H.c.found_date),
        ),
        "deadline": sa.case(
            (no_event, None), (in_span, H.c.span_deadline), else_=holding(ev.c.held_deadline)
        ),
    }
    wanted = [*FIXED_COLUMNS, *STATE_COLUMNS]
    stmt = sa.select(*(state[c].label(c) if c in state else H.c[c] for c in wanted))
    return stmt.where(H.c.found_date <= as_of, *where).subquery("ledger")


def ledger_arms(
    as_of: dt.date, *, where: Sequence[Any] = (), columns: Sequence[str], by_path: bool = False
) -> tuple[sa.Select[Any], ...]:
    """SQL: the ledger at ``as_of`` of :func:`ledger_at` with ``columns``, as its arms, the hazards found
    on or before ``as_of`` and meeting ``where`` (conditions on the ``hazards`` table) split by whether their
    state then can be read from the hazard's row: those in their current span or on a plain path (every
    column from a covering index of ``hazards``, no event read), and the others changed after ``as_of``
    LEFT JOINed to their one holding event (one seek each; none holds when the first event is after
    ``as_of``), each hazard's state computed once.

    ``by_path`` splits the first arm in two by ``plain_path``, for an index that holds it before the date
    (``ix_hazards_counted``): the hazards on a plain path, their state read from the milestone dates alone,
    and the others in their current span; each arm is then a range of that index per key, and the last one
    reads only the hazards off the plain path (one in twelve at 1M), not every hazard of the window again.

    A caller that counts over the ledger by a key counts each arm apart and adds the counts
    (:func:`counted_by_arms`): each arm is then grouped in the order its index gives, instead of the
    union being sorted again for the GROUP BY."""
    no_event, in_span = H.c.span_date.is_(None), H.c.span_date <= as_of
    held = E.alias("holding_event")
    # A hazard in its current span: its latest event's state (found when it has no event).
    span_whens: dict[str, list[tuple[Any, Any]]] = {
        "state": [(no_event, "found"), (in_span, H.c.span_state)],
        "state_date": [(no_event, H.c.found_date), (in_span, H.c.span_date)],
        "deadline": [(no_event, None), (in_span, H.c.span_deadline)],
    }
    # A plain path's state at as_of is its last milestone on or before it (ties: the later move).
    reached = [(H.c[m.column] <= as_of, m.state, H.c[m.column]) for m in reversed(schema.MILESTONES)]
    path_whens: dict[str, list[tuple[Any, Any]]] = {
        "state": [(r, state) for r, state, _ in reached],
        "state_date": [(r, day) for r, _, day in reached],
        "deadline": [(H.c.ordered_date <= as_of, H.c.deadline)],
    }
    path_else = {"state": "found", "state_date": H.c.found_date, "deadline": None}
    changed_state = {
        "state": sa.func.coalesce(held.c.to_state, "found"),
        "state_date": sa.func.coalesce(held.c.event_date, H.c.found_date),
        "deadline": held.c.held_deadline,
    }

    def arm(derived: dict[str, Any]) -> sa.Select[Any]:
        return sa.select(*(derived[c].label(c) if c in derived else H.c[c].label(c) for c in columns))

    narrow = [H.c.found_date <= as_of, *where]
    spans = sa.or_(no_event, in_span)
    plain, off_path = H.c.plain_path == sa.true(), H.c.plain_path == sa.false()
    changed = (
        arm(changed_state)
        .select_from(H.outerjoin(held, sa.and_(held.c.hazard_id == H.c.id, holds_at(held, as_of))))
        .where(*narrow, H.c.span_date > as_of, off_path)
    )
    if by_path:
        on_path = arm({c: sa.case(*path_whens[c], else_=path_else[c]) for c in STATE_COLUMNS})
        in_span_state = arm({c: sa.case(*span_whens[c]) for c in STATE_COLUMNS})
        return on_path.where(*narrow, plain), in_span_state.where(*narrow, off_path, spans), changed
    either = {c: sa.case(*span_whens[c], *path_whens[c], else_=path_else[c]) for c in STATE_COLUMNS}
    return arm(either).where(*narrow, sa.or_(no_event, in_span, plain)), changed


def counted_by_arms(
    as_of: dt.date,
    key: str,
    measures: Callable[[Any], dict[str, Any]],
    *,
    where: Sequence[Any] = (),
    columns: Sequence[str],
    label: str | None = None,
    by_path: bool = False,
    within: Sequence[str] = (),
) -> sa.Select[Any]:
    """SQL: ``key`` (labelled ``label``, if given) and the counts ``measures`` gives for a ledger (a
    subquery with ``columns``, which include ``key``), over the ledger at ``as_of`` of the hazards meeting
    ``where``, grouped by ``key``: each arm of :func:`ledger_arms` (split ``by_path``, if asked) grouped
    apart, the counts added. ``measures`` must be sums or counts (they are added across the arms).

    ``within``: columns (of ``columns``) each arm is grouped by after ``key``, for an index that holds them
    after the key, so that a measure can be counted per group rather than tested per row; the counts are
    added per ``key`` all the same."""
    grouped = []
    arms = ledger_arms(as_of, where=where, columns=columns, by_path=by_path)
    names = ("plain", "spanned", "changed") if by_path else ("spanned", "changed")
    for name, arm in zip(names, arms, strict=True):
        led = arm.subquery(f"ledger_{name}")
        counts = {k: v.label(k) for k, v in measures(led).items()}
        keys = [led.c[key], *(led.c[c] for c in within)]
        grouped.append(sa.select(led.c[key].label(label or key), *counts.values()).group_by(*keys))
    return added(grouped, label or key)


def added(grouped: Sequence[sa.Select[Any]], key: str) -> sa.Select[Any]:
    """SQL: the counts of the GROUP BY queries ``grouped`` (each ``key`` and the same count columns, over
    rows no other one counts) added per ``key``: a query counted in parts, each read in the order of its
    own index, gives the counts of the whole."""
    both = sa.union_all(*grouped).subquery("parts")
    names = [c.name for c in grouped[0].selected_columns if c.name != key]
    return sa.select(
        both.c[key], *(sa.cast(sa.func.sum(both.c[k]), sa.BigInteger).label(k) for k in names)
    ).group_by(both.c[key])


def is_overdue(ledger: Any, as_of: dt.date) -> Any:
    """SQL condition on a :func:`ledger_at` subquery: ordered at ``as_of`` with the deadline passed (the
    deadline day itself is not overdue)."""
    return sa.and_(ledger.c.state == "ordered", ledger.c.deadline < as_of)


def is_closed(ledger: Any) -> Any:
    """SQL condition on a :func:`ledger_at` subquery: closed out (已销号) at its date."""
    return ledger.c.state == "closed"


def is_open(ledger: Any) -> Any:
    """SQL condition on a :func:`ledger_at` subquery: not closed out at its date."""
    return ledger.c.state != "closed"


def carried_over(hazard_id: Any, start: dt.date) -> Any:
    """SQL: the hazard carries over to the campaign whose window opens on ``start``: found before ``start``
    and still open at it — not closed out in the ledger at the day before (:func:`ledger_at`,
    :func:`is_open`). An earlier campaign's unrectified hazard, shown apart from the campaign's own
    findings (which are those found in its window); whatever happens to it afterwards, it stays carried
    over."""
    before = ledger_at(start - dt.timedelta(days=1), columns=("id", "state"))
    return hazard_id.in_(sa.select(before.c.id).where(is_open(before)))


def event_exists(hazard_id: Any, move: str, *where: Any) -> Any:
    """SQL: the hazard has an event of ``move`` meeting ``where`` (callables of the events' alias).

    Written as ``hazard_id IN (the hazards with such an event)``, not as a correlated EXISTS: the set is
    read once from the index ``ix_hazard_events_move`` (move, date, hazard) and each hazard is looked up in
    it, instead of one seek into its events per hazard."""
    e = E.alias(f"any_{move}")
    return hazard_id.in_(sa.select(e.c.hazard_id).where(e.c.move == move, *(w(e) for w in where)))


# -- the shape ---------------------------------------------------------------------------------------


def _shape_of(ev: Any) -> tuple[Any, Any]:
    """SQL: (until_date, held_deadline) of the event ``ev`` as its hazard's events say they should be."""
    nxt = E.alias("next_event")
    later = sa.or_(
        nxt.c.event_date > ev.c.event_date, sa.and_(nxt.c.event_date == ev.c.event_date, nxt.c.id > ev.c.id)
    )
    until = sa.select(sa.func.min(nxt.c.event_date)).where(nxt.c.hazard_id == ev.c.hazard_id, later)
    prev = E.alias("deadline_event")
    upto = sa.or_(
        prev.c.event_date < ev.c.event_date,
        sa.and_(prev.c.event_date == ev.c.event_date, prev.c.id <= ev.c.id),
    )
    held = (
        sa.select(prev.c.deadline)
        .where(prev.c.hazard_id == ev.c.hazard_id, prev.c.deadline.is_not(None), upto)
        .order_by(prev.c.event_date.desc(), prev.c.id.desc())
        .limit(1)
    )
    return until.scalar_subquery(), held.scalar_subquery()


def _span_of(hazard: Any) -> dict[str, Any]:
    """SQL: the span columns of ``hazard`` (the ``hazards`` table) as its events say they should be: the
    date, to-state and held deadline of its latest event in ledger order (NULL when it has none)."""
    last = E.alias("latest_event")

    def latest(column: Any) -> Any:
        return (
            sa.select(column)
            .where(last.c.hazard_id == hazard.c.id)
            .order_by(last.c.event_date.desc(), last.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    return {
        "span_date": latest(last.c.event_date),
        "span_state": latest(last.c.to_state),
        "span_deadline": latest(last.c.held_deadline),
    }


def _plain_path_of(hazard: Any) -> Any:
    """SQL: whether the events of ``hazard`` (the ``hazards`` table) are its milestone dates: one found
    event on its found date, and one event of each path move whose column is set
    (:data:`hazardlib.schema.MILESTONES`), on that date — the order with the hazard's deadline, the
    re-inspection passed — and no other event."""
    ev = E.alias("path_event")
    off_path = sa.or_(
        ev.c.move.not_in(["found", *(m.move for m in schema.MILESTONES)]),
        sa.and_(ev.c.move == "found", ev.c.event_date != hazard.c.found_date),
        sa.and_(ev.c.move == "order", ev.c.deadline.is_distinct_from(hazard.c.deadline)),
        sa.and_(ev.c.move == "reinspect", ev.c.to_state != "reinspected"),
        *(
            sa.and_(ev.c.move == m.move, ev.c.event_date.is_distinct_from(hazard.c[m.column]))
            for m in schema.MILESTONES
        ),
    )
    every = E.alias("every_event")
    events = sa.select(sa.func.count()).where(every.c.hazard_id == hazard.c.id).scalar_subquery()
    dates = sum(
        (sa.case((hazard.c[m.column].is_not(None), 1), else_=0) for m in schema.MILESTONES),
        start=sa.literal(1),
    )
    return sa.and_(~sa.exists().where(ev.c.hazard_id == hazard.c.id, off_path), events == dates)


@functools.cache
def _mend_statements(by_hazard: bool) -> tuple[Any, Any]:
    """The two UPDATEs of :func:`mend_shape`, built once: for the hazards of the expanding parameter
    ``ids`` when ``by_hazard``, else for every hazard (a ledger move runs them on every save; building
    the correlated subqueries cost more CPU than running them)."""
    until, held = _shape_of(E)
    events = E.update().values(until_date=until, held_deadline=held)
    spans = H.update().values(**_span_of(H), plain_path=_plain_path_of(H))
    if by_hazard:
        ids: sa.BindParameter[list[int]] = sa.bindparam("ids", expanding=True)
        events = events.where(E.c.hazard_id.in_(ids))
        spans = spans.where(H.c.id.in_(ids))
    return events, spans


def mend_shape(conn: Connection, hazard_ids: Iterable[int] | None = None) -> None:
    """Set ``until_date`` and ``held_deadline`` of the events of ``hazard_ids`` (every hazard when None),
    then the span of those hazards, from their events, in the caller's transaction. Derived columns, not
    a record's content: the write that changed the events is the audited one."""
    if hazard_ids is None:
        events, spans = _mend_statements(False)
        conn.execute(events)
        conn.execute(spans)
        return
    events, spans = _mend_statements(True)
    ids = {"ids": sorted(set(hazard_ids))}
    conn.execute(events, ids)
    conn.execute(spans, ids)


def shape_problems(conn: Connection) -> list[str]:
    """Where the ledger's shape (the events' spans, the hazards' current span) differs from its events, in
    Chinese (empty when it agrees; nothing to check in a store older than migration 0009, no hazard span
    in one older than 0010)."""
    if "until_date" not in {c["name"] for c in sa.inspect(conn).get_columns(E.name)}:
        return []
    until, held = _shape_of(E)
    stmt = sa.select(sa.func.count(), sa.func.min(E.c.hazard_id)).where(
        sa.or_(E.c.until_date.is_distinct_from(until), E.c.held_deadline.is_distinct_from(held))
    )
    n, first = conn.execute(stmt).one()
    problems = []
    if n:
        problems.append(
            f"整改记录的“状态有效期”与整改环节不一致：{n} 条（如隐患 {first}），"
            "成果清单、进度和治理规则会据此算错；用 hazard verify --mend-shape 按整改环节重新计算"
        )
    if "span_date" not in {c["name"] for c in sa.inspect(conn).get_columns(H.name)}:
        return problems
    span = _span_of(H)
    if "plain_path" in {c["name"] for c in sa.inspect(conn).get_columns(H.name)}:
        span["plain_path"] = _plain_path_of(H)
    stmt = sa.select(sa.func.count(), sa.func.min(H.c.id)).where(
        sa.or_(*(H.c[column].is_distinct_from(expected) for column, expected in span.items()))
    )
    n, first = conn.execute(stmt).one()
    if n:
        problems.append(
            f"隐患的“当前状态及其起始日期、期限、是否按常规环节办理”与整改环节不一致：{n} 条（如隐患 {first}），"
            "成果清单、进度和治理规则会据此算错；用 hazard verify --mend-shape 按整改环节重新计算"
        )
    return problems


# -- the county a record counts for ------------------------------------------------------------------

COUNTED_TABLES = (
    "self_checks", "inspections", "hazards", "instruments", "interviews", "spot_checks", "enforcement_cases",
    "risk_signals", "help_records",
)  # fmt: skip
"""The record tables that carry ``registered_county``: the county their enterprise is registered in now,
which every figure counts them for (migration 0011). A record's ``county_code`` is its enterprise's county
when it was written and stays (it scopes the record); ``registered_county`` follows the enterprise's move
between counties, so that a figure by county is one GROUP BY over one index of the record's own table
instead of a join to the enterprises with a seek per enterprise."""


def concerned(table: sa.Table) -> Any:
    """SQL: the id of the enterprise a record of ``table`` is about (a spot-check batch: the sampled
    enterprise, else the seller, else the producer)."""
    if table.name == "spot_checks":
        return sa.func.coalesce(table.c.enterprise_id, table.c.seller_id, table.c.producer_id)
    return table.c.enterprise_id


def _registered_county_of(table: sa.Table) -> Any:
    """SQL: the county the enterprise concerned by the record is registered in (NULL when none is)."""
    e = schema.enterprises.alias("registered")
    return sa.select(e.c.county_code).where(e.c.id == concerned(table)).scalar_subquery()


def counted_county_cases(table: sa.Table) -> list[tuple[Any, Any]]:
    """SQL: :func:`counted_county` as its cases, (the county column, the condition on the record) pairs
    whose conditions exclude each other: a count by county over ``table`` is the sum of one count per case,
    each grouped by a column an index can give in order (``ix_instruments_counted``)."""
    if table.name in ("instruments", "risk_signals"):
        enterprise = table.c.registered_county
        return [(enterprise, enterprise.is_not(None)), (table.c.county_code, enterprise.is_(None))]
    return [(table.c.registered_county, sa.true())]


def counted_county(table: sa.Table) -> Any:
    """SQL: the county a record of ``table`` counts for: the one its enterprise is registered in; a record
    naming no enterprise of the store (an instrument or a signal addressed to none) counts for its own
    county, except a spot-check batch, which then counts for none (:func:`counted_county_cases`)."""
    cases = counted_county_cases(table)
    if len(cases) == 1:
        return cases[0][0]
    return sa.case(*((condition, county) for county, condition in cases))


def mend_counties(conn: Connection, enterprise_ids: Iterable[int] | None = None) -> None:
    """Set ``registered_county`` of the records of ``enterprise_ids`` (of every record when None) from the
    enterprises, in the caller's transaction: called by the enterprise's move between counties
    (:func:`hazardlib.records.save_enterprise` and the enterprises' import) and for the whole store by the demo generator and
    ``hazard verify --mend-shape``. Derived columns: the write that moved the enterprise is the audited
    one. Only rows whose county differs are written."""
    ids = None if enterprise_ids is None else sorted(set(enterprise_ids))
    if ids == []:
        return
    for name in COUNTED_TABLES:
        table = schema.metadata.tables[name]
        county = _registered_county_of(table)
        stmt = (
            table.update()
            .values(registered_county=county)
            .where(table.c.registered_county.is_distinct_from(county))
        )
        if ids is not None:
            parties = (
                ["enterprise_id", "seller_id", "producer_id"] if name == "spot_checks" else ["enterprise_id"]
            )
            stmt = stmt.where(sa.or_(*(table.c[p].in_(ids) for p in parties)))
        conn.execute(stmt)


def county_problems(conn: Connection) -> list[str]:
    """Where a record's ``registered_county`` differs from its enterprise's county, in Chinese (empty when
    every record agrees, and in a store older than migration 0011)."""
    problems = []
    for name in COUNTED_TABLES:
        table = schema.metadata.tables[name]
        if "registered_county" not in {c["name"] for c in sa.inspect(conn).get_columns(name)}:
            return []
        stmt = sa.select(sa.func.count(), sa.func.min(table.c.id)).where(
            table.c.registered_county.is_distinct_from(_registered_county_of(table))
        )
        n, first = conn.execute(stmt).one()
        if n:
            problems.append(
                f"{table_label(name)}的“企业所在县（市）”与企业名录不一致：{n} 条（如记录 {first}），"
                "成果清单会据此把记录算到别的县（市）；用 hazard verify --mend-shape 按企业名录重新填写"
            )
    return problems


# -- whether a self-check's enterprise is a key enterprise ------------------------------------------


def key_enterprise(enterprises: Any = schema.enterprises) -> Any:
    """SQL: the enterprise (of ``enterprises``, the table or an alias) makes or sells at least one product
    of the key categories (重点企业, docs/rules.md “进度指标”)."""
    return sa.func.json_array_length(enterprises.c.products) > 0


def _key_enterprise_of(table: sa.Table) -> Any:
    """SQL: whether the enterprise of the record (a self-check) is a key enterprise now."""
    e = schema.enterprises.alias("keyed")
    return sa.select(key_enterprise(e)).where(e.c.id == table.c.enterprise_id).scalar_subquery()


def mend_key_enterprise(conn: Connection, enterprise_ids: Iterable[int] | None = None) -> None:
    """Set ``key_enterprise`` of the self-checks of ``enterprise_ids`` (of every self-check when None) from
    their enterprises' product lists, in the caller's transaction: called when an enterprise's products
    change (:func:`hazardlib.records.save_enterprise` and the enterprises' import) and for the whole store
    by the demo generator and ``hazard verify --mend-shape``. A derived column (migration 0024), as
    ``registered_county`` is (:func:`mend_counties`); only rows that differ are written."""
    ids = None if enterprise_ids is None else sorted(set(enterprise_ids))
    if ids == []:
        return
    t = schema.self_checks
    key = _key_enterprise_of(t)
    stmt = t.update().values(key_enterprise=key).where(t.c.key_enterprise.is_distinct_from(key))
    if ids is not None:
        stmt = stmt.where(t.c.enterprise_id.in_(ids))
    conn.execute(stmt)


def key_enterprise_problems(conn: Connection) -> list[str]:
    """Where a self-check's ``key_enterprise`` differs from its enterprise's product list, in Chinese (empty
    when every self-check agrees, and in a store older than migration 0024)."""
    t = schema.self_checks
    if "key_enterprise" not in {c["name"] for c in sa.inspect(conn).get_columns(t.name)}:
        return []
    stmt = sa.select(sa.func.count(), sa.func.min(t.c.id)).where(
        t.c.key_enterprise.is_distinct_from(_key_enterprise_of(t))
    )
    n, first = conn.execute(stmt).one()
    if not n:
        return []
    return [
        f"{table_label(t.name)}的“是否重点企业”与企业名录登记的产品不一致：{n} 条（如记录 {first}），"
        "成果清单和进度的“组织企业自查”会据此算错；用 hazard verify --mend-shape 按企业名录重新填写"
    ]
