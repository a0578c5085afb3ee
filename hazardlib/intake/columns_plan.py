"""The template kinds the work plan asks of the counties and the prefecture beyond the enterprises' records:
county work plans, interviews with enterprises, and the prefecture's oversight of the counties. Their columns
are declared on the models (:class:`hazardlib.fields.Entry`); the registry is :mod:`hazardlib.intake.kinds`."""

from __future__ import annotations

from .. import models
from .columns import ENTERPRISE_NOTE, ENTERPRISE_REF, Column, KindSpec, columns

COUNTY_PLANS = KindSpec(
    "county-plans",
    "县级工作方案",
    "县级工作方案",
    columns(models.CountyPlan, "county_code", "adopted_date", "document", "document_no", "responsible"),
    key="县（市）+ 行动年度（印发日期所在年度）",
    row_note="每行一个县（市）一年度的工作方案。方案文件（PDF、DOCX 或 WPS）在“三阶段进度”页面上传。",
)

INTERVIEWS = KindSpec(
    "interviews",
    "约谈企业",
    "约谈企业",
    (
        *ENTERPRISE_REF,
        *columns(models.Interview, "held_date", "trigger", "reason", "hazard_id"),
        Column(
            "batch_nos",
            "相关抽查批次",
            synonyms=("抽样单编号", "相关抽样单编号"),
            note="因抽查不合格约谈时填写抽样单编号，多个用顿号分隔",
            width=24,
        ),
        *columns(models.Interview, "finding", "attendees", "commitments", "follow_up_date", "notice_no"),
    ),
    key="企业 + 约谈日期",
    row_note="每行一次约谈。",
    enterprise_note=ENTERPRISE_NOTE,
)

OVERSIGHT = KindSpec(
    "oversight",
    "州局督导",
    "州局督导",
    columns(
        models.CountyOversight,
        "county_code",
        "kind",
        "action_date",
        "number",
        "reason",
        "due_date",
        "reported_to_local_government",
    ),
    key="县（市）+ 行动年度 + 督导方式 + 日期",
    row_note="每行一次约谈、通报或挂牌督办。县（市）的书面回复在“三阶段进度”页面登记。",
)
