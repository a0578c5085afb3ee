"""Row handlers for the instruments of 三书一函 issued on paper, the follow-up of two-way tracing tasks and the
continuing written reports after the campaign."""

from __future__ import annotations

from .. import instruments, models, records, schema, tracing
from ..errors import NotFound
from .columns_documents import INSTRUMENTS, WRITTEN_REPORTS
from .context import SourceRow, titles_of
from .handler_base import Handler, Outcome, filled, fingerprint, row_content, year_of
from .handlers_cases import hazard_in_store

INSTRUMENT_FIELDS = {k: f for k, f in INSTRUMENTS.fields_of(models.Instrument).items() if k != "hazard_id"}


class Instruments(Handler):
    """One instrument per row, through :func:`hazardlib.instruments.save_instrument`: a new one is
    registered (numbered when the row has no number), one already registered gets its follow-up dates."""

    kind = "instruments"

    def handle(self, row: SourceRow) -> Outcome:
        found, data, titles = self.enterprise_record(row, models.Instrument, INSTRUMENT_FIELDS, "issue_date")
        data["hazard_id"] = hazard_in_store(self, row, "hazard_id")
        record = self.ctx.check(row, models.Instrument, data, titles)
        if record is None or found is None or row.rejected:
            return None
        key = ("instrument", record.number) if record.number else (
            "instrument", self.enterprise_key(found), record.kind, record.issue_date)  # fmt: skip
        content = row_content(data, record)
        if self.ctx.duplicate(row, key, "文书编号" if record.number else "企业、文书类型和签发日期", content):
            return None

        def save() -> str:
            eid = self.ctx.enterprise_id(row, found)
            rec = record.model_copy(update={"enterprise_id": eid})
            _iid, outcome = instruments.save_instrument(self.ctx.tx, rec)
            self.ctx.count("instruments", outcome)
            self.written(found, eid)
            return outcome

        outcome = self.ctx.write(row, save, column="number")
        if outcome is not None:
            self.ctx.seen(row, key, content)
        return outcome


MESSAGES = {
    "task_unknown": "没有编号为 {value} 的双向追查任务（或不属于本县（市））",
}


class TracingTasks(Handler):
    """One move of a two-way tracing task per row: completed by the county holding it, or passed on (a
    row naming 转办给) through :mod:`hazardlib.tracing`. A task already done or passed on that day is
    ``unchanged``."""

    kind = "tracing-tasks"

    def handle(self, row: SourceRow) -> Outcome:
        cells = row.cells
        task_id, day = cells.get("task_id"), cells.get("day")
        if task_id is None or day is None or row.rejected:
            return None
        t = schema.tracing_tasks
        try:
            task = self.ctx.store.get(t, int(task_id), self.ctx.conn)
        except NotFound:  # no such task, or not one this county holds
            self.ctx.finding(row, "task_unknown", MESSAGES["task_unknown"].format(value=task_id), "task_id")
            return None
        key = ("task", int(task_id))
        content = fingerprint(cells)
        if self.ctx.duplicate(row, key, "任务编号", content):
            return None
        if task["state"] != "open" and task["done_date"] == day:
            self.ctx.seen(row, key, content)
            self.ctx.count("tracing_tasks", "unchanged")
            return "unchanged"

        def save() -> str:
            if cells.get("recipient"):
                tracing.pass_on_in(self.ctx.tx, int(task_id), day, cells["recipient"], cells.get("note"))
            else:
                tracing.complete_in(self.ctx.tx, int(task_id), day, cells.get("note"))
            self.ctx.count("tracing_tasks", "updated")
            return "updated"

        outcome = self.ctx.write(row, save, column="task_id")
        if outcome is not None:
            self.ctx.seen(row, key, content)
        return outcome


WRITTEN_REPORT_FIELDS = WRITTEN_REPORTS.fields_of(models.WrittenReport)


class WrittenReports(Handler):
    """One continuing written report per row, keyed by its 文号, through
    :func:`hazardlib.records.save_written_report` (which checks the date against the campaign's finish and the
    hazards against the ledger and the county)."""

    kind = "written-reports"

    def handle(self, row: SourceRow) -> Outcome:
        data = filled(row.cells, WRITTEN_REPORT_FIELDS)
        data.setdefault("campaign_year", year_of(row.cells.get("report_date")))
        titles = titles_of(models.WrittenReport, WRITTEN_REPORT_FIELDS)
        record = self.ctx.check(row, models.WrittenReport, data, titles)
        if record is None or row.rejected:
            return None
        key = ("written_report", record.number)
        content = row_content(data, record)
        if self.ctx.duplicate(row, key, "文号", content):
            return None

        def save() -> str:
            _rid, outcome = records.save_written_report(self.ctx.tx, record)
            self.ctx.count("written_reports", outcome)
            return outcome

        outcome = self.ctx.write(row, save, column="number")
        if outcome is not None:
            self.ctx.seen(row, key, content)
        return outcome
