"""报送与审核: a county prepares and submits its package for a deadline (or withdraws it before review); the
prefecture sees every county's state, on time or late, the figures changed since submission, returns a package
with comments item by item or approves it, and downloads the approved package and the deadline's roll-up.

The page only asks and shows: every move is :mod:`hazardlib.submissions`' (through
:mod:`hazardlib.exports.package` for a submission), which checks the session's county on each — a county's
page has no approve button, and a forged message to the handler is refused there too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import ipywidgets as widgets

from .. import submissions
from ..campaign import campaign_at
from ..errors import HazardError
from ..exports.package import chosen_cases, draft_summary, package_zip, rollup_xlsx, submit_package
from ..regions import load_regions
from ..reports.extra import ordered_figures
from ..reports.scope import scope_for
from ..reports.submission_view import deadline_view, package_diff, rollup
from ..reports.typical_cases import cases_frame
from ..store import PREFECTURE_CODE, Store
from ..submissions import ITEMS, STATES, Upload
from .base import App, FirstView
from .ui import (
    CheckList,
    FormField,
    button,
    download_link,
    dropdown,
    esc,
    file_picker,
    fmt_date,
    html_table,
    note,
    section,
    section_html,
)

NO_PACKAGE = "尚未报送"
NO_DEADLINES = '<div class="hz-note">本年度行动日历中没有报送期限。</div>'
# The headings the page's first paint (SubmissionApp.first_view) draws too.
DEADLINE_HEADING = "报送期限"
PACKAGE_HEADING = "本县（市）报送材料"
COUNTIES_HEADING = "各县（市）报送情况"
DIFF_HEADING = "与当前数据的差异（报送时冻结的成果数据 ↔ 同一截止日的当前数据）"
"""Shown with the difference only: before a package is submitted there is nothing to compare."""
CASES_HINT = "默认全部选入，取消勾选的不选入"
NO_CASES = "尚无曝光的典型案例：没有也可以报送；在“抽查与处置”的执法办案中勾选“曝光典型案例”并填写曝光日期后，可在此选入。"
# The figures the page sets side by side (approved packages ↔ live); the xlsx has them all.
ROLLUP_KEYS = ("producers_inspected", "sellers_inspected", "hazards_found", "hazards_closed")


def deadline_options(store: Store, as_of: dt.date) -> tuple[list[tuple[str, dt.date]], dt.date | None]:
    """The calendar's deadlines as dropdown options (short enough for a phone's screen: what is due is said under
    the dropdown, :func:`due_items`), and the one to show first: the earliest past deadline
    whose packages (the county's own; for the prefecture, any county's) are not all approved, else the next
    deadline, else the last."""
    try:
        campaign = campaign_at(as_of)
    except HazardError:
        return [], None
    opts = [(f"{d.day.month}月{d.day.day}日前报送", d.day) for d in campaign.deadlines]
    codes = [store.county] if store.county else [c.code for c in load_regions().counties]
    for d in campaign.deadlines:
        if d.day >= as_of:
            return opts, d.day
        found = submissions.packages(store, d.day)
        if any(code not in found or found[code]["state"] != "approved" for code in codes):
            return opts, d.day
    return opts, campaign.deadlines[-1].day if campaign.deadlines else None


def due_items(day: dt.date) -> str:
    """What is due at the deadline ``day``, as the line under the deadline's dropdown says it."""
    deadline = next(d for d in campaign_at(day).deadlines if d.day == day)
    return f"须报送：{'、'.join(deadline.items)}"


@dataclass(frozen=True)
class FirstSubmissions:
    """What the page's first paint read: the deadlines offered and the one shown, and for it the county's
    versions (None for the prefecture)."""

    options: list[tuple[str, dt.date]]
    day: dt.date | None
    versions: list[dict[str, Any]] | None = None


