"""The action results list (行动成果清单): one row per county and the prefecture total, as of a date.

Every figure is one GROUP BY county query over the store (no loop over records), counted for the county
where the enterprise concerned is registered; the definitions are in :mod:`.definitions` and
``docs/reports.md``.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

import pandas as pd
import sqlalchemy as sa

from .. import schema, vocab
from ..figures import (
    added,
    carried_over,
    counted_by_arms,
    counted_county_cases,
    is_closed,
    is_overdue,
    ledger_at,
)
from ..stages import self_check_counted
from ..store import PREFECTURE_CODE, Store
from . import extra
from .definitions import COUNT_KEYS, RATES
from .scope import (
    Scope,
    attach,
    count_distinct_if,
    count_if,
    counts_side_by_side,
    county_frame,
    enterprise_county,
    grouped_select,
    ledger_figures,
    rate_column,
    scope_for,
    spot_check_county,
)
from .supervision_counts import county_supervision_select

TRUE = sa.true()
H = schema.hazards


def _inspections(scope: Scope) -> Any:
    t = schema.inspections
    from_, county = enterprise_county(t)

    def visits(code: str, field: str) -> Any:
        # A county's visits in one field are one range of ix_inspections_counted (county, field, date,
        # enterprise), read in the order the DISTINCT wants and counted as they come: no test of the field per
        # entry, no GROUP BY (grouped by county over all counties, the database sorted every visit again in a
        # temporary B-tree).
        distinct = (
            sa.select(t.c.inspection_date, t.c.enterprise_id)
            .select_from(from_)
            .where(county == code, t.c.field == field, scope.within(t.c.inspection_date))
            .distinct()
            .subquery()
        )
        return sa.select(sa.func.count()).select_from(distinct).scalar_subquery()

    per_county = sa.union_all(
        *(
            sa.select(
                sa.literal(code, sa.String).label("county_code"),
                visits(code, "production").label("producers_inspected"),
                visits(code, "circulation").label("sellers_inspected"),
            )
            for code in scope.codes
        )
    ).subquery("inspected")
    return sa.select(*per_county.c)


def _risk_on_ledger(h: Any) -> list[Any]:
    """A major risk an enterprise reported in its self-check, as the ledger records it."""
    return [h.c.kind == "risk", h.c.grade == "major", h.c.source == "self_check"]


def _self_checks(scope: Scope) -> Any:
    """组织企业自查, the tracker's 已自查 (one definition: :func:`~hazardlib.stages.self_check_counted`): the
    distinct enterprises, one range per county of ``ix_self_checks_key_counted`` read in enterprise order (the
    key enterprise is kept with the self-check, no seek into the enterprises) and counted as they come, with
    no temporary B-tree and no COUNT(DISTINCT) per group. Apart from the window's reported risks (:func:`_major_risks_self_reported`), which are counted over
    another range: in one query, every enterprise of the window was kept in a temporary B-tree."""
    t = schema.self_checks
    from_, county = enterprise_county(t)
    counted = self_check_counted(t, scope.campaign, scope.as_of)

    def enterprises(code: str) -> Any:
        # One county's range, its distinct enterprises counted as they come (no COUNT(DISTINCT) per group).
        # The window is the definition's own (the campaign's window at the as-of date, Campaign.window, the
        # scope's): named twice, it was tested twice for each self-check of the range.
        distinct = (
            sa.select(t.c.enterprise_id)
            .select_from(from_)
            .where(county == code, *counted)
            .distinct()
            .subquery()
        )
        return sa.select(sa.func.count()).select_from(distinct).scalar_subquery()

    per_county = sa.union_all(
        *(
            sa.select(
                sa.literal(code, sa.String).label("county_code"), enterprises(code).label("self_checks")
            )
            for code in scope.codes
        )
    ).subquery("self_checked")
    return sa.select(*per_county.c)


def _major_risks_self_reported(scope: Scope) -> Any:
    """企业自查报告重大风险: the window's major risks on the ledger that an enterprise reported in its
    self-check, and the window's self-checks reporting a major risk that is not on the ledger, added per
    county. The risks on the ledger are two ranges per county of ``ix_hazards_counted`` (county, kind, grade,
    plain path, date): the window's major risks alone, not every hazard of the window. The self-checks are one
    range per county of ``ix_self_checks_counted``, the self-checks that reported one."""
    t, h = schema.self_checks, schema.hazards.alias("h_risk")
    from_, county = enterprise_county(t)
    # The enterprise condition lets the database use the hazards' enterprise index; the subquery names a
    # column of its condition, not every column (EXISTS (SELECT * …)), so that SQLite reads that index alone
    # (ix_hazards_enterprise_figures holds each column the condition reads) and no hazard from the table.
    on_ledger = (
        sa.select(h.c.source_id)
        .where(h.c.enterprise_id == t.c.enterprise_id, h.c.source_id == t.c.id, *_risk_on_ledger(h))
        .exists()
    )
    measures = {"major_risks_self_reported": count_if(~on_ledger)}
    reported = [t.c.major_risk_reported == TRUE, scope.within(t.c.check_date)]
    # Both values of the plain path named (every hazard has one), so that the risks are read as two ranges per
    # county of ``ix_hazards_counted`` (county, kind, grade, plain path, date): left out, SQLite skipped through
    # the index from its first column on, every entry's date tested (at 1M, 0.055 s against 0.002 s).
    risks = grouped_select(
        scope,
        H,
        H.c.registered_county,
        {"major_risks_self_reported": sa.func.count()},
        [*_risk_on_ledger(H), H.c.plain_path.in_([True, False]), scope.within(H.c.found_date)],
    )
    return added([risks, grouped_select(scope, from_, county, measures, reported)], "county_code")


def ledger_select(scope: Scope) -> Any:
    """SQL: the six ledger figures of the list (found, by grade, closed, overdue) per county: the hazards'
    part of :func:`county_counts` (also timed alone by the benchmarks, against DuckDB over the same
    rows)."""

    def measures(led: Any) -> dict[str, Any]:
        figures = ledger_figures(led, scope.as_of, by_grade=True)
        return {"hazards_found" if k == "hazards" else f"hazards_{k}": v for k, v in figures.items()}

    # The hazards' ledger in three arms (on a plain path, read from the milestone dates; off it and in its
    # span; off it and changed after the date, its holding event sought once), each one range per county
    # of ix_hazards_counted (county, kind, plain path, date, …) grouped in its order, the counts added.
    # The window's end is the ledger's own (found on or before the as-of date, figures.ledger_arms): named
    # twice, it was tested again for each hazard of the range (docs/benchmarks.md).
    return counted_by_arms(
        scope.as_of,
        "registered_county",
        measures,
        where=[
            scope.county_filter(H.c.registered_county),
            H.c.kind == "hazard",
            H.c.grade.in_(vocab.GRADE.codes),
            H.c.found_date >= scope.start,
        ],
        columns=["registered_county", "grade", "state", "deadline"],
        label="county_code",
        by_path=True,
        within=["grade"],
    )


def _carry_over(scope: Scope) -> Any:
    """The hazards an earlier campaign left open (:func:`hazardlib.figures.carried_over`), at their state
    at the as-of date; none before the window opens."""
    led = ledger_at(scope.as_of, where=[scope.county_filter(H.c.registered_county), H.c.kind == "hazard"])
    measures = {
        "hazards_carried_over": sa.func.count(),
        "hazards_carried_over_closed": count_if(is_closed(led)),
        "hazards_carried_over_overdue": count_if(is_overdue(led, scope.as_of)),
    }
    opened = sa.true() if scope.start <= scope.as_of else sa.false()
    return grouped_select(
        scope, led, led.c.registered_county, measures, [opened, carried_over(led.c.id, scope.start)]
    )


# The spot checks by channel (持续加大流通领域、网络销售和农村市场抽查力度): each figure and the sampling
# channels (抽样环节) it counts. The four take every channel once, so they add up to spot_check_batches.
CHANNEL_KEYS: dict[str, tuple[str, ...]] = {
    "spot_checks_production": ("production",),
    "spot_checks_circulation": ("shop", "wholesale_market"),
    "spot_checks_online": ("online",),
    "spot_checks_rural_market": ("rural_market",),
}


def _spot_checks(scope: Scope) -> Any:
    s = schema.spot_checks
    from_, county, _ = spot_check_county()
    measures = {
        "spot_check_batches": sa.func.count(),
        **{key: count_if(s.c.channel.in_(channels)) for key, channels in CHANNEL_KEYS.items()},
        "unqualified_batches": count_if(s.c.result == "unqualified"),
        "refused_batches": count_if(s.c.result == "refused"),
        "follow_up_checks": count_if(s.c.follow_up_of.is_not(None)),
    }
    return grouped_select(scope, from_, county, measures, [scope.within(s.c.sample_date)])


def _traces(scope: Scope) -> Any:
    t = schema.tracing_tasks
    return grouped_select(
        scope, t, t.c.to_county, {"two_way_traces": sa.func.count()}, [scope.within(t.c.created_date)]
    )


def _interviews(scope: Scope) -> Any:
    t = schema.interviews
    from_, county = enterprise_county(t)
    measures = {"enterprises_interviewed": sa.func.count(sa.distinct(t.c.enterprise_id))}
    return grouped_select(scope, from_, county, measures, [scope.within(t.c.held_date)])


INSTRUMENT_KEYS = {
    "listed_supervision_notices": "listed_supervision_notice",
    "interview_notices": "interview_notice",
    "rectification_notices": "rectification_notice",
    "reminder_letters": "reminder_letter",
}


def _instruments(scope: Scope) -> Any:
    """The instruments issued in the window by county and kind: for each case of the county they count for
    (:func:`hazardlib.figures.counted_county_cases`), one range per county and kind of
    ``ix_instruments_counted`` (county, kind, date), counted in its order with no test of the kind per
    entry; the counts put side by side per county."""
    t = schema.instruments
    arms = [
        sa.select(county.label("county_code"), t.c.kind, sa.func.count().label("n"))
        .where(
            scope.county_filter(county),
            condition,
            t.c.kind.in_(list(INSTRUMENT_KEYS.values())),
            scope.within(t.c.issue_date),
        )
        .group_by(county, t.c.kind)
        for county, condition in counted_county_cases(t)
    ]
    by_kind = sa.union_all(*arms).subquery("by_kind")
    measures = (
        sa.cast(sa.func.sum(sa.case((by_kind.c.kind == kind, by_kind.c.n), else_=0)), sa.BigInteger).label(
            key
        )
        for key, kind in INSTRUMENT_KEYS.items()
    )
    return sa.select(by_kind.c.county_code, *measures).group_by(by_kind.c.county_code)


def _enforcement(scope: Scope) -> Any:
    c = schema.enforcement_cases
    from_, county = enterprise_county(c)
    filed = scope.within(c.c.filed_date)
    transferred = sa.and_(c.c.transferred_to.is_not(None), scope.within(c.c.transfer_date))
    listed = sa.and_(c.c.dishonesty_listed == TRUE, scope.within(c.c.dishonesty_date))
    revoked = sa.and_(c.c.licence_revoked == TRUE, scope.within(c.c.revoked_date))
    published = sa.and_(c.c.typical_case == TRUE, scope.within(c.c.published_date))
    measures = {
        "cases_filed": count_if(filed),
        "transfers": count_if(transferred),
        "dishonesty_listed": count_distinct_if(listed, c.c.enterprise_id),
        "licences_revoked": count_if(revoked),
        "typical_cases_published": count_if(published),
    }
    return grouped_select(
        scope, from_, county, measures, [sa.or_(filed, transferred, listed, revoked, published)]
    )


def _help(scope: Scope) -> Any:
    t = schema.help_records
    from_, county = enterprise_county(t)
    measures = {
        "enterprises_helped": sa.func.count(sa.distinct(t.c.enterprise_id)),
        "quality_clinics": count_if(t.c.kind == "quality_clinic"),
        "guidance_letters": count_if(t.c.kind == "guidance_letter"),
    }
    return grouped_select(scope, from_, county, measures, [scope.within(t.c.help_date)])


def _extra(scope: Scope, figure: extra.ExtraFigure) -> Any:
    """The GROUP BY county query of one of the campaign's extra figures (:func:`.extra.selects`)."""
    return extra.selects(scope, (figure,))[0]


