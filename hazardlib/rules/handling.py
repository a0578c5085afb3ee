"""Measure 2, handling (问题处置): the next step of every hazard on the rectification ledger, and the
written reports on hazards still open after the campaign."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from .. import schema, vocab
from ..figures import is_open, is_overdue, ledger_at
from ..instruments import state_at
from . import Context, RuleFinding, rule
from .common import ENT, days, fetch, finding_label, group_rows, ids, product_name, tally

WR = schema.written_reports
INS = schema.instruments

LEDGER_QUOTE = (
    "对排查出的隐患要建立问题整改台账,责令限期整改,并及时组织复查,确保问题隐患件件有落实,事事有结果"
)

MESSAGES = {
    "overdue": "{enterprise}的{what}（{product}）整改期限 {deadline} 已过 {late} 天仍未整改完成：督促整改并及时复查；拒不整改或整改不到位的，进行约谈",
    "overdue_action": "督促整改并复查",
    "order": "{enterprise}的{what}（{product}，{found} 发现）尚未责令限期整改：下达整改通知书并明确整改期限",
    "order_action": "责令限期整改",
    "reinspect": "{enterprise}已于 {since} 完成{what}（{product}）整改：及时组织复查",
    "reinspect_action": "组织复查",
    "close": "{enterprise}的{what}（{product}）已于 {since} 复查合格：办理销号",
    "close_action": "销号",
    "report": "{county}在行动结束（{finish}）后仍有{what}未完成整改（其中逾期 {overdue} 条）：持续书面报送整改完成情况，直至全部销号",
    "report_action": "持续书面报送整改完成情况",
    "report_last": "；上次书面报送 {last}（{number}），下次应于 {due} 前报送",
    "report_none": "；行动结束后尚未书面报送，应于 {due} 前报送",
    "reply": "{enterprise}未按期回复{kind}（{number}，{issued} 签发，回复期限 {due}，已逾期 {late} 天）：督促回复，"
    "拒不整改的依法处理",
    "reply_action": "督促回复文书",
}
INSTRUMENTS_QUOTE = "切实用好“三书一函”(挂牌督办通知书、约谈通知书、整改通知书、提醒敦促函)制度"


def _ledger_rows(ctx: Context, state_condition: Any) -> list[Any]:
    led = ledger_at(ctx.as_of)
    stmt = (
        sa.select(
            led,
            ENT.c.name.label("enterprise"),
            sa.case((is_overdue(led, ctx.as_of), True), else_=False).label("overdue"),
        )
        .select_from(led.join(ENT, ENT.c.id == led.c.enterprise_id))
        .where(state_condition(led), *ctx.in_county(led.c.county_code))
        .order_by(led.c.id)
    )
    return fetch(ctx.conn, stmt)


def _finding(rule_id: str, r: Any, action: str, message: str, due: Any = None) -> RuleFinding:
    return RuleFinding(
        rule=rule_id,
        county_code=r["county_code"],
        subject=r["enterprise"],
        enterprise_id=r["enterprise_id"],
        action=action,
        due=due,
        records={"hazards": (int(r["id"]),)},
        message=message,
    )


def _words(r: Any) -> dict[str, Any]:
    return dict(
        enterprise=r["enterprise"],
        what=finding_label(r["kind"], r["grade"]),
        product=product_name(r["sub_product_code"]),
    )


@rule("overdue_hazard", "隐患逾期未整改", "二、(二)2 问题处置", LEDGER_QUOTE, dated=True)
def overdue_hazard(ctx: Context) -> list[RuleFinding]:
    """对排查出的隐患要建立问题整改台账,责令限期整改,并及时组织复查.

    Fires for every hazard ordered to rectify whose deadline is before the as-of date; ``due`` is the
    deadline missed. Done: the enterprise reports it rectified, or it is refused or closed.
    """
    rows = _ledger_rows(ctx, lambda led: is_overdue(led, ctx.as_of))
    return [
        _finding(
            "overdue_hazard",
            r,
            MESSAGES["overdue_action"],
            MESSAGES["overdue"].format(
                **_words(r), deadline=r["deadline"], late=days(r["deadline"], ctx.as_of)
            ),
            r["deadline"],
        )
        for r in rows
    ]


@rule("rectification_order_due", "隐患待责令整改", "二、(二)2 问题处置", LEDGER_QUOTE)
def rectification_order_due(ctx: Context) -> list[RuleFinding]:
    """对排查出的隐患要建立问题整改台账,责令限期整改.

    Fires for every hazard still only *found* at the as-of date. Done: an order with a deadline.
    """
    rows = _ledger_rows(ctx, lambda led: led.c.state == "found")
    return [
        _finding(
            "rectification_order_due",
            r,
            MESSAGES["order_action"],
            MESSAGES["order"].format(**_words(r), found=r["found_date"]),
        )
        for r in rows
    ]


@rule("reinspection_due", "整改完成待复查", "二、(二)2 问题处置", LEDGER_QUOTE)
def reinspection_due(ctx: Context) -> list[RuleFinding]:
    """并及时组织复查.

    Fires for every hazard the enterprise has rectified but nobody has re-inspected. Done: a
    re-inspection (passed or failed).
    """
    rows = _ledger_rows(ctx, lambda led: led.c.state == "rectified")
    return [
        _finding(
            "reinspection_due",
            r,
            MESSAGES["reinspect_action"],
            MESSAGES["reinspect"].format(**_words(r), since=r["state_date"]),
        )
        for r in rows
    ]


@rule("close_out_due", "复查合格待销号", "二、(二)2 问题处置", LEDGER_QUOTE)
def close_out_due(ctx: Context) -> list[RuleFinding]:
    """确保问题隐患件件有落实,事事有结果.

    Fires for every hazard re-inspected as passed but not yet closed out. Done: close-out.
    """
    rows = _ledger_rows(ctx, lambda led: led.c.state == "reinspected")
    return [
        _finding(
            "close_out_due",
            r,
            MESSAGES["close_action"],
            MESSAGES["close"].format(**_words(r), since=r["state_date"]),
        )
        for r in rows
    ]


@rule("instrument_reply_overdue", "文书逾期未回复", "二、(二)2 问题处置", INSTRUMENTS_QUOTE, dated=True)
def instrument_reply_overdue(ctx: Context) -> list[RuleFinding]:
    """切实用好“三书一函”(挂牌督办通知书、约谈通知书、整改通知书、提醒敦促函)制度.

    Fires for every instrument issued on or before the as-of date whose reply was due before it and has
    not come by then (:func:`hazardlib.instruments.state_at`); ``due`` is the reply's due date. Done: the
    reply received.
    """
    stmt = (
        sa.select(INS, ENT.c.name.label("enterprise"))
        .select_from(INS.join(ENT, ENT.c.id == INS.c.enterprise_id, isouter=True))
        .where(
            INS.c.issue_date <= ctx.as_of, state_at(ctx.as_of) == "overdue", *ctx.in_county(INS.c.county_code)
        )
        .order_by(INS.c.reply_due, INS.c.id)
    )
    return [
        RuleFinding(
            rule="instrument_reply_overdue",
            county_code=r["county_code"],
            subject=r["enterprise"] or ctx.county_name(r["county_code"]),
            enterprise_id=r["enterprise_id"],
            action=MESSAGES["reply_action"],
            due=r["reply_due"],
            records={"instruments": (int(r["id"]),)},
            message=MESSAGES["reply"].format(
                enterprise=r["enterprise"] or ctx.county_name(r["county_code"]),
                kind=vocab.INSTRUMENT_KIND.label(r["kind"]),
                number=r["number"],
                issued=r["issue_date"],
                due=r["reply_due"],
                late=days(r["reply_due"], ctx.as_of),
            ),
        )
        for r in fetch(ctx.conn, stmt)
    ]


@rule(
    "continuing_written_report",
    "10月底后未完成整改须持续书面报送",
    "四、(三) 报送工作要求",
    "对10月底前未完成隐患问题整改的要持续书面报送整改完成情况",
    dated=True,
)
def continuing_written_report(ctx: Context) -> list[RuleFinding]:
    """对10月底前未完成隐患问题整改的要持续书面报送整改完成情况.

    Fires only after the campaign's finish date: one finding per county with hazards and risks (of any
    campaign year) not closed out at the as-of date, listing them; ``due`` is when the next written report
    is owed — the county's last one after the finish (``written_reports``) or else the finish, plus the
    campaign's ``written_report_interval_days``. Done: every one of them closed out.
    """
    if ctx.as_of <= ctx.campaign.finish:
        return []
    rows = _ledger_rows(ctx, is_open)
    last = _last_reports(ctx)
    every = dt.timedelta(days=int(ctx.param("written_report_interval_days")))
    out = []
    for county, group in group_rows(rows, "county_code").items():
        overdue = sum(1 for r in group if r["overdue"])
        name = ctx.county_name(county)
        report = last.get(county)
        due = (report["report_date"] if report else ctx.campaign.finish) + every
        when = (
            MESSAGES["report_last"].format(last=report["report_date"], number=report["number"], due=due)
            if report
            else MESSAGES["report_none"].format(due=due)
        )
        out.append(
            RuleFinding(
                rule="continuing_written_report",
                county_code=county,
                subject=name,
                action=MESSAGES["report_action"],
                due=due,
                records={"hazards": ids(group, "id")},
                message=MESSAGES["report"].format(
                    county=name,
                    finish=ctx.campaign.finish,
                    what=tally(group, "条", grade=False),
                    overdue=overdue,
                )
                + when,
            )
        )
    return out


def _last_reports(ctx: Context) -> dict[str, dict[str, Any]]:
    """Each county's latest written report sent after the campaign's finish, on or before the as-of date."""
    latest = (
        sa.select(WR.c.county_code, WR.c.report_date, WR.c.number)
        .where(
            WR.c.report_date > ctx.campaign.finish,
            WR.c.report_date <= ctx.as_of,
            *ctx.in_county(WR.c.county_code),
        )
        .order_by(WR.c.county_code, WR.c.report_date, WR.c.id)
    )
    return {r["county_code"]: r for r in fetch(ctx.conn, latest)}
