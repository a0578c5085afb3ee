"""Casework and its documents: 三书一函, written reports, interviews, enforcement cases, help given,
county plans, the prefecture's oversight and the answers to it, reports to local government."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ..fields import (
    DERIVED,
    Entry,
    HazardNumbers,
    HelpKind,
    InstrumentKind,
    InterviewTrigger,
    Lines,
    OversightKind,
    Text,
    Transfer,
    Violation,
    YesNo,
    check_county,
    check_sub_product,
    error,
    folder_of,
)
from .record_base import COUNTY, NOTE, PRODUCT, NotBefore, Record, dates_in_order, not_future


class Instrument(Record):
    """One of 三书一函: listed-supervision notice, interview notice, rectification notice, reminder letter."""

    kind: Annotated[
        InstrumentKind,
        Entry(type="choice", choices="instrument_kinds", synonyms=("文书种类", "文书名称", "三书一函"),
              example="整改通知书"),
    ] = Field(title="文书类型")  # fmt: skip
    enterprise_id: Annotated[int | None, DERIVED] = Field(default=None, title="企业")
    campaign_year: Annotated[int, DERIVED] = Field(title="行动年度", ge=2000, le=2100)
    issue_date: Annotated[dt.date, Entry(synonyms=("下达日期", "发文日期", "日期"), example="2024-07-12")] = (
        Field(title="签发日期")
    )
    number: Annotated[
        Text | None,
        Entry(synonyms=("文号", "编号", "通知书编号"), example="都市监整〔2024〕12号", width=24,
              note="纸质文书上的编号，如 都市监整〔2024〕12号；不填时按本单位的编号规则自动编号"),
    ] = Field(default=None, title="文书编号", max_length=64)  # fmt: skip
    hazard_id: Annotated[
        int | None,
        Entry(
            type="hazard_id", synonyms=("关联隐患编号",), note="针对台账上某条隐患的，填写台账中的隐患编号"
        ),
    ] = Field(default=None, title="隐患编号")
    note: Annotated[Lines | None, NOTE, Entry(width=30)] = Field(default=None, title="备注", max_length=2000)
    served_date: Annotated[dt.date | None, Entry(synonyms=("送达时间",), example="2024-07-13")] = Field(
        default=None, title="送达日期"
    )
    reply_due: Annotated[
        dt.date | None, Entry(synonyms=("整改期限", "答复期限"), note="不填时按文书类型的默认天数")
    ] = Field(default=None, title="回复期限")
    reply_date: Annotated[dt.date | None, Entry(synonyms=("企业回复日期", "答复日期"))] = Field(
        default=None, title="回复日期"
    )

    _issued = not_future("issue_date", "served_date", "reply_date")

    _order = dates_in_order(
        *(NotBefore(key, "issue_date", "before_issue") for key in ("served_date", "reply_due", "reply_date"))
    )


class WrittenReport(Record):
    """A continuing written report (持续书面报送) on the hazards a county still has open after the campaign."""

    county_code: Annotated[Text, COUNTY, Entry(note="报送的县（市）")] = Field(title="县（市）")
    campaign_year: Annotated[
        int,
        Entry(
            required=False,
            synonyms=("年度",),
            note="报送哪一年度行动未完成整改的隐患；不填为报送日期所在年度",
            example=2024,
        ),
    ] = Field(title="行动年度", ge=2000, le=2100)
    report_date: Annotated[
        dt.date, Entry(synonyms=("报送时间", "发文日期", "日期"), example="2024-11-10")
    ] = Field(title="报送日期")
    number: Annotated[
        Text,
        Entry(
            synonyms=("报送文号", "发文字号", "文件编号"),
            note="书面报送的文号；同一文号不能重复使用",
            example="都市监报〔2024〕21号",
            width=24,
        ),
    ] = Field(title="文号", max_length=64)
    hazard_ids: Annotated[
        HazardNumbers,
        Entry(
            synonyms=("隐患编号", "报送隐患编号", "涉及隐患"),
            note="整改台账中本县（市）隐患的编号，多个用顿号分隔",
            example="12、15",
            width=24,
        ),
    ] = Field(title="涉及隐患编号")
    note: Annotated[Lines | None, NOTE, Entry(example="10月底前未完成整改隐患的整改进展", width=30)] = Field(
        default=None, title="备注", max_length=2000
    )

    _reported = not_future("report_date")

    @field_validator("county_code")
    @classmethod
    def _county(cls, v: str, info: ValidationInfo) -> str:
        return check_county(v, folder_of(info))

    @field_validator("hazard_ids")
    @classmethod
    def _some(cls, v: list[int]) -> list[int]:
        if not v:
            raise error("hazard_ids", "请填写报送涉及的隐患编号（整改台账中的编号，多个用顿号分隔）")
        return v


class Interview(Record):
    """An interview (约谈) held with an enterprise, whatever triggered it: the one record every count of
    interviewed enterprises reads (the results list's 约谈企业, the rules' “interviewed since”)."""

    enterprise_id: Annotated[int, DERIVED] = Field(title="企业")
    campaign_year: Annotated[int, DERIVED] = Field(title="行动年度", ge=2000, le=2100)
    held_date: Annotated[dt.date, Entry(synonyms=("约谈时间", "日期"), example="2024-08-15")] = Field(
        title="约谈日期"
    )
    trigger: Annotated[
        InterviewTrigger | None,
        Entry(
            type="choice",
            choices="interview_triggers",
            required=True,
            synonyms=("约谈原因", "约谈情形"),
            note="拒不整改或整改不到位、连续2次抽查不合格且有重大隐患、县（市）局研究决定",
            example="拒不整改或整改不到位",
            width=26,
        ),
    ] = Field(default=None, title="约谈起因")
    reason: Annotated[
        Lines | None, Entry(synonyms=("事由", "约谈内容"), example="整改期限届满仍未整改", width=30)
    ] = Field(default=None, title="约谈事由", max_length=2000)
    hazard_id: Annotated[
        int | None,
        Entry(type="hazard_id", synonyms=("关联隐患编号",), note="因隐患约谈时填写整改台账中的隐患编号"),
    ] = Field(default=None, title="隐患编号")
    # The template names the batches by their 抽样单编号 (its column 相关抽查批次, read by the handler).
    spot_check_ids: Annotated[list[int], DERIVED] = Field(default_factory=list, title="相关抽查批次")
    finding: Annotated[
        Text | None, Entry(synonyms=("规则编号",), note="因规则提示约谈时填写规则编号（选填）")
    ] = Field(default=None, title="相关规则提示", max_length=64)
    attendees: Annotated[
        Text | None,
        Entry(synonyms=("参加约谈人员", "约谈人员"), example="县局 王五；企业法定代表人 赵六", width=30),
    ] = Field(default=None, title="参加人员", max_length=500)
    commitments: Annotated[
        Lines | None, Entry(synonyms=("承诺事项", "整改承诺"), example="9月15日前完成整改", width=30)
    ] = Field(default=None, title="企业承诺事项", max_length=2000)
    follow_up_date: Annotated[
        dt.date | None, Entry(synonyms=("复查日期", "跟踪日期"), example="2024-09-16")
    ] = Field(default=None, title="跟踪复查日期")
    notice_no: Annotated[
        Text | None,
        Entry(
            synonyms=("约谈通知书文号", "通知书编号"),
            note="“三书一函”中已登记、签发给该企业的约谈通知书编号（签发日期不晚于约谈日期）；一份通知书只对应一次约谈",
            example="都市监约〔2024〕3号",
            width=24,
        ),
    ] = Field(default=None, title="约谈通知书编号", max_length=64)

    _held = not_future("held_date")

    @field_validator("spot_check_ids", mode="before")
    @classmethod
    def _no_checks(cls, v: Any) -> Any:
        return [] if v is None else v  # stored as NULL when there are none

    _order = dates_in_order(NotBefore("follow_up_date", "held_date"))


class EnforcementCase(Record):
    """An enforcement case (立案查处) and what followed from it."""

    enterprise_id: Annotated[int, DERIVED] = Field(title="企业")
    campaign_year: Annotated[int, DERIVED] = Field(title="行动年度", ge=2000, le=2100)
    case_no: Annotated[
        Text | None,
        Entry(synonyms=("案号", "立案编号", "决定书文号"), example="黔南市监立〔2024〕1号", width=22),
    ] = Field(default=None, title="案件编号", max_length=64)
    filed_date: Annotated[dt.date, Entry(synonyms=("立案时间",), example="2024-07-20")] = Field(
        title="立案日期"
    )
    violation: Annotated[
        Violation,
        Entry(
            type="choice",
            choices="violations",
            synonyms=("违法行为类型", "案由", "违法类型"),
            example="无证生产",
            width=20,
        ),
    ] = Field(title="违法行为")
    sub_product_code: Annotated[Text | None, PRODUCT] = Field(default=None, title="产品")
    facts: Annotated[Lines | None, Entry(synonyms=("主要违法事实", "违法事实", "案情简介"), width=30)] = (
        Field(default=None, title="案情", max_length=8000)
    )
    penalty: Annotated[Lines | None, Entry(synonyms=("处罚决定", "处罚内容", "行政处罚"), width=30)] = Field(
        default=None, title="处罚结果", max_length=2000
    )
    persons_punished: Annotated[int, Entry(synonyms=("处罚到人", "处罚人数"), example=0)] = Field(
        default=0, title="处罚到人（人数）", ge=0, le=1000
    )
    transferred_to: Annotated[
        Transfer | None, Entry(type="choice", choices="transfers", synonyms=("移送机关", "移送单位"))
    ] = Field(default=None, title="移送")
    transfer_date: Annotated[dt.date | None, Entry()] = Field(default=None, title="移送日期")
    dishonesty_listed: Annotated[YesNo, Entry(synonyms=("列入失信名单", "严重违法失信名单"))] = Field(
        default=False, title="列入严重违法失信名单"
    )
    dishonesty_date: Annotated[dt.date | None, Entry()] = Field(default=None, title="列入失信名单日期")
    licence_revoked: Annotated[YesNo, Entry(synonyms=("吊销许可证", "撤销生产许可证"))] = Field(
        default=False, title="撤销许可证"
    )
    revoked_date: Annotated[dt.date | None, Entry()] = Field(default=None, title="撤销日期")
    major_case: Annotated[YesNo, Entry(synonyms=("是否重大案件",))] = Field(default=False, title="重大案件")
    typical_case: Annotated[YesNo, Entry(synonyms=("典型案例", "是否典型案例"))] = Field(
        default=False, title="曝光典型案例"
    )
    published_date: Annotated[dt.date | None, Entry()] = Field(default=None, title="曝光日期")
    hazard_id: Annotated[
        int | None,
        Entry(type="hazard_id", synonyms=("关联隐患编号",), note="由隐患引发的案件填写台账中的隐患编号"),
    ] = Field(default=None, title="隐患编号")
    # Publicity in 国家企业信用信息公示系统（贵州） is its date and reference, declared once here: the plan asks that
    # it be done 及时 (in time), which a yes/no cannot say (the yes/no 通过…公示 was retired by migration 0019).
    publicity_date: Annotated[dt.date | None, Entry(synonyms=("信用公示日期",), example="2024-08-20")] = (
        Field(default=None, title="公示日期")
    )
    publicity_ref: Annotated[
        Text | None,
        Entry(
            synonyms=("公示编号", "公示文号"),
            note="国家企业信用信息公示系统（贵州）中的公示信息编号或行政处罚决定书文号",
            width=22,
        ),
    ] = Field(default=None, title="公示信息编号", max_length=64)
    not_listed_by: Annotated[
        Text | None, Entry(note="经研究决定不列入严重违法失信名单时填写决定人、决定日期和理由（三项同填）")
    ] = Field(default=None, title="不列入失信名单的决定人", max_length=64)
    not_listed_date: Annotated[dt.date | None, Entry()] = Field(
        default=None, title="不列入失信名单的决定日期"
    )
    not_listed_reason: Annotated[Lines | None, Entry(width=30)] = Field(
        default=None, title="不列入失信名单的理由", max_length=2000
    )
    not_revoked_by: Annotated[
        Text | None, Entry(note="经核查决定不撤销许可证时填写决定人、决定日期和理由（三项同填）")
    ] = Field(default=None, title="不撤销许可证的决定人", max_length=64)
    not_revoked_date: Annotated[dt.date | None, Entry()] = Field(default=None, title="不撤销许可证的决定日期")
    not_revoked_reason: Annotated[Lines | None, Entry(width=30)] = Field(
        default=None, title="不撤销许可证的理由", max_length=2000
    )

    _filed = not_future("filed_date")
    _decided = not_future("publicity_date", "not_listed_date", "not_revoked_date")

    @field_validator("sub_product_code")
    @classmethod
    def _product(cls, v: str | None, info: ValidationInfo) -> str | None:
        return None if v is None else check_sub_product(v, folder_of(info))

    @model_validator(mode="after")
    def _dates_follow_flags(self) -> EnforcementCase:
        pairs = [
            ("transferred_to", "transfer_date", "移送日期"),
            ("dishonesty_listed", "dishonesty_date", "列入失信名单日期"),
            ("licence_revoked", "revoked_date", "撤销日期"),
            ("typical_case", "published_date", "曝光日期"),
        ]
        for flag, day, label in pairs:
            d = getattr(self, day)
            if getattr(self, flag) and d is None:
                raise error(
                    "date_required", f"已填写“{type(self).model_fields[flag].title}”时须填写{label}", day
                )
        decisions = [
            ("not_listed", "dishonesty_listed", "列入严重违法失信名单"),
            ("not_revoked", "licence_revoked", "撤销许可证"),
        ]
        for prefix, done, what in decisions:
            parts = [f"{prefix}_by", f"{prefix}_date", f"{prefix}_reason"]
            given = [getattr(self, p) is not None for p in parts]
            if any(given) and not all(given):
                missing = parts[given.index(False)]
                title = type(self).model_fields[missing].title
                raise error(
                    "decision_incomplete",
                    f"记录不{what}的决定时须同时填写决定人、决定日期和理由（缺“{title}”）",
                    missing,
                )
            if all(given) and getattr(self, done):
                raise error("decision_conflict", f"已{what}，不能同时记录不{what}的决定", parts[0])
        return self

    _order = dates_in_order(
        *(NotBefore(key, "filed_date") for key in ("transfer_date", "dishonesty_date", "revoked_date",
                                                   "published_date", "publicity_date")),
        *(NotBefore(key, "filed_date", later_title="决定日期") for key in ("not_listed_date", "not_revoked_date")),
    )  # fmt: skip


class HelpRecord(Record):
    """Help given to an enterprise (质量问诊、质量分析、质量培训、整改指导意见书)."""

    enterprise_id: Annotated[int, DERIVED] = Field(title="企业")
    campaign_year: Annotated[int, DERIVED] = Field(title="行动年度", ge=2000, le=2100)
    kind: Annotated[
        HelpKind,
        Entry(type="choice", choices="help_kinds", synonyms=("帮扶类型", "帮扶形式"), example="质量问诊"),
    ] = Field(title="帮扶方式")
    help_date: Annotated[dt.date, Entry(synonyms=("帮扶时间", "日期"), example="2024-09-10")] = Field(
        title="帮扶日期"
    )
    note: Annotated[Lines | None, Entry(synonyms=("内容", "帮扶情况", "备注"), width=40)] = Field(
        default=None, title="帮扶内容", max_length=4000
    )

    _helped = not_future("help_date")


class CountyPlan(Record):
    """A county's own work plan for the campaign (各县（市）局制定工作方案)."""

    county_code: Annotated[Text, COUNTY, Entry(note="制定工作方案的县（市）")] = Field(title="县（市）")
    campaign_year: Annotated[int, DERIVED] = Field(title="行动年度", ge=2000, le=2100)
    adopted_date: Annotated[
        dt.date | None, Entry(required=True, synonyms=("印发时间", "发文日期", "日期"), example="2024-05-20")
    ] = Field(default=None, title="印发日期")
    document: Annotated[
        Text | None,
        Entry(
            synonyms=("方案名称", "工作方案名称", "标题"),
            example="都匀市重点工业产品质量安全隐患排查治理行动工作方案",
            width=40,
        ),
    ] = Field(default=None, title="文件名称", max_length=300)
    document_no: Annotated[
        Text | None,
        Entry(
            synonyms=("发文字号", "文件编号"),
            note="工作方案的发文字号；同一编号不能重复使用",
            example="都市监发〔2024〕15号",
            width=24,
        ),
    ] = Field(default=None, title="文号", max_length=64)
    responsible: Annotated[
        Text | None,
        Entry(synonyms=("责任人", "负责人", "责任领导"), example="局长 张三；质量股 李四", width=30),
    ] = Field(default=None, title="责任领导及责任人", max_length=300)

    _adopted = not_future("adopted_date")

    @field_validator("county_code")
    @classmethod
    def _county(cls, v: str, info: ValidationInfo) -> str:
        return check_county(v, folder_of(info))


