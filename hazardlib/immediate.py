"""Immediate reports (即时报告): “重要情况、重大案件第一时间及时报告”.

A major hazard found, a major risk reported by an enterprise in its self-check, or a major case opened
puts one item on the prefecture's feed: the county (who) must report the record (what) by ``due_at``
(when) — the day the fact became known plus the campaign parameter ``immediate_report_hours``. The
prefecture acknowledges an item when the report has reached it. Raising is idempotent: one item per
record and kind.

The clock starts at 00:00 of the record's own date (found, self-check or filed date), not when it was
typed in: the plan asks for a report at once after the fact, so late entry does not buy time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from . import schema, vocab
from .campaign import campaign_at
from .errors import CampaignNotFound, HazardError
from .regions import load_regions
from .store import Store, Tx

if TYPE_CHECKING:
    import pandas as pd

T = schema.immediate_reports

STATE_LABELS = {
    "pending": "待报告",
    "late": "逾期未报告",
    "acknowledged": "已报告",
    "acknowledged_late": "已报告（超时）",
}

MESSAGES = {
    "county_session": "即时报告由州局签收，县（市）会话不能签收",
    "major_hazard": "{enterprise}发现重大隐患：{what}",
    "major_risk": "{enterprise}发现重大风险：{what}",
    "major_risk_self_reported": "{enterprise}自查报告重大风险：{what}",
    "major_case": "{enterprise}重大案件：{what}",
    "already": "即时报告事项 {id} 已于 {at} 由 {by} 确认，不再重复确认",
    "before_raise": "确认时间 {at} 早于事项提出时间 {raised}",
}


def _start_of(day: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(day, dt.datetime):
        return day.replace(microsecond=0)
    return dt.datetime.combine(day, dt.time())


def report_hours(day: dt.date) -> int | None:
    """The campaign parameter ``immediate_report_hours`` for the campaign ``day`` belongs to (None for a
    year without a campaign: a record of such a year is history, not something to report now)."""
    try:
        return int(campaign_at(day).parameter("immediate_report_hours"))
    except CampaignNotFound:
        return None


def raise_immediate(
    tx: Tx,
    kind: str,
    record_table: str,
    record_id: int,
    county: str,
    day: dt.date | dt.datetime,
    summary: str | None = None,
) -> int | None:
    """Put an item on the immediate-report feed (once per record and kind); returns its id, or None when
    ``day`` belongs to no campaign."""
    if kind not in vocab.IMMEDIATE_KIND.codes:
        raise ValueError(f"即时报告事项类型“{kind}”无效，应为：{vocab.IMMEDIATE_KIND.choices_text()}")
    existing = tx.conn.execute(
        sa.select(T.c.id).where(
            T.c.record_table == record_table, T.c.record_id == record_id, T.c.kind == kind
        )
    ).scalar()
    if existing is not None:
        return int(existing)
    raised = _start_of(day)
    hours = report_hours(raised.date())
    if hours is None:
        return None
    return tx.insert(
        T,
        dict(
            county_code=county,
            campaign_year=raised.year,
            kind=kind,
            record_table=record_table,
            record_id=record_id,
            raised_at=raised,
            due_at=raised + dt.timedelta(hours=hours),
            summary=summary,
        ),
    )


def _enterprise_name(tx: Tx, enterprise_id: int) -> str:
    e = schema.enterprises
    name = tx.conn.execute(sa.select(e.c.name).where(e.c.id == enterprise_id)).scalar()
    return str(name or f"企业 {enterprise_id}")


def immediate_kind(kind: str, source: str) -> str:
    """The immediate-report item a major ledger record raises, named by what the record is: a risk the
    enterprise reported in its self-check, another risk (风险), or a hazard (隐患)."""
    if source == "self_check":
        return "major_risk_self_reported"
    return "major_risk" if kind == "risk" else "major_hazard"


def raise_for_hazard(tx: Tx, hazard_id: int) -> int | None:
    """Raise the item a major finding on the ledger calls for (None when the finding is not major); its
    kind follows :func:`immediate_kind`.
    """
    h = tx.conn.execute(sa.select(schema.hazards).where(schema.hazards.c.id == hazard_id)).mappings().one()
    if h["grade"] != "major":
        return None
    kind = immediate_kind(h["kind"], h["source"])
    what = h["description"] or f"{h['sub_product_code']} {h['problem_code']}"
    summary = MESSAGES[kind].format(enterprise=_enterprise_name(tx, h["enterprise_id"]), what=what)
    return raise_immediate(tx, kind, "hazards", hazard_id, h["county_code"], h["found_date"], summary)


def raise_for_case(tx: Tx, case_id: int) -> int | None:
    """Raise the item a major enforcement case calls for (None when it is not a major case)."""
    c = (
        tx.conn.execute(sa.select(schema.enforcement_cases).where(schema.enforcement_cases.c.id == case_id))
        .mappings()
        .one()
    )
    if not c["major_case"]:
        return None
    what = f"{c['case_no'] or ''}{vocab.VIOLATION.label(c['violation'])}".strip()
    summary = MESSAGES["major_case"].format(enterprise=_enterprise_name(tx, c["enterprise_id"]), what=what)
    return raise_immediate(
        tx, "major_case", "enforcement_cases", case_id, c["county_code"], c["filed_date"], summary
    )


def acknowledge(store: Store, report_id: int, at: dt.datetime | None = None) -> dict[str, Any]:
    """Record that the report of item ``report_id`` reached the prefecture (by the store's user).

    Raises NotFound, or HazardError for a county session (the prefecture signs for them), when it was
    acknowledged already, or when ``at`` is before the item was raised.
    """
    if not store.is_prefecture:
        raise HazardError(MESSAGES["county_session"])
    return _mark_reported(store, report_id, at, "确认即时报告")


def file_report(store: Store, report_id: int, at: dt.datetime | None = None) -> dict[str, Any]:
    """A county files its report of item ``report_id`` through the workbook (by the store's user): the
    workbook is the channel to the prefecture, so the report has reached it at ``at`` and the item is
    已报告 (in time or late against ``due_at``), as when the prefecture signs for a report sent otherwise.

    Raises NotFound (not the session's county's item), or HazardError when it was reported already or
    ``at`` is before the item was raised.
    """
    return _mark_reported(store, report_id, at, "报告即时报告事项")


def _mark_reported(store: Store, report_id: int, at: dt.datetime | None, context: str) -> dict[str, Any]:
    with store.transaction(context) as tx:
        item = store.get(T, report_id, tx.conn)
        when = (at or tx.now).replace(microsecond=0)
        if item["acknowledged_at"] is not None:
            raise HazardError(
                MESSAGES["already"].format(
                    id=report_id, at=item["acknowledged_at"], by=item["acknowledged_by"]
                )
            )
        if when < item["raised_at"]:
            raise HazardError(MESSAGES["before_raise"].format(at=when, raised=item["raised_at"]))
        return tx.update(T, report_id, {"acknowledged_at": when, "acknowledged_by": store.user})


def end_of(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` (reports acknowledged before it were in by that day)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())


def state_expr(as_of: dt.date) -> Any:
    """SQL: the item's state at the end of ``as_of`` (pending, late, acknowledged, acknowledged_late)."""
    cut = end_of(as_of)
    acked = sa.and_(T.c.acknowledged_at.is_not(None), T.c.acknowledged_at < cut)
    return sa.case(
        (sa.and_(acked, T.c.acknowledged_at <= T.c.due_at), "acknowledged"),
        (acked, "acknowledged_late"),
        (T.c.due_at < cut, "late"),
        else_="pending",
    )


def _feed_query(store: Store, day: dt.date, county: str | None, year: int | None = None) -> Any:
    cut = end_of(day)
    stmt = store.scoped(
        sa.select(
            T.c.id,
            T.c.county_code,
            T.c.kind,
            T.c.record_table,
            T.c.record_id,
            T.c.summary,
            T.c.raised_at,
            T.c.due_at,
            sa.case((T.c.acknowledged_at < cut, T.c.acknowledged_at)).label("acknowledged_at"),
            sa.case((T.c.acknowledged_at < cut, T.c.acknowledged_by)).label("acknowledged_by"),
            state_expr(day).label("state"),
        ).where(T.c.raised_at < cut),
        T,
    )
    if county:
        stmt = stmt.where(T.c.county_code == county)
    if year is not None:
        stmt = stmt.where(T.c.campaign_year == year)
    return stmt


def _not_acknowledged(day: dt.date) -> Any:
    """SQL: the item is pending or late at the end of ``day``."""
    return sa.or_(T.c.acknowledged_at.is_(None), T.c.acknowledged_at >= end_of(day))


FEED_COLUMNS = ["id", "county_code", "kind", "record_table", "record_id", "summary", "raised_at", "due_at",
                "acknowledged_at", "acknowledged_by", "state"]  # fmt: skip


def _feed_frame(rows: Sequence[Any]) -> pd.DataFrame:
    import pandas as pd  # noqa: PLC0415 -- optional heavy: the tracker imports this module before its first table

    frame = pd.DataFrame([dict(r) for r in rows], columns=FEED_COLUMNS)
    regions = load_regions()
    frame.insert(2, "county_name", [regions.name_of(c) for c in frame["county_code"]])
    frame.insert(4, "kind_label", [vocab.IMMEDIATE_KIND.label(k) for k in frame["kind"]])
    frame["state_label"] = [STATE_LABELS[s] for s in frame["state"]]
    return frame


def feed(store: Store, as_of: dt.date | None = None, county: str | None = None) -> pd.DataFrame:
    """The feed at the end of ``as_of`` (default today): every item raised by then, newest first.

    Columns: id, county_code, county_name, kind, kind_label, record_table, record_id, summary,
    raised_at, due_at, acknowledged_at, acknowledged_by, state, state_label.
    """
    stmt = _feed_query(store, as_of or dt.date.today(), county)
    with store.read() as conn:
        rows = conn.execute(stmt.order_by(T.c.raised_at.desc(), T.c.id.desc())).mappings().all()
    return _feed_frame(rows)


@dataclass(frozen=True)
class FeedPage:
    """The head of the feed, for a dashboard: the newest items, the newest waiting ones, and how many
    there are in all (counted by the database, not loaded)."""

    latest: pd.DataFrame
    waiting: pd.DataFrame
    total: int
    waiting_total: int


def feed_page(
    store: Store,
    as_of: dt.date | None = None,
    county: str | None = None,
    *,
    latest: int = 50,
    waiting: int = 200,
    year: int | None = None,
) -> FeedPage:
    """The ``latest`` newest items of :func:`feed` and its ``waiting`` newest pending or late ones (the
    same columns), with the number of items and of waiting items; with ``year``, of that campaign only."""
    day = as_of or dt.date.today()
    stmt = _feed_query(store, day, county, year)
    newest = (T.c.raised_at.desc(), T.c.id.desc())
    waits = stmt.where(_not_acknowledged(day))
    with store.read() as conn:
        head = conn.execute(stmt.order_by(*newest).limit(latest)).mappings().all()
        waiting_rows = conn.execute(waits.order_by(*newest).limit(waiting)).mappings().all()
        total = conn.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()
        waiting_total = conn.execute(sa.select(sa.func.count()).select_from(waits.subquery())).scalar_one()
    return FeedPage(_feed_frame(head), _feed_frame(waiting_rows), int(total), int(waiting_total))
