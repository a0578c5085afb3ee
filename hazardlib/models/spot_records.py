"""Spot checks with the parties they name, risk signals and two-way tracing reports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, computed_field, field_validator, model_validator

from ..campaign import campaign_year_of
from ..fields import (
    DERIVED,
    Channel,
    Entry,
    Lines,
    Name,
    SignalSource,
    SignalState,
    SpotResult,
    Text,
    YesNo,
    category_of,
    check_county,
    check_own_county_products,
    check_sub_product,
    check_uscc,
    error,
    folder_of,
)
from .record_base import COUNTY, NOTE, PRODUCT, Record, not_future


class Party(Record):
    """A producer or seller named in a spot check; in the store, or outside the prefecture."""

    enterprise_id: int | None = Field(default=None, title="企业")
    name: Name | None = Field(default=None, title="名称", max_length=200)
    uscc: Text | None = Field(default=None, title="统一社会信用代码")
    region: Text | None = Field(default=None, title="所在地区", max_length=100)

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, v: str | None) -> str | None:
        return None if v is None else check_uscc(v)


class SpotCheck(Record):
    """A supervision spot-check batch (监督抽查批次)."""

    batch_no: Annotated[
        Text,
        Entry(synonyms=("抽样单号", "批次编号", "样品编号", "抽样编号"), example="QN2024-0001", width=20),
    ] = Field(title="抽样单编号", max_length=64)
    sampled_by_county: Annotated[
        Text, COUNTY, Entry(synonyms=("抽样县（市）", "抽查单位", "抽样单位", "组织抽查单位"))
    ] = Field(title="抽查县（市）")
    sample_date: Annotated[dt.date, Entry(synonyms=("抽样时间", "抽查日期"), example="2024-07-15")] = Field(
        title="抽样日期"
    )
    sub_product_code: Annotated[Text, PRODUCT] = Field(title="产品")
    channel: Annotated[
        Channel,
        Entry(
            type="choice",
            choices="channels",
            synonyms=("抽样场所", "抽样地点类型", "环节"),
            example="销售门店",
        ),
    ] = Field(title="抽样环节")
    result: Annotated[
        SpotResult,
        Entry(
            type="choice",
            choices="spot_results",
            synonyms=("检验结论", "检验结果", "结果", "判定结论"),
            note="合格、不合格或拒检",
            example="不合格",
        ),
    ] = Field(title="抽查结果")
    # the inspected enterprise and the parties are read from the 受检单位 and the producer's and seller's
    # columns (intake.columns_cases.SPOT_CHECKS), one set per role
    enterprise_id: Annotated[int | None, DERIVED] = Field(default=None, title="受检企业")
    producer: Annotated[Party, DERIVED] = Field(default_factory=Party, title="生产单位")
    seller: Annotated[Party, DERIVED] = Field(default_factory=Party, title="销售单位")
    follow_up_of: Annotated[
        int | None,
        Entry(
            header="跟踪抽查的原抽样单编号",
            type="text",
            synonyms=("原抽样单编号", "跟踪抽查原批次"),
            note="跟踪抽查时填写原批次的抽样单编号（须已在库中）",
            width=22,
        ),
    ] = Field(default=None, title="跟踪抽查的原批次")
    enforcement_sampling: Annotated[YesNo, Entry(synonyms=("是否执法抽检",))] = Field(
        default=False, title="执法抽检"
    )
    note: Annotated[Lines | None, NOTE, Entry(width=30)] = Field(default=None, title="备注", max_length=2000)

    _sampled = not_future("sample_date")

    @computed_field(title="行动年度")  # type: ignore[prop-decorator]
    @property
    def campaign_year(self) -> int:
        """The plan's campaign year of the sample (:func:`hazardlib.campaign.campaign_year_of`): one rule for
        a batch entered on the form and one imported, never the year of the page it was entered on."""
        return campaign_year_of(self.sample_date)

    @field_validator("sampled_by_county")
    @classmethod
    def _county(cls, v: str, info: ValidationInfo) -> str:
        return check_county(v, folder_of(info))

    @field_validator("sub_product_code")
    @classmethod
    def _product(cls, v: str, info: ValidationInfo) -> str:
        return check_sub_product(v, folder_of(info))

    @model_validator(mode="after")
    def _someone_sampled(self, info: ValidationInfo) -> SpotCheck:
        if (
            self.enterprise_id is None
            and not (self.producer.name or self.producer.enterprise_id)
            and not (self.seller.name or self.seller.enterprise_id)
        ):
            raise error("party", "抽查批次须写明受检的生产单位或销售单位", "enterprise_id")
        folder = folder_of(info)
        check_own_county_products([self.sub_product_code], self.sampled_by_county, "sub_product_code", folder)
        return self

    def row(self) -> dict[str, Any]:
        data = self.model_dump(exclude={"producer", "seller"})
        for role in ("producer", "seller"):
            party = getattr(self, role)
            data[f"{role}_id"] = party.enterprise_id
            data[f"{role}_name"] = party.name
            data[f"{role}_uscc"] = party.uscc
            data[f"{role}_region"] = party.region
        data["category_code"] = category_of(self.sub_product_code)
        return data


class RiskSignal(Record):
    """A risk signal (风险信息) from monitoring, to be analysed and verified."""

    county_code: Annotated[Text, COUNTY, Entry(note="负责核查的县（市）")] = Field(title="所属县（市）")
    campaign_year: Annotated[int, DERIVED] = Field(title="行动年度", ge=2000, le=2100)
    received_date: Annotated[
        dt.date, Entry(synonyms=("接收日期", "发现日期", "日期"), example="2024-06-20")
    ] = Field(title="收到日期")
    source: Annotated[
        SignalSource,
        Entry(type="choice", choices="signal_sources", synonyms=("来源", "风险来源"), example="投诉举报"),
    ] = Field(title="信息来源")
    description: Annotated[
        Lines,
        Entry(
            synonyms=("风险描述", "信息内容", "风险内容", "问题描述"),
            example="群众举报某门店销售无CCC标志的电动自行车充电器",
            width=40,
        ),
    ] = Field(title="风险信息", max_length=4000)
    enterprise_id: Annotated[int | None, DERIVED] = Field(default=None, title="企业")
    sub_product_code: Annotated[Text | None, PRODUCT] = Field(default=None, title="产品")
    verification: Annotated[
        SignalState,
        Entry(
            type="choice",
            choices="signal_states",
            synonyms=("核查结果", "核查情况"),
            note="待核查、经核查存在问题或经核查无问题；不填为待核查",
            example="待核查",
        ),
    ] = Field(default="pending", title="核查结论")
    verified_date: Annotated[dt.date | None, Entry()] = Field(default=None, title="核查日期")

    _received = not_future("received_date")

    @field_validator("county_code")
    @classmethod
    def _county(cls, v: str, info: ValidationInfo) -> str:
        return check_county(v, folder_of(info))

    @field_validator("sub_product_code")
    @classmethod
    def _product(cls, v: str | None, info: ValidationInfo) -> str | None:
        return None if v is None else check_sub_product(v, folder_of(info))


class TracingReport(Record):
    """A move of a two-way tracing task as a person writes it: which task, the day, whom it is passed on to
    (none: completed) and the 办理情况 — what the counties holding it wrote as they passed it on or completed
    it, one entry after another (:mod:`hazardlib.tracing`; the whole is bounded, so each entry is too)."""

    task_id: Annotated[
        int, Entry(synonyms=("追查任务编号", "编号"), note="双向追查清单中的任务编号", example="1")
    ] = Field(title="任务编号")
    day: Annotated[dt.date, Entry(synonyms=("办结日期", "转办日期", "日期"), example="2024-08-05")] = Field(
        title="办理日期"
    )
    recipient: Annotated[
        Text | None,
        Entry(synonyms=("转办单位", "移送单位"), width=24,
              note="不填：本县（市）已追查办结；填写：转办给该县（市）或州外单位（仅州局）"),
    ] = Field(default=None, title="转办给", max_length=100)  # fmt: skip
    note: Annotated[
        Lines | None,
        Entry(synonyms=("追查情况", "处理情况", *NOTE.synonyms), example="已追查到生产单位，责令其停止销售并召回",
              width=40),
    ] = Field(default=None, title="办理情况", max_length=2000)  # fmt: skip
