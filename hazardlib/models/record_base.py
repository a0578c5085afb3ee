"""What every record model shares: the base :class:`Record`, :func:`not_future` (a date not in the future),
:func:`dates_in_order` (a date not before another) and how the fields several records share are written
(see fields.Entry)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator

from ..fields import Entry, error, today_of

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


def not_future(*keys: str) -> Any:
    """A field validator: the dates ``keys`` must not lie in the future (after the day the record is checked
    on); a model declares them once, as ``_dates = not_future("...", ...)``."""

    def check(cls: type[Record], v: dt.date | None, info: ValidationInfo) -> dt.date | None:
        if v is not None and v > today_of(info):
            raise error("future_date", f"日期 {v} 晚于今天，不能登记未来的日期")
        return v

    return field_validator(*keys)(check)


@dataclass(frozen=True)
class NotBefore:
    """The date field ``later`` must not be before ``earlier`` (of several, the first one given); refused
    beside ``later`` as "<later's title> <date> 早于<earlier's title> <date>" with the finding ``code``.
    ``later_title`` and ``earlier_title`` replace the fields' titles in the message."""

    later: str
    earlier: str | tuple[str, ...]
    code: str = "date_order"
    later_title: str = ""
    earlier_title: str = ""


def dates_in_order(*rules: NotBefore) -> Any:
    """A model validator (run after the fields') that refuses the record at the first of ``rules`` broken;
    a model declares its pairs of dates once, as ``_order = dates_in_order(NotBefore(...), ...)``."""

    def check(self: Record) -> Record:
        fields = type(self).model_fields
        for rule in rules:
            day = getattr(self, rule.later)
            earlier = (rule.earlier,) if isinstance(rule.earlier, str) else rule.earlier
            key = next((k for k in earlier if getattr(self, k) is not None), None)
            if day is None or key is None or day >= getattr(self, key):
                continue
            later_title = rule.later_title or fields[rule.later].title
            earlier_title = rule.earlier_title or fields[key].title
            raise error(
                rule.code, f"{later_title} {day} 早于{earlier_title} {getattr(self, key)}", rule.later
            )
        return self

    return model_validator(mode="after")(check)
