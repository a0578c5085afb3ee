"""The tracker page's county records: each county's work plan (工作方案, with its file), the prefecture's
oversight of the counties (约谈、通报、挂牌督办) with the county's written response, and the county's continuing
written reports (持续书面报送) on the hazards not rectified by the campaign's finish.

A county session records its own plan, its responses and its written reports; a prefecture session records
plans and written reports for any county and the oversight actions (the domain refuses a county's oversight,
:func:`hazardlib.records.save_oversight`). Every write goes through :mod:`hazardlib.records` in one audited
transaction. Each list shows what had been recorded by the page's date, as the ledger shows a hazard's
state then: a report dated later, or a response given later, is not shown at an earlier date.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import sqlalchemy as sa

from .. import models, records, schema, vocab
from ..errors import ValidationFailed
from ..plan_files import FIELD, MAX_BYTES, TYPES, PlanFile, check_plan_file
from .forms import TODAY, Spec, section_form
from .ui import (
    FormField,
    file_picker,
    fmt_date,
    hazard_number,
    html_table,
    note,
    option_label,
    section,
    set_options,
)

if TYPE_CHECKING:
    from .base import App

WRITTEN_NOTE = (
    "方案四、(三)：对10月底前未完成隐患问题整改的要持续书面报送整改完成情况。行动结束后每次报送在此登记"
    "（报送日期须在行动结束之后），规则提示的下次报送期限从最近一次报送起算。"
)
OUTCOME_TEXT = {"inserted": "已登记", "updated": "已更新", "unchanged": "未变化（与已登记的相同）"}


class CountyRecords:
    """The plans and oversight sections of the tracker page (``widget``), for ``app``'s session."""

    def __init__(self, app: App):
        self.app = app
        prefecture = app.store.is_prefecture
        self.plans = widgets.HTML()
        self.plans.add_class("hz-plans")
        self.plan_form, self.plan_btn = section_form(
            app,
            models.CountyPlan,
            [
                Spec("county_code", "county", required=True),
                Spec("adopted_date", "date", required=True, default=TODAY),
                Spec("document", required=True),
                Spec("document_no", required=True),
                Spec("responsible"),
            ],
            "plan",
            "登记工作方案",
            self.save_plan,
        )
        self.upload = file_picker(",".join(TYPES))
        limit = f"PDF、DOCX 或 WPS 文件，不超过 {MAX_BYTES // 1024 // 1024} MB；按文件内容核对类型"
        self.file_field = FormField("plan_file", FIELD, self.upload, hint=limit)

        self.oversight = widgets.HTML()
        self.oversight.add_class("hz-oversight")
        self.oversight_form, self.oversight_btn = section_form(
            app,
            models.CountyOversight,
            [
                Spec("county_code", "county", required=True),
                Spec("kind", "vocab", required=True, vocabulary=vocab.OVERSIGHT_KIND),
                Spec("action_date", "date", required=True, default=TODAY),
                Spec("number"),
                Spec("reason", "textarea"),
                Spec("due_date", "date"),
                Spec("reported_to_local_government", "bool"),
            ],
            "oversight",
            "登记督导",
            self.save_oversight,
        )
        self.response_pick = widgets.Dropdown(options=[], layout=widgets.Layout(width="36em"))
        self.response_form, self.respond_btn = section_form(
            app,
            models.OversightResponse,
            [
                Spec("response", "textarea", required=True),
                Spec("response_date", "date", required=True, default=TODAY),
            ],
            "response",
            "登记书面回复",
            self.respond,
            button_key="respond",
        )
        self.pick_field = FormField("oversight_pick", "督导事项", self.response_pick, required=True)
        self.written = widgets.HTML()
        self.written.add_class("hz-written-reports")
        self.written_form, self.written_btn = section_form(
            app,
            models.WrittenReport,
            [
                Spec("county_code", "county", required=True),
                Spec("report_date", "date", required=True, default=TODAY),
                Spec("number", required=True),
                Spec("hazard_ids", required=True, hint="整改台账中的隐患编号，多个用顿号分隔，如 12、15"),
                Spec("note", "textarea"),
            ],
            "written",
            "登记书面报送",
            self.save_written_report,
        )
        if prefecture:
            oversight_entry: list[widgets.Widget] = [self.oversight_form.widget, self.oversight_btn]
        else:
            oversight_entry = [
                note("州局的约谈、通报、挂牌督办由州局登记；本县（市）在回复期限内在此登记书面回复。"),
                self.pick_field.widget,
                self.response_form.widget,
                self.respond_btn,
            ]
        self.widget = widgets.VBox(
            [
                section("县级工作方案"),
                self.plans,
                self.plan_form.widget,
                self.file_field.widget,
                self.plan_btn,
                section("州局督导（约谈、通报、挂牌督办）"),
                self.oversight,
                *oversight_entry,
                section("持续书面报送（10月底前未完成整改的隐患）"),
                note(WRITTEN_NOTE),
                self.written,
                self.written_form.widget,
                self.written_btn,
            ]
        )
        self.refresh()

    # -- showing --------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.show_plans()
        self.show_oversight()
        self.show_written_reports()

    def show_plans(self) -> None:
        t = schema.county_plans
        cols = [t.c[c] for c in ("county_code", "adopted_date", "document", "document_no", "responsible",
                                 "file_name", "file_size", "file_sha256")]  # fmt: skip
        # as the page's date saw it (as the ledger shows a hazard's state then): nothing dated after it
        stmt = (
            sa.select(*cols)
            .where(t.c.campaign_year == self.app.year, t.c.adopted_date <= self.app.as_of)
            .order_by(t.c.county_code)
        )
        with self.app.store.read() as conn:
            rows = [dict(r) for r in conn.execute(self.app.store.scoped(stmt, t)).mappings()]
        shown = {
            "县（市）": [self.app.county_name(r["county_code"]) for r in rows],
            "印发日期": [r["adopted_date"] for r in rows],  # a date in a table, as every table writes it
            "文件名称": [r["document"] or "" for r in rows],
            "文号": [r["document_no"] or "" for r in rows],
            "责任领导及责任人": [r["responsible"] or "" for r in rows],
            "方案文件": [_file_text(r) for r in rows],
        }
        self.plans.value = html_table(shown, empty=f"{self.app.year}年度尚未登记工作方案")

    def show_oversight(self) -> None:
        t = schema.county_oversight
        stmt = (
            sa.select(t)
            .where(t.c.campaign_year == self.app.year, t.c.action_date <= self.app.as_of)
            .order_by(t.c.action_date.desc(), t.c.id)
        )
        with self.app.store.read() as conn:
            rows = [dict(r) for r in conn.execute(self.app.store.scoped(stmt, t)).mappings()]
        shown = {
            "县（市）": [self.app.county_name(r["county_code"]) for r in rows],
            "方式": [vocab.OVERSIGHT_KIND.label(r["kind"]) for r in rows],
            "日期": [r["action_date"] for r in rows],
            "文号": [r["number"] or "" for r in rows],
            "事由": [r["reason"] or "" for r in rows],
            "书面回复期限": [r["due_date"] for r in rows],
            "书面回复": [self._response_text(r) for r in rows],
        }
        self.oversight.value = html_table(
            shown, empty=f"{self.app.year}年度州局尚未对县（市）约谈、通报或挂牌督办"
        )
        waiting = [r for r in rows if r["response_date"] is None]  # one answered after the date: not again
        set_options(
            self.response_pick,
            [("（选择待回复的督导事项）", None)]
            + [
                (
                    option_label(
                        fmt_date(r["action_date"]), vocab.OVERSIGHT_KIND.label(r["kind"]), r["number"]
                    ),
                    int(r["id"]),
                )
                for r in waiting
            ],
        )

    def show_written_reports(self) -> None:
        t = schema.written_reports
        stmt = (
            sa.select(t)
            .where(t.c.campaign_year == self.app.year, t.c.report_date <= self.app.as_of)
            .order_by(t.c.report_date.desc(), t.c.county_code, t.c.id)
        )
        with self.app.store.read() as conn:
            rows = [dict(r) for r in conn.execute(self.app.store.scoped(stmt, t)).mappings()]
        shown = {
            "县（市）": [self.app.county_name(r["county_code"]) for r in rows],
            "报送日期": [r["report_date"] for r in rows],
            "文号": [r["number"] for r in rows],
            "涉及隐患编号": ["、".join(hazard_number(i) for i in r["hazard_ids"] or ()) for r in rows],
            "备注": [r["note"] or "" for r in rows],
        }
        self.written.value = html_table(shown, empty=f"{self.app.year}年度行动结束后尚未登记书面报送")

    def _response_text(self, r: dict[str, Any]) -> str:
        if r["response_date"] is not None and r["response_date"] <= self.app.as_of:
            return f"{fmt_date(r['response_date'])}：{r['response']}"
        if r["due_date"] is not None and r["due_date"] < self.app.as_of:
            return "逾期未回复"
        return "待回复"

    # -- writing --------------------------------------------------------------------------------
    def save_plan(self) -> None:
        """Record the county's plan with its file (checked by content and size before anything is written)."""
        record = self.plan_form.check({"campaign_year": self.app.year})
        fields = {**self.plan_form.fields, FIELD: self.file_field}
        self.file_field.clear()
        if record is None:
            return
        file: PlanFile | None = None
        if self.upload.value:
            item = self.upload.value[0]
            try:
                file = check_plan_file(str(item["name"]), bytes(item["content"]))
            except ValidationFailed as exc:
                self.app.report(exc, fields)
                return
        try:
            with self.app.store.transaction(self.app.transaction_context("登记工作方案")) as tx:
                _pid, outcome = records.save_county_plan(tx, record, file)
        except ValidationFailed as exc:
            self.app.report(exc, fields)
            return
        self.upload.value = ()  # recorded with the plan: the picker no longer offers it to record again
        with_file = f"，方案文件 {file.name}（校验码 {file.sha256[:12]}…）" if file else ""
        self.app.say(
            f"{self.app.county_name(record.county_code)}工作方案{OUTCOME_TEXT[outcome]}{with_file}。", "ok"
        )
        self.plan_form.reset()
        self.upload.value = ()
        self.show_plans()
        refresh = getattr(self.app, "show_progress", None)
        if refresh is not None:
            refresh()  # the plan changes the county's 按期推进

    def save_oversight(self) -> None:
        record = self.oversight_form.check({"campaign_year": self.app.year})
        if record is None:
            return
        try:
            with self.app.store.transaction(self.app.transaction_context("登记州局督导")) as tx:
                _oid, outcome = records.save_oversight(tx, record)
        except ValidationFailed as exc:
            self.app.report(exc, self.oversight_form.fields)
            return
        what = f"{self.app.county_name(record.county_code)}{vocab.OVERSIGHT_KIND.label(record.kind)}"
        self.app.say(f"{what}{OUTCOME_TEXT[outcome]}。", "ok")
        self.oversight_form.reset()
        self.show_oversight()

    def save_written_report(self) -> None:
        """Record a continuing written report of the campaign year being viewed; refused beside its field (a date
        not after the campaign's finish, a 文号 used, a hazard unknown or another county's), nothing written."""
        record = self.written_form.check({"campaign_year": self.app.year})
        if record is None:
            return
        try:
            with self.app.store.transaction(self.app.transaction_context("登记持续书面报送")) as tx:
                _rid, outcome = records.save_written_report(tx, record)
        except ValidationFailed as exc:
            self.app.report(exc, self.written_form.fields)
            return
        self.app.say(
            f"{self.app.county_name(record.county_code)}书面报送 {record.number}（涉及隐患 {len(record.hazard_ids)} 条）"
            f"{OUTCOME_TEXT[outcome]}。",
            "ok",
        )
        self.written_form.reset()
        self.show_written_reports()

    def respond(self) -> None:
        self.pick_field.clear()
        if self.response_pick.value is None:
            self.pick_field.set_error("请选择督导事项")
            self.app.say("未登记：请选择要回复的督导事项。", "error")
            return
        record = self.response_form.check()
        if record is None:
            return
        try:
            with self.app.store.transaction(self.app.transaction_context("登记督导书面回复")) as tx:
                records.respond_to_oversight(tx, int(self.response_pick.value), record)
        except ValidationFailed as exc:
            self.app.report(exc, self.response_form.fields)
            return
        self.app.say("书面回复已登记。", "ok")
        self.response_form.reset()
        self.show_oversight()


def _file_text(r: dict[str, Any]) -> str:
    if not r["file_name"]:
        return "未上传"
    size = f"{r['file_size'] / 1024:.0f} KB" if r["file_size"] >= 1024 else f"{r['file_size']} 字节"
    return f"{r['file_name']}（{size}，校验码 {r['file_sha256'][:12]}…）"
