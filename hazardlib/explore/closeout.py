"""Will the campaign be finished by 31 October? Close-out over time, and a simple projection per county.

Counted as the tracker counts (:func:`hazardlib.stages.county_progress`): this campaign's hazards and
risks, for the county on the record, each in its state at the day (the ledger rebuilt from its moves),
so the last point of the series equals the tracker's ``close_out_rate`` at the as-of date.

The projection is deliberately simple — the pace of the current stage carried on to the campaign's
finish: hazards closed out per day and new ones found per day since the stage began (net of any reopened
by a look-back), extended to the finish day and compared with the close-out rate the campaign expects at
the end of stage 3 (parameter ``on_track_closure_rate_by_stage3_end``).
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import sqlalchemy as sa

from ..campaign import Campaign, campaign_at
from ..charts import Chart, line_chart
from ..figures import is_closed
from ..ledger import is_overdue, ledger_at
from ..reports import labels
from ..reports.scope import count_if, scope_for
from ..stages import window
from ..store import PREFECTURE_CODE, Store

SERIES_COLUMNS = ["day", "county_code", "county_name", "found", "closed", "open", "overdue", "close_out_rate"]
PROJECTION_COLUMNS = [
    "county_code", "county_name", "found", "closed", "open", "close_out_rate", "pace_from", "pace_days",
    "closed_per_week", "found_per_week", "days_left", "projected_rate", "target", "needed_per_week", "on_course",
    "clear_date", "verdict",
]  # fmt: skip

MESSAGES = {
    "on_course": "按当前进度，{finish}销号率约 {rate:.1f}%，可达到 {target:.0f}%",
    "short": "按当前进度，{finish}销号率约 {rate:.1f}%，低于 {target:.0f}%",
    "never": "新发现的隐患不少于销号的，未销号隐患不会减少",
    "clear": "；约 {day} 全部销号",
    "done": "已全部销号",
    "none": "本年度没有隐患",
    "before": "{day}行动尚未开始，无法预测",
    "series_title": "隐患销号率（%）",
    "projected": "预测",
    "finish": "{md}完成",
    "target": "应达到 {target:.0f}%",
}


def _md(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def _counts_at(store: Store, day: dt.date, year: int, codes: tuple[str, ...]) -> pd.DataFrame:
    """found, closed, overdue of campaign ``year`` per county at ``day``, indexed by county code."""
    led = ledger_at(day)
    stmt = (
        sa.select(
            led.c.county_code,
            sa.func.count().label("found"),
            count_if(is_closed(led)).label("closed"),
            count_if(is_overdue(led, day)).label("overdue"),
        )
        .where(led.c.campaign_year == year, led.c.county_code.in_(codes))
        .group_by(led.c.county_code)
    )
    with store.read() as conn:
        frame = pd.DataFrame(conn.execute(stmt).all(), columns=["county_code", "found", "closed", "overdue"])
    return frame.set_index("county_code").reindex(list(codes)).fillna(0).astype("int64")


def _with_total(frame: pd.DataFrame, single: bool) -> pd.DataFrame:
    if single:
        return frame
    total = frame.sum().to_frame(PREFECTURE_CODE).T
    return pd.concat([frame, total])


def _percent(num: float, den: float) -> float | None:
    return round(num * 100 / den, 1) if den else None


def closeout_series(
    store: Store, as_of: dt.date, county: str | None = None, *, step_days: int = 7
) -> pd.DataFrame:
    """Each county's close-out from the campaign's start to ``as_of``, every ``step_days`` days and on
    ``as_of`` itself; for the whole prefecture also its total (``county_code`` "522700").

    Columns: day, county_code, county_name, found (this campaign's hazards and risks found by the day),
    closed (closed out on the day), open, overdue, close_out_rate (closed ÷ found, percent, one decimal;
    None before the first hazard).
    """
    scope = scope_for(store, as_of, county)
    campaign = campaign_at(scope.as_of)
    days = []
    day = campaign.start
    while day < scope.as_of:
        days.append(day)
        day += dt.timedelta(days=step_days)
    days.append(scope.as_of)
    parts = []
    for day in days:
        counts = _with_total(_counts_at(store, day, campaign.year, scope.codes), scope.county is not None)
        parts.append(counts.rename_axis("county_code").reset_index().assign(day=day))
    frame = pd.concat(parts, ignore_index=True)
    frame["open"] = frame["found"] - frame["closed"]
    frame["close_out_rate"] = [_percent(c, f) for c, f in zip(frame["closed"], frame["found"], strict=True)]
    frame["county_name"] = labels.county(frame["county_code"])
    return frame[SERIES_COLUMNS]


def pace_start(campaign: Campaign, as_of: dt.date) -> dt.date:
    """The first day the projection takes its pace from (through ``as_of``): the current stage's start
    (between two stages, the day after the last one ended; after the last stage, its start)."""
    status = campaign.stage_of(as_of)
    if status.stage is not None:
        no = status.stage.no
    elif status.between and status.between[1] is not None:
        no = status.between[1].no
    else:
        no = campaign.stages[-1].no
    return window(campaign, as_of, no).start


def closeout_projection(store: Store, as_of: dt.date, county: str | None = None) -> pd.DataFrame:
    """Each county's close-out at ``as_of`` carried on at its current pace to the campaign's finish
    (31 October in 2024); for the whole prefecture also its total (``county_code`` "522700").

    Columns: county_code, county_name, found, closed, open, close_out_rate (percent); pace_from and
    pace_days (from :func:`pace_start` through ``as_of``); closed_per_week and found_per_week over that window;
    days_left (after ``as_of`` to the finish); projected_rate (percent at the finish: closed plus the
    pace times days_left, over found plus new finds at their pace, at most 100); target (percent, the
    campaign parameter ``on_track_closure_rate_by_stage3_end``); needed_per_week (close-outs a week from
    now on that would reach the target, new finds continuing at their pace; None on the finish day or
    after); on_course (projected_rate ≥ target);
    clear_date (when nothing would be left open at the net pace; None if never); verdict (Chinese).
    """
    scope = scope_for(store, as_of, county)
    campaign = campaign_at(scope.as_of)
    if scope.as_of < campaign.start:
        raise ValueError(MESSAGES["before"].format(day=scope.as_of))
    start, end = pace_start(campaign, scope.as_of), scope.as_of
    single = scope.county is not None
    now = _with_total(_counts_at(store, end, campaign.year, scope.codes), single)
    before = _with_total(_counts_at(store, start - dt.timedelta(days=1), campaign.year, scope.codes), single)
    pace_days = (end - start).days + 1
    days_left = max(0, (campaign.finish - end).days)
    target = float(campaign.parameter("on_track_closure_rate_by_stage3_end")) * 100
    earlier = before.to_dict("index")
    rows = []
    for code, r in now.to_dict("index").items():
        found, closed = int(r["found"]), int(r["closed"])
        closed_rate = max(0.0, (closed - int(earlier[code]["closed"])) / pace_days)
        found_rate = max(0.0, (found - int(earlier[code]["found"])) / pace_days)
        future_found = found + found_rate * days_left
        future_closed = min(future_found, closed + closed_rate * days_left)
        projected = _percent(future_closed, future_found)
        clear = _clear_date(end, found - closed, closed_rate - found_rate)
        needed = max(0.0, target / 100 * future_found - closed)
        rows.append(
            {
                "county_code": code,
                "found": found,
                "closed": closed,
                "open": found - closed,
                "close_out_rate": _percent(closed, found),
                "pace_from": start,
                "pace_days": pace_days,
                "closed_per_week": round(closed_rate * 7, 1),
                "found_per_week": round(found_rate * 7, 1),
                "days_left": days_left,
                "projected_rate": projected,
                "target": target,
                "needed_per_week": round(needed * 7 / days_left, 1) if days_left else None,
                "on_course": projected is None or projected >= target,
                "clear_date": clear,
                "verdict": _verdict(campaign, found, closed, projected, target, clear),
            }
        )
    frame = pd.DataFrame(rows)
    frame["county_name"] = labels.county(frame["county_code"])
    return frame[PROJECTION_COLUMNS]


def _clear_date(day: dt.date, open_: int, net_per_day: float) -> dt.date | None:
    if open_ <= 0:
        return day
    if net_per_day <= 0:
        return None
    return day + dt.timedelta(days=math.ceil(open_ / net_per_day))


def _verdict(
    campaign: Campaign, found: int, closed: int, projected: float | None, target: float, clear: dt.date | None
) -> str:
    if found == 0:
        return MESSAGES["none"]
    if closed >= found:
        return MESSAGES["done"]
    words = {"finish": _md(campaign.finish), "rate": projected or 0.0, "target": target}
    text = MESSAGES["on_course" if (projected or 0) >= target else "short"].format(**words)
    if clear is None:
        return f"{text}；{MESSAGES['never']}"
    return text + MESSAGES["clear"].format(day=clear)


def closeout_chart(
    series: pd.DataFrame, projection: pd.DataFrame, counties: list[str] | None = None, *, title: str = ""
) -> Chart:
    """The close-out rate over time (:func:`closeout_series`) of ``counties`` (codes; default every row of
    ``projection``), each continued by a dashed line to its projected rate at the finish, with the target
    as a red line and the finish day marked."""
    codes = counties or list(projection["county_code"])
    finish = series["day"].max() + dt.timedelta(days=int(projection["days_left"].max()))
    past = series[series["county_code"].isin(codes)].assign(projected=False)
    ahead = []
    for r in projection[projection["county_code"].isin(codes)].itertuples(index=False):
        last_day = series["day"].max()
        for day, value in ((last_day, r.close_out_rate), (finish, r.projected_rate)):
            ahead.append({"day": day, "county_code": r.county_code, "county_name": r.county_name,
                          "close_out_rate": value, "projected": True})  # fmt: skip
    frame = pd.concat([past, pd.DataFrame(ahead)], ignore_index=True)
    order = {code: i for i, code in enumerate(codes)}
    frame = frame.sort_values(
        ["county_code", "day"], key=lambda s: s.map(order) if s.name == "county_code" else s
    )
    target = float(projection["target"].iloc[0])
    return line_chart(
        frame,
        "day",
        "close_out_rate",
        by="county_name",
        dashed="projected",
        dashed_label=MESSAGES["projected"],
        title=title or MESSAGES["series_title"],
        unit="%",
        reference=(target, MESSAGES["target"].format(target=target)),
        marks=[(finish, MESSAGES["finish"].format(md=_md(finish)))],
    )
