"""The landing page: what this session is bound to, a few figures from the store, the session's to-do list
(each item a link into the page that resolves it; a county files its immediate reports right here), and
the dashboards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import ipywidgets as widgets

from .. import immediate, stages
from ..rules import RuleFinding, run_all
from ..store import PREFECTURE_CODE, Store
from . import DASHBOARDS
from .base import App, FirstView, campaign_of, scope_name
from .deadline_notes import LINK, reminder_lines
from .ui import button, choice_list, esc, fmt_date, fmt_due, records_of, section_html

WEEK = 7
# The page that resolves a rule's finding, by the first kind of record it names (the rest: the tracker).
PAGE_OF_RECORDS = {
    "hazards": "ledger.ipynb",
    "spot_checks": "spotchecks.ipynb",
    "tracing_tasks": "spotchecks.ipynb",
    "risk_signals": "spotchecks.ipynb",
    "enforcement_cases": "spotchecks.ipynb",
    "self_checks": "selfcheck.ipynb",
    "enterprises": "inspection.ipynb",
}


@dataclass(frozen=True)
class Todo:
    """One line of the to-do list: what to do, how many, and the page where it is done."""

    key: str
    text: str
    count: int
    page: str
    details: tuple[tuple[str, str], ...] = ()  # (text, page) of the items listed under the line


def page_of(finding: RuleFinding) -> str:
    """The dashboard where a rule's finding is dealt with."""
    for table in finding.records:
        if table in PAGE_OF_RECORDS:
            return PAGE_OF_RECORDS[table]
    return "tracker.ipynb"


def due_this_week(findings: list[RuleFinding], as_of: dt.date) -> list[RuleFinding]:
    """The rules' findings due from ``as_of`` to six days after it, the soonest first."""
    last = as_of + dt.timedelta(days=WEEK - 1)
    return sorted(
        (f for f in findings if f.due is not None and as_of <= f.due <= last), key=lambda f: f.due or as_of
    )


def reports_waiting(store: Store, as_of: dt.date) -> immediate.FeedPage:
    """The current campaign's immediate-report items not yet reported (the session's county's)."""
    return immediate.feed_page(store, as_of, latest=0, waiting=200, year=as_of.year)


def todo_at(store: Store, as_of: dt.date) -> list[Todo]:
    """What this county (or the prefecture) has to do now from the figures: the tracker's progress row
    (overdue hazards, key enterprises without a self-check) and the immediate-report feed of the current
    campaign."""
    items: list[Todo] = []
    if campaign_of(as_of.year) is not None:
        code = store.county or PREFECTURE_CODE
        rows = stages.county_progress_rows(
            store, as_of, county=store.county, figures=("overdue_hazards", "key_enterprises", "self_checked")
        )
        row = next((r for r in rows if r["county_code"] == code), rows[0] if len(rows) == 1 else None)
        if row is not None:
            items.append(
                Todo("overdue", "超期未整改的隐患和风险", int(row["overdue_hazards"]), "ledger.ipynb")
            )
            missing = max(0, int(row["key_enterprises"]) - int(row["self_checked"]))
            items.append(Todo("no-self-check", "尚未自查的重点企业", missing, "selfcheck.ipynb"))
    items.append(
        Todo(
            "immediate",
            "待报告的即时报告事项" if store.county is not None else "待签收的即时报告事项",
            reports_waiting(store, as_of).waiting_total,
            "index.ipynb" if store.county is not None else "tracker.ipynb",
        )
    )
    return items


@dataclass(frozen=True)
class FirstLanding:
    """What the landing page's first paint read (:meth:`LandingApp.first_view`), which the app then starts from:
    the to-do lines but the rules' and the reporting deadlines' lines (:func:`reminder_lines`)."""

    items: list[Todo]
    deadlines: list[str]


def todo_html(store: Store, as_of: dt.date, items: Sequence[Todo | None], deadlines: Sequence[str]) -> str:
    """The to-do list of ``items`` (None: the line of the rules' findings, still being read), then the
    reporting ``deadlines`` (:func:`reminder_lines`: earlier ones still missing a package, and the next one),
    shown here only: the page where the clerk acts on them is one click away."""
    lines = []
    for item in items:
        if item is None:
            lines.append(
                '<li class="hz-todo-due-week">本周到期的事项：<span class="hz-note">正在计算…</span></li>'
            )
            continue
        count = (
            f'<b class="hz-todo-count">{item.count}</b>' if item.count else '<span class="hz-note">无</span>'
        )
        unit = {"no-self-check": "家", "immediate": "项", "due-week": "项"}.get(item.key, "条")
        link = (
            f'<a class="hz-link hz-todo-link" href="{esc(item.page)}" target="_top">{esc(item.text)}</a>'
            if item.page != "index.ipynb"
            else esc(item.text)
        )
        listing = "".join(
            f'<li><a class="hz-link" href="{esc(page)}" target="_top">{esc(text)}</a></li>'
            for text, page in item.details
        )
        more = f"<ul>{listing}</ul>" if listing else ""
        lines.append(
            f'<li class="hz-todo-{esc(item.key)}">{link}：{count}{unit if item.count else ""}{more}</li>'
        )
    lines += [
        f'<li class="hz-todo-deadline">{line}{"。" + LINK if i == len(deadlines) - 1 else ""}</li>'
        for i, line in enumerate(deadlines)
    ]
    scope = scope_name(store)
    return (
        section_html(f"待办事项（{scope}，{as_of.year}年行动）")
        + f'<div class="hz-card"><ul class="hz-todo-list">{"".join(lines)}</ul></div>'
    )


