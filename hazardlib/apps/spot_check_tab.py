"""The 监督抽查 tab of 抽查与处置: record a spot-check batch (the enterprise sampled, the producer and the seller
named on the sampling form) and list the county's batches; an unqualified batch starts two-way tracing.

Plan, 二(二)3: 强化产品质量监督抽查……对不合格产品的生产和销售单位开展双向追查……对不合格和拒检企业开展跟踪抽查。
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd

from .. import models, records, schema, tracing, vocab
from ..store import Store
from .casework import OUTCOME_TEXT, page_of
from .enterprises import EnterprisePicker
from .forms import TODAY, ModelForm, Spec
from .tables import PAGE_SIZE, PagedTable
from .ui import button, fmt_date, records_of, section, set_options

if TYPE_CHECKING:
    from .base import App

SC = schema.spot_checks
BATCHES_HEADING = "本地区抽查批次"


def sampled_name(r: dict[str, Any]) -> str:
    """The enterprise a batch was sampled at, as the clerk reads it: the registered enterprise's name, else the
    seller's or producer's name written on the sampling form (a party not registered in the county)."""
    for key in ("enterprise", "seller_name", "producer_name"):
        if r.get(key):
            return str(r[key])
    return "（未填写）"


def batch_label(r: dict[str, Any]) -> str:
    """A batch as the 跟踪抽查 dropdown names it: its number (the sampling form's, one a batch) and result, short
    enough for a phone (with the enterprise and the date it was cut off at the screen's edge); the batch
    chosen is told whole under the field's title (:func:`batch_detail`)."""
    return f"{r['batch_no']}（{vocab.SPOT_RESULT.label(r['result'])}）"


def batch_detail(r: dict[str, Any]) -> str:
    """The batch chosen as the original of a follow-up, told under the field's title: where and when sampled."""
    return f"所选批次：{sampled_name(r)}，{fmt_date(r['sample_date'])}抽样"


def batches_page(
    store: Store,
    as_of: dt.date,
    product_label: Callable[[str | None], str],
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> tuple[pd.DataFrame, int]:
    """A page of the batches the session's county sampled up to ``as_of``, the latest first, as the tab's table
    shows them (the column ``id``, not shown, names each row's batch), and how many there are in all."""
    frame, total = page_of(
        store,
        SC,
        [
            SC.c.id,
            SC.c.batch_no,
            SC.c.sample_date,
            SC.c.sub_product_code,
            SC.c.channel,
            SC.c.result,
            SC.c.follow_up_of,
            SC.c.seller_name,
            SC.c.producer_name,
        ],
        where=[SC.c.sample_date <= as_of],
        order=[SC.c.sample_date.desc()],
        offset=offset,
        limit=limit,
    )
    shown = pd.DataFrame(
        {
            "id": frame["id"],  # the row's batch (not shown)
            "抽样单编号": frame["batch_no"],
            "抽样日期": frame["sample_date"],
            "产品": [product_label(c) for c in frame["sub_product_code"]],
            "环节": [vocab.CHANNEL.label(c) for c in frame["channel"]],
            "结果": [vocab.SPOT_RESULT.label(c) for c in frame["result"]],
            "受检企业": [sampled_name(r) for r in records_of(frame)],
            "跟踪抽查": ["是" if pd.notna(v) else "" for v in frame["follow_up_of"]],
        }
    )
    return shown, total


class SpotCheckTab:
    """The spot-check form, the rules' hints of measure (二)3 (``findings``) and the county's batches;
    ``changed`` runs after a save (tracing tasks and findings follow a batch)."""

    def __init__(self, app: App, findings: widgets.Widget, changed: Callable[[], None]):
        self.app, self.changed = app, changed
        self.sampled: dict[str, Any] | None = None
        self.opened: dict[str, Any] | None = None  # the batch opened from its row
        self.picker = EnterprisePicker(app, self._sampled, register=False)
        self.form = ModelForm(
            app,
            models.SpotCheck,
            [
                Spec("batch_no", required=True),
                Spec("sampled_by_county", "county", required=True),
                Spec("sample_date", "date", required=True, default=TODAY),
                Spec("sub_product_code", "product", required=True),
                Spec("channel", "vocab", required=True, vocabulary=vocab.CHANNEL),
                Spec("result", "vocab", required=True, vocabulary=vocab.SPOT_RESULT),
                Spec("follow_up_of", "choice", blank="（不是跟踪抽查）", held=self._batch_label),
                Spec("enforcement_sampling", "bool"),
                Spec("note", "textarea"),
            ],
        )
        self.parties = {
            role: ModelForm(
                app, models.Party, [Spec("name"), Spec("uscc"), Spec("region", hint="外地企业写所在省市")]
            )
            for role in ("producer", "seller")
        }
        self.save_btn = button("登记抽查结果", style="success", key="spot")
        app.on_click(self.save_btn, self.save)
        # a click on a batch's row opens it in the form above (saving it again updates it)
        # what the page's first paint showed (SpotCheckApp.first_view): the table's first page
        self.first_page: tuple[pd.DataFrame, int] | None = app.first.data if app.first is not None else None
        self.table = PagedTable(app, self._page, key="spots", on_open=self.open_batch)
        self.table.refresh()
        self.follow_up_details: dict[int, str] = {}  # the batches offered as originals, told whole
        self._follow_up_choices()
        app.on_change(self.form.control("follow_up_of"), self._follow_up_chosen)
        self.widget = widgets.VBox(
            [
                section("受检企业（本地已登记企业可查找选择）"),
                self.picker.widget,
                section("抽查信息"),
                self.form.widget,
                section("生产单位（受检企业为销售单位时填写）"),
                self.parties["producer"].widget,
                section("销售单位（在流通环节抽样时填写）"),
                self.parties["seller"].widget,
                self.save_btn,
                section("规则提示：双向追查、跟踪抽查、约谈"),
                findings,
                section(BATCHES_HEADING),
                self.table.widget,
            ]
        )

    def _sampled(self, row: dict[str, Any]) -> None:
        self.sampled = row

    def _follow_up_choices(self) -> None:
        frame, _ = page_of(
            self.app.store,
            SC,
            [SC.c.id, SC.c.batch_no, SC.c.result, SC.c.sample_date, SC.c.seller_name, SC.c.producer_name],
            where=[SC.c.result.in_(("unqualified", "refused")), SC.c.sample_date <= self.app.as_of],
            order=[SC.c.sample_date.desc()],
            limit=200,
        )
        control = self.form.control("follow_up_of")
        batches = records_of(frame)
        self.follow_up_details = {int(r["id"]): batch_detail(r) for r in batches}
        options = [("（不是跟踪抽查）", None), *((batch_label(r), int(r["id"])) for r in batches)]
        held = self.form.held.get("follow_up_of")  # the open batch's own original, not among those listed
        if held is not None and held[1] not in [v for _, v in options]:
            options.append(held)
        set_options(control, options, control.value if control.value in [v for _, v in options] else None)

    def _follow_up_chosen(self, spot_check_id: int | None) -> None:
        """Say under the 跟踪抽查 field's title where and when the batch chosen was sampled (none: nothing)."""
        if spot_check_id is None:
            detail = ""
        else:
            detail = self.follow_up_details.get(spot_check_id) or batch_detail(
                self.app.store.get(SC, int(spot_check_id))
            )
        self.form.fields["follow_up_of"].set_hint(detail)

    def _batch_label(self, spot_check_id: int) -> str:
        return batch_label(self.app.store.get(SC, int(spot_check_id)))

    def _page(self, offset: int, limit: int) -> tuple[pd.DataFrame, int]:
        first, self.first_page = self.first_page, None  # the first paint's page serves the first draw only
        if first is not None and (offset, limit) == (0, self.table.page_size):
            return first
        return batches_page(
            self.app.store, self.app.as_of, self.app.product_label, offset=offset, limit=limit
        )

    def open_batch(self, spot_check_id: int) -> None:
        """Put a recorded batch in the form: its enterprise, its fields, its producer and seller."""
        row = self.opened = self.app.store.get(SC, int(spot_check_id))
        self.app.clear_message()
        if row["enterprise_id"] is not None:
            self.picker.choose(self.app.store.get(schema.enterprises, row["enterprise_id"]))
        else:
            self.picker.forget()
            self.sampled = None
        self.form.show(row)
        for role, form in self.parties.items():
            form.show({k: row[f"{role}_{k}"] for k in form.fields})
        self.table.select(row["id"])

    def save(self) -> None:
        """Save a spot-check batch; an unqualified one starts two-way tracing at once."""
        parties: dict[str, dict[str, Any]] = {}
        for role, form in self.parties.items():
            party = form.check()
            if party is None:
                return
            parties[role] = party.model_dump(exclude_none=True)
        if self.sampled is not None:
            role = "seller" if self.sampled["field"] == "seller" else "producer"
            parties[role]["enterprise_id"] = self.sampled["id"]
        extra: dict[str, Any] = {
            "producer": parties["producer"],
            "seller": parties["seller"],
        }
        if self.sampled is not None:
            extra["enterprise_id"] = self.sampled["id"]
        record = self.form.check(extra)
        if record is None:
            return
        with self.app.store.transaction(self.app.transaction_context("监督抽查")) as tx:
            sid, outcome = records.save_spot_check(tx, record, trace=True)
            tasks = len(tracing.tasks_of(tx.conn, sid))
        text = f"抽样单 {record.batch_no} {OUTCOME_TEXT[outcome]}。"
        if record.result == "unqualified":
            text += (
                f"已发起双向追查任务 {tasks} 项。" if tasks else "未写明生产单位或销售单位，未发起双向追查。"
            )
        self.app.say(text, "ok")
        self.table.select(sid)  # the batch saved stays the one in the form and highlighted
        self.table.refresh(first_page=True)
        self._follow_up_choices()
        self.changed()