# The parts of the list, the costliest first (CPU at 1M hazards: the ledger, the inspections, the self-reported
# major risks, the self-checks, the instruments; classified supervision, about as much as the ledger in all, is
# read county by county near the end: docs/benchmarks.md). Each reader takes the next part when it is free, so
# that the readers side by side finish together, the last parts small.
PARTS = (
    ledger_select, _inspections, _major_risks_self_reported, _self_checks, _instruments, _help, _spot_checks,
    _enforcement, _interviews, _traces,
)  # fmt: skip
READERS = 2
"""How many connections read the parts of the list side by side: one per core of the machine the list was
measured on (two; a third reader there used the same CPU in all and finished no sooner). The ledger's part,
the largest, is about a third of the list's work, classified supervision's twelve about a quarter."""


def county_counts(store: Store, scope: Scope) -> pd.DataFrame:
    """The count figures (and the campaign's extra figures) for each county of the scope: one GROUP BY
    county query for each part of the list, read side by side on :data:`READERS` connections that see one
    snapshot of the store (:meth:`~hazardlib.store.Store.read_together`, :func:`.scope.counts_side_by_side`)."""
    with store.read_together(READERS) as conns:
        parts = [partial(part, scope) for part in PARTS]
        # Classified supervision county by county, after the larger parts: the readers share it out.
        parts[-3:-3] = [partial(county_supervision_select, store, conns[0], scope, c) for c in scope.codes]
        if scope.campaign.carried_over_from is not None:
            parts.append(partial(_carry_over, scope))
        parts.extend(partial(_extra, scope, figure) for figure in extra.figures_for(scope.campaign))
        counts = counts_side_by_side(conns, parts)
    return attach(county_frame(scope), [counts])


