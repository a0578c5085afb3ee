"""The canonical columns of each template kind (the enterprise-centred kinds here, the others in
:mod:`hazardlib.intake.columns_cases`; the registry and header matching in :mod:`hazardlib.intake.kinds`).

A column is declared on the record model's field (:class:`hazardlib.fields.Entry`: header when it
differs from the field's title, the synonyms real files use for it, example, note) and taken from there
by :func:`column`; a kind lists its columns in the template's order. A column that is no model's field
(the product category, a rectification's move) is a plain :class:`Column`. ``required`` columns must be
filled on every row; ``required_with`` columns must be filled when any column of that group is (a
hazard's grade on an inspection row that records a hazard, for example).
"""

from __future__ import annotations

import builtins
import datetime as dt
import types
from dataclasses import dataclass, replace
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from .. import models
from ..fields import duties, entry_of

EXAMPLE_MARK = "示例"
MAX_HEADER_CHARS = 60
ROW_NO_HEADER = "序号"


@dataclass(frozen=True)
class Column:
    """One canonical column of a template."""

    key: str
    header: str
    # text, date, int, yes_no, choice, county, sub_product(s), category, problem, risk_point, uscc, hazard_id,
    # checklist
    type: str = "text"
    required: bool = False
    synonyms: tuple[str, ...] = ()
    choices: str | None = None
    note: str = ""
    example: object = None
    group: str | None = None  # columns that only matter together (hazard, item, producer, seller)
    required_with: str | None = None  # required when any column of this group is filled
    unless: str | None = None  # a required column that may stay blank when this other column is filled
    width: int | None = None
    parts: tuple[str, ...] = ()  # headers of columns each holding part of the value, joined when several
    model: builtins.type[BaseModel] | None = None  # the record model whose field the column fills (the
    # ``type`` above is the cell's type)
    field: str | None = None  # that field

    @property
    def always_required(self) -> bool:
        """Required on every row, as the import requires it (a column with ``unless`` is not)."""
        return self.required and not self.unless

    @property
    def marked_header(self) -> str:
        """The header as the template writes it: a column the import requires (on every row, or with its
        group) starts with an asterisk; one that may stay blank when another is filled does not."""
        return f"*{self.header}" if self.always_required or self.required_with else self.header


@dataclass(frozen=True)
class KindSpec:
    """A template kind: its data sheet, columns, key and what one row of it holds."""

    name: str
    label: str
    sheet: str
    columns: tuple[Column, ...]
    key: str
    row_note: str
    enterprise_note: str = ""
    notes: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def required_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.required)

    def fields_of(self, model: type[BaseModel]) -> dict[str, str]:
        """Column key → field of ``model``, for the columns that fill one (the handler's field map)."""
        return {c.key: f for c in self.columns if c.model is model and (f := c.field) is not None}


def _cell_type(annotation: Any) -> str:
    """The cell type a field's type implies (a date, a yes/no, an integer; text otherwise)."""
    union = get_origin(annotation) in (Union, types.UnionType)
    kinds = {
        get_args(a)[0] if get_origin(a) is Annotated else a
        for a in (get_args(annotation) if union else [annotation])
    }
    for kind, cell in ((bool, "yes_no"), (dt.date, "date"), (int, "int")):
        if kind in kinds:
            return cell
    return "text"


def column(record: type[BaseModel], name: str, key: str | None = None, **override: Any) -> Column:
    """The template column of ``record``'s field ``name``, as the field's entry declares it; ``key`` names
    the column when it is not the field's name, ``override`` changes what this template says otherwise
    (a group, a note of its own)."""
    info = record.model_fields[name]
    entry = entry_of(record, name)
    cell = entry.type or _cell_type(info.annotation)
    yes_no = cell == "yes_no"
    declared = Column(
        key=key or name,
        header=entry.header or info.title or name,
        type=cell,
        required=info.is_required() if entry.required is None else entry.required,
        synonyms=(*entry.synonyms, *entry.parts),
        choices=entry.choices or ("yes_no" if yes_no else None),
        note=entry.note or ("填“是”或“否”" if yes_no else ""),
        example=entry.example if entry.example is not None or not yes_no else "否",
        unless=entry.unless,
        width=entry.width or (14 if cell == "date" else None),
        parts=entry.parts,
        model=record,
        field=name,
    )
    return replace(declared, **override) if override else declared


def columns(record: type[BaseModel], *names: str, **override: Any) -> tuple[Column, ...]:
    """The columns of ``record``'s fields ``names`` in that order (see :func:`column`)."""
    return tuple(column(record, n, **override) for n in names)


