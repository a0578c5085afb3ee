"""Helpers the intake tests share: writing a sheet of rows, and the store's contents to compare."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook

from hazardlib import schema
from hazardlib.intake import ImportReport, import_file
from hazardlib.store import Store

TODAY = dt.date(2024, 9, 15)
VOLATILE = {"created_at", "updated_at", "recorded_at"}


def write_sheet(path: Path, rows: Iterable[Sequence[Any]], title: str = "Sheet1") -> Path:
    """An xlsx with ``rows`` from A1 (None is an empty cell)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def contents(
    store: Store, *, skip: Iterable[str] = ("audit_log", "imports"), volatile: bool = True
) -> dict[str, list]:
    """Every table's rows (sorted), without the audit log and imports, to compare a store before and after."""
    out: dict[str, list] = {}
    skipped = set(skip)
    with store.read() as conn:
        for table in schema.metadata.sorted_tables:
            if table.name in skipped:
                continue
            cols = [c for c in table.c if not (volatile and c.name in VOLATILE)]
            out[table.name] = sorted((tuple(r) for r in conn.execute(sa.select(*cols)).all()), key=repr)
    return out


def count_rows(store: Store, table: sa.Table) -> int:
    with store.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def import_register_row(
    store: Store, enterprise_id: int, county: str, folder: Path, today: dt.date
) -> ImportReport:
    """Import a register of one row for the stored enterprise ``enterprise_id``: 都匀市甲水泥有限公司, a 生产单位 at
    甲路1号 making 水泥, in the county named ``county`` (e.g. 都匀市)."""
    with store.read() as conn:
        uscc = conn.execute(
            sa.select(schema.enterprises.c.uscc).where(schema.enterprises.c.id == enterprise_id)
        ).scalar()
    header = ["统一社会信用代码", "企业名称", "所属县（市）", "企业类型", "地址", "生产或销售的产品"]
    path = write_sheet(
        folder / "名录.xlsx", [header, [uscc, "都匀市甲水泥有限公司", county, "生产单位", "甲路1号", "水泥"]]
    )
    return import_file(store, path, today=today)
