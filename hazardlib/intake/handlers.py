"""Turning one parsed row into records and saving them, for the enterprise-centred kinds: enterprises,
self-checks, inspections (with their hazards) and help. The other kinds are in
:mod:`hazardlib.intake.handlers_cases`.

A handler reads ``row.cells`` (already cleaned and type-checked by the importer), resolves what the row
refers to, validates through :mod:`hazardlib.models`, and saves through :mod:`hazardlib.records`
inside the row's savepoint. It returns the row's outcome (inserted, updated, unchanged) or None when
the row is rejected, with the reasons recorded as findings.
"""

from __future__ import annotations

import abc
import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel

from .. import models, records, schema, vocab
from ..campaign import campaign_year_of
from ..catalogue import load_catalogue
from ..checklists import load_checklists, load_problems
from ..errors import HazardError
from ..regions import load_regions
from .choices import leading_code
from .columns import KindSpec
from .context import ImportContext, PendingEnterprise, SourceRow, combine, titles_of
from .kinds import KINDS
from .quick import QuickEnterprise

M = TypeVar("M", bound=BaseModel)
Outcome = str | None
DEFERRED = "deferred"
NONE_WORDS = ("无", "没有", "全部符合", "均符合", "-", "/")

MESSAGES = {
    "product_unknown": "“{value}”不是重点产品目录中的产品",
    "category_unknown": "“{value}”不是重点产品类别",
    "category_many": "产品类别“{value}”下有多个产品，请在“产品”列写明",
    "category_mismatch": "产品“{product}”不属于类别“{category}”",
    "problem_unknown": "“{value}”不是行动方案列出的重点问题",
    "risk_point_unknown": "“{value}”不是风险管控清单的风险点类别",
    "item_unknown": "“{value}”不是本领域检查表的要点（应为 {choices}）",
    "inconsistent": "与第{row}行（同一{what}）填写的不一致：“{first}”",
    "group_rejected": "同一份自查记录的第{rows}行有错误，整份自查记录（含本行）未导入",
}


def _fingerprint(values: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(sorted((k, repr(v)) for k, v in values.items()))


class Handler(abc.ABC):
    """Base of the kind handlers: shared look-ups and the keep-what-the-file-does-not-say rule."""

    kind: ClassVar[str]

    def __init__(self, ctx: ImportContext):
        self.ctx = ctx
        self.present: set[str] = set()

    @property
    def spec(self) -> KindSpec:
        return KINDS[self.kind]

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
        self, row: SourceRow, key: str = "sub_product_code", category_key: str = "category_code"
    ) -> str | None:
        """The sub-product code a row names (code, "code name", name or alias), checked against its
        category when the row gives one; None (with a finding, unless both are blank) otherwise."""
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
        return sub.code

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

    @staticmethod
    def enterprise_key(found: int | PendingEnterprise) -> tuple[str, Any]:
        return ("id", found) if isinstance(found, int) else ("uscc", found.enterprise.uscc)

    def written(self, found: int | PendingEnterprise, eid: int) -> None:
        if isinstance(found, PendingEnterprise):
            self.ctx.remember_enterprise(eid, found.enterprise.uscc, found.enterprise.name)


