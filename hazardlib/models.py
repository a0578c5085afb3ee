"""Domain models of the campaign's records, validated with pydantic.

Each model is the shape of one record as it is stored (English field names, English codes for closed
vocabularies), but accepts what people write: Chinese labels and their variants, full-width digits,
stray spaces. ``validate(Model, data)`` returns the model or raises :class:`ValidationFailed` carrying
every finding at once, each naming the field in Chinese.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .errors import Finding, ValidationFailed
from .fields import (  # noqa: F401  (the checks are also used as models.check_…)
    DERIVED,
    Channel,
    EnterpriseField,
    Entry,
    FieldOfWork,
    FindingKind,
    Grade,
    HazardNumbers,
    HazardSource,
    HelpKind,
    InstrumentKind,
    InterviewTrigger,
    Name,
    OversightKind,
    SignalSource,
    SignalState,
    SpotResult,
    Text,
    Transfer,
    Violation,
    YesNo,
    category_of,
    check_ccc,
    check_county,
    check_licence,
    check_own_county_products,
    check_problem,
    check_products,
    check_sub_product,
    check_uscc,
    check_yes_no,
    error,
    other_county_product,
    today_of,
)

M = TypeVar("M", bound=BaseModel)

# -- how the fields several records share are written (see fields.Entry) -------------------------

USCC = Entry(
    type="uscc",
    synonyms=("社会信用代码", "信用代码", "统一代码", "统一社会信用代码证号", "统一社会信用代码/注册号",
              "社会统一信用代码", "营业执照号", "营业执照号码", "USCC"),
    note="18位统一社会信用代码；填写后按代码匹配库中企业",
    example="91522701202406033X",
    width=24,
)  # fmt: skip
NAME = Entry(
    synonyms=("单位名称", "生产企业名称", "企业名称（全称）", "企业全称", "市场主体名称", "经营者名称",
              "受检单位名称", "受检单位", "被检查单位", "被检查单位名称", "被检查企业", "企业", "名称"),
    note="企业全称",
    example="都匀市示例建材有限公司",
    width=30,
)  # fmt: skip
COUNTY = Entry(
    type="county",
    synonyms=("县（市）", "县市", "所属县市", "所在县（市）", "所属地区", "辖区", "属地", "县（市、区）", "区县"),
    choices="counties",
    example="都匀市",
)  # fmt: skip
PRODUCT = Entry(
    header="产品",
    type="sub_product",
    unless="category_code",
    synonyms=("产品名称", "产品", "检查产品", "抽查产品", "涉及产品", "产品品种", "细分产品"),
    choices="sub_products",
    note="从下拉列表选择重点产品（代码 名称），也可只写产品名称",
    example="03-01 水泥",
    width=26,
)
NOTE = Entry(synonyms=("说明", "备考"), width=24)
ENTERPRISE_FIELD = Entry(
    type="choice",
    synonyms=("主体类型", "企业性质", "单位类型", "生产/销售"),
    choices="enterprise_fields",
    note="生产单位、销售单位或生产销售单位",
    example="生产单位",
)
GRADE = Entry(type="choice", choices="grades", example="一般")


class Record(BaseModel):
    """Base of every record model: Chinese field titles, strict about unknown fields."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_default=False)

    def row(self) -> dict[str, Any]:
        """The values as stored (codes, dates), without unset optional fields."""
        return self.model_dump()


