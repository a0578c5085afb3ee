"""Classified supervision (分类监管) counted per county: enterprises under key or special supervision at
the as-of date, as the governance engine classes them (:func:`hazardlib.rules.supervision.supervision_classes`).

:func:`supervision_counts` counts in the database (two GROUP BYs, the same SQL on SQLite and PostgreSQL);
:func:`supervision_counts_by_rule` counts the rule's own list of enterprises and is the plain definition
a test holds the fast path to.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from .. import schema
from ..rules import _context
from ..rules.supervision import supervision_classes, years_before
from ..store import Store
from .common import Scope, count_if


def supervision_counts(store: Store, scope: Scope) -> pd.DataFrame:
    """``key_supervision`` and ``special_supervision`` per county (enterprises, each in one class)."""
    h, e = schema.hazards, schema.enterprises
    with store.read() as conn:
        ctx = _context(store, conn, scope.as_of, scope.county)
        need = int(ctx.param("special_supervision_major_risks"))
        start = years_before(ctx.as_of, int(ctx.param("special_supervision_window_years")))
        in_window = sa.and_(h.c.grade == "major", h.c.found_date > start, h.c.found_date <= ctx.as_of)
        this_year = sa.and_(
            h.c.grade.in_(("larger", "major")),
            h.c.campaign_year == ctx.campaign.year,
            h.c.found_date <= ctx.as_of,
        )
        # One row per enterprise with a finding that counts (its majors in the window, its larger or
        # major findings this campaign), then each county's enterprises by class.
        per_enterprise = (
            sa.select(
                e.c.county_code,
                count_if(in_window).label("majors"),
                count_if(this_year).label("current"),
            )
            .select_from(h.join(e, e.c.id == h.c.enterprise_id))
            .where(sa.or_(in_window, this_year), scope.county_filter(e.c.county_code))
            .group_by(h.c.enterprise_id, e.c.county_code)
            .subquery("per_enterprise")
        )
        special = per_enterprise.c.majors >= need
        stmt = sa.select(
            per_enterprise.c.county_code,
            count_if(sa.and_(~special, per_enterprise.c.current > 0)).label("key_supervision"),
            count_if(special).label("special_supervision"),
        ).group_by(per_enterprise.c.county_code)
        rows = conn.execute(stmt).all()
    counts = pd.DataFrame(rows, columns=["county_code", "key_supervision", "special_supervision"])
    out = pd.DataFrame(index=pd.Index(scope.codes, name="county_code"))
    return out.join(counts.set_index("county_code")).fillna(0).astype("int64")


def supervision_counts_by_rule(store: Store, scope: Scope) -> pd.DataFrame:
    """The same counts from the governance rule's list of enterprises (the plain definition)."""
    classes = supervision_classes(store, scope.as_of, scope.county)
    classes = classes[classes["county_code"].isin(scope.codes)]
    counts = pd.crosstab(classes["county_code"], classes["class"])
    out = pd.DataFrame(index=pd.Index(scope.codes, name="county_code"))
    for cls in ("key", "special"):
        out[f"{cls}_supervision"] = counts.get(cls, 0)
    return out.fillna(0).astype("int64")
