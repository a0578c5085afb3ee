"""三阶段进度: the May–October timeline with today marked, the current stage and days left, the next report
deadline, each county's progress with charts, the counties off track, the results so far, and the
immediate-report feed (acknowledged by the prefecture).

Plan, 三、工作步骤 and 四(三): 5月中旬至6月中旬部署、自查自纠；6月下旬至8月下旬现场检查、隐患排查；9月上旬至10月
下旬隐患治理、质量帮扶……8月20日前……10月20日前报送……；重要情况、重大案件第一时间及时报告。
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import ipywidgets as widgets

from .. import immediate, stages
from ..campaign import Campaign
from ..store import PREFECTURE_CODE, Store
from .base import App, FirstView, campaign_of
from .deadline_notes import reminder_html
from .ui import (
    FONT_STACK,
    bar_chart,
    button,
    choice_list,
    esc,
    fmt_date,
    fmt_due,
    html_table,
    note,
    records_of,
    section,
    section_html,
    wait_for_page,
    watch_page,
)

if TYPE_CHECKING:
    import pandas as pd

STAGE_COLOURS = ("#bbdefb", "#c8e6c9", "#ffe0b2", "#e1bee7")
RESULT_COLUMNS = {
    "producers_inspected": "检查生产单位",
    "sellers_inspected": "检查销售单位",
    "self_checks": "组织企业自查",
    "hazards_found": "发现隐患",
    "hazards_closed": "整改销号",
    "closure_rate": "整改率",
    "hazards_overdue": "逾期未整改",
    "spot_check_batches": "监督抽查",
    "cases_filed": "立案查处",
}
STAGE_CHOICES = (("全程", 0), ("第一阶段", 1), ("第二阶段", 2), ("第三阶段", 3))
# The headings of the parts the first paint draws too (Opening): one place for both.
TIMELINE_HEADING = "行动进度"
PROGRESS_HEADING = "各县（市）进度"
LOADING = '<div class="hz-note hz-loading">正在计算…</div>'
NOT_LOADED = '<div class="hz-note">本部分未能计算，请刷新页面重试。</div>'

log = logging.getLogger(__name__)


def _plan_cell(row: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """“已制定”/“未制定” for a county; for the prefecture's total row, how many counties have one."""
    if row["county_code"] != PREFECTURE_CODE:
        return "已制定" if row["plan_adopted"] else "未制定"
    counties = [r for r in rows if r["county_code"] != PREFECTURE_CODE]
    return f"{sum(bool(r['plan_adopted']) for r in counties)}/{len(counties)} 个县（市）已制定"


