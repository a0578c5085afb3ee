"""Filling an intake template from a notebook: a few plausible rows to start from, and writing rows under
a template's header — so a notebook can show the whole path a county's spreadsheet takes (template →
filled file → import → findings) without anyone opening Excel.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import sqlalchemy as sa

from .. import schema, vocab
from ..campaign import campaign_at
from ..catalogue import load_catalogue
from ..checklists import FIELD_NAMES, load_problems
from ..intake.kinds import KINDS
from ..reports.scope import scope_for
from ..store import Store
from .breakdowns import OTHER_PROBLEM

ENT = schema.enterprises
HEADER_ROW = 1
EXAMPLE_MARK = "示例"

MESSAGES = {
    "unknown_column": "模板“{sheet}”没有“{column}”列（可用的列：{columns}）",
    "no_enterprises": "{county}没有可用于示例的企业（须登记了重点产品、且在 {day} 没有检查记录）",
    "inspectors": "笔记本示例",
    "description": "{product}：{problem}（示例）",
}


def _header(cell: Any) -> str:
    return str(cell or "").strip().lstrip("*").strip()


def _last_filled_row(sheet: Any) -> int:
    """The last row holding a value (the template pre-formats empty rows, so ``max_row`` is further down)."""
    row = sheet.max_row
    while row > HEADER_ROW and all(c.value is None for c in sheet[row]):
        row -= 1
    return row


def fill_template(path: str | Path, rows: pd.DataFrame) -> Path:
    """Write ``rows`` into the data sheet of the template at ``path`` (from
    :func:`hazardlib.intake.write_template`), below its header and example rows; columns are matched to
    the headers by name (a leading ``*`` ignored), dates written as dates, empty cells left blank.

    Raises ValueError (Chinese message) for a column the template does not have.
    """
    target = Path(path)
    book = openpyxl.load_workbook(target)
    sheet = book.worksheets[0]
    headers = {_header(c.value): c.column for c in sheet[HEADER_ROW] if c.value is not None}
    for column in rows.columns:
        if column not in headers:
            raise ValueError(
                MESSAGES["unknown_column"].format(
                    sheet=sheet.title, column=column, columns="、".join(headers)
                )
            )
    start = _last_filled_row(sheet) + 1
    for offset, values in enumerate(rows.itertuples(index=False, name=None)):
        number = start + offset
        sheet.cell(number, 1, number - HEADER_ROW - 1)
        for column, value in zip(rows.columns, values, strict=True):
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                continue
            if isinstance(value, pd.Timestamp):
                value = value.date()
            cell = sheet.cell(number, headers[column], value)
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    book.save(target)
    return target


def example_inspections(store: Store, county: str, day: dt.date, n: int = 3) -> pd.DataFrame:
    """``n`` rows of the inspections template (Chinese headers) as a county might fill them: the first
    ``n`` enterprises of ``county`` (by id) that have a key product and no inspection on ``day``, each
    inspected on ``day`` in its field and found with one hazard (grades in turn, key problems of its
    field in turn), ordered to rectify that day with the campaign's default deadline.

    Raises ValueError (Chinese message) when the county has no such enterprise.
    """
    scope = scope_for(store, day, county)
    code = scope.codes[0]
    ins = schema.inspections
    inspected = sa.exists().where(ins.c.enterprise_id == ENT.c.id, ins.c.inspection_date == day)
    stmt = (
        sa.select(ENT.c.name, ENT.c.uscc, ENT.c.field, ENT.c.products)
        .where(ENT.c.county_code == code, sa.func.json_array_length(ENT.c.products) > 0, ~inspected)
        .order_by(ENT.c.id)
        .limit(n)
    )
    with store.read() as conn:
        found = conn.execute(stmt).all()
    if not found:
        raise ValueError(MESSAGES["no_enterprises"].format(county=scope.regions.name_of(code), day=day))
    campaign = campaign_at(day)
    deadline = campaign.default_deadline(day)
    catalogue = load_catalogue()
    problems = {
        f: [p for p in load_problems() if p.field == f and p.name != OTHER_PROBLEM] for f in FIELD_NAMES
    }
    headers = {c.key: c.header for c in KINDS["inspections"].columns}
    rows = []
    for i, (name, uscc, ent_field, products) in enumerate(found):
        field = "circulation" if ent_field == "seller" else "production"
        product = catalogue.sub_product(products[0])
        problem = problems[field][i % len(problems[field])]
        values = {
            "enterprise_name": name,
            "uscc": uscc,
            "inspection_date": day,
            "field": FIELD_NAMES[field],
            "sub_product_code": f"{product.code} {product.name}",
            "inspectors": MESSAGES["inspectors"],
            "grade": vocab.GRADE.label(vocab.GRADE.codes[i % len(vocab.GRADE.codes)]),
            "problem_code": f"{problem.code} {problem.name}",
            "description": MESSAGES["description"].format(product=product.name, problem=problem.name),
            "ordered_date": day,
            "deadline": deadline,
        }
        rows.append({headers[k]: v for k, v in values.items()})
    return pd.DataFrame(rows)
