"""The tracing report (双向追查): every tracing task of an unqualified product, where it stands at the
as-of date, and the spot checks about enterprises outside the prefecture.

Records about enterprises outside the prefecture are not counted in any county's row of the results
list; this report is where they are shown. It has one row per tracing task created from stage 1's
start to the as-of date, and one row per spot-check batch sampled in that window that concerns no
enterprise registered in the prefecture and has no tracing task (task columns empty).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import sqlalchemy as sa

from .. import schema, vocab
from ..store import PREFECTURE_CODE, Store
from ..tracing import holder_expr, note_at, state_expr
from . import labels
from .scope import Scope, scope_for

T, S = schema.tracing_tasks, schema.spot_checks

TRACING_COLUMNS = [
    "batch_no", "sample_date", "sub_product_code", "sub_product_name", "channel", "channel_label", "result",
    "result_label", "sampled_by_county", "sampled_by_name", "counted_for", "counted_for_name", "task_id",
    "role", "role_label", "target_name", "target_uscc", "target_region", "to_county", "to_county_name",
    "outside_prefecture", "created_date", "due", "state", "state_label", "done_date", "overdue", "note",
]  # fmt: skip


def _batch_columns(concerned_county: Any) -> list[Any]:
    return [
        S.c.batch_no,
        S.c.sample_date,
        S.c.sub_product_code,
        S.c.channel,
        S.c.result,
        S.c.sampled_by_county,
        concerned_county.label("counted_for"),
    ]


def _concerned() -> tuple[Any, Any]:
    e = schema.enterprises.alias("e_concerned")
    concerned = sa.func.coalesce(S.c.enterprise_id, S.c.seller_id, S.c.producer_id)
    return S.outerjoin(e, e.c.id == concerned), e.c.county_code


def tracing_frame(store: Store, scope: Scope) -> pd.DataFrame:
    """:func:`tracing` for an already resolved scope."""
    from_, county = _concerned()
    state = state_expr(scope.as_of)
    holder = holder_expr(scope.as_of)  # 承办单位: the county holding the task at the date (tracing_passes)
    tasks = (
        sa.select(
            *_batch_columns(county),
            T.c.id.label("task_id"),
            T.c.role,
            T.c.target_name,
            T.c.target_uscc,
            T.c.target_region,
            holder.label("to_county"),
            T.c.created_date,
            T.c.due,
            state.label("state"),
            sa.case((T.c.done_date <= scope.as_of, T.c.done_date)).label("done_date"),
            sa.case((sa.and_(state == "open", T.c.due < scope.as_of), True), else_=False).label("overdue"),
            T.c.note,
            T.c.done_date.label("closed_date"),  # to show the 办理情况 as it stood at the date
        )
        .select_from(T.join(from_, S.c.id == T.c.spot_check_id))
        .where(scope.within(T.c.created_date))
    )
    if scope.county is not None:
        tasks = tasks.where(sa.or_(T.c.from_county == scope.county, holder == scope.county))
    no_task = ~sa.exists().where(T.c.spot_check_id == S.c.id)
    empty = [sa.null().label(c) for c in ("task_id", "role", "target_name", "target_uscc", "target_region")]
    outside = (
        sa.select(
            *_batch_columns(county),
            *empty,
            sa.null().label("to_county"),
            sa.null().label("created_date"),
            sa.null().label("due"),
            sa.null().label("state"),
            sa.null().label("done_date"),
            sa.false().label("overdue"),
            S.c.note,
            sa.null().label("closed_date"),
        )
        .select_from(from_)
        .where(county.is_(None), no_task, scope.within(S.c.sample_date))
    )
    if scope.county is not None:
        outside = outside.where(S.c.sampled_by_county == scope.county)
    stmt = sa.union_all(tasks, outside).subquery("tracing")
    ordered = sa.select(stmt).order_by(stmt.c.sample_date, stmt.c.batch_no, stmt.c.role)
    with store.read() as conn:
        result = conn.execute(ordered)
        frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["sub_product_name"] = labels.sub_product(frame["sub_product_code"])
    frame["channel_label"] = labels.vocabulary(frame["channel"], vocab.CHANNEL)
    frame["result_label"] = labels.vocabulary(frame["result"], vocab.SPOT_RESULT)
    frame["sampled_by_name"] = labels.county(frame["sampled_by_county"])
    frame["counted_for_name"] = labels.county(frame["counted_for"]).replace("", "不计入（州外企业）")
    frame["role_label"] = labels.vocabulary(frame["role"], vocab.PARTY_ROLE)
    frame["to_county_name"] = labels.county(frame["to_county"]).replace(
        labels.county(pd.Series([PREFECTURE_CODE])).iloc[0], f"州局（{labels.OUTSIDE}）"
    )
    has_task = frame["task_id"].notna()
    closed = frame.pop("closed_date")
    frame["note"] = [
        note_at(n, c, scope.as_of) if t and isinstance(n, str) else n
        for n, c, t in zip(frame["note"], closed, has_task, strict=True)
    ]
    frame["outside_prefecture"] = (has_task & (frame["to_county"] == PREFECTURE_CODE)) | (
        ~has_task & frame["counted_for"].isna()
    )
    frame["state_label"] = labels.vocabulary(frame["state"], vocab.TRACING_STATE)
    frame["overdue"] = frame["overdue"].fillna(False).astype(bool)
    frame["task_id"] = frame["task_id"].astype("Int64")
    return frame[TRACING_COLUMNS].reset_index(drop=True)


def tracing(store: Store, as_of: dt.date | None = None, county: str | None = None) -> pd.DataFrame:
    """Tracing tasks created from stage 1's start to ``as_of`` with their state and holder then, and the spot
    checks about enterprises outside the prefecture (for a county: the tasks it sent or held at ``as_of`` and the
    batches it sampled). Columns: :data:`TRACING_COLUMNS`."""
    return tracing_frame(store, scope_for(store, as_of, county))