def _md(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def timeline_svg(campaign: Campaign, today: dt.date, *, width: int = 1000) -> str:
    """The campaign year from 1 May to 31 October as an SVG: the stages, the report deadlines, and today."""
    start = dt.date(campaign.year, 5, 1)
    end = max(dt.date(campaign.year, 10, 31), campaign.finish)
    left, right, top = 20, width - 20, 34
    span = (end - start).days + 1

    def x(day: dt.date) -> float:
        return left + (right - left) * ((day - start).days / span)

    parts = [
        f'<svg class="hz-timeline" xmlns="http://www.w3.org/2000/svg" width="{width}" height="150" '
        f'viewBox="0 0 {width} 150" font-family=\'{FONT_STACK}\' font-size="12">',
        f'<rect x="{left}" y="{top}" width="{right - left}" height="44" fill="#f5f5f5" stroke="#cfd8dc"/>',
    ]
    for month in range(start.month, end.month + 1):
        mx = x(dt.date(campaign.year, month, 1))
        parts.append(f'<line x1="{mx:.1f}" y1="{top}" x2="{mx:.1f}" y2="{top + 52}" stroke="#b0bec5"/>')
        parts.append(f'<text x="{mx + 3:.1f}" y="{top + 64}" fill="#546e7a">{month}月</text>')
    for i, st in enumerate(campaign.stages):
        x0, x1 = x(st.start), x(st.end + dt.timedelta(days=1))
        current = st.start <= today <= st.end
        stroke = ' stroke="#1a237e" stroke-width="2"' if current else ""
        parts.append(
            f'<rect x="{x0:.1f}" y="{top + 2}" width="{x1 - x0:.1f}" height="40" '
            f'fill="{STAGE_COLOURS[i % len(STAGE_COLOURS)]}"{stroke}/>'
        )
        parts.append(
            f'<text x="{(x0 + x1) / 2:.1f}" y="{top + 18}" text-anchor="middle" font-weight="bold">'
            f"第{esc(st.ordinal)}阶段</text>"
        )
        parts.append(
            f'<text x="{(x0 + x1) / 2:.1f}" y="{top + 34}" text-anchor="middle">'
            f"{esc(_md(st.start))}–{esc(_md(st.end))}</text>"
        )
    for d in (d for d in campaign.deadlines if d.day <= end):  # the written reports after it: not drawn
        dx = x(d.day)
        parts.append(
            f'<path d="M{dx - 6:.1f},{top + 70} L{dx + 6:.1f},{top + 70} L{dx:.1f},{top + 58} Z" fill="#c62828"/>'
        )
        parts.append(
            f'<text x="{dx:.1f}" y="{top + 86}" text-anchor="middle" fill="#c62828">'
            f"{esc(_md(d.day))}报送</text>"
        )
    if start <= today <= end:
        tx = x(today)
        parts.append(
            f'<line x1="{tx:.1f}" y1="8" x2="{tx:.1f}" y2="{top + 48}" stroke="#d50000" stroke-width="2"/>'
        )
        anchor = "end" if tx > width - 120 else "start"
        shift = -4 if anchor == "end" else 4
        parts.append(
            f'<text class="hz-today" x="{tx + shift:.1f}" y="20" text-anchor="{anchor}" fill="#d50000" '
            f'font-weight="bold">今天 {esc(_md(today))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# Scrolls the timeline's box so that today is in its middle (on a screen narrower than the timeline); run by an
# image that fails to load, as base.SCROLL, since an HTML widget runs no <script>.
TODAY_IN_VIEW = (
    '<img alt="" src="data:," style="display:none" onerror="var b = this.parentElement; '
    'b.scrollLeft = {x:.0f} - b.clientWidth / 2">'
)


def timeline_html(campaign: Campaign, today: dt.date, *, width: int = 1000) -> str:
    """:func:`timeline_svg` in a box of its own: drawn at its size (its words 12 px and more, readable on a
    phone), the box scrolls sideways where the screen is narrower, starting with today in view."""
    start = dt.date(campaign.year, 5, 1)
    end = max(dt.date(campaign.year, 10, 31), campaign.finish)
    x = 20 + (width - 40) * ((min(max(today, start), end) - start).days / ((end - start).days + 1))
    return (
        f'<div class="hz-timeline-scroll">{timeline_svg(campaign, today, width=width)}'
        f"{TODAY_IN_VIEW.format(x=x)}</div>"
    )


def _pct(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value):.0%}"


def results_list(store: Store, as_of: dt.date) -> pd.DataFrame:
    """:func:`hazardlib.reports.results_list`, imported when the results are filled in (not before the
    first table)."""
    from ..reports import results_list as figures  # noqa: PLC0415 -- optional heavy: after the first table

    return figures(store, as_of)


TABLE_FIGURES = (
    "key_enterprises", "self_checked", "inspections", "hazards_found", "hazards_closed_to_date", "open_hazards",
    "overdue_hazards",
)  # fmt: skip
"""The progress figures the tracker's table and charts show (:func:`progress_table_html`): the only ones its
rows are counted with (:func:`hazardlib.stages.county_progress_rows`)."""


def progress_table_html(rows: list[dict[str, Any]], stage: int | None, as_of: dt.date) -> str:
    """Each county's progress (:func:`hazardlib.stages.county_progress_rows` for ``stage``, None: the whole
    campaign) as the tracker's table shows it, with what its columns count."""
    # A stage's figures are of two kinds (stages.county_progress): work done within the stage's window,
    # and stocks taken at its end. Each header says which, so no tab mixes them unsaid.
    within, stock = ("（本阶段）", "（累计）") if stage else ("", "")
    shown = {
        "县（市）": [r["county_name"] for r in rows],
        "工作方案": [_plan_cell(r, rows) for r in rows],
        "重点企业": [r["key_enterprises"] for r in rows],
        f"已自查{stock}": [r["self_checked"] for r in rows],
        f"自查覆盖率{stock}": [_pct(r["self_check_coverage"]) for r in rows],
        f"现场检查{within}": [r["inspections"] for r in rows],
        f"发现隐患和风险{within}": [r["hazards_found"] for r in rows],
        f"已销号{stock}": [r["hazards_closed_to_date"] for r in rows],
        f"销号率{stock}": [_pct(r["close_out_rate"]) for r in rows],
        f"未销号{stock}": [r["open_hazards"] for r in rows],
        f"超期{stock}": [r["overdue_hazards"] for r in rows],
        "按期推进": ["是" if r["on_track"] else "滞后" for r in rows],
    }
    if stage and rows:
        start, end = rows[0]["window_start"], rows[0]["window_end"]
        scope = (
            f"标“本阶段”的列只统计本阶段（{fmt_date(start)}至{fmt_date(end)}）内的工作；"
            f"标“累计”的列统计行动开始至{fmt_date(end)}的全部情况。"
        )
    else:
        scope = f"各列统计行动开始至{fmt_date(as_of)}的全部情况。"
    return html_table(shown, total_last=len(rows) > 1) + (
        f'<div class="hz-note hz-progress-scope">{esc(scope)}进度按整改台账上的全部隐患和风险统计（含企业自报的风险）；'
        "下方“行动成果”按行动成果清单的口径统计。</div>"
    )


@dataclass(frozen=True)
class FirstTracker:
    """What the tracker's first paint read (:meth:`TrackerApp.first_view`), which the app then starts from: the
    progress table's rows over the whole campaign and the reporting reminder's HTML."""

    rows: list[dict[str, Any]]
    reminder: str


class TrackerApp(App):
    """Where the campaign stands today, county by county; the prefecture acknowledges immediate reports.

    The timeline and the progress table are built with the app (from plain Python rows:
    the kernel loads neither pandas nor the reports before the first table); the results list and the
    immediate-report feed (the heavy queries at province scale) are filled by :attr:`loading`, a thread
    started once the rest is built that waits for the page to fetch the widgets
    (:func:`~hazardlib.apps.ui.wait_for_page`), so that the page shows its first figures without waiting
    for them or competing with them.
    """

    title: ClassVar[str] = "三阶段进度"
    context: ClassVar[str] = "看板·三阶段进度"

    @classmethod
    def first_view(cls, store: Store, as_of: dt.date) -> FirstView | None:
        """The timeline, the reporting reminder and each county's progress over the whole campaign (``data``:
        :class:`FirstTracker`). The stage is not said again under the timeline: the page's header says it."""
        campaign = campaign_of(as_of.year)
        if campaign is None:
            return None
        rows = stages.county_progress_rows(store, as_of, figures=TABLE_FIGURES)
        reminder = reminder_html(store, as_of)
        return FirstView(
            section_html(TIMELINE_HEADING)
            + timeline_html(campaign, as_of)
            + reminder
            + section_html(PROGRESS_HEADING)
            + progress_table_html(rows, None, as_of),
            FirstTracker(rows, reminder),
        )

    def build(self) -> widgets.Widget:
        first: FirstTracker | None = self.first.data if self.first is not None else None
        self.timeline = widgets.HTML()
        self.timeline.add_class("hz-timeline-box")
        self.stage_line = widgets.HTML()
        self.stage_line.add_class("hz-stage-line")
        self.reminder = widgets.HTML(
            first.reminder if first is not None else reminder_html(self.store, self.as_of)
        )
        self.reminder.add_class("hz-tracker-reminder")
        self.stage_pick = widgets.ToggleButtons(options=STAGE_CHOICES, value=0)
        self.stage_pick.style.button_width = "6em"
        self.on_change(self.stage_pick, lambda _v: self.show_progress())
        self.progress_table = widgets.HTML()
        self.progress_table.add_class("hz-progress-table")
        self.charts = widgets.HTML()
        self.charts.add_class("hz-progress-charts")
        self.lagging = widgets.HTML()
        self.lagging.add_class("hz-lagging")
        self.results = widgets.HTML()
        self.results.add_class("hz-results")
        self.feed_table = widgets.HTML()
        self.feed_table.add_class("hz-feed")
        # one line a choice, its words wrapping whole (a dropdown cut each off, at a desk and on a phone)
        self.feed_pick = choice_list("feed-pick")
        self.ack_btn = button("签收（已收到报告）", style="primary", key="ack")
        self.on_click(self.ack_btn, self.acknowledge)
        ack_row = widgets.VBox([self.feed_pick, self.ack_btn])
        if not self.store.is_prefecture:
            ack_row.layout.display = "none"
        self.results.value = self.feed_table.value = LOADING
        self.ack_btn.disabled = True
        self.show_status()
        self.show_progress(first.rows if first is not None else None)
        self.records_note = widgets.HTML(LOADING)
        self.records_box = widgets.VBox([section("县级工作方案、州局督导与持续书面报送"), self.records_note])
        fills = (
            (self.records_note, self.show_county_records),
            (self.results, self.show_results),
            (self.feed_table, self.show_feed),
        )
        if self.warming_up:
            # Everything at once, so that its statements are compiled before the request; nothing of these
            # widgets runs on once the request has come.
            for _widget, fill in fills:
                fill()
            self.loading: threading.Thread | None = None
        else:
            watch_page()
            self.loading = threading.Thread(
                target=self.fill_later, args=fills, name="tracker-fill", daemon=True
            )
            self.loading.start()
        return widgets.VBox(
            [
                section(TIMELINE_HEADING),
                self.timeline,
                self.stage_line,
                self.reminder,
                section(PROGRESS_HEADING),
                self.stage_pick,
                self.progress_table,
                self.charts,
                section("进度滞后的县（市）"),
                self.lagging,
                self.records_box,
                section(f"行动成果（截至{fmt_date(self.as_of)}）"),
                self.results,
                section("即时报告（重大隐患、重大风险、企业自报重大风险、重大案件）"),
                note(
                    "重要情况、重大案件须第一时间报告；州局收到报告后在此签收。"
                    if self.store.is_prefecture
                    else "本县（市）须第一时间向州局报告下列事项（在工作台首页的待办事项中报告），州局收到后签收。"
                ),
                self.feed_table,
                ack_row,
            ]
        )

    # -- parts ----------------------------------------------------------------------------------
    def fill_later(self, *parts: tuple[widgets.HTML, Callable[[], None]]) -> None:
        """Fill each (section, filler) in turn after the page is shown; a filler that fails leaves a note in
        its section and its error goes through :meth:`~hazardlib.apps.base.App.guard` (message and log)."""
        if not wait_for_page():
            log.warning(
                "the page did not fetch its widgets in time; the results and the feed are filled anyway"
            )
        for section_widget, fill in parts:

            def attempt(
                section_widget: widgets.HTML = section_widget, fill: Callable[[], None] = fill
            ) -> None:
                try:
                    fill()
                except Exception:
                    section_widget.value = NOT_LOADED
                    raise

            self.guard(attempt)()

    def show_status(self) -> None:
        if self.campaign is None:
            self.timeline.value = ""
            self.stage_line.value = f'<div class="hz-note">没有{self.year}年度的行动日历。</div>'
            return
        self.timeline.value = timeline_html(self.campaign, self.as_of)
        self.stage_line.value = ""  # the stage is the header's (a card here repeated its words); the next
        # deadline is the reminder's, beside the link to where the packages are submitted

    def show_progress(self, rows: list[dict[str, Any]] | None = None) -> None:
        """The progress table, charts and lagging counties of the stage picked; ``rows``: the table's rows for
        it when already read (the first paint's)."""
        if self.campaign is None:
            self.progress_table.value = self.charts.value = self.lagging.value = ""
            return
        stage = self.stage_pick.value or None
        if rows is None:
            rows = stages.county_progress_rows(self.store, self.as_of, stage=stage, figures=TABLE_FIGURES)
        self.progress_table.value = progress_table_html(rows, stage, self.as_of)
        counties = [r for r in rows if r["county_code"] != PREFECTURE_CODE]
        late = [r["county_name"] for r in counties if not r["on_track"]]
        self.charts.value = (
            '<div class="hz-charts">'
            + bar_chart(
                [(r["county_name"], r["self_check_coverage"] or 0.0) for r in counties],
                percent=True,
                warn=late,
                title="自查覆盖率",
                css_class="hz-chart-coverage",
            )
            + bar_chart(
                [(r["county_name"], r["close_out_rate"] or 0.0) for r in counties],
                percent=True,
                warn=late,
                title="隐患销号率",
                css_class="hz-chart-closure",
            )
            + "</div>"
        )
        if late:
            items = "".join(
                f"<li><b>{esc(r['county_name'])}</b>：{esc(r['lagging_reasons'])}</li>"
                for r in counties
                if not r["on_track"]
            )
            self.lagging.value = f'<ul class="hz-lagging-list">{items}</ul>'
        else:
            self.lagging.value = '<div class="hz-note">各县（市）均按期推进。</div>'

    def show_county_records(self) -> None:
        """The county plans and the prefecture's oversight with their forms (:mod:`.county_records`), built
        after the first table: their forms load the models and the records layer."""
        from .county_records import CountyRecords  # noqa: PLC0415 -- optional heavy: after the first table

        self.county_records = CountyRecords(self)
        self.records_box.children = (self.county_records.widget,)

    def show_results(self) -> None:
        if self.campaign is None:
            self.results.value = ""
            return
        import pandas as pd  # noqa: PLC0415 -- optional heavy: filled in after the first table

        frame = results_list(self.store, self.as_of)
        shown = pd.DataFrame({"县（市）": frame["county_name"]})
        for key, label in RESULT_COLUMNS.items():
            if key.endswith("_rate"):
                shown[label] = [("—" if pd.isna(v) else f"{v:.1f}%") for v in frame[key]]
            else:
                shown[label] = frame[key].astype(int)
        self.results.value = html_table(shown, total_last=len(frame) > 1)

    def show_feed(self) -> None:
        import pandas as pd  # noqa: PLC0415 -- optional heavy: filled in after the first table

        page = immediate.feed_page(self.store, self.as_of, latest=50, waiting=200, year=self.year)
        rows = records_of(page.latest)
        shown = pd.DataFrame(
            {
                "县（市）": [r["county_name"] for r in rows],
                "事项": [r["kind_label"] for r in rows],
                "内容": [r["summary"] for r in rows],
                "发生日期": [r["raised_at"].date() for r in rows],
                "报告时限": [fmt_due(r["due_at"]) for r in rows],
                "状态": [r["state_label"] for r in rows],
                "签收人": [r["acknowledged_by"] or "" for r in rows],
            }
        )
        self.feed_table.value = html_table(shown, empty="暂无即时报告事项") + (
            f'<div class="hz-note">共 {page.total} 项，其中待签收 {page.waiting_total} 项；上表列出最近 50 项。</div>'
            if page.total > 50
            else ""
        )
        self.feed_pick.options = [
            (f"{r['county_name']}｜{r['kind_label']}｜{r['summary']}", int(r["id"]))
            for r in records_of(page.waiting)
        ]
        self.ack_btn.disabled = False

    def acknowledge(self) -> None:
        """Record that the chosen item's report has reached the prefecture (at the session's date)."""
        if not self.store.is_prefecture:
            self.say("即时报告由州局签收，县（市）会话不能签收。", "error")
            return
        if self.feed_pick.value is None:
            self.say("请先选择待签收的事项。", "warn")
            return
        at = dt.datetime.combine(self.as_of, dt.datetime.now().time().replace(microsecond=0))
        item = immediate.acknowledge(self.store, int(self.feed_pick.value), at=at)
        self.say(f"已签收：{item['summary'] or item['id']}。", "ok")
        self.show_feed()
