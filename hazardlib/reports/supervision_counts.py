"""Classified supervision (分类监管) counted per county: enterprises under key or special supervision at
the as-of date, by the one definition the governance rules read
(:func:`hazardlib.rules.supervision.classified`), counted county by county in the database.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..rules import rule_context
from ..rules.supervision import classified
from ..store import Store
from .scope import Scope, count_if


def supervision_select(store: Store, conn: sa.Connection, scope: Scope) -> sa.Select[Any]:
    """SQL: ``key_supervision`` and ``special_supervision`` per county (enterprises, each in one class): the
    queries of :func:`county_supervision_select` for the scope's counties, their rows put together."""
    per_county = sa.union_all(
        *(county_supervision_select(store, conn, scope, code) for code in scope.codes)
    ).subquery("classified_counties")
    return sa.select(*per_county.c)


def county_supervision_select(store: Store, conn: sa.Connection, scope: Scope, code: str) -> sa.Select[Any]:
    """SQL: ``key_supervision`` and ``special_supervision`` of the county ``code``, one row.

    One query per county: each reads its county's one range of ``ix_hazards_classified`` in enterprise order
    and counts its classes with no GROUP BY by county (grouped by county over every county, the database
    sorted the classified enterprises again in a temporary B-tree, measured: a fifth of the part's CPU at
    1M). The results list reads them as parts of their own, so that its readers share them out."""
    cl = classified(rule_context(store, conn, scope.as_of, code))
    return sa.select(
        sa.literal(code, sa.String).label("county_code"),
        count_if(cl.c["class"] == "key").label("key_supervision"),
        count_if(cl.c["class"] == "special").label("special_supervision"),
    )