def counties_html(store: Store, day: dt.date, as_of: dt.date, *, diffs: bool = True) -> str:
    """Each county's package for the deadline ``day`` as the prefecture's table shows it: state, version, when
    submitted, how late, figures changed since (with ``diffs``: they take the live results list, which the
    page's first paint does not wait for), reviewer."""
    view = deadline_view(store, day, as_of, diffs=diffs)
    table = {
        "县（市）": list(view["county_name"]),
        "状态": list(view["state_label"]),
        "版本": [f"第{int(v)}版" if v == v and v is not None else "" for v in view["version"]],
        "报送时间": [str(v)[:16] if v is not None and v == v else "" for v in view["submitted_at"]],
        "逾期（工作日）": [int(v) if v else "按时" if s != "none" else "" for v, s in zip(view["late_working_days"], view["state"], strict=True)],
        "与当前数据不同的指标": [int(v) if v == v and v is not None else "" for v in view["changed_figures"]],
        "审核人": [v or "" for v in view["reviewed_by"]],
    }  # fmt: skip
    if not diffs:
        del table["与当前数据不同的指标"]
    return html_table(table, css_class="hz-sub-counties")


def package_html(rows: list[dict[str, Any]], county_name: str) -> tuple[str, str]:
    """A county's package for one deadline (``rows``: its versions, :func:`hazardlib.submissions.versions`): the
    line saying its state, and the table of its versions ("尚未报送" and no table without any)."""
    if not rows:
        return f'<div class="hz-note">{esc(county_name)}：{NO_PACKAGE}</div>', ""
    latest = rows[-1]
    state = (
        f'<div class="hz-sub-current">{esc(county_name)}：'
        f'<b class="hz-sub-state-{esc(latest["state"])}">{esc(STATES[latest["state"]])}</b>'
        f"（第{latest['edition']}版）</div>"
    )
    versions = html_table(
        {
            "版本": [f"第{r['edition']}版" for r in rows],
            "状态": [STATES[r["state"]] for r in rows],
            "报送": [f"{str(r['submitted_at'] or '')[:16]} {r['submitted_by'] or ''}".strip() for r in rows],
            "审核": [f"{str(r['reviewed_at'] or '')[:16]} {r['reviewed_by'] or ''}".strip() for r in rows],
            "退回意见": ["；".join(f"{ITEMS.get(k, k)}：{v}" for k, v in (r["review_comments"] or {}).items()) for r in rows],
        },
        css_class="hz-sub-version-table",
    )  # fmt: skip
    return state, versions


