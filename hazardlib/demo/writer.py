"""Writing the demo into the store: plain rows in bulk, links filled in as ids become known, a sample
of every kind proved valid by the models, and the old demo cleared on replacement."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from .. import models, schema
from ..errors import Finding, ValidationFailed
from ..store import Tx
from ..vocab import clean_text
from .rows import Block, Row
from .world import Profile

# Insertion order: a row's links point to earlier tables, or are filled in by an update afterwards.
ORDER = (
    "self_checks", "risk_control_items", "inspections", "spot_checks", "hazards", "hazard_events",
    "instruments", "interviews", "tracing_tasks", "tracing_passes", "enforcement_cases", "risk_signals", "help_records",
    "county_plans", "county_oversight", "local_reports", "immediate_reports", "written_reports",
)  # fmt: skip

MODELS: dict[str, type[BaseModel]] = {
    "enterprises": models.Enterprise,
    "self_checks": models.SelfCheck,
    "inspections": models.Inspection,
    "hazards": models.Hazard,
    "instruments": models.Instrument,
    "interviews": models.Interview,
    "spot_checks": models.SpotCheck,
    "enforcement_cases": models.EnforcementCase,
    "risk_signals": models.RiskSignal,
    "help_records": models.HelpRecord,
    "county_plans": models.CountyPlan,
    "county_oversight": models.CountyOversight,
    "local_reports": models.LocalReport,
    "written_reports": models.WrittenReport,
}
MISMATCH = "演示数据生成器的记录与模型规范化后的值不一致（{field}：{ours!r} ≠ {theirs!r}）"


class Writer:
    """Inserts blocks of demo rows in one transaction; ``stride`` n validates every n-th row of a kind."""

    def __init__(self, tx: Tx, stride: int):
        self.tx, self.stride = tx, max(1, stride)
        self.counts: Counter[str] = Counter()
        self._seen: Counter[str] = Counter()

    def enterprises(self, chunk: Sequence[tuple[Profile, dict[str, Any]]]) -> None:
        rows = [Row("enterprises", _normalised("enterprises", values)) for _, values in chunk]
        for row in rows:
            self._check(row, None)
        ids = self.tx.insert_many(schema.enterprises, [r.values for r in rows], audit="summary")
        for (profile, _), i in zip(chunk, sorted(ids), strict=True):
            profile.id = i
        self.counts["enterprises"] += len(rows)

    def write(self, block: Block) -> None:
        """Every row of ``block``, table by table; links to later tables are set by one update each."""
        pending: dict[tuple[str, str], list[dict[str, int]]] = defaultdict(list)
        linked = {id(t) for rows in block.rows.values() for r in rows for t in r.refs.values()}
        for name in ORDER:
            remaining = block.rows.get(name, [])
            table = schema.metadata.tables[name]
            while remaining:
                wave = [
                    r for r in remaining if all(t.id is not None or t.table != name for t in r.refs.values())
                ]
                if not wave:
                    raise AssertionError(f"demo rows of {name} link to each other in a cycle")
                taken = {id(r) for r in wave}
                remaining = [r for r in remaining if id(r) not in taken]
                for r in wave:
                    for column, targets in r.many.items():
                        r.values[column] = [t.id for t in targets]  # rows of earlier tables: written
                    for column, target in r.refs.items():
                        r.values[column] = target.id
                        if target.id is None:
                            pending[(name, column)].append({"_row": id(r), "_target": id(target)})
                    r.values = _normalised(name, r.values)
                    self._check(r, block)
                self._insert(table, wave, linked, pending)
                self.counts[name] += len(wave)
        if pending:
            by_id = {id(r): r for rows in block.rows.values() for r in rows}
            for (name, column), links in pending.items():
                table = schema.metadata.tables[name]
                params = [{"_id": by_id[x["_row"]].id, "_v": by_id[x["_target"]].id} for x in links]
                stmt = (
                    table.update()
                    .where(table.c.id == sa.bindparam("_id"))
                    .values({column: sa.bindparam("_v")})
                )
                self.tx.conn.execute(stmt, params)
                self.tx.audit("bulk_update", name, None, None, {"rows": len(params), "column": column}, None)

    def _insert(
        self,
        table: sa.Table,
        wave: list[Row],
        linked: set[int],
        pending: dict[tuple[str, str], list[dict[str, int]]],
    ) -> None:
        """Insert ``wave``: by :meth:`Tx.insert_many`, which returns the ids, if any row's id is needed
        (another row links to it, or it links to a row written later); otherwise by
        :meth:`Tx.insert_unlinked`, without asking for ids (the ledger events, documents, help records)."""
        waiting = {x["_row"] for (name, _), links in pending.items() if name == table.name for x in links}
        if not any(id(r) in linked or id(r) in waiting for r in wave):
            self.tx.insert_unlinked(table, [r.values for r in wave])
            return
        ids = self.tx.insert_many(table, [r.values for r in wave], audit="summary")
        for r, i in zip(wave, sorted(ids), strict=True):
            r.id = i

    def _check(self, row: Row, block: Block | None) -> None:
        """Validate every ``stride``-th row of a kind through its model; the model must agree with it."""
        model = MODELS.get(row.table)
        if model is None:
            return
        self._seen[row.table] += 1
        if (self._seen[row.table] - 1) % self.stride:
            return
        data = _model_input(model, row.values)
        if row.table == "self_checks" and block is not None:
            data["items"] = block.items_of.get(id(row), [])
        record = models.validate(model, data)
        assert isinstance(record, models.Record)
        for key, value in record.row().items():
            if key in row.values and row.values[key] != value:
                message = MISMATCH.format(field=key, ours=row.values[key], theirs=value)
                raise ValidationFailed([Finding("demo", message, field=key, value=row.values[key])])


def _model_input(model: type[BaseModel], values: dict[str, Any]) -> dict[str, Any]:
    fields = model.model_fields
    data = {k: v for k, v in values.items() if k in fields}
    if model is models.SpotCheck:
        for role in ("producer", "seller"):
            data[role] = {k: values[f"{role}_{s}"] for k, s in
                          (("enterprise_id", "id"), ("name", "name"), ("uscc", "uscc"), ("region", "region"))}  # fmt: skip
    return data


def _normalised(table: str, values: dict[str, Any]) -> dict[str, Any]:
    """Free text as the models store it (full-width letters, digits and punctuation made half-width)."""
    if table not in MODELS:
        return values
    return {k: clean_text(v) if isinstance(v, str) else v for k, v in values.items()}


def clear(tx: Tx) -> dict[str, int]:
    """Delete every campaign record (children first), one audit entry per table; returns the counts."""
    removed = {}
    for table in reversed(schema.RECORD_TABLES):
        n = tx.conn.execute(table.delete()).rowcount or 0
        tx.audit("bulk_delete", table.name, None, {"rows": n}, None, None)
        removed[table.name] = n
    return removed
