"""Reporting (四、(三) 报送工作要求): important situations and major cases reported at once."""

from __future__ import annotations

import sqlalchemy as sa

from .. import vocab
from ..immediate import T, end_of, state_expr
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
                    due=r["due_at"].strftime("%Y-%m-%d %H:%M"),
                    kind=vocab.IMMEDIATE_KIND.label(r["kind"]),
                    summary=r["summary"] or "",
                ),
            )
        )
    return out
