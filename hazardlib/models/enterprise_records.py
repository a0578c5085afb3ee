"""The enterprise record (生产单位/销售单位) under the campaign."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ..fields import (
    EnterpriseField,
    Entry,
    Name,
    Text,
    YesNo,
    check_ccc,
    check_county,
    check_licence,
    check_own_county_products,
    check_products,
    check_uscc,
    folder_of,
)
from .record_base import COUNTY, ENTERPRISE_FIELD, NAME, USCC, Record


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
    def _county(cls, v: str, info: ValidationInfo) -> str:
        return check_county(v, folder_of(info))

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
    def _products(cls, v: Any, info: ValidationInfo) -> list[str]:
        return check_products(v, folder_of(info))

    @model_validator(mode="after")
    def _own_county_products(self, info: ValidationInfo) -> Enterprise:
        check_own_county_products(self.products, self.county_code, "products", folder_of(info))
        return self
