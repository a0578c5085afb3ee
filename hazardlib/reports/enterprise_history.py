"""One enterprise's history across campaign years: its inspections, findings, spot checks, interviews,
cases and help, oldest first — one history, whichever campaign each record belongs to (issue 22: in 2025
an enterprise's 2024 major findings stand next to its 2025 ones, as special supervision counts them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import sqlalchemy as sa

from .. import schema, vocab
from ..store import Store
from . import labels

HISTORY_COLUMNS = ["date", "campaign_year", "record", "record_label", "detail", "record_id"]


def _name(codes: Callable[[pd.Series], pd.Series], code: Any) -> str:
    return str(codes(pd.Series([code])).iloc[0]) if code else ""


def _words(words: vocab.Vocabulary, code: Any) -> str:
    return words.labels.get(code, "") if code else ""


def _inspection(r: Mapping[str, Any]) -> str:
    return f"{_words(vocab.FIELD, r['field'])}，{_name(labels.sub_product, r['sub_product_code'])}"


def _hazard(r: Mapping[str, Any]) -> str:
    what = f"{_words(vocab.GRADE, r['grade'])}{_words(vocab.FINDING_KIND, r['kind'])}"
    return f"{what}：{_name(labels.problem, r['problem_code'])}（{_name(labels.sub_product, r['sub_product_code'])}）"


def _spot_check(r: Mapping[str, Any]) -> str:
    product = _name(labels.sub_product, r["sub_product_code"])
    return f"{product}，{_words(vocab.SPOT_RESULT, r['result'])}（抽样单编号 {r['batch_no']}）"


def _interview(r: Mapping[str, Any]) -> str:
    return str(r["reason"] or "")


def _case(r: Mapping[str, Any]) -> str:
    return f"{_words(vocab.VIOLATION, r['violation'])}（{r['case_no'] or '未编号'}）"


def _help(r: Mapping[str, Any]) -> str:
    return _words(vocab.HELP_KIND, r["kind"])


S = schema.spot_checks
# Per table: its label, its deciding date, the columns its detail reads and how the detail is written.
PARTS: dict[str, tuple[str, str, tuple[str, ...], Callable[[Mapping[str, Any]], str]]] = {
    "inspections": ("现场检查", "inspection_date", ("field", "sub_product_code"), _inspection),
    "hazards": (
        "发现隐患、风险",
        "found_date",
        ("grade", "kind", "problem_code", "sub_product_code"),
        _hazard,
    ),
    "spot_checks": ("监督抽查", "sample_date", ("sub_product_code", "result", "batch_no"), _spot_check),
    "interviews": ("约谈", "held_date", ("reason",), _interview),
    "enforcement_cases": ("立案查处", "filed_date", ("violation", "case_no"), _case),
    "help_records": ("质量帮扶", "help_date", ("kind",), _help),
}


def enterprise_history(store: Store, enterprise_id: int, as_of: dt.date | None = None) -> pd.DataFrame:
    """Every record about the enterprise dated on or before ``as_of`` (every one when None), of every
    campaign year, oldest first (a spot check: as the sampled enterprise, the producer or the seller).
    Columns: :data:`HISTORY_COLUMNS` (``record``: the table; ``record_label`` and ``detail``: Chinese).
    A county session sees its county's records only."""
    rows: list[dict[str, Any]] = []
    with store.read() as conn:
        for name, (label, date_column, columns, detail) in PARTS.items():
            table = schema.metadata.tables[name]
            about = (
                sa.or_(*(S.c[c] == enterprise_id for c in ("enterprise_id", "producer_id", "seller_id")))
                if name == "spot_checks"
                else table.c.enterprise_id == enterprise_id
            )
            day = table.c[date_column]
            stmt = sa.select(
                table.c.id, table.c.campaign_year, day.label("date"), *(table.c[c] for c in columns)
            )
            stmt = stmt.where(about, *([] if as_of is None else [day <= as_of]))
            for r in conn.execute(store.scoped(stmt, table)).mappings():
                rows.append(
                    {
                        "date": r["date"],
                        "campaign_year": r["campaign_year"],
                        "record": name,
                        "record_label": label,
                        "detail": detail(dict(r)),
                        "record_id": r["id"],
                    }
                )
    frame = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    order = {name: i for i, name in enumerate(PARTS)}
    frame["_order"] = frame["record"].map(order)
    frame = frame.sort_values(["date", "_order", "record_id"], kind="stable").drop(columns="_order")
    return frame.reset_index(drop=True)


UNITS = {
    "inspections": "次",
    "hazards": "项",
    "spot_checks": "批次",
    "interviews": "次",
    "enforcement_cases": "件",
    "help_records": "次",
}


def history_line(history: pd.DataFrame) -> str:
    """The history in one line, year by year, e.g. “2024年：现场检查 2 次、发现隐患、风险 2 项（重大 2）；
    2025年：…” (empty when there is none): what the enterprise page shows under its name."""
    years = []
    for year, rows in history.groupby("campaign_year", sort=True):
        parts = []
        for name, (label, *_rest) in PARTS.items():
            mine = rows[rows["record"] == name]
            if mine.empty:
                continue
            part = f"{label} {len(mine)} {UNITS[name]}"
            if name == "hazards":
                majors = int(mine["detail"].str.startswith("重大").sum())
                part += f"（重大 {majors}）" if majors else ""
            parts.append(part)
        years.append(f"{year}年：{'、'.join(parts)}")
    return "；".join(years)
