"""A store's records laid out as a template's rows, so a county can download what it has, correct it in
Excel and import it again (and so the round trip template → import → store can be tested).

Each function returns the rows of one kind as ``{column key: cell value}`` in the words the template
uses (Chinese labels, "code name" products, dates as dates), limited to the session's county.
Rectifications list every move of the ledger after 发现登记, oldest first; the inspections rows leave
the order columns blank, since the first order is one of those moves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from .. import models, schema, vocab
from ..catalogue import load_catalogue
from ..checklists import load_problems
from ..regions import load_regions
from ..store import Store
from .choices import vocabulary
from .columns import ENTERPRISES, HELP, INSPECTIONS, SELF_CHECKS, Column, KindSpec
from .columns_cases import ENFORCEMENT, RISK_SIGNALS, SPOT_CHECKS
from .handler_base import NONE_WORDS

Row = dict[str, Any]
E = schema.enterprises


def _county(code: str | None) -> str | None:
    return load_regions().name_of(code) if code else None


def _product(code: str | None) -> str | None:
    if not code:
        return None
    sub = load_catalogue().sub_products.get(code)
    return f"{sub.code} {sub.name}" if sub else code


def _problem(code: str | None) -> str | None:
    names = {p.code: p.name for p in load_problems()}
    return f"{code} {names[code]}" if code in names else code


def _outcome(move: str, code: str | None) -> str | None:
    if code is None:
        return None
    words = vocab.MOVE_OUTCOME.get(move)
    return words.label(code) if words else code


def _cell(column: Column, value: Any) -> Any:
    """A stored value as the column is written: 是/否, labels, county names, "code name" products."""
    if value is None:
        return None
    if isinstance(value, list):
        return "、".join(value) or None
    match column.type:
        case "yes_no":
            return vocab.yes_no_label(value)
        case "county":
            return _county(value)
        case "sub_product":
            return _product(value)
        case "problem":
            return _problem(value)
        case "choice" if column.choices:
            return vocabulary(column.choices).label(value)
    return value


def cells(spec: KindSpec, model: type[BaseModel], values: Any, *, skip: tuple[str, ...] = ()) -> Row:
    """Column key → cell of ``spec``'s columns that hold ``model``'s fields, from a stored row."""
    return {c.key: _cell(c, values[c.field]) for c in spec.columns if c.model is model and c.key not in skip}


def _enterprise(ent: Any) -> Row:
    return cells(SELF_CHECKS, models.Enterprise, ent)


def _query(store: Store, stmt: Any, table: sa.Table) -> list[Any]:
    with store.read() as conn:
        return list(conn.execute(store.scoped(stmt, table)).mappings())


def _with_enterprise(table: sa.Table, *order: Any) -> Any:
    ent = E.alias("ent")
    cols = [ent.c.name, ent.c.uscc, ent.c.county_code.label("ent_county"), ent.c.field.label("ent_field")]
    return sa.select(table, *cols).join(ent, ent.c.id == table.c.enterprise_id).order_by(*order)


def _ent(r: Any) -> Row:
    return _enterprise(
        {"name": r["name"], "uscc": r["uscc"], "county_code": r["ent_county"], "field": r["ent_field"]}
    )


def enterprise_rows(store: Store) -> list[Row]:
    rows = []
    for r in _query(store, sa.select(E).order_by(E.c.id), E):
        rows.append(cells(ENTERPRISES, models.Enterprise, r))
    return rows


def self_check_rows(store: Store) -> list[Row]:
    s, items = schema.self_checks, schema.risk_control_items
    with store.read() as conn:
        lists: dict[int, list[Any]] = {}
        for item in conn.execute(sa.select(items).order_by(items.c.id)).mappings():
            lists.setdefault(item["self_check_id"], []).append(item)
    rows = []
    for r in _query(store, _with_enterprise(s, s.c.id), s):
        head = {**_ent(r), **cells(SELF_CHECKS, models.SelfCheck, r)}
        for item in lists.get(r["id"], []) or [None]:
            rows.append({**head, **(cells(SELF_CHECKS, models.RiskControlItem, item) if item else {})})
    return rows


def inspection_rows(store: Store) -> list[Row]:
    i, h = schema.inspections, schema.hazards
    with store.read() as conn:
        found: dict[int, list[Any]] = {}
        stmt = sa.select(h).where(h.c.source == "inspection").order_by(h.c.id)
        for hz in conn.execute(stmt).mappings():
            found.setdefault(hz["source_id"], []).append(hz)
    rows = []
    for r in _query(store, _with_enterprise(i, i.c.id), i):
        results = r["results"] or {}
        failed = [code for code, ok in results.items() if not ok]
        head = {
            **_ent(r),
            **cells(INSPECTIONS, models.Inspection, r, skip=("failed_items",)),
            "failed_items": "、".join(failed) if failed else (NONE_WORDS[0] if results else None),
        }
        for hz in found.get(r["id"], []) or [None]:
            # the order's date and deadline are left blank: the first order is one of the ledger's moves
            hazard = cells(INSPECTIONS, models.Hazard, hz, skip=("ordered_date", "deadline")) if hz else {}
            rows.append({**head, **hazard})
    return rows


def rectification_rows(store: Store) -> list[Row]:
    h, ev = schema.hazards, schema.hazard_events
    stmt = (
        sa.select(ev, E.c.name)
        .join(h, h.c.id == ev.c.hazard_id)
        .join(E, E.c.id == h.c.enterprise_id)
        .where(ev.c.move != "found")
        .order_by(ev.c.hazard_id, ev.c.event_date, ev.c.id)
    )
    rows = []
    for r in _query(store, stmt, h):
        rows.append({
            "hazard_id": r["hazard_id"],
            "enterprise_name": r["name"],
            "state": vocab.HAZARD_STATE.label(r["from_state"]),
            "move": vocab.HAZARD_MOVE.label(r["move"]),
            "day": r["event_date"],
            "deadline": r["deadline"],
            "outcome": _outcome(r["move"], r["outcome"]),
            "note": r["note"],
        })  # fmt: skip
    return rows


def spot_check_rows(store: Store) -> list[Row]:
    s = schema.spot_checks
    with store.read() as conn:
        batches = {r[0]: r[1] for r in conn.execute(sa.select(s.c.id, s.c.batch_no))}
    rows = []
    for r in _query(store, sa.select(s).order_by(s.c.id), s):
        inspected = None
        if r["enterprise_id"] is not None:
            inspected = "生产单位" if r["enterprise_id"] == r["producer_id"] else "销售单位"
        rows.append({
            **cells(SPOT_CHECKS, models.SpotCheck, r),
            "inspected": inspected,
            **{f"{role}_{f}": r[f"{role}_{f}"] for role in ("producer", "seller") for f in ("name", "uscc", "region")},
            "follow_up_of": batches.get(r["follow_up_of"]),
        })  # fmt: skip
    return rows


def enforcement_rows(store: Store) -> list[Row]:
    c = schema.enforcement_cases
    rows = []
    for r in _query(store, _with_enterprise(c, c.c.id), c):
        rows.append({**_ent(r), **cells(ENFORCEMENT, models.EnforcementCase, r)})
    return rows


def help_rows(store: Store) -> list[Row]:
    t = schema.help_records
    return [
        {**_ent(r), **cells(HELP, models.HelpRecord, r)}
        for r in _query(store, _with_enterprise(t, t.c.id), t)
    ]


def risk_signal_rows(store: Store) -> list[Row]:
    t = schema.risk_signals
    stmt = (
        sa.select(t, E.c.name, E.c.uscc, E.c.field).outerjoin(E, E.c.id == t.c.enterprise_id).order_by(t.c.id)
    )
    rows = []
    for r in _query(store, stmt, t):
        rows.append(
            {
                **cells(RISK_SIGNALS, models.RiskSignal, r),
                "enterprise_name": r["name"],
                "uscc": r["uscc"],
                "enterprise_field": vocab.ENTERPRISE_FIELD.label(r["field"]) or None,
            }
        )
    return rows


def county_plan_rows(store: Store) -> list[Row]:
    t = schema.county_plans
    keys = ("adopted_date", "document", "document_no", "responsible")
    return [
        {"county_code": _county(r["county_code"]), **{k: r[k] for k in keys}}
        for r in _query(store, sa.select(t).order_by(t.c.county_code, t.c.campaign_year), t)
    ]


def interview_rows(store: Store) -> list[Row]:
    t, s = schema.interviews, schema.spot_checks
    with store.read() as conn:
        batches = dict(conn.execute(store.scoped(sa.select(s.c.id, s.c.batch_no), s)).all())
    keys = (
        "held_date",
        "reason",
        "hazard_id",
        "finding",
        "attendees",
        "commitments",
        "follow_up_date",
        "notice_no",
    )
    return [
        {
            **_ent(r),
            **{k: r[k] for k in keys},
            "trigger": vocab.INTERVIEW_TRIGGER.label(r["trigger"]) or None,
            "batch_nos": "、".join(str(batches.get(i, i)) for i in r["spot_check_ids"] or ()) or None,
        }
        for r in _query(store, _with_enterprise(t, t.c.id), t)
    ]


def oversight_rows(store: Store) -> list[Row]:
    t = schema.county_oversight
    keys = ("action_date", "number", "reason", "due_date")
    return [
        {
            "county_code": _county(r["county_code"]),
            "kind": vocab.OVERSIGHT_KIND.label(r["kind"]),
            **{k: r[k] for k in keys},
            "reported_to_local_government": vocab.yes_no_label(r["reported_to_local_government"]),
        }
        for r in _query(store, sa.select(t).order_by(t.c.id), t)
    ]


def instrument_rows(store: Store) -> list[Row]:
    t = schema.instruments
    rows = []
    for r in _query(store, _with_enterprise(t, t.c.id), t):
        rows.append({
            **_ent(r),
            "kind": vocab.INSTRUMENT_KIND.label(r["kind"]),
            **{k: r[k] for k in ("number", "issue_date", "hazard_id", "served_date", "reply_due", "reply_date",
                                 "note")},
        })  # fmt: skip
    return rows


def tracing_task_rows(store: Store) -> list[Row]:
    """The tasks traced and done (办结), with their date and 办理情况; open ones are the clerk's to fill in."""
    t = schema.tracing_tasks
    stmt = sa.select(t).where(t.c.state == "done").order_by(t.c.id)
    return [
        {"task_id": r["id"], "day": r["done_date"], "recipient": None, "note": r["note"]}
        for r in _query(store, stmt, t)
    ]


def written_report_rows(store: Store) -> list[Row]:
    t = schema.written_reports
    return [
        {
            "county_code": _county(r["county_code"]),
            **{k: r[k] for k in ("campaign_year", "report_date", "number", "note")},
            "hazard_ids": "、".join(str(i) for i in r["hazard_ids"] or ()) or None,
        }
        for r in _query(store, sa.select(t).order_by(t.c.report_date, t.c.id), t)
    ]


ROWS: dict[str, Callable[[Store], list[Row]]] = {
    "enterprises": enterprise_rows,
    "self-checks": self_check_rows,
    "inspections": inspection_rows,
    "rectifications": rectification_rows,
    "spot-checks": spot_check_rows,
    "enforcement": enforcement_rows,
    "help": help_rows,
    "risk-signals": risk_signal_rows,
    "county-plans": county_plan_rows,
    "interviews": interview_rows,
    "oversight": oversight_rows,
    "instruments": instrument_rows,
    "tracing-tasks": tracing_task_rows,
    "written-reports": written_report_rows,
}


def template_rows(store: Store, kind: str) -> list[Row]:
    """The store's records of ``kind`` as template rows (column key → cell value)."""
    return ROWS[kind](store)
