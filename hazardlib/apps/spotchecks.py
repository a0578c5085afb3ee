"""抽查与处置: supervision spot checks, two-way tracing tasks (sent and received), follow-ups, risk signals to
verify, enforcement cases and targeted help — each tab a form, the session's records, and what the rules
of that measure ask for.

Plan, 二(二)3–6: 强化产品质量监督抽查……对不合格产品的生产和销售单位开展双向追查……对不合格和拒检企业开展跟踪
抽查；严厉打击质量违法违规行为；消除质量安全风险隐患；实施分类监管和精准帮扶。
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import ipywidgets as widgets
import pandas as pd

from .. import models, records, schema, tracing, vocab
from ..errors import ValidationFailed
from ..rules import RULES, run_all
from ..rules.signals import awaiting_verification
from ..store import PREFECTURE_CODE
from .base import App
from .casework import findings_html, page_of
from .enterprises import EnterprisePicker
from .forms import TODAY, ModelForm, Spec, text_box
from .tables import PagedTable
from .ui import (
    FormField,
    button,
    dropdown,
    html_table,
    note,
    option_label,
    options_from,
    records_of,
    section,
    set_options,
)

SC = schema.spot_checks
OUTCOME_TEXT = {"inserted": "已登记", "updated": "已更新", "unchanged": "内容无变化"}
MEASURES = {"spot": "(二)3", "enforcement": "(二)4", "signals": "(二)5", "help": "(二)6"}
TAB_TITLES = ("监督抽查", "双向追查", "风险信息", "执法办案", "质量帮扶")


def sampled_name(r: dict[str, Any]) -> str:
    """The enterprise a batch was sampled at, as the clerk reads it: the registered enterprise's name, else the
    seller's or producer's name written on the sampling form (a party not registered in the county)."""
    for key in ("enterprise", "seller_name", "producer_name"):
        if r.get(key):
            return str(r[key])
    return "（未填写）"


class SpotCheckApp(App):
    """Spot checks and what follows them: tracing, follow-ups, risk signals, enforcement and help."""

    title: ClassVar[str] = "抽查与处置"
    context: ClassVar[str] = "看板·抽查与处置"

    def build(self) -> widgets.Widget:
        tabs = widgets.Tab(
            children=[
                self._spot_tab(),
                self._tracing_tab(),
                self._signal_tab(),
                self._case_tab(),
                self._help_tab(),
            ]
        )
        tabs.titles = TAB_TITLES
        self.tabs = tabs
        return tabs

    @functools.cached_property
    def rule_findings(self) -> list[Any]:
        return run_all(self.store, self.as_of)

    def findings_of(self, measure: str) -> list[Any]:
        return [f for f in self.rule_findings if MEASURES[measure] in RULES[f.rule].measure]

    def _refresh_findings(self) -> None:
        self.__dict__.pop("rule_findings", None)
        for key, box in self.finding_boxes.items():
            box.value = findings_html(self.findings_of(key))

    # -- 监督抽查 -------------------------------------------------------------------------------
    def _spot_tab(self) -> widgets.Widget:
        self.finding_boxes: dict[str, widgets.HTML] = {}
        self.spot_sampled: dict[str, Any] | None = None
        self.spot_picker = EnterprisePicker(self, self._sampled, register=False)
        self.spot_form = ModelForm(
            self,
            models.SpotCheck,
            [
                Spec("batch_no", required=True),
                Spec("sampled_by_county", "county", required=True),
                Spec("sample_date", "date", required=True, default=TODAY),
                Spec("sub_product_code", "product", required=True),
                Spec("channel", "vocab", required=True, vocabulary=vocab.CHANNEL),
                Spec("result", "vocab", required=True, vocabulary=vocab.SPOT_RESULT),
                Spec("follow_up_of", "choice", blank="（不是跟踪抽查）"),
                Spec("enforcement_sampling", "bool"),
                Spec("note", "textarea"),
            ],
        )
        self.parties = {
            role: ModelForm(
                self, models.Party, [Spec("name"), Spec("uscc"), Spec("region", hint="外地企业写所在省市")]
            )
            for role in ("producer", "seller")
        }
        self.spot_btn = button("登记抽查结果", style="success", key="spot")
        self.on_click(self.spot_btn, self.save_spot_check)
        self.spot_table = PagedTable(self, self._spot_page, key="spots")
        self.spot_table.refresh()
        self.finding_boxes["spot"] = widgets.HTML(findings_html(self.findings_of("spot")))
        self._follow_up_choices()
        return widgets.VBox(
            [
                section("受检企业（本地已登记企业可查找选择）"),
                self.spot_picker.widget,
                section("抽查信息"),
                self.spot_form.widget,
                section("生产单位（受检企业为销售单位时填写）"),
                self.parties["producer"].widget,
                section("销售单位（在流通环节抽样时填写）"),
                self.parties["seller"].widget,
                self.spot_btn,
                section("规则提示：双向追查、跟踪抽查、约谈"),
                self.finding_boxes["spot"],
                section("本地区抽查批次"),
                self.spot_table.widget,
            ]
        )

    def _sampled(self, row: dict[str, Any]) -> None:
        self.spot_sampled = row

    def _follow_up_choices(self) -> None:
        frame, _ = page_of(
            self.store,
            SC,
            [SC.c.id, SC.c.batch_no, SC.c.result, SC.c.sample_date, SC.c.seller_name, SC.c.producer_name],
            where=[SC.c.result.in_(("unqualified", "refused")), SC.c.sample_date <= self.as_of],
            order=[SC.c.sample_date.desc()],
            limit=200,
        )
        set_options(
            self.spot_form.control("follow_up_of"),
            [("（不是跟踪抽查）", None)]
            + [
                (
                    f"{r['batch_no']} {sampled_name(r)}（{vocab.SPOT_RESULT.label(r['result'])}，{r['sample_date']}）",
                    int(r["id"]),
                )
                for r in records_of(frame)
            ],
        )

    def _spot_page(self, offset: int, limit: int) -> tuple[pd.DataFrame, int]:
        frame, total = page_of(
            self.store,
            SC,
            [
                SC.c.batch_no,
                SC.c.sample_date,
                SC.c.sub_product_code,
                SC.c.channel,
                SC.c.result,
                SC.c.follow_up_of,
                SC.c.seller_name,
                SC.c.producer_name,
            ],
            where=[SC.c.sample_date <= self.as_of],
            order=[SC.c.sample_date.desc()],
            offset=offset,
            limit=limit,
        )
        shown = pd.DataFrame(
            {
                "抽样单编号": frame["batch_no"],
                "抽样日期": frame["sample_date"],
                "产品": [self.product_label(c) for c in frame["sub_product_code"]],
                "环节": [vocab.CHANNEL.label(c) for c in frame["channel"]],
                "结果": [vocab.SPOT_RESULT.label(c) for c in frame["result"]],
                "受检企业": [sampled_name(r) for r in records_of(frame)],
                "跟踪抽查": ["是" if pd.notna(v) else "" for v in frame["follow_up_of"]],
            }
        )
        return shown, total

    def save_spot_check(self) -> None:
        """Save a spot-check batch; an unqualified one starts two-way tracing at once."""
        parties: dict[str, dict[str, Any]] = {}
        for role, form in self.parties.items():
            party = form.check()
            if party is None:
                return
            parties[role] = party.model_dump(exclude_none=True)
        if self.spot_sampled is not None:
            role = "seller" if self.spot_sampled["field"] == "seller" else "producer"
            parties[role]["enterprise_id"] = self.spot_sampled["id"]
        extra: dict[str, Any] = {
            "campaign_year": self.year,
            "producer": parties["producer"],
            "seller": parties["seller"],
        }
        if self.spot_sampled is not None:
            extra["enterprise_id"] = self.spot_sampled["id"]
        record = self.spot_form.check(extra)
        if record is None:
            return
        with self.store.transaction(self.transaction_context("监督抽查")) as tx:
            sid, outcome = records.save_spot_check(tx, record, trace=True)
            tasks = len(tracing.tasks_of(tx.conn, sid))
        text = f"抽样单 {record.batch_no} {OUTCOME_TEXT[outcome]}。"
        if record.result == "unqualified":
            text += (
                f"已发起双向追查任务 {tasks} 项。" if tasks else "未写明生产单位或销售单位，未发起双向追查。"
            )
        self.say(text, "ok")
        self.spot_table.refresh(first_page=True)
        self._follow_up_choices()
        self._refresh_tracing()
        self._refresh_findings()

    # -- 双向追查 -------------------------------------------------------------------------------
    def _tracing_tab(self) -> widgets.Widget:
        self.received = widgets.HTML()
        self.received.add_class("hz-tasks-received")
        self.sent = widgets.HTML()
        self.sent.add_class("hz-tasks-sent")
        self.task_pick = widgets.Dropdown(options=[], layout=widgets.Layout(width="40em"))
        self.task_note = text_box(models.TracingReport, "note")
        title = models.TracingReport.model_fields["note"].title or ""
        self.task_note_field = FormField("task-note", title, self.task_note)
        self.task_to = dropdown(
            [
                ("（转办给）", None),
                *[(c.name, c.code) for c in self.regions.counties],
                ("州外（已移交外地）", "外地"),
            ]
        )
        self.done_btn = button("办结", style="success", key="task-done")
        self.pass_btn = button("转办", key="task-pass")
        self.on_click(self.done_btn, self.complete_task)
        self.on_click(self.pass_btn, self.pass_task)
        self._refresh_tracing()
        return widgets.VBox(
            [
                section("收到的追查任务"),
                self.received,
                FormField("task", "选择任务", self.task_pick).widget,
                self.task_note_field.widget,
                widgets.HBox([self.done_btn, self.task_to, self.pass_btn]),
                section("发出的追查任务"),
                self.sent,
            ]
        )

    def _task_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "抽样单编号": frame["batch_no"],
                "追查对象": frame["role_label"],
                "单位": frame["target_name"],
                "发往": frame["to_county_name"],
                "下达日期": frame["created_date"],
                "期限": frame["due"],
                "状态": frame["state_label"],
                "超期": ["超期" if o else "" for o in frame["overdue"]],
                "办理情况": frame["note"],
            }
        )

    def _refresh_tracing(self) -> None:
        holder = self.county or PREFECTURE_CODE
        got = tracing.tasks_received(self.store, holder, self.as_of)
        self.received.value = html_table(self._task_frame(got), empty="没有收到追查任务")
        open_ = [r for r in records_of(got) if r["state"] == "open"]
        set_options(
            self.task_pick,
            [("（选择待办任务）", None)]
            + [
                (
                    f"{option_label(r['batch_no'], r['role_label'], r['target_name'])}（期限 {r['due']}）",
                    int(r["id"]),
                )
                for r in open_
            ],
        )
        if self.county is not None:
            sent = tracing.tasks_sent(self.store, self.county, self.as_of)
            self.sent.value = html_table(self._task_frame(sent), empty="没有发出的追查任务")
        else:
            self.sent.value = '<div class="hz-note">追查任务由抽样的县（市）发出；州局在此接收并转办州外或无法确定属地的任务。</div>'

    def complete_task(self) -> None:
        if self.task_pick.value is None:
            self.say("请先选择任务。", "warn")
            return
        self.task_note_field.clear()
        try:
            tracing.complete(
                self.store, int(self.task_pick.value), self.as_of, self.task_note.value.strip() or None
            )
        except ValidationFailed as exc:  # the note too long: said beside it, and nothing recorded
            self.report(exc, {"note": self.task_note_field})
            return
        self.say("追查任务已办结。", "ok")
        self.task_note.value = ""
        self._refresh_tracing()
        self._refresh_findings()

    def pass_task(self) -> None:
        if self.task_pick.value is None or self.task_to.value is None:
            self.say("请先选择任务和转办对象。", "warn")
            return
        self.task_note_field.clear()
        try:
            tracing.pass_on(
                self.store,
                int(self.task_pick.value),
                self.as_of,
                self.task_to.value,
                self.task_note.value.strip() or None,
            )
        except ValidationFailed as exc:  # the note too long: said beside it, and nothing recorded
            self.report(exc, {"note": self.task_note_field})
            return
        self.say("追查任务已转办。", "ok")
        self._refresh_tracing()
        self._refresh_findings()

    # -- 风险信息 -------------------------------------------------------------------------------
    def _signal_tab(self) -> widgets.Widget:
        self.signal_form = ModelForm(
            self,
            models.RiskSignal,
            [
                Spec("county_code", "county", required=True),
                Spec("received_date", "date", required=True, default=TODAY),
                Spec("source", "vocab", required=True, vocabulary=vocab.SIGNAL_SOURCE),
                Spec("description", "textarea", required=True),
                Spec("sub_product_code", "product", blank="（不涉及具体产品）"),
            ],
        )
        self.signal_btn = button("登记风险信息", style="primary", key="signal")
        self.on_click(self.signal_btn, self.save_signal)
        self.signal_pick = widgets.Dropdown(options=[], layout=widgets.Layout(width="40em"))
        self.signal_outcome = dropdown(
            options_from(
                {k: v for k, v in vocab.SIGNAL_STATE.labels.items() if k != "pending"}, blank="（核查结论）"
            )
        )
        self.verify_btn = button("登记核查结论", style="success", key="verify")
        self.on_click(self.verify_btn, self.verify)
        self.signals = widgets.HTML()
        self.finding_boxes["signals"] = widgets.HTML(findings_html(self.findings_of("signals")))
        self._refresh_signals()
        return widgets.VBox(
            [
                section("待核查的风险信息"),
                self.signals,
                widgets.HBox([self.signal_pick, self.signal_outcome, self.verify_btn]),
                section("规则提示"),
                self.finding_boxes["signals"],
                section("登记新的风险信息"),
                self.signal_form.widget,
                self.signal_btn,
            ]
        )

    def _refresh_signals(self) -> None:
        t = schema.risk_signals
        frame, total = page_of(
            self.store,
            t,
            [t.c.id, t.c.county_code, t.c.received_date, t.c.source, t.c.description],
            where=[awaiting_verification(self.as_of), t.c.received_date <= self.as_of],
            order=[t.c.received_date],
        )
        shown = pd.DataFrame(
            {
                "县（市）": [self.county_name(c) for c in frame["county_code"]],
                "收到日期": frame["received_date"],
                "来源": [vocab.SIGNAL_SOURCE.label(s) for s in frame["source"]],
                "风险信息": frame["description"],
                "企业": frame["enterprise"],
            }
        )
        more = f'<div class="hz-note">共 {total} 条待核查，列出最早的 50 条。</div>' if total > 50 else ""
        self.signals.value = html_table(shown, empty="没有待核查的风险信息") + more
        set_options(
            self.signal_pick,
            [("（选择风险信息）", None)]
            + [
                (
                    f"{r['received_date']} {vocab.SIGNAL_SOURCE.label(r['source'])}：{str(r['description'])[:40]}",
                    int(r["id"]),
                )
                for r in records_of(frame)
            ],
        )

    def save_signal(self) -> None:
        record = self.signal_form.check({"campaign_year": self.year})
        if record is None:
            return
        with self.store.transaction(self.transaction_context("登记风险信息")) as tx:
            _, outcome = records.save_risk_signal(tx, record)
        self.say(f"风险信息{OUTCOME_TEXT[outcome]}。", "ok")
        self.signal_form.reset()
        self._refresh_signals()
        self._refresh_findings()

    def verify(self) -> None:
        if self.signal_pick.value is None or self.signal_outcome.value is None:
            self.say("请先选择风险信息和核查结论。", "warn")
            return
        with self.store.transaction(self.transaction_context("风险信息核查")) as tx:
            records.verify_signal(
                tx, int(self.signal_pick.value), self.signal_outcome.value, self.as_of, today=self.as_of
            )
        self.say(f"已登记核查结论：{vocab.SIGNAL_STATE.label(self.signal_outcome.value)}。", "ok")
        self._refresh_signals()
        self._refresh_findings()

    # -- 执法办案 -------------------------------------------------------------------------------
    def _case_tab(self) -> widgets.Widget:
        self.case_enterprise: dict[str, Any] | None = None
        self.case_picker = EnterprisePicker(
            self, lambda r: setattr(self, "case_enterprise", r), register=False
        )
        date, flag = "date", "bool"
        self.case_form = ModelForm(
            self,
            models.EnforcementCase,
            [
                Spec("case_no"),
                Spec("filed_date", date, required=True, default=TODAY),
                Spec("violation", "vocab", required=True, vocabulary=vocab.VIOLATION),
                Spec("sub_product_code", "product", blank="（未注明）"),
                Spec("facts", "textarea"),
                Spec("penalty", "textarea"),
                Spec("persons_punished", "int"),
                Spec("transferred_to", "vocab", vocabulary=vocab.TRANSFER, blank="（未移送）"),
                Spec("transfer_date", date),
                Spec("credit_publicity", flag),
                Spec("publicity_date", date),
                Spec("publicity_ref"),
                Spec("dishonesty_listed", flag),
                Spec("dishonesty_date", date),
                Spec("not_listed_by", hint="决定不列入失信名单时填写决定人、日期和理由"),
                Spec("not_listed_date", date),
                Spec("not_listed_reason", "textarea"),
                Spec("licence_revoked", flag),
                Spec("revoked_date", date),
                Spec("not_revoked_by", hint="决定不撤销许可证时填写决定人、日期和理由"),
                Spec("not_revoked_date", date),
                Spec("not_revoked_reason", "textarea"),
                Spec("major_case", flag, hint="重大案件须第一时间报告州局"),
                Spec("typical_case", flag),
                Spec("published_date", date),
            ],
        )
        self.case_btn = button("登记案件", style="success", key="case")
        self.on_click(self.case_btn, self.save_case)
        self.case_table = PagedTable(self, self._case_page, key="cases")
        self.case_table.refresh()
        self.finding_boxes["enforcement"] = widgets.HTML(findings_html(self.findings_of("enforcement")))
        return widgets.VBox(
            [
                section("规则提示"),
                self.finding_boxes["enforcement"],
                section("当事企业"),
                self.case_picker.widget,
                section("案件情况"),
                self.case_form.widget,
                self.case_btn,
                section("本地区案件"),
                self.case_table.widget,
            ]
        )

    def _case_page(self, offset: int, limit: int) -> tuple[pd.DataFrame, int]:
        t = schema.enforcement_cases
        frame, total = page_of(
            self.store,
            t,
            [
                t.c.case_no,
                t.c.filed_date,
                t.c.violation,
                t.c.transferred_to,
                t.c.major_case,
                t.c.typical_case,
            ],
            where=[t.c.filed_date <= self.as_of],
            order=[t.c.filed_date.desc()],
            offset=offset,
            limit=limit,
        )
        shown = pd.DataFrame(
            {
                "案件编号": frame["case_no"],
                "立案日期": frame["filed_date"],
                "企业": frame["enterprise"],
                "违法行为": [vocab.VIOLATION.label(v) for v in frame["violation"]],
                "移送": [
                    vocab.TRANSFER.label(v) if isinstance(v, str) else "" for v in frame["transferred_to"]
                ],
                "重大案件": ["是" if v else "" for v in frame["major_case"]],
                "典型案例": ["是" if v else "" for v in frame["typical_case"]],
            }
        )
        return shown, total

    def save_case(self) -> None:
        if self.case_enterprise is None:
            self.say("请先查找并选择当事企业。", "warn")
            return
        record = self.case_form.check(
            {"enterprise_id": self.case_enterprise["id"], "campaign_year": self.year}
        )
        if record is None:
            return
        with self.store.transaction(self.transaction_context("执法办案")) as tx:
            _, outcome = records.save_enforcement_case(tx, record)
        extra = "已列入即时报告，请第一时间报告州局。" if record.major_case else ""
        self.say(f"案件{OUTCOME_TEXT[outcome]}。{extra}", "ok")
        self.case_form.reset()
        self.case_table.refresh(first_page=True)
        self._refresh_findings()

    # -- 质量帮扶 -------------------------------------------------------------------------------
    def _help_tab(self) -> widgets.Widget:
        self.help_enterprise: dict[str, Any] | None = None
        self.help_picker = EnterprisePicker(
            self, lambda r: setattr(self, "help_enterprise", r), register=False
        )
        self.help_form = ModelForm(
            self,
            models.HelpRecord,
            [
                Spec("kind", "vocab", required=True, vocabulary=vocab.HELP_KIND),
                Spec("help_date", "date", required=True, default=TODAY),
                Spec("note", "textarea"),
            ],
        )
        self.help_btn = button("登记帮扶", style="success", key="help")
        self.on_click(self.help_btn, self.save_help)
        self.help_table = PagedTable(self, self._help_page, key="help")
        self.help_table.refresh()
        self.finding_boxes["help"] = widgets.HTML(findings_html(self.findings_of("help")))
        return widgets.VBox(
            [
                section("规则提示：重点监管、特别监管、整改指导意见书"),
                self.finding_boxes["help"],
                section("帮扶企业"),
                self.help_picker.widget,
                self.help_form.widget,
                self.help_btn,
                note("质量问诊、质量分析、质量培训、“一企一策”整改指导意见书。"),
                section("本地区帮扶记录"),
                self.help_table.widget,
            ]
        )

    def _help_page(self, offset: int, limit: int) -> tuple[pd.DataFrame, int]:
        t = schema.help_records
        frame, total = page_of(
            self.store,
            t,
            [t.c.help_date, t.c.kind, t.c.note],
            where=[t.c.help_date <= self.as_of],
            order=[t.c.help_date.desc()],
            offset=offset,
            limit=limit,
        )
        shown = pd.DataFrame(
            {
                "日期": frame["help_date"],
                "企业": frame["enterprise"],
                "帮扶方式": [vocab.HELP_KIND.label(k) for k in frame["kind"]],
                "帮扶内容": frame["note"],
            }
        )
        return shown, total

    def save_help(self) -> None:
        if self.help_enterprise is None:
            self.say("请先查找并选择帮扶企业。", "warn")
            return
        record = self.help_form.check(
            {"enterprise_id": self.help_enterprise["id"], "campaign_year": self.year}
        )
        if record is None:
            return
        with self.store.transaction(self.transaction_context("质量帮扶")) as tx:
            _, outcome = records.save_help(tx, record)
        self.say(f"帮扶记录{OUTCOME_TEXT[outcome]}。", "ok")
        self.help_form.reset()
        self.help_table.refresh(first_page=True)
        self._refresh_findings()
