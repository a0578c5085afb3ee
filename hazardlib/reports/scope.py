"""What every report shares: the scope of a report (as-of date, campaign window, county) and the SQL
pieces that count records for the county where the enterprise concerned is registered."""

from __future__ import annotations

import datetime as dt
import queue
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
import sqlalchemy as sa

from .. import schema
from ..campaign import Campaign, available_years, campaign_year_of, load_campaign
from ..errors import CampaignNotFound, OutOfScope
from ..figures import (
    COUNTED_TABLES,
    concerned,
    counted_county,
    is_closed,
    is_overdue,
)
from ..regions import Regions, load_regions
from ..store import PREFECTURE_CODE, Store


@dataclass(frozen=True)
class Scope:
    """One report's frame: records whose deciding date falls in ``start``…``as_of`` (both inclusive),
    for one county or (``county`` None) for the whole prefecture."""

    as_of: dt.date
    campaign: Campaign
    county: str | None
    regions: Regions

    @property
    def start(self) -> dt.date:
        """The campaign window's first day (:meth:`Campaign.window`, ``[window] start``): records dated
        before it belong to no stage of the campaign."""
        return self.campaign.start

    @property
    def codes(self) -> tuple[str, ...]:
        """The county codes whose rows the report shows, in code order."""
        if self.county is not None:
            return (self.county,)
        return tuple(c.code for c in self.regions.counties)

    @property
    def unit_code(self) -> str:
        """The code of the reporting unit: the county, or the prefecture."""
        return self.county or PREFECTURE_CODE

    @property
    def unit_name(self) -> str:
        """The name of the reporting unit, e.g. 都匀市 or 黔南布依族苗族自治州."""
        return self.regions.name_of(self.unit_code)

    def within(self, column: Any) -> Any:
        """The SQL condition that ``column`` (a date) falls in the report's window."""
        return column.between(self.start, self.as_of)

    def up_to(self, column: Any) -> Any:
        """The SQL condition that ``column`` (a date) is not after the as-of date."""
        return sa.and_(column.is_not(None), column <= self.as_of)

    def county_filter(self, column: Any) -> Any:
        """The SQL condition limiting ``column`` (a county code) to the scope's counties."""
        return column.in_(self.codes)


def scope_for(store: Store, as_of: dt.date | None = None, county: str | None = None) -> Scope:
    """The scope of a report at ``as_of`` (default today) for ``county`` (default: the session's).

    A county session may ask only for its own county (OutOfScope otherwise); an unknown code raises
    UnknownCounty; a year without a campaign calendar raises CampaignNotFound.
    """
    day = as_of or dt.date.today()
    regions = load_regions()
    wanted = None if county in (None, "", PREFECTURE_CODE) else str(county).strip()
    if wanted is not None:
        regions.county(wanted)
    if store.county is not None:
        if wanted is not None and wanted != store.county:
            raise OutOfScope(store.county, wanted)
        wanted = store.county
    return Scope(day, campaign_for(day), wanted, regions)


def campaign_for(day: dt.date) -> Campaign:
    """The campaign ``day`` belongs to; after the last campaign with a calendar, that campaign (its
    unrectified hazards keep being reported until done). CampaignNotFound when there is none."""
    year = campaign_year_of(day)
    try:
        return load_campaign(year)
    except CampaignNotFound:
        earlier = [y for y in available_years() if y < year]
        if not earlier:
            raise
        return load_campaign(earlier[-1])


ENT = schema.enterprises


def enterprise_county(table: sa.Table) -> tuple[Any, Any]:
    """The FROM clause of ``table``'s records and the county each counts for: the one the enterprise
    concerned is registered in now (:func:`hazardlib.figures.counted_county`, the record's own
    ``registered_county``; no join). A record whose enterprise is not in the store (outside the
    prefecture) has none and falls out of every county's count, as the report definitions say."""
    if table.name not in COUNTED_TABLES:
        raise ValueError(f"{table.name} does not carry the county of its enterprise")
    return table, table.c.registered_county


def owner_county(table: sa.Table) -> tuple[Any, Any]:
    """Like :func:`enterprise_county`, but a record with no enterprise (an instrument addressed to
    no enterprise) counts for the county that recorded it (:func:`hazardlib.figures.counted_county`)."""
    from_, _enterprises = enterprise_county(table)
    return from_, counted_county(table)


def spot_check_county() -> tuple[Any, Any, Any]:
    """The FROM clause, county and enterprise of a spot-check batch: the sampled enterprise, else the
    seller, else the producer, whichever is first in the store (batches about enterprises outside the
    prefecture count for no county)."""
    s = schema.spot_checks
    from_, county = enterprise_county(s)
    return from_, county, concerned(s)


def count_if(condition: Any) -> Any:
    """COUNT of the rows meeting ``condition`` (portable: SUM of a CASE)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def ledger_figures(ledger: Any, as_of: dt.date, *, by_grade: bool = False) -> dict[str, Any]:
    """The results list's six ledger figures as counts over ``ledger`` (a
    :func:`hazardlib.figures.ledger_at` subquery or an arm of it, at ``as_of``) of the rows the caller keeps:
    hazards, of them general, larger and major, closed out and overdue. Read by the results list and the
    breakdowns of the hazards (:func:`hazardlib.explore.breakdowns.hazards_by`).

    ``by_grade``: the caller groups the rows by grade too, so each group is of one grade and the figures by
    grade are its count when it is of that grade, the grade tested once per group instead of three times per
    row (the results list at 1M: docs/benchmarks.md)."""
    grades = {g: ledger.c.grade == g for g in ("general", "larger", "major")}
    if by_grade:
        by = {g: sa.case((cond, sa.func.count()), else_=0) for g, cond in grades.items()}
    else:
        by = {g: count_if(cond) for g, cond in grades.items()}
    return {
        "hazards": sa.func.count(),
        **by,
        "closed": count_if(is_closed(ledger)),
        "overdue": count_if(is_overdue(ledger, as_of)),
    }


def count_distinct_if(condition: Any, value: Any) -> Any:
    """COUNT DISTINCT of ``value`` over the rows meeting ``condition``."""
    return sa.func.count(sa.distinct(sa.case((condition, value), else_=None)))


def grouped_select(
    scope: Scope, from_: Any, county: Any, measures: dict[str, Any], where: Sequence[Any]
) -> Any:
    """One GROUP BY county query: ``county_code`` and one column per measure, for the scope's counties."""
    return (
        sa.select(county.label("county_code"), *(expr.label(key) for key, expr in measures.items()))
        .select_from(from_)
        .where(scope.county_filter(county), *where)
        .group_by(county)
    )


