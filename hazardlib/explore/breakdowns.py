"""Hazards and spot checks broken down by county, product category, sub-product, field, problem type…

Each breakdown is one GROUP BY query over the same records the results list counts (dates from stage 1's
start to the as-of date, each record counted for the county where its enterprise is registered), so a
breakdown's total equals the results list's figure: the hazards of :func:`hazards_by` add up to
``hazards_found``, the batches of :func:`spot_checks_by` to ``spot_check_batches``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from .. import schema, vocab
from ..campaign import has_campaign
from ..catalogue import catalogue_of, load_catalogue
from ..checklists import FIELD_NAMES, load_problems
from ..ledger import ledger_at
from ..reports import labels
from ..reports.scope import count_if, ledger_figures, rate_column, scope_for, spot_check_county
from ..store import Store

OTHER_PROBLEM = "其他"
"""The name of each field's catch-all problem type; every other problem type is a key problem of the plan."""


@dataclass(frozen=True)
class Dimension:
    """A way to break records down: the code column it adds and the column with the code's Chinese name."""

    code: str
    name: str


DIMENSIONS: dict[str, Dimension] = {
    "county": Dimension("county_code", "county_name"),
    "category": Dimension("category_code", "category_name"),
    "sub_product": Dimension("sub_product_code", "sub_product_name"),
    "field": Dimension("field", "field_name"),
    "problem": Dimension("problem_code", "problem_name"),
    "grade": Dimension("grade", "grade_name"),
    "source": Dimension("source", "source_name"),
    "channel": Dimension("channel", "channel_name"),
}
HAZARD_DIMENSIONS = ("county", "category", "sub_product", "field", "problem", "grade", "source")
SPOT_CHECK_DIMENSIONS = ("county", "category", "sub_product", "field", "channel")

MESSAGES = {
    "dimension": "不能按“{by}”分组，可选：{choices}",
    "level": "产品层级“{level}”无效，应为 category（产品类别）或 sub_product（产品）",
}


def _names(dim: str, codes: pd.Series) -> pd.Series:
    if dim == "county":
        return labels.county(codes)
    if dim == "category":
        return labels.category(codes)
    if dim == "sub_product":
        return labels.sub_product(codes)
    if dim == "problem":
        return labels.problem(codes)
    words = {
        "field": FIELD_NAMES,
        "grade": vocab.GRADE.labels,
        "source": vocab.HAZARD_SOURCE.labels,
        "channel": vocab.CHANNEL.labels,
    }[dim]
    return codes.map(words).fillna(codes).astype(object)


def _dims(by: str | Sequence[str], allowed: Sequence[str]) -> list[str]:
    dims = [by] if isinstance(by, str) else list(by)
    for dim in dims:
        if dim not in allowed:
            raise ValueError(MESSAGES["dimension"].format(by=dim, choices="、".join(allowed)))
    return dims


def _problem_field(problem_code: Any) -> Any:
    """SQL: the field (production / circulation) of a problem type, from the problem list."""
    return sa.case({p.code: p.field for p in load_problems()}, value=problem_code, else_=None)


