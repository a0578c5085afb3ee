"""现场检查与隐患登记: an on-site inspection against its field's checklist; every item found wanting becomes
a hazard on the rectification ledger (with grade, problem type and, when ordered on the spot, a deadline);
the instruments of 三书一函 are issued from here.

Plan, 二(一)2: 对生产领域，重点检查关键原材料、生产过程、出厂检验等关键质量点是否控制到位……；对流通领域，以进货
验收制度建立和执行情况、产品销售台账建立和执行情况，以及销售来源不明、假冒伪劣产品等问题为重点。……对检查发现
的问题隐患，综合运用“三书一函”……
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import ipywidgets as widgets
import pandas as pd
import sqlalchemy as sa

from .. import instruments, models, records, schema, vocab
from ..checklists import InspectionItem, load_checklists, load_problems
from ..errors import CalendarOutOfRange
from ..stages import inspection_proposals
from ..store import Store
from .base import App, FirstView, count, scope_name
from .drafts import DraftOffer, instruments_of, label
from .drafts import shown as instruments_shown
from .enterprises import EnterprisePicker
from .forms import TODAY, DateText, ModelForm, Spec, text_box
from .ui import (
    HAZARD_NO,
    FormField,
    button,
    choice_list,
    esc,
    hazard_no,
    hazard_number,
    html_table,
    note,
    options_from,
    records_of,
    section,
    set_options,
)

GRADE_ORDER = {code: i for i, code in enumerate(vocab.GRADE.codes)}  # general < larger < major
FIELD_OF_ENTERPRISE = {"producer": "production", "seller": "circulation", "both": "production"}
OUTCOME_TEXT = {"inserted": "已登记", "updated": "已更新", "unchanged": "内容无变化"}


def enterprise_hazards(store: Store, enterprise_id: int) -> pd.DataFrame:
    """The enterprise's findings on the ledger (newest first), as the session may see them."""
    h = schema.hazards
    stmt = store.scoped(
        sa.select(h.c.id, h.c.kind, h.c.grade, h.c.problem_code, h.c.state, h.c.found_date, h.c.deadline)
        .where(h.c.enterprise_id == enterprise_id)
        .order_by(h.c.found_date.desc(), h.c.id.desc()),
        h,
    )
    with store.read() as conn:
        return pd.DataFrame(conn.execute(stmt).mappings().all(), columns=list(stmt.selected_columns.keys()))


class ChecklistRow:
    """One checklist item: conforms or not; when not, the hazard's grade, problem type and description."""

    def __init__(self, app: App, item: InspectionItem, problems: list[tuple[str, str]]):
        self.item = item
        self.result = widgets.RadioButtons(
            options=[("符合", True), ("不符合", False)], value=True, orientation="horizontal"
        )
        self.grade = widgets.Dropdown(
            options=options_from(vocab.GRADE.labels), value="general", layout=widgets.Layout(width="7em")
        )
        self.problem = widgets.Dropdown(
            options=problems, value=item.problem, layout=widgets.Layout(width="14em")
        )
        self.description = text_box(models.Hazard, "description", width="22em", placeholder="问题描述")
        self.details = widgets.HBox([self.grade, self.problem, self.description])
        self.details.layout.display = "none"
        app.on_change(self.result, self._toggle)
        self.field = FormField(
            f"item-{item.code}",
            f"{item.code} {item.topic}",
            widgets.VBox(
                [widgets.HTML(f'<div class="hz-label">{esc(item.text)}</div>'), self.result, self.details]
            ),
            label_width="9em",
        )
        self.widget = self.field.widget

    def _toggle(self, conforms: bool | None) -> None:
        self.details.layout.display = "" if conforms is False else "none"

    @property
    def failed(self) -> bool:
        return self.result.value is False


TARGETS_SHOWN = 50
"""How many of the ranked, not yet inspected enterprises the page offers."""