def grouped_counts(
    store: Store, scope: Scope, from_: Any, county: Any, measures: dict[str, Any], where: Sequence[Any]
) -> pd.DataFrame:
    """One GROUP BY county query (:func:`grouped_select`): a frame indexed by county code with one column
    per measure."""
    return counts_at_once(store, [grouped_select(scope, from_, county, measures, where)])


def counts_at_once(store: Store, selects: Sequence[Any], conn: Any = None) -> pd.DataFrame:
    """The GROUP BY county queries ``selects`` (each ``county_code`` and its own count columns) read in one
    round trip, as one UNION ALL whose arms give NULL for the other arms' columns: a frame indexed by
    county code with every column, 0 where an arm has no row for the county."""
    columns = [c.name for stmt in selects for c in stmt.selected_columns if c.name != "county_code"]
    if len(selects) == 1:
        union = selects[0]
    else:
        arms = []
        for stmt in selects:
            own = {c.name: c for c in stmt.selected_columns}
            none = sa.cast(sa.null(), sa.BigInteger)
            arms.append(
                stmt.with_only_columns(
                    own["county_code"], *(own[k] if k in own else none.label(k) for k in columns)
                )
            )
        union = sa.union_all(*arms)
    if conn is None:
        with store.read() as read:
            rows = read.execute(union).all()
    else:
        rows = conn.execute(union).all()
    frame = frame_of(rows, ["county_code", *columns])
    if frame.empty:
        return frame.set_index("county_code")
    return frame.groupby("county_code").sum(min_count=1).fillna(0).astype("int64")


def counts_side_by_side(conns: Sequence[Any], parts: Sequence[Callable[[], Any]]) -> pd.DataFrame:
    """The GROUP BY county queries ``parts`` build (each ``county_code`` and its count columns; parts with the
    same columns are added per county), each built and run on one of ``conns`` (:meth:`hazardlib.store.Store.read_together`: one snapshot) in a thread
    per connection, in the order given (the costliest first, so that the threads finish together): a frame
    indexed by county code with every column, 0 where a query has no row for the county. The database works
    without Python's lock (sqlite3 and psycopg release it), so the queries use as many cores as there are
    connections; a query is built by the thread that runs it, while the others' queries run, not before the
    first starts."""
    idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
    for conn in conns:
        idle.put(conn)

    def run(part: Callable[[], Any]) -> pd.DataFrame:
        conn = idle.get()
        try:
            stmt = part()
            rows = conn.execute(stmt).all()
        finally:
            idle.put(conn)
        return frame_of(rows, [c.name for c in stmt.selected_columns]).set_index("county_code")

    with ThreadPoolExecutor(max_workers=len(conns)) as pool:
        frames = list(pool.map(run, parts))
    # Parts with the same columns (one figure's queries for some counties each) are added per county.
    alike: dict[tuple[str, ...], list[pd.DataFrame]] = {}
    for frame in frames:
        alike.setdefault(tuple(frame.columns), []).append(frame)
    joined = [f[0] if len(f) == 1 else pd.concat(f).groupby(level=0).sum() for f in alike.values()]
    return pd.concat(joined, axis=1).fillna(0).astype("int64")


def frame_of(rows: Sequence[Sequence[Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A frame from result rows, built column by column (much faster than from SQLAlchemy Row objects)."""
    if not rows:
        return pd.DataFrame(columns=list(columns))
    return pd.DataFrame(dict(zip(columns, (list(c) for c in zip(*rows, strict=True)), strict=True)))


def county_frame(scope: Scope) -> pd.DataFrame:
    """An empty frame with one row per county of the scope, ``county_code`` and ``county_name``."""
    return pd.DataFrame(
        {
            "county_code": list(scope.codes),
            "county_name": [scope.regions.name_of(c) for c in scope.codes],
        }
    )


def attach(base: pd.DataFrame, parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """``base`` (one row per county) with every part's columns joined on county code, 0 where absent."""
    out = base.set_index("county_code")
    for part in parts:
        out = out.join(part, how="left")
    counts = [c for c in out.columns if c != "county_name"]
    out[counts] = out[counts].fillna(0).astype("int64")
    return out.reset_index()


def rate(numerator: Any, denominator: Any) -> float | None:
    """A percentage with one decimal, or None when the denominator is 0."""
    num, den = int(numerator), int(denominator)
    if den <= 0:
        return None
    exact = Decimal(num * 100) / Decimal(den)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def rate_column(num: pd.Series, den: pd.Series) -> pd.Series:
    """:func:`rate` over two columns (object dtype so that a missing rate stays None, not NaN)."""
    return pd.Series([rate(n, d) for n, d in zip(num, den, strict=True)], index=num.index, dtype=object)
