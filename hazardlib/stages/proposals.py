"""Stage 2's proposed inspection list of a county: every enterprise ranked by what the self-check stage and
earlier campaigns found, with the reason for each rank (plan 二(二) 结合自查自纠阶段发现的问题和风险隐患)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from .. import schema
from ..campaign import PROPOSAL_FACTORS, Campaign, campaign_at, load_campaign, proposal_weights
from ..errors import CampaignNotFound
from ..store import Store
from .standing_classes import classified
from .windows import county_codes

if TYPE_CHECKING:
    import pandas as pd

ENT = schema.enterprises


REASON_TEXT = {
    "major_risk_reported": "自查报告重大风险",
    "responsibility_gap": "主体责任自查未落实{n}项",
    "uncontrolled_risk_point": "风险管控清单{n}项措施未落实",
    "not_self_checked": "未开展自查",
    "in_cluster_area": "位于生产销售企业集聚区",
    "rural_or_fringe_shop": "城乡结合部或农村市场门店",
    "wholesale_market_shop": "专业批发市场门店",
    "concentrated_complaints": "舆情反映集中、投诉较多",
    "complaint": "投诉举报、舆情{n}条",
    "spot_check_failure": "监督抽查不合格或拒检{n}次",
    "key_supervision": "{when}实施重点监管",
    "special_supervision": "{when}实施特别监管",
}
_FLAGS = ("in_cluster_area", "rural_or_fringe_shop", "wholesale_market_shop")
_COLUMNS = ("rank", "enterprise_id", "uscc", "name", "field", "score", "reason", "inspected")
_FACTOR_COLUMNS = (
    "major_risk_reported",
    "responsibility_gaps",
    "uncontrolled_risk_points",
    "not_self_checked",
    *_FLAGS,
    "concentrated_complaints",
    "complaints",
    "spot_check_failures",
    "supervision",
    "supervision_since",
)


def inspection_proposals(store: Store, county: str, as_of: dt.date) -> pd.DataFrame:
    """Stage 2's proposed inspection list of ``county``: “结合自查自纠阶段发现的问题和风险隐患”.

    Every enterprise of the county, ranked by points (:func:`factor_points`, with the campaign file's
    weights: :func:`~hazardlib.campaign.proposal_weights`) for its self-check findings (a major risk
    reported, duties not in place, risk points without measures, or no self-check at all), key-object
    flags, complaints and public-opinion signals, earlier unqualified or refused spot checks, and the
    standing class it is in (重点监管 / 特别监管, now or at the end of last year's campaign); the reason
    column says, in Chinese, what earned the points. Columns: rank, enterprise_id, uscc, name, field,
    score, reason, inspected (already inspected this campaign), and one column per factor (supervision:
    'key', 'special' or ''; supervision_since: "" for this campaign, else e.g. "2023年度").
    """
    import pandas as pd  # noqa: PLC0415 -- optional heavy: the tracker's first table draws without it

    # optional heavy (pydantic), as pandas: the tracker's first table draws without them
    from .. import fields, models  # noqa: PLC0415

    campaign = campaign_at(as_of)
    weights = proposal_weights(campaign)
    code = county_codes(store, county)[0]
    sc, items, sig, spot, ins = (
        schema.self_checks,
        schema.risk_control_items,
        schema.risk_signals,
        schema.spot_checks,
        schema.inspections,
    )
    duties = fields.duties(models.SelfCheck).values()  # the self-check's duties, as the model declares them
    duties_missing = sum((sa.case((sc.c[d].is_(False), 1), else_=0) for d in duties), sa.literal(0))
    this_check = sc.c.campaign_year == campaign.year, sc.c.check_date <= as_of
    sampled = sa.func.coalesce(spot.c.enterprise_id, spot.c.seller_id, spot.c.producer_id)
    failed = sa.and_(spot.c.result.in_(("unqualified", "refused")), spot.c.sample_date <= as_of)
    with store.read() as conn:
        base = pd.DataFrame(
            conn.execute(
                sa.select(
                    ENT.c.id.label("enterprise_id"),
                    ENT.c.uscc,
                    ENT.c.name,
                    ENT.c.field,
                    ENT.c.concentrated_complaints,
                    *(ENT.c[f] for f in _FLAGS),
                ).where(ENT.c.county_code == code)
            )
            .mappings()
            .all()
        )
        checks = pd.DataFrame(
            conn.execute(
                sa.select(
                    sc.c.enterprise_id, sc.c.major_risk_reported, duties_missing.label("responsibility_gaps")
                ).where(sc.c.county_code == code, *this_check)
            )
            .mappings()
            .all(),
            columns=["enterprise_id", "major_risk_reported", "responsibility_gaps"],
        )
        uncontrolled = _per_enterprise(
            conn,
            sa.select(sc.c.enterprise_id, sa.func.count().label("n"))
            .select_from(items.join(sc, sc.c.id == items.c.self_check_id))
            .where(sc.c.county_code == code, items.c.measures_in_place.is_(False), *this_check)
            .group_by(sc.c.enterprise_id),
        )
        complaints = _per_enterprise(
            conn,
            sa.select(sig.c.enterprise_id, sa.func.count().label("n"))
            .where(
                sig.c.county_code == code,
                sig.c.source.in_(("complaint", "public_opinion")),
                sig.c.received_date <= as_of,
            )
            .group_by(sig.c.enterprise_id),
        )
        failures = _per_enterprise(
            conn,
            sa.select(sampled.label("enterprise_id"), sa.func.count().label("n"))
            .where(failed)
            .group_by(sampled),
        )
        inspected = set(
            conn.execute(
                sa.select(ins.c.enterprise_id).where(
                    ins.c.county_code == code,
                    ins.c.campaign_year == campaign.year,
                    ins.c.inspection_date <= as_of,
                )
            ).scalars()
        )
        supervised = _standing_classes(conn, campaign, code, as_of)
    if base.empty:
        return pd.DataFrame(columns=[*_COLUMNS, *_FACTOR_COLUMNS])
    frame = base.merge(checks, on="enterprise_id", how="left")
    frame["not_self_checked"] = frame["major_risk_reported"].isna()
    frame["major_risk_reported"] = frame["major_risk_reported"].astype("boolean").fillna(False).astype(bool)
    frame["responsibility_gaps"] = frame["responsibility_gaps"].fillna(0).astype("int64")
    for name, counts in (
        ("uncontrolled_risk_points", uncontrolled),
        ("complaints", complaints),
        ("spot_check_failures", failures),
    ):
        frame[name] = frame["enterprise_id"].map(counts).fillna(0).astype("int64")
    frame["supervision"] = frame["enterprise_id"].map(lambda e: supervised.get(int(e), ("", ""))[0])
    frame["supervision_since"] = frame["enterprise_id"].map(lambda e: supervised.get(int(e), ("", ""))[1])
    points = factor_points(frame, weights)
    frame["score"] = points.sum(axis=1).astype("int64")
    frame["reason"] = [_reason(frame.loc[i], points.loc[i], weights["key_object"]) for i in frame.index]
    frame["inspected"] = frame["enterprise_id"].isin(inspected)
    frame = frame.sort_values(["score", "enterprise_id"], ascending=[False, True]).reset_index(drop=True)
    frame.insert(0, "rank", frame["score"].rank(method="min", ascending=False).astype("int64"))
    return frame[[*_COLUMNS, *_FACTOR_COLUMNS]]


def factor_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """How often each factor of :data:`~hazardlib.campaign.PROPOSAL_FACTORS` applies to each enterprise of an
    :func:`inspection_proposals` frame, one integer column per factor: a yes/no factor counts 1, ``key_object``
    counts the key-object flags set, the others count items, signals or spot checks."""
    counts = {
        "major_risk_reported": frame["major_risk_reported"],
        "responsibility_gap": frame["responsibility_gaps"],
        "uncontrolled_risk_point": frame["uncontrolled_risk_points"],
        "not_self_checked": frame["not_self_checked"],
        "key_object": frame[list(_FLAGS)].astype(bool).sum(axis=1),
        "concentrated_complaints": frame["concentrated_complaints"].astype(bool),
        "complaint": frame["complaints"],
        "spot_check_failure": frame["spot_check_failures"],
        "key_supervision": frame["supervision"] == "key",
        "special_supervision": frame["supervision"] == "special",
    }
    return frame[[]].assign(**{name: counts[name].astype("int64") for name in PROPOSAL_FACTORS})


def factor_points(frame: pd.DataFrame, weights: Mapping[str, int]) -> pd.DataFrame:
    """The points each factor earns each enterprise of an :func:`inspection_proposals` frame: its count
    (:func:`factor_counts`) times its weight; an enterprise's score is the sum of its row."""
    counts = factor_counts(frame)
    return counts.assign(**{name: counts[name] * weights[name] for name in PROPOSAL_FACTORS})


def _standing_classes(
    conn: sa.Connection, campaign: Campaign, county: str, as_of: dt.date
) -> dict[int, tuple[str, str]]:
    """Enterprise id → (class, when) for the enterprises of ``county`` under classified supervision at
    ``as_of``, or at the end of last year's campaign (a class carries into next year's ranking); the
    stronger class wins, ``when`` is "" for this campaign, else e.g. "2023年度"."""
    found: dict[int, tuple[str, str]] = {}
    moments = [(campaign, as_of, "")]
    try:
        last = load_campaign(campaign.year - 1)
        moments.insert(0, (last, last.finish, f"{last.year}年度"))
    except CampaignNotFound:
        pass
    strength = {"": 0, "key": 1, "special": 2}
    for camp, day, when in moments:  # last year's first: this year's class replaces an equal one
        cl = classified(camp, day, county)
        for eid, cls in conn.execute(sa.select(cl.c.enterprise_id, cl.c["class"])).all():
            if strength[cls] >= strength[found.get(int(eid), ("", ""))[0]]:
                found[int(eid)] = (cls, when)
    return found


def _per_enterprise(conn: sa.Connection, stmt: Any) -> dict[int, int]:
    return {int(e): int(n) for e, n in conn.execute(stmt).all() if e is not None}


def _reason(r: pd.Series, points: pd.Series, per_flag: int) -> str:
    """What earned ``r`` its points, each part with its points (``points``: its row of :func:`factor_points`;
    each key-object flag is named on its own, ``per_flag`` points each)."""
    parts: list[tuple[str, int]] = []
    if r["supervision"]:
        key = f"{r['supervision']}_supervision"
        parts.append((REASON_TEXT[key].format(when=r["supervision_since"]), points[key]))
    parts += [
        (REASON_TEXT[key], points[key]) for key in ("major_risk_reported", "not_self_checked") if r[key]
    ]
    for key, col in (
        ("responsibility_gap", "responsibility_gaps"),
        ("uncontrolled_risk_point", "uncontrolled_risk_points"),
    ):
        if r[col]:
            parts.append((REASON_TEXT[key].format(n=r[col]), points[key]))
    parts += [(REASON_TEXT[f], per_flag) for f in _FLAGS if r[f]]
    if r["concentrated_complaints"]:
        parts.append((REASON_TEXT["concentrated_complaints"], points["concentrated_complaints"]))
    for key, col in (("complaint", "complaints"), ("spot_check_failure", "spot_check_failures")):
        if r[col]:
            parts.append((REASON_TEXT[key].format(n=r[col]), points[key]))
    if not parts:
        return "无自查问题、重点对象标记、投诉或抽查不合格记录"
    return "；".join(f"{text}（+{int(n)}）" for text, n in parts)