def template_columns(record: type[BaseModel], **override: Any) -> tuple[Column, ...]:
    """The columns of every field of ``record`` a template has (not worked out by the import), in the
    model's order."""
    names = [n for n in record.model_fields if entry_of(record, n).on_template]
    return columns(record, *names, **override)


# -- columns shared by several kinds (declared on the models) ----------------------------------------


def uscc_column(required: bool = False, **kw: Any) -> Column:
    return column(models.Enterprise, "uscc", required=required, **kw)


ENTERPRISE_REF = (
    column(
        models.Enterprise,
        "name",
        "enterprise_name",
        note="企业全称；未填统一社会信用代码时按名称匹配库中唯一的同名企业",
    ),
    uscc_column(),
    column(
        models.Enterprise,
        "county_code",
        "enterprise_county",
        required=False,
        note="企业不在库中时用于登记企业（与企业类型一并填写）",
    ),
    column(
        models.Enterprise,
        "field",
        "enterprise_field",
        required=False,
        note="企业不在库中时用于登记企业：生产单位、销售单位或生产销售单位",
    ),
)

ENTERPRISE_NOTE = (
    "企业按统一社会信用代码匹配，未填代码时按企业名称匹配（须在库中唯一）。"
    "企业不在库中时：若本行同时填写了企业名称、统一社会信用代码、所属县（市）和企业类型，导入时自动登记该企业；"
    "否则该行不导入，并在问题清单中说明。"
)


def product_column(**kw: Any) -> Column:
    """The 产品 column of a kind whose model does not declare it (as the inspection's declares it)."""
    return column(models.Inspection, "sub_product_code", model=None, field=None, **kw)


def category_column(**kw: Any) -> Column:
    return Column(
        "category_code",
        "产品类别",
        "category",
        synonyms=("产品类别", "重点产品类别", "产品大类", "类别名称"),
        choices="categories",
        note="选填；填写时须与“产品”一致；只有一个细分产品的类别可只填类别",
        example="03 水泥",
        width=22,
        **kw,
    )


# -- the kinds ------------------------------------------------------------------------------------

ENTERPRISES = KindSpec(
    "enterprises",
    "企业名录",
    "企业名录",
    (*template_columns(models.Enterprise),),
    key="统一社会信用代码",
    row_note="每行一家企业。",
)

SELF_CHECKS = KindSpec(
    "self-checks",
    "企业自查",
    "企业自查",
    (
        *ENTERPRISE_REF,
        *columns(
            models.SelfCheck,
            "check_date",
            *duties(models.SelfCheck).values(),
            "major_risk_reported",
            "major_risk_description",
            "note",
        ),
        *columns(
            models.RiskControlItem,
            "point_code",
            "risk_point",
            group="item",
            required_with="item",
            required=False,
        ),
        *columns(models.RiskControlItem, "measure", "measures_in_place", "grade", group="item"),
    ),
    key="企业 + 行动年度（自查日期所在年度）",
    row_note=(
        "每行是风险管控清单的一条，企业的自查情况（制度、人员、日管控周排查月调度）在同一企业的各行重复填写；"
        "没有风险管控清单的企业填一行，清单各列留空。同一企业同一年度的各行合起来是一份完整的自查记录，"
        "重新导入时以文件为准替换原清单。"
    ),
    enterprise_note=ENTERPRISE_NOTE,
)

INSPECTIONS = KindSpec(
    "inspections",
    "现场检查",
    "现场检查",
    (
        *ENTERPRISE_REF,
        *columns(models.Inspection, "inspection_date", "field"),
        category_column(),
        *columns(models.Inspection, "sub_product_code", "inspectors", "note"),
        column(models.Inspection, "results", "failed_items"),
        column(models.Hazard, "kind", "hazard_kind", group="hazard"),
        *columns(
            models.Hazard, "grade", "problem_code", group="hazard", required_with="hazard", required=False
        ),
        *columns(
            models.Hazard,
            "description",
            "control_measures",
            "large_urgent",
            "ordered_date",
            "deadline",
            group="hazard",
        ),
    ),
    key="检查：企业 + 检查日期 + 产品；隐患：企业 + 发现日期（即检查日期）+ 产品 + 问题类型",
    row_note=(
        "每行是一次现场检查发现的一条隐患，检查信息（企业、日期、领域、产品、人员）在同一次检查的各行重复填写；"
        "没有发现隐患的检查填一行，隐患各列留空。"
    ),
    enterprise_note=ENTERPRISE_NOTE,
)

HELP = KindSpec(
    "help",
    "质量帮扶",
    "质量帮扶",
    (*ENTERPRISE_REF, *columns(models.HelpRecord, "kind", "help_date", "note")),
    key="企业 + 帮扶方式 + 帮扶日期",
    row_note="每行一次帮扶。",
    enterprise_note=ENTERPRISE_NOTE,
)
