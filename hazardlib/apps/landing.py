"""The landing page: what this session is bound to, a few figures from the store, and the dashboards."""

from __future__ import annotations

from typing import ClassVar

import ipywidgets as widgets

from . import DASHBOARDS
from .base import App
from .deadline_notes import reminder_html
from .ui import esc


class LandingApp(App):
    """The workbook's front page: links to every dashboard, in Chinese."""

    title: ClassVar[str] = "质量安全隐患排查治理工作台"

    def build(self) -> widgets.Widget:
        self.overview_box = widgets.HTML(
            f'<div class="hz-section">{esc(self.scope_name)}概况（截至{esc(self.as_of.isoformat())}）</div>'
            + self.overview_html()
        )
        self.overview_box.add_class("hz-landing-figures")
        self.reminder = widgets.HTML(self._reminder_html())
        self.reminder.add_class("hz-landing-reminder")
        links = widgets.HTML(self._links_html())
        links.add_class("hz-landing-links")
        return widgets.VBox([self.overview_box, self.reminder, links])

    def _reminder_html(self) -> str:
        text = reminder_html(self.store, self.as_of)
        return f'<div class="hz-section">报送提醒</div>{text}' if text else ""

    def _links_html(self) -> str:
        items = "".join(
            f'<div class="hz-card"><a class="hz-link" href="{esc(d.notebook)}" '
            f'style="font-size:16px;font-weight:bold;">{esc(d.title)}</a>'
            f'<div class="hz-note">{esc(d.purpose)}</div></div>'
            for d in DASHBOARDS
        )
        return f'<div class="hz-section">工作看板</div>{items}'
