"""The county comparison for the prefecture: each county's progress, rates and the oversight findings of
the governance engine, side by side (四、(二) 强化督促指导 — completion feeds the counties' assessment).

Progress (plan adopted, self-check coverage, on track) comes from :func:`hazardlib.stages.county_progress`,
the findings from :func:`hazardlib.rules.run_all`; the counts and rates are those of the results list.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from .. import schema, vocab
from ..rules import RULES, is_to_do, run_all
from ..stages import county_progress
from ..store import PREFECTURE_CODE, Store
from .results_list import results_frame
from .scope import Scope, rate, scope_for

OVERSIGHT_RULES = ("listed_supervision_county", "county_interview_or_circular")

COMPARISON_COLUMNS = [
    "county_code", "county_name", "key_enterprises", "plan_adopted", "self_check_coverage",
    "producers_inspected", "sellers_inspected", "hazards_found", "hazards_per_100_enterprises",
    "hazards_closed", "closure_rate", "hazards_overdue", "spot_check_batches", "spot_checks_production",
    "spot_checks_circulation", "spot_checks_online", "spot_checks_rural_market", "unqualified_rate",
    "enterprises_interviewed", "cases_filed", "enterprises_helped", "on_track", "lagging_reasons",
    "open_findings", "findings_by_rule", "oversight_suggested", "oversight_taken",
]  # fmt: skip


def _summaries(frame: pd.DataFrame) -> pd.DataFrame:
    """Per ``county_code`` of ``frame`` (rule, action): the number of findings and the count of each rule."""
    counts = frame.groupby(["county_code", "rule"]).size().rename("n").reset_index()
    titles = counts["rule"].map({k: r.title for k, r in RULES.items()}).fillna(counts["rule"])
    counts["text"] = titles + " " + counts["n"].astype(str) + " 项"
    counts = counts.sort_values(["county_code", "n"], ascending=[True, False])
    oversight = frame[frame["rule"].isin(OVERSIGHT_RULES)].drop_duplicates(["county_code", "action"])
    return pd.DataFrame(
        {
            "open_findings": frame.groupby("county_code").size(),
            "findings_by_rule": counts.groupby("county_code")["text"].agg("；".join),
            "oversight_suggested": oversight.groupby("county_code")["action"].agg("、".join),
        }
    )


def _findings(store: Store, scope: Scope) -> pd.DataFrame:
    """The governance engine's findings per county; the prefecture row sums every finding, the
    prefecture's own (tasks waiting on the prefecture to pass on) included."""
    # 重点监管 and 特别监管 are standing classes an enterprise is in, not pending items (docs/rules.md).
    found = [f for f in run_all(store, scope.as_of, scope.county) if is_to_do(f)]
    frame = pd.DataFrame(
        [(f.county_code, f.rule, f.action) for f in found], columns=["county_code", "rule", "action"]
    )
    counties = _summaries(frame[frame["county_code"].isin(scope.codes)])
    everything = _summaries(frame.assign(county_code=PREFECTURE_CODE)).drop(columns="oversight_suggested")
    out = pd.concat([counties, everything]) if scope.county is None else counties
    out = out.reindex([*scope.codes, PREFECTURE_CODE] if scope.county is None else list(scope.codes))
    out["open_findings"] = out["open_findings"].fillna(0).astype("int64")
    return out.fillna("")


def _oversight_taken(store: Store, scope: Scope) -> pd.Series:
    """Per county, the prefecture's actions in the window and where the county's written response stands."""
    ov = schema.county_oversight
    cols = ["county_code", "kind", "action_date", "number", "due_date", "response_date"]
    stmt = (
        sa.select(*[ov.c[c] for c in cols])
        .where(scope.county_filter(ov.c.county_code), scope.within(ov.c.action_date))
        .order_by(ov.c.county_code, ov.c.action_date)
    )
    with store.read() as conn:
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
    text: dict[str, list[str]] = {}
    for r in rows:
        answered = r["response_date"] is not None and r["response_date"] <= scope.as_of
        state = (
            f"已书面回复 {r['response_date']}"
            if answered
            else (f"待书面回复，期限 {r['due_date']}" if r["due_date"] else "")
        )
        item = f"{r['action_date']} {vocab.OVERSIGHT_KIND.label(r['kind'])}{r['number'] or ''}"
        text.setdefault(r["county_code"], []).append(f"{item}（{state}）" if state else item)
    return pd.Series({k: "；".join(v) for k, v in text.items()}, dtype="object")


def comparison_frame(store: Store, scope: Scope) -> pd.DataFrame:
    """:func:`county_comparison` for an already resolved scope."""
    figures = results_frame(store, scope).set_index("county_code")
    progress = county_progress(store, scope.as_of, scope.county).set_index("county_code")
    out = figures[[c for c in COMPARISON_COLUMNS if c in figures.columns]].copy()
    out["key_enterprises"] = progress["key_enterprises"].reindex(out.index).fillna(0).astype("int64")
    out["plan_adopted"] = progress["plan_adopted"].reindex(out.index).fillna(False).astype(bool)
    coverage = progress["self_check_coverage"].reindex(out.index)
    out["self_check_coverage"] = [None if pd.isna(v) else round(float(v) * 100, 1) for v in coverage]
    out["on_track"] = progress["on_track"].reindex(out.index).fillna(True).astype(bool)
    out["lagging_reasons"] = progress["lagging_reasons"].reindex(out.index).fillna("")
    out["hazards_per_100_enterprises"] = [
        None if not k else round(h * 100 / k, 1)
        for h, k in zip(out["hazards_found"], out["key_enterprises"], strict=True)
    ]
    out = out.join(_findings(store, scope), how="left")
    out["oversight_taken"] = _oversight_taken(store, scope).reindex(out.index).fillna("")
    if PREFECTURE_CODE in out.index:
        out.loc[PREFECTURE_CODE, "oversight_taken"] = ""
        total = out.loc[PREFECTURE_CODE]
        out.loc[PREFECTURE_CODE, "self_check_coverage"] = _coverage_total(progress)
        out.loc[PREFECTURE_CODE, "hazards_per_100_enterprises"] = rate(
            total["hazards_found"], total["key_enterprises"]
        )
    return out.reset_index()[COMPARISON_COLUMNS]


def _coverage_total(progress: pd.DataFrame) -> float | None:
    if PREFECTURE_CODE not in progress.index:
        return None
    row = progress.loc[PREFECTURE_CODE]
    return rate(row["self_checked"], row["key_enterprises"])


def county_comparison(store: Store, as_of: dt.date | None = None, county: str | None = None) -> pd.DataFrame:
    """Each county's progress, rates and oversight findings at ``as_of``, then the prefecture total.

    Columns: :data:`COMPARISON_COLUMNS` (coverage and rates in percent with one decimal, None where the
    denominator is 0; ``open_findings`` counts the governance engine's to-dos for the county — the
    standing classes 重点监管 and 特别监管 are states, not pending items, and are left out —
    ``oversight_suggested`` the oversight it proposes for the county itself, ``oversight_taken`` the
    oversight the prefecture recorded).
    """
    return comparison_frame(store, scope_for(store, as_of, county))
