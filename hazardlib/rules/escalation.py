"""Measure 2, handling (问题处置): escalation — interviews, concentrated action and look-back, joint
handling with other departments."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from ..figures import is_closed, is_open
from ..ledger import ledger_at, without_measures_at
from . import Context, RuleFinding, rule
from .common import (
    ENT,
    E,
    S,
    escalated_since,
    fetch,
    finding_label,
    group_rows,
    ids,
    interviewed_since,
    kind_word,
    product_name,
    sampled_enterprise,
)

MESSAGES = {
    "interview": "{enterprise}{why}：约谈企业，督促落实整改",
    "interview_action": "约谈企业",
    "refused": "{day} 拒不整改{what}（{product}）",
    "failed": "{day} 复查整改不到位（{what}，{product}）",
    "concentrated": "{enterprise}的{what}（{product}）隐患大、问题紧迫：集中力量从严从速整治{sampling}，整改后适时“回头看”",
    "concentrated_sampling": "，必要时开展执法抽检",
    "concentrated_action": "集中整治",
    "look_back": "{enterprise}隐患大、问题紧迫的{what}（{product}）已于 {closed} 销号：适时对整改情况开展“回头看”",
    "look_back_action": "回头看",
    "joint_risk": "{enterprise}存在重大质量安全风险（{product}）未采取管控措施：联合相关部门依法严肃处理",
    "joint_self_reported": "{enterprise}自查主动报告的重大质量安全风险（{product}）到 {due} 仍未采取管控措施：联合相关部门依法严肃处理",
    "resolve": "{enterprise}自查主动报告重大质量安全风险（{product}），尚未采取管控措施：督促企业在 {due} 前积极化解、落实管控措施，逾期仍未采取的联合相关部门依法严肃处理",
    "resolve_action": "督促企业积极化解",
    "joint_refused": "{enterprise}对重大质量安全{kind}（{product}）拒不整改（{day}）：联合相关部门依法严肃处理",
    "joint_action": "联合相关部门依法处理",
}


@rule(
    "interview_refused_or_failed",
    "拒不整改或整改不到位须约谈",
    "二、(二)2 问题处置",
    "对拒不整改或整改不到位的单位进行约谈",
)
def interview_refused_or_failed(ctx: Context) -> list[RuleFinding]:
    """对拒不整改或整改不到位的单位进行约谈.

    A trigger is a ``refuse`` move or a failed re-inspection, dated on or before the as-of date, on a
    hazard not closed out then. One finding per enterprise with triggers not yet answered. Done: the
    enterprise was interviewed (an interview record: one recorded on the ledger is one too) on or after the
    trigger's date.
    """
    led = ledger_at(ctx.as_of)
    ev = E.alias("trigger")
    stmt = (
        sa.select(
            ev.c.id.label("event_id"),
            ev.c.move,
            ev.c.event_date,
            led.c.id.label("hazard_id"),
            led.c.enterprise_id,
            led.c.county_code,
            led.c.kind,
            led.c.grade,
            led.c.sub_product_code,
            ENT.c.name.label("enterprise"),
        )
        .select_from(ev.join(led, led.c.id == ev.c.hazard_id).join(ENT, ENT.c.id == led.c.enterprise_id))
        .where(
            ev.c.event_date <= ctx.as_of,
            sa.or_(ev.c.move == "refuse", sa.and_(ev.c.move == "reinspect", ev.c.outcome == "failed")),
            is_open(led),
            sa.not_(interviewed_since(led.c.enterprise_id, ev.c.event_date, ctx.as_of)),
            *ctx.in_county(led.c.county_code),
        )
        .order_by(led.c.enterprise_id, ev.c.event_date, ev.c.id)
    )
    out = []
    for eid, group in group_rows(fetch(ctx.conn, stmt), "enterprise_id").items():
        why = "；".join(
            MESSAGES["refused" if r["move"] == "refuse" else "failed"].format(
                day=r["event_date"],
                what=finding_label(r["kind"], r["grade"]),
                product=product_name(r["sub_product_code"]),
            )
            for r in group
        )
        first = group[0]
        out.append(
            RuleFinding(
                rule="interview_refused_or_failed",
                county_code=first["county_code"],
                subject=first["enterprise"],
                enterprise_id=eid,
                action=MESSAGES["interview_action"],
                records={"hazards": ids(group, "hazard_id"), "hazard_events": ids(group, "event_id")},
                message=MESSAGES["interview"].format(enterprise=first["enterprise"], why=why),
            )
        )
    return out


@rule(
    "concentrated_action",
    "隐患大、问题紧迫须集中整治",
    "二、(二)2 问题处置",
    "对排查过程中发现隐患大、问题紧迫的风险,要集中力量从严从速整治,必要时开展执法抽检,并适时对整改情况进行“回头看”",
)
def concentrated_action(ctx: Context) -> list[RuleFinding]:
    """对排查过程中发现隐患大、问题紧迫的风险,要集中力量从严从速整治,必要时开展执法抽检.

    Fires for every finding marked large and urgent that is still found, ordered or refused at the
    as-of date and has no ``escalate``/concentrated-action move yet. The message adds “必要时开展执法抽检”
    when neither an enforcement-sampling move nor an enforcement-sampling spot check of the enterprise
    since the finding is recorded. Done: a concentrated-action move (or the hazard rectified).
    """
    led = ledger_at(ctx.as_of)
    sampled = sa.or_(
        escalated_since(led.c.id, "enforcement_sampling", led.c.found_date, ctx.as_of),
        sa.exists().where(
            sampled_enterprise() == led.c.enterprise_id,
            S.c.enforcement_sampling.is_(True),
            S.c.sample_date.between(led.c.found_date, ctx.as_of),
        ),
    )
    stmt = (
        sa.select(led, ENT.c.name.label("enterprise"), sa.case((sampled, True), else_=False).label("sampled"))
        .select_from(led.join(ENT, ENT.c.id == led.c.enterprise_id))
        .where(
            led.c.large_urgent.is_(True),
            led.c.state.in_(("found", "ordered", "refused")),
            sa.not_(escalated_since(led.c.id, "concentrated_action", led.c.found_date, ctx.as_of)),
            *ctx.in_county(led.c.county_code),
        )
        .order_by(led.c.id)
    )
    out = []
    for r in fetch(ctx.conn, stmt):
        message = MESSAGES["concentrated"].format(
            enterprise=r["enterprise"],
            what=finding_label(r["kind"], r["grade"]),
            product=product_name(r["sub_product_code"]),
            sampling="" if r["sampled"] else MESSAGES["concentrated_sampling"],
        )
        out.append(_hazard_finding("concentrated_action", r, MESSAGES["concentrated_action"], message))
    return out


@rule(
    "look_back_due",
    "集中整治后须“回头看”",
    "二、(二)2 问题处置",
    "并适时对整改情况进行“回头看”",
)
def look_back_due(ctx: Context) -> list[RuleFinding]:
    """并适时对整改情况进行“回头看”.

    Fires for every finding marked large and urgent that is closed out at the as-of date with no
    look-back dated on or after its latest close-out. Done: a look-back (upheld or reopened).
    """
    led = ledger_at(ctx.as_of)
    last_close = (
        sa.select(sa.func.max(E.c.event_date))
        .where(E.c.hazard_id == led.c.id, E.c.move == "close", E.c.event_date <= ctx.as_of)
        .scalar_subquery()
    )
    lb = E.alias("lb")
    looked = sa.exists().where(
        lb.c.hazard_id == led.c.id,
        lb.c.move == "look_back",
        lb.c.event_date >= last_close,
        lb.c.event_date <= ctx.as_of,
    )
    stmt = (
        sa.select(led, ENT.c.name.label("enterprise"), last_close.label("closed"))
        .select_from(led.join(ENT, ENT.c.id == led.c.enterprise_id))
        .where(
            led.c.large_urgent.is_(True),
            is_closed(led),
            sa.not_(looked),
            *ctx.in_county(led.c.county_code),
        )
        .order_by(led.c.id)
    )
    return [
        _hazard_finding(
            "look_back_due",
            r,
            MESSAGES["look_back_action"],
            MESSAGES["look_back"].format(
                enterprise=r["enterprise"],
                what=finding_label(r["kind"], r["grade"]),
                product=product_name(r["sub_product_code"]),
                closed=r["closed"],
            ),
        )
        for r in fetch(ctx.conn, stmt)
    ]


def _major_risks_without_measures(ctx: Context) -> list[dict]:
    """The major risks open at the as-of date whose control measures are known not to be in place then
    (:func:`hazardlib.ledger.without_measures_at`), with no joint handling recorded since they were found,
    each with the last day the enterprise has to resolve it itself (``due``: for a risk it reported in its
    self-check, :meth:`hazardlib.campaign.Campaign.resolve_deadline`; None for one found by inspectors).
    Read once per run: both rules of the sentence use it."""
    if "major_risks_without_measures" in ctx.cache:
        return list(ctx.cache["major_risks_without_measures"])
    led = ledger_at(ctx.as_of)
    stmt = (
        sa.select(led, ENT.c.name.label("enterprise"))
        .select_from(led.join(ENT, ENT.c.id == led.c.enterprise_id))
        .where(
            led.c.kind == "risk",
            led.c.grade == "major",
            is_open(led),
            without_measures_at(led.c.id, led.c.control_measures, ctx.as_of),
            sa.not_(escalated_since(led.c.id, "joint_handling", led.c.found_date, ctx.as_of)),
            *ctx.in_county(led.c.county_code),
        )
        .order_by(led.c.id)
    )
    rows = fetch(ctx.conn, stmt)
    for r in rows:
        r["due"] = ctx.campaign.resolve_deadline(r["found_date"]) if r["source"] == "self_check" else None
    ctx.cache["major_risks_without_measures"] = rows
    return list(rows)


@rule(
    "self_reported_risk_to_resolve",
    "企业自报重大风险须积极化解",
    "二、(二)1 组织质量安全主体责任落实情况自查",
    "对自查发现的重大质量安全风险,生产和销售单位要向属地市场监管部门主动报告并积极化解",
    dated=True,
)
def self_reported_risk_to_resolve(ctx: Context) -> list[RuleFinding]:
    """对自查发现的重大质量安全风险,生产和销售单位要向属地市场监管部门主动报告并积极化解.

    A major risk the enterprise reported in its self-check without control measures in place is first the
    enterprise's to resolve: fires for every such risk open at the as-of date, measures not in place then,
    while the as-of date is on or before its deadline (``due``: ``self_reported_risk_resolve_days`` working
    days after the report). Done: a ``measures`` move saying they are in place (or the risk closed out);
    after the deadline, ``joint_handling`` takes over.
    """
    out = []
    for r in _major_risks_without_measures(ctx):
        if r["due"] is None or ctx.as_of > r["due"]:
            continue
        message = MESSAGES["resolve"].format(
            enterprise=r["enterprise"], product=product_name(r["sub_product_code"]), due=r["due"]
        )
        finding = _hazard_finding("self_reported_risk_to_resolve", r, MESSAGES["resolve_action"], message)
        out.append(dataclasses.replace(finding, due=r["due"]))
    return out


@rule(
    "joint_handling",
    "重大风险未管控或重大隐患拒不整改须联合处理",
    "二、(二)2 问题处置",
    "对存在重大质量安全风险未采取管控措施,或对重大质量安全隐患拒不整改的,要联合相关部门依法严肃处理",
    dated=True,
)
def joint_handling(ctx: Context) -> list[RuleFinding]:
    """对存在重大质量安全风险未采取管控措施,或对重大质量安全隐患拒不整改的,要联合相关部门依法严肃处理.

    Fires for (a) every major *risk* whose control measures are not in place at the as-of date — at once
    for one found by inspectors (or any way but the enterprise's own self-check), and for one the
    enterprise reported in its self-check only after its deadline to resolve it has passed
    (:func:`self_reported_risk_to_resolve`) — and (b) every major finding with a ``refuse`` move dated on
    or before the as-of date; in both cases not closed out at the as-of date. Done: an
    ``escalate``/joint-handling move on the finding dated on or after the trigger (the finding's date for
    (a), its first refusal for (b)).
    """
    led = ledger_at(ctx.as_of)
    first_refusal = (
        sa.select(sa.func.min(E.c.event_date))
        .where(E.c.hazard_id == led.c.id, E.c.move == "refuse", E.c.event_date <= ctx.as_of)
        .scalar_subquery()
    )
    stmt = (
        sa.select(led, ENT.c.name.label("enterprise"), first_refusal.label("refused"))
        .select_from(led.join(ENT, ENT.c.id == led.c.enterprise_id))
        .where(
            led.c.grade == "major",
            is_open(led),
            first_refusal.is_not(None),
            sa.not_(escalated_since(led.c.id, "joint_handling", first_refusal, ctx.as_of)),
            *ctx.in_county(led.c.county_code),
        )
        .order_by(led.c.id)
    )
    found: dict[int, RuleFinding] = {}
    for r in _major_risks_without_measures(ctx):
        if r["due"] is not None and ctx.as_of <= r["due"]:
            continue  # still the enterprise's to resolve
        key = "joint_risk" if r["due"] is None else "joint_self_reported"
        message = MESSAGES[key].format(
            enterprise=r["enterprise"], product=product_name(r["sub_product_code"]), due=r["due"]
        )
        found[int(r["id"])] = _hazard_finding("joint_handling", r, MESSAGES["joint_action"], message)
    for r in fetch(ctx.conn, stmt):
        if int(r["id"]) in found:
            continue
        message = MESSAGES["joint_refused"].format(
            enterprise=r["enterprise"],
            product=product_name(r["sub_product_code"]),
            day=r["refused"],
            kind=kind_word(r["kind"]),
        )
        found[int(r["id"])] = _hazard_finding("joint_handling", r, MESSAGES["joint_action"], message)
    return [found[k] for k in sorted(found)]


def _hazard_finding(rule_id: str, r: object, action: str, message: str) -> RuleFinding:
    row: dict = dict(r)  # type: ignore[call-overload]
    return RuleFinding(
        rule=rule_id,
        county_code=row["county_code"],
        subject=row["enterprise"],
        enterprise_id=row["enterprise_id"],
        action=action,
        records={"hazards": (int(row["id"]),)},
        message=message,
    )
