"""The typical cases list (典型案例): enforcement cases published as typical cases, with their facts.

A case is listed when it is marked as a typical case and its publication date falls from stage 1's
start to the as-of date (the ``typical_cases_published`` figure of the results list, one row each).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from .. import schema, vocab
from ..store import Store
from . import labels
from .scope import Scope, scope_for

CASE_COLUMNS = [
    "case_id", "case_no", "county_code", "county_name", "enterprise_name", "uscc", "violation",
    "violation_label", "sub_product_code", "sub_product_name", "filed_date", "facts", "penalty",
    "persons_punished", "transferred_to", "transfer_label", "transfer_date", "dishonesty_listed",
    "licence_revoked", "major_case", "published_date",
]  # fmt: skip


def cases_frame(store: Store, scope: Scope, *, typical_only: bool = True) -> pd.DataFrame:
    """Enforcement cases of the scope: published typical cases (default), or every case filed in the
    window (``typical_only`` False), in county and date order."""
    c = schema.enforcement_cases
    e = schema.enterprises.alias("e_case")
    if typical_only:
        where = [c.c.typical_case == sa.true(), scope.within(c.c.published_date)]
        order = c.c.published_date
    else:
        where = [scope.within(c.c.filed_date)]
        order = c.c.filed_date
    stmt = (
        sa.select(
            c.c.id.label("case_id"),
            c.c.case_no,
            e.c.county_code,
            e.c.name.label("enterprise_name"),
            e.c.uscc,
            c.c.violation,
            c.c.sub_product_code,
            c.c.filed_date,
            c.c.facts,
            c.c.penalty,
            c.c.persons_punished,
            c.c.transferred_to,
            c.c.transfer_date,
            c.c.dishonesty_listed,
            c.c.licence_revoked,
            c.c.major_case,
            c.c.published_date,
        )
        .select_from(c.join(e, e.c.id == c.c.enterprise_id))
        .where(scope.county_filter(e.c.county_code), *where)
        .order_by(e.c.county_code, order, c.c.id)
    )
    with store.read() as conn:
        result = conn.execute(stmt)
        frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["county_name"] = labels.county(frame["county_code"])
    frame["violation_label"] = labels.vocabulary(frame["violation"], vocab.VIOLATION)
    frame["sub_product_name"] = labels.sub_product(frame["sub_product_code"])
    frame["transfer_label"] = labels.vocabulary(frame["transferred_to"], vocab.TRANSFER)
    for flag in ("dishonesty_listed", "licence_revoked", "major_case"):
        frame[flag] = frame[flag].astype(bool)
    return frame[CASE_COLUMNS].reset_index(drop=True)


def typical_cases(store: Store, as_of: dt.date | None = None, county: str | None = None) -> pd.DataFrame:
    """The typical cases published from stage 1's start to ``as_of``: one row per case with its facts,
    penalty and what followed (transfer, dishonesty list, licence revoked). Columns: :data:`CASE_COLUMNS`."""
    return cases_frame(store, scope_for(store, as_of, county))
