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

from .. import schema, vocab
from ..catalogue import load_catalogue
from ..checklists import load_problems
from ..regions import load_regions
from ..store import Store
from .handler_base import NONE_WORDS

Row = dict[str, Any]
E = schema.enterprises


def _yes(value: Any) -> str | None:
    return None if value is None else ("是" if value else "否")


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


def _enterprise(ent: Any) -> Row:
    return {
        "enterprise_name": ent["name"],
        "uscc": ent["uscc"],
        "enterprise_county": _county(ent["county_code"]),
        "enterprise_field": vocab.ENTERPRISE_FIELD.label(ent["field"]),
    }


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
        rows.append({
            "uscc": r["uscc"],
            "name": r["name"],
            "county_code": _county(r["county_code"]),
            "field": vocab.ENTERPRISE_FIELD.label(r["field"]),
            "address": r["address"],
            **{k: _yes(r[k]) for k in ("in_cluster_area", "rural_or_fringe_shop", "wholesale_market_shop",
                                       "concentrated_complaints")},
            "licence_no": r["licence_no"],
            "ccc_certificates": "、".join(r["ccc_certificates"] or []) or None,
            "products": "、".join(r["products"] or []) or None,
            "contact": r["contact"],
        })  # fmt: skip
    return rows


def self_check_rows(store: Store) -> list[Row]:
    s, items = schema.self_checks, schema.risk_control_items
    with store.read() as conn:
        lists: dict[int, list[Any]] = {}
        for item in conn.execute(sa.select(items).order_by(items.c.id)).mappings():
            lists.setdefault(item["self_check_id"], []).append(item)
    rows = []
    for r in _query(store, _with_enterprise(s, s.c.id), s):
        head = {
            **_ent(r),
            "check_date": r["check_date"],
            **{k: _yes(r[k]) for k in ("management_system", "quality_director", "quality_officer", "daily_control",
                                       "weekly_check", "monthly_review", "major_risk_reported")},
            "major_risk_description": r["major_risk_description"],
            "note": r["note"],
        }  # fmt: skip
        for item in lists.get(r["id"], []) or [None]:
            row = dict(head)
            if item is not None:
                row.update(
                    point_code=item["point_code"],
                    risk_point=item["risk_point"],
                    measure=item["measure"],
                    measures_in_place=_yes(item["measures_in_place"]),
                    grade=vocab.GRADE.label(item["grade"]),
                )
            rows.append(row)
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
            "inspection_date": r["inspection_date"],
            "field": vocab.FIELD.label(r["field"]),
            "sub_product_code": _product(r["sub_product_code"]),
            "inspectors": r["inspectors"],
            "note": r["note"],
            "failed_items": "、".join(failed) if failed else (NONE_WORDS[0] if results else None),
        }
        for hz in found.get(r["id"], []) or [None]:
            row = dict(head)
            if hz is not None:
                row.update(
                    hazard_kind=vocab.FINDING_KIND.label(hz["kind"]),
                    grade=vocab.GRADE.label(hz["grade"]),
                    problem_code=_problem(hz["problem_code"]),
                    description=hz["description"],
                    control_measures=_yes(hz["control_measures"]),
                    large_urgent=_yes(hz["large_urgent"]),
                )
            rows.append(row)
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
            "batch_no": r["batch_no"],
            "sampled_by_county": _county(r["sampled_by_county"]),
            "sample_date": r["sample_date"],
            "sub_product_code": _product(r["sub_product_code"]),
            "channel": vocab.CHANNEL.label(r["channel"]),
            "result": vocab.SPOT_RESULT.label(r["result"]),
            "inspected": inspected,
            **{f"{role}_{f}": r[f"{role}_{f}"] for role in ("producer", "seller") for f in ("name", "uscc", "region")},
            "follow_up_of": batches.get(r["follow_up_of"]),
            "enforcement_sampling": _yes(r["enforcement_sampling"]),
            "note": r["note"],
        })  # fmt: skip
    return rows


def enforcement_rows(store: Store) -> list[Row]:
    c = schema.enforcement_cases
    rows = []
    for r in _query(store, _with_enterprise(c, c.c.id), c):
        rows.append({
            **_ent(r),
            **{k: r[k] for k in ("case_no", "filed_date", "facts", "penalty", "persons_punished", "transfer_date",
                                 "dishonesty_date", "revoked_date", "published_date", "hazard_id")},
            "violation": vocab.VIOLATION.label(r["violation"]),
            "sub_product_code": _product(r["sub_product_code"]),
            "transferred_to": vocab.TRANSFER.label(r["transferred_to"]) or None,
            **{k: _yes(r[k]) for k in ("credit_publicity", "dishonesty_listed", "licence_revoked", "major_case",
                                       "typical_case")},
        })  # fmt: skip
    return rows


def help_rows(store: Store) -> list[Row]:
    t = schema.help_records
    return [
        {**_ent(r), "kind": vocab.HELP_KIND.label(r["kind"]), "help_date": r["help_date"], "note": r["note"]}
        for r in _query(store, _with_enterprise(t, t.c.id), t)
    ]


def risk_signal_rows(store: Store) -> list[Row]:
    t = schema.risk_signals
    stmt = (
        sa.select(t, E.c.name, E.c.uscc, E.c.field).outerjoin(E, E.c.id == t.c.enterprise_id).order_by(t.c.id)
    )
    rows = []
    for r in _query(store, stmt, t):
        rows.append({
            "county_code": _county(r["county_code"]),
            "received_date": r["received_date"],
            "source": vocab.SIGNAL_SOURCE.label(r["source"]),
            "description": r["description"],
            "enterprise_name": r["name"],
            "uscc": r["uscc"],
            "enterprise_field": vocab.ENTERPRISE_FIELD.label(r["field"]) or None,
            "sub_product_code": _product(r["sub_product_code"]),
            "verification": vocab.SIGNAL_STATE.label(r["verification"]),
            "verified_date": r["verified_date"],
        })  # fmt: skip
    return rows


ROWS: dict[str, Callable[[Store], list[Row]]] = {
    "enterprises": enterprise_rows,
    "self-checks": self_check_rows,
    "inspections": inspection_rows,
    "rectifications": rectification_rows,
    "spot-checks": spot_check_rows,
    "enforcement": enforcement_rows,
    "help": help_rows,
    "risk-signals": risk_signal_rows,
}


def template_rows(store: Store, kind: str) -> list[Row]:
    """The store's records of ``kind`` as template rows (column key → cell value)."""
    return ROWS[kind](store)