class Enterprise(Record):
    """A producer or seller (生产单位/销售单位) under the campaign."""

    uscc: Annotated[Text, USCC] = Field(title="统一社会信用代码")
    name: Annotated[Name, NAME] = Field(title="企业名称", min_length=2, max_length=200)
    county_code: Annotated[Text, COUNTY, Entry(note="企业登记所在的县（市）")] = Field(title="所属县（市）")
    field: Annotated[EnterpriseField, ENTERPRISE_FIELD] = Field(title="企业类型")
    address: Annotated[
        Text | None,
        Entry(
            synonyms=("企业地址", "生产地址", "经营地址", "住所", "经营场所", "详细地址"),
            example="都匀市示例路1号",
            width=30,
        ),
    ] = Field(default=None, title="地址", max_length=300)
    in_cluster_area: Annotated[YesNo, Entry(synonyms=("集聚区", "位于集聚区", "产业集聚区"))] = Field(
        default=False, title="位于生产销售企业集聚区"
    )
    rural_or_fringe_shop: Annotated[YesNo, Entry(synonyms=("城乡结合部门店", "农村市场门店"))] = Field(
        default=False, title="城乡结合部或农村市场门店"
    )
    wholesale_market_shop: Annotated[YesNo, Entry(synonyms=("批发市场门店",))] = Field(
        default=False, title="专业批发市场门店"
    )
    concentrated_complaints: Annotated[YesNo, Entry(synonyms=("投诉举报集中", "舆情集中"))] = Field(
        default=False, title="投诉或舆情集中"
    )
    licence_no: Annotated[
        Text | None,
        Entry(
            synonyms=("许可证编号", "许可证号", "生产许可证号", "工业产品生产许可证编号"),
            note="格式 XK××-×××-×××××",
            example="XK13-201-00001",
            width=20,
        ),
    ] = Field(default=None, title="生产许可证编号")
    ccc_certificates: Annotated[
        list[str],
        Entry(
            synonyms=("3C证书编号", "CCC证书", "强制性产品认证证书编号", "认证证书编号"),
            note="16位数字；多个用顿号分隔",
            width=22,
        ),
    ] = Field(default_factory=list, title="CCC证书编号")
    products: Annotated[
        list[str],
        Entry(
            type="sub_products",
            # a roster often heads its products with the catalogue's word for them: a category named
            # there stands for its products (fields.check_products)
            synonyms=("主要产品", "经营产品", "生产产品", "销售产品", "涉及产品", "重点产品类别", "产品类别"),
            note="重点产品名称或代码；多个用顿号分隔",
            example="水泥",
            width=26,
        ),
    ] = Field(default_factory=list, title="生产或销售的产品")
    contact: Annotated[
        Text | None,
        Entry(
            synonyms=("联系方式", "负责人及电话"),
            parts=("联系人", "联系电话"),
            example="张三 13800000000",
            width=20,
        ),
    ] = Field(default=None, title="联系人及电话", max_length=100)

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, v: str) -> str:
        return check_uscc(v)

    @field_validator("county_code")
    @classmethod
    def _county(cls, v: str) -> str:
        return check_county(v)

    @field_validator("licence_no")
    @classmethod
    def _licence(cls, v: str | None) -> str | None:
        return check_licence(v)

    @field_validator("ccc_certificates", mode="before")
    @classmethod
    def _ccc(cls, v: Any) -> list[str]:
        return check_ccc(v)

    @field_validator("products", mode="before")
    @classmethod
    def _products(cls, v: Any) -> list[str]:
        return check_products(v)

    @model_validator(mode="after")
    def _own_county_products(self) -> Enterprise:
        check_own_county_products(self.products, self.county_code, "products")
        return self


class _Dated(Record):
    """A record with a date that must not lie in the future."""

    @classmethod
    def _not_future(cls, v: dt.date | None, info: ValidationInfo) -> dt.date | None:
        if v is not None and v > today_of(info):
            raise error("future_date", f"日期 {v} 晚于今天，不能登记未来的日期")
        return v


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
        Text, Entry(synonyms=("风险点", "风险点描述", "主要风险"), example="水泥熟料进货查验", width=30)
    ] = Field(title="关键风险点", max_length=2000)
    measure: Annotated[
        Text | None, Entry(synonyms=("防控措施", "控制措施"), example="逐批查验合格证明", width=30)
    ] = Field(default=None, title="管控措施", max_length=2000)
    measures_in_place: Annotated[YesNo, Entry(synonyms=("措施是否落实", "是否落实"), example="是")] = Field(
        default=True, title="管控措施已落实"
    )
    grade: Annotated[Grade, GRADE, Entry(synonyms=("风险级别",), note="一般、较大或重大；不填为一般")] = (
        Field(default="general", title="风险等级")
    )


