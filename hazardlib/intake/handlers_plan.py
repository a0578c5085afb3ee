"""Row handlers for county work plans, interviews with enterprises and the prefecture's oversight of the
counties (columns in :mod:`hazardlib.intake.columns_plan`)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from .. import models, records, schema
from .columns_plan import COUNTY_PLANS, INTERVIEWS, OVERSIGHT
from .context import SourceRow, titles_of
from .handler_base import Handler, Outcome, filled, row_content, year_of
from .handlers_cases import hazard_in_store

BATCH_UNKNOWN = "库中没有抽样单编号为“{value}”的抽查批次"
PLAN_FIELDS = COUNTY_PLANS.fields_of(models.CountyPlan)
INTERVIEW_FIELDS = {k: f for k, f in INTERVIEWS.fields_of(models.Interview).items() if k != "hazard_id"}
OVERSIGHT_FIELDS = OVERSIGHT.fields_of(models.CountyOversight)


class CountyPlans(Handler):
    """One county plan per row, keyed by county and campaign year (the file is uploaded on the tracker page)."""

    kind = "county-plans"

    def handle(self, row: SourceRow) -> Outcome:
        data = filled(row.cells, PLAN_FIELDS)
        data["campaign_year"] = year_of(row.cells.get("adopted_date"))
        titles = {**titles_of(models.CountyPlan, PLAN_FIELDS), "行动年度": "adopted_date"}
        record = self.ctx.check(row, models.CountyPlan, data, titles)
        if record is None or row.rejected:
            return None
        key = ("plan", record.county_code, record.campaign_year)
        content = row_content(data, record)
        if self.ctx.duplicate(row, key, "县（市）和行动年度", content):
            return None

        def save() -> str:
            _pid, outcome = records.save_county_plan(self.ctx.tx, record)
            self.ctx.count("county_plans", outcome)
            return outcome

        outcome = self.ctx.write(row, save)
        if outcome is not None:
            self.ctx.seen(row, key, content)
        return outcome


class Interviews(Handler):
    """One interview per row, keyed by enterprise and date held (:mod:`hazardlib.interviews`)."""

    kind = "interviews"

    def handle(self, row: SourceRow) -> Outcome:
        found, data, titles = self.enterprise_record(row, models.Interview, INTERVIEW_FIELDS, "held_date")
        data.update(hazard_id=hazard_in_store(self, row, "hazard_id"), spot_check_ids=self._batches(row))
        titles = {
            **titles,
            "隐患编号": "hazard_id",
            "相关抽查批次": "batch_nos",
        }
        record = self.ctx.check(row, models.Interview, data, titles)
        if record is None or found is None or row.rejected:
            return None
        key = ("interview", self.enterprise_key(found), record.held_date)
        content = row_content(data, record)
        if self.ctx.duplicate(row, key, "企业和约谈日期", content):
            return None

        def save() -> str:
            eid = self.ctx.enterprise_id(row, found)
            _iid, outcome = records.save_interview(
                self.ctx.tx, record.model_copy(update={"enterprise_id": eid})
            )
            self.ctx.count("interviews", outcome)
            self.written(found, eid)
            return outcome

        outcome = self.ctx.write(row, save)
        if outcome is not None:
            self.ctx.seen(row, key, content)
        return outcome

    def _batches(self, row: SourceRow) -> list[int]:
        text = row.cells.get("batch_nos")
        out: list[int] = []
        for part in re.split(r"[;；,，、\s]+", str(text or "")):
            if not part:
                continue
            s = schema.spot_checks
            sid = self.ctx.conn.execute(
                self.ctx.store.scoped(sa.select(s.c.id).where(s.c.batch_no == part), s)
            ).scalar()
            if sid is None:
                self.ctx.finding(row, "batch_unknown", BATCH_UNKNOWN.format(value=part), "batch_nos")
                continue
            out.append(int(sid))
        return out


class Oversight(Handler):
    """One oversight action per row, keyed by county, year, kind and date; prefecture accounts only (the
    domain refuses a county's, :func:`hazardlib.records.save_oversight`)."""

    kind = "oversight"

    def handle(self, row: SourceRow) -> Outcome:
        data = filled(row.cells, OVERSIGHT_FIELDS)
        data["campaign_year"] = year_of(row.cells.get("action_date"))
        titles = {**titles_of(models.CountyOversight, OVERSIGHT_FIELDS), "行动年度": "action_date"}
        record = self.ctx.check(row, models.CountyOversight, data, titles)
        if record is None or row.rejected:
            return None
        key = ("oversight", record.county_code, record.campaign_year, record.kind, record.action_date)
        content = row_content(data, record)
        if self.ctx.duplicate(row, key, "县（市）、督导方式和日期", content):
            return None

        def save() -> str:
            _oid, outcome = records.save_oversight(self.ctx.tx, record)
            self.ctx.count("county_oversight", outcome)
            return outcome

        outcome = self.ctx.write(row, save, "kind")
        if outcome is not None:
            self.ctx.seen(row, key, content)
        return outcome
