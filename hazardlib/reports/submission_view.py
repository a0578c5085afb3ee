"""The prefecture's view of a report deadline (报送与审核): every county's package state, on time or late
(working days), the difference between the figures a package froze and the figures the store gives today for
the same date, and the deadline's roll-up built from the approved packages beside the live one.

The live figures a package is compared with are the results list *at the date the package froze its
figures*: a record entered after the submission but dated on or before that date (a late correction) shows
as a difference; work dated after it does not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..store import PREFECTURE_CODE, Store
from ..submissions import STATES, deadline_of, packages, versions, working_days_late
from .definitions import RATES
from .extra import ordered_figures
from .results_list import results_frame, total_row, with_rates
from .scope import scope_for

VIEW_COLUMNS = [
    "county_code", "county_name", "state", "state_label", "version", "submitted_at", "submitted_by",
    "late_working_days", "reviewed_at", "reviewed_by", "figures_as_of", "changed_figures",
]  # fmt: skip
DIFF_COLUMNS = ["key", "label", "frozen", "live", "difference"]
NOT_SUBMITTED = "未报送"


def _live_row(store: Store, county: str, as_of: dt.date) -> dict[str, Any]:
    scope = scope_for(store, as_of, county)
    frame = results_frame(store, scope)
    return {str(k): v for k, v in frame.iloc[0].items()}


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def figure_diff(
    store: Store, frozen: dict[str, Any], county: str, as_of: dt.date, live: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Figure by figure: the frozen value, the live value at ``as_of`` (``live``: the county's results-list
    row at that date, when the caller has it) and the difference (live − frozen; None where either is
    missing). Rows in the results list's order."""
    live = live if live is not None else _live_row(store, county, as_of)
    rows = []
    for f in ordered_figures(scope_for(store, as_of, county).campaign):
        a, b = _plain(frozen.get(f.key)), _plain(live.get(f.key))
        diff = None if a is None or b is None else round(b - a, 1) if f.kind == "rate" else b - a
        rows.append(dict(key=f.key, label=f.header, frozen=a, live=b, difference=diff))
    return pd.DataFrame(rows, columns=DIFF_COLUMNS)


def package_diff(store: Store, county: str, deadline: dt.date) -> pd.DataFrame:
    """:func:`figure_diff` of the latest submitted version of the county's package (empty when there is none)."""
    rows = [v for v in versions(store, county, deadline) if v["figures"]]
    if not rows:
        return pd.DataFrame(columns=DIFF_COLUMNS)
    latest = rows[-1]
    return figure_diff(store, latest["figures"], county, latest["figures_as_of"])


def deadline_view(
    store: Store, deadline: dt.date, as_of: dt.date | None = None, *, diffs: bool = True
) -> pd.DataFrame:
    """One row per county the session sees (code order): its package state for ``deadline`` (未报送 when it
    has none), version, who submitted when, working days late (of the first submission still standing; for
    a package not submitted by ``as_of`` and past the deadline, the working days so far), who reviewed when,
    and — with ``diffs`` — how many figures differ from the live figures at the frozen date.

    Raises SubmissionError for a day that is not a deadline of the calendar."""
    deadline_of(deadline)
    day = as_of or dt.date.today()
    scope = scope_for(store, deadline)
    found = packages(store, deadline)
    # The live results list once per frozen date (most packages share a few), every county's row of it.
    live: dict[dt.date, dict[str, dict[str, Any]]] = {}
    rows = []
    for code in scope.codes:
        p = found.get(code)
        state = p["state"] if p else "none"
        first = p["first_submitted_at"] if p else None
        if first is not None:
            first = pd.Timestamp(first).to_pydatetime()
            late = working_days_late(deadline, first.date())
        else:
            late = working_days_late(deadline, day)
        changed = None
        if diffs and p is not None and p["figures"]:
            day_of = p["figures_as_of"]
            if day_of not in live:
                frame = results_frame(store, scope_for(store, day_of))
                live[day_of] = {
                    str(r["county_code"]): {str(k): v for k, v in r.items()} for r in frame.to_dict("records")
                }
            diff = figure_diff(store, p["figures"], code, day_of, live[day_of].get(code))
            changed = int((diff["difference"].fillna(0) != 0).sum())
        rows.append(
            dict(
                county_code=code,
                county_name=scope.regions.name_of(code),
                state=state,
                state_label=STATES.get(state, NOT_SUBMITTED),
                version=p["edition"] if p else None,
                submitted_at=p["submitted_at"] if p else None,
                submitted_by=p["submitted_by"] if p else None,
                late_working_days=late,
                reviewed_at=p["reviewed_at"] if p else None,
                reviewed_by=p["reviewed_by"] if p else None,
                figures_as_of=p["figures_as_of"] if p else None,
                changed_figures=changed,
            )
        )
    return pd.DataFrame(rows, columns=VIEW_COLUMNS, dtype=object)  # whole numbers stay whole beside None


@dataclass(frozen=True)
class Rollup:
    """A deadline's prefecture roll-up from the approved packages (one row per approved county, then the
    total), the counties without an approved package, and the live results list at the deadline."""

    deadline: dt.date
    approved: pd.DataFrame
    missing: tuple[str, ...]
    live: pd.DataFrame
    versions: dict[str, int]

    @property
    def missing_names(self) -> list[str]:
        """The names of the counties without an approved package, in code order."""
        names = dict(zip(self.live["county_code"], self.live["county_name"], strict=True))
        return [str(names.get(c, c)) for c in self.missing]


def rollup(store: Store, deadline: dt.date) -> Rollup:
    """The roll-up of ``deadline`` from the approved version of each county's package (its frozen figures,
    summed; rates recomputed from the sums) and the live prefecture results list at the deadline."""
    deadline_of(deadline)
    scope = scope_for(store, deadline)
    keys = [f.key for f in ordered_figures(scope.campaign)]
    live = results_frame(store, scope)
    approved: list[dict[str, Any]] = []
    used: dict[str, int] = {}
    for code, p in sorted(packages(store, deadline).items()):
        if p["state"] != "approved":
            continue
        approved.append({"county_code": code, "county_name": scope.regions.name_of(code), **p["figures"]})
        used[code] = int(p["edition"])
    frame = pd.DataFrame(approved, columns=["county_code", "county_name", *keys])
    if len(frame):
        counts = [k for k in keys if k not in RATES]
        frame[counts] = frame[counts].fillna(0).astype("int64")
        frame = with_rates(frame)[["county_code", "county_name", *keys]]
        total = total_row(frame, scope.regions.prefecture.name, PREFECTURE_CODE)
        frame = pd.concat([frame, total[["county_code", "county_name", *keys]]], ignore_index=True)
    missing = tuple(c for c in scope.codes if c not in used)
    return Rollup(deadline, frame, missing, live, used)


__all__ = ["Rollup", "deadline_view", "figure_diff", "package_diff", "rollup"]