def filled(cells: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """Model field → value for the filled cells of ``fields`` (column key → model field); a blank cell is
    left out, so the model's default applies (no, zero, none)."""
    return {f: v for c, f in fields.items() if isinstance(f, str) and (v := cells.get(c)) is not None}


def year_of(day: Any) -> int | None:
    return campaign_year_of(day) if isinstance(day, dt.date) else None


# -- enterprises ---------------------------------------------------------------------------------

ENTERPRISE_FIELDS = {
    k: k
    for k in (
        "uscc",
        "name",
        "county_code",
        "field",
        "address",
        "in_cluster_area",
        "rural_or_fringe_shop",
        "wholesale_market_shop",
        "concentrated_complaints",
        "licence_no",
        "ccc_certificates",
        "products",
        "contact",
    )
}


ENTERPRISE_TITLES = titles_of(models.Enterprise, ENTERPRISE_FIELDS)


@functools.lru_cache(maxsize=4096)
def county_code(text: str | None) -> str | None:
    """The county code a cell names (code, name or short name); the text itself when it names none, for
    the model to report."""
    if not text:
        return text
    found = load_regions().find(text)
    return found.code if found is not None and load_regions().is_county(found.code) else text


@functools.lru_cache(maxsize=4096)
def _product_code(text: str) -> str:
    code, rest = leading_code(text)
    catalogue = load_catalogue()
    if code in catalogue.sub_products:
        return str(code)
    found = catalogue.find_sub_product(rest or text)
    return found.code if found is not None else text


@functools.lru_cache(maxsize=4096)
def product_codes(text: str | None) -> str | None:
    """A list of products (顿号 or comma separated) as codes, each resolved once per distinct spelling."""
    if not text:
        return text
    return "、".join(_product_code(part) for part in re.split(r"[;；,，、]+", text) if part.strip())


class Enterprises(Handler):
    """One enterprise per row, keyed by 统一社会信用代码.

    Each row is checked as it is read; the checked rows are written in batches of :attr:`BATCH`. One
    query finds which of a batch's enterprises the store already has; the new ones are inserted in one
    statement (each audited), the changed ones updated (each audited), the unchanged ones left alone.
    A batch is written in a savepoint: should any of its writes be refused, the savepoint is rolled back
    and the batch's rows are saved one by one through :func:`hazardlib.records.save_enterprise`, each in
    its own savepoint, so that the refusal lands on the row that caused it while the others stand. That
    one-by-one path is the definition the batches must match (``bulk = False`` takes it for every row).
    """

    kind = "enterprises"
    BATCH = 500
    bulk = True

    def __init__(self, ctx: ImportContext):
        super().__init__(ctx)
        self._pending: list[tuple[SourceRow, dict[str, Any]]] = []
        self._done: list[tuple[SourceRow, Outcome]] = []
        self.quick = QuickEnterprise()

    def handle(self, row: SourceRow) -> Outcome:
        cells = row.cells
        data = filled(cells, ENTERPRISE_FIELDS)
        for f, resolve in (("county_code", county_code), ("products", product_codes)):
            if f in data:
                data[f] = resolve(data[f])
        values = self.quick.values(data) if self.bulk else None
        if values is None:  # not plainly valid: the model checks it and words the findings
            record = self.ctx.check(row, models.Enterprise, data, ENTERPRISE_TITLES)
            if record is None:
                return None
            values = record.row()
        uscc = values["uscc"]
        content = (repr(values),)  # the same fields in the same order on every row: compared as written
        if self.ctx.duplicate(row, ("enterprise", uscc), "统一社会信用代码", content):
            return None
        self.ctx.seen(row, ("enterprise", uscc), content)
        if not self.bulk:
            return self._one(row, values)
        self._pending.append((row, values))
        if len(self._pending) >= self.BATCH:
            self._flush()
        return DEFERRED

    def _absent(self) -> list[str]:
        """The fields whose column the file does not have: their stored values are kept."""
        return [f for c, f in ENTERPRISE_FIELDS.items() if c not in self.present]

    def _one(self, row: SourceRow, values: dict[str, Any]) -> Outcome:
        """Save one row in its own savepoint (a refused write leaves no trace and becomes a finding)."""

        def save() -> str:
            table = schema.enterprises
            stored = (
                self.ctx.conn.execute(sa.select(table).where(table.c.uscc == values["uscc"]))
                .mappings()
                .first()
            )
            kept = values if stored is None else {**values, **{f: stored[f] for f in self._absent()}}
            _eid, outcome = records.save_enterprise(self.ctx.tx, models.Enterprise.model_construct(**kept))
            self.ctx.count("enterprises", outcome)
            return outcome

        return self.ctx.write(row, save)

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        table = schema.enterprises
        usccs = [values["uscc"] for _row, values in batch]
        stored = {
            r["uscc"]: r
            for r in self.ctx.conn.execute(sa.select(table).where(table.c.uscc.in_(usccs))).mappings()
        }
        absent = self._absent()
        new: list[tuple[SourceRow, dict[str, Any]]] = []
        changed: list[tuple[SourceRow, int, dict[str, Any]]] = []
        for row, values in batch:
            found = stored.get(values["uscc"])
            if found is None:
                new.append((row, values))
                continue
            if absent:
                values = {**values, **{f: found[f] for f in absent}}
            changes = {k: v for k, v in values.items() if found[k] != v}  # as records.upsert
            if changes:
                changed.append((row, int(found["id"]), changes))
            else:
                self.ctx.count("enterprises", "unchanged")
                self._done.append((row, "unchanged"))
        if not new and not changed:
            return
        savepoint = self.ctx.conn.begin_nested()
        try:
            # The updates first: a refused one then leaves no gap in the ids (PostgreSQL's sequences
            # do not roll back), and insert_many checks every row before its one statement.
            for _row, eid, changes in changed:
                self.ctx.tx.update(table, eid, changes)
            self.ctx.tx.insert_many(table, [values for _row, values in new], audit="batch")
        except (HazardError, sa.exc.DBAPIError):
            savepoint.rollback()
            again = {id(r) for r, _v in new} | {id(r) for r, _i, _c in changed}
            for row, values in batch:
                if id(row) in again:
                    self._done.append((row, self._one(row, values)))
            return
        savepoint.commit()
        for row, _values in new:
            self.ctx.count("enterprises", "inserted")
            self._done.append((row, "inserted"))
        for row, _eid, _changes in changed:
            self.ctx.count("enterprises", "updated")
            self._done.append((row, "updated"))

    def settled(self) -> list[tuple[SourceRow, Outcome]]:
        done, self._done = self._done, []
        return done

    def finish(self) -> Iterable[tuple[SourceRow, Outcome]]:
        self._flush()
        return self.settled()


# -- help ------------------------------------------------------------------------------------------

HELP_FIELDS = {"kind": "kind", "help_date": "help_date", "note": "note"}


class Help(Handler):
    """One help record per row (质量问诊、质量分析、质量培训、整改指导意见书)."""

    kind = "help"

    def handle(self, row: SourceRow) -> Outcome:
        cells = row.cells
        found = self.ctx.enterprise(row)
        data = filled(cells, HELP_FIELDS)
        data.update(
            enterprise_id=found if isinstance(found, int) else 0,
            campaign_year=year_of(cells.get("help_date")),
        )
        titles = {
            **titles_of(models.HelpRecord, HELP_FIELDS),
            "行动年度": "help_date",
            "企业": "enterprise_name",
        }
        record = self.ctx.check(row, models.HelpRecord, data, titles)
        if record is None or found is None:
            return None
        key = (self.enterprise_key(found), record.kind, record.help_date)
        content = _fingerprint(data)
        if self.ctx.duplicate(row, key, "企业、帮扶方式和帮扶日期", content):
            return None

        def save() -> str:
            eid = self.ctx.enterprise_id(row, found)
            rec = record.model_copy(update={"enterprise_id": eid})
            rec = self.keep_stored(
                rec,
                schema.help_records,
                {"enterprise_id": eid, "kind": rec.kind, "help_date": rec.help_date},
                HELP_FIELDS,
            )
            _hid, outcome = records.save_help(self.ctx.tx, rec)
            self.ctx.count("help_records", outcome)
            self.written(found, eid)
            return outcome

        outcome = self.ctx.write(row, save)
        if outcome is not None:
            self.ctx.seen(row, key, content)
        return outcome


# -- inspections and their hazards -----------------------------------------------------------------

INSPECTION_FIELDS = {
    "inspection_date": "inspection_date",
    "field": "field",
    "sub_product_code": "sub_product_code",
    "inspectors": "inspectors",
    "note": "note",
}
HAZARD_FIELDS = {
    "hazard_kind": "kind",
    "grade": "grade",
    "problem_code": "problem_code",
    "description": "description",
    "control_measures": "control_measures",
    "large_urgent": "large_urgent",
    "ordered_date": "ordered_date",
    "deadline": "deadline",
}
HAZARD_COLUMNS = tuple(HAZARD_FIELDS)


class Inspections(Handler):
    """One hazard per row, its inspection repeated; an inspection without hazards is a row of its own."""

    kind = "inspections"

    def __init__(self, ctx: ImportContext):
        super().__init__(ctx)
        self._inspections: dict[tuple[Any, ...], tuple[int, dict[str, Any]]] = {}

    def handle(self, row: SourceRow) -> Outcome:
        cells = row.cells
        found = self.ctx.enterprise(row)
        product = self.product(row)
        day = cells.get("inspection_date")
        base = {"enterprise_id": found if isinstance(found, int) else 0, "campaign_year": year_of(day)}
        data = {**filled(cells, INSPECTION_FIELDS), **base}
        data["sub_product_code"] = product or cells.get("sub_product_code")
        if "failed_items" in self.present:
            data["results"] = self._results(row, vocab.FIELD.lookup(cells.get("field")))
        titles = {
            **titles_of(models.Inspection, INSPECTION_FIELDS),
            "行动年度": "inspection_date",
            "企业": "enterprise_name",
        }
        inspection = self.ctx.check(row, models.Inspection, data, titles)
        hazard = None
        if any(cells.get(c) is not None for c in HAZARD_COLUMNS) and inspection is not None:
            hz = filled(cells, HAZARD_FIELDS)
            hz.update(base, sub_product_code=inspection.sub_product_code, found_date=day, source="inspection")
            hz["problem_code"] = self.problem(row, inspection.field)
            if hz["problem_code"] is not None:
                hazard = self.ctx.check(
                    row,
                    models.Hazard,
                    hz,
                    titles_of(models.Hazard, HAZARD_FIELDS),
                    {"deadline_before_order": "deadline"},
                )
        if inspection is None or found is None or row.rejected:
            return None
        ikey = (self.enterprise_key(found), inspection.inspection_date, inspection.sub_product_code)
        values = {c: getattr(inspection, f) for c, f in INSPECTION_FIELDS.items()}
        values["failed_items"] = inspection.results
        if not self._consistent(row, ikey, values):
            return None
        key = (ikey, hazard.problem_code if hazard else None)
        content = _fingerprint(hazard.model_dump() if hazard else values)
        label = "企业、检查日期、产品和问题类型" if hazard else "企业、检查日期和产品（未发现隐患）"
        if self.ctx.duplicate(row, key, label, content):
            return None

        def save() -> str:
            eid = self.ctx.enterprise_id(row, found)
            rec = self.keep_stored(
                inspection.model_copy(update={"enterprise_id": eid}),
                schema.inspections,
                {
                    "enterprise_id": eid,
                    "inspection_date": inspection.inspection_date,
                    "sub_product_code": inspection.sub_product_code,
                },
                {**INSPECTION_FIELDS, "failed_items": "results"},
            )
            iid, first = records.save_inspection(self.ctx.tx, rec)
            self.ctx.count("inspections", first)
            outcomes = [first]
            if hazard is not None:
                hz = self.keep_stored(
                    hazard.model_copy(update={"enterprise_id": eid, "source_id": iid}),
                    schema.hazards,
                    {
                        "enterprise_id": eid,
                        "found_date": hazard.found_date,
                        "sub_product_code": hazard.sub_product_code,
                        "problem_code": hazard.problem_code,
                    },
                    HAZARD_FIELDS,
                )
                _hid, second = records.save_hazard(self.ctx.tx, hz)
                self.ctx.count("hazards", second)
                outcomes.append(second)
            self.written(found, eid)
            return combine(outcomes)

        outcome = self.ctx.write(row, save)
        if outcome is not None:
            self.ctx.seen(row, key, content)
            self._inspections.setdefault(ikey, (row.number, values))
        return outcome

    def _results(self, row: SourceRow, field: str | None) -> dict[str, bool]:
        """The checklist results: every item of the field's checklist, failed if listed (“无”: none failed)."""
        text = row.cells.get("failed_items")
        if not text or field is None:
            return {}
        items = load_checklists().inspection(field)
        failed: set[str] = set()
        if text not in NONE_WORDS:
            for part in re.split(r"[;；,，、\s]+", text):
                if not part:
                    continue
                code, _rest = leading_code(part.upper())
                item = next((i for i in items if i.code == (code or part.upper()) or i.text == part), None)
                if item is None:
                    choices = f"{items[0].code}…{items[-1].code}"
                    self.ctx.finding(
                        row,
                        "checklist",
                        MESSAGES["item_unknown"].format(value=part, choices=choices),
                        "failed_items",
                    )
                    continue
                failed.add(item.code)
        return {i.code: i.code not in failed for i in items}

    def _consistent(self, row: SourceRow, ikey: tuple[Any, ...], values: dict[str, Any]) -> bool:
        """The inspection columns of a later row of the same inspection must say what the first said."""
        first = self._inspections.get(ikey)
        if first is None:
            return True
        number, earlier = first
        for column, value in values.items():
            if value != earlier[column] and column in self.present:
                message = MESSAGES["inconsistent"].format(
                    row=number, what="次检查", first=earlier[column] or ""
                )
                self.ctx.finding(row, "inconsistent", message, column)
        return not row.rejected


# -- self-checks and their risk control lists ------------------------------------------------------

SELF_CHECK_FIELDS = {
    k: k
    for k in (
        "check_date",
        "management_system",
        "quality_director",
        "quality_officer",
        "daily_control",
        "weekly_check",
        "monthly_review",
        "major_risk_reported",
        "major_risk_description",
        "note",
    )
}
ITEM_FIELDS = {k: k for k in ("point_code", "risk_point", "measure", "measures_in_place", "grade")}


class SelfChecks(Handler):
    """Rows of one enterprise and year form one self-check: its answers repeated, one risk-control item
    per row. Groups are written when the file has been read, whole or not at all."""

    kind = "self-checks"

    def __init__(self, ctx: ImportContext):
        super().__init__(ctx)
        self._groups: dict[
            tuple[Any, ...], list[tuple[SourceRow, Any, models.SelfCheck | None, dict[str, Any] | None]]
        ] = {}

    def handle(self, row: SourceRow) -> Outcome:
        cells = row.cells
        found = self.ctx.enterprise(row)
        day = cells.get("check_date")
        data = filled(cells, SELF_CHECK_FIELDS)
        data.update(enterprise_id=found if isinstance(found, int) else 0, campaign_year=year_of(day))
        titles = {
            **titles_of(models.SelfCheck, SELF_CHECK_FIELDS),
            "行动年度": "check_date",
            "企业": "enterprise_name",
        }
        record = self.ctx.check(
            row, models.SelfCheck, data, titles, {"major_risk_description": "major_risk_description"}
        )
        item = None
        if any(cells.get(c) is not None for c in ITEM_FIELDS):
            item_data = filled(cells, ITEM_FIELDS)
            item_data["point_code"] = self._risk_point(row)
            checked = self.ctx.check(
                row, models.RiskControlItem, item_data, titles_of(models.RiskControlItem, ITEM_FIELDS)
            )
            item = checked.model_dump() if checked is not None else None
        ent = self.enterprise_key(found) if found is not None else ("row", row.number)
        group = (ent, year_of(day) if record is None else record.campaign_year)
        self._groups.setdefault(group, []).append((row, found, record, item))
        return DEFERRED

    def _risk_point(self, row: SourceRow) -> str | None:
        text = row.cells.get("point_code")
        if not text:
            return None
        code, rest = leading_code(text)
        for point in load_checklists().risk_control_points:
            if point.code == (code or text).upper() or point.name in (text, rest):
                return point.code
        self.ctx.finding(row, "risk_point", MESSAGES["risk_point_unknown"].format(value=text), "point_code")
        return None

    def finish(self) -> Iterable[tuple[SourceRow, Outcome]]:
        for members in self._groups.values():
            yield from self._write_group(members)

    def _write_group(
        self, members: list[tuple[SourceRow, Any, models.SelfCheck | None, dict[str, Any] | None]]
    ) -> Iterable[tuple[SourceRow, Outcome]]:
        rows = [m[0] for m in members]
        first_row, found, record, _ = members[0]
        if record is not None:
            values = {c: getattr(record, f) for c, f in SELF_CHECK_FIELDS.items()}
            for row, _f, other, _i in members[1:]:
                if other is None:
                    continue
                for column, f in SELF_CHECK_FIELDS.items():
                    if getattr(other, f) != values[column] and column in self.present:
                        message = MESSAGES["inconsistent"].format(
                            row=first_row.number, what="份自查", first=values[column] or ""
                        )
                        self.ctx.finding(row, "inconsistent", message, column)
        duplicates = self._duplicates(members)
        bad = [r.number for r in rows if r.rejected and r.number not in duplicates]
        if bad or record is None or found is None:
            for row in rows:
                if not row.rejected:
                    self.ctx.finding(
                        row, "group", MESSAGES["group_rejected"].format(rows="、".join(map(str, bad)))
                    )
            return [(row, None) for row in rows]
        items = [
            models.RiskControlItem(**m[3])
            for m in members
            if m[3] is not None and m[0].number not in duplicates
        ]
        whole = record.model_copy(update={"items": items})

        def save() -> str:
            eid = self.ctx.enterprise_id(first_row, found)
            rec = self.keep_stored(
                whole.model_copy(update={"enterprise_id": eid}),
                schema.self_checks,
                {"enterprise_id": eid, "campaign_year": whole.campaign_year},
                SELF_CHECK_FIELDS,
            )
            _sid, outcome = records.save_self_check(self.ctx.tx, rec)
            self.ctx.count("self_checks", outcome)
            self.written(found, eid)
            return outcome

        outcome = self.ctx.write(first_row, save)
        if outcome is None:
            for row in rows[1:]:
                self.ctx.finding(row, "group", MESSAGES["group_rejected"].format(rows=first_row.number))
        return [(row, None if row.number in duplicates else outcome) for row in rows]

    def _duplicates(self, members: list[tuple[SourceRow, Any, Any, dict[str, Any] | None]]) -> set[int]:
        """Rows repeating an earlier row's risk-control item (or a second row without one): a finding each;
        they do not spoil the rest of the self-check."""
        seen: dict[tuple[Any, ...], int] = {}
        out: set[int] = set()
        for row, _f, _r, item in members:
            if row.rejected:
                continue
            key = (item["point_code"], item["risk_point"]) if item is not None else ("",)
            if key in seen:
                what = (
                    "条风险管控清单（风险点类别和关键风险点相同）"
                    if item is not None
                    else "份自查记录（均未填写风险管控清单）"
                )
                self.ctx.finding(row, "duplicate", f"与第{seen[key]}行是同一{what}；本行未导入")
                out.add(row.number)
            seen.setdefault(key, row.number)
        return out
