"""The canonical columns of the kinds about documents and tasks: instruments of 三书一函 issued on paper,
the follow-up of two-way tracing tasks and the continuing written reports after the campaign, declared on their
models (:class:`hazardlib.fields.Entry`; the other kinds are in :mod:`hazardlib.intake.columns` and
:mod:`hazardlib.intake.columns_cases`)."""

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

WRITTEN_REPORTS = KindSpec(
    "written-reports",
    "持续书面报送",
    "持续书面报送",
    columns(
        models.WrittenReport, "county_code", "campaign_year", "report_date", "number", "hazard_ids", "note"
    ),
    key="文号",
    row_note="每行一份书面报送：10月底前未完成整改的隐患，在行动结束后持续书面报送整改完成情况（方案四、(三)）。",
    notes=(
        "报送日期须在所填行动年度的行动结束日期（10月底）之后；报送上一年度未完成整改的隐患时填写该年度。",
        "涉及隐患编号填写整改台账导出表中的编号，须是本县（市）台账上的隐患，多个用顿号分隔。",
    ),
)
