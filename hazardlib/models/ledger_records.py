"""The records of an enterprise's own ledger: self-checks with their risk control lists, on-site
inspections, hazards on the rectification ledger and the moves written on it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ..fields import (
    DERIVED,
    Entry,
    FieldOfWork,
    FindingKind,
    Grade,
    HazardSource,
    Lines,
    Text,
    YesNo,
    category_of,
    check_problem,
    check_sub_product,
    error,
    folder_of,
)
from .record_base import GRADE, NOTE, PRODUCT, NotBefore, Record, dates_in_order, not_future


class RiskControlItem(Record):
    """One line of a risk control list (风险管控清单)."""

    point_code: Annotated[
        Text,
        Entry(
            type="risk_point",
            choices="risk_points",
            synonyms=("风险点类型", "风险类别", "管控环节"),
            note="风险管控清单的一条：从下拉列表选择风险点类别",
            example="R-01 原材料和零部件进货查验",
            width=28,
        ),
    ] = Field(title="风险点类别", max_length=16)
    risk_point: Annotated[
        Lines, Entry(synonyms=("风险点", "风险点描述", "主要风险"), example="水泥熟料进货查验", width=30)
    ] = Field(title="关键风险点", max_length=2000)
    measure: Annotated[
        Lines | None, Entry(synonyms=("防控措施", "控制措施"), example="逐批查验合格证明", width=30)
    ] = Field(default=None, title="管控措施", max_length=2000)
    measures_in_place: Annotated[YesNo, Entry(synonyms=("措施是否落实", "是否落实"), example="是")] = Field(
        default=True, title="管控措施已落实"
    )
    grade: Annotated[Grade, GRADE, Entry(synonyms=("风险级别",), note="一般、较大或重大；不填为一般")] = (
        Field(default="general", title="风险等级")
    )


class SelfCheck(Record):
    """An enterprise's self-check of its quality-safety main responsibility (主体责任落实情况自查)."""

    enterprise_id: Annotated[int, DERIVED] = Field(title="企业")
    campaign_year: Annotated[int, DERIVED] = Field(title="行动年度", ge=2000, le=2100)
    check_date: Annotated[dt.date, Entry(synonyms=("自查时间", "填报日期", "日期"), example="2024-06-03")] = (
        Field(title="自查日期")
    )
    # the main-responsibility duties, each answering an item of checklists.toml's self-check list
    management_system: Annotated[YesNo, Entry(synonyms=("质量安全管理制度",), example="是", duty="S-01")] = (
        Field(title="建立质量安全管理制度")
    )
    quality_director: Annotated[YesNo, Entry(synonyms=("质量安全总监",), example="是", duty="S-02")] = Field(
        title="配备质量安全总监"
    )
    quality_officer: Annotated[YesNo, Entry(synonyms=("质量安全员",), example="是", duty="S-03")] = Field(
        title="配备质量安全员"
    )
    daily_control: Annotated[YesNo, Entry(synonyms=("日管控",), example="是", duty="S-04")] = Field(
        title="执行日管控"
    )
    weekly_check: Annotated[YesNo, Entry(synonyms=("周排查",), example="是", duty="S-05")] = Field(
        title="执行周排查"
    )
    monthly_review: Annotated[YesNo, Entry(synonyms=("月调度",), example="是", duty="S-06")] = Field(
        title="执行月调度"
    )
    major_risk_reported: Annotated[YesNo, Entry(synonyms=("报告重大风险", "重大风险报告"))] = Field(
        default=False, title="主动报告重大风险"
    )
    major_risk_description: Annotated[Lines | None, Entry(synonyms=("重大风险描述",), width=30)] = Field(
        default=None, title="重大风险情况", max_length=2000
    )
    note: Annotated[Lines | None, NOTE] = Field(default=None, title="备注", max_length=2000)
    items: Annotated[list[RiskControlItem], DERIVED] = Field(default_factory=list, title="风险管控清单")

    _check_date = not_future("check_date")

    @model_validator(mode="after")
    def _major_risk_described(self) -> SelfCheck:
        if self.major_risk_reported and not self.major_risk_description:
            raise error(
                "major_risk_description", "报告重大风险时须填写“重大风险情况”", "major_risk_description"
            )
        return self

    def row(self) -> dict[str, Any]:
        return self.model_dump(exclude={"items"})


