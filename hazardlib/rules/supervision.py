"""Measure 6, classified supervision and targeted help (实施分类监管和精准帮扶)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
import sqlalchemy as sa

from .. import schema
from ..errors import CampaignNotFound
from ..stages import class_terms
from ..stages import classified as classified_at
from ..store import Store
from . import Context, RuleFinding, rule, rule_context
from .common import ENT, H, S, fetch, group_rows, ids, product_name, tally

HELP = schema.help_records

CLASS_LABELS = {"key": "重点监管", "special": "特别监管"}
"""The standing classes of 分类监管, by their codes in :func:`supervision_classes`."""

MESSAGES = {
    "key": "{enterprise}在本年度行动中被发现存在{what}：实施重点监管",
    "key_action": "实施重点监管",
    "special": "{enterprise}近{count}年（{years}年度）隐患排查治理行动中 {n} 次被发现重大质量安全风险（{what}；同一天发现的计 1 次，不少于 {need} 次）：实施特别监管",
    "special_action": "实施特别监管",
    "help": "{enterprise}{why}：采取“质量问诊”、质量分析、质量培训等方式{letter}，帮助查找问题原因、建立健全质量管控体系",
    "help_unqualified": "{role}的{products}监督抽查不合格（{batches}）",
    "help_found": "被发现{what}",
    "help_letter": "，一企一策点对点发送整改指导意见书",
    "help_action": "精准帮扶",
    "help_letter_action": "精准帮扶、发送整改指导意见书",
}


# An enterprise's part in an unqualified spot check, first to last, and the words for it in a message.
ROLES = ("producer", "seller", "sampled")
ROLE_WORDS = dict(zip(ROLES, ("生产", "销售", "受检"), strict=True))


CLASS_COLUMNS = [
    "enterprise_id",
    "county_code",
    "enterprise",
    "class",
    "major_findings",
    "larger_findings",
    "campaign_years",
    "reasons",
    "records",
]


def _terms(ctx: Context) -> tuple[Any, Any, tuple[int, ...], int]:
    return class_terms(ctx.campaign, ctx.as_of)


def classified(ctx: Context, enterprise_id: int | None = None) -> sa.Subquery:
    """SQL: every enterprise under classified supervision at the context's date and county, one row each
    (:func:`hazardlib.stages.classified`, the one definition)."""
    return classified_at(ctx.campaign, ctx.as_of, ctx.county, enterprise_id)


def _classes(ctx: Context, enterprise_id: int | None = None) -> pd.DataFrame:
    in_window, this_year, years, need = _terms(ctx)
    cl = classified(ctx, enterprise_id)
    stmt = (
        sa.select(
            H.c.id,
            H.c.enterprise_id,
            H.c.kind,
            H.c.grade,
            H.c.found_date,
            ENT.c.county_code,
            ENT.c.name.label("enterprise"),
            cl.c["class"],
            sa.case((in_window, True), else_=False).label("in_window"),
            sa.case((this_year, True), else_=False).label("this_year"),
        )
        .select_from(
            H.join(ENT, ENT.c.id == H.c.enterprise_id).join(cl, cl.c.enterprise_id == H.c.enterprise_id)
        )
        .where(sa.or_(in_window, this_year))
        .order_by(H.c.enterprise_id, H.c.id)
    )
    rows = []
    for eid, group in group_rows(fetch(ctx.conn, stmt), "enterprise_id").items():
        majors = [r for r in group if r["in_window"]]
        occasions = sorted({r["found_date"] for r in majors})
        current = [r for r in group if r["this_year"]]
        larger = sum(1 for r in current if r["grade"] == "larger")
        cls = group[0]["class"]
        if cls == "special":
            basis = majors
            reason = MESSAGES["special"].format(
                enterprise=group[0]["enterprise"],
                count=len(years),
                years="、".join(str(y) for y in years),
                n=len(occasions),
                what=tally(majors, "项"),
                need=need,
            )
        else:
            basis = current
            by_grade = (tally([r for r in current if r["grade"] == g], "项") for g in ("major", "larger"))
            what = "、".join(part for part in by_grade if part)  # 重大 before 较大, 隐患 before 风险
            reason = MESSAGES["key"].format(enterprise=group[0]["enterprise"], what=what)
        rows.append(
            {
                "enterprise_id": eid,
                "county_code": group[0]["county_code"],
                "enterprise": group[0]["enterprise"],
                "class": cls,
                "major_findings": len(occasions),
                "larger_findings": larger,
                "campaign_years": years,
                "reasons": reason,
                "records": list(ids(basis, "id")),
            }
        )
    return pd.DataFrame(rows, columns=CLASS_COLUMNS)


def supervision_classes(store: Store, as_of: dt.date, county: str | None = None) -> pd.DataFrame:
    """Enterprises under key (重点) or special (特别) supervision at ``as_of``, one row each.

    Special: major findings (risks or hazards) on at least ``special_supervision_major_risks`` occasions
    — distinct days — in the campaigns of the last ``special_supervision_window_years`` years (this
    year's and last year's, each within its window, by ``as_of``). Key, otherwise: a larger — or major,
    which is more than larger — finding in this campaign's window by ``as_of``. These are standing
    classes, not to-dos. Columns: enterprise_id, county_code, enterprise, class ('key' | 'special'),
    major_findings (occasions in those campaigns), larger_findings (this campaign), campaign_years,
    reasons (Chinese), records (hazard ids behind the class).
    """
    with store.read() as conn:
        return _classes(rule_context(store, conn, as_of, county))


def supervision_of(store: Store, enterprise_id: int, as_of: dt.date) -> dict[str, Any] | None:
    """The row of :func:`supervision_classes` for one enterprise at ``as_of`` (None: in neither class, or
    no campaign calendar for that year): what the enterprise pages show next to its name."""
    try:
        with store.read() as conn:
            frame = _classes(rule_context(store, conn, as_of, None), enterprise_id)
    except CampaignNotFound:
        return None
    return None if frame.empty else {str(k): v for k, v in frame.iloc[0].items()}


def _class_findings(ctx: Context, cls: str) -> list[RuleFinding]:
    frame = _classes(ctx)
    return [
        RuleFinding(
            rule=f"{cls}_supervision",
            county_code=r["county_code"],
            subject=r["enterprise"],
            enterprise_id=int(r["enterprise_id"]),
            action=MESSAGES[f"{cls}_action"],
            records={"hazards": tuple(r["records"])},
            message=r["reasons"],
        )
        for r in frame[frame["class"] == cls].to_dict("records")
    ]


@rule(
    "key_supervision",
    "存在较大质量安全风险的实施重点监管",
    "二、(二)6 实施分类监管和精准帮扶",
    "对排查发现存在较大质量安全风险的生产和销售单位,要实施重点监管",
    standing=True,
)
def key_supervision(ctx: Context) -> list[RuleFinding]:
    """对排查发现存在较大质量安全风险的生产和销售单位,要实施重点监管.

    Fires for every enterprise of class ``key`` in :func:`supervision_classes` (a classification,
    listed for as long as it holds; there is no record of supervision to mark it done).
    """
    return _class_findings(ctx, "key")


@rule(
    "special_supervision",
    "近2年发现3次及以上重大风险的实施特别监管",
    "二、(二)6 实施分类监管和精准帮扶",
    "对近2年隐患排查治理行动中发现 3 次及以上重大质量安全风险的生产和销售单位,要实施特别监管",
    standing=True,
)
def special_supervision(ctx: Context) -> list[RuleFinding]:
    """对近2年隐患排查治理行动中发现 3 次及以上重大质量安全风险的生产和销售单位,要实施特别监管.

    Fires for every enterprise of class ``special`` in :func:`supervision_classes` (a classification,
    listed for as long as it holds).
    """
    return _class_findings(ctx, "special")


@rule(
    "help_unqualified_producer",
    "发现质量问题的企业须精准帮扶",
    "二、(二)6 实施分类监管和精准帮扶",
    "聚焦隐患排查治理中发现质量问题的企业和产品,采取“质量问诊”、质量分析、质量培训等方式,查找问题原因,"
    "一企一策点对点向不合格产品生产企业发送整改指导意见书等方式,帮助企业建立健全质量管控体系",
)
def help_unqualified_producer(ctx: Context) -> list[RuleFinding]:
    """聚焦隐患排查治理中发现质量问题的企业和产品,采取“质量问诊”、质量分析、质量培训等方式.

    A quality problem found in this campaign (the as-of date's campaign year, on or before the as-of date)
    at an enterprise registered in the store, producer or seller: a spot check it failed — as the producer,
    the seller or the sampled enterprise — or a larger or major finding (hazard or risk) on the ledger.
    One finding per enterprise with problems not yet answered; a problem is answered by any help record
    (quality clinic, analysis, training or guidance letter) of the enterprise dated on or after it. The
    message asks for a guidance letter too when the enterprise is the producer of an unqualified product.
    (The id is the rule's first, narrower reading, kept because ids are stable.)
    """
    year = ctx.campaign.year

    def helped_since(enterprise: Any, since: Any) -> Any:
        return sa.exists().where(
            HELP.c.enterprise_id == enterprise, HELP.c.help_date >= since, HELP.c.help_date <= ctx.as_of
        )

    roles = sa.union_all(
        *(
            sa.select(S.c.id, role.label("enterprise_id"), sa.literal(name).label("role")).where(
                role.is_not(None),
                S.c.result == "unqualified",
                S.c.campaign_year == year,
                S.c.sample_date <= ctx.as_of,
                sa.not_(helped_since(role, S.c.sample_date)),
            )
            for name, role in zip(ROLES, (S.c.producer_id, S.c.seller_id, S.c.enterprise_id), strict=True)
        )
    ).subquery("unqualified_parties")
    spot = (
        sa.select(
            roles.c.enterprise_id,
            roles.c.role,
            S.c.id,
            S.c.batch_no,
            S.c.sub_product_code,
            ENT.c.name.label("enterprise"),
            ENT.c.county_code,
        )
        .select_from(roles.join(S, S.c.id == roles.c.id).join(ENT, ENT.c.id == roles.c.enterprise_id))
        .where(*ctx.in_county(ENT.c.county_code))
        .order_by(roles.c.enterprise_id, S.c.sample_date, S.c.id)
    )
    found = (
        sa.select(
            H.c.enterprise_id, H.c.id, H.c.kind, H.c.grade, ENT.c.name.label("enterprise"), ENT.c.county_code
        )
        .select_from(H.join(ENT, ENT.c.id == H.c.enterprise_id))
        .where(
            H.c.grade.in_(("larger", "major")),
            H.c.campaign_year == year,
            H.c.found_date <= ctx.as_of,
            sa.not_(helped_since(H.c.enterprise_id, H.c.found_date)),
            *ctx.in_county(ENT.c.county_code),
        )
        .order_by(H.c.enterprise_id, H.c.id)
    )
    checks = group_rows(fetch(ctx.conn, spot), "enterprise_id")
    hazards = group_rows(fetch(ctx.conn, found), "enterprise_id")
    out = []
    for eid in sorted(set(checks) | set(hazards)):
        batches: dict[int, Mapping[str, Any]] = {}  # each batch once, in the enterprise's first role in it
        for r in checks.get(eid, []):
            if r["id"] not in batches or ROLES.index(r["role"]) < ROLES.index(batches[r["id"]]["role"]):
                batches[r["id"]] = r
        why = []
        for role, word in ROLE_WORDS.items():
            rows = [r for r in batches.values() if r["role"] == role]
            if rows:
                why.append(
                    MESSAGES["help_unqualified"].format(
                        role=word,
                        products="、".join(dict.fromkeys(product_name(r["sub_product_code"]) for r in rows)),
                        batches="、".join(r["batch_no"] for r in rows),
                    )
                )
        made = any(r["role"] == "producer" for r in batches.values())
        if hazards.get(eid):
            by_grade = (
                tally([r for r in hazards[eid] if r["grade"] == g], "项") for g in ("major", "larger")
            )
            why.append(MESSAGES["help_found"].format(what="、".join(part for part in by_grade if part)))
        first = (checks.get(eid) or hazards[eid])[0]
        records = {"spot_checks": tuple(sorted(batches)), "hazards": ids(hazards.get(eid, []), "id")}
        out.append(
            RuleFinding(
                rule="help_unqualified_producer",
                county_code=first["county_code"],
                subject=first["enterprise"],
                enterprise_id=int(eid),
                action=MESSAGES["help_letter_action" if made else "help_action"],
                records={table: found_ids for table, found_ids in records.items() if found_ids},
                message=MESSAGES["help"].format(
                    enterprise=first["enterprise"],
                    why="；".join(why),
                    letter=MESSAGES["help_letter"] if made else "",
                ),
            )
        )
    return out