class SelfCheck(_Dated):
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
    major_risk_description: Annotated[Text | None, Entry(synonyms=("重大风险描述",), width=30)] = Field(
        default=None, title="重大风险情况", max_length=2000
    )
    note: Annotated[Text | None, NOTE] = Field(default=None, title="备注", max_length=2000)
    items: Annotated[list[RiskControlItem], DERIVED] = Field(default_factory=list, title="风险管控清单")

    _check_date = field_validator("check_date")(_Dated._not_future.__func__)  # type: ignore[attr-defined]

    @model_validator(mode="after")
    def _major_risk_described(self) -> SelfCheck:
        if self.major_risk_reported and not self.major_risk_description:
            raise error(
                "major_risk_description", "报告重大风险时须填写“重大风险情况”", "major_risk_description"
            )
        return self

    def row(self) -> dict[str, Any]:
        return self.model_dump(exclude={"items"})


class Inspection(_Dated):
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
        Text | None, Entry(header="检查情况", synonyms=("备注", "检查情况说明", *NOTE.synonyms), width=30)
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

    _date = field_validator("inspection_date")(_Dated._not_future.__func__)  # type: ignore[attr-defined]

    @field_validator("sub_product_code")
    @classmethod
    def _product(cls, v: str) -> str:
        return check_sub_product(v)


class Hazard(_Dated):
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
        Text | None,
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

    _found = field_validator("found_date")(_Dated._not_future.__func__)  # type: ignore[attr-defined]

    @field_validator("problem_code")
    @classmethod
    def _problem(cls, v: str) -> str:
        return check_problem(v)

    @field_validator("sub_product_code")
    @classmethod
    def _product(cls, v: str) -> str:
        return check_sub_product(v)

    @model_validator(mode="after")
    def _deadline_after_order(self) -> Hazard:
        if self.deadline is not None:
            start = self.ordered_date or self.found_date
            if self.deadline < start:
                raise error(
                    "deadline_before_order", f"整改期限 {self.deadline} 早于责令整改日期 {start}", "deadline"
                )
        return self

    @property
    def category_code(self) -> str:
        return category_of(self.sub_product_code)

    def row(self) -> dict[str, Any]:
        return {**self.model_dump(), "category_code": self.category_code}


class Instrument(_Dated):
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
    note: Annotated[Text | None, NOTE, Entry(width=30)] = Field(default=None, title="备注", max_length=2000)
    served_date: Annotated[dt.date | None, Entry(synonyms=("送达时间",), example="2024-07-13")] = Field(
        default=None, title="送达日期"
    )
    reply_due: Annotated[
        dt.date | None, Entry(synonyms=("整改期限", "答复期限"), note="不填时按文书类型的默认天数")
    ] = Field(default=None, title="回复期限")
    reply_date: Annotated[dt.date | None, Entry(synonyms=("企业回复日期", "答复日期"))] = Field(
        default=None, title="回复日期"
    )

    _issued = field_validator("issue_date", "served_date", "reply_date")(_Dated._not_future.__func__)  # type: ignore[attr-defined]

    @model_validator(mode="after")
    def _after_issue(self) -> Instrument:
        for key in ("served_date", "reply_due", "reply_date"):
            day = getattr(self, key)
            if day is not None and day < self.issue_date:
                title = type(self).model_fields[key].title
                raise error("before_issue", f"{title} {day} 早于签发日期 {self.issue_date}", key)
        return self


class WrittenReport(_Dated):
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
    note: Annotated[Text | None, NOTE, Entry(example="10月底前未完成整改隐患的整改进展", width=30)] = Field(
        default=None, title="备注", max_length=2000
    )

    _reported = field_validator("report_date")(_Dated._not_future.__func__)  # type: ignore[attr-defined]

    @field_validator("county_code")
    @classmethod
    def _county(cls, v: str) -> str:
        return check_county(v)

    @field_validator("hazard_ids")
    @classmethod
    def _some(cls, v: list[int]) -> list[int]:
        if not v:
            raise error("hazard_ids", "请填写报送涉及的隐患编号（整改台账中的编号，多个用顿号分隔）")
        return v


