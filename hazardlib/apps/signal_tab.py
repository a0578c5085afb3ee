"""The 风险信息 tab of 抽查与处置: the risk signals awaiting verification (the rules' own list), their
verification, and new signals.

Plan, 二(二)5: 消除质量安全风险隐患。
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import ipywidgets as widgets
import pandas as pd

from .. import models, records, schema, vocab
from ..rules.signals import awaiting_verification
from .casework import OUTCOME_TEXT, page_of
from .forms import TODAY, ModelForm, Spec
from .ui import button, dropdown, html_table, options_from, records_of, section, set_options

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
        self.pick = widgets.Dropdown(options=[], layout=widgets.Layout(width="40em"))
        self.outcome = dropdown(
            options_from(
                {k: v for k, v in vocab.SIGNAL_STATE.labels.items() if k != "pending"}, blank="（核查结论）"
            )
        )
        self.verify_btn = button("登记核查结论", style="success", key="verify")
        app.on_click(self.verify_btn, self.verify)
        self.table = widgets.HTML()
        self.refresh()
        self.widget = widgets.VBox(
            [
                section("待核查的风险信息"),
                self.table,
                widgets.HBox([self.pick, self.outcome, self.verify_btn]),
                section("规则提示"),
                findings,
                section("登记新的风险信息"),
                self.form.widget,
                self.save_btn,
            ]
        )

    def refresh(self) -> None:
        t = schema.risk_signals
        app = self.app
        frame, total = page_of(
            app.store,
            t,
            [t.c.id, t.c.county_code, t.c.received_date, t.c.source, t.c.description],
            where=[awaiting_verification(app.as_of), t.c.received_date <= app.as_of],
            order=[t.c.received_date],
        )
        shown = pd.DataFrame(
            {
                "县（市）": [app.county_name(c) for c in frame["county_code"]],
                "收到日期": frame["received_date"],
                "来源": [vocab.SIGNAL_SOURCE.label(s) for s in frame["source"]],
                "风险信息": frame["description"],
                "企业": frame["enterprise"],
            }
        )
        more = f'<div class="hz-note">共 {total} 条待核查，列出最早的 50 条。</div>' if total > 50 else ""
        self.table.value = html_table(shown, empty="没有待核查的风险信息") + more
        set_options(
            self.pick,
            [("（选择风险信息）", None)]
            + [
                (
                    f"{r['received_date']} {vocab.SIGNAL_SOURCE.label(r['source'])}：{str(r['description'])[:40]}",
                    int(r["id"]),
                )
                for r in records_of(frame)
            ],
        )

    def save(self) -> None:
        record = self.form.check({"campaign_year": self.app.year})
        if record is None:
            return
        with self.app.store.transaction(self.app.transaction_context("登记风险信息")) as tx:
            _, outcome = records.save_risk_signal(tx, record)
        self.app.say(f"风险信息{OUTCOME_TEXT[outcome]}。", "ok")
        self.form.reset()
        self.refresh()
        self.changed()

    def verify(self) -> None:
        if self.pick.value is None or self.outcome.value is None:
            self.app.say("请先选择风险信息和核查结论。", "warn")
            return
        with self.app.store.transaction(self.app.transaction_context("风险信息核查")) as tx:
            records.verify_signal(
                tx, int(self.pick.value), self.outcome.value, self.app.as_of, today=self.app.as_of
            )
        self.app.say(f"已登记核查结论：{vocab.SIGNAL_STATE.label(self.outcome.value)}。", "ok")
        self.refresh()
        self.changed()
