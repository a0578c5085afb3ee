"""The canonical columns of the kinds about documents and tasks: instruments of 三书一函 issued on paper
and the follow-up of two-way tracing tasks, declared on their models (:class:`hazardlib.fields.Entry`; the
other kinds are in :mod:`hazardlib.intake.columns` and :mod:`hazardlib.intake.columns_cases`)."""

from __future__ import annotations

from .. import models
from .columns import ENTERPRISE_NOTE, ENTERPRISE_REF, KindSpec, columns, template_columns

INSTRUMENTS = KindSpec(
    "instruments",
    "三书一函",
    "三书一函",
    (
        *ENTERPRISE_REF,
        *columns(
            models.Instrument,
            "kind",
            "number",
            "issue_date",
            "hazard_id",
            "served_date",
            "reply_due",
            "reply_date",
            "note",
        ),
    ),
    key="文书编号（未填时：企业 + 文书类型 + 签发日期）",
    row_note="每行一份已签发的文书；已登记的文书再次导入时更新送达、回复等办理情况。",
    enterprise_note=ENTERPRISE_NOTE,
)

TRACING_TASKS = KindSpec(
    "tracing-tasks",
    "双向追查办理",
    "双向追查办理",
    template_columns(models.TracingReport),
    key="任务编号（已办结或已转出的任务不再办理）",
    row_note="每行办理一项双向追查任务：办结，或（州局）转办。",
)
