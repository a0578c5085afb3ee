"""Reporting to the prefecture (四、(三) 报送工作要求): the packages due, overdue and returned.

The deadlines are the campaign calendar's ``[[deadlines]]``; the reminder starts
``submission_due_working_days`` working days before each. A package counts as submitted at the as-of date
when one of its versions was submitted by the end of that day (a withdrawn version was not), and as
returned when its latest version submitted by then was returned by then and no newer one was submitted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from ..campaign import add_working_days
from ..immediate import end_of
from ..regions import load_regions
from ..submissions import ITEMS, T, working_days_late
from . import Context, RuleFinding, rule
from .common import fetch

MESSAGES = {
    "due": "{county}应于 {due} 前报送{items}（还有 {n} 个工作日），尚未报送——按时报送",
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
    cols = [T.c.id, T.c.county_code, T.c.deadline, T.c.edition, T.c.state, T.c.submitted_at, T.c.reviewed_at,
            T.c.reviewed_by, T.c.review_comments]  # fmt: skip
    stmt = (
        sa.select(*cols)
        .where(T.c.campaign_year == ctx.campaign.year, *ctx.in_county(T.c.county_code))
        .order_by(T.c.county_code, T.c.deadline, T.c.edition)
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


@rule("submission_due", "报送期限临近尚未报送", "四、(三) 报送工作要求", QUOTE)
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
            left = working_days_late(ctx.as_of, d.day)
            out.append(
                RuleFinding(
                    rule="submission_due", county_code=code, subject=name, action=MESSAGES["due_action"],
                    due=d.day,
                    message=MESSAGES["due"].format(county=name, due=_md(d.day), items="、".join(d.items), n=left),
                )
            )  # fmt: skip
    return out


@rule("submission_overdue", "逾期未报送", "四、(三) 报送工作要求", QUOTE)
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
                    rule="submission_overdue", county_code=code, subject=name, action=MESSAGES["overdue_action"],
                    due=d.day, records={"submissions": tuple(int(r["id"]) for r in rows)} if rows else {},
                    message=MESSAGES["overdue"].format(county=name, due=_md(d.day), items="、".join(d.items),
                                                       late=late),
                )
            )  # fmt: skip
    return out


@rule("submission_returned", "报送材料被退回待重新报送", "四、(三) 报送工作要求", QUOTE)
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
                rule="submission_returned", county_code=code, subject=name, action=MESSAGES["returned_action"],
                due=deadline, records={"submissions": (int(last["id"]),)},
                message=MESSAGES["returned"].format(county=name, due=_md(deadline), edition=last["edition"],
                                                    at=last["reviewed_at"].strftime("%Y-%m-%d"),
                                                    by=last["reviewed_by"], comments=comments),
            )
        )  # fmt: skip
    return out
