"""Measure 3, supervision spot checks (监督抽查): two-way tracing, follow-up spot checks, and the
interview of an enterprise unqualified twice in a row that holds a major hazard."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from .. import schema, vocab
from ..figures import is_open
from ..ledger import ledger_at
from ..store import PREFECTURE_CODE
from ..tracing import holder_expr
from ..tracing import state_expr as task_state
from . import Context, RuleFinding, rule
from .common import ENT, S, fetch, group_rows, ids, interviewed_since, product_name, sampled_enterprise

T = schema.tracing_tasks

TRACING_QUOTE = "对不合格产品的生产和销售单位开展双向追查,及时控制风险隐患"
MESSAGES = {
    "create": "抽查批次 {batch}（{product}，{day} 抽样）不合格，尚未发起双向追查：对生产单位{producer}和销售单位{seller}开展追查",
    "create_action": "发起双向追查",
    "trace": "{sender}转来追查任务：对{role}{target}开展追查（抽查批次 {batch}，{product}不合格）",
    "trace_outside": "{sender}转来追查任务：{role}{target}（{region}）不在黔南州，请转办其所在地市场监管部门（抽查批次 {batch}，{product}不合格）",
    "trace_action": "追查{role}",
    "pass_action": "转办外地追查",
    "follow_up": "{enterprise}{day} 抽查{result}（批次 {batch}，{product}），之后尚未跟踪抽查：开展跟踪抽查",
    "follow_up_action": "跟踪抽查",
    "consecutive": "{enterprise}连续{n}次抽查不合格（{batches}），且存在未销号的重大质量安全隐患：约谈企业，督促落实产品质量安全主体责任",
    "consecutive_action": "约谈企业",
    "unknown": "（未注明）",
}


@rule("two_way_tracing", "不合格产品须双向追查", "二、(二)3 强化产品质量监督抽查", TRACING_QUOTE)
def two_way_tracing(ctx: Context) -> list[RuleFinding]:
    """对不合格产品的生产和销售单位开展双向追查,及时控制风险隐患.

    Fires for every unqualified spot check sampled on or before the as-of date for which no tracing task
    was created by then; the finding goes to the county that sampled the product. Done: tracing tasks
    created (see :func:`hazardlib.tracing.create_tracing_tasks`).
    """
    created = sa.exists().where(T.c.spot_check_id == S.c.id, T.c.created_date <= ctx.as_of)
    stmt = (
        sa.select(S)
        .where(S.c.result == "unqualified", S.c.sample_date <= ctx.as_of, sa.not_(created))
        .where(*ctx.in_county(S.c.sampled_by_county))
        .order_by(S.c.sample_date, S.c.id)
    )
    out = []
    for r in fetch(ctx.conn, stmt):
        out.append(
            RuleFinding(
                rule="two_way_tracing",
                county_code=r["sampled_by_county"],
                subject=f"抽查批次 {r['batch_no']}",
                action=MESSAGES["create_action"],
                records={"spot_checks": (int(r["id"]),)},
                message=MESSAGES["create"].format(
                    batch=r["batch_no"],
                    product=product_name(r["sub_product_code"]),
                    day=r["sample_date"],
                    producer=r["producer_name"] or MESSAGES["unknown"],
                    seller=r["seller_name"] or MESSAGES["unknown"],
                ),
            )
        )
    return out


@rule(
    "tracing_task_open",
    "收到的追查任务待办结",
    "二、(二)3 强化产品质量监督抽查",
    TRACING_QUOTE,
    dated=True,
)
def tracing_task_open(ctx: Context) -> list[RuleFinding]:
    """对不合格产品的生产和销售单位开展双向追查.

    Fires for every tracing task created on or before the as-of date and not done or passed on by then,
    for the county that received it (the prefecture, 522700, for a party outside the prefecture: it
    passes the task on). ``due`` is the task's due date. Done: the task completed or passed on.
    """
    holder = holder_expr(ctx.as_of)  # the county holding the task then, not the one it was passed on to since
    stmt = (
        sa.select(T, holder.label("holder"), S.c.batch_no, S.c.sub_product_code)
        .select_from(T.join(S, S.c.id == T.c.spot_check_id))
        .where(T.c.created_date <= ctx.as_of, task_state(ctx.as_of) == "open")
        .order_by(T.c.due, T.c.id)
    )
    if ctx.county is not None:
        stmt = stmt.where(holder == ctx.county)
    out = []
    for r in fetch(ctx.conn, stmt):
        role = vocab.PARTY_ROLE.label(r["role"])
        words = dict(
            sender=ctx.county_name(r["from_county"]),
            role=role,
            target=r["target_name"] or MESSAGES["unknown"],
            region=r["target_region"] or "外地",
            batch=r["batch_no"],
            product=product_name(r["sub_product_code"]),
        )
        outside = r["holder"] == PREFECTURE_CODE
        out.append(
            RuleFinding(
                rule="tracing_task_open",
                county_code=r["holder"],
                subject=r["target_name"] or words["target"],
                enterprise_id=r["target_enterprise_id"],
                action=MESSAGES["pass_action"] if outside else MESSAGES["trace_action"].format(role=role),
                due=r["due"],
                records={"tracing_tasks": (int(r["id"]),), "spot_checks": (int(r["spot_check_id"]),)},
                message=MESSAGES["trace_outside" if outside else "trace"].format(**words),
            )
        )
    return out


@rule(
    "follow_up_spot_check",
    "不合格和拒检企业须跟踪抽查",
    "二、(二)3 强化产品质量监督抽查",
    "对抽查不合格企业和拒检企业,持续开展跟踪抽查",
)
def follow_up_spot_check(ctx: Context) -> list[RuleFinding]:
    """对抽查不合格企业和拒检企业,持续开展跟踪抽查.

    Fires for every unqualified or refused spot check sampled on or before the as-of date after which no
    follow-up was sampled by then. A follow-up is a check recorded as following it up, or any later
    check of the same enterprise (the sampled enterprise, else the seller, else the producer). The
    finding goes to the enterprise's county. Done: a follow-up spot check sampled.
    """
    enterprise = sampled_enterprise()
    # The last check of each enterprise up to the as-of date: no later check of that enterprise exists.
    rn = sa.func.row_number().over(partition_by=enterprise, order_by=(S.c.sample_date.desc(), S.c.id.desc()))
    ranked = (
        sa.select(S.c.id, rn.label("rn"))
        .where(S.c.sample_date <= ctx.as_of, enterprise.is_not(None))
        .subquery("ranked")
    )
    later_of_same = sa.select(ranked.c.id).where(ranked.c.rn > 1)
    marked = sa.select(S.c.follow_up_of).where(S.c.sample_date <= ctx.as_of, S.c.follow_up_of.is_not(None))
    stmt = (
        sa.select(S, enterprise.label("subject_id"), ENT.c.name.label("enterprise"))
        .select_from(S.outerjoin(ENT, ENT.c.id == enterprise))
        .where(
            S.c.result.in_(("unqualified", "refused")),
            S.c.sample_date <= ctx.as_of,
            S.c.id.not_in(later_of_same),
            S.c.id.not_in(marked),
        )
        .where(*ctx.in_county(S.c.county_code))
        .order_by(S.c.sample_date, S.c.id)
    )
    out = []
    for r in fetch(ctx.conn, stmt):
        name = r["enterprise"] or r["seller_name"] or r["producer_name"] or MESSAGES["unknown"]
        out.append(
            RuleFinding(
                rule="follow_up_spot_check",
                county_code=r["county_code"],
                subject=name,
                enterprise_id=r["subject_id"],
                action=MESSAGES["follow_up_action"],
                records={"spot_checks": (int(r["id"]),)},
                message=MESSAGES["follow_up"].format(
                    enterprise=name,
                    day=r["sample_date"],
                    result=vocab.SPOT_RESULT.label(r["result"]),
                    batch=r["batch_no"],
                    product=product_name(r["sub_product_code"]),
                ),
            )
        )
    return out


def last_results(as_of: dt.date, n: int) -> tuple[sa.Subquery, sa.Subquery]:
    """The spot-check results of each sampled enterprise (else seller, else producer) up to ``as_of``, in
    sampling order (ties by record id), refusals left out: ``ranked`` (enterprise_id, id, batch_no,
    result, sample_date, rn — 1 the latest) and ``last_n``, the enterprises whose ``n`` latest results
    are all unqualified (enterprise_id, last_date)."""
    enterprise = sampled_enterprise()
    rn = sa.func.row_number().over(partition_by=enterprise, order_by=(S.c.sample_date.desc(), S.c.id.desc()))
    ranked = (
        sa.select(
            enterprise.label("enterprise_id"),
            S.c.id,
            S.c.batch_no,
            S.c.result,
            S.c.sample_date,
            rn.label("rn"),
        )
        .where(
            S.c.result.in_(("qualified", "unqualified")),
            S.c.sample_date <= as_of,
            enterprise.is_not(None),
        )
        .subquery("ranked")
    )
    last_n = (
        sa.select(ranked.c.enterprise_id, sa.func.max(ranked.c.sample_date).label("last_date"))
        .where(ranked.c.rn <= n)
        .group_by(ranked.c.enterprise_id)
        .having(sa.func.sum(sa.case((ranked.c.result == "unqualified", 1), else_=0)) == n)
        .subquery("last_n")
    )
    return ranked, last_n


@rule(
    "interview_consecutive_unqualified",
    "连续2次抽查不合格且有重大隐患须约谈",
    "二、(二)3 强化产品质量监督抽查",
    "对连续2次抽查不合格且存在重大质量安全隐患的企业进行约谈,督促落实产品质量安全主体责任",
)
def interview_consecutive_unqualified(ctx: Context) -> list[RuleFinding]:
    """对连续2次抽查不合格且存在重大质量安全隐患的企业进行约谈,督促落实产品质量安全主体责任.

    “Consecutive”: the enterprise's last ``consecutive_unqualified`` spot-check results sampled on or
    before the as-of date, in sampling-date order (ties by record id), any product, refusals left out,
    are all unqualified. “Holding a major hazard”: a major *hazard* (not a risk) of the enterprise not
    closed out at the as-of date. Done: the enterprise interviewed on or after the later of those
    checks' dates.
    """
    n = int(ctx.param("consecutive_unqualified"))
    ranked, last_n = last_results(ctx.as_of, n)
    led = ledger_at(ctx.as_of)
    majors = (
        sa.select(led.c.id, led.c.enterprise_id)
        .where(led.c.grade == "major", led.c.kind == "hazard", is_open(led))
        .subquery("majors")
    )
    stmt = (
        sa.select(
            last_n.c.enterprise_id,
            ENT.c.name.label("enterprise"),
            ENT.c.county_code,
            ranked.c.id.label("spot_check_id"),
            ranked.c.batch_no,
            majors.c.id.label("hazard_id"),
        )
        .select_from(
            last_n.join(ENT, ENT.c.id == last_n.c.enterprise_id)
            .join(ranked, sa.and_(ranked.c.enterprise_id == last_n.c.enterprise_id, ranked.c.rn <= n))
            .join(majors, majors.c.enterprise_id == last_n.c.enterprise_id)
        )
        .where(sa.not_(interviewed_since(last_n.c.enterprise_id, last_n.c.last_date, ctx.as_of)))
        .where(*ctx.in_county(ENT.c.county_code))
        .order_by(last_n.c.enterprise_id, ranked.c.rn.desc(), majors.c.id)
    )
    out = []
    for eid, group in group_rows(fetch(ctx.conn, stmt), "enterprise_id").items():
        first = group[0]
        batches = "、".join(dict.fromkeys(r["batch_no"] for r in group))
        out.append(
            RuleFinding(
                rule="interview_consecutive_unqualified",
                county_code=first["county_code"],
                subject=first["enterprise"],
                enterprise_id=eid,
                action=MESSAGES["consecutive_action"],
                records={"spot_checks": ids(group, "spot_check_id"), "hazards": ids(group, "hazard_id")},
                message=MESSAGES["consecutive"].format(enterprise=first["enterprise"], n=n, batches=batches),
            )
        )
    return out
