"""An interactive table of one page at a time: the database filters, counts and pages; the widget holds
only the page shown (the store may hold a million hazards).

A table whose rows open a record (``on_open``) draws each row as one button the width of the row, under
cells that let the click through: the clerk clicks anywhere on a row, or tabs to it and presses Enter, and
the page opens that record; the row open is highlighted. Only core ipywidgets (Button, HTML, GridBox) are
used. The cells of the page are one HTML widget whose boxes join the grid (``display: contents``) each at its
row and column; the row buttons follow in the grid, each placed on its row by a class (:func:`row_style`),
sharing one layout and one style. The browser says only which button was clicked, so a button stands for one
record while it lives. Two sets of buttons take turns, one page in two: a click that lands on the rows the page
still shows while the next page is on its way reaches the set of that page, and opens the record clicked if the
new page lists it, and nothing if not, never the record now in that row's place. When a set is drawn again (two
pages later), a row whose record is another gets a new button and the old one is closed, as
:class:`hazardlib.apps.ui.ChoiceList` closes the list from two refills back: a click that reaches it so late
(two refills within one click's round trip) opens nothing. A row whose record is the same keeps its button, so
a page drawn again as it was (a refresh after a save) costs the kernel no new widget, a page of other records
one button per row, and the kernel holds at most two pages of buttons.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd

from .ui import PHONE_MAX_WIDTH, button, cell_html, esc, html_table, paging_text

if TYPE_CHECKING:
    from .base import App

PAGE_SIZE = 50

Fetch = Callable[[int, int], tuple[pd.DataFrame, int]]
"""``fetch(offset, limit)`` → (the rows of one page, ready to show; the number of rows in all pages)."""

OPEN_HINT = "点击打开"
EMPTY = "没有符合条件的记录"

ROW_STYLE = (
    """
