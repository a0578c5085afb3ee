"""Reporting (四、(三) 报送工作要求): important situations and major cases reported at once; each county's
package submitted by the deadlines of the campaign calendar — due, overdue, returned.

The deadlines are the calendar's ``[[deadlines]]``; the reminder starts ``submission_due_working_days`` working
days before each. A package counts as submitted at the as-of date when one of its versions was submitted by the
end of that day (a withdrawn version was not), and as returned when its latest version submitted by then was
returned by then and no newer one was submitted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from .. import vocab
from ..campaign import add_working_days
from ..immediate import T, end_of, state_expr
from ..regions import load_regions
from ..submissions import ITEMS, working_days_late
from ..submissions import T as PACKAGES
from . import Context, RuleFinding, rule
from .common import fetch

MESSAGES = {
    "late": "{county}应于 {due} 前报告州局的即时报告事项（{kind}）尚未报告：{summary}——立即报告",
    "late_action": "立即报告州局",
}


@rule(
    "immediate_report_overdue",
    "重要情况、重大案件未第一时间报告",
    "四、(三) 报送工作要求",
    "重要情况、重大案件第一时间及时报告",
    dated=True,
)
def immediate_report_overdue(ctx: Context) -> list[RuleFinding]:
    """重要情况、重大案件第一时间及时报告.

    Every major hazard found, major risk self-reported and major case opened raises an item on the
    prefecture's feed, due ``immediate_report_hours`` after the day of the fact (hazardlib.immediate).
    Fires for every item of the as-of date's campaign year raised by the end of the as-of date whose due
    time has passed without the prefecture acknowledging the report (earlier years' items are history).
    Done: acknowledged (late acknowledgements do not fire).
    """
    stmt = (
        sa.select(T)
        .where(
            T.c.campaign_year == ctx.campaign.year,
            T.c.raised_at < end_of(ctx.as_of),
            state_expr(ctx.as_of) == "late",
            *ctx.in_county(T.c.county_code),
        )
        .order_by(T.c.due_at, T.c.id)
    )
    out = []
    for r in fetch(ctx.conn, stmt):
        name = ctx.county_name(r["county_code"])
        out.append(
            RuleFinding(
                rule="immediate_report_overdue",
                county_code=r["county_code"],
                subject=name,
                action=MESSAGES["late_action"],
                due=r["due_at"].date(),
                records={"immediate_reports": (int(r["id"]),), r["record_table"]: (int(r["record_id"]),)},
                message=MESSAGES["late"].format(
                    county=name,
                    due=vocab.due_label(r["due_at"]),
                    kind=vocab.IMMEDIATE_KIND.label(r["kind"]),
                    summary=r["summary"] or "",
                ),
            )
        )
    return out


SUBMISSION_MESSAGES = {
    "due": "{county}应于 {due} 前报送{items}（{left}），尚未报送——按时报送",
    "due_today": "今天截止",
    "due_left": "还有 {n} 个工作日",
    "due_action": "按时报送",
    "overdue": "{county}应于 {due} 前报送的{items}尚未报送，已逾期 {late} 个工作日——立即报送",
    "overdue_action": "立即报送",
    "returned": "{county}{due}报送的材料（第{edition}版）已于 {at} 被 {by} 退回：{comments}——修改后重新报送",
    "returned_action": "按退回意见修改后重新报送",
}
QUOTE = "于8月20日前报送行动成果清单(见附件)及阶段性工作总结、10月20日前报送工作总结、行动成果清单及典型案例(加盖公章)"


def _md(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def _packages(ctx: Context) -> dict[tuple[str, dt.date], list[dict[str, Any]]]:
    """Every version of the campaign's packages (no figures or files), by county and deadline, oldest first."""
    P = PACKAGES
    cols = [P.c.id, P.c.county_code, P.c.deadline, P.c.edition, P.c.state, P.c.submitted_at, P.c.reviewed_at,
            P.c.reviewed_by, P.c.review_comments]  # fmt: skip
    stmt = (
        sa.select(*cols)
        .where(PACKAGES.c.campaign_year == ctx.campaign.year, *ctx.in_county(PACKAGES.c.county_code))
        .order_by(PACKAGES.c.county_code, PACKAGES.c.deadline, PACKAGES.c.edition)
    )
    cached = ctx.cache.get("submissions")
    if cached is None:
        cached = defaultdict(list)
        for r in fetch(ctx.conn, stmt):
            cached[(r["county_code"], r["deadline"])].append(r)
        ctx.cache["submissions"] = cached
    return cached


def _submitted(rows: list[dict[str, Any]], cut: dt.datetime) -> list[dict[str, Any]]:
    return [r for r in rows if r["submitted_at"] is not None and r["submitted_at"] < cut]


def _counties(ctx: Context) -> list[str]:
    """The counties the run is for, in code order."""
    return [ctx.county] if ctx.county else [c.code for c in load_regions().counties]


@rule("submission_due", "报送期限临近尚未报送", "四、(三) 报送工作要求", QUOTE, dated=True)
def submission_due(ctx: Context) -> list[RuleFinding]:
    """8月20日前报送行动成果清单(见附件)及阶段性工作总结.

    Fires for each county that has not submitted its package for a deadline falling within
    ``submission_due_working_days`` working days of the as-of date (the as-of date up to the deadline day).
    Done: a version submitted by the end of the as-of date."""
    n = int(ctx.param("submission_due_working_days"))
    cut, found = end_of(ctx.as_of), _packages(ctx)
    out = []
    for d in ctx.campaign.deadlines:
        if not (ctx.as_of <= d.day <= add_working_days(ctx.as_of, n)):
            continue
        for code in _counties(ctx):
            if _submitted(found.get((code, d.day), []), cut):
                continue
            name = ctx.county_name(code)
            n_left = working_days_late(ctx.as_of, d.day)
            left = (
                SUBMISSION_MESSAGES["due_today"]
                if d.day == ctx.as_of
                else SUBMISSION_MESSAGES["due_left"].format(n=n_left)
            )
            out.append(
                RuleFinding(
                    rule="submission_due", county_code=code, subject=name, action=SUBMISSION_MESSAGES["due_action"],
                    due=d.day,
                    message=SUBMISSION_MESSAGES["due"].format(county=name, due=_md(d.day), items="、".join(d.items), left=left),
                )
            )  # fmt: skip
    return out


@rule("submission_overdue", "逾期未报送", "四、(三) 报送工作要求", QUOTE, dated=True)
def submission_overdue(ctx: Context) -> list[RuleFinding]:
    """8月20日前报送行动成果清单(见附件)及阶段性工作总结.

    Fires for each county with no version of its package submitted by the end of the as-of date for a
    deadline before the as-of date, with the working days late so far. Done: a version submitted (however late)."""
    cut, found = end_of(ctx.as_of), _packages(ctx)
    out = []
    for d in ctx.campaign.deadlines:
        if d.day >= ctx.as_of:
            continue
        for code in _counties(ctx):
            rows = found.get((code, d.day), [])
            if _submitted(rows, cut):
                continue
            name = ctx.county_name(code)
            late = working_days_late(d.day, ctx.as_of)
            out.append(
                RuleFinding(
                    rule="submission_overdue", county_code=code, subject=name, action=SUBMISSION_MESSAGES["overdue_action"],
                    due=d.day, records={"submissions": tuple(int(r["id"]) for r in rows)} if rows else {},
                    message=SUBMISSION_MESSAGES["overdue"].format(county=name, due=_md(d.day), items="、".join(d.items),
                                                       late=late),
                )
            )  # fmt: skip
    return out


@rule("submission_returned", "报送材料被退回待重新报送", "四、(三) 报送工作要求", QUOTE, dated=True)
def submission_returned(ctx: Context) -> list[RuleFinding]:
    """8月20日前报送行动成果清单(见附件)及阶段性工作总结.

    Fires for each package whose latest version submitted by the end of the as-of date was returned by
    then, with the prefecture's comments. Done: a newer version submitted."""
    cut = end_of(ctx.as_of)
    out = []
    for (code, deadline), rows in _packages(ctx).items():
        sent = _submitted(rows, cut)
        if not sent:
            continue
        last = sent[-1]
        if last["state"] != "returned" or last["reviewed_at"] is None or last["reviewed_at"] >= cut:
            continue
        name = ctx.county_name(code)
        comments = "；".join(f"{ITEMS.get(k, k)}：{v}" for k, v in (last["review_comments"] or {}).items())
        out.append(
            RuleFinding(
                rule="submission_returned", county_code=code, subject=name, action=SUBMISSION_MESSAGES["returned_action"],
                due=deadline, records={"submissions": (int(last["id"]),)},
                message=SUBMISSION_MESSAGES["returned"].format(county=name, due=_md(deadline), edition=last["edition"],
                                                    at=last["reviewed_at"].strftime("%Y-%m-%d"),
                                                    by=last["reviewed_by"], comments=comments),
            )
        )  # fmt: skip
    return out
