"""Queries and small pieces shared by the 抽查与处置 tabs: recent records of the session's county, one page
at a time, and the rules' findings of one measure of the plan."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
import sqlalchemy as sa

from .. import models, schema
from ..store import Store
from .ui import esc, fmt_date

if TYPE_CHECKING:
    from .base import App
    from .enterprises import EnterprisePicker
    from .forms import ModelForm
    from .tables import PagedTable

M = TypeVar("M", bound=models.Record)
ENT = schema.enterprises
OUTCOME_TEXT = {"inserted": "已登记", "updated": "已更新", "unchanged": "内容无变化"}
"""What a save did, as the tabs say it after the record's name."""


def page_of(
    store: Store,
    table: sa.Table,
    columns: Sequence[Any],
    *,
    where: Sequence[Any] = (),
    order: Sequence[Any] = (),
    join_enterprise: str | None = "enterprise_id",
    offset: int = 0,
    limit: int = 50,
) -> tuple[pd.DataFrame, int]:
    """One page of ``table``'s records the session may see (with the enterprise's name as ``enterprise``
    when ``join_enterprise`` names the column to join on), and how many there are in all."""
    source: Any = table
    cols = list(columns)
    if join_enterprise:
        source = table.outerjoin(ENT, ENT.c.id == table.c[join_enterprise])
        cols.append(ENT.c.name.label("enterprise"))
    base = store.scoped(sa.select(*cols).select_from(source).where(*where), table)
    count = store.scoped(sa.select(sa.func.count()).select_from(source).where(*where), table)
    stmt = base.order_by(*order, table.c.id.desc()).offset(offset).limit(limit)
    with store.read() as conn:
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
        total = int(conn.execute(count).scalar_one())
    return pd.DataFrame(rows, columns=[c.key for c in stmt.selected_columns]), total


def findings_html(findings: Sequence[Any], empty: str = "规则未提示需要办理的事项。", limit: int = 30) -> str:
    """The rules' findings as a list (at most ``limit``, the rest counted)."""
    if not findings:
        return f'<div class="hz-note">{esc(empty)}</div>'
    items = "".join(
        f"<li>{esc(f.message)}{'（期限 ' + esc(fmt_date(f.due)) + '）' if f.due else ''}</li>"
        for f in findings[:limit]
    )
    more = (
        f'<div class="hz-note">另有 {len(findings) - limit} 项未列出。</div>' if len(findings) > limit else ""
    )
    return f'<ul class="hz-findings">{items}</ul>{more}'


def kept(record: M, opened: dict[str, Any] | None, key: Sequence[str], hidden: Sequence[str]) -> M:
    """``record`` as the form made it; when it is the record opened from its row (the same values of ``key``,
    the columns that name it), with the opened record's ``hidden`` fields (those the form does not show, such
    as its campaign year) kept rather than set anew."""
    if opened is None:
        return record
    row = record.row()
    if any(row.get(k) != opened.get(k) for k in key):
        return record
    return record.model_copy(update={k: opened[k] for k in hidden})


def open_record(
    app: App, source: sa.Table, record_id: int, picker: EnterprisePicker, form: ModelForm, rows: PagedTable
) -> dict[str, Any]:
    """A tab's record opened from its row: its enterprise chosen in ``picker``, its fields shown in ``form``,
    its row lit in ``rows``; the record as stored."""
    row = app.store.get(source, int(record_id))
    app.clear_message()
    picker.choose(app.store.get(ENT, row["enterprise_id"]))
    form.show(row)
    rows.select(row["id"])
    return row
