"""Where the campaign stands at a date, the window a progress row covers, and the counties a question is about."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..campaign import Campaign, campaign_at
from ..regions import load_regions
from ..store import PREFECTURE_CODE, Store


def stage_status(as_of: dt.date) -> dict[str, Any]:
    """Where ``as_of`` falls: the stage (or the two it lies between), days left, next report deadline."""
    campaign = campaign_at(as_of)
    st = campaign.stage_of(as_of)
    deadline = None
    if st.next_deadline is not None:
        deadline = {
            "day": st.next_deadline.day.isoformat(),
            "items": list(st.next_deadline.items),
            "days_left": st.days_to_deadline,
            "label": st.deadline_label,
        }
    return {
        "campaign_year": campaign.year,
        "title": campaign.title,
        "no": st.stage.no if st.stage else None,
        "name": st.stage.name if st.stage else None,
        "between": [s.no if s else None for s in st.between] if st.between else None,
        "days_left": st.days_left,
        "next_stage_start": st.next_stage_start.isoformat() if st.next_stage_start else None,
        "next_deadline": deadline,
        "finished": st.finished,
        "label": st.label,
    }


@dataclass(frozen=True)
class Window:
    """The dates a progress row covers: flows are counted from ``start`` to ``end``, stocks at ``end``."""

    stage: int | None
    start: dt.date
    end: dt.date


def window(campaign: Campaign, as_of: dt.date, stage: int | None = None) -> Window:
    """The window of ``stage`` (None: the campaign so far), cut at ``as_of``.

    Stage 1 starts with the campaign; each later stage takes over the day after the previous one ends
    (days between two stages belong to the next one).
    """
    if stage is None:
        return Window(None, campaign.start, max(as_of, campaign.start))
    stages = list(campaign.stages)
    index = next((i for i, s in enumerate(stages) if s.no == stage), None)
    if index is None:
        raise ValueError(f"{campaign.year}年行动没有第{stage}阶段")
    start = campaign.start if index == 0 else stages[index - 1].end + dt.timedelta(days=1)
    return Window(stage, start, min(stages[index].end, max(as_of, start)))


def county_codes(store: Store, county: str | None) -> list[str]:
    """The county codes a figure is counted for: ``county`` (checked), else the store's own county, else all
    twelve (the prefecture and an unscoped store)."""
    wanted = county if county not in (None, "", PREFECTURE_CODE) else store.county
    if wanted:
        load_regions().county(wanted)
        return [wanted]
    return [c.code for c in load_regions().counties]
