"""The prefecture's oversight of the counties (四、(二) 强化督促指导): listed supervision of a county
with concentrated risks, many problems or sensitive public opinion; interview or circular for a county
neglecting the work."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from .. import schema
from ..figures import is_open
from ..ledger import ledger_at
from ..stages import county_progress, key_enterprise, self_check_counted, window
from ..store import PREFECTURE_CODE
from . import Context, RuleFinding, rule
from .common import ENT, fetch, group_rows, ids, tally

OV = schema.county_oversight
SIG = schema.risk_signals

MESSAGES = {
    "listed": "{county}{why}：实施“挂牌”督办，层层落实质量安全排查治理责任",
    "listed_action": "挂牌督办",
    "open_major": "未销号的{what}（共 {n} 条，达到 {need} 条，且为全州各县（市）平均 {mean:.1f} 条的 {times} 倍以上）",
    "density": "每百户重点企业发现隐患和风险 {rate:.1f} 条（达到 {need} 条，且为全州平均 {mean:.1f} 条的 {times} 倍以上）",
    "opinion": "经核查属实的舆情事件 {n} 起",
    "lagging": "{county}工作进度滞后（{why}）：采取约谈、通报等方式压实属地监管责任",
    "lagging_action": "约谈或通报",
}


def _done(ctx: Context, kinds: tuple[str, ...], since: dt.date) -> set[str]:
    stmt = sa.select(OV.c.county_code).where(
        OV.c.campaign_year == ctx.campaign.year,
        OV.c.kind.in_(kinds),
        OV.c.action_date >= since,
        OV.c.action_date <= ctx.as_of,
    )
    return set(ctx.conn.execute(stmt).scalars())


@rule(
    "listed_supervision_county",
    "风险隐患集中、问题较多或出现敏感舆情的地区实施挂牌督办",
    "四、(二) 强化督促指导",
    "对风险隐患比较集中、日常监管工作中发现问题较多和出现敏感舆情的地区,实施“挂牌”督办",
)
def listed_supervision_county(ctx: Context) -> list[RuleFinding]:
    """对风险隐患比较集中、日常监管工作中发现问题较多和出现敏感舆情的地区,实施“挂牌”督办.

    “比较集中” and “较多” are read against the rest of the prefecture: fires for every county where, at
    the as-of date, major hazards not closed out (any campaign year) reach both
    ``listed_supervision_open_major_hazards`` and ``listed_supervision_times_prefecture_average`` times
    the average over the prefecture's counties; or hazards found this campaign per 100 enterprises of
    the key categories reach both ``listed_supervision_hazards_per_100_enterprises`` and that multiple
    of the prefecture's rate; or a public-opinion signal was confirmed this campaign. Done: listed
    supervision of the county recorded this campaign. The averages need every county: for one county
    alone (``county`` given) only the absolute thresholds apply.
    """
    led = ledger_at(ctx.as_of)
    need_open = int(ctx.param("listed_supervision_open_major_hazards"))
    need_rate = float(ctx.param("listed_supervision_hazards_per_100_enterprises"))
    times = float(ctx.param("listed_supervision_times_prefecture_average"))
    open_major = group_rows(
        fetch(
            ctx.conn,
            sa.select(led.c.id, led.c.county_code, led.c.kind, led.c.grade)
            .where(led.c.grade == "major", is_open(led), *ctx.in_county(led.c.county_code))
            .order_by(led.c.id),
        ),
        "county_code",
    )
    opinion = group_rows(
        fetch(
            ctx.conn,
            sa.select(SIG.c.id, SIG.c.county_code)
            .where(
                SIG.c.campaign_year == ctx.campaign.year,
                SIG.c.source == "public_opinion",
                SIG.c.verification == "confirmed",
                sa.func.coalesce(SIG.c.verified_date, SIG.c.received_date) <= ctx.as_of,
                *ctx.in_county(SIG.c.county_code),
            )
            .order_by(SIG.c.id),
        ),
        "county_code",
    )
    progress = _progress(ctx)
    done = _done(ctx, ("listed_supervision",), ctx.campaign.start.replace(month=1, day=1))
    rows = progress.to_dict("records")
    relative = ctx.county is None and bool(rows)
    mean_open = sum(len(v) for v in open_major.values()) / len(rows) if relative else 0.0
    all_enterprises = sum(r["key_enterprises"] for r in rows)
    mean_rate = (
        100 * sum(r["hazards_found_to_date"] for r in rows) / all_enterprises
        if relative and all_enterprises
        else 0.0
    )
    out = []
    for r in rows:
        code = r["county_code"]
        why, records = [], {}
        n_open = len(open_major.get(code, ()))
        if n_open >= need_open and n_open >= times * mean_open:
            why.append(
                MESSAGES["open_major"].format(
                    what=tally(open_major[code], "条"),
                    n=n_open,
                    need=need_open,
                    mean=mean_open,
                    times=_num(times),
                )
            )
            records["hazards"] = ids(open_major[code], "id")
        if r["key_enterprises"]:
            density = 100 * r["hazards_found_to_date"] / r["key_enterprises"]
            if density >= need_rate and density >= times * mean_rate:
                why.append(
                    MESSAGES["density"].format(
                        rate=density, need=_num(need_rate), mean=mean_rate, times=_num(times)
                    )
                )
        if opinion.get(code):
            why.append(MESSAGES["opinion"].format(n=len(opinion[code])))
            records["risk_signals"] = ids(opinion[code], "id")
        if why and code not in done:
            out.append(
                _county_finding(ctx, "listed_supervision_county", code, "listed", "；".join(why), records)
            )
    return out


@rule(
    "county_interview_or_circular",
    "重视不足、整治不力的地区约谈、通报",
    "四、(二) 强化督促指导",
    "对于重视不足、整治不力的地区,采取约谈、通报等方式,压实属地监管责任",
)
def county_interview_or_circular(ctx: Context) -> list[RuleFinding]:
    """对于重视不足、整治不力的地区,采取约谈、通报等方式,压实属地监管责任.

    “Neglecting the work” is a county not on track at the as-of date (docs/rules.md “按期推进”). Fires
    for every such county, with the records behind the lag (key enterprises not self-checked, hazards
    not closed out). Done: an interview or circular of the county dated in the current stage's window
    (from the day after the previous stage ended) up to the as-of date.
    """
    progress = _progress(ctx)
    lagging = progress[~progress["on_track"]]
    if lagging.empty:
        return []
    done = _done(ctx, ("interview", "circular"), _current_window_start(ctx))
    out = []
    for r in lagging.to_dict("records"):
        if r["county_code"] in done:
            continue
        records = _behind_lag(ctx, r["county_code"], r["lagging_checks"])
        out.append(
            _county_finding(
                ctx,
                "county_interview_or_circular",
                r["county_code"],
                "lagging",
                r["lagging_reasons"],
                records,
            )
        )
    return out


def _behind_lag(ctx: Context, county: str, checks: list[str]) -> dict[str, tuple[int, ...]]:
    """The records behind a county's lag: its key enterprises without a self-check (coverage), its
    hazards of this campaign not closed out (close-out rate); a missing plan has no record."""
    records: dict[str, tuple[int, ...]] = {}
    if "coverage" in checks:
        sc = schema.self_checks
        checked = sa.exists().where(
            sc.c.enterprise_id == ENT.c.id, *self_check_counted(sc, ctx.campaign, ctx.as_of)
        )
        stmt = sa.select(ENT.c.id).where(ENT.c.county_code == county, key_enterprise(), sa.not_(checked))
        records["enterprises"] = tuple(ctx.conn.execute(stmt.order_by(ENT.c.id)).scalars())
    if "closure" in checks:
        led = ledger_at(ctx.as_of)
        stmt = sa.select(led.c.id).where(
            led.c.county_code == county,
            led.c.campaign_year == ctx.campaign.year,
            led.c.found_date >= ctx.campaign.window(ctx.as_of)[0],
            is_open(led),
        )
        records["hazards"] = tuple(ctx.conn.execute(stmt.order_by(led.c.id)).scalars())
    return records


def _progress(ctx: Context) -> pd.DataFrame:
    if "progress" not in ctx.cache:
        frame = county_progress(ctx.store, ctx.as_of, ctx.county)
        ctx.cache["progress"] = frame[frame["county_code"] != PREFECTURE_CODE]
    return ctx.cache["progress"]


def _current_window_start(ctx: Context) -> dt.date:
    starts = [window(ctx.campaign, ctx.as_of, s.no).start for s in ctx.campaign.stages]
    return max((s for s in starts if s <= ctx.as_of), default=ctx.campaign.start)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _county_finding(
    ctx: Context,
    rule_id: str,
    code: str,
    key: str,
    why: str,
    records: dict[str, tuple[int, ...]] | None = None,
) -> RuleFinding:
    name = ctx.county_name(code)
    return RuleFinding(
        rule=rule_id,
        county_code=code,
        subject=name,
        action=MESSAGES[f"{key}_action"],
        records=records or {},
        message=MESSAGES[key].format(county=name, why=why),
    )
