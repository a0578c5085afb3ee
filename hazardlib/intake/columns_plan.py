"""The canonical columns of the kinds the work plan asks of the counties and the prefecture beyond the
enterprises' records: county work plans, interviews with enterprises, and the prefecture's oversight of the
counties (the registry is :mod:`hazardlib.intake.kinds`)."""

from __future__ import annotations

from .columns import (
    COUNTY_SYNONYMS,
    ENTERPRISE_NOTE,
    ENTERPRISE_REF,
    NOTE_SYNONYMS,
    Column,
    KindSpec,
    date_column,
    yes_no_column,
)


def county_column(note: str) -> Column:
    return Column(
        "county_code",
        "县（市）",
        "county",
        required=True,
        choices="counties",
        synonyms=COUNTY_SYNONYMS,
        note=note,
        example="都匀市",
    )


def number_column(key: str, header: str, note: str, example: str, *synonyms: str) -> Column:
    return Column(
        key, header, synonyms=synonyms, note=f"{note}；同一编号不能重复使用", example=example, width=24
    )


COUNTY_PLANS = KindSpec(
    "county-plans",
    "县级工作方案",
    "县级工作方案",
    (
        county_column("制定工作方案的县（市）"),
        date_column(
            "adopted_date", "印发日期", synonyms=("印发时间", "发文日期", "日期"), example="2024-05-20"
        ),
        Column(
            "document",
            "文件名称",
            synonyms=("方案名称", "工作方案名称", "标题"),
            example="都匀市重点工业产品质量安全隐患排查治理行动工作方案",
            width=40,
        ),
        number_column(
            "document_no", "文号", "工作方案的发文字号", "都市监发〔2024〕15号", "发文字号", "文件编号"
        ),
        Column(
            "responsible",
            "责任领导及责任人",
            synonyms=("责任人", "负责人", "责任领导"),
            example="局长 张三；质量股 李四",
            width=30,
        ),
    ),
    key="县（市）+ 行动年度（印发日期所在年度）",
    row_note="每行一个县（市）一年度的工作方案。方案文件（PDF、DOCX 或 WPS）在“三阶段进度”页面上传。",
)

INTERVIEWS = KindSpec(
    "interviews",
    "约谈企业",
    "约谈企业",
    (
        *ENTERPRISE_REF,
        date_column("held_date", "约谈日期", synonyms=("约谈时间", "日期"), example="2024-08-15"),
        Column(
            "trigger",
            "约谈起因",
            "choice",
            required=True,
            choices="interview_triggers",
            synonyms=("约谈原因", "约谈情形"),
            note="拒不整改或整改不到位、连续2次抽查不合格且有重大隐患、县（市）局研究决定",
            example="拒不整改或整改不到位",
            width=26,
        ),
        Column("reason", "约谈事由", synonyms=("事由", "约谈内容"), example="整改期限届满仍未整改", width=30),
        Column(
            "hazard_id",
            "隐患编号",
            "hazard_id",
            synonyms=("关联隐患编号",),
            note="因隐患约谈时填写整改台账中的隐患编号",
        ),
        Column(
            "batch_nos",
            "相关抽查批次",
            synonyms=("抽样单编号", "相关抽样单编号"),
            note="因抽查不合格约谈时填写抽样单编号，多个用顿号分隔",
            width=24,
        ),
        Column(
            "finding", "相关规则提示", synonyms=("规则编号",), note="因规则提示约谈时填写规则编号（选填）"
        ),
        Column(
            "attendees",
            "参加人员",
            synonyms=("参加约谈人员", "约谈人员"),
            example="县局 王五；企业法定代表人 赵六",
            width=30,
        ),
        Column(
            "commitments",
            "企业承诺事项",
            synonyms=("承诺事项", "整改承诺"),
            example="9月15日前完成整改",
            width=30,
        ),
        date_column(
            "follow_up_date", "跟踪复查日期", False, synonyms=("复查日期", "跟踪日期"), example="2024-09-16"
        ),
        number_column(
            "notice_no",
            "约谈通知书编号",
            "约谈通知书的文号",
            "都市监约〔2024〕3号",
            "约谈通知书文号",
            "通知书编号",
        ),
    ),
    key="企业 + 约谈日期",
    row_note="每行一次约谈。",
    enterprise_note=ENTERPRISE_NOTE,
)

OVERSIGHT = KindSpec(
    "oversight",
    "州局督导",
    "州局督导",
    (
        county_column("被约谈、通报或挂牌督办的县（市）"),
        Column(
            "kind",
            "督导方式",
            "choice",
            required=True,
            choices="oversight_kinds",
            synonyms=("方式", "督导类型"),
            note="约谈、通报或挂牌督办（仅州局账号可导入）",
            example="通报",
        ),
        date_column(
            "action_date", "日期", synonyms=("督导日期", "约谈日期", "通报日期"), example="2024-08-25"
        ),
        number_column("number", "文号", "通报或督办文件的文号", "黔南市监通〔2024〕2号", "文件编号"),
        Column(
            "reason",
            "事由",
            synonyms=("原因", *NOTE_SYNONYMS),
            example="自查覆盖率低、整改进度滞后",
            width=30,
        ),
        date_column("due_date", "书面回复期限", False, synonyms=("回复期限",), example="2024-09-10"),
        yes_no_column("reported_to_local_government", "报告地方党委政府", synonyms=("报告党委政府",)),
    ),
    key="县（市）+ 行动年度 + 督导方式 + 日期",
    row_note="每行一次约谈、通报或挂牌督办。县（市）的书面回复在“三阶段进度”页面登记。",
)