class CountyOversight(Record):
    """The prefecture's oversight of a county: interview, circular or listed supervision."""

    county_code: Annotated[Text, COUNTY, Entry(note="被约谈、通报或挂牌督办的县（市）")] = Field(
        title="县（市）"
    )
    campaign_year: Annotated[int, DERIVED] = Field(title="行动年度", ge=2000, le=2100)
    kind: Annotated[
        OversightKind,
        Entry(
            type="choice",
            choices="oversight_kinds",
            synonyms=("方式", "督导类型"),
            note="约谈、通报或挂牌督办（仅州局账号可导入）",
            example="通报",
        ),
    ] = Field(title="督导方式")
    action_date: Annotated[
        dt.date, Entry(synonyms=("督导日期", "约谈日期", "通报日期"), example="2024-08-25")
    ] = Field(title="日期")
    reason: Annotated[
        Lines | None, Entry(synonyms=("原因", "说明", "备考"), example="自查覆盖率低、整改进度滞后", width=30)
    ] = Field(default=None, title="事由", max_length=2000)
    reported_to_local_government: Annotated[YesNo, Entry(synonyms=("报告党委政府",))] = Field(
        default=False, title="报告地方党委政府"
    )
    number: Annotated[
        Text | None,
        Entry(
            synonyms=("文件编号",),
            note="通报或督办文件的文号；同一编号不能重复使用",
            example="黔南市监通〔2024〕2号",
            width=24,
        ),
    ] = Field(default=None, title="文号", max_length=64)
    due_date: Annotated[dt.date | None, Entry(synonyms=("回复期限",), example="2024-09-10")] = Field(
        default=None, title="书面回复期限"
    )

    _acted = not_future("action_date")

    @field_validator("county_code")
    @classmethod
    def _county(cls, v: str, info: ValidationInfo) -> str:
        return check_county(v, folder_of(info))

    _order = dates_in_order(NotBefore("due_date", "action_date", earlier_title="督导日期"))


