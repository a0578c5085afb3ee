"""What the stage summary (阶段性工作总结, due 20 August) and the work summary (工作总结, due 20 October)
hold: the unit's results-list figures, progress against each stage, the notable problems by product
category and field, and the typical cases. The Word drafts are written by :mod:`hazardlib.exports.docx`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
import sqlalchemy as sa

from .. import vocab
from ..checklists import load_problems
from ..figures import is_closed
from ..ledger import ledger_at
from ..schema import enterprises
from ..stages import county_progress
from ..store import Store
from . import labels
from .extra import figures_for, ordered_figures
from .ledgers import ledger_frame
from .results_list import results_frame
from .scope import Scope, scope_for
from .typical_cases import cases_frame

SummaryKind = Literal["stage", "work"]

DOCUMENT = {"stage": "阶段性工作总结", "work": "工作总结"}

PROBLEM_COLUMNS = [
    "category_code", "category_name", "field", "field_label", "hazards", "major", "larger", "general",
    "closed", "problems",
]  # fmt: skip

STAGE_COLUMNS = [
    "no", "title", "start", "end", "status", "self_checks", "self_check_coverage", "inspections",
    "hazards_found", "hazards_closed", "open_hazards", "overdue_hazards", "on_track", "lagging_reasons",
]  # fmt: skip


@dataclass
class Summary:
    """The figures a summary holds, for one county or the prefecture, as of a date."""

    kind: SummaryKind
    scope: Scope
    due: dt.date | None
    figures: dict[str, Any]
    stages: pd.DataFrame
    problems: pd.DataFrame
    cases: pd.DataFrame
    unrectified: pd.DataFrame
    extra_labels: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """E.g. 都匀市2024年重点工业产品质量安全隐患排查治理行动阶段性工作总结."""
        return f"{self.scope.unit_name}{self.scope.campaign.title}{DOCUMENT[self.kind]}"

    def to_dict(self) -> dict[str, Any]:
        """The summary's figures as JSON-ready values (the JSON export of a summary)."""
        return {
            "document": DOCUMENT[self.kind],
            "title": self.title,
            "county_code": self.scope.unit_code,
            "county_name": self.scope.unit_name,
            "as_of": self.scope.as_of.isoformat(),
            "due": self.due.isoformat() if self.due else None,
            "figures": self.figures,
            "stages": records(self.stages),
            "problems": records(self.problems),
            "typical_cases": records(self.cases),
            "unrectified_hazards": len(self.unrectified),
            "overdue_hazards": int(self.unrectified["overdue"].sum()) if len(self.unrectified) else 0,
        }


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain JSON-ready dicts: dates as ISO text, NaN as None, numpy scalars as Python ones."""
    out = []
    for row in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        out.append({str(k): _plain(v) for k, v in row.items()})
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | pd.Timestamp):
        return value.isoformat()[:10] if not isinstance(value, dt.datetime) else value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def _due(scope: Scope, kind: SummaryKind) -> dt.date | None:
    name = DOCUMENT[kind]
    return next((d.day for d in scope.campaign.deadlines if name in d.items), None)


def _stages(store: Store, scope: Scope) -> pd.DataFrame:
    rows = []
    for stage in scope.campaign.stages:
        status = (
            "未开始" if scope.as_of < stage.start else ("已结束" if scope.as_of > stage.end else "进行中")
        )
        row: dict[str, Any] = dict.fromkeys(STAGE_COLUMNS)
        row.update(no=stage.no, title=stage.title, start=stage.start, end=stage.end, status=status)
        if status != "未开始":
            progress = county_progress(store, scope.as_of, scope.county, stage=stage.no)
            p = progress[progress["county_code"] == scope.unit_code].iloc[0]
            coverage = p["self_check_coverage"]
            row.update(
                self_checks=int(p["self_checks_in_window"]),
                self_check_coverage=None if pd.isna(coverage) else round(float(coverage) * 100, 1),
                inspections=int(p["inspections"]),
                hazards_found=int(p["hazards_found"]),
                hazards_closed=int(p["hazards_closed"]),
                open_hazards=int(p["open_hazards"]),
                overdue_hazards=int(p["overdue_hazards"]),
                on_track=bool(p["on_track"]),
                lagging_reasons=str(p["lagging_reasons"]),
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=STAGE_COLUMNS, dtype=object)


def _problems(store: Store, scope: Scope) -> pd.DataFrame:
    """Hazards found in the window by product category and field, with their most frequent problems."""
    led = ledger_at(scope.as_of)
    e = enterprises.alias("e_problems")
    stmt = (
        sa.select(
            led.c.category_code,
            led.c.problem_code,
            sa.func.count().label("hazards"),
            *(sa.func.sum(sa.case((led.c.grade == g, 1), else_=0)).label(g) for g in vocab.GRADE.codes),
            sa.func.sum(sa.case((is_closed(led), 1), else_=0)).label("closed"),
        )
        .select_from(led.join(e, e.c.id == led.c.enterprise_id))
        .where(led.c.kind == "hazard", scope.within(led.c.found_date), scope.county_filter(e.c.county_code))
        .group_by(led.c.category_code, led.c.problem_code)
    )
    with store.read() as conn:
        result = conn.execute(stmt)
        frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    if frame.empty:
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    fields = {p.code: p.field for p in load_problems()}
    frame["field"] = frame["problem_code"].map(fields).fillna("production")
    frame["problem_text"] = labels.problem(frame["problem_code"]) + " " + frame["hazards"].astype(str) + " 项"
    frame = frame.sort_values("hazards", ascending=False)
    keys = ["category_code", "field"]
    out = frame.groupby(keys)[["hazards", *vocab.GRADE.codes, "closed"]].sum()
    out["problems"] = frame.groupby(keys)["problem_text"].agg(lambda s: "、".join(s.head(3)))
    out = out.reset_index().sort_values(["hazards", "category_code"], ascending=[False, True])
    out["category_name"] = labels.category(out["category_code"])
    out["field_label"] = labels.vocabulary(out["field"], vocab.FIELD)
    return out.reindex(columns=PROBLEM_COLUMNS).reset_index(drop=True)


def summary(
    store: Store, kind: SummaryKind, as_of: dt.date | None = None, county: str | None = None
) -> Summary:
    """The figures of a stage summary (``kind`` "stage") or work summary ("work") at ``as_of``."""
    scope = scope_for(store, as_of, county)
    figures_row = results_frame(store, scope)
    row = figures_row[figures_row["county_code"] == scope.unit_code].iloc[0]
    keys = [f.key for f in ordered_figures(scope.campaign)]
    figures = {k: _plain(row[k]) if row[k] is not None else None for k in keys}
    return Summary(
        kind=kind,
        scope=scope,
        due=_due(scope, kind),
        figures=figures,
        stages=_stages(store, scope),
        problems=_problems(store, scope),
        cases=cases_frame(store, scope),
        unrectified=ledger_frame(store, scope, kind="hazard", open_only=True, history=False),
        extra_labels={f.key: f.header for f in figures_for(scope.campaign)},
    )


def stage_summary(store: Store, as_of: dt.date | None = None, county: str | None = None) -> Summary:
    """The figures of the stage summary (阶段性工作总结) for a county or the prefecture."""
    return summary(store, "stage", as_of, county)


def work_summary(store: Store, as_of: dt.date | None = None, county: str | None = None) -> Summary:
    """The figures of the work summary (工作总结) for a county or the prefecture."""
    return summary(store, "work", as_of, county)
