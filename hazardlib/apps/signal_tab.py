"""The 风险信息 tab of 抽查与处置: the risk signals awaiting verification (the rules' own list), their
verification, and new signals.

Plan, 二(二)5: 消除质量安全风险隐患。
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd

from .. import models, records, schema, vocab
from ..rules.signals import awaiting_verification
from .casework import OUTCOME_TEXT, page_of
from .forms import TODAY, ModelForm, Spec
from .tables import PagedTable
from .ui import (
    button,
    choice_list,
    choose,
    dropdown,
    esc,
    fmt_date,
    lines_html,
    options_from,
    records_of,
    section,
    set_options,
)

if TYPE_CHECKING:
    from .base import App


class SignalTab:
    """Signals to verify (pick one, record the conclusion), the rules' hints of measure (二)5 (``findings``)
    and the form of a new signal; ``changed`` runs after each save."""

    def __init__(self, app: App, findings: widgets.Widget, changed: Callable[[], None]):
        self.app, self.changed = app, changed
        self.form = ModelForm(
            app,
            models.RiskSignal,
            [
                Spec("county_code", "county", required=True),
                Spec("received_date", "date", required=True, default=TODAY),
                Spec("source", "vocab", required=True, vocabulary=vocab.SIGNAL_SOURCE),
                Spec("description", "textarea", required=True),
                Spec("sub_product_code", "product", blank="（不涉及具体产品）"),
            ],
        )
        self.save_btn = button("登记风险信息", style="primary", key="signal")
        app.on_click(self.save_btn, self.save)
        # the signals to verify, each whole in a list that wraps its words (a dropdown cut them off on a phone)
        self.pick = choice_list("signal-pick")
        self.outcome = dropdown(
            options_from(
                {k: v for k, v in vocab.SIGNAL_STATE.labels.items() if k != "pending"}, blank="（核查结论）"
            )
        )
        self.outcome.add_class("hz-input-signal-outcome")
        self.verify_btn = button("登记核查结论", style="success", key="verify")
        app.on_click(self.verify_btn, self.verify)
        # a click on a signal's row opens it: the list of choices follows, its card shows what was recorded
        self.table = PagedTable(
            app, self._page, key="signals", empty="没有待核查的风险信息", on_open=self.open
        )
        self.opened: int | None = None
        self.detail = widgets.HTML()
        self.detail.add_class("hz-signal-detail")
        self._filling = False  # the list's choices are being replaced, not chosen by the clerk
        app.on_change(self.pick, self._picked)
        self.refresh()
        self.widget = widgets.VBox(
            [
                section("待核查的风险信息"),
                self.table.widget,
                self.detail,
                self.pick,
                widgets.HBox([self.outcome, self.verify_btn]),
                section("规则提示"),
                findings,
                section("登记新的风险信息"),
                self.form.widget,
                self.save_btn,
            ]
        )

    def refresh(self) -> None:
        """Read the signals to verify again (the page shown, the signal open kept)."""
        self.table.refresh()

    def _page(self, offset: int, limit: int) -> tuple[pd.DataFrame, int]:
        t = schema.risk_signals
        app = self.app
        frame, total = page_of(
            app.store,
            t,
            [t.c.id, t.c.county_code, t.c.received_date, t.c.source, t.c.description],
            where=[awaiting_verification(app.as_of), t.c.received_date <= app.as_of],
            order=[t.c.received_date],
            offset=offset,
            limit=limit,
        )
        choices = [(self._label(r), int(r["id"])) for r in records_of(frame)]
        # the signal open stays in the list once verified (it leaves the list of signals to verify)
        if self.opened is not None and self.opened not in [v for _, v in choices]:
            choices.insert(0, (self._label(self.app.store.get(t, self.opened)), self.opened))
        self._filling = True
        try:
            set_options(self.pick, choices, self.opened)
        finally:
            self._filling = False
        shown = pd.DataFrame(
            {
                "id": frame["id"],  # the row's signal (not shown)
                "县（市）": [app.county_name(c) for c in frame["county_code"]],
                "收到日期": frame["received_date"],
                "来源": [vocab.SIGNAL_SOURCE.label(s) for s in frame["source"]],
                "风险信息": frame["description"],
                "企业": frame["enterprise"],
            }
        )
        return shown, total

    @staticmethod
    def _label(r: dict[str, Any]) -> str:
        return f"{r['received_date']} {vocab.SIGNAL_SOURCE.label(r['source'])}：{str(r['description'])[:40]}"

    def _picked(self, signal_id: int | None) -> None:
        """A signal chosen in the list opens as its row would (the card never names another one)."""
        if self._filling or signal_id == self.opened:
            return
        if signal_id is None:
            self.opened = None
            self.detail.value = ""
            self.table.select(None)
        else:
            self.open(signal_id)

    def open(self, signal_id: int) -> None:
        """Open one signal: the list of choices and the highlighted row follow, its card shows it as recorded."""
        r = self.app.store.get(schema.risk_signals, int(signal_id))
        self.opened = int(r["id"])
        self._filling = True
        try:
            if self.opened not in [v for _, v in self.pick.options]:
                set_options(self.pick, [*self.pick.options, (self._label(r), self.opened)], self.opened)
            choose(self.pick, self.opened)
        finally:
            self._filling = False
        self.table.select(self.opened)
        # as the session's date sees it: a conclusion recorded after that date is not yet known
        known = r["verified_date"] is not None and r["verified_date"] <= self.app.as_of
        state = vocab.SIGNAL_STATE.label(r["verification"] if known else "pending")
        verified = f"（{fmt_date(r['verified_date'])}）" if known else ""
        self.detail.value = (
            f'<div class="hz-card">当前风险信息：<b>{esc(self.app.county_name(r["county_code"]))} '
            f"{esc(fmt_date(r['received_date']))} {esc(vocab.SIGNAL_SOURCE.label(r['source']))}</b>："
            f"{lines_html(r['description'])}<br>核查结论：{esc(state)}{esc(verified)}</div>"
        )

    def save(self) -> None:
        record = self.form.check({"campaign_year": self.app.year})
        if record is None:
            return
        with self.app.store.transaction(self.app.transaction_context("登记风险信息")) as tx:
            _, outcome = records.save_risk_signal(tx, record)
        self.form.reset()
        self.refresh()
        self.changed()
        # said last: the list and the table above the form grow first, the message is then scrolled into view
        self.app.say(f"风险信息{OUTCOME_TEXT[outcome]}。", "ok")

    def verify(self) -> None:
        if self.pick.value is None or self.outcome.value is None:
            self.app.say("请先选择风险信息和核查结论。", "warn")
            return
        with self.app.store.transaction(self.app.transaction_context("风险信息核查")) as tx:
            records.verify_signal(
                tx, int(self.pick.value), self.outcome.value, self.app.as_of, today=self.app.as_of
            )
        outcome = vocab.SIGNAL_STATE.label(self.outcome.value)
        self.open(int(self.pick.value))  # the signal verified stays open, its conclusion shown
        self.refresh()
        self.changed()
        self.app.say(f"已登记核查结论：{outcome}。", "ok")  # said last, as in save