class Interview(_Dated):
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
        Text | None, Entry(synonyms=("事由", "约谈内容"), example="整改期限届满仍未整改", width=30)
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
        Text | None, Entry(synonyms=("承诺事项", "整改承诺"), example="9月15日前完成整改", width=30)
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

    _held = field_validator("held_date")(_Dated._not_future.__func__)  # type: ignore[attr-defined]

    @field_validator("spot_check_ids", mode="before")
    @classmethod
    def _no_checks(cls, v: Any) -> Any:
        return [] if v is None else v  # stored as NULL when there are none

    @model_validator(mode="after")
    def _follow_up_after(self) -> Interview:
        if self.follow_up_date is not None and self.follow_up_date < self.held_date:
            raise error(
                "date_order",
                f"跟踪复查日期 {self.follow_up_date} 早于约谈日期 {self.held_date}",
                "follow_up_date",
            )
        return self


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


class SpotCheck(_Dated):
    """A supervision spot-check batch (监督抽查批次)."""

    batch_no: Annotated[
        Text,
        Entry(synonyms=("抽样单号", "批次编号", "样品编号", "抽样编号"), example="QN2024-0001", width=20),
    ] = Field(title="抽样单编号", max_length=64)
    campaign_year: Annotated[int, DERIVED] = Field(title="行动年度", ge=2000, le=2100)
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
    note: Annotated[Text | None, NOTE, Entry(width=30)] = Field(default=None, title="备注", max_length=2000)

    _sampled = field_validator("sample_date")(_Dated._not_future.__func__)  # type: ignore[attr-defined]

    @field_validator("sampled_by_county")
    @classmethod
    def _county(cls, v: str) -> str:
        return check_county(v)

    @field_validator("sub_product_code")
    @classmethod
    def _product(cls, v: str) -> str:
        return check_sub_product(v)

    @model_validator(mode="after")
    def _someone_sampled(self) -> SpotCheck:
        if (
            self.enterprise_id is None
            and not (self.producer.name or self.producer.enterprise_id)
            and not (self.seller.name or self.seller.enterprise_id)
        ):
            raise error("party", "抽查批次须写明受检的生产单位或销售单位", "enterprise_id")
        check_own_county_products([self.sub_product_code], self.sampled_by_county, "sub_product_code")
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


