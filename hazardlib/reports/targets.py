"""The stage-2 inspection list (方案 第二阶段：结合自查自纠阶段发现的问题和风险隐患 … 开展现场检查): each county's
enterprises ranked by :func:`hazardlib.stages.inspection_proposals`, with the score and the reason for it."""

from __future__ import annotations

import pandas as pd

from .. import vocab
from ..stages import inspection_proposals
from ..store import Store
from . import labels
from .scope import Scope

FACTORS = (
    "major_risk_reported",
    "responsibility_gaps",
    "uncontrolled_risk_points",
    "not_self_checked",
    "in_cluster_area",
    "rural_or_fringe_shop",
    "wholesale_market_shop",
    "concentrated_complaints",
    "complaints",
    "spot_check_failures",
)
"""The factor columns the ranking reads, in the order the form shows them (one column each)."""


def targets_frame(store: Store, scope: Scope) -> pd.DataFrame:
    """The ranked list of every county of the scope, one county after another (rank 1 first): county,
    rank, enterprise, field, score, reason, whether already inspected this campaign, and each factor."""
    frames = []
    for code in scope.codes:
        frame = inspection_proposals(store, code, scope.as_of)
        if not frame.empty:
            frames.append(frame.assign(county_code=code))
    if not frames:
        return pd.DataFrame(columns=["county_code", "county_name", "rank", "enterprise_id", "uscc", "name"])
    out = pd.concat(frames, ignore_index=True)
    out.insert(1, "county_name", labels.county(out["county_code"]))
    out["field_label"] = labels.vocabulary(out["field"], vocab.ENTERPRISE_FIELD)
    return out
