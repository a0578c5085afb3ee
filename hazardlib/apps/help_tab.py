"""The 质量帮扶 tab of 抽查与处置: targeted help given to a chosen enterprise, and the county's help records.

Plan, 二(二)6: 实施分类监管和精准帮扶。
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd

from .. import models, records, schema, vocab
from .casework import OUTCOME_TEXT, kept, open_record, page_of
from .enterprises import EnterprisePicker
from .forms import TODAY, ModelForm, Spec
from .tables import PagedTable
from .ui import button, note, section

if TYPE_CHECKING:
    from .base import App


class HelpTab:
    """The rules' hints of measure (二)6 (``findings``), the help form and the county's help records;
    ``changed`` runs after a save."""

    def __init__(self, app: App, findings: widgets.Widget, changed: Callable[[], None]):
        self.app, self.changed = app, changed
        self.enterprise: dict[str, Any] | None = None
        self.opened: dict[str, Any] | None = None  # the record opened from its row
        self.picker = EnterprisePicker(app, lambda r: setattr(self, "enterprise", r), register=False)
        self.form = ModelForm(
            app,
            models.HelpRecord,
            [
                Spec("kind", "vocab", required=True, vocabulary=vocab.HELP_KIND),
                Spec("help_date", "date", required=True, default=TODAY),
                Spec("note", "textarea"),
            ],
        )
        self.save_btn = button("登记帮扶", style="success", key="help")
        app.on_click(self.save_btn, self.save)
        # a click on a record's row opens it in the form above (saving it again updates it)
        self.table = PagedTable(app, self._page, key="help", on_open=self.open_help)
        self.table.refresh()
        self.widget = widgets.VBox(
            [
                section("规则提示：重点监管、特别监管、整改指导意见书"),
                findings,
                section("帮扶企业"),
                self.picker.widget,
                self.form.widget,
                self.save_btn,
                note("质量问诊、质量分析、质量培训、“一企一策”整改指导意见书。"),
                section("本地区帮扶记录"),
                self.table.widget,
            ]
        )

    def _page(self, offset: int, limit: int) -> tuple[pd.DataFrame, int]:
        t = schema.help_records
        frame, total = page_of(
            self.app.store,
            t,
            [t.c.id, t.c.help_date, t.c.kind, t.c.note],
            where=[t.c.help_date <= self.app.as_of],
            order=[t.c.help_date.desc()],
            offset=offset,
            limit=limit,
        )
        shown = pd.DataFrame(
            {
                "id": frame["id"],  # the row's record (not shown)
                "日期": frame["help_date"],
                "企业": frame["enterprise"],
                "帮扶方式": [vocab.HELP_KIND.label(k) for k in frame["kind"]],
                "帮扶内容": frame["note"],
            }
        )
        return shown, total

    def open_help(self, help_id: int) -> None:
        """Put a recorded help record in the form: its enterprise and its fields."""
        self.opened = open_record(self.app, schema.help_records, help_id, self.picker, self.form, self.table)

    def save(self) -> None:
        if self.enterprise is None:
            self.app.say("请先查找并选择帮扶企业。", "warn")
            return
        record = self.form.check({"enterprise_id": self.enterprise["id"], "campaign_year": self.app.year})
        if record is None:
            return
        record = kept(record, self.opened, records.HELP_KEY, ("campaign_year",))  # saved again: its year kept
        with self.app.store.transaction(self.app.transaction_context("质量帮扶")) as tx:
            hid, outcome = records.save_help(tx, record)
        self.app.say(f"帮扶记录{OUTCOME_TEXT[outcome]}。", "ok")
        self.table.select(hid)  # the record saved stays the one in the form and highlighted
        self.table.refresh(first_page=True)
        self.changed()
