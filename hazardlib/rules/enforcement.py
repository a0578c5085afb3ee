"""Measure 4, enforcement (严厉打击质量违法违规行为): transfer, the serious-violation dishonesty list,
forged or misused marks, licence revocation."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .. import schema, vocab
from . import Context, RuleFinding, rule
from .common import ENT, fetch, product_name

C = schema.enforcement_cases

DISHONESTY_VIOLATIONS = ("unlicensed", "counterfeit", "passing_off")
"""“无证生产、假冒伪劣、以次充好等严重违法行为” → 严重违法失信名单."""

REVOCATION_VIOLATIONS = ("beyond_scope", "counterfeit", "passing_off")
"""Violations by a licence holder that call for checking whether its licence must be revoked: the plan
says only “存在需撤销证书情形”; production beyond the licence, counterfeiting and passing off are the
cases in which the licence itself is in question. The finding asks for the check, not the decision."""

MESSAGES = {
    "transfer": "{enterprise}知假售假（案件 {case}，{day} 立案）尚未移送：一律移送执法稽查或公安机关依法查处，处罚到人",
    "transfer_action": "移送执法稽查或公安机关",
    "dishonesty": "{enterprise}存在{violation}严重违法行为（案件 {case}，{day} 立案）：依法依规列入市场监管严重违法失信名单，并通过国家企业信用信息公示系统（贵州）公示",
    "dishonesty_action": "列入严重违法失信名单",
    "mark": "{enterprise}伪造、冒用3C认证标识等质量标志（案件 {case}，{day} 立案）尚未作出处罚：依法依规严肃查处",
    "mark_action": "依法查处",
    "revoke": "{enterprise}持有生产许可证 {licence}，存在{violation}违法行为（案件 {case}）：核查是否存在需撤销证书情形，依法撤销其相关证书",
    "revoke_action": "核查并依法撤销证书",
    "no_case_no": "无编号",
}


def _cases(ctx: Context, *where: Any) -> list[dict[str, Any]]:
    stmt = (
        sa.select(C, ENT.c.name.label("enterprise"), ENT.c.licence_no)
        .select_from(C.join(ENT, ENT.c.id == C.c.enterprise_id))
        .where(C.c.filed_date <= ctx.as_of, *where, *ctx.in_county(C.c.county_code))
        .order_by(C.c.filed_date, C.c.id)
    )
    return fetch(ctx.conn, stmt)


def _finding(rule_id: str, r: dict[str, Any], action: str, template: str) -> RuleFinding:
    message = MESSAGES[template].format(
        enterprise=r["enterprise"],
        case=r["case_no"] or MESSAGES["no_case_no"],
        day=r["filed_date"],
        violation=vocab.VIOLATION.label(r["violation"]),
        licence=r["licence_no"],
        product=product_name(r["sub_product_code"]),
    )
    return RuleFinding(
        rule=rule_id,
        county_code=r["county_code"],
        subject=r["enterprise"],
        enterprise_id=r["enterprise_id"],
        action=action,
        records={"enforcement_cases": (int(r["id"]),)},
        message=message,
    )


def _not_by(flag_date: Any, as_of: Any) -> Any:
    return sa.or_(flag_date.is_(None), flag_date > as_of)


@rule(
    "transfer_knowingly_selling_fakes",
    "知假售假须移送",
    "二、(二)4 严厉打击质量违法违规行为",
    "在排查治理行动中发现知假售假等情况的,一律移送执法稽查或公安机关依法查处,处罚到人",
)
def transfer_knowingly_selling_fakes(ctx: Context) -> list[RuleFinding]:
    """在排查治理行动中发现知假售假等情况的,一律移送执法稽查或公安机关依法查处,处罚到人.

    Fires for every case of knowingly selling fakes filed on or before the as-of date and not
    transferred by then. Done: a transfer (to the enforcement team or the police) dated by the as-of date.
    """
    rows = _cases(
        ctx,
        C.c.violation == "knowingly_selling_fakes",
        sa.or_(C.c.transferred_to.is_(None), _not_by(C.c.transfer_date, ctx.as_of)),
    )
    return [
        _finding("transfer_knowingly_selling_fakes", r, MESSAGES["transfer_action"], "transfer") for r in rows
    ]


@rule(
    "dishonesty_list_candidate",
    "严重违法行为列入严重违法失信名单",
    "二、(二)4 严厉打击质量违法违规行为",
    "对存在无证生产、假冒伪劣、以次充好等严重违法行为主体,依法依规列入市场监管严重违法失信名单",
)
def dishonesty_list_candidate(ctx: Context) -> list[RuleFinding]:
    """对存在无证生产、假冒伪劣、以次充好等严重违法行为主体,依法依规列入市场监管严重违法失信名单.

    Fires for every case of unlicensed production, counterfeiting or passing off filed on or before the
    as-of date whose entity was not both listed and publicised (国家企业信用信息公示系统（贵州）) by then: a
    *candidate* for the list (listing is decided by law). Done: listed and publicised (both dated by the as-of
    date), or a recorded decision not to list (who, when, why; dated by the as-of date).
    """
    listed = sa.and_(
        C.c.dishonesty_listed.is_(True),
        sa.not_(_not_by(C.c.dishonesty_date, ctx.as_of)),
        sa.not_(_not_by(C.c.publicity_date, ctx.as_of)),
    )
    rows = _cases(
        ctx,
        C.c.violation.in_(DISHONESTY_VIOLATIONS),
        sa.not_(listed),
        _not_by(C.c.not_listed_date, ctx.as_of),
    )
    return [
        _finding("dishonesty_list_candidate", r, MESSAGES["dishonesty_action"], "dishonesty") for r in rows
    ]


@rule(
    "mark_misuse_case",
    "伪造冒用3C标识须严肃查处",
    "二、(二)4 严厉打击质量违法违规行为",
    "发现伪造、冒用3C认证标识等质量标志的,要依法依规严肃查处",
)
def mark_misuse_case(ctx: Context) -> list[RuleFinding]:
    """发现伪造、冒用3C认证标识等质量标志的,要依法依规严肃查处.

    Fires for every case of forged or misused marks filed on or before the as-of date with no penalty
    recorded (a penalty has no date of its own: the current record is read). Done: a penalty recorded.
    """
    rows = _cases(ctx, C.c.violation == "mark_misuse", sa.or_(C.c.penalty.is_(None), C.c.penalty == ""))
    return [_finding("mark_misuse_case", r, MESSAGES["mark_action"], "mark") for r in rows]


@rule(
    "licence_revocation_review",
    "存在需撤销证书情形的依法撤销",
    "二、(二)4 严厉打击质量违法违规行为",
    "对实施许可管理,存在需撤销证书情形的违法企业,要依法撤销其相关证书",
)
def licence_revocation_review(ctx: Context) -> list[RuleFinding]:
    """对实施许可管理,存在需撤销证书情形的违法企业,要依法撤销其相关证书.

    Fires for every case of production beyond the licence, counterfeiting or passing off filed on or
    before the as-of date against an enterprise holding a production licence whose licence was not
    revoked by then. Done: revocation recorded, or a recorded decision not to revoke (who, when, why), dated
    by the as-of date.
    """
    rows = _cases(
        ctx,
        C.c.violation.in_(REVOCATION_VIOLATIONS),
        ENT.c.licence_no.is_not(None),
        sa.or_(C.c.licence_revoked.is_(False), _not_by(C.c.revoked_date, ctx.as_of)),
        _not_by(C.c.not_revoked_date, ctx.as_of),
    )
    return [_finding("licence_revocation_review", r, MESSAGES["revoke_action"], "revoke") for r in rows]