def _labelled(frame: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    """``frame`` with each dimension's name column after its code column."""
    for dim in dims:
        d = DIMENSIONS[dim]
        frame.insert(list(frame.columns).index(d.code) + 1, d.name, _names(dim, frame[d.code]))
    return frame


def _share(counts: pd.Series) -> pd.Series:
    return rate_column(counts, pd.Series(int(counts.sum()), index=counts.index))


def hazards_by(
    store: Store,
    as_of: dt.date,
    by: str | Sequence[str] = "category",
    county: str | None = None,
    *,
    kind: str | None = "hazard",
) -> pd.DataFrame:
    """Hazards found from stage 1's start to ``as_of``, counted by ``by`` (one of
    :data:`HAZARD_DIMENSIONS`, or several), with their grades and their state at ``as_of``.

    ``kind`` "hazard" (the results list's 发现隐患), "risk", or None for both. The field of a hazard is
    the field of its problem type. Columns: the code and name of each dimension, then hazards, general,
    larger, major, closed, open, overdue (as the results list defines them), closure_rate (closed ÷
    hazards, percent, one decimal) and share (of all the hazards counted, percent); most hazards first.
    """
    dims = _dims(by, HAZARD_DIMENSIONS)
    scope = scope_for(store, as_of, county)
    led = ledger_at(scope.as_of)
    e = schema.enterprises.alias("e_breakdown")
    columns = {
        "county": e.c.county_code,
        "category": led.c.category_code,
        "sub_product": led.c.sub_product_code,
        "field": _problem_field(led.c.problem_code),
        "problem": led.c.problem_code,
        "grade": led.c.grade,
        "source": led.c.source,
    }
    keys = [columns[d].label(DIMENSIONS[d].code) for d in dims]
    measures = ledger_figures(led, scope.as_of)
    where = [scope.within(led.c.found_date), scope.county_filter(e.c.county_code)]
    if kind is not None:
        where.append(led.c.kind == kind)
    stmt = (
        sa.select(*keys, *(v.label(k) for k, v in measures.items()))
        .select_from(led.join(e, e.c.id == led.c.enterprise_id))
        .where(*where)
        .group_by(*(columns[d] for d in dims))
    )
    codes = [DIMENSIONS[d].code for d in dims]
    with store.read() as conn:
        frame = pd.DataFrame(conn.execute(stmt).mappings().all(), columns=[*codes, *measures])
    frame[list(measures)] = frame[list(measures)].astype("int64")
    frame.insert(list(frame.columns).index("closed") + 1, "open", frame["hazards"] - frame["closed"])
    frame["closure_rate"] = rate_column(frame["closed"], frame["hazards"])
    frame["share"] = _share(frame["hazards"])
    frame = frame.sort_values(["hazards", *codes], ascending=[False, *([True] * len(codes))])
    return _labelled(frame.reset_index(drop=True), dims)


def spot_checks_by(
    store: Store, as_of: dt.date, by: str | Sequence[str] = "category", county: str | None = None
) -> pd.DataFrame:
    """Spot-check batches sampled from stage 1's start to ``as_of``, counted by ``by`` (one of
    :data:`SPOT_CHECK_DIMENSIONS`, or several), with their results.

    The field of a batch is production when it was sampled at the producer, circulation otherwise.
    Columns: the code and name of each dimension, then batches, unqualified, refused, qualified,
    unqualified_rate (unqualified ÷ (batches − refused), percent, one decimal, as the results list
    defines 不合格发现率) and share (of all the batches counted, percent); most batches first.
    """
    dims = _dims(by, SPOT_CHECK_DIMENSIONS)
    scope = scope_for(store, as_of, county)
    s = schema.spot_checks
    from_, county_col, _ = spot_check_county()
    columns = {
        "county": county_col,
        "category": s.c.category_code,
        "sub_product": s.c.sub_product_code,
        "field": sa.case((s.c.channel == "production", "production"), else_="circulation"),
        "channel": s.c.channel,
    }
    keys = [columns[d].label(DIMENSIONS[d].code) for d in dims]
    measures = {
        "batches": sa.func.count(),
        "unqualified": count_if(s.c.result == "unqualified"),
        "refused": count_if(s.c.result == "refused"),
    }
    stmt = (
        sa.select(*keys, *(v.label(k) for k, v in measures.items()))
        .select_from(from_)
        .where(scope.within(s.c.sample_date), scope.county_filter(county_col))
        .group_by(*(columns[d] for d in dims))
    )
    codes = [DIMENSIONS[d].code for d in dims]
    with store.read() as conn:
        frame = pd.DataFrame(conn.execute(stmt).mappings().all(), columns=[*codes, *measures])
    frame[list(measures)] = frame[list(measures)].astype("int64")
    frame["qualified"] = frame["batches"] - frame["unqualified"] - frame["refused"]
    frame["unqualified_rate"] = rate_column(frame["unqualified"], frame["batches"] - frame["refused"])
    frame["share"] = _share(frame["batches"])
    frame = frame.sort_values(["batches", *codes], ascending=[False, *([True] * len(codes))])
    return _labelled(frame.reset_index(drop=True), dims)


def _catalogue_rows(level: str, year: int) -> pd.DataFrame:
    """The rows of the overview: the key products of campaign ``year`` (every category in a year
    without a campaign file), in catalogue order."""
    cat = catalogue_of(year) if has_campaign(dt.date(year, 1, 1)) else load_catalogue()
    if level == "category":
        return pd.DataFrame({"category_code": [c.code for c in cat.categories]})
    return pd.DataFrame(
        [(c.code, s.code) for c in cat.categories for s in c.sub_products],
        columns=["category_code", "sub_product_code"],
    )


def product_overview(
    store: Store, as_of: dt.date, level: str = "category", county: str | None = None
) -> pd.DataFrame:
    """Every key product of the catalogue (``level`` "category": the 24 categories; "sub_product": each
    product) with its hazards and its spot checks from stage 1's start to ``as_of``, in catalogue order.

    Columns: category_code, category_name (and sub_product_code, sub_product_name), hazards, major,
    closure_rate, batches, unqualified, unqualified_rate — as :func:`hazards_by` and
    :func:`spot_checks_by` define them; 0 (rates: None) for a product with no record.
    """
    if level not in ("category", "sub_product"):
        raise ValueError(MESSAGES["level"].format(level=level))
    dims = ["category"] if level == "category" else ["category", "sub_product"]
    codes = [DIMENSIONS[d].code for d in dims]
    hz = hazards_by(store, as_of, dims, county)[[*codes, "hazards", "major", "closed"]]
    sc = spot_checks_by(store, as_of, dims, county)[[*codes, "batches", "unqualified", "refused"]]
    frame = _catalogue_rows(level, as_of.year).merge(hz, on=codes, how="left").merge(sc, on=codes, how="left")
    counts = ["hazards", "major", "closed", "batches", "unqualified", "refused"]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    frame["closure_rate"] = rate_column(frame["closed"], frame["hazards"])
    frame["unqualified_rate"] = rate_column(frame["unqualified"], frame["batches"] - frame["refused"])
    frame = _labelled(frame, dims)
    names = [DIMENSIONS[d].name for d in dims]
    ordered = [x for pair in zip(codes, names, strict=True) for x in pair]
    return frame[[*ordered, "hazards", "major", "closure_rate", "batches", "unqualified", "unqualified_rate"]]


def key_problems(store: Store, as_of: dt.date, county: str | None = None) -> pd.DataFrame:
    """Hazards by problem type within each field, most frequent first: which of the plan's key problems
    (重点问题) dominate.

    Columns: field, field_name, problem_code, problem_name, key (False for the field's 其他), hazards,
    major, share_in_field (percent of the field's hazards), cumulative_share (running total of
    share_in_field down the list, percent), closure_rate.
    """
    frame = hazards_by(store, as_of, ["field", "problem"], county)
    frame = frame.sort_values(["field", "hazards", "problem_code"], ascending=[False, False, True])
    frame["key"] = frame["problem_name"] != OTHER_PROBLEM
    parts = []
    for _, group in frame.groupby("field", sort=False):
        group = group.copy()
        group["share_in_field"] = _share(group["hazards"])
        running = group["hazards"].cumsum()
        group["cumulative_share"] = rate_column(
            running, pd.Series(int(group["hazards"].sum()), index=group.index)
        )
        parts.append(group)
    out = pd.concat(parts) if parts else frame.assign(share_in_field=None, cumulative_share=None)
    columns = ["field", "field_name", "problem_code", "problem_name", "key", "hazards", "major"]
    return out[[*columns, "share_in_field", "cumulative_share", "closure_rate"]].reset_index(drop=True)
