"""The reminder the landing page's to-do list and the tracker show: the next report deadline of the calendar and where the
session's package stands (a county), or how many counties stand where (the prefecture); and an earlier
deadline whose package is still missing or was returned.

Plain queries through :mod:`hazardlib.submissions` (no pandas: the tracker paints before it loads pandas).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from ..campaign import ReportDeadline, campaign_at
from ..errors import CampaignNotFound
from ..regions import load_regions
from ..store import Store
from ..submissions import STATES, packages, working_days_late
from .ui import esc

NOT_SUBMITTED = "未报送"
ORDER = ("approved", "submitted", "returned", "draft", "none")


def _md(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def _state(store: Store, deadline: dt.date) -> dict[str, str]:
    """Each county's package state for ``deadline`` (``none`` when it has none), for the counties the session sees."""
    found = packages(store, deadline)
    codes = [store.county] if store.county else [c.code for c in load_regions().counties]
    return {code: found[code]["state"] if code in found else "none" for code in codes}


def _label(state: str) -> str:
    return STATES.get(state, NOT_SUBMITTED)


def _line(store: Store, d: ReportDeadline, as_of: dt.date, upcoming: bool) -> str:
    states = _state(store, d.day)
    items = "、".join(d.items)
    if upcoming:
        days = (d.day - as_of).days
        when = "今天" if days == 0 else f"还有 {days} 天"
        head = f"下一个报送期限：{_md(d.day)}前报送{items}（{when}）"
    else:
        late = working_days_late(d.day, as_of)
        head = f"{_md(d.day)}的报送（已过期限 {late} 个工作日）"
    if store.county is not None:
        return f"{head}；本县（市）材料：<b>{esc(_label(states[store.county]))}</b>"
    tally = Counter(states.values())
    parts = "、".join(f"{_label(s)} {tally[s]}" for s in ORDER if tally[s])
    return f"{head}；各县（市）：{esc(parts)}"


LINK = '<a class="hz-link hz-reminder-link" href="submissions.ipynb" target="_top">前往报送与审核</a>'


def reminder_lines(store: Store, as_of: dt.date) -> list[str]:
    """The reminder's lines as HTML (none without a calendar for ``as_of``'s year): each earlier deadline of
    the year at which the session's package (or some county's) is missing or returned, then the next one."""
    try:
        campaign = campaign_at(as_of)
    except CampaignNotFound:
        return []
    lines = []
    for d in campaign.deadlines:
        if d.day < as_of and {"none", "draft", "returned"} & set(_state(store, d.day).values()):
            lines.append(_line(store, d, as_of, upcoming=False))
    upcoming = next((d for d in campaign.deadlines if d.day >= as_of), None)
    if upcoming is not None:
        lines.append(_line(store, upcoming, as_of, upcoming=True))
    return lines


def reminder_html(store: Store, as_of: dt.date) -> str:
    """The reminder as HTML (empty without a calendar for ``as_of``'s year): :func:`reminder_lines` and a
    link to the page where packages are submitted."""
    lines = reminder_lines(store, as_of)
    if not lines:
        return ""
    items = "".join(f"<li>{line}</li>" for line in lines)
    return f'<div class="hz-reminder"><ul>{items}</ul>{LINK}</div>'
