"""The stage-2 inspection list (方案 第二阶段：结合自查自纠阶段发现的问题和风险隐患 … 开展现场检查): each county's
enterprises ranked by :func:`hazardlib.stages.inspection_proposals`, with the score and the reason for it."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .. import vocab
from ..campaign import PROPOSAL_FACTORS, campaign_at, proposal_weights
from ..rules.supervision import CLASS_LABELS
from ..stages import factor_counts, factor_points, inspection_proposals
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

PARTS_COLUMNS = (
    "rank",
    "enterprise_id",
    "name",
    "factor",
    "factor_title",
    "count",
    "weight",
    "points",
    "score",
)
"""The columns of :func:`score_parts`."""


def standing_label(supervision: str, since: str) -> str:
    """The standing class as the lists show it: 重点监管 or 特别监管, with the campaign it stands from when
    that is not this one (e.g. "特别监管（2023年度）"); blank when in neither class."""
    if not supervision:
        return ""
    label = CLASS_LABELS[supervision]
    return f"{label}（{since}）" if since else label


def targets_frame(store: Store, scope: Scope) -> pd.DataFrame:
    """The ranked list of every county of the scope, one county after another (rank 1 first): county,
    rank, enterprise, field, score, reason, whether already inspected this campaign, each factor, and the
    standing class in Chinese (``supervision_label``, :func:`standing_label`) that earns its points."""
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
    out["supervision_label"] = [
        standing_label(c, w) for c, w in zip(out["supervision"], out["supervision_since"], strict=True)
    ]
    return out


def score_parts(store: Store, county: str, as_of: dt.date, top: int = 3) -> pd.DataFrame:
    """How the score of the ``top`` first enterprises of a county's stage-2 list is made: one row per
    enterprise and factor (every factor of the campaign file's ``[parameters.proposal_weights]``, in its
    order) with the factor's Chinese title, how often it applies (count), its weight and the points it earns
    (count × weight); an enterprise's points add up to its score. Columns: :data:`PARTS_COLUMNS`."""
    frame = inspection_proposals(store, county, as_of).head(top)
    weights = proposal_weights(campaign_at(as_of))
    counts, points = factor_counts(frame), factor_points(frame, weights)
    rows = [
        {
            "rank": frame.at[i, "rank"],
            "enterprise_id": frame.at[i, "enterprise_id"],
            "name": frame.at[i, "name"],
            "factor": factor,
            "factor_title": title,
            "count": counts.at[i, factor],
            "weight": weights[factor],
            "points": points.at[i, factor],
            "score": frame.at[i, "score"],
        }
        for i in frame.index
        for factor, title in PROPOSAL_FACTORS.items()
    ]
    return pd.DataFrame(rows, columns=list(PARTS_COLUMNS))