def with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every rate computed from its counts (one decimal, None where the denominator is 0)."""
    out = frame.copy()
    for key, (num, terms) in RATES.items():
        den = sum((sign * out[col] for sign, col in terms), start=pd.Series(0, index=out.index))
        out[key] = rate_column(out[num], den)
    return out


def total_row(frame: pd.DataFrame, name: str, code: str = PREFECTURE_CODE) -> pd.DataFrame:
    """One row: the sum of every count column of ``frame``, rates recomputed from those sums."""
    counts = [c for c in frame.columns if c not in ("county_code", "county_name", *RATES)]
    total = frame[counts].sum().to_frame().T.astype("int64")
    total.insert(0, "county_name", name)
    total.insert(0, "county_code", code)
    return with_rates(total)


def results_list(store: Store, as_of: dt.date | None = None, county: str | None = None) -> pd.DataFrame:
    """The action results list at ``as_of``: one row per county in code order, then the prefecture total
    (``county_code`` "522700"); for a county (or a county session), that county's row only.

    Columns: ``county_code``, ``county_name``, every key of :data:`~.definitions.FIGURES` in order, with
    the campaign's extra figures after the last figure of their group, and for a campaign that carries
    over an earlier one's hazards (``carried_over_from``) the keys of
    :data:`~.definitions.CARRY_OVER_FIGURES` after ``hazards_overdue``. Counts are integers; rates are floats with one decimal or None.
    """
    scope = scope_for(store, as_of, county)
    return results_frame(store, scope)


def results_frame(store: Store, scope: Scope) -> pd.DataFrame:
    """:func:`results_list` for an already resolved scope."""
    rows = with_rates(county_counts(store, scope))
    if scope.county is None:
        rows = pd.concat([rows, total_row(rows, scope.regions.prefecture.name)], ignore_index=True)
    keys = [f.key for f in extra.ordered_figures(scope.campaign)]
    return rows[["county_code", "county_name", *keys]].reset_index(drop=True)


def count_keys(frame: pd.DataFrame) -> list[str]:
    """The count columns of a results list frame (everything but the codes, names and rates)."""
    return [c for c in frame.columns if c not in ("county_code", "county_name") and c not in RATES]


__all__ = [
    "CHANNEL_KEYS",
    "COUNT_KEYS",
    "count_keys",
    "county_counts",
    "ledger_select",
    "results_frame",
    "results_list",
    "total_row",
    "with_rates",
]