.hz-rows { display: grid; gap: 0; margin: 4px 0; font-size: 13px; width: fit-content; max-width: 100%;
  overflow-x: auto; border-top: 1px solid #cfd8dc; border-left: 1px solid #cfd8dc; }
.hz-rows > .hz-rowcells, .hz-rows > .hz-rowcells > .widget-html-content { display: contents !important; }
.hz-rows .hz-cell { padding: 3px 8px; border-right: 1px solid #cfd8dc; border-bottom: 1px solid #cfd8dc;
  text-align: left; pointer-events: none; position: relative; z-index: 1; line-height: 1.5; }
.hz-rows .hz-cell.hz-colhead { background: #eceff1; font-weight: bold; white-space: nowrap; }
.hz-rows .hz-cell.hz-num { text-align: right; font-variant-numeric: tabular-nums; }
.hz-rows .hz-cell.hz-date { white-space: nowrap; }
.hz-rows > button.hz-row { margin: 0; padding: 0; width: auto; height: auto; min-width: 0; border: none;
  border-radius: 0; box-shadow: none; background: transparent; cursor: pointer; }
.hz-rows > button.hz-row:hover { background: #e3f2fd; }
.hz-rows > button.hz-row:focus-visible { outline: 2px solid #1565c0; outline-offset: -2px; }
.hz-rows > button.hz-row.hz-row-chosen { background: #fff8e1; box-shadow: inset 4px 0 0 #ef6c00; }
"""
    + (
        # on a phone a cell keeps its words on one line and the rows scroll sideways, as an HTML table's do (the
        # page's rule that lets text break anywhere made a column of one or two characters a line)
        f"@media (max-width: {PHONE_MAX_WIDTH}px) {{ .hz-rows .hz-cell {{ white-space: nowrap; overflow-wrap: normal; }} }}\n"
    )
)
"""The rows' own rules, kept apart from :data:`hazardlib.apps.ui.STYLE`."""


def row_style(rows: int) -> str:
    """The style of a table whose rows open a record, for pages of up to ``rows`` rows: :data:`ROW_STYLE`
    and the grid row of each row's button (the header is the grid's first row)."""
    places = "\n".join(
        f".hz-rows > .hz-r{n} {{ grid-row: {n + 1}; grid-column: 1 / -1; }}" for n in range(1, rows + 1)
    )
    return f"<style>{ROW_STYLE}{places}\n</style>"


class PagedTable:
    """One page of rows with previous/next buttons and "显示第 1–50 条，共 336 条".

    Without ``on_open`` the page is one HTML table (``html``). With it, the frame's column ``row_key`` (not
    shown) names each row's record, and choosing a row calls ``on_open(key)``; :meth:`select` highlights the
    record the page has open (after it was opened another way, or when the page is drawn again).
    """

    def __init__(
        self,
        app: App,
        fetch: Fetch,
        *,
        key: str = "table",
        page_size: int = PAGE_SIZE,
        empty: str = EMPTY,
        raw_html: Sequence[str] = (),
        row_key: str = "id",
        on_open: Callable[[Any], None] | None = None,
    ):
        self.app, self.fetch, self.page_size, self.empty, self.raw_html = (
            app,
            fetch,
            page_size,
            empty,
            raw_html,
        )
        self.row_key, self.on_open = row_key, on_open
        self.page = 0
        self.total = 0
        self.frame = pd.DataFrame()
        self.chosen: Hashable | None = None
        self.keys: list[Hashable] = []  # the record of each row shown (with on_open)
        # two sets of row buttons, one page in two, each button with the record it stands for (see the module)
        self._sets: tuple[list[widgets.Button], list[widgets.Button]] = ([], [])
        self._set_keys: tuple[list[Hashable], list[Hashable]] = ([], [])
        self._set = 0  # the set the page shows
        self._row_layout, self._row_style = widgets.Layout(), widgets.ButtonStyle()
        self.cells = widgets.HTML()
        self.cells.add_class("hz-rowcells")
        self.html = widgets.HTML()
        self.grid = widgets.GridBox()
        self.grid.add_class("hz-rows")
        self.info = widgets.HTML()
        self.info.add_class(f"hz-pageinfo-{key}")
        self.prev_btn = button("上一页", key=f"{key}-prev")
        self.next_btn = button("下一页", key=f"{key}-next")
        app.on_click(self.prev_btn, lambda: self.go(self.page - 1))
        app.on_click(self.next_btn, lambda: self.go(self.page + 1))
        body: widgets.Widget = self.html
        if on_open is not None:
            body = widgets.VBox([widgets.HTML(row_style(page_size)), self.html, self.grid])
        body.add_class(f"hz-table-{key}")
        self.widget = widgets.VBox([widgets.HBox([self.prev_btn, self.next_btn, self.info]), body])

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
        if self.on_open is None:
            self.html.value = html_table(frame, empty=self.empty, raw_html=self.raw_html)
        else:
            self._draw_rows(frame)
        self.info.value = (
            f'<span class="hz-note">{esc(paging_text(page * self.page_size, len(frame), total))}</span>'
        )
        self.prev_btn.disabled = self.page == 0
        self.next_btn.disabled = self.page + 1 >= self.pages

    # -- rows that open a record ------------------------------------------------------------------
    @property
    def rows(self) -> list[widgets.Button]:
        """The buttons of the rows shown, in order (clicking one opens its record)."""
        return self._sets[self._set][: len(self.keys)]

    def _draw_rows(self, frame: pd.DataFrame) -> None:
        columns = [c for c in frame.columns if c != self.row_key]
        # the other set: the buttons of this one may still be clicked until the page has that one
        self._set = 1 - self._set
        keys = [_plain(k) for k in frame[self.row_key]] if self.row_key in frame else []
        self.keys = keys
        self._fill(self._set, keys)
        if frame.empty:
            self.html.value = html_table(None, empty=self.empty)
            self.grid.children = ()
            self.grid.layout.display = "none"
            self.cells.value = ""
            return
        head = "".join(
            f'<div class="hz-cell hz-colhead" data-row="0" style="grid-row: 1; grid-column: {c}">{esc(name)}</div>'
            for c, name in enumerate(columns, start=1)
        )
        body = "".join(
            cell_html(
                value,
                raw=name in self.raw_html,
                attrs=f'data-row="{n}" style="grid-row: {n + 1}; grid-column: {c}"',
            )
            for n, values in enumerate(frame[columns].itertuples(index=False, name=None), start=1)
            for c, (name, value) in enumerate(zip(columns, values, strict=True), start=1)
        )
        self.html.value = ""
        self.cells.value = head + body
        self.grid.layout.grid_template_columns = f"repeat({len(columns)}, auto)"
        self.grid.layout.display = ""
        self.grid.children = (self.cells, *self.rows)
        self._mark()

    def _fill(self, of: int, keys: list[Hashable]) -> None:
        """Set ``of`` drawn for the records ``keys``: a row whose record is another, or which the page no longer
        has, loses its button, closed (a click the browser still sends it is lost); a row whose record is
        another, or which had none, gets a new one."""
        buttons, records = self._sets[of], self._set_keys[of]
        for stale in buttons[len(keys) :]:
            stale.close()
        del buttons[len(keys) :], records[len(keys) :]
        for at, record in enumerate(keys):
            if at < len(buttons) and records[at] == record:
                continue
            if at < len(buttons):
                buttons[at].close()
                buttons[at], records[at] = self._button(of, at), record
            else:
                buttons.append(self._button(of, at))
                records.append(record)

    def _button(self, of: int, at: int) -> widgets.Button:
        """The button of the ``at``-th row (0 first) of set ``of``, for the record that row has now."""
        b = widgets.Button(description="", tooltip=OPEN_HINT, layout=self._row_layout, style=self._row_style)
        b.add_class("hz-row")
        b.add_class(f"hz-r{at + 1}")
        b.on_click(self.app.guard(lambda clicked: self._clicked(of, at, clicked)))
        return b

    def _clicked(self, of: int, at: int, clicked: widgets.Button) -> None:
        """A row's button clicked: the record it stands for, if the page shown lists it; nothing if the button
        was replaced (see the module)."""
        buttons = self._sets[of]
        if at < len(buttons) and buttons[at] is clicked and self._set_keys[of][at] in self.keys:
            self.open(self._set_keys[of][at])

    def open(self, record: Hashable) -> None:
        """Open ``record`` as if its row were clicked: highlight it and hand it to ``on_open``."""
        self.select(record)
        if self.on_open is not None:
            self.on_open(record)

    def select(self, record: Hashable | None) -> None:
        """Highlight the row of ``record`` (None: no row), the record the page has open."""
        self.chosen = _plain(record) if record is not None else None
        self._mark()

    def _mark(self) -> None:
        for row, record in zip(self.rows, self.keys, strict=True):
            if record == self.chosen:
                row.add_class("hz-row-chosen")
            else:
                row.remove_class("hz-row-chosen")

    @property
    def text(self) -> str:
        """The HTML the table shows now (its rows' cells, or the empty note), for reading in tests."""
        if self.on_open is None or not self.keys:
            return self.html.value
        return self.cells.value


def _plain(value: Any) -> Hashable:
    """A numpy number as the plain Python number a dropdown's value is (so the two compare equal)."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value
