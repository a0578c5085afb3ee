"""An interactive table of one page at a time: the database filters, counts and pages; the widget holds
only the page shown (the store may hold a million hazards)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import ipywidgets as widgets
import pandas as pd

from .ui import button, esc, html_table, paging_text

if TYPE_CHECKING:
    from .base import App

PAGE_SIZE = 50

Fetch = Callable[[int, int], tuple[pd.DataFrame, int]]
"""``fetch(offset, limit)`` → (the rows of one page, ready to show; the number of rows in all pages)."""


class PagedTable:
    """One page of rows as an HTML table, with previous/next buttons and "显示第 1–50 条，共 336 条"."""

    def __init__(
        self,
        app: App,
        fetch: Fetch,
        *,
        key: str = "table",
        page_size: int = PAGE_SIZE,
        empty: str = "没有符合条件的记录",
        raw_html: Sequence[str] = (),
    ):
        self.app, self.fetch, self.page_size, self.empty, self.raw_html = (
            app,
            fetch,
            page_size,
            empty,
            raw_html,
        )
        self.page = 0
        self.total = 0
        self.frame = pd.DataFrame()
        self.html = widgets.HTML()
        self.html.add_class(f"hz-table-{key}")
        self.info = widgets.HTML()
        self.info.add_class(f"hz-pageinfo-{key}")
        self.prev_btn = button("上一页", key=f"{key}-prev")
        self.next_btn = button("下一页", key=f"{key}-next")
        app.on_click(self.prev_btn, lambda: self.go(self.page - 1))
        app.on_click(self.next_btn, lambda: self.go(self.page + 1))
        self.widget = widgets.VBox([widgets.HBox([self.prev_btn, self.next_btn, self.info]), self.html])

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def refresh(self, *, first_page: bool = False) -> None:
        """Fetch the current page again (or the first page, after the filters changed)."""
        if first_page:
            self.page = 0
        self.go(self.page)

    def go(self, page: int) -> None:
        page = max(0, page)
        frame, total = self.fetch(page * self.page_size, self.page_size)
        if page > 0 and frame.empty and total:
            page = (total - 1) // self.page_size
            frame, total = self.fetch(page * self.page_size, self.page_size)
        self.page, self.total, self.frame = page, total, frame
        self.html.value = html_table(frame, empty=self.empty, raw_html=self.raw_html)
        self.info.value = (
            f'<span class="hz-note">{esc(paging_text(page * self.page_size, len(frame), total))}</span>'
        )
        self.prev_btn.disabled = self.page == 0
        self.next_btn.disabled = self.page + 1 >= self.pages
