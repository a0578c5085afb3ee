"""Measure 5, risk monitoring (消除质量安全风险隐患): signals are analysed, verified and handled."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .. import schema, vocab
from . import Context, RuleFinding, rule
from .common import ENT, H, fetch, product_name

SIG = schema.risk_signals
INS = schema.inspections

QUOTE = "对监测发现的风险信息及时分析研判,经核查存在质量安全问题的要及时排查消除,有效实现重大风险早发现、早报告、早处置"
MESSAGES = {
    "verify": "{source}风险信息（{day} 收到{about}）：{text}——及时分析研判、核查",
    "verify_action": "分析研判、核查",
    "handle": "{source}风险信息经核查存在质量安全问题（{day} 核查{about}）：{text}——登记隐患并排查消除，或安排现场检查",
    "handle_action": "登记隐患或安排现场检查",
    "about": "，涉及{enterprise}{product}",
}


def _words(r: dict, day_key: str) -> dict[str, str]:
    about = ""
    if r["enterprise"] or r["sub_product_code"]:
        product = f"的{product_name(r['sub_product_code'])}" if r["sub_product_code"] else ""
        about = MESSAGES["about"].format(enterprise=r["enterprise"] or "", product=product)
    return dict(
        source=vocab.SIGNAL_SOURCE.label(r["source"]), day=str(r[day_key]), about=about, text=r["description"]
    )


def _finding(rule_id: str, r: dict, action: str, message: str) -> RuleFinding:
    return RuleFinding(
        rule=rule_id,
        county_code=r["county_code"],
        subject=r["enterprise"] or vocab.SIGNAL_SOURCE.label(r["source"]) + "风险信息",
        enterprise_id=r["enterprise_id"],
        action=action,
        records={"risk_signals": (int(r["id"]),)},
        message=message,
    )


def awaiting_verification(as_of: Any) -> Any:
    """The condition of a signal not verified by ``as_of`` (pending, or its verification dated later): the
    one definition the rule and the dashboards' list of signals to verify share."""
    return sa.or_(SIG.c.verification == "pending", SIG.c.verified_date > as_of)


def _signals(ctx: Context, *where: Any) -> list[dict]:
    stmt = (
        sa.select(SIG, ENT.c.name.label("enterprise"))
        .select_from(SIG.outerjoin(ENT, ENT.c.id == SIG.c.enterprise_id))
        .where(SIG.c.received_date <= ctx.as_of, *where, *ctx.in_county(SIG.c.county_code))
        .order_by(SIG.c.received_date, SIG.c.id)
    )
    return fetch(ctx.conn, stmt)


@rule("risk_signal_to_verify", "风险信息待研判核查", "二、(二)5 消除质量安全风险隐患", QUOTE)
def risk_signal_to_verify(ctx: Context) -> list[RuleFinding]:
    """对监测发现的风险信息及时分析研判.

    Fires for every signal received on or before the as-of date and not verified by then (pending, or
    its verification dated later). Done: verified (confirmed or dismissed).
    """
    rows = _signals(ctx, awaiting_verification(ctx.as_of))
    return [
        _finding(
            "risk_signal_to_verify",
            r,
            MESSAGES["verify_action"],
            MESSAGES["verify"].format(**_words(r, "received_date")),
        )
        for r in rows
    ]


@rule("risk_signal_to_handle", "经核查存在问题的风险信息须排查消除", "二、(二)5 消除质量安全风险隐患", QUOTE)
def risk_signal_to_handle(ctx: Context) -> list[RuleFinding]:
    """经核查存在质量安全问题的要及时排查消除.

    Fires for every signal confirmed on or before the as-of date (a confirmation without a date counts
    from the day received) that has not become a hazard or an inspection task by then. Done: a hazard
    linked to it (the signal's hazard, or a hazard whose source is this signal) found by the as-of date,
    or an inspection of its enterprise on or after the confirmation.
    """
    confirmed_on = sa.func.coalesce(SIG.c.verified_date, SIG.c.received_date)
    # Two separate tests so each uses its own access path (primary key; one pass over the sources).
    linked = sa.or_(
        sa.exists().where(H.c.id == SIG.c.hazard_id, H.c.found_date <= ctx.as_of),
        SIG.c.id.in_(
            sa.select(H.c.source_id).where(
                H.c.source == "risk_signal", H.c.source_id.is_not(None), H.c.found_date <= ctx.as_of
            )
        ),
    )
    inspected = sa.exists().where(
        INS.c.enterprise_id == SIG.c.enterprise_id,
        INS.c.inspection_date >= confirmed_on,
        INS.c.inspection_date <= ctx.as_of,
    )
    rows = _signals(
        ctx,
        SIG.c.verification == "confirmed",
        confirmed_on <= ctx.as_of,
        sa.not_(linked),
        sa.not_(inspected),
    )
    for r in rows:
        r["confirmed_on"] = r["verified_date"] or r["received_date"]
    return [
        _finding(
            "risk_signal_to_handle",
            r,
            MESSAGES["handle_action"],
            MESSAGES["handle"].format(**_words(r, "confirmed_on")),
        )
        for r in rows
    ]
