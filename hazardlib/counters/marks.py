"""The marks each unit of the store puts in ``figure_counts`` (see :mod:`hazardlib.counters`): one function
per family of units, each reading its units' records in one query per batch and saying, figure by figure,
from which day (and for which report window) each record counts."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import schema

Key = tuple[str, str, dt.date, dt.date]  # county, figure, anchor, day
Marks = dict[Key, int]
Where = Callable[[Any], Any]  # a condition on the column holding a family's unit ids

ONE_DAY = dt.timedelta(days=1)


def _add(marks: Marks, county: str, figure: str, anchor: dt.date, day: dt.date, n: int = 1) -> None:
    key = (county, figure, anchor, day)
    marks[key] = marks.get(key, 0) + n


def once_per_window(marks: Marks, county: str, figure: str, dates: Iterable[dt.date]) -> None:
    """Marks that count one enterprise once while any of ``dates`` lies in the window."""
    previous = None
    for day in sorted(set(dates)):
        _add(marks, county, figure, day, day)
        if previous is not None:
            _add(marks, county, figure, previous, day, -1)
        previous = day


def _span(
    marks: Marks, county: str, figure: str, found: dt.date, start: dt.date, end: dt.date | None
) -> None:
    """A hazard found on ``found`` that counts from ``start`` until (not on) ``end``."""
    start = max(start, found)
    if end is not None and end <= start:
        return
    _add(marks, county, figure, found, start)
    if end is not None:
        _add(marks, county, figure, found, end, -1)


# -- how each family of units counts ------------------------------------------------------------------


STOCK = dt.date.max
"""The anchor of a mark that counts whatever the window's start (a stock at the window's end)."""


def progress_figure(name: str, year: int | None = None) -> str:
    """The name under which a figure of the tracker's progress (:func:`hazardlib.stages.county_progress`)
    is kept, for the campaign of ``year`` (None: a figure of no campaign)."""
    return f"p_{name}" if year is None else f"p_{name}:{year}"


Event = tuple[dt.date, str, str, "dt.date | None"]  # date, move, to-state, deadline


def _state_spans(events: Sequence[Event]) -> list[tuple[dt.date, str, dt.date | None]]:
    """The state between event days (the latest event on or before a day; the latest deadline set): a
    list of (first day, state, deadline), from ``date.min`` in ``found``."""
    spans: list[tuple[dt.date, str, dt.date | None]] = [(dt.date.min, "found", None)]
    deadline = None
    for day, _move, to_state, event_deadline in events:
        if event_deadline is not None:
            deadline = event_deadline
        if spans[-1][0] == day:
            spans[-1] = (day, to_state, deadline)
        else:
            spans.append((day, to_state, deadline))
    return spans


def _runs(spans: Sequence[tuple[dt.date, str, Any]]) -> Iterator[tuple[dt.date, dt.date | None, bool]]:
    """(start, end or None, closed) of the runs of closed and of not-closed days."""
    start, closed = spans[0][0], spans[0][1] == "closed"
    for day, state, _ in spans[1:]:
        if (state == "closed") != closed:
            yield start, day, closed
            start, closed = day, state == "closed"
    yield start, None, closed


def _overdue(
    spans: Sequence[tuple[dt.date, str, dt.date | None]],
) -> Iterator[tuple[dt.date, dt.date | None]]:
    """(start, end or None) of the days a hazard is overdue: ordered, with its deadline passed."""
    for i, (start, state, due) in enumerate(spans):
        end = spans[i + 1][0] if i + 1 < len(spans) else None
        if state == "ordered" and due is not None and due < dt.date.max:
            yield max(start, due + ONE_DAY), end


def hazard_marks(marks: Marks, county: str, hazard: Mapping[str, Any], events: Sequence[Event]) -> None:
    """The marks of one hazard or risk on the ledger; ``events`` are (date, move, to-state, deadline) in
    the order of the ledger (date, then id), ``county`` the county of its enterprise.

    For the results list (:func:`hazardlib.reports.results_list._hazards`), counted for ``county`` and
    anchored on the found date: a hazard found, by grade, closed out at the date, overdue at the date; a
    major risk reported in a self-check. For the tracker's progress (:func:`hazardlib.stages.ledger_counts`),
    counted for the county that recorded it within its campaign year, hazards and risks alike: found in
    the window and to date, closed out in the window (closed at the end by a closing in the window) and to
    date, open, overdue, open with an escalation.
    """
    found, kind = hazard["found_date"], hazard["kind"]
    spans = _state_spans(events)
    runs = list(_runs(spans))
    if kind == "risk" and hazard["grade"] == "major" and hazard["source"] == "self_check":
        _add(marks, county, "risks_on_ledger", found, found)
    elif kind == "hazard":
        _add(marks, county, "hazards_found", found, found)
        if hazard["grade"] in ("general", "larger", "major"):
            _add(marks, county, f"hazards_{hazard['grade']}", found, found)
        for start, end, closed in runs:
            if closed:
                _span(marks, county, "hazards_closed", found, start, end)
        for start, end in _overdue(spans):
            _span(marks, county, "hazards_overdue", found, start, end)
    own, year = hazard["county_code"], hazard["campaign_year"]

    def stock(name: str, start: dt.date, end: dt.date | None) -> None:
        start = max(start, found)
        if end is None or end > start:
            _add(marks, own, progress_figure(name, year), STOCK, start)
            if end is not None:
                _add(marks, own, progress_figure(name, year), STOCK, end, -1)

    _add(marks, own, progress_figure("hazards_found", year), found, found)
    stock("hazards_found_to_date", found, None)
    escalated = min((day for day, move, _, _ in events if move == "escalate"), default=None)
    for start, end, closed in runs:
        if closed:
            stock("hazards_closed_to_date", start, end)
            # Closed at the window's end by a closing in the window: the run starts with its closing.
            counted_from = max(start, found)
            if end is None or end > counted_from:
                _add(marks, own, progress_figure("hazards_closed", year), start, counted_from)
                if end is not None:
                    _add(marks, own, progress_figure("hazards_closed", year), start, end, -1)
        else:
            stock("open_hazards", start, end)
            if escalated is not None:
                stock("open_escalations", max(start, escalated), end)
    for start, end in _overdue(spans):
        stock("overdue_hazards", start, end)


INSTRUMENT_FIGURES = {
    "listed_supervision_notice": "listed_supervision_notices",
    "interview_notice": "interview_notices",
    "rectification_notice": "rectification_notices",
    "reminder_letter": "reminder_letters",
}
"""Instrument kind → the results list figure that counts it."""


@dataclass(frozen=True)
class Family:
    """Units whose marks are counted together: ``table`` holds the unit ids (``id`` column), ``count``
    returns the marks of the units meeting a condition on that column."""

    name: str
    table: sa.Table
    count: Callable[[Connection, Where], Marks]


ENT = schema.enterprises


def _count_hazards(conn: Connection, where: Where) -> Marks:
    h, ev = schema.hazards, schema.hazard_events
    e = ENT.alias("e")
    hazards = conn.execute(
        sa.select(
            h.c.id, h.c.kind, h.c.grade, h.c.source, h.c.found_date, h.c.county_code, h.c.campaign_year,
            e.c.county_code.label("enterprise_county"),
        )
        .select_from(h.join(e, e.c.id == h.c.enterprise_id))
        .where(where(h.c.id))
    ).all()  # fmt: skip
    events: dict[int, list[Event]] = defaultdict(list)
    for hazard_id, day, move, to_state, deadline in conn.execute(
        sa.select(ev.c.hazard_id, ev.c.event_date, ev.c.move, ev.c.to_state, ev.c.deadline)
        .where(where(ev.c.hazard_id))
        .order_by(ev.c.hazard_id, ev.c.event_date, ev.c.id),
    ):
        events[hazard_id].append((day, move, to_state, deadline))
    marks: Marks = {}
    for row in hazards:
        hazard = dict(row._mapping)
        hazard_marks(marks, hazard["enterprise_county"], hazard, events.get(hazard["id"], ()))
    return marks


def _by_enterprise(
    conn: Connection, table: sa.Table, where: Where, *columns: Any, only: Any = None
) -> dict[tuple[int, str], list[Any]]:
    """``columns`` of ``table``'s records, grouped by (enterprise id, the enterprise's county); a column
    named ``KEY_ENTERPRISE`` is whether the enterprise is a key enterprise (see :func:`key_enterprise`)."""
    e = ENT.alias("e")
    columns = tuple(key_enterprise(e) if c is KEY_ENTERPRISE else c for c in columns)
    stmt = (
        sa.select(table.c.enterprise_id, e.c.county_code, *columns)
        .select_from(table.join(e, e.c.id == table.c.enterprise_id))
        .where(where(table.c.enterprise_id), *([] if only is None else [only]))
    )
    out: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for row in conn.execute(stmt):
        out[(row[0], row[1])].append(row[2:])
    return out


KEY_ENTERPRISE = object()


def key_enterprise(e: Any) -> Any:
    """SQL: the enterprise ``e`` makes or sells at least one product of the key categories (as
    :func:`hazardlib.stages.key_enterprise`)."""
    return sa.func.coalesce(sa.func.json_array_length(e.c.products), 0) > 0


def _count_enterprises(conn: Connection, where: Where) -> Marks:
    e = ENT
    marks: Marks = {}
    stmt = (
        sa.select(e.c.county_code, sa.func.count())
        .where(where(e.c.id), key_enterprise(e))
        .group_by(e.c.county_code)
    )
    for county, n in conn.execute(stmt):
        _add(marks, county, progress_figure("key_enterprises"), STOCK, dt.date.min, int(n))
    return marks


def _count_inspections(conn: Connection, where: Where) -> Marks:
    t = schema.inspections
    marks: Marks = {}
    figures = {"production": "producers_inspected", "circulation": "sellers_inspected"}
    columns = (t.c.field, t.c.inspection_date, t.c.county_code, t.c.campaign_year)
    for (_, county), rows in _by_enterprise(conn, t, where, *columns).items():
        for field, day in {(r[0], r[1]) for r in rows}:  # a visit: enterprise, field, date
            if field in figures:
                _add(marks, county, figures[field], day, day)
        for field, day, own, year in rows:  # the tracker counts each record for the county that made it
            _add(marks, own, progress_figure("inspections", year), day, day)
            if field in figures:
                _add(marks, own, progress_figure(f"inspections_{field}", year), day, day)
    return marks


def _count_self_checks(conn: Connection, where: Where) -> Marks:
    t, h = schema.self_checks, schema.hazards.alias("h_risk")
    on_ledger = sa.exists().where(
        h.c.enterprise_id == t.c.enterprise_id,
        h.c.source_id == t.c.id,
        h.c.kind == "risk",
        h.c.grade == "major",
        h.c.source == "self_check",
    )
    marks: Marks = {}
    columns = (t.c.check_date, t.c.major_risk_reported, on_ledger, t.c.county_code, t.c.campaign_year,
               KEY_ENTERPRISE)  # fmt: skip
    for (_, county), rows in _by_enterprise(conn, t, where, *columns).items():
        once_per_window(marks, county, "self_checks", (r[0] for r in rows))
        first: dict[tuple[str, int], dt.date] = {}
        for day, reported, listed, own, year, key in rows:
            if reported and not listed:
                _add(marks, county, "reported_not_on_ledger", day, day)
            if key:  # the tracker: key enterprises' self-checks, for the county that recorded them
                _add(marks, own, progress_figure("self_checks_in_window", year), day, day)
                first[(own, year)] = min(day, first.get((own, year), day))
        for (own, year), day in first.items():
            _add(marks, own, progress_figure("self_checked", year), STOCK, day)
    return marks


def _count_interviews(conn: Connection, where: Where) -> Marks:
    t = schema.interviews
    marks: Marks = {}
    for (_, county), rows in _by_enterprise(conn, t, where, t.c.held_date).items():
        once_per_window(marks, county, "enterprises_interviewed", (r[0] for r in rows))
    return marks


def _count_enforcement(conn: Connection, where: Where) -> Marks:
    c = schema.enforcement_cases
    marks: Marks = {}
    columns = (
        c.c.filed_date, c.c.transferred_to, c.c.transfer_date, c.c.dishonesty_listed, c.c.dishonesty_date,
        c.c.licence_revoked, c.c.revoked_date, c.c.typical_case, c.c.published_date,
    )  # fmt: skip
    for (_, county), rows in _by_enterprise(conn, c, where, *columns).items():
        listed_days = []
        for filed, to, transferred, listed, listed_day, revoked, revoked_day, typical, published in rows:
            _add(marks, county, "cases_filed", filed, filed)
            if to is not None and transferred is not None:
                _add(marks, county, "transfers", transferred, transferred)
            if listed and listed_day is not None:
                listed_days.append(listed_day)
            if revoked and revoked_day is not None:
                _add(marks, county, "licences_revoked", revoked_day, revoked_day)
            if typical and published is not None:
                _add(marks, county, "typical_cases_published", published, published)
        once_per_window(marks, county, "dishonesty_listed", listed_days)
    return marks


def _count_help(conn: Connection, where: Where) -> Marks:
    t = schema.help_records
    marks: Marks = {}
    kinds = {"quality_clinic": "quality_clinics", "guidance_letter": "guidance_letters"}
    for (_, county), rows in _by_enterprise(conn, t, where, t.c.help_date, t.c.kind).items():
        once_per_window(marks, county, "enterprises_helped", (r[0] for r in rows))
        for day, kind in rows:
            if kind in kinds:
                _add(marks, county, kinds[kind], day, day)
    return marks


def _count_spot_checks(conn: Connection, where: Where) -> Marks:
    s = schema.spot_checks
    e = ENT.alias("e")
    concerned = sa.func.coalesce(s.c.enterprise_id, s.c.seller_id, s.c.producer_id)
    stmt = (
        sa.select(e.c.county_code, s.c.sample_date, s.c.result, s.c.follow_up_of)
        .select_from(s.join(e, e.c.id == concerned))
        .where(where(s.c.id))
    )
    marks: Marks = {}
    results = {"unqualified": "unqualified_batches", "refused": "refused_batches"}
    for county, day, result, follow_up_of in conn.execute(stmt):
        _add(marks, county, "spot_check_batches", day, day)
        if result in results:
            _add(marks, county, results[result], day, day)
        if follow_up_of is not None:
            _add(marks, county, "follow_up_checks", day, day)
    return marks


def _count_traces(conn: Connection, where: Where) -> Marks:
    t = schema.tracing_tasks
    marks: Marks = {}
    for county, day in conn.execute(sa.select(t.c.to_county, t.c.created_date).where(where(t.c.id))):
        _add(marks, county, "two_way_traces", day, day)
    return marks


def _count_instruments(conn: Connection, where: Where) -> Marks:
    t = schema.instruments
    e = ENT.alias("e")
    stmt = (
        sa.select(sa.func.coalesce(e.c.county_code, t.c.county_code), t.c.kind, t.c.issue_date)
        .select_from(t.outerjoin(e, e.c.id == t.c.enterprise_id))
        .where(where(t.c.id), t.c.kind.in_(list(INSTRUMENT_FIGURES)))
    )
    marks: Marks = {}
    for county, kind, day in conn.execute(stmt):
        _add(marks, county, INSTRUMENT_FIGURES[kind], day, day)
    return marks


def _leaves_window(day: dt.date, years: int) -> dt.date:
    """The first as-of date whose window of ``years`` years no longer holds a finding of ``day``: the
    first ``x`` with ``years_before(x, years) >= day``."""
    from ..rules.supervision import years_before

    try:
        x = day.replace(year=day.year + years)
    except ValueError:  # 29 February
        x = dt.date(day.year + years, 3, 1)
    while years_before(x - ONE_DAY, years) >= day:
        x -= ONE_DAY
    while years_before(x, years) < day:
        x += ONE_DAY
    return x


def supervision_terms() -> dict[int, tuple[int, int]]:
    """For every campaign with a calendar: (major findings that put an enterprise under special
    supervision, years of the window they are counted in)."""
    from ..campaign import available_years

    return _terms(available_years())


@functools.lru_cache(maxsize=4)
def _terms(years: tuple[int, ...]) -> dict[int, tuple[int, int]]:
    from ..campaign import load_campaign

    out = {}
    for year in years:
        c = load_campaign(year)
        out[year] = (
            int(c.parameter("special_supervision_major_risks")),
            int(c.parameter("special_supervision_window_years")),
        )
    return out


def campaign_key(year: int) -> dt.date:
    """The ``anchor`` of the classified-supervision marks of a campaign year."""
    return dt.date(year, 1, 1)


def supervision_marks(
    marks: Marks,
    county: str,
    findings: Sequence[tuple[str, dt.date, int]],
    terms: Mapping[int, tuple[int, int]],
) -> None:
    """The marks of one enterprise's classified supervision (分类监管), from its larger and major findings
    (grade, found date, campaign year), for every campaign of ``terms``: anchored on the campaign
    (:func:`campaign_key`), they sum, at an as-of date, to whether the enterprise is under special
    supervision then by that campaign's terms, and whether it is under key supervision (not special, and
    a larger or major finding of that campaign year found by then). See
    :func:`hazardlib.rules.supervision.supervision_classes`."""
    majors = sorted(day for grade, day, _ in findings if grade == "major")
    for year, (need, years) in terms.items():
        steps: dict[dt.date, int] = defaultdict(int)
        for day in majors:
            steps[day] += 1
            steps[_leaves_window(day, years)] -= 1
        current = [day for grade, day, y in findings if y == year and grade in ("larger", "major")]
        first = min(current) if current else None
        if first is not None:
            steps.setdefault(first, 0)
        anchor = campaign_key(year)
        held, special, key = 0, False, False
        for day in sorted(steps):
            held += steps[day]
            now_special = held >= need
            now_key = not now_special and first is not None and day >= first
            if now_special != special:
                _add(marks, county, "special_supervision", anchor, day, 1 if now_special else -1)
            if now_key != key:
                _add(marks, county, "key_supervision", anchor, day, 1 if now_key else -1)
            special, key = now_special, now_key


def _count_supervision(conn: Connection, where: Where) -> Marks:
    h = schema.hazards
    terms = supervision_terms()
    marks: Marks = {}
    larger = h.c.grade.in_(("larger", "major"))
    rows = _by_enterprise(conn, h, where, h.c.grade, h.c.found_date, h.c.campaign_year, only=larger)
    for (_, county), findings in rows.items():
        supervision_marks(marks, county, findings, terms)
    return marks


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("hazard", schema.hazards, _count_hazards),
        Family("enterprise", ENT, _count_enterprises),
        Family("inspections", ENT, _count_inspections),
        Family("self_checks", ENT, _count_self_checks),
        Family("interviews", ENT, _count_interviews),
        Family("enforcement", ENT, _count_enforcement),
        Family("help", ENT, _count_help),
        Family("spot_check", schema.spot_checks, _count_spot_checks),
        Family("trace", schema.tracing_tasks, _count_traces),
        Family("instrument", schema.instruments, _count_instruments),
        Family("supervision", ENT, _count_supervision),
    )
}

COUNTED_FIGURES = (
    "producers_inspected", "sellers_inspected", "self_checks", "reported_not_on_ledger", "hazards_found",
    "hazards_general", "hazards_larger", "hazards_major", "hazards_closed", "hazards_overdue",
    "risks_on_ledger", "spot_check_batches", "unqualified_batches", "refused_batches", "follow_up_checks",
    "two_way_traces", "enterprises_interviewed", *INSTRUMENT_FIGURES.values(), "cases_filed", "transfers",
    "dishonesty_listed", "licences_revoked", "typical_cases_published", "enterprises_helped",
    "quality_clinics", "guidance_letters",
)  # fmt: skip
"""The figures ``figure_counts`` holds that sum over a report window (the results list's count figures but
classified supervision, anchored on campaigns, and the campaign's extra figures, counted from the records)."""
CLASSIFIED_FIGURES = ("key_supervision", "special_supervision")


PROGRESS_FIGURES = (
    "self_checked", "self_checks_in_window", "inspections_production", "inspections_circulation",
    "inspections", "hazards_found", "hazards_found_to_date", "hazards_closed", "hazards_closed_to_date",
    "open_hazards", "overdue_hazards", "open_escalations",
)  # fmt: skip
"""The tracker's progress figures kept per campaign year (and ``key_enterprises``, of no campaign)."""