class SubmissionApp(App):
    """The reporting cycle's page, for a county (prepare, submit, withdraw) or the prefecture (review)."""

    title: ClassVar[str] = "报送与审核"
    context: ClassVar[str] = "看板·报送与审核"

    @classmethod
    def first_view(cls, store: Store, as_of: dt.date) -> FirstView | None:
        """The deadline the page opens at and, for it, the county's package (its state and versions) or, for the
        prefecture, every county's but the figures changed since (``data``: :class:`FirstSubmissions`)."""
        options, day = deadline_options(store, as_of)
        if day is None:
            return FirstView(NO_DEADLINES, FirstSubmissions(options, day))
        label = next(text for text, d in options if d == day)
        html = section_html(DEADLINE_HEADING) + (
            f'<div class="hz-card">{esc(label)}<div class="hz-note">{esc(due_items(day))}</div></div>'
        )
        if store.county is None:
            counties = counties_html(store, day, as_of, diffs=False)
            return FirstView(html + section_html(COUNTIES_HEADING) + counties, FirstSubmissions(options, day))
        rows = submissions.versions(store, store.county, day)
        state, versions = package_html(rows, load_regions().name_of(store.county))
        return FirstView(
            html + section_html(PACKAGE_HEADING) + state + versions,
            FirstSubmissions(options, day, versions=rows),
        )

    def build(self) -> widgets.Widget:
        first = self.first.data if self.first is not None else None
        self.first = None  # what the first paint read serves the first draw only
        options, day = (
            (first.options, first.day) if first is not None else deadline_options(self.store, self.as_of)
        )
        self._first_versions = first.versions if first is not None else None
        self.deadline = dropdown(options, day, layout=widgets.Layout(width="40em"))
        self.deadline.add_class("hz-input-deadline")
        self.on_change(self.deadline, lambda _v: self.refresh())
        self.due = widgets.HTML()
        self.due.add_class("hz-sub-due")
        self.state_box = widgets.HTML()
        self.state_box.add_class("hz-sub-state")
        self.versions_box = widgets.HTML()
        self.versions_box.add_class("hz-sub-versions")
        self.diff_box = widgets.HTML()
        self.diff_box.add_class("hz-sub-diff")
        self.downloads = widgets.HTML()
        self.downloads.add_class("hz-sub-downloads")
        self.seen_version: int | None = None
        parts: list[widgets.Widget] = [section(DEADLINE_HEADING), self.deadline, self.due]
        parts += self._county_parts() if self.county is not None else self._prefecture_parts()
        parts += [self.downloads]
        self.refresh()
        return widgets.VBox(parts)

    # -- the county's side ----------------------------------------------------------------------
    def _county_parts(self) -> list[widgets.Widget]:
        self.scan = file_picker(".pdf,.png,.jpg,.jpeg")
        self.summary = file_picker(".docx")
        self.cases = CheckList(layout=widgets.Layout(width="40em"))
        self.no_cases = widgets.HTML()  # said in place of an empty list
        self.no_cases.add_class("hz-sub-no-cases")
        # the hint is set with the list (:meth:`_fill_cases`): over an empty list it would mislead
        self.cases_field = FormField("cases", "选入的典型案例", widgets.VBox([self.cases, self.no_cases]))
        limit = submissions.DEFAULT_SCAN_MEGABYTES
        fields = [
            FormField(
                "scan", "盖章封面扫描件", self.scan, required=True, hint=f"PDF、PNG 或 JPEG，{limit} MB 以内"
            ),
            FormField("summary", "修改后的工作总结", self.summary, hint="不上传则报送工作台生成的草稿"),
            self.cases_field,
        ]
        self.draft_btn = button("下载工作总结草稿", key="draft")
        self.save_btn = button("保存草稿", key="save-draft")
        self.on_click(self.save_btn, self.save_draft)
        self.submit_btn = button("报送", style="primary", key="submit")
        self.withdraw_btn = button("撤回（审核前）", style="warning", key="withdraw")
        self.on_click(self.draft_btn, self.download_draft)
        self.on_click(self.submit_btn, self.submit)
        self.on_click(self.withdraw_btn, self.withdraw)
        return [
            section(PACKAGE_HEADING),
            self.state_box,
            self.versions_box,
            self.diff_box,
            section("准备和报送"),
            note(
                "报送时冻结截至今天的行动成果清单数据；报送后不能修改，州局审核前可以撤回，被退回后修改并重新报送（保留每一版）。"
            ),
            *[f.widget for f in fields],
            widgets.HBox([self.draft_btn, self.save_btn, self.submit_btn, self.withdraw_btn]),
        ]

    def _upload(self, control: widgets.FileUpload) -> Upload | None:
        files = list(control.value or ())
        if not files:
            return None
        f = files[0]
        return Upload(str(f["name"]), bytes(f["content"]))

    def download_draft(self) -> None:
        """Offer the workbook's draft of the summary, with the county's figures today."""
        day = self._day()
        with self.working("正在生成工作总结草稿……"):
            upload = draft_summary(self.store, self._county(), day, self.as_of)
        self.downloads.value = download_link(upload.content, upload.name, css_class="hz-dl-draft")

    def save_draft(self) -> None:
        """Keep the uploaded scan and summary and the chosen cases as the package's draft (submitted later)."""
        day = self._day()
        chosen = list(self.cases.value) if self.cases.options else None
        cases = chosen_cases(self.store, self._county(), self.as_of, chosen) if chosen is not None else None
        row = submissions.save_draft(
            self.store, self._county(), day,
            scan=self._upload(self.scan), summary=self._upload(self.summary), cases=cases,
        )  # fmt: skip
        self.refresh(chosen)
        self.say(f"已保存草稿（第{row['edition']}版），报送前仍可修改。", "ok")

    def submit(self) -> None:
        """Submit the package (figures frozen today, the uploaded scan and summary, the chosen cases)."""
        day = self._day()
        chosen = list(self.cases.value) if self.cases.options else None
        with self.working("正在报送……"):
            row = submit_package(
                self.store, self._county(), day, as_of=self.as_of, at=self._now(),
                scan=self._upload(self.scan), summary=self._upload(self.summary), case_ids=chosen,
            )  # fmt: skip
        # the files went with the package: a picker still naming them would send them again at the next 报送 (kept
        # after a failure, above: the clerk corrects and submits again)
        self.scan.value = self.summary.value = ()
        self.refresh(chosen)
        self.say(f"已报送：{fmt_date(day)}期限的材料第{row['edition']}版，等待州局审核。", "ok")

    def withdraw(self) -> None:
        """Take the submitted package back before review."""
        row = submissions.withdraw(self.store, self._county(), self._day())
        self.refresh(self.cases.value)  # the cases ticked stay ticked
        self.say(f"已撤回第{row['edition']}版，材料回到草稿，可修改后重新报送。", "ok")

    # -- the prefecture's side ------------------------------------------------------------------
    def _prefecture_parts(self) -> list[widgets.Widget]:
        self.table = widgets.HTML()
        self.table.add_class("hz-sub-table")
        self.rollup_box = widgets.HTML()
        self.rollup_box.add_class("hz-sub-rollup")
        self.county_pick = dropdown([("（选择县（市））", None)] + [(c.name, c.code) for c in self.regions.counties],
                                    None)  # fmt: skip
        self.county_pick.add_class("hz-input-review-county")
        self.on_change(self.county_pick, lambda _v: self.show_package())
        self.comments = {
            key: widgets.Textarea(layout=widgets.Layout(width="40em", height="3.2em")) for key in ITEMS
        }
        fields = [
            FormField(f"comment-{key}", f"退回意见：{label}", self.comments[key])
            for key, label in ITEMS.items()
        ]
        self.return_btn = button("退回", style="warning", key="return")
        self.approve_btn = button("审核通过", style="success", key="approve")
        self.zip_btn = button("下载材料包", key="zip")
        self.rollup_btn = button("下载全州汇总表", key="rollup")
        self.on_click(self.return_btn, self.return_package)
        self.on_click(self.approve_btn, self.approve)
        self.on_click(self.zip_btn, self.download_zip)
        self.on_click(self.rollup_btn, self.download_rollup)
        return [
            section(COUNTIES_HEADING),
            self.table,
            section("审核"),
            self.county_pick,
            self.state_box,
            self.versions_box,
            self.diff_box,
            *[f.widget for f in fields],
            widgets.HBox([self.return_btn, self.approve_btn, self.zip_btn]),
            section("全州汇总（来自审核通过的材料）"),
            self.rollup_box,
            self.rollup_btn,
        ]

    def return_package(self) -> None:
        """Return the chosen county's package with the comments written, item by item."""
        comments = {key: box.value for key, box in self.comments.items() if box.value.strip()}
        row = submissions.return_package(
            self.store,
            self._county(),
            self._day(),
            comments,
            expected_version=self.seen_version,
            at=self._now(),
        )
        for box in self.comments.values():
            box.value = ""
        self.refresh()
        self.say(f"已退回{self.county_name(row['county_code'])}的材料（第{row['edition']}版）。", "ok")

    def approve(self) -> None:
        """Approve the chosen county's package (refused by the domain layer for a county session)."""
        row = submissions.approve(
            self.store, self._county(), self._day(), expected_version=self.seen_version, at=self._now()
        )
        self.refresh()
        self.say(f"已审核通过{self.county_name(row['county_code'])}的材料（第{row['edition']}版）。", "ok")

    def download_zip(self) -> None:
        name, data = package_zip(self.store, self._county(), self._day())
        self.downloads.value = download_link(data, name, css_class="hz-dl-zip")

    def download_rollup(self) -> None:
        with self.working("正在生成全州汇总表……"):
            name, data = rollup_xlsx(self.store, self._day(), preparer=self.store.user)
        self.downloads.value = download_link(data, name, css_class="hz-dl-rollup")

    # -- showing --------------------------------------------------------------------------------
    def _day(self) -> dt.date:
        if self.deadline.value is None:
            raise submissions.SubmissionError("本年度行动日历中没有报送期限")
        return dt.date.fromisoformat(str(self.deadline.value))

    def _county(self) -> str:
        """The county the page acts for: the session's, or the one the prefecture picked."""
        if self.county is not None:
            return self.county
        if self.county_pick.value is None:
            raise submissions.SubmissionError("请先选择要审核的县（市）")
        return str(self.county_pick.value)

    def _now(self) -> dt.datetime:
        return dt.datetime.combine(self.as_of, dt.datetime.now().time().replace(microsecond=0))

    def refresh(self, chosen: Sequence[int] | None = None) -> None:
        """Show the deadline's package; the county's cases all ticked, or after a save those ``chosen``."""
        if self.deadline.value is None:
            self.state_box.value = NO_DEADLINES
            self.due.value = ""
            return
        self.due.value = f'<div class="hz-note">{esc(due_items(self._day()))}</div>'
        if self.county is None:
            self.show_table()
        else:
            self._fill_cases(chosen)
        self.show_package()

    def _fill_cases(self, chosen: Sequence[int] | None = None) -> None:
        """The county's typical cases, all ticked, or ``chosen`` ticked (a save keeps the clerk's choice: it
        ticked them all again, and the next save took every case)."""
        frame = cases_frame(self.store, scope_for(self.store, self.as_of, self.county))
        opts = [
            (f"{r['case_no'] or r['case_id']}｜{r['enterprise_name']}", int(r["case_id"]))
            for r in frame.to_dict("records")
        ]
        self.cases.options = opts
        self.cases.value = tuple(v for _, v in opts if chosen is None or v in chosen)
        self.cases.layout.display = None if opts else "none"
        self.no_cases.value = "" if opts else f'<div class="hz-note">{NO_CASES}</div>'
        self.cases_field.set_hint(CASES_HINT if opts else "")

    def show_table(self) -> None:
        day = self._day()
        self.table.value = counties_html(self.store, day, self.as_of)
        roll = rollup(self.store, day)
        total = next((r for r in roll.approved.to_dict("records") if r["county_code"] == PREFECTURE_CODE), {})
        now = next((r for r in roll.live.to_dict("records") if r["county_code"] == PREFECTURE_CODE), {})
        figures = [f for f in ordered_figures(campaign_at(day)) if f.key in ROLLUP_KEYS]
        rows: dict[str, list[Any]] = {
            "指标": [f.header for f in figures],
            "审核通过材料汇总": [total.get(f.key, 0) for f in figures],
            "当前数据（截至期限）": [now.get(f.key) for f in figures],
        }
        missing = "、".join(roll.missing_names) or "无"
        self.rollup_box.value = (
            f'<div class="hz-note">已审核通过 {len(roll.versions)} 个县（市）；未报送或未审核通过：{esc(missing)}</div>'
            + html_table(rows, css_class="hz-sub-rollup-table")
        )

    def show_package(self) -> None:
        if self.deadline.value is None:
            return
        code = self.county if self.county is not None else self.county_pick.value
        if code is None:
            self.state_box.value = '<div class="hz-note">选择一个县（市）查看其材料。</div>'
            self.versions_box.value = self.diff_box.value = ""
            self.seen_version = None
            return
        day = self._day()
        first, self._first_versions = (
            self._first_versions,
            None,
        )  # the first paint's serve the first draw only
        rows = first if first is not None else submissions.versions(self.store, str(code), day)
        self.state_box.value, self.versions_box.value = package_html(rows, self.county_name(str(code)))
        if self.county is not None:  # a package can be withdrawn only while it waits for review
            submitted = bool(rows) and rows[-1]["state"] == "submitted"
            self.withdraw_btn.layout.display = None if submitted else "none"
        if not rows:
            self.diff_box.value = ""
            self.seen_version = None
            return
        self.seen_version = int(rows[-1]["version"])
        diff = package_diff(self.store, str(code), day)
        changed = diff[diff["difference"].fillna(0) != 0]
        if not len(diff):
            self.diff_box.value = ""
        elif not len(changed):
            self.diff_box.value = (
                section_html(DIFF_HEADING) + '<div class="hz-note">报送的成果数据与当前数据一致。</div>'
            )
        else:
            self.diff_box.value = section_html(DIFF_HEADING) + html_table(
                {"指标": list(changed["label"]), "报送": list(changed["frozen"]), "当前": list(changed["live"]),
                 "差异": list(changed["difference"])},
                css_class="hz-sub-diff-table",
            )  # fmt: skip
