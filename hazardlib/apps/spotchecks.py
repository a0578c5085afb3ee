"""抽查与处置: supervision spot checks, two-way tracing tasks (sent and received), follow-ups, risk signals to
verify, enforcement cases and targeted help — one tab per measure, each a form, the session's records, and
what the rules of that measure ask for. Each tab is its own class (``spot_check_tab``, ``tracing_tab``,
``signal_tab``, ``case_tab``, ``help_tab``); this page composes them and keeps the rules' findings.

The page draws only what the clerk sees first: the first tab is built with the page, each other tab when the
clerk first opens it, and the rules' findings (every rule run over the county's records) are filled in by
:attr:`SpotCheckApp.loading`, a thread that waits until the page has fetched its widgets
(:func:`~hazardlib.apps.ui.wait_for_page`).

Plan, 二(二)3–6: 强化产品质量监督抽查……对不合格产品的生产和销售单位开展双向追查……对不合格和拒检企业开展跟踪
抽查；严厉打击质量违法违规行为；消除质量安全风险隐患；实施分类监管和精准帮扶。
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
from typing import Any, ClassVar

import ipywidgets as widgets

from ..rules import RULES, run_all
from ..store import Store
from .base import App, FirstView, catalogue_for, product_label, product_options
from .case_tab import CaseTab
from .casework import findings_html
from .help_tab import HelpTab
from .signal_tab import SignalTab
from .spot_check_tab import BATCHES_HEADING, SpotCheckTab, batches_page
from .tables import EMPTY
from .tracing_tab import TracingTab
from .ui import esc, html_table, paging_text, section_html, wait_for_page, watch_page

log = logging.getLogger(__name__)

MEASURES = {"spot": "(二)3", "enforcement": "(二)4", "signals": "(二)5", "help": "(二)6"}
TAB_TITLES = ("监督抽查", "双向追查", "风险信息", "执法办案", "质量帮扶")
TABS = ("spot", "tracing", "signals", "cases", "help")
"""The attribute of each tab, in the order of :data:`TAB_TITLES`."""
CHECKING = '<div class="hz-note hz-loading">正在按规则检查…</div>'
OPENING = '<div class="hz-note hz-loading">正在打开…</div>'


class SpotCheckApp(App):
    """Spot checks and what follows them: tracing, follow-ups, risk signals, enforcement and help."""

    title: ClassVar[str] = "抽查与处置"
    context: ClassVar[str] = "看板·抽查与处置"

    @classmethod
    def first_view(cls, store: Store, as_of: dt.date) -> FirstView | None:
        """The first tab's table of the county's batches, its first page (``data``: the page's rows and the count
        of all, :func:`~.spot_check_tab.batches_page`)."""
        options = product_options(catalogue_for(as_of.year))
        shown, total = batches_page(store, as_of, lambda code: product_label(options, code))
        return FirstView(
            section_html(BATCHES_HEADING)
            + f'<div class="hz-note">{esc(paging_text(0, len(shown), total))}</div>'
            + f'<div class="hz-spot-batches">{html_table(shown.drop(columns="id"), empty=EMPTY)}</div>',
            (shown, total),
        )

    def build(self) -> widgets.Widget:
        self.finding_boxes = {m: widgets.HTML(CHECKING) for m in MEASURES}
        self._findings_lock = threading.Lock()
        # One box per tab, filled with the tab's widgets when the tab is first opened (see _built).
        self.pages = [widgets.VBox([widgets.HTML(OPENING)]) for _ in TABS]
        self.tabs = widgets.Tab(children=self.pages, selected_index=0)
        self.tabs.titles = TAB_TITLES
        self.on_change(self.tabs, self.open_tab, names="selected_index")
        self.open_tab(0)
        if self.warming_up:
            # Every tab and rule once, so that their statements are compiled before the request.
            for at in range(len(TABS)):
                self.open_tab(at)
            self.refresh_findings()
            self.loading: threading.Thread | None = None
        else:
            watch_page()
            self.loading = threading.Thread(
                target=self._fill_findings, name="spotchecks-findings", daemon=True
            )
            self.loading.start()
        return self.tabs

    # -- tabs, each built when first opened ------------------------------------------------------
    def open_tab(self, at: int | None) -> None:
        """Build tab ``at`` (0 first) if it has not been built yet; its box then shows it."""
        if at is not None:
            getattr(self, TABS[at])

    def _built(self, at: int, tab: Any) -> Any:
        self.pages[at].children = (tab.widget,)
        return tab

    def built(self, name: str) -> bool:
        """Whether the tab ``name`` (one of :data:`TABS`) has been built."""
        return name in self.__dict__

    @functools.cached_property
    def spot(self) -> SpotCheckTab:
        """The 监督抽查 tab (built on first use)."""
        return self._built(0, SpotCheckTab(self, self.finding_boxes["spot"], self._spot_saved))

    @functools.cached_property
    def tracing(self) -> TracingTab:
        """The 双向追查 tab (built on first use)."""
        return self._built(1, TracingTab(self, self.refresh_findings))

    @functools.cached_property
    def signals(self) -> SignalTab:
        """The 风险信息 tab (built on first use)."""
        return self._built(2, SignalTab(self, self.finding_boxes["signals"], self.refresh_findings))

    @functools.cached_property
    def cases(self) -> CaseTab:
        """The 执法办案 tab (built on first use)."""
        return self._built(3, CaseTab(self, self.finding_boxes["enforcement"], self.refresh_findings))

    @functools.cached_property
    def help(self) -> HelpTab:
        """The 质量帮扶 tab (built on first use)."""
        return self._built(4, HelpTab(self, self.finding_boxes["help"], self.refresh_findings))

    # -- the rules' findings ---------------------------------------------------------------------
    def findings_of(self, findings: list[Any], measure: str) -> list[Any]:
        return [f for f in findings if MEASURES[measure] in RULES[f.rule].measure]

    def refresh_findings(self) -> None:
        """Run the rules again and show each tab its measure's findings (after any save)."""
        with self._findings_lock:  # the first filling and a save's never interleave
            findings = run_all(self.store, self.as_of)
            for key, box in self.finding_boxes.items():
                box.value = findings_html(self.findings_of(findings, key))

    def _fill_findings(self) -> None:
        if not wait_for_page():
            log.warning("the page did not fetch its widgets in time; the rules' findings are filled anyway")
        self.guard(self.refresh_findings)()

    def _spot_saved(self) -> None:
        # an unqualified batch has just started tracing tasks (a tab not opened yet reads them when opened)
        if self.built("tracing"):
            self.tracing.refresh()
        self.refresh_findings()
