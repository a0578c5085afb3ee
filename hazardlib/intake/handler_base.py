"""What every row handler shares: the :class:`Handler` base (reference look-ups, keeping what a file does
not say), the outcome words, and the small helpers that turn a row's cells into a model's data.

A handler reads ``row.cells`` (already cleaned and type-checked by the importer), resolves what the row
refers to, validates through :mod:`hazardlib.models`, and saves through :mod:`hazardlib.records`
inside the row's savepoint. It returns the row's outcome (inserted, updated, unchanged) or None when
the row is rejected, with the reasons recorded as findings. The handlers of the kinds are in
:mod:`.handlers_enterprises` (the register), :mod:`.handlers` (self-checks, inspections, help) and
:mod:`.handlers_cases` (the others).
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel

from ..campaign import campaign_year_of
from ..catalogue import catalogue_of, load_catalogue
from ..checklists import load_problems
from ..errors import CampaignNotFound
from .choices import leading_code
from .columns import KindSpec
from .context import ImportContext, PendingEnterprise, SourceRow, titles_of
from .kinds import KINDS

M = TypeVar("M", bound=BaseModel)
Outcome = str | None
DEFERRED = "deferred"
NONE_WORDS = ("无", "没有", "全部符合", "均符合", "-", "/")

MESSAGES = {
    "product_unknown": "“{value}”不是重点产品目录中的产品",
    "category_unknown": "“{value}”不是重点产品类别",
    "category_many": "产品类别“{value}”下有多个产品，请在“产品”列写明",
    "category_mismatch": "产品“{product}”不属于类别“{category}”",
    "outside_year": "产品“{product}”属于类别“{category}”，不在{year}年行动的重点产品目录中（{year}年目录的类别见 "
    "campaigns/campaign-{year}.toml 的 [catalogue] categories：{categories}）",
    "problem_unknown": "“{value}”不是行动方案列出的重点问题",
    "risk_point_unknown": "“{value}”不是风险管控清单的风险点类别",
    "item_unknown": "“{value}”不是本领域检查表的要点（应为 {choices}）",
    "inconsistent": "与第{row}行（同一{what}）填写的不一致：“{first}”",
    "group_rejected": "同一份自查记录的第{rows}行有错误，整份自查记录（含本行）未导入",
}


def fingerprint(values: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(sorted((k, repr(v)) for k, v in values.items()))


def row_content(data: Mapping[str, Any], record: BaseModel) -> tuple[Any, ...]:
    """What a row says, to compare with an earlier row of the same key: ``data`` as ``record``, its model,
    holds it (text cleaned by the model's field types: rows that differ only in spaces say the same), the
    cells the model does not hold as read."""
    return fingerprint({**data, **record.model_dump()})


class Handler(abc.ABC):
    """Base of the kind handlers: shared look-ups and the keep-what-the-file-does-not-say rule."""

    kind: ClassVar[str]

    def __init__(self, ctx: ImportContext):
        self.ctx = ctx
        self.present: set[str] = set()

    @property
    def spec(self) -> KindSpec:
        return KINDS[self.kind]

    def begin_sheet(self, columns: Iterable[str]) -> None:
        """A sheet begins whose header has ``columns``: what its rows say (a column it lacks is kept)."""
        self.present = set(columns)

    @abc.abstractmethod
    def handle(self, row: SourceRow) -> Outcome:
        """What the row does to the store (written now or deferred to a batch)."""

    def settled(self) -> list[tuple[SourceRow, Outcome]]:
        """Rows whose deferred outcome became known since the last call (written in a batch)."""
        return []

    def finish(self) -> Iterable[tuple[SourceRow, Outcome]]:
        """Rows whose outcome was deferred (grouped or batched kinds), now written."""
        return ()

    # -- what a file does not say is kept ------------------------------------------------------
    def keep_stored(
        self,
        record: M,
        table: sa.Table,
        key: Mapping[str, Any],
        fields: Mapping[str, str],
    ) -> M:
        """``record`` with the stored values of fields whose column the file does not have.

        A file without, say, the 地址 column must not erase the addresses already in the store; a blank
        cell in a column the file does have clears the value (the file is then the correction).
        """
        absent = [f for column, f in fields.items() if column not in self.present]
        if not absent or any(v is None for v in key.values()):
            return record
        stored = (
            self.ctx.conn.execute(sa.select(table).where(*[table.c[k] == v for k, v in key.items()]))
            .mappings()
            .first()
        )
        if stored is None:
            return record
        return record.model_copy(update={f: stored[f] for f in absent if f in stored})

    # -- reference data -----------------------------------------------------------------------
    def product(
        self,
        row: SourceRow,
        key: str = "sub_product_code",
        category_key: str = "category_code",
        *,
        day: Any = None,
    ) -> str | None:
        """The sub-product code a row names (code, "code name", name or alias), checked against its
        category when the row gives one and against the catalogue of the campaign year of ``day`` (the
        record's deciding date) when that year has a campaign; None (with a finding, unless both are
        blank) otherwise."""
        catalogue = load_catalogue()
        text, category_text = row.cells.get(key), row.cells.get(category_key)
        category = None
        if category_text:
            code, rest = leading_code(category_text)
            match = [c for c in catalogue.categories if c.code == code or c.name in (category_text, rest)]
            if not match:
                self.ctx.finding(
                    row, "category", MESSAGES["category_unknown"].format(value=category_text), category_key
                )
                return None
            category = match[0]
        if not text:
            if category is None:
                return None
            if len(category.sub_products) == 1:
                return category.sub_products[0].code
            self.ctx.finding(row, "category", MESSAGES["category_many"].format(value=category_text), key)
            return None
        code, rest = leading_code(text)
        sub = catalogue.sub_products.get(code or text)
        if sub is None:
            name = rest or text
            if category is not None:
                sub = next((s for s in category.sub_products if name in (s.name, *s.aliases)), None)
            sub = sub or catalogue.find_sub_product(name)
        if sub is None:
            self.ctx.finding(row, "sub_product", MESSAGES["product_unknown"].format(value=text), key)
            return None
        if category is not None and sub.category_code != category.code:
            self.ctx.finding(
                row,
                "category",
                MESSAGES["category_mismatch"].format(product=sub.name, category=category.name),
                category_key,
            )
            return None
        if not self._in_year(
            row, sub.code, sub.name, sub.category_code, day, category_key if category else key
        ):
            return None
        return sub.code

    def _in_year(self, row: SourceRow, code: str, name: str, category: str, day: Any, column: str) -> bool:
        """Whether the product is in the catalogue of the record's campaign year (a finding naming that
        year's catalogue when not): 2025's records take 2025's categories, 2024's keep 2024's."""
        year = year_of(day)
        if year is None:
            return True
        try:
            catalogue = catalogue_of(year)
        except CampaignNotFound:  # a year without a campaign is history: any product of the catalogue
            return True
        if code in catalogue.sub_products:
            return True
        names = {c.code: c.name for c in load_catalogue().categories}
        self.ctx.finding(
            row,
            "sub_product",
            MESSAGES["outside_year"].format(
                product=name,
                category=f"{category} {names.get(category, '')}".strip(),
                year=year,
                categories="、".join(c.code for c in catalogue.categories),
            ),
            column,
        )
        return False

    def problem(self, row: SourceRow, field: str | None, key: str = "problem_code") -> str | None:
        """The problem code a row names; a name shared by both fields (其他…) is taken in the row's field."""
        text = row.cells.get(key)
        if not text:
            return None
        code, rest = leading_code(text)
        problems = load_problems()
        found = [p for p in problems if p.code == (code or text).upper() or p.name in (text, rest)]
        if len(found) > 1:
            found = [p for p in found if p.field == field] or found
        if not found:
            self.ctx.finding(row, "problem", MESSAGES["problem_unknown"].format(value=text), key)
            return None
        return found[0].code

    def enterprise_record(
        self, row: SourceRow, model: type[BaseModel], fields: Mapping[str, str], dated: str
    ) -> tuple[int | PendingEnterprise | None, dict[str, Any], dict[str, str]]:
        """What a row about an enterprise starts from: the enterprise it names (None: a finding says why),
        the ``model``'s data from its cells (``fields``: column key → field) with the enterprise's id (0 until
        a new one is registered) and the campaign year of its date column ``dated``, and the titles that
        findings name its columns by (the campaign year's by that date, the enterprise's by its name)."""
        found = self.ctx.enterprise(row)
        data = filled(row.cells, fields)
        data.update(
            enterprise_id=found if isinstance(found, int) else 0, campaign_year=year_of(row.cells.get(dated))
        )
        titles = {**titles_of(model, fields), "行动年度": dated, "企业": "enterprise_name"}
        return found, data, titles

    @staticmethod
    def enterprise_key(found: int | PendingEnterprise) -> tuple[str, Any]:
        return ("id", found) if isinstance(found, int) else ("uscc", found.enterprise.uscc)

    def written(self, found: int | PendingEnterprise, eid: int) -> None:
        if isinstance(found, PendingEnterprise):
            e = found.enterprise
            self.ctx.remember_enterprise(eid, e.uscc, e.name, e.county_code)


def filled(cells: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """Model field → value for the filled cells of ``fields`` (column key → model field); a blank cell is
    left out, so the model's default applies (no, zero, none)."""
    return {f: v for c, f in fields.items() if (v := cells.get(c)) is not None and isinstance(f, str)}


def year_of(day: Any) -> int | None:
    return campaign_year_of(day) if isinstance(day, dt.date) else None
