"""Workloads for the concurrency, fault and backup tests: valid records made to order, and the worker
functions that other processes run (they live in the package so that a spawned process can import
them quickly and without the test suite).

Every worker opens its own :class:`~hazardlib.store.Store` from a URL, as a separate user would.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from stdnum.cn import uscc as stdnum_uscc

from hazardlib import models, records, schema
from hazardlib.errors import StaleRecord
from hazardlib.exports import export
from hazardlib.fields import examples
from hazardlib.intake.importer import import_file
from hazardlib.intake.kinds import KINDS
from hazardlib.store import Store

YEAR = 2024
TODAY = dt.date(2024, 9, 15)
PRODUCTS = ("18-01", "15-01", "07-01", "01-01")


def make_uscc(county_code: str, serial: int) -> str:
    """A valid 统一社会信用代码 registered in ``county_code``, distinct for each serial."""
    org = f"{serial:08d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(org, weights, strict=True)) % 11
    org += {10: "X", 11: "0"}.get(check, str(check))
    base = f"91{county_code}{org}"
    return base + stdnum_uscc.calc_check_digit(base)


def enterprise(county: str, serial: int) -> models.Enterprise:
    return models.validate(
        models.Enterprise,
        {
            "uscc": make_uscc(county, serial),
            "name": f"测试企业{serial}有限公司",
            "county_code": county,
            "field": "生产",
            "products": [PRODUCTS[serial % len(PRODUCTS)]],
        },
    )


def self_check(enterprise_id: int, year: int, note: str) -> models.SelfCheck:
    return models.validate(
        models.SelfCheck,
        {
            "enterprise_id": enterprise_id,
            "campaign_year": year,
            **examples(models.SelfCheck),
            "check_date": dt.date(year, 6, 1),
            "weekly_check": "否",
            "note": note,
            "items": [{"point_code": "R-01", "risk_point": "进货查验记录不全", "grade": "一般"}],
        },
        today=TODAY,
    )


def inspection(enterprise_id: int, day: dt.date, product: str, note: str) -> models.Inspection:
    return models.validate(
        models.Inspection,
        {
            "enterprise_id": enterprise_id,
            "campaign_year": day.year,
            "inspection_date": day,
            "field": "生产",
            "sub_product_code": product,
            "note": note,
        },
        today=TODAY,
    )


def hazard(enterprise_id: int, day: dt.date, product: str = "18-01", problem: str = "P01") -> models.Hazard:
    return models.validate(
        models.Hazard,
        {
            "enterprise_id": enterprise_id,
            "campaign_year": day.year,
            "grade": "一般",
            "problem_code": problem,
            "sub_product_code": product,
            "found_date": day,
            "source": "现场检查",
            "description": "进货查验记录不全",
        },
        today=TODAY,
    )


def add_enterprises(store: Store, county: str, serials: Sequence[int]) -> list[int]:
    """Register enterprises of ``county`` with these serials in one transaction; their ids."""
    with store.transaction("测试准备") as tx:
        return [records.save_enterprise(tx, enterprise(county, s))[0] for s in serials]


# -- many people submitting at once ---------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """One form sent by one person: a self-check (for ``year``) or an inspection (on ``day``)."""

    kind: str  # "self_check" or "inspection"
    enterprise_id: int
    year: int
    day: dt.date
    note: str


def submit(
    url: str, user: str, county: str | None, jobs: Sequence[Submission], barrier: Any
) -> dict[str, int]:
    """Save each submission in its own transaction, once every worker is ready to start; the outcomes
    counted by table and kind (``self_checks:inserted``…)."""
    store = Store(url, user=user, county=county)
    outcomes: Counter[str] = Counter()
    with store.read() as conn:  # connect before the start line, as a logged-in user would be
        conn.execute(sa.select(1))
    barrier.wait()
    for job in jobs:
        if job.kind == "self_check":
            record = self_check(job.enterprise_id, job.year, job.note)
            with store.transaction("并发提交") as tx:
                outcomes[f"self_checks:{records.save_self_check(tx, record)[1]}"] += 1
        else:
            ins = inspection(job.enterprise_id, job.day, PRODUCTS[0], job.note)
            with store.transaction("并发提交") as tx:
                outcomes[f"inspections:{records.save_inspection(tx, ins)[1]}"] += 1
    store.dispose()
    return dict(outcomes)


# -- two people editing the same hazard -----------------------------------------------------------


def edit_race(url: str, user: str, hazard_id: int, rounds: int, barrier: Any) -> list[dict[str, Any]]:
    """In each round: read the hazard, wait for the other editor to have read it too, then save a new
    description with the version read. Returns, per round, the version read and what happened."""
    store = Store(url, user=user)
    out = []
    for r in range(rounds):
        barrier.wait()
        seen = store.get(schema.hazards, hazard_id)["version"]
        barrier.wait()
        text = f"{user}第{r}轮修改"
        try:
            with store.transaction("编辑隐患") as tx:
                tx.update(schema.hazards, hazard_id, {"description": text}, expected_version=seen)
            out.append({"round": r, "seen": seen, "saved": text})
        except StaleRecord as exc:
            out.append({"round": r, "seen": seen, "refused": str(exc), "by": exc.by, "at": str(exc.at)})
    store.dispose()
    return out


# -- a batch written in one transaction, for the fault tests --------------------------------------


def batch_rows(enterprise_ids: Sequence[int], tag: str, n: int, start: dt.date) -> list[models.Inspection]:
    """``n`` inspections spread over the enterprises from ``start`` on, all noted with ``tag``."""
    return [
        inspection(
            enterprise_ids[i % len(enterprise_ids)],
            start + dt.timedelta(days=i // len(enterprise_ids)),
            PRODUCTS[i % len(PRODUCTS)],
            tag,
        )
        for i in range(n)
    ]


def write_batch(url: str, user: str, enterprise_ids: Sequence[int], tag: str, n: int, start: dt.date) -> int:
    """Save a batch of ``n`` records in one transaction (idempotent: re-running completes it); how many
    were inserted."""
    store = Store(url, user=user)
    rows = batch_rows(enterprise_ids, tag, n, start)
    inserted = 0
    with store.transaction(f"批量写入 {tag}") as tx:
        for row in rows:
            inserted += records.save_inspection(tx, row)[1] == "inserted"
    store.dispose()
    return inserted


# -- real imports and exports, for the fault tests ------------------------------------------------


def inspection_csv(path: Path, county: str, serials: Sequence[int], tag: str, n: int, start: dt.date) -> Path:
    """A CSV file of ``n`` inspections of the enterprises with these serials (as a county clerk would
    type it: names, credit codes, Chinese labels), each noted with ``tag``."""
    headers = {c.key: c.header for c in KINDS["inspections"].columns}
    cols = ("enterprise_name", "uscc", "inspection_date", "field", "sub_product_code", "note")
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow([headers[c] for c in cols])
        for i in range(n):
            e = enterprise(county, serials[i % len(serials)])
            day = start + dt.timedelta(days=i // len(serials))
            out.writerow([e.name, e.uscc, day.isoformat(), "生产领域", PRODUCTS[0], tag])
    return path


def import_job(url: str, user: str, path: str, ready: Any = None) -> int:
    """Import one file through :func:`hazardlib.intake.import_file`; the rows inserted."""
    store = Store(url, user=user)
    if ready is not None:
        ready.set()
    report = import_file(store, path, kind="inspections", today=TODAY)
    store.dispose()
    return int(report.inserted)


def export_job(url: str, user: str, name: str, path: str, ready: Any = None) -> str:
    """Export report ``name`` at :data:`TODAY` to ``path`` through :func:`hazardlib.exports.export`."""
    store = Store(url, user=user)
    if ready is not None:
        ready.set()
    written = export(name, store, TODAY, None, None, path)
    store.dispose()
    return str(written)
