"""Classified supervision (分类监管) counted per county: enterprises under key or special supervision at
the as-of date, by the one definition the governance rules read
(:func:`hazardlib.rules.supervision.classified`), grouped by county in the database.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..rules import rule_context
from ..rules.supervision import classified
from ..store import Store
from .scope import Scope, count_if


def supervision_select(store: Store, conn: sa.Connection, scope: Scope) -> sa.Select[Any]:
    """SQL: ``key_supervision`` and ``special_supervision`` per county (enterprises, each in one class),
    one GROUP BY county query."""
    cl = classified(rule_context(store, conn, scope.as_of, scope.county))
    return (
        sa.select(
            cl.c.county_code,
            count_if(cl.c["class"] == "key").label("key_supervision"),
            count_if(cl.c["class"] == "special").label("special_supervision"),
        )
        .where(scope.county_filter(cl.c.county_code))
        .group_by(cl.c.county_code)
    )
