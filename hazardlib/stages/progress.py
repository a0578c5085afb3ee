"""Each county's progress in the three stages: the tracker's figures, whether a county is on track, and
the hazards still open after the campaign.

Figures are defined in ``docs/rules.md`` (“进度指标”); the thresholds of “on track” are campaign
parameters. Everything is counted in SQL, grouped by county. County progress is built in plain Python
(12 county rows) so that the tracker's first table needs neither pandas nor :mod:`hazardlib.ledger`
(the state of a hazard at a date is read from :mod:`hazardlib.figures`, the one definition); pandas is
imported by the functions that use it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from .. import schema, vocab
from ..campaign import Campaign, campaign_at
from ..figures import counted_by_arms, event_exists, is_closed, is_open, is_overdue, key_enterprise, ledger_at
from ..regions import load_regions
from ..store import PREFECTURE_CODE, Store
from .windows import Window, county_codes, window

if TYPE_CHECKING:
    import pandas as pd

ENT = schema.enterprises
H = schema.hazards  # the ledger's tables, as hazardlib.ledger names them

LAGGING = {
    "plan": "第一阶段结束仍未制定本地工作方案",
    "coverage": "自查覆盖率 {value:.0%} 低于应达到的 {need:.0%}",
    "closure": "隐患销号率 {value:.0%} 低于应达到的 {need:.0%}",
}


Counts = dict[str, dict[str, int]]  # county code -> figure -> n


def _grouped(
    conn: sa.Connection,
    county_col: Any,
    measures: dict[str, Any],
    from_: Any,
    where: Sequence[Any],
    codes: list[str],
) -> Counts:
    stmt = (
        sa.select(county_col.label("county_code"), *(v.label(k) for k, v in measures.items()))
        .select_from(from_)
        .where(county_col.in_(codes), *where)
        .group_by(county_col)
    )
    return {r["county_code"]: {k: int(r[k] or 0) for k in measures} for r in conn.execute(stmt).mappings()}


def _count_if(cond: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)


def self_check_counted(checks: Any, campaign: Campaign, end: dt.date) -> list[Any]:
    """SQL conditions: the self-check (of ``checks``) counts for ``campaign`` at ``end``: of the campaign's
    year, dated in its window (:meth:`Campaign.window`), by a key enterprise (its ``key_enterprise``, kept
    with the enterprise's products: :func:`hazardlib.figures.key_enterprise`). The one definition of
    组织企业自查, read by the tracker's 已自查 and the results list (docs/rules.md “行动窗口”); the county is
    the enterprise's (``registered_county``)."""
    opens, _ = campaign.window(end)
    return [
        checks.c.campaign_year == campaign.year,
        checks.c.check_date.between(opens, end),
        checks.c.key_enterprise == sa.true(),
    ]


COUNT_COLUMNS = (
    "key_enterprises",
    "self_checked",
    "self_checks_in_window",
    "inspections_production",
    "inspections_circulation",
    "inspections",
    "hazards_found",
    "hazards_found_to_date",
    "hazards_closed",
    "hazards_closed_to_date",
    "open_hazards",
    "overdue_hazards",
    "open_escalations",
)

JUDGED = ("key_enterprises", "self_checked", "hazards_closed_to_date", "hazards_found_to_date")
"""The count columns whether a county is on track is judged by (its coverage and close-out rate):
counted in every progress row, whatever else is asked for."""


LEDGER_FIGURES = (
    "hazards_found", "hazards_found_to_date", "hazards_closed", "hazards_closed_to_date", "open_hazards",
    "overdue_hazards", "open_escalations",
)  # fmt: skip
"""The count columns read from the ledger at the window's end (:func:`ledger_counts`)."""


def ledger_counts(
    campaign: Campaign,
    start: dt.date,
    end: dt.date,
    codes: Sequence[str],
    wanted: Collection[str] = LEDGER_FIGURES,
) -> sa.Select[Any]:
    """SQL: ``county_code`` and the tracker's ledger figures of ``wanted`` per county of ``codes``, over the
    hazards of ``campaign`` found in its window by ``end`` (:meth:`Campaign.window`) in their state at
    ``end`` (:func:`hazardlib.figures.ledger_at`): found in the window ``start``…``end`` and to date, closed
    out (at ``end``, by a closing in the window) and to date, open, overdue, open with an escalation by
    ``end``.

    Counted arm by arm (:func:`hazardlib.figures.counted_by_arms`), the counties a condition of both arms:
    the hazards in their current span from the hazards' index alone, those changed after ``end`` with one
    seek each into their events, each arm grouped by county in the order of the hazards' index
    (``ix_hazards_year_county_found``, migration 0028: one range per county, no sort) and the two counts
    added (at 1M hazards cheaper than grouping their UNION ALL; docs/benchmarks.md)."""
    opens, _ = campaign.window(end)

    def measures(led: Any) -> dict[str, Any]:
        closed = is_closed(led)
        every = {
            "hazards_found": _count_if(led.c.found_date >= start),
            "hazards_found_to_date": sa.func.count(),
            "hazards_closed": _count_if(
                sa.and_(closed, event_exists(led.c.id, "close", lambda e: e.c.event_date.between(start, end)))
            ),
            "hazards_closed_to_date": _count_if(closed),
            "open_hazards": _count_if(is_open(led)),
            "overdue_hazards": _count_if(is_overdue(led, end)),
            "open_escalations": _count_if(
                sa.and_(is_open(led), event_exists(led.c.id, "escalate", lambda e: e.c.event_date <= end))
            ),
        }
        return {k: v for k, v in every.items() if k in wanted}

    return counted_by_arms(
        end,
        "county_code",
        measures,
        where=[H.c.campaign_year == campaign.year, H.c.county_code.in_(codes), H.c.found_date >= opens],
        columns=["id", "county_code", "found_date", "state", "deadline"],
    )


def _plans(store: Store, campaign: Campaign, w: Window, codes: list[str]) -> dict[str, dt.date]:
    """The day each county of ``codes`` adopted its plan, for those that had by the window's end."""
    cp = schema.county_plans
    with store.read() as conn:
        plans = conn.execute(
            sa.select(cp.c.county_code, cp.c.adopted_date).where(
                cp.c.campaign_year == campaign.year,
                cp.c.adopted_date <= w.end,
                cp.c.county_code.in_(codes),
            )
        ).all()
    return {code: day for code, day in plans if day is not None}


def _counts(
    store: Store, campaign: Campaign, w: Window, codes: list[str], wanted: Collection[str] = COUNT_COLUMNS
) -> Counts:
    """The count columns ``wanted`` per county: GROUP BY county queries over the records (docs/rules.md
    “进度指标”), each with the figures of ``wanted`` it counts; a query none of whose figures is wanted is
    not run."""
    year, start, end = campaign.year, w.start, w.end
    sc, ins = schema.self_checks, schema.inspections
    parts: list[tuple[Any, dict[str, Any], Any, list[Any]]] = [
        (ENT.c.county_code, {"key_enterprises": sa.func.count()}, ENT, [key_enterprise()]),
        (
            sc.c.registered_county,
            {
                "self_checked": sa.func.count(sa.distinct(sc.c.enterprise_id)),
                "self_checks_in_window": _count_if(sc.c.check_date >= start),
            },
            sc,
            self_check_counted(sc, campaign, end),
        ),
        (
            ins.c.county_code,
            {
                "inspections_production": _count_if(ins.c.field == "production"),
                "inspections_circulation": _count_if(ins.c.field == "circulation"),
                "inspections": sa.func.count(),
            },
            ins,
            [ins.c.campaign_year == year, ins.c.inspection_date.between(start, end)],
        ),
    ]
    out: Counts = {code: dict.fromkeys(wanted, 0) for code in codes}
    with store.read() as conn:
        for county_col, measures, from_, where in parts:
            asked = {k: v for k, v in measures.items() if k in wanted}
            if not asked:
                continue
            for code, figures in _grouped(conn, county_col, asked, from_, where, codes).items():
                out[code].update(figures)
        if any(k in wanted for k in LEDGER_FIGURES):
            for r in conn.execute(ledger_counts(campaign, start, end, codes, wanted)).mappings():
                out[r["county_code"]].update({k: int(v or 0) for k, v in r.items() if k != "county_code"})
    return out


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _judge(
    campaign: Campaign, end: dt.date, plan_ok: bool, coverage: float | None, closure: float | None
) -> list[tuple[str, str]]:
    """The checks a county fails at ``end``, as (code, Chinese reason); empty: on track. The codes are
    ``plan``, ``coverage`` and ``closure``; see docs/rules.md “按期推进”."""
    first, last = campaign.stages[0], campaign.stages[-1]
    reasons: list[tuple[str, str]] = []
    if end < first.start:
        return reasons
    if end >= first.end and not plan_ok:
        reasons.append(("plan", LAGGING["plan"]))
    target = float(campaign.parameter("lagging_self_check_coverage"))
    share = min(1.0, ((end - first.start).days + 1) / ((first.end - first.start).days + 1))
    need = target * share
    if coverage is not None and coverage < need:
        reasons.append(("coverage", LAGGING["coverage"].format(value=coverage, need=need)))
    if closure is not None and end >= last.start:
        key = "on_track_closure_rate_by_stage3_end" if end > last.end else "lagging_closure_rate"
        need = float(campaign.parameter(key))
        if closure < need:
            reasons.append(("closure", LAGGING["closure"].format(value=closure, need=need)))
    return reasons


def county_progress_rows(
    store: Store,
    as_of: dt.date,
    county: str | None = None,
    stage: int | None = None,
    figures: Collection[str] = COUNT_COLUMNS,
) -> list[dict[str, Any]]:
    """The rows of :func:`county_progress` as plain dicts (a missing rate is None), without pandas: what
    the tracker's first table is drawn from.

    ``figures``: the count columns a caller shows (every one of :data:`COUNT_COLUMNS` by default); only
    these and the ones the judgement reads (:data:`JUDGED`) are counted and carried by the rows, so that
    a page drawing a few figures runs no query for the others (the closings and escalations in the
    window, say: two sets of events read in full at province scale)."""
    unknown = set(figures) - set(COUNT_COLUMNS)
    if unknown:
        raise ValueError(f"no such progress figure: {sorted(unknown)}")
    wanted = [k for k in COUNT_COLUMNS if k in figures or k in JUDGED]
    campaign = campaign_at(as_of)
    w = window(campaign, as_of, stage)
    codes = county_codes(store, county)
    counts = _counts(store, campaign, w, codes, wanted)
    adopted = _plans(store, campaign, w, codes)
    if len(codes) > 1:
        counts[PREFECTURE_CODE] = {k: sum(counts[c][k] for c in codes) for k in wanted}
    plan_all = all(c in adopted for c in codes)
    regions = load_regions()
    rows = []
    for code, r in counts.items():  # one row per county (13 at most), not per record
        plan_ok = plan_all if code == PREFECTURE_CODE else code in adopted
        coverage = _rate(r["self_checked"], r["key_enterprises"])
        closure = _rate(r["hazards_closed_to_date"], r["hazards_found_to_date"])
        reasons = _judge(campaign, w.end, plan_ok, coverage, closure)
        rows.append(
            {
                "county_code": code,
                "county_name": regions.name_of(code),
                "stage": w.stage,
                "window_start": w.start,
                "window_end": w.end,
                **{k: int(r[k]) for k in wanted},
                "self_check_coverage": coverage,
                "plan_adopted": plan_ok,
                "plan_adopted_date": adopted.get(code),
                "close_out_rate": closure,
                "on_track": not reasons,
                "lagging_checks": [code for code, _ in reasons],
                "lagging_reasons": "；".join(text for _, text in reasons),
            }
        )
    return rows


def county_progress(
    store: Store, as_of: dt.date, county: str | None = None, stage: int | None = None
) -> pd.DataFrame:
    """The tracker's figures, one row per county and (for the whole prefecture) a last row "522700".

    ``stage`` None counts the campaign so far; a stage number counts within that stage's window, with
    stocks (coverage, close-out rate, open and overdue hazards, on track) taken at its last day or at
    ``as_of`` if earlier. Column definitions: docs/rules.md “进度指标”.
    """
    import pandas as pd  # noqa: PLC0415 -- optional heavy: the tracker's first table draws without it

    return pd.DataFrame(county_progress_rows(store, as_of, county, stage))


# -- after the campaign ----------------------------------------------------------------------------


def open_hazards(store: Store, as_of: dt.date, county: str | None = None) -> pd.DataFrame:
    """Every hazard or risk not closed out at ``as_of`` (any campaign year), by county then found date:
    after 31 October these are “持续书面报送整改完成情况”.

    Columns: hazard_id, county_code, county_name, enterprise_id, enterprise, campaign_year, kind, grade,
    grade_label, sub_product_code, found_date, state, state_label, deadline, overdue.
    """
    import pandas as pd  # noqa: PLC0415 -- optional heavy: the tracker's first table draws without it

    led = ledger_at(as_of)
    codes = county_codes(store, county)
    stmt = (
        sa.select(
            led.c.id.label("hazard_id"),
            led.c.county_code,
            led.c.enterprise_id,
            ENT.c.name.label("enterprise"),
            led.c.campaign_year,
            led.c.kind,
            led.c.grade,
            led.c.sub_product_code,
            led.c.found_date,
            led.c.state,
            led.c.deadline,
            sa.case((is_overdue(led, as_of), True), else_=False).label("overdue"),
        )
        .select_from(led.join(ENT, ENT.c.id == led.c.enterprise_id))
        .where(is_open(led), led.c.county_code.in_(codes))
        .order_by(led.c.county_code, led.c.found_date, led.c.id)
    )
    with store.read() as conn:
        rows = conn.execute(stmt).mappings().all()
    columns = [
        "hazard_id",
        "county_code",
        "enterprise_id",
        "enterprise",
        "campaign_year",
        "kind",
        "grade",
        "sub_product_code",
        "found_date",
        "state",
        "deadline",
        "overdue",
    ]
    frame = pd.DataFrame([dict(r) for r in rows], columns=columns)
    regions = load_regions()
    frame.insert(2, "county_name", [regions.name_of(c) for c in frame["county_code"]])
    frame.insert(8, "grade_label", [vocab.GRADE.label(g) for g in frame["grade"]])
    frame.insert(12, "state_label", [vocab.HAZARD_STATE.label(s) for s in frame["state"]])
    frame["overdue"] = frame["overdue"].astype(bool)
    return frame