def summary_html(store: Store, as_of: dt.date) -> str:
    """The line atop the page: the inspections of the as-of year recorded so far in the session's county (or the
    prefecture), and the hazards they found."""
    i, h = schema.inspections, schema.hazards
    year = as_of.year
    done = count(store, i, i.c.campaign_year == year, i.c.inspection_date <= as_of)
    found = count(store, h, h.c.campaign_year == year, h.c.source == "inspection", h.c.found_date <= as_of)
    scope = scope_name(store)
    return (
        f'<div class="hz-note">{esc(scope)}{year}年度已登记现场检查 <b class="hz-count-inspections">{done}</b> 次，'
        f'检查发现隐患 <b class="hz-count-hazards">{found}</b> 条。</div>'
    )


class InspectionApp(App):
    """Record an on-site inspection with its checklist, put what failed on the ledger, issue instruments."""

    title: ClassVar[str] = "现场检查与隐患登记"
    context: ClassVar[str] = "看板·现场检查与隐患登记"

    @classmethod
    def first_view(cls, store: Store, as_of: dt.date) -> FirstView | None:
        """The year's inspections and the hazards they found so far (``data``: the summary's HTML)."""
        html = summary_html(store, as_of)
        return FirstView(f'<div class="hz-summary">{html}</div>', html)

    def build(self) -> widgets.Widget:
        self.enterprise: dict[str, Any] | None = None
        self.picker = EnterprisePicker(self, self.open_enterprise, on_clear=self.close_enterprise)
        self.checklists = load_checklists()
        self.form = ModelForm(
            self,
            models.Inspection,
            [
                Spec("inspection_date", "date", required=True, default=TODAY),
                Spec("field", "vocab", required=True, vocabulary=vocab.FIELD),
                Spec("sub_product_code", "product", required=True),
                Spec("inspectors", hint="执法人员姓名，多人用顿号分隔"),
                Spec("note", "textarea"),
            ],
        )
        self.on_change(self.form.control("field"), self._show_checklist)
        self.order_now = widgets.Checkbox(value=True, description="对不符合项当场责令限期整改", indent=False)
        self.deadline = DateText(self._default_deadline())
        self.deadline_field = FormField("deadline", "整改期限", self.deadline)
        self.rows: list[ChecklistRow] = []
        self.rows_box = widgets.VBox()
        self.save_btn = button("保存检查记录", style="success", key="save-inspection")
        self.on_click(self.save_btn, self.save)
        self.confirmation = widgets.HTML()
        self.confirmation.add_class("hz-confirmation")
        self.instrument_form = ModelForm(
            self,
            models.Instrument,
            [
                Spec("kind", "vocab", required=True, vocabulary=vocab.INSTRUMENT_KIND),
                Spec("number", hint="纸质文书已有编号时填写；不填按本单位编号规则自动编号"),
                Spec("issue_date", "date", required=True, default=TODAY),
                Spec("hazard_id", "choice", blank="（不针对具体隐患）"),
                Spec("reply_due", "date", hint="不填按文书类型的默认天数"),
                Spec("note", "textarea"),
            ],
        )
        self.issue_btn = button("登记签发", style="primary", key="issue")
        self.on_click(self.issue_btn, self.issue)
        self.instruments = widgets.HTML()
        self.instruments.add_class("hz-instruments")
        self.drafts = DraftOffer(self)
        self.follow_pick = widgets.Dropdown(options=[], layout=widgets.Layout(width="30em"))
        self.follow_pick.add_class("hz-input-follow-pick")
        self.served = DateText()
        self.replied = DateText()
        self.follow_btn = button("登记送达、回复", key="follow-up")
        self.on_click(self.follow_btn, self.follow_up)
        self.follow_fields = {
            "served_date": FormField("served_date", "送达日期", self.served),
            "reply_date": FormField("reply_date", "回复日期", self.replied),
        }
        self.hazards = widgets.HTML()
        self.work = widgets.VBox(
            [
                section("二、检查情况"),
                self.form.widget,
                section("三、检查表"),
                note("逐项检查；不符合的项目会登记为隐患（同一问题类型的多项合并为一条）。"),
                self.rows_box,
                self.order_now,
                self.deadline_field.widget,
                self.save_btn,
                self.confirmation,
                section("四、该企业的隐患"),
                self.hazards,
                section("五、签发“三书一函”"),
                self.instrument_form.widget,
                self.issue_btn,
                self.instruments,
                self.drafts.widget,
                note("文书送达、企业回复后在此登记；回复逾期的文书列入“规则提示”。"),
                self.follow_pick,
                *(f.widget for f in self.follow_fields.values()),
                self.follow_btn,
            ]
        )
        self.work.layout.display = "none"
        self.summary = widgets.HTML()
        self.summary.add_class("hz-summary")
        self._summarise()
        return widgets.VBox(
            [self.summary, section("一、选择被检查企业"), *self._targets(), self.picker.widget, self.work]
        )

    def _targets(self) -> list[widgets.Widget]:
        """The county's stage-2 list ranked by risk (本行动尚未检查的), to pick the next enterprise from;
        nothing for the prefecture, which does not inspect, or outside a campaign."""
        county = self.store.county
        if county is None or self.campaign is None:
            return []
        ranked = inspection_proposals(self.store, county, self.as_of)
        todo = ranked[~ranked["inspected"]].head(TARGETS_SHOWN)
        if todo.empty:
            return [note("本年度行动中本县（市）的企业都已有现场检查记录。")]
        options = [
            # numbered 1, 2, 3 … as shown (the ranking's own rank counts the enterprises inspected already)
            (f"{n}. {r['name']}（{r['score']} 分：{r['reason'] or '无加分项'}）", int(r["enterprise_id"]))
            for n, r in enumerate(todo.to_dict("records"), start=1)
        ]
        # one line an enterprise, its reasons wrapping whole (a dropdown cut them off, at a desk and on a phone);
        # the riskiest chosen
        self.target_pick = choice_list("targets", "100%", options, max_width="48em")
        self.target_pick.value = options[0][1]
        self.target_btn = button("检查该企业", style="primary", key="pick-target")
        self.on_click(self.target_btn, self.pick_target)
        return [
            note(
                f"按风险排序的建议检查对象（尚未检查的前 {len(todo)} 家；得分依据见“现场检查建议对象”报表）："
            ),
            self.target_pick,
            self.target_btn,
            note("或按名称、统一社会信用代码查找："),
        ]

    def pick_target(self) -> None:
        row = self.store.get(schema.enterprises, self.target_pick.value)
        self.picker.choose({k: row[k] for k in ("id", "uscc", "name", "county_code", "field", "version")})

    def _summarise(self) -> None:
        first = self.first.data if self.first is not None else None
        self.first = None  # the first paint's summary serves the first draw only
        self.summary.value = first if first is not None else summary_html(self.store, self.as_of)

    def _default_deadline(self) -> Any:
        if self.campaign is None:
            return None
        try:
            return self.campaign.default_deadline(self.as_of)
        except CalendarOutOfRange:  # a year the holiday calendar does not know: the clerk types the date
            return None

    # -- steps ----------------------------------------------------------------------------------
    def open_enterprise(self, row: dict[str, Any]) -> None:
        self.enterprise = row
        self.confirmation.value = ""
        self.form.reset()
        self.form.control("field").value = FIELD_OF_ENTERPRISE.get(row["field"], "production")
        e = schema.enterprises
        products = self.store.get(e, row["id"]).get("products") or []
        if products:
            self.form.control("sub_product_code").value = products[0]
        self._show_checklist(self.form.control("field").value)
        self._refresh_enterprise()
        self.work.layout.display = ""

    def close_enterprise(self) -> None:
        self.enterprise = None
        self.work.layout.display = "none"

    def _show_checklist(self, field: str | None) -> None:
        if not field:
            self.rows, self.rows_box.children = [], []
            return
        problems = [(p.name, p.code) for p in load_problems() if p.field == field]
        self.rows = [ChecklistRow(self, i, problems) for i in self.checklists.inspection(field)]
        self.rows_box.children = [r.widget for r in self.rows]

    def _refresh_enterprise(self) -> None:
        assert self.enterprise is not None
        hz = enterprise_hazards(self.store, self.enterprise["id"])
        problems = {p.code: p.name for p in load_problems()}
        set_options(
            self.instrument_form.control("hazard_id"),
            [
                ("（不针对具体隐患）", None),
                *(
                    (
                        f"{hazard_no(r['id'])} {problems.get(r['problem_code'], r['problem_code'])}"
                        f"（{vocab.GRADE.label(r['grade'])}，{vocab.HAZARD_STATE.label(r['state'])}）",
                        int(r["id"]),
                    )
                    for r in records_of(hz)
                ),
            ],
        )
        shown = pd.DataFrame(
            {
                HAZARD_NO: [hazard_number(i) for i in hz["id"]],
                "类别": [vocab.FINDING_KIND.label(k) for k in hz["kind"]],
                "等级": [vocab.GRADE.label(g) for g in hz["grade"]],
                "问题类型": [problems.get(c, c) for c in hz["problem_code"]],
                "状态": [vocab.HAZARD_STATE.label(s) for s in hz["state"]],
                "发现日期": hz["found_date"],
                "整改期限": hz["deadline"],
            }
        )
        self.hazards.value = html_table(shown, empty="该企业暂无隐患记录")
        ins = instruments_of(self.store, self.as_of, enterprise_id=self.enterprise["id"])
        self.drafts.offer(ins)
        follow = [(label(r), int(r["id"])) for r in ins.to_dict("records")]
        # the instrument being followed up stays chosen after a save (the first was chosen again)
        kept = self.follow_pick.value if self.follow_pick.value in [v for _, v in follow] else None
        set_options(self.follow_pick, follow, kept if kept is not None else follow[0][1] if follow else None)
        listed = instruments_shown(ins)
        self.instruments.value = html_table(listed, empty="尚未向该企业签发文书")

    def hazard_data(self) -> list[tuple[dict[str, Any], list[ChecklistRow]]]:
        """One hazard per problem type among the failed items (the highest grade, the texts joined), with
        the items it is made of."""
        assert self.enterprise is not None
        groups: dict[str, list[ChecklistRow]] = {}
        for r in self.rows:
            if r.failed:
                groups.setdefault(r.problem.value, []).append(r)
        found = self.form.control("inspection_date").value
        out = []
        for problem, rows in groups.items():
            grade = max((r.grade.value for r in rows), key=lambda g: GRADE_ORDER[g])
            text = "；".join(f"{r.item.text}：{r.description.value.strip() or '不符合'}" for r in rows)
            data: dict[str, Any] = {
                "enterprise_id": self.enterprise["id"],
                "campaign_year": self.year,
                "grade": grade,
                "problem_code": problem,
                "sub_product_code": self.form.control("sub_product_code").value,
                "found_date": found,
                "source": "inspection",
                "description": text,  # too long, it is refused beside its items, never cut short
            }
            if self.order_now.value:
                data.update(ordered_date=found, deadline=self.deadline.value)
            out.append((data, rows))
        return out

    def save(self) -> None:
        """Validate the inspection and its hazards; save them in one transaction, or show what to fix."""
        if self.enterprise is None:
            self.say("请先选择被检查企业。", "warn")
            return
        self.confirmation.value = ""
        self.deadline_field.clear()
        for r in self.rows:
            r.field.clear()
        results = {r.item.code: bool(r.result.value) for r in self.rows}
        inspection = self.form.check(
            {"enterprise_id": self.enterprise["id"], "campaign_year": self.year, "results": results}
        )
        if inspection is None:
            return
        hazards = []
        described = models.Hazard.model_fields["description"].title
        for data, rows in self.hazard_data():
            record, findings = models.check(models.Hazard, data, today=self.as_of)
            if record is None:
                self.show_findings(findings, {**self.form.fields, "整改期限": self.deadline_field})
                for finding in (f for f in findings if f.field == described):
                    for r in rows:
                        r.field.set_error(finding.message)
                return
            hazards.append(record)
        with self.store.transaction(self.transaction_context("现场检查")) as tx:
            iid, outcome = records.save_inspection(tx, inspection)
            saved = [records.save_hazard(tx, h.model_copy(update={"source_id": iid})) for h in hazards]
        self.clear_message()
        problems = {p.code: p.name for p in load_problems()}
        lines = [f"现场检查记录{OUTCOME_TEXT[outcome]}（编号 {iid}）。"]
        if hazards:
            lines.append(f"不符合项已登记为隐患 {len(hazards)} 条：")
            for h, (hid, _) in zip(hazards, saved, strict=True):
                order = f"，整改期限 {h.deadline}" if h.deadline else ""
                lines.append(
                    f"{hazard_no(hid)} {problems.get(h.problem_code, h.problem_code)}（{vocab.GRADE.label(h.grade)}{order}）"
                )
        else:
            lines.append("检查表各项均符合，未登记隐患。")
        self.confirmation.value = (
            '<div class="hz-msg hz-msg-ok">' + "<br>".join(esc(x) for x in lines) + "</div>"
        )
        self._refresh_enterprise()
        self._summarise()

    def issue(self) -> None:
        """Record an instrument of 三书一函 issued to the enterprise."""
        if self.enterprise is None:
            self.say("请先选择企业。", "warn")
            return
        record = self.instrument_form.check(
            {"enterprise_id": self.enterprise["id"], "campaign_year": self.year}
        )
        if record is None:
            return
        with self.store.transaction(self.transaction_context("签发文书")) as tx:
            iid, outcome = instruments.save_instrument(tx, record)
        number = self.store.get(schema.instruments, iid)["number"]
        self.say(
            f"{vocab.INSTRUMENT_KIND.label(record.kind)}{OUTCOME_TEXT[outcome]}：{number}，可起草 Word 文书。",
            "ok",
        )
        self.instrument_form.reset()
        self._refresh_enterprise()
        self.drafts.pick.value = iid
        if iid in [v for _, v in self.follow_pick.options]:
            self.follow_pick.value = iid  # the instrument issued is the one worked on: its service is next

    def follow_up(self) -> None:
        """Record when the chosen instrument was served and when its reply came."""
        for field in self.follow_fields.values():
            field.clear()
        chosen = self.follow_pick.value
        if chosen is None:
            self.say("请先选择文书。", "warn")
            return
        stored = self.store.get(schema.instruments, int(chosen))
        values = {k: stored[k] for k in ("kind", "enterprise_id", "campaign_year", "issue_date", "number",
                                         "hazard_id", "reply_due", "note")}  # fmt: skip
        values.update(served_date=self.served.value or stored["served_date"],
                      reply_date=self.replied.value or stored["reply_date"])  # fmt: skip
        record, found = models.check(models.Instrument, values, today=self.as_of)
        if record is None:
            for f in found:
                key = next(
                    (k for k in self.follow_fields if models.Instrument.model_fields[k].title == f.field),
                    None,
                )
                if key is not None:
                    self.follow_fields[key].set_error(f.message)
            self.say("；".join(f.message for f in found), "error")
            return
        with self.store.transaction(self.transaction_context("登记文书送达、回复")) as tx:
            _, outcome = instruments.save_instrument(tx, record, instrument_id=int(chosen))
        self.say(f"{label(stored)}的送达、回复情况{OUTCOME_TEXT[outcome]}。", "ok")
        self.served.value = self.replied.value = None
        self._refresh_enterprise()
