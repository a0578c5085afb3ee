"""Turning one parsed row into records and saving them, for the kinds recorded about an enterprise:
self-checks, inspections (with their hazards) and help. The enterprises register is in
:mod:`hazardlib.intake.handlers_enterprises`, the other kinds in :mod:`hazardlib.intake.handlers_cases`,
what they share in :mod:`hazardlib.intake.handler_base`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .. import models, records, schema, vocab
from ..checklists import load_checklists
from .choices import leading_code
from .columns import HELP, INSPECTIONS, SELF_CHECKS
from .context import ImportContext, SourceRow, combine, titles_of
from .handler_base import (
    DEFERRED,
    MESSAGES,
    NONE_WORDS,
    Handler,
    Outcome,
    filled,
    fingerprint,
    row_content,
    year_of,
)

# -- help ------------------------------------------------------------------------------------------

HELP_FIELDS = HELP.fields_of(models.HelpRecord)


class Help(Handler):
    """One help record per row (质量问诊、质量分析、质量培训、整改指导意见书)."""

    kind = "help"

    def handle(self, row: SourceRow) -> Outcome:
        found, data, titles = self.enterprise_record(row, models.HelpRecord, HELP_FIELDS, "help_date")
        record = self.ctx.check(row, models.HelpRecord, data, titles)
        if record is None or found is None:
            return None
        key = (self.enterprise_key(found), record.kind, record.help_date)
        content = row_content(data, record)
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

# the checklist results are worked out from the failed items the row lists (Inspections._results)
STORED_INSPECTION_FIELDS = INSPECTIONS.fields_of(models.Inspection)
INSPECTION_FIELDS = {c: f for c, f in STORED_INSPECTION_FIELDS.items() if f != "results"}
HAZARD_FIELDS = INSPECTIONS.fields_of(models.Hazard)
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
        day = cells.get("inspection_date")
        product = self.product(row, day=day)
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
        content = fingerprint(hazard.model_dump() if hazard else values)
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
                STORED_INSPECTION_FIELDS,
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

SELF_CHECK_FIELDS = SELF_CHECKS.fields_of(models.SelfCheck)
ITEM_FIELDS = SELF_CHECKS.fields_of(models.RiskControlItem)


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
