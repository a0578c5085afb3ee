"""Classified supervision (分类监管) counted per county: enterprises under key or special supervision at
the as-of date, by the one definition the governance rules read
(:func:`hazardlib.rules.supervision.classified`), grouped by county in the database.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from ..rules import _context
from ..rules.supervision import classified
from ..store import Store
from .scope import Scope, count_if


def supervision_counts(store: Store, scope: Scope) -> pd.DataFrame:
    """``key_supervision`` and ``special_supervision`` per county (enterprises, each in one class)."""
    with store.read() as conn:
        cl = classified(_context(store, conn, scope.as_of, scope.county))
        stmt = (
            sa.select(
                cl.c.county_code,
                count_if(cl.c["class"] == "key").label("key_supervision"),
                count_if(cl.c["class"] == "special").label("special_supervision"),
            )
            .where(scope.county_filter(cl.c.county_code))
            .group_by(cl.c.county_code)
        )
        rows = conn.execute(stmt).all()
    counts = pd.DataFrame(rows, columns=["county_code", "key_supervision", "special_supervision"])
    out = pd.DataFrame(index=pd.Index(scope.codes, name="county_code"))
    return out.join(counts.set_index("county_code")).fillna(0).astype("int64")