class OversightResponse(Record):
    """A county's written response (书面回复) to the prefecture's oversight of it."""

    response: Lines = Field(title="书面回复", min_length=2, max_length=4000)
    response_date: dt.date = Field(title="回复日期")

    _replied = not_future("response_date")


class LocalReport(Record):
    """A report to the local Party committee and government on a hard problem (plan 四(一)), about a hazard or
    an enterprise."""

    county_code: Text = Field(title="县（市）")
    campaign_year: int = Field(title="行动年度", ge=2000, le=2100)
    report_date: dt.date = Field(title="报告日期")
    document_no: Text | None = Field(default=None, title="文号", max_length=64)
    enterprise_id: int | None = Field(default=None, title="企业")
    hazard_id: int | None = Field(default=None, title="隐患编号")
    summary: Lines = Field(title="报告事项", min_length=2, max_length=4000)

    _reported = not_future("report_date")

    @field_validator("county_code")
    @classmethod
    def _county(cls, v: str, info: ValidationInfo) -> str:
        return check_county(v, folder_of(info))

    @model_validator(mode="after")
    def _about_something(self) -> LocalReport:
        if self.enterprise_id is None and self.hazard_id is None:
            raise error("subject", "须指明报告涉及的隐患或企业", "hazard_id")
        return self
