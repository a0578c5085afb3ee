"""整改台账: the rectification ledger — find hazards by county, category, grade, state and overdue; open one to
see its history and what the rules ask for it; record the next move (only the moves the ledger allows
from its state are offered), and, for a risk, whether its control measures are in place from a date.

Plan, 二(二)2: 对排查出的隐患要建立问题整改台账，责令限期整改，并及时组织复查，确保问题隐患件件有落实，事事有结果。
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import ipywidgets as widgets
import pandas as pd
import sqlalchemy as sa

from .. import interviews, ledger, models, schema, vocab
from ..catalogue import load_catalogue
from ..checklists import load_problems
from ..errors import CalendarOutOfRange, HazardError, NotFound, OutOfScope, ValidationFailed
from ..regions import load_regions
from ..rules import RULES, run_all
from ..store import Store
from .base import App, FirstView, catalogue_for, product_label, product_options
from .drafts import DraftOffer, instruments_of, shown
from .forms import DATE_HINT, DateText, ModelForm, Spec, text_box
from .tables import EMPTY, PAGE_SIZE, PagedTable
from .ui import (
    HAZARD_NO,
    FormField,
    button,
    choice_list,
    choose,
    dropdown,
    esc,
    fmt_date,
    hazard_no,
    hazard_number,
    html_table,
    lines_html,
    options_from,
    paging_text,
    records_of,
    section,
    set_options,
)

H = schema.hazards
ENT = schema.enterprises
OUTCOMES = vocab.MOVE_OUTCOME
NO_NOTICE = "（未发约谈通知书）"
"""The interview form's choice of no 约谈通知书 (its other choices: the enterprise's notices not yet held)."""
TAKES_DEADLINE = {("order", None), ("reinspect", "failed"), ("look_back", "reopened")}


@dataclass(frozen=True)
class LedgerFilter:
    """What the clerk filters the ledger by (None / empty: any)."""

    county: str | None = None
    category: str | None = None
    grade: str | None = None
    state: str | None = None
    overdue: bool = False
    enterprise: str = ""
    year: int | None = None


def _conditions(store: Store, led: Any, flt: LedgerFilter, as_of: dt.date) -> list[Any]:
    conds: list[Any] = []
    if store.county is not None:
        if flt.county and flt.county != store.county:
            raise OutOfScope(store.county, flt.county)
        conds.append(led.c.county_code == store.county)
    elif flt.county:
        conds.append(led.c.county_code == flt.county)
    if flt.year:
        conds.append(led.c.campaign_year == flt.year)
    if flt.category:
        conds.append(led.c.category_code == flt.category)
    if flt.grade:
        conds.append(led.c.grade == flt.grade)
    if flt.state:
        conds.append(led.c.state == flt.state)
    if flt.overdue:
        conds.append(ledger.is_overdue(led, as_of))
    if flt.enterprise.strip():
        conds.append(ENT.c.name.contains(flt.enterprise.strip(), autoescape=True))
    return conds


def ledger_page(
    store: Store,
    as_of: dt.date,
    flt: LedgerFilter,
    *,
    offset: int = 0,
    limit: int = 50,
) -> tuple[pd.DataFrame, int]:
    """One page of the ledger as it stood at ``as_of`` (the session's county only), and the total count.

    The states are the ledger's own (:func:`hazardlib.figures.ledger_at`, rebuilt from the moves), never
    the state cached on the ``hazards`` row: the page and the figures cannot tell two stories.
    Columns: id, county_code, enterprise, kind, grade, problem_code, sub_product_code, found_date, state,
    deadline, overdue.
    """
    led = ledger.ledger_at(as_of)
    joined = led.join(ENT, ENT.c.id == led.c.enterprise_id)
    conds = _conditions(store, led, flt, as_of)
    overdue = sa.case((ledger.is_overdue(led, as_of), True), else_=False).label("overdue")
    stmt = (
        sa.select(
            led.c.id,
            led.c.county_code,
            ENT.c.name.label("enterprise"),
            led.c.kind,
            led.c.grade,
            led.c.problem_code,
            led.c.sub_product_code,
            led.c.found_date,
            led.c.state,
            led.c.deadline,
            overdue,
        )
        .select_from(joined)
        .where(*conds)
        .order_by(led.c.found_date.desc(), led.c.id.desc())
        .offset(offset)
        .limit(limit)
    )
    total_stmt = sa.select(sa.func.count()).select_from(joined).where(*conds)
    with store.read() as conn:
        rows = conn.execute(stmt).mappings().all()
        total = int(conn.execute(total_stmt).scalar_one())
    frame = pd.DataFrame([dict(r) for r in rows], columns=list(stmt.selected_columns.keys()))
    frame["overdue"] = frame["overdue"].astype(bool)
    return frame, total


def hazard_at(store: Store, hazard_id: int, as_of: dt.date) -> dict[str, Any]:
    """One hazard with its enterprise, its state at ``as_of`` (``state``), as last recorded
    (``recorded_state``), whether moves dated after ``as_of`` exist (``later_moves``), and whether its
    control measures are in place at ``as_of`` (``measures``: None unknown) with the date of the move that
    says so (``measures_date``: None as found); NotFound outside the session's county."""
    with store.read() as conn:
        row = store.get(H, hazard_id, conn)
        ent = store.get(ENT, row["enterprise_id"], conn)
        at = ledger.state_at(conn, [hazard_id], as_of)
        measures, measures_date = ledger.measures_at(conn, hazard_id, as_of)
        last = conn.execute(
            sa.select(sa.func.max(ledger.E.c.event_date)).where(ledger.E.c.hazard_id == hazard_id)
        ).scalar()
    if at.empty:
        raise NotFound("隐患", hazard_id)
    first = at.iloc[0]
    return {
        **row,
        "enterprise": ent["name"],
        "uscc": ent["uscc"],
        "recorded_state": row["state"],
        "state": first["state"],
        "deadline": first["deadline"] if pd.notna(first["deadline"]) else None,
        "overdue": bool(first["overdue"]),
        "later_moves": last is not None and last > as_of,
        "measures": measures,
        "measures_date": measures_date,
    }


def move_choices(hazard: dict[str, Any]) -> list[tuple[str, str]]:
    """The moves the ledger allows for this hazard now, as (label, move); none when it has moves recorded
    after the session's date (its later history is not this session's to rewrite)."""
    if hazard["later_moves"]:
        return []
    return [(ledger.move_label(m), m) for m in ledger.allowed_moves(hazard["state"], hazard["kind"])]


def first_filter(store: Store, as_of: dt.date) -> LedgerFilter:
    """What the ledger page is filtered by when it opens: the session's county (all, for the prefecture) and
    the as-of year's campaign."""
    return LedgerFilter(county=store.county, year=as_of.year)


def shown_rows(
    frame: pd.DataFrame, problems: Mapping[str, str], product_label: Callable[[str | None], str]
) -> pd.DataFrame:
    """A page of :func:`ledger_page` as the table shows it: the hazard number, names for codes, the state's
    and grade's words, and the overdue mark (the column ``id``, not shown, names each row's hazard)."""
    regions = load_regions()

    def county_name(code: str) -> str:
        try:
            return regions.name_of(code)
        except HazardError:
            return code

    return pd.DataFrame(
        {
            "id": frame["id"],  # the row's hazard (not shown)
            HAZARD_NO: [hazard_number(i) for i in frame["id"]],
            "县（市）": [county_name(c) for c in frame["county_code"]],
            "企业": frame["enterprise"],
            "产品": [product_label(c) for c in frame["sub_product_code"]],
            "问题类型": [problems.get(c, c) for c in frame["problem_code"]],
            "等级": [
                f"{vocab.GRADE.label(g)}{vocab.FINDING_KIND.label(k)}"
                for g, k in zip(frame["grade"], frame["kind"], strict=True)
            ],
            "状态": [vocab.HAZARD_STATE.label(s) for s in frame["state"]],
            "发现日期": frame["found_date"],
            "整改期限": [d if pd.notna(d) else "" for d in frame["deadline"]],
            "超期": ['<span class="hz-overdue">超期</span>' if o else "" for o in frame["overdue"]],
        }
    )


class LedgerApp(App):
    """The rectification ledger: filter, page, open a hazard, record its next move."""

    title: ClassVar[str] = "整改台账"
    context: ClassVar[str] = "看板·整改台账"

    @classmethod
    def first_view(cls, store: Store, as_of: dt.date) -> FirstView | None:
        """The ledger's first page as the page opens (``data``: the page's rows and the count of all)."""
        frame, total = ledger_page(store, as_of, first_filter(store, as_of), limit=PAGE_SIZE)
        problems = {p.code: p.name for p in load_problems()}
        options = product_options(catalogue_for(as_of.year))
        shown = shown_rows(frame, problems, lambda code: product_label(options, code))
        return FirstView(
            f'<div class="hz-note">{esc(paging_text(0, len(frame), total))}</div>'
            + html_table(shown.drop(columns="id"), empty=EMPTY, raw_html=("超期",)),
            (frame, total),
        )

    def build(self) -> widgets.Widget:
        self.hazard: dict[str, Any] | None = None
        self._first_page: tuple[pd.DataFrame, int] | None = (
            self.first.data if self.first is not None else None
        )
        self.problems = {p.code: p.name for p in load_problems()}
        categories = [(f"{c.code} {c.name}", c.code) for c in load_catalogue().categories]
        counties = self.county_options(whole="全部县（市）")
        self.f_county = dropdown(counties, self.county, description="县（市）")  # a county sees its own name
        self.f_category = dropdown([("全部类别", None), *categories], description="产品类别")
        self.f_grade = dropdown(options_from(vocab.GRADE.labels, blank="全部等级"), description="等级")
        self.f_state = dropdown(options_from(vocab.HAZARD_STATE.labels, blank="全部状态"), description="状态")
        self.f_overdue = widgets.Checkbox(description="只看超期未整改", indent=False)
        self.f_enterprise = widgets.Text(description="企业名称", placeholder="包含的文字")
        for w in (self.f_county, self.f_category, self.f_grade, self.f_state, self.f_enterprise):
            w.style.description_width = "5em"
        self.f_county.add_class("hz-input-f-county")
        self.f_state.add_class("hz-input-f-state")
        self.f_overdue.add_class("hz-input-f-overdue")
        self.f_enterprise.add_class("hz-input-f-enterprise")
        self.search_btn = button("查询", style="primary", key="filter")
        self.on_click(self.search_btn, lambda: self.table.refresh(first_page=True))
        # a click on a row opens its hazard, as choosing it in the list below and 查看 does
        self.table = PagedTable(self, self._fetch, key="ledger", raw_html=("超期",), on_open=self.open_row)
        # the page's hazards, each whole in a list that wraps its words (a dropdown cut them off, on a phone
        # and at a desk)
        self.pick = choice_list("pick")
        self.open_btn = button("查看并登记整改", key="open")
        self.on_click(self.open_btn, lambda: self.open_hazard(self.pick.value))
        self.detail = widgets.HTML()
        self.detail.add_class("hz-hazard-detail")
        self.history = widgets.HTML()
        self.history.add_class("hz-history")
        self.findings = widgets.HTML()
        self.findings.add_class("hz-rule-findings")
        self.move_box = self._move_form()
        self.instruments = widgets.HTML()
        self.instruments.add_class("hz-instruments")
        self.drafts = DraftOffer(self)
        self.panel = widgets.VBox(
            [
                section("隐患详情"),
                self.detail,
                section("整改经过"),
                self.history,
                section("三书一函"),
                self.instruments,
                self.drafts.widget,
                section("规则提示"),
                self.findings,
                section("登记下一步"),
                self.move_box,
            ]
        )
        self.panel.layout.display = "none"
        filters = widgets.VBox(
            [
                widgets.HBox([self.f_county, self.f_category, self.f_grade]),
                widgets.HBox([self.f_state, self.f_enterprise, self.f_overdue, self.search_btn]),
            ]
        )
        self.table.refresh()
        return widgets.VBox(
            [
                section("筛选"),
                filters,
                self.table.widget,
                self.pick,
                self.open_btn,
                self.panel,
            ]
        )

    def _move_form(self) -> widgets.Widget:
        self.move = widgets.Dropdown(options=[], layout=widgets.Layout(width="16em"))
        self.move_day = DateText(self.as_of)
        self.outcome = widgets.Dropdown(options=[], layout=widgets.Layout(width="16em"))
        self.deadline = DateText()
        self.move_note = text_box(models.LedgerMove, "note")
        self.move_fields = {
            "move": FormField("move", "下一步", self.move, required=True),
            "day": FormField("day", "日期", self.move_day, required=True),
            "outcome": FormField("outcome", "结论", self.outcome, required=True),
            "deadline": FormField("deadline", "整改期限", self.deadline, hint="不填按行动默认期限"),
            "note": FormField("note", models.LedgerMove.model_fields["note"].title or "", self.move_note),
        }
        self.on_change(self.move, lambda _v: self._shape_move_form())
        self.on_change(self.outcome, lambda _v: self._shape_move_form())
        # An escalation to an interview records the interview itself (hazardlib.interviews): what it adds.
        self.interview_form = ModelForm(
            self,
            models.Interview,
            [
                Spec("trigger", "vocab", vocabulary=vocab.INTERVIEW_TRIGGER, blank="（按台账状态判断）"),
                Spec("attendees"),
                Spec("commitments", "textarea"),
                Spec("follow_up_date", "date"),
                # the notice that summoned the enterprise: one issued to it and not yet held by an interview
                Spec("notice_no", "choice", blank=NO_NOTICE),
            ],
        )
        self.interview_form.widget.add_class("hz-interview-form")
        self.move_btn = button("登记", style="success", key="move")
        self.on_click(self.move_btn, self.record_move)
        self.no_moves = widgets.HTML()
        return widgets.VBox(
            [
                self.no_moves,
                *(f.widget for f in self.move_fields.values()),
                self.interview_form.widget,
                self.move_btn,
            ]
        )

    # -- the table ------------------------------------------------------------------------------
    def current_filter(self) -> LedgerFilter:
        return LedgerFilter(
            county=self.f_county.value,
            category=self.f_category.value,
            grade=self.f_grade.value,
            state=self.f_state.value,
            overdue=self.f_overdue.value,
            enterprise=self.f_enterprise.value,
            year=self.year,
        )

    def _fetch(self, offset: int, limit: int) -> tuple[pd.DataFrame, int]:
        flt = self.current_filter()
        first, self._first_page = self._first_page, None  # the first paint's page serves the first draw only
        if first is not None and (offset, limit, flt) == (0, PAGE_SIZE, first_filter(self.store, self.as_of)):
            frame, total = first
        else:
            frame, total = ledger_page(self.store, self.as_of, flt, offset=offset, limit=limit)
        choices = [(self._pick_label(r), int(r["id"])) for r in records_of(frame)]
        # The hazard being worked on stays the one picked while the table pages or refreshes after a save
        # (its new state may move it off this page or out of the filter): the picker and the details
        # below it must never name two different hazards.
        if self.hazard is not None:
            open_id = int(self.hazard["id"])
            if open_id not in [c[1] for c in choices]:
                choices.insert(0, (self._pick_label(self.hazard), open_id))
            set_options(self.pick, choices, open_id)
        else:
            self.pick.options = choices  # the hazard the clerk chose stays chosen while it is listed
        return shown_rows(frame, self.problems, self.product_label), total

    def _pick_label(self, r: dict[str, Any]) -> str:
        return f"{hazard_no(r['id'])} {r['enterprise']}：{self.problems.get(r['problem_code'], r['problem_code'])}"

    # -- one hazard -----------------------------------------------------------------------------
    def open_row(self, hazard_id: int) -> None:
        """Open the hazard of the row clicked; the list of choices follows the row."""
        choose(self.pick, hazard_id)
        self.open_hazard(hazard_id)

    def open_hazard(self, hazard_id: int | None) -> None:
        """Show one hazard: details, history, the rules' findings for it, and the moves allowed now."""
        if hazard_id is None:
            self.say("请先在列表中选择一条隐患或风险。", "warn")
            return
        self.clear_message()
        self.hazard = h = hazard_at(self.store, int(hazard_id), self.as_of)
        deadline = h["deadline"]
        overdue = '　<span class="hz-overdue">已超期</span>' if h["overdue"] else ""
        self.detail.value = (
            f'<div class="hz-card"><b>{esc(hazard_no(h["id"]))} {esc(h["enterprise"])}</b>（{esc(h["uscc"])}，'
            f"{esc(self.county_name(h['county_code']))}）<br>"
            f"{esc(vocab.GRADE.label(h['grade']))}{esc(vocab.FINDING_KIND.label(h['kind']))}："
            f"{esc(self.problems.get(h['problem_code'], h['problem_code']))}；产品：{esc(self.product_label(h['sub_product_code']))}；"
            f"来源：{esc(vocab.HAZARD_SOURCE.label(h['source']))}；发现日期：{esc(fmt_date(h['found_date']))}<br>"
            f'状态：<span class="hz-state hz-state-now">{esc(vocab.HAZARD_STATE.label(h["state"]))}</span>'
            f"{'；整改期限：' + esc(fmt_date(deadline)) if deadline else ''}{overdue}<br>"
            f"{self._measures_line(h)}"
            f"{lines_html(h['description'])}</div>"
        )
        self._show_history()
        ins = instruments_of(self.store, self.as_of, hazard_id=h["id"])
        self.instruments.value = html_table(shown(ins), empty="尚未就该隐患签发文书")
        self.drafts.offer(ins)
        notices = interviews.notices_open(self.store, h["enterprise_id"], self.as_of)
        set_options(
            self.interview_form.control("notice_no"),
            [(NO_NOTICE, None), *((f"{number}（{fmt_date(day)}签发）", number) for number, day in notices)],
        )
        self._show_findings(h)
        self._offer_moves(h)
        self.panel.layout.display = ""
        self.table.select(h["id"])

    def _measures_line(self, h: dict[str, Any]) -> str:
        """For a risk: whether its control measures are in place at the session's date and since when, and
        for a major one the enterprise reported itself, the last day it has to resolve it (积极化解)."""
        if h["kind"] != "risk":
            return ""
        word = {True: "已采取", False: "未采取", None: "未填写"}[h["measures"]]
        since = f"（{fmt_date(h['measures_date'])} 登记）" if h["measures_date"] else "（发现时）"
        line = f'管控措施：<span class="hz-measures">{esc(word)}</span>{esc(since)}'
        if h["grade"] == "major" and h["source"] == "self_check" and self.campaign is not None:
            # A year the holiday calendar does not know has no date to show.
            with contextlib.suppress(CalendarOutOfRange):
                due = self.campaign.resolve_deadline(h["found_date"])
                line += f"；企业积极化解期限：{esc(fmt_date(due))}"
        return line + "<br>"

    def _show_history(self) -> None:
        assert self.hazard is not None
        hist = ledger.history(self.store, self.hazard["id"])
        shown = pd.DataFrame(
            {
                "日期": hist["event_date"],
                "环节": hist["move_label"],
                "状态变为": hist["to_label"],
                "结论": hist["outcome_label"],
                "整改期限": [d if pd.notna(d) else "" for d in hist["deadline"]],
                "说明": hist["note"],
                "登记人": hist["actor"],
            }
        )
        self.history.value = html_table(shown, empty="尚无整改记录")

    @functools.cached_property
    def _rule_findings(self) -> list[Any]:
        return run_all(self.store, self.as_of)

    def _show_findings(self, h: dict[str, Any]) -> None:
        mine = [
            f
            for f in self._rule_findings
            if h["id"] in f.records.get("hazards", ()) or (f.enterprise_id == h["enterprise_id"])
        ]
        if not mine:
            self.findings.value = '<div class="hz-note">规则未提示需要办理的事项。</div>'
            return
        items = "".join(
            f"<li><b>{esc(RULES[f.rule].title if f.rule in RULES else f.rule)}</b>：{esc(f.message)}"
            f"{'（期限 ' + esc(fmt_date(f.due)) + '）' if f.due else ''}</li>"
            for f in mine
        )
        self.findings.value = f'<ul class="hz-findings">{items}</ul>'

    def _offer_moves(self, h: dict[str, Any]) -> None:
        choices = move_choices(h)
        for f in self.move_fields.values():
            f.clear()
        if not choices:
            why = (
                f"该{vocab.FINDING_KIND.label(h['kind'])}在统计日期之后已有整改记录，不能在此日期登记。"
                if h["later_moves"]
                else "该状态下没有可登记的环节。"
            )
            self.no_moves.value = f'<div class="hz-note">{esc(why)}</div>'
            set_options(self.move, [])
        else:
            self.no_moves.value = ""
            set_options(self.move, [("（请选择）", None), *choices])
        self.move_day.value = self.as_of
        self.move_note.value = ""
        self._shape_move_form()

    def _shape_move_form(self) -> None:
        """Show the outcome and deadline only for the moves that take them."""
        move = self.move.value
        has_moves = bool(self.move.options)
        for key in ("move", "day", "note"):
            self.move_fields[key].widget.layout.display = "" if has_moves else "none"
        self.move_btn.layout.display = "" if has_moves else "none"
        words = OUTCOMES.get(move or "")
        if words is not None:
            if list(self.outcome.options) != options_from(words.labels, blank="（请选择）"):
                set_options(self.outcome, options_from(words.labels, blank="（请选择）"))
            self.move_fields["outcome"].widget.layout.display = ""
        else:
            self.move_fields["outcome"].widget.layout.display = "none"
        outcome = self.outcome.value if words is not None else None
        interview = (move, outcome) == ("escalate", "interview")
        self.interview_form.widget.layout.display = "" if interview else "none"
        takes = (move, outcome) in TAKES_DEADLINE
        self.move_fields["deadline"].widget.layout.display = "" if takes else "none"
        if takes and self.deadline.value is None:
            self.deadline.value = self._default_deadline()

    def _default_deadline(self) -> dt.date | None:
        if self.campaign is None:
            return None
        try:
            return self.campaign.default_deadline(self.move_day.day or self.as_of)
        except CalendarOutOfRange:  # a year the holiday calendar does not know: the clerk types the date
            return None

    def record_move(self) -> None:
        """Record the chosen move; the ledger refuses (with its reason) what it does not allow."""
        if self.hazard is None:
            self.say("请先打开一条隐患或风险。", "warn")
            return
        for f in self.move_fields.values():
            f.clear()
        move, day = self.move.value, self.move_day.value
        missing = False
        if not move:
            self.move_fields["move"].set_error("请选择下一步")
            missing = True
        if day is None:
            self.move_fields["day"].set_error("请填写日期")
            missing = True
        elif not isinstance(day, dt.date):
            self.move_fields["day"].set_error(f"不是有效的日期，请写作{DATE_HINT}")
            missing = True
        outcome = self.outcome.value if move in OUTCOMES else None
        if move in OUTCOMES and not outcome:
            self.move_fields["outcome"].set_error("请选择结论")
            missing = True
        takes = (move, outcome) in TAKES_DEADLINE
        if takes and self.deadline.value is not None and not isinstance(self.deadline.value, dt.date):
            self.move_fields["deadline"].set_error(f"不是有效的日期，请写作{DATE_HINT}")
            missing = True
        if missing:
            self.say("未登记：请补全标红的项目。", "error")
            return
        interview = self.interview_form.values() if (move, outcome) == ("escalate", "interview") else None
        try:
            with self.store.transaction(self.transaction_context(ledger.move_label(move))) as tx:
                after = ledger.apply_move(
                    tx,
                    self.hazard["id"],
                    move,
                    day=day,
                    deadline=self.deadline.value if takes else None,
                    outcome=outcome,
                    note=self.move_note.value.strip() or None,
                    expected_version=self.hazard["version"],
                    today=self.as_of,
                    interview=interview,
                )
        except ValidationFailed as exc:  # said beside its field (the note, the interview's), nothing recorded
            self.report(exc, {**self.move_fields, **self.interview_form.fields})
            return
        if interview is not None:
            self.interview_form.reset()
        self.__dict__.pop("_rule_findings", None)
        self.deadline.value = None
        self.open_hazard(self.hazard["id"])
        self.table.refresh()
        self.say(
            f"已登记：{hazard_no(after['id'])} {ledger.move_label(move)}"
            f"{'（' + OUTCOMES[move].label(outcome) + '）' if outcome else ''}，"
            f"当前状态“{vocab.HAZARD_STATE.label(after['state'])}”。",
            "ok",
        )