class EnforcementCase(_Dated):
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
    facts: Annotated[Text | None, Entry(synonyms=("主要违法事实", "违法事实", "案情简介"), width=30)] = Field(
        default=None, title="案情", max_length=8000
    )
    penalty: Annotated[Text | None, Entry(synonyms=("处罚决定", "处罚内容", "行政处罚"), width=30)] = Field(
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
    not_listed_reason: Annotated[Text | None, Entry(width=30)] = Field(
        default=None, title="不列入失信名单的理由", max_length=2000
    )
    not_revoked_by: Annotated[
        Text | None, Entry(note="经核查决定不撤销许可证时填写决定人、决定日期和理由（三项同填）")
    ] = Field(default=None, title="不撤销许可证的决定人", max_length=64)
    not_revoked_date: Annotated[dt.date | None, Entry()] = Field(default=None, title="不撤销许可证的决定日期")
    not_revoked_reason: Annotated[Text | None, Entry(width=30)] = Field(
        default=None, title="不撤销许可证的理由", max_length=2000
    )

    _filed = field_validator("filed_date")(_Dated._not_future.__func__)  # type: ignore[attr-defined]
    _decided = field_validator("publicity_date", "not_listed_date", "not_revoked_date")(
        _Dated._not_future.__func__  # type: ignore[attr-defined]
    )

    @field_validator("sub_product_code")
    @classmethod
    def _product(cls, v: str | None) -> str | None:
        return None if v is None else check_sub_product(v)

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
            if d is not None and d < self.filed_date:
                raise error("date_order", f"{label} {d} 早于立案日期 {self.filed_date}", day)
        if self.publicity_date is not None and self.publicity_date < self.filed_date:
            raise error(
                "date_order",
                f"公示日期 {self.publicity_date} 早于立案日期 {self.filed_date}",
                "publicity_date",
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
            d = getattr(self, f"{prefix}_date")
            if d is not None and d < self.filed_date:
                raise error("date_order", f"决定日期 {d} 早于立案日期 {self.filed_date}", f"{prefix}_date")
        return self


class RiskSignal(_Dated):
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
        Text,
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

    _received = field_validator("received_date")(_Dated._not_future.__func__)  # type: ignore[attr-defined]

    @field_validator("county_code")
    @classmethod
    def _county(cls, v: str) -> str:
        return check_county(v)

    @field_validator("sub_product_code")
    @classmethod
    def _product(cls, v: str | None) -> str | None:
        return None if v is None else check_sub_product(v)


class HelpRecord(_Dated):
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
    note: Annotated[Text | None, Entry(synonyms=("内容", "帮扶情况", "备注"), width=40)] = Field(
        default=None, title="帮扶内容", max_length=4000
    )

    _helped = field_validator("help_date")(_Dated._not_future.__func__)  # type: ignore[attr-defined]


class CountyPlan(_Dated):
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

    _adopted = field_validator("adopted_date")(_Dated._not_future.__func__)  # type: ignore[attr-defined]

    @field_validator("county_code")
    @classmethod
    def _county(cls, v: str) -> str:
        return check_county(v)


class CountyOversight(_Dated):
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
        Text | None, Entry(synonyms=("原因", "说明", "备考"), example="自查覆盖率低、整改进度滞后", width=30)
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

    _acted = field_validator("action_date")(_Dated._not_future.__func__)  # type: ignore[attr-defined]

    @field_validator("county_code")
    @classmethod
    def _county(cls, v: str) -> str:
        return check_county(v)

    @model_validator(mode="after")
    def _due_after(self) -> CountyOversight:
        if self.due_date is not None and self.due_date < self.action_date:
            raise error(
                "date_order", f"书面回复期限 {self.due_date} 早于督导日期 {self.action_date}", "due_date"
            )
        return self


class OversightResponse(_Dated):
    """A county's written response (书面回复) to the prefecture's oversight of it."""

    response: Text = Field(title="书面回复", min_length=2, max_length=4000)
    response_date: dt.date = Field(title="回复日期")

    _replied = field_validator("response_date")(_Dated._not_future.__func__)  # type: ignore[attr-defined]


class LocalReport(_Dated):
    """A report to the local Party committee and government on a hard problem (plan 四(一)), about a hazard or
    an enterprise."""

    county_code: Text = Field(title="县（市）")
    campaign_year: int = Field(title="行动年度", ge=2000, le=2100)
    report_date: dt.date = Field(title="报告日期")
    document_no: Text | None = Field(default=None, title="文号", max_length=64)
    enterprise_id: int | None = Field(default=None, title="企业")
    hazard_id: int | None = Field(default=None, title="隐患编号")
    summary: Text = Field(title="报告事项", min_length=2, max_length=4000)

    _reported = field_validator("report_date")(_Dated._not_future.__func__)  # type: ignore[attr-defined]

    @field_validator("county_code")
    @classmethod
    def _county(cls, v: str) -> str:
        return check_county(v)

    @model_validator(mode="after")
    def _about_something(self) -> LocalReport:
        if self.enterprise_id is None and self.hazard_id is None:
            raise error("subject", "须指明报告涉及的隐患或企业", "hazard_id")
        return self


class LedgerMove(Record):
    """What a person writes with a move on the rectification ledger (整改台账); the move itself, its date,
    outcome and deadline are the ledger's to check (:func:`hazardlib.ledger.apply_move`)."""

    note: Text | None = Field(default=None, title="说明", max_length=1000)


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
        Text | None,
        Entry(synonyms=("追查情况", "处理情况", *NOTE.synonyms), example="已追查到生产单位，责令其停止销售并召回",
              width=40),
    ] = Field(default=None, title="办理情况", max_length=2000)  # fmt: skip


def max_chars(model: type[BaseModel], key: str) -> int | None:
    """The most characters ``model``'s text field ``key`` takes, as the model declares it (None: no bound
    declared; a code's own check bounds it)."""
    limits = [m.max_length for m in model.model_fields[key].metadata if getattr(m, "max_length", None)]
    return int(limits[0]) if limits else None


# -- turning pydantic's errors into findings ------------------------------------------------------

_PYDANTIC_MESSAGES = {
    "missing": "必填，不能为空",
    "date_parsing": "不是有效的日期（可写作 2024-06-03、2024/6/3 或 2024年6月3日）",
    "date_from_datetime_parsing": "不是有效的日期",
    "date_type": "不是有效的日期",
    "datetime_parsing": "不是有效的日期时间",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "bool_parsing": "应填写“是”或“否”",
    "bool_type": "应填写“是”或“否”",
    "string_type": "应为文字",
    "string_too_short": "内容太短",
    "string_too_long": "内容太长",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "extra_forbidden": "不是本表的字段",
    "dict_type": "格式不正确",
    "list_type": "格式不正确",
    "model_type": "格式不正确",
    "too_long": "项目太多",
    "too_short": "项目太少",
    "int_parsing_size": "数值太大",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "finite_number": "应为有限的数字",
    "date_from_datetime_inexact": "应为日期，不能带时间",
    "datetime_type": "不是有效的日期时间",
    "string_unicode": "含有无法识别的字符",
}


_CJK = re.compile(r"[\u4e00-\u9fff]")
_FALLBACK_MESSAGE = "填写的内容无效，请按模板说明填写"


def _title(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    titles: list[str] = []
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            titles.append(f"第{part + 1}项")
            continue
        fields = getattr(current, "model_fields", {})
        info = fields.get(part)
        if info is None:
            titles.append(str(part))
            current = None
            continue
        titles.append(info.title or str(part))
        ann = info.annotation
        current = next(
            (a for a in getattr(ann, "__args__", (ann,)) if isinstance(a, type) and issubclass(a, BaseModel)),
            ann,
        )
    return "·".join(titles) or "记录"


def findings_of(model: type[BaseModel], error: ValidationError) -> list[Finding]:
    """One finding per pydantic error, the field named by its Chinese title, the message in Chinese."""
    out = []
    for e in error.errors(include_url=False):
        loc = tuple(e.get("loc", ()))
        kind = e["type"]
        if kind in ("too_long", "too_short") and isinstance(e.get("input"), str):
            kind = f"string_{kind}"  # an optional text field's length check reports the generic type
        if not loc and e.get("ctx", {}).get("field"):  # a whole-record rule about one field
            loc = (e["ctx"]["field"],)
        if kind in _PYDANTIC_MESSAGES:
            message = _PYDANTIC_MESSAGES[kind]
            if kind in ("string_too_long", "string_too_short") and "ctx" in e:
                limit = e["ctx"].get("max_length") or e["ctx"].get("min_length")
                message = f"{message}（{'最多' if kind.endswith('long') else '至少'}{limit}个字）"
        elif _CJK.search(e["msg"]):
            message = e["msg"]
        else:  # a check of pydantic's own that has no wording here yet
            message = _FALLBACK_MESSAGE
        value = e.get("input")
        if isinstance(value, Mapping):
            value = None
        if kind == "string_too_long" and isinstance(value, str):
            message = f"{message}，已填写 {len(value):,} 个字"
            value = shown(value)
        out.append(
            Finding(code=kind, message=message, field=_title(model, loc) if loc else None, value=value)
        )
    return out


SHOWN_CHARS = 50


def shown(value: Any) -> Any:
    """A value as a finding shows it: a long text cut short (a finding is read, not a copy of the text)."""
    if isinstance(value, str) and len(value) > 4 * SHOWN_CHARS:
        return f"{value[:SHOWN_CHARS]}……（共 {len(value)} 个字符）"
    return value


def validate(model: type[M], data: Mapping[str, Any], *, today: dt.date | None = None) -> M:
    """``data`` as a ``model``; raises ValidationFailed with every finding if anything is wrong."""
    try:
        return model.model_validate(dict(data), context={"today": today} if today else None)
    except ValidationError as exc:
        raise ValidationFailed(findings_of(model, exc)) from None


def check(
    model: type[M], data: Mapping[str, Any], *, today: dt.date | None = None
) -> tuple[M | None, list[Finding]]:
    """Like :func:`validate` but returns ``(record or None, findings)`` and never raises."""
    try:
        return validate(model, data, today=today), []
    except ValidationFailed as exc:
        return None, exc.findings
