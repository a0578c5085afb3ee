"""The governance rules' findings (what must happen next) as a table, for a notebook to filter and count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from ..reports import labels
from ..rules import RULES, run_all, run_rule
from ..store import Store

FINDING_COLUMNS = [
    "rule", "title", "county_code", "county_name", "subject", "enterprise_id", "action", "due", "message",
]  # fmt: skip


def findings(
    store: Store, as_of: dt.date, county: str | None = None, rules: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """The findings of every rule (or of ``rules``, one id or several) at ``as_of``, one row each, in the
    rules' order. Columns: :data:`FINDING_COLUMNS` (``title``: the rule's Chinese name; ``due``: None
    when the plan sets no date). KeyError for an unknown rule id."""
    if rules is None:
        found = run_all(store, as_of, county)
    else:
        wanted = [rules] if isinstance(rules, str) else list(rules)
        found = [f for rule_id in wanted for f in run_rule(rule_id, store, as_of, county)]
    frame = pd.DataFrame([f.to_dict() for f in found], columns=[*FINDING_COLUMNS, "records"])
    # pandas keeps the ISO texts as strings and a missing one as NaN (truthy): only a text is a date.
    frame["due"] = [dt.date.fromisoformat(d) if isinstance(d, str) and d else None for d in frame["due"]]
    frame["title"] = frame["rule"].map({k: r.title for k, r in RULES.items()})
    frame["county_name"] = labels.county(frame["county_code"])
    return frame[FINDING_COLUMNS]
