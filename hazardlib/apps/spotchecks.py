"""抽查与处置: supervision spot checks, two-way tracing tasks (sent and received), follow-ups, risk signals to
verify, enforcement cases and targeted help — one tab per measure, each a form, the session's records, and
what the rules of that measure ask for. Each tab is its own class (``spot_check_tab``, ``tracing_tab``,
``signal_tab``, ``case_tab``, ``help_tab``); this page composes them and keeps the rules' findings.

Plan, 二(二)3–6: 强化产品质量监督抽查……对不合格产品的生产和销售单位开展双向追查……对不合格和拒检企业开展跟踪
抽查；严厉打击质量违法违规行为；消除质量安全风险隐患；实施分类监管和精准帮扶。
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import ipywidgets as widgets

from ..rules import RULES, run_all
from .base import App
from .case_tab import CaseTab
from .casework import findings_html
from .help_tab import HelpTab
from .signal_tab import SignalTab
from .spot_check_tab import SpotCheckTab
from .tracing_tab import TracingTab

MEASURES = {"spot": "(二)3", "enforcement": "(二)4", "signals": "(二)5", "help": "(二)6"}
TAB_TITLES = ("监督抽查", "双向追查", "风险信息", "执法办案", "质量帮扶")


class SpotCheckApp(App):
    """Spot checks and what follows them: tracing, follow-ups, risk signals, enforcement and help."""

    title: ClassVar[str] = "抽查与处置"
    context: ClassVar[str] = "看板·抽查与处置"

    def build(self) -> widgets.Widget:
        self.finding_boxes = {m: widgets.HTML(findings_html(self.findings_of(m))) for m in MEASURES}
        self.spot = SpotCheckTab(self, self.finding_boxes["spot"], self._spot_saved)
        self.tracing = TracingTab(self, self.refresh_findings)
        self.signals = SignalTab(self, self.finding_boxes["signals"], self.refresh_findings)
        self.cases = CaseTab(self, self.finding_boxes["enforcement"], self.refresh_findings)
        self.help = HelpTab(self, self.finding_boxes["help"], self.refresh_findings)
        tabs = widgets.Tab(
            children=[t.widget for t in (self.spot, self.tracing, self.signals, self.cases, self.help)]
        )
        tabs.titles = TAB_TITLES
        self.tabs = tabs
        return tabs

    @functools.cached_property
    def rule_findings(self) -> list[Any]:
        return run_all(self.store, self.as_of)

    def findings_of(self, measure: str) -> list[Any]:
        return [f for f in self.rule_findings if MEASURES[measure] in RULES[f.rule].measure]

    def refresh_findings(self) -> None:
        """Run the rules again and show each tab its measure's findings (after any save)."""
        self.__dict__.pop("rule_findings", None)
        for key, box in self.finding_boxes.items():
            box.value = findings_html(self.findings_of(key))

    def _spot_saved(self) -> None:
        # an unqualified batch has just started tracing tasks
        self.tracing.refresh()
        self.refresh_findings()
