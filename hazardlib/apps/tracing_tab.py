"""The 双向追查 tab of 抽查与处置: the tracing tasks a county (or the prefecture) received, closed or passed on
from here, and the tasks it sent.

Plan, 二(二)3: 对不合格产品的生产和销售单位开展双向追查。
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import ipywidgets as widgets
import pandas as pd

from .. import models, tracing, vocab
from ..errors import ValidationFailed
from ..store import PREFECTURE_CODE
from .forms import text_box
from .tables import PagedTable
from .ui import (
    FormField,
    button,
    choice_list,
    dropdown,
    fmt_date,
    html_table,
    option_label,
    records_of,
    section,
)

if TYPE_CHECKING:
    from .base import App


def closed_text(rows: pd.DataFrame) -> str:
    """Why a task's row (``rows``: it alone, from :func:`hazardlib.tracing.tasks_received`) offers nothing to do.

    A task closed or passed on after the page's date was still open at that date, and is shown so, as the
    ledger shows a hazard's state at the date; like the ledger, the page then says it cannot be acted on
    at that date, and why."""
    if rows.empty:
        return "该追查任务已不在待办之列，无需再办理。"
    row = rows.iloc[0]
    if pd.notna(row["later_state"]):
        later = vocab.TRACING_STATE.label(row["later_state"])
        return f"该追查任务在统计日期之后（{fmt_date(row['later_date'])}）{later}，不能在此日期办理。"
    return f"该追查任务{row['state_label']}，无需再办理。"


class TracingTab:
    """Tasks received (pick one, close it or pass it on) and tasks sent; ``changed`` runs after each move."""

    def __init__(self, app: App, changed: Callable[[], None]):
        self.app, self.changed = app, changed
        self.got = pd.DataFrame()  # the tasks received, read by refresh
        # a click on a task's row picks it in the list below (办结 or 转办 then acts on it)
        self.received = PagedTable(
            app, self._received_page, key="tasks-received", empty="没有收到追查任务", on_open=self.open_task
        )
        self.sent = widgets.HTML()
        self.sent.add_class("hz-tasks-sent")
        # the open tasks, each whole in a list that wraps its words (a dropdown cut them off on a phone);
        # none chosen until the clerk picks one (here or by its row)
        self.pick = choice_list("task")
        app.on_change(self.pick, self.received.select)  # the row follows the choice
        self.note = text_box(models.TracingReport, "note")
        title = models.TracingReport.model_fields["note"].title or ""
        self.note_field = FormField("task-note", title, self.note)
        # the prefecture passes a task to a county or out of the prefecture; a county out of the prefecture only
        counties = [(c.name, c.code) for c in app.regions.counties] if app.county is None else []
        self.to = dropdown([("（转办给）", None), *counties, ("州外（已移交外地）", "外地")])
        self.done_btn = button("办结", style="success", key="task-done")
        self.pass_btn = button("转办", key="task-pass")
        app.on_click(self.done_btn, self.complete)
        app.on_click(self.pass_btn, self.pass_on)
        self.refresh()
        self.widget = widgets.VBox(
            [
                section("收到的追查任务"),
                self.received.widget,
                FormField("task", "选择任务", self.pick).widget,
                self.note_field.widget,
                widgets.HBox([self.done_btn, self.to, self.pass_btn]),
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
                "承办单位": frame["to_county_name"],  # the county holding the task at the page's date
                "下达日期": frame["created_date"],
                "期限": frame["due"],
                "状态": frame["state_label"],
                "超期": ["超期" if o else "" for o in frame["overdue"]],
                "办理情况": frame["note"],
            }
        )

    def refresh(self) -> None:
        """Read the tasks again (after a save here or a spot check that started new ones)."""
        app = self.app
        holder = app.county or PREFECTURE_CODE
        got = self.got = tracing.tasks_received(app.store, holder, app.as_of)
        # open at the page's date and not closed since (as the ledger offers no move before a later one)
        open_ = [r for r in records_of(got) if r["state"] == "open" and r["later_state"] is None]
        # the task the clerk chose stays chosen while it is still open
        self.pick.options = [
            (
                f"{option_label(r['batch_no'], r['role_label'], r['target_name'])}（期限 {fmt_date(r['due'])}）",
                int(r["id"]),
            )
            for r in open_
        ]
        self.received.refresh()
        if app.county is not None:
            sent = tracing.tasks_sent(app.store, app.county, app.as_of)
            self.sent.value = html_table(self._task_frame(sent), empty="没有发出的追查任务")
        else:
            self.sent.value = '<div class="hz-note">追查任务由抽样的县（市）发出；州局在此接收并转办州外或无法确定属地的任务。</div>'

    def _received_page(self, offset: int, limit: int) -> tuple[pd.DataFrame, int]:
        page = self.got.iloc[offset : offset + limit]
        return pd.concat([page[["id"]], self._task_frame(page)], axis=1), len(self.got)

    def open_task(self, task_id: int) -> None:
        """A task's row clicked: an open task is picked in the list; one already closed or passed on is
        only shown as chosen, with its state said."""
        self.app.clear_message()
        if task_id in [v for _, v in self.pick.options]:
            self.pick.value = task_id
            return
        self.pick.value = None
        self.received.select(task_id)  # choosing the blank option took the highlight away
        self.app.say(closed_text(self.got.loc[self.got["id"] == task_id]), "info")

    def complete(self) -> None:
        if self.pick.value is None:
            self.app.say("请先选择任务。", "warn")
            return
        self.note_field.clear()
        task = int(self.pick.value)
        try:
            tracing.complete(self.app.store, task, self.app.as_of, self.note.value.strip() or None)
        except ValidationFailed as exc:  # the note too long: said beside it, and nothing recorded
            self.app.report(exc, {"note": self.note_field})
            return
        self.app.say("追查任务已办结。", "ok")
        self.note.value = ""
        self.refresh()
        self.received.select(task)  # no longer to act on, its row stays lit with its new state
        self.changed()

    def pass_on(self) -> None:
        if self.pick.value is None or self.to.value is None:
            self.app.say("请先选择任务和转办对象。", "warn")
            return
        self.note_field.clear()
        task = int(self.pick.value)
        try:
            tracing.pass_on(
                self.app.store,
                task,
                self.app.as_of,
                self.to.value,
                self.note.value.strip() or None,
            )
        except ValidationFailed as exc:  # the note too long: said beside it, and nothing recorded
            self.app.report(exc, {"note": self.note_field})
            return
        self.app.say("追查任务已转办。", "ok")
        self.refresh()
        self.received.select(task)
        self.changed()
