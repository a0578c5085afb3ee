"""The 执法办案 tab of 抽查与处置: an enforcement case against a chosen enterprise (a major case is put on the
immediate reports), and the county's cases.

Plan, 二(二)4: 严厉打击质量违法违规行为。
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
from .ui import button, section

if TYPE_CHECKING:
    from .base import App


class CaseTab:
    """The rules' hints of measure (二)4 (``findings``), the case form and the county's cases; ``changed``
    runs after a save."""

    def __init__(self, app: App, findings: widgets.Widget, changed: Callable[[], None]):
        self.app, self.changed = app, changed
        self.enterprise: dict[str, Any] | None = None
        self.opened: dict[str, Any] | None = None  # the case opened from its row
        self.picker = EnterprisePicker(app, lambda r: setattr(self, "enterprise", r), register=False)
        date, flag = "date", "bool"
        self.form = ModelForm(
            app,
            models.EnforcementCase,
            [
                Spec("case_no"),
                Spec("filed_date", date, required=True, default=TODAY),
                Spec("violation", "vocab", required=True, vocabulary=vocab.VIOLATION),
                Spec("sub_product_code", "product", blank="（未注明）"),
                Spec("facts", "textarea"),
                Spec("penalty", "textarea"),
                Spec("persons_punished", "int"),
                Spec("transferred_to", "vocab", vocabulary=vocab.TRANSFER, blank="（未移送）"),
                Spec("transfer_date", date),
                Spec("publicity_date", date),
                Spec("publicity_ref"),
                Spec("dishonesty_listed", flag),
                Spec("dishonesty_date", date),
                Spec("not_listed_by", hint="决定不列入失信名单时填写决定人、日期和理由"),
                Spec("not_listed_date", date),
                Spec("not_listed_reason", "textarea"),
                Spec("licence_revoked", flag),
                Spec("revoked_date", date),
                Spec("not_revoked_by", hint="决定不撤销许可证时填写决定人、日期和理由"),
                Spec("not_revoked_date", date),
                Spec("not_revoked_reason", "textarea"),
                Spec("major_case", flag, hint="重大案件须第一时间报告州局"),
                Spec("typical_case", flag),
                Spec("published_date", date),
            ],
        )
        self.save_btn = button("登记案件", style="success", key="case")
        app.on_click(self.save_btn, self.save)
        # a click on a case's row opens it in the form above (saving it again updates it)
        self.table = PagedTable(app, self._page, key="cases", on_open=self.open_case)
        self.table.refresh()
        self.widget = widgets.VBox(
            [
                section("规则提示"),
                findings,
                section("当事企业"),
                self.picker.widget,
                section("案件情况"),
                self.form.widget,
                self.save_btn,
                section("本地区案件"),
                self.table.widget,
            ]
        )

    def _page(self, offset: int, limit: int) -> tuple[pd.DataFrame, int]:
        t = schema.enforcement_cases
        frame, total = page_of(
            self.app.store,
            t,
            [
                t.c.id,
                t.c.case_no,
                t.c.filed_date,
                t.c.violation,
                t.c.transferred_to,
                t.c.major_case,
                t.c.typical_case,
            ],
            where=[t.c.filed_date <= self.app.as_of],
            order=[t.c.filed_date.desc()],
            offset=offset,
            limit=limit,
        )
        shown = pd.DataFrame(
            {
                "id": frame["id"],  # the row's case (not shown)
                "案件编号": frame["case_no"],
                "立案日期": frame["filed_date"],
                "企业": frame["enterprise"],
                "违法行为": [vocab.VIOLATION.label(v) for v in frame["violation"]],
                "移送": [
                    vocab.TRANSFER.label(v) if isinstance(v, str) else "" for v in frame["transferred_to"]
                ],
                "重大案件": ["是" if v else "" for v in frame["major_case"]],
                "典型案例": ["是" if v else "" for v in frame["typical_case"]],
            }
        )
        return shown, total

    def open_case(self, case_id: int) -> None:
        """Put a recorded case in the form: its enterprise and its fields."""
        self.opened = open_record(
            self.app, schema.enforcement_cases, case_id, self.picker, self.form, self.table
        )

    def save(self) -> None:
        if self.enterprise is None:
            self.app.say("请先查找并选择当事企业。", "warn")
            return
        record = self.form.check({"enterprise_id": self.enterprise["id"], "campaign_year": self.app.year})
        if record is None:
            return
        # the case opened, saved again, keeps its year and the hazard it was brought for
        record = kept(record, self.opened, records.case_key(record.row()), ("campaign_year", "hazard_id"))
        with self.app.store.transaction(self.app.transaction_context("执法办案")) as tx:
            cid, outcome = records.save_enforcement_case(tx, record)
        extra = "已列入即时报告，请第一时间报告州局。" if record.major_case else ""
        self.app.say(f"案件{OUTCOME_TEXT[outcome]}。{extra}", "ok")
        self.table.select(cid)  # the case saved stays the one in the form and highlighted
        self.table.refresh(first_page=True)
        self.changed()
