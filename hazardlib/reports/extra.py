"""Figures a campaign adds to the results list, declared in its calendar file.

A campaign file (``data/campaigns/campaign-YYYY.toml``) may hold any number of::

    [[extra_figures]]
    key = "online_batches"            # JSON key: lower-case letters, digits and _
    label = "网络销售抽查"             # the Excel label
    unit = "批次"
    group = "抽查"                     # a header group of the form (others are added after 分类监管)
    table = "spot_checks"             # which records are counted
    date_column = "sample_date"       # the deciding date: counted from stage 1's start to the as-of date
    count = "records"                 # records, or enterprises (distinct enterprises)
    definition = "抽样环节为网络销售的监督抽查批次。"
    where = { channel = "online" }    # column = value, or column = [values]; all must hold

Like every figure, an extra figure counts for the county where the enterprise concerned is registered.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from .. import schema
from ..campaign import Campaign
from ..datafiles import data_dir
from ..errors import Finding, ValidationFailed
from ..store import Store
from .definitions import ANY_KEY, CARRY_OVER_FIGURES, FIGURES, Figure
from .scope import Scope, enterprise_county, grouped_counts, owner_county, spot_check_county

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
COUNTS = {"records": "记录数", "enterprises": "企业数（同一企业计 1 家）"}
DATE_LABELS = {
    "check_date": "自查日期",
    "inspection_date": "检查日期",
    "found_date": "发现日期",
    "ordered_date": "责令整改日期",
    "deadline": "整改期限",
    "rectified_date": "整改完成日期",
    "reinspected_date": "复查日期",
    "closed_date": "销号日期",
    "held_date": "约谈日期",
    "filed_date": "立案日期",
    "transfer_date": "移送日期",
    "dishonesty_date": "列入失信名单日期",
    "revoked_date": "撤销日期",
    "published_date": "曝光日期",
    "help_date": "帮扶日期",
    "issue_date": "签发日期",
    "received_date": "收到日期",
    "verified_date": "核查日期",
    "sample_date": "抽样日期",
}
_META = {"id", "created_at", "created_by", "updated_at", "updated_by", "version", "county_code"}


def _from_enterprise(table: sa.Table) -> tuple[Any, Any, Any]:
    from_, county = enterprise_county(table)
    return from_, county, table.c.enterprise_id


def _from_owner(table: sa.Table) -> tuple[Any, Any, Any]:
    from_, county = owner_county(table)
    return from_, county, table.c.enterprise_id


# The record tables an extra figure may count, and how each finds its county and enterprise.
TABLES = {
    "self_checks": lambda: _from_enterprise(schema.self_checks),
    "inspections": lambda: _from_enterprise(schema.inspections),
    "hazards": lambda: _from_enterprise(schema.hazards),
    "interviews": lambda: _from_enterprise(schema.interviews),
    "enforcement_cases": lambda: _from_enterprise(schema.enforcement_cases),
    "help_records": lambda: _from_enterprise(schema.help_records),
    "instruments": lambda: _from_owner(schema.instruments),
    "risk_signals": lambda: _from_owner(schema.risk_signals),
    "spot_checks": spot_check_county,
}


@dataclass(frozen=True)
class ExtraFigure(Figure):
    """A figure declared by the campaign: which table, which date decides, which records count."""

    table: str = ""
    date_column: str = ""
    count: str = "records"
    where: tuple[tuple[str, tuple[Any, ...]], ...] = ()


def _campaign_file(year: int) -> Path:
    return data_dir() / "campaigns" / f"campaign-{year}.toml"


def figures_for(campaign: Campaign) -> tuple[ExtraFigure, ...]:
    """The extra figures of a campaign (none when its file declares none); raises ValidationFailed."""
    path = _campaign_file(campaign.year)
    if not path.is_file():
        return ()
    return _load(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _load(path: Path, _mtime: int) -> tuple[ExtraFigure, ...]:
    with open(path, "rb") as handle:
        raw = tomllib.load(handle).get("extra_figures", [])
    return parse(raw, path.name)


def parse(raw: list[dict[str, Any]], file: str = "") -> tuple[ExtraFigure, ...]:
    """Extra figures from their TOML tables; ValidationFailed lists every problem found."""
    findings: list[Finding] = []
    out: list[ExtraFigure] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw, start=1):
        where = f"extra_figures 第{i}项"

        def bad(field: str, message: str, value: Any = None, where: str = where) -> None:
            findings.append(
                Finding("extra_figure", message, field=f"{where}·{field}", value=value, file=file)
            )

        key = str(entry.get("key", ""))
        if not KEY_RE.match(key):
            bad("key", "应为小写英文字母开头，只含小写字母、数字和下划线", key)
        elif key in ANY_KEY or key in seen:
            bad("key", "与已有指标重名", key)
        seen.add(key)
        for name in ("label", "unit", "definition"):
            if not str(entry.get(name, "")).strip():
                bad(name, "必填，不能为空")
        table_name = str(entry.get("table", ""))
        if table_name not in TABLES:
            bad("table", f"应为以下之一：{'、'.join(TABLES)}", table_name)
            continue
        table = schema.metadata.tables[table_name]
        date_column = str(entry.get("date_column", ""))
        if date_column not in table.c or not isinstance(table.c[date_column].type, sa.Date):
            dates = "、".join(c.name for c in table.c if isinstance(c.type, sa.Date))
            bad("date_column", f"应为该表的日期列：{dates}", date_column)
        count = str(entry.get("count", "records"))
        if count not in COUNTS:
            bad("count", "应为 records（记录数）或 enterprises（企业数）", count)
        conditions: list[tuple[str, tuple[Any, ...]]] = []
        for column, value in dict(entry.get("where", {})).items():
            values = tuple(value) if isinstance(value, list) else (value,)
            if column not in table.c or column in _META:
                bad("where", f"“{column}”不是可用于筛选的列", column)
            elif not values or not all(isinstance(v, str | int | bool) for v in values):
                bad("where", f"“{column}”的取值应为文字、数字、true/false 或它们的列表", value)
            else:
                conditions.append((column, values))
        if not findings:
            out.append(
                ExtraFigure(
                    key=key,
                    label=str(entry["label"]).strip(),
                    unit=str(entry["unit"]).strip(),
                    group=str(entry.get("group", "其他")).strip() or "其他",
                    definition=str(entry["definition"]).strip(),
                    deciding_date=DATE_LABELS.get(date_column, date_column),
                    table=table_name,
                    date_column=date_column,
                    count=count,
                    where=tuple(conditions),
                )
            )
    if findings:
        raise ValidationFailed(findings)
    return tuple(out)


def ordered_figures(campaign: Campaign) -> tuple[Figure, ...]:
    """The results list's figures with the campaign's extra figures, each placed after the last figure
    of its group (a new group after 分类监管), so that a group's columns stay together; for a campaign
    that carries over an earlier one's hazards, the carry-over figures after the year's hazards."""
    figures: list[Figure] = list(FIGURES)
    if campaign.carried_over_from is not None:
        after = figures.index(next(f for f in FIGURES if f.key == "hazards_overdue"))
        figures[after + 1 : after + 1] = CARRY_OVER_FIGURES
    for extra in figures_for(campaign):
        last = max((i for i, f in enumerate(figures) if f.group == extra.group), default=len(figures) - 1)
        figures.insert(last + 1, extra)
    return tuple(figures)


def _query_parts(figure: ExtraFigure, scope: Scope) -> tuple[Any, Any, Any, list[Any]]:
    table = schema.metadata.tables[figure.table]
    from_, county, enterprise = TABLES[figure.table]()
    where = [scope.within(table.c[figure.date_column])]
    for column, values in figure.where:
        where.append(table.c[column].in_(values) if len(values) > 1 else table.c[column] == values[0])
    measure = sa.func.count() if figure.count == "records" else sa.func.count(sa.distinct(enterprise))
    return from_, county, measure, where


def counts(store: Store, scope: Scope, figures: tuple[ExtraFigure, ...]) -> pd.DataFrame:
    """One column per extra figure, indexed by county code (one query per figure)."""
    parts = []
    for figure in figures:
        from_, county, measure, where = _query_parts(figure, scope)
        parts.append(grouped_counts(store, scope, from_, county, {figure.key: measure}, where))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame()