class Inspection(Record):
    """An on-site inspection (现场检查) of one enterprise for one product, against its field's checklist."""

    enterprise_id: Annotated[int, DERIVED] = Field(title="企业")
    campaign_year: Annotated[int, DERIVED] = Field(title="行动年度", ge=2000, le=2100)
    inspection_date: Annotated[dt.date, Entry(synonyms=("检查时间", "日期"), example="2024-07-10")] = Field(
        title="检查日期"
    )
    field: Annotated[
        FieldOfWork,
        Entry(
            type="choice",
            choices="fields",
            synonyms=("领域", "环节", "检查环节"),
            note="生产领域或流通领域",
            example="生产领域",
        ),
    ] = Field(title="检查领域")
    sub_product_code: Annotated[Text, PRODUCT] = Field(title="检查产品")
    inspectors: Annotated[
        Text | None, Entry(synonyms=("检查人", "执法人员"), example="李四、王五", width=18)
    ] = Field(default=None, title="检查人员", max_length=200)
    note: Annotated[
        Lines | None, Entry(header="检查情况", synonyms=("备注", "检查情况说明", *NOTE.synonyms), width=30)
    ] = Field(default=None, title="备注", max_length=2000)
    results: Annotated[
        dict[str, bool],
        Entry(
            header="不符合的检查要点",
            type="checklist",
            synonyms=("不符合项", "不合格检查项", "检查发现问题的要点"),
            note="检查表中不符合的要点代码（如 P-06、C-01），多个用顿号分隔；全部符合填“无”；不填则不记录检查表结果",
            example="P-06",
            width=20,
        ),
    ] = Field(default_factory=dict, title="检查要点结果")

    _date = not_future("inspection_date")

    @field_validator("sub_product_code")
    @classmethod
    def _product(cls, v: str, info: ValidationInfo) -> str:
        return check_sub_product(v, folder_of(info))


class Hazard(Record):
    """A hazard or risk (隐患/风险) on the rectification ledger."""

    enterprise_id: Annotated[int, DERIVED] = Field(title="企业")
    campaign_year: Annotated[int, DERIVED] = Field(title="行动年度", ge=2000, le=2100)
    kind: Annotated[
        FindingKind,
        Entry(
            header="隐患类别",
            type="choice",
            choices="finding_kinds",
            synonyms=("隐患或风险",),
            note="隐患或风险；不填为隐患",
            example="隐患",
        ),
    ] = Field(default="hazard", title="类别")
    grade: Annotated[
        Grade,
        GRADE,
        Entry(synonyms=("隐患级别", "风险等级", "等级"), note="一般、较大或重大（发现隐患时必填）"),
    ] = Field(title="隐患等级")
    problem_code: Annotated[
        Text,
        Entry(
            type="problem",
            choices="problems",
            synonyms=("问题类别", "隐患类型", "重点问题"),
            note="从下拉列表选择（发现隐患时必填）",
            example="P04 出厂检验记录不全",
            width=26,
        ),
    ] = Field(title="问题类型")
    # where and when the hazard was found is the record it was found in (the inspection's row)
    sub_product_code: Annotated[Text, DERIVED] = Field(title="产品")
    found_date: Annotated[dt.date, DERIVED] = Field(title="发现日期")
    source: Annotated[HazardSource, DERIVED] = Field(title="发现来源")
    source_id: Annotated[int | None, DERIVED] = Field(default=None, title="来源记录")
    description: Annotated[
        Lines | None,
        Entry(
            synonyms=("隐患内容", "问题描述", "存在问题", "发现问题"),
            example="出厂检验记录缺少部分批次",
            width=30,
        ),
    ] = Field(default=None, title="隐患描述", max_length=4000)
    control_measures: Annotated[YesNo | None, Entry(synonyms=("管控措施",), example="是")] = Field(
        default=None, title="已采取管控措施"
    )
    large_urgent: Annotated[YesNo, Entry(synonyms=("隐患大问题紧迫", "问题紧迫"))] = Field(
        default=False, title="隐患大、问题紧迫"
    )
    ordered_date: Annotated[dt.date | None, Entry(example="2024-07-10")] = Field(
        default=None, title="责令整改日期"
    )
    deadline: Annotated[dt.date | None, Entry(synonyms=("整改期限日期", "限期"), example="2024-08-09")] = (
        Field(default=None, title="整改期限")
    )

    _found = not_future("found_date")

    @field_validator("problem_code")
    @classmethod
    def _problem(cls, v: str) -> str:
        return check_problem(v)

    @field_validator("sub_product_code")
    @classmethod
    def _product(cls, v: str, info: ValidationInfo) -> str:
        return check_sub_product(v, folder_of(info))

    # without an order date the deadline runs from the finding, still named the order date in the message
    _order = dates_in_order(
        NotBefore(
            "deadline", ("ordered_date", "found_date"), "deadline_before_order", earlier_title="责令整改日期"
        )
    )

    @property
    def category_code(self) -> str:
        return category_of(self.sub_product_code)

    def row(self) -> dict[str, Any]:
        return {**self.model_dump(), "category_code": self.category_code}


class LedgerMove(Record):
    """What a person writes with a move on the rectification ledger (整改台账); the move itself, its date,
    outcome and deadline are the ledger's to check (:func:`hazardlib.ledger.apply_move`)."""

    note: Lines | None = Field(default=None, title="说明", max_length=1000)
