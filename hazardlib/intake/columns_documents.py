"""The canonical columns of the kinds about documents and tasks: instruments of 三书一函 issued on paper,
the follow-up of two-way tracing tasks and the continuing written reports after the campaign (the other kinds
are in :mod:`hazardlib.intake.columns` and :mod:`hazardlib.intake.columns_cases`)."""

from __future__ import annotations

from .. import models
from .columns import ENTERPRISE_NOTE, ENTERPRISE_REF, NOTE_SYNONYMS, Column, KindSpec, columns, date_column

INSTRUMENTS = KindSpec(
    "instruments",
    "三书一函",
    "三书一函",
    (
        *ENTERPRISE_REF,
        Column(
            "kind",
            "文书类型",
            "choice",
            required=True,
            choices="instrument_kinds",
            synonyms=("文书种类", "文书名称", "三书一函"),
            example="整改通知书",
        ),
        Column(
            "number",
            "文书编号",
            synonyms=("文号", "编号", "通知书编号"),
            note="纸质文书上的编号，如 都市监整〔2024〕12号；不填时按本单位的编号规则自动编号",
            example="都市监整〔2024〕12号",
            width=24,
        ),
        date_column(
            "issue_date", "签发日期", synonyms=("下达日期", "发文日期", "日期"), example="2024-07-12"
        ),
        Column(
            "hazard_id",
            "隐患编号",
            "hazard_id",
            synonyms=("关联隐患编号",),
            note="针对台账上某条隐患的，填写台账中的隐患编号",
        ),
        date_column("served_date", "送达日期", False, synonyms=("送达时间",), example="2024-07-13"),
        date_column(
            "reply_due",
            "回复期限",
            False,
            synonyms=("整改期限", "答复期限"),
            note="不填时按文书类型的默认天数",
        ),
        date_column("reply_date", "回复日期", False, synonyms=("企业回复日期", "答复日期")),
        Column("note", "备注", synonyms=NOTE_SYNONYMS, width=30),
    ),
    key="文书编号（未填时：企业 + 文书类型 + 签发日期）",
    row_note="每行一份已签发的文书；已登记的文书再次导入时更新送达、回复等办理情况。",
    enterprise_note=ENTERPRISE_NOTE,
)

TRACING_TASKS = KindSpec(
    "tracing-tasks",
    "双向追查办理",
    "双向追查办理",
    (
        Column(
            "task_id",
            "任务编号",
            "int",
            required=True,
            synonyms=("追查任务编号", "编号"),
            note="双向追查清单中的任务编号",
            example="1",
        ),
        date_column("day", "办理日期", synonyms=("办结日期", "转办日期", "日期"), example="2024-08-05"),
        Column(
            "recipient",
            "转办给",
            synonyms=("转办单位", "移送单位"),
            note="不填：本县（市）已追查办结；填写：转办给该县（市）或州外单位（仅州局）",
            width=24,
        ),
        Column(
            "note",
            "办理情况",
            synonyms=("追查情况", "处理情况", *NOTE_SYNONYMS),
            example="已追查到生产单位，责令其停止销售并召回",
            width=40,
        ),
    ),
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