def links_html() -> str:
    """Every dashboard, with what it is for."""
    items = "".join(
        f'<div class="hz-card"><a class="hz-link" href="{esc(d.notebook)}" '
        f'style="font-size:16px;font-weight:bold;">{esc(d.title)}</a>'
        f'<div class="hz-note">{esc(d.purpose)}</div></div>'
        for d in DASHBOARDS
    )
    return section_html("工作看板") + items


class LandingApp(App):
    """The workbook's front page: the to-do list and links to every dashboard, in Chinese."""

    title: ClassVar[str] = "质量安全隐患排查治理工作台"
    home_link: ClassVar[bool] = False

    def build(self) -> widgets.Widget:
        self.overview_box = widgets.HTML(
            section_html(f"{self.scope_name}概况（截至{fmt_date(self.as_of)}）") + self.overview_html()
        )
        self.overview_box.add_class("hz-landing-figures")
        self.todo_box = widgets.HTML()
        self.todo_box.add_class("hz-todo")
        # one line a choice, its words wrapping whole in a framed box that scrolls when they are many (a dropdown
        # cut each item off, at a desk and more so on a phone, before its time limit)
        self.report_pick = choice_list("report-pick")
        self.file_btn = button("报告所选事项", style="danger", key="file-report")
        self.on_click(self.file_btn, self.file_report)
        self.report_row = widgets.VBox([self.report_pick, self.file_btn])
        self.report_row.add_class("hz-todo-reports")
        self.show_todo()
        self.links = widgets.HTML(links_html())
        self.links.add_class("hz-landing-links")
        return widgets.VBox([self.overview_box, self.todo_box, self.report_row, self.links])

    # -- the to-do list ---------------------------------------------------------------------------
    @classmethod
    def first_view(cls, store: Store, as_of: dt.date) -> FirstView | None:
        """The to-do list but its line of the rules' findings (the rules run over every record: they are read
        while the page's widgets are drawn), and the dashboards (``data``: the to-do lines shown)."""
        items = todo_at(store, as_of)
        deadlines = reminder_lines(store, as_of)
        rules: list[Todo | None] = [None] if campaign_of(as_of.year) is not None else []
        return FirstView(
            todo_html(store, as_of, [*items, *rules], deadlines) + links_html(),
            FirstLanding(items, deadlines),
        )

    def todo(self) -> list[Todo]:
        """What this county (or the prefecture) has to do now: :func:`todo_at`, then the rules' findings due
        this week (in a campaign year; only the rules whose findings can carry a due date are run)."""
        first: FirstLanding | None = self.first.data if self.first is not None else None
        items: list[Todo] = list(first.items) if first is not None else todo_at(self.store, self.as_of)
        if self.campaign is not None:
            week = due_this_week(run_all(self.store, self.as_of, dated=True), self.as_of)
            items.append(
                Todo(
                    "due-week",
                    "本周到期的事项",
                    len(week),
                    "tracker.ipynb",
                    tuple(
                        (f"{fmt_date(f.due)}前：{self.county_name(f.county_code)} {f.message}", page_of(f))
                        for f in week[:10]
                    ),
                )
            )
        return items

    def show_todo(self) -> None:
        items = self.todo()
        first: FirstLanding | None = self.first.data if self.first is not None else None
        deadlines = first.deadlines if first is not None else reminder_lines(self.store, self.as_of)
        self.first = None  # the first paint's lines serve the first draw only
        self.todo_box.value = todo_html(self.store, self.as_of, items, deadlines)
        self._offer_reports()

    def _offer_reports(self) -> None:
        """A county picks an item of its own and files the report here; the prefecture signs for them on
        the tracker (its to-do line links there)."""
        if self.county is None:
            self.report_row.layout.display = "none"
            return
        rows = records_of(reports_waiting(self.store, self.as_of).waiting)
        self.report_pick.options = [
            (
                f"{r['kind_label']}｜{r['summary']}｜{immediate.STATE_LABELS[r['state']]}，时限 {fmt_due(r['due_at'])}",
                int(r["id"]),
            )
            for r in rows
        ]
        self.report_row.layout.display = "" if rows else "none"

    def file_report(self) -> None:
        """File the chosen immediate report (at the session's date, now's time of day)."""
        if self.report_pick.value is None:
            self.say("请先选择要报告的即时报告事项。", "warn")
            return
        at = dt.datetime.combine(self.as_of, dt.datetime.now().time().replace(microsecond=0))
        item = immediate.file_report(self.store, int(self.report_pick.value), at=at)
        late = "（已超过报告时限）" if item["acknowledged_at"] > item["due_at"] else ""
        self.show_todo()
        self.say(f"已报告：{item['summary'] or item['id']}{late}。", "ok")
