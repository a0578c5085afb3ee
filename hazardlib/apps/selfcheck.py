"""企业自查填报: an enterprise's self-check of its main responsibility, its risk control list, and a major
risk reported to the county bureau.

Plan, 二(一)1: 组织企业对照……开展主体责任落实情况自查……；生产单位以原材料和零部件进货查验、生产过程控制、
出厂检验等为重点环节，以生产设备、检验设施等为重点对象，销售单位以销售来源不明、假冒伪劣产品等为关键风险点，
制定风险管控清单……；自查发现重大风险的，要及时向属地市场监管部门报告。
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import ipywidgets as widgets
import sqlalchemy as sa

from .. import models, records, schema, vocab
from ..checklists import RiskPoint, load_checklists
from ..errors import Finding, ValidationFailed
from ..fields import duties
from ..store import Store
from .base import App, FirstView, count, scope_name
from .enterprises import EnterprisePicker
from .forms import DateText, text_box
from .ui import FormField, button, esc, note, options_from, section

# Self-check items of checklists.toml and the SelfCheck fields that hold their answers.
ITEM_FIELDS = duties(models.SelfCheck)
# Which risk-control-list points an enterprise of each kind lists.
POINT_FIELDS = {
    "producer": ("production",),
    "seller": ("circulation",),
    "both": ("production", "circulation"),
}
OUTCOME_TEXT = {
    "inserted": "已提交",
    "updated": "已更新（同一企业同一年度只保留一份自查，再次提交即更新）",
    "unchanged": "内容与已保存的一致，未做修改",
}
LIST_TITLE = models.SelfCheck.model_fields["items"].title or "风险管控清单"
NEED_ONE_ITEM = "请至少填写一项关键风险点"
NEED_DESCRIPTION = "报告重大风险时须填写“重大风险情况”"


def load_self_check(store: Store, enterprise_id: int, year: int) -> tuple[dict[str, Any] | None, list[dict]]:
    """The enterprise's saved self-check of ``year`` and its risk control list (None, [] when none)."""
    s, i = schema.self_checks, schema.risk_control_items
    with store.read() as conn:
        row = (
            conn.execute(
                store.scoped(
                    sa.select(s).where(s.c.enterprise_id == enterprise_id, s.c.campaign_year == year), s
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None, []
        items = conn.execute(sa.select(i).where(i.c.self_check_id == row["id"]).order_by(i.c.id)).mappings()
        return dict(row), [dict(r) for r in items]


def risk_points(enterprise_field: str) -> tuple[RiskPoint, ...]:
    """The risk-control-list points a producer, seller or both covers."""
    lists = load_checklists()
    return tuple(p for f in POINT_FIELDS.get(enterprise_field, ()) for p in lists.risk_points(f))


class RiskRow:
    """One point of the risk control list: the risk found there, its measure, whether in place, its grade."""

    def __init__(self, point: RiskPoint):
        self.point = point
        item = models.RiskControlItem
        self.risk = text_box(
            item,
            "risk_point",
            area=True,
            width="26em",
            height="3.2em",
            placeholder="本单位在该环节的关键风险点（不涉及可不填）",
        )
        self.measure = text_box(
            item, "measure", area=True, width="20em", height="3.2em", placeholder="管控措施"
        )
        # "in place" says something only of a risk written down: unticked and unavailable while the row is empty
        self.in_place = widgets.Checkbox(value=False, description="措施已落实", indent=False, disabled=True)
        self.risk.observe(lambda _change: self._shape(), names="value")
        self.grade = widgets.Dropdown(
            options=options_from(vocab.GRADE.labels), value="general", layout=widgets.Layout(width="6em")
        )
        self.field = FormField(
            f"risk-{point.code}",
            f"{point.aspect}：{point.name}",
            widgets.HBox([self.risk, self.measure, widgets.VBox([self.in_place, self.grade])]),
        )
        self.widget = self.field.widget

    def fill(self, item: dict[str, Any] | None) -> None:
        self.risk.value = (item or {}).get("risk_point") or ""
        self.measure.value = (item or {}).get("measure") or ""
        self.in_place.value = bool((item or {}).get("measures_in_place", False))
        self.grade.value = (item or {}).get("grade") or "general"
        self._shape()

    def _shape(self) -> None:
        empty = not self.risk.value.strip()
        self.in_place.disabled = empty
        if empty:
            self.in_place.value = False

    def item(self) -> dict[str, Any] | None:
        if not self.risk.value.strip():
            return None
        return {
            "point_code": self.point.code,
            "risk_point": self.risk.value,
            "measure": self.measure.value or None,
            "measures_in_place": self.in_place.value,
            "grade": self.grade.value,
        }


def summary_html(store: Store, as_of: dt.date) -> str:
    """The line atop the page: the self-checks of the as-of year submitted so far in the session's county (or
    the prefecture), and how many reported a major risk."""
    s = schema.self_checks
    year = as_of.year
    mine = (s.c.campaign_year == year, s.c.check_date <= as_of)
    done = count(store, s, *mine)
    major = count(store, s, *mine, s.c.major_risk_reported.is_(True))
    scope = scope_name(store)
    return (
        f'<div class="hz-note">{esc(scope)}{year}年度已有 <b class="hz-count-selfchecks">{done}</b> '
        f'家企业提交自查，其中 <b class="hz-count-major">{major}</b> 家报告了重大风险。</div>'
    )


class SelfCheckApp(App):
    """Find or register the enterprise, answer the main-responsibility items, fill its risk control list,
    report a major risk; submitting again updates the same self-check."""

    title: ClassVar[str] = "企业自查填报"
    context: ClassVar[str] = "看板·企业自查填报"

    @classmethod
    def first_view(cls, store: Store, as_of: dt.date) -> FirstView | None:
        """The year's self-checks so far and the major risks reported (``data``: the summary's HTML)."""
        html = summary_html(store, as_of)
        return FirstView(f'<div class="hz-summary">{html}</div>', html)

    def build(self) -> widgets.Widget:
        self.enterprise: dict[str, Any] | None = None
        self.picker = EnterprisePicker(self, self.open_enterprise, on_clear=self.close_enterprise)
        fields = models.SelfCheck.model_fields
        self.fields: dict[str, FormField] = {}
        self.check_date = DateText(self.as_of)
        self.fields["check_date"] = FormField(
            "check_date", fields["check_date"].title or "", self.check_date, required=True
        )
        for item in load_checklists().self_check_items:
            name = ITEM_FIELDS[item.code]
            control = widgets.RadioButtons(
                options=[(label, v) for v, label in vocab.YES_NO_LABELS.items()],
                index=None,
                orientation="horizontal",
            )
            self.fields[name] = FormField(
                name,
                fields[name].title or item.name,
                control,
                required=True,
                hint=item.text,
                label_width="16em",
            )
        self.rows: list[RiskRow] = []
        self.rows_box = widgets.VBox()
        self.list_field = FormField("items", LIST_TITLE, widgets.HTML(), label_width="16em")
        self.major = widgets.Checkbox(description="本次自查发现重大风险，向县（市）局报告", indent=False)
        self.major_text = text_box(models.SelfCheck, "major_risk_description", area=True, width="36em")
        self.fields["major_risk_reported"] = FormField(
            "major_risk_reported", fields["major_risk_reported"].title or "", self.major, label_width="16em"
        )
        self.fields["major_risk_description"] = FormField(
            "major_risk_description",
            fields["major_risk_description"].title or "",
            self.major_text,
            label_width="16em",
        )
        self.fields["major_risk_description"].widget.layout.display = "none"
        self.on_change(self.major, self._toggle_major)
        self.note = text_box(models.SelfCheck, "note", area=True, width="36em", height="3em")
        self.fields["note"] = FormField("note", fields["note"].title or "", self.note, label_width="16em")
        self.submit_btn = button("提交自查", style="success", key="submit")
        self.on_click(self.submit_btn, self.submit)
        self.confirmation = widgets.HTML()
        self.confirmation.add_class("hz-confirmation")
        self.form = widgets.VBox(
            [
                section("一、主体责任落实情况"),
                self.fields["check_date"].widget,
                *(self.fields[n].widget for n in ITEM_FIELDS.values()),
                section("二、风险管控清单"),
                note("逐项写明关键风险点及管控措施；不涉及的环节可不填，但至少填写一项。"),
                self.list_field.widget,
                self.rows_box,
                section("三、重大风险报告"),
                self.fields["major_risk_reported"].widget,
                self.fields["major_risk_description"].widget,
                self.fields["note"].widget,
                widgets.HBox([self.submit_btn]),
                self.confirmation,
            ]
        )
        self.form.add_class("hz-selfcheck-form")
        self.form.layout.display = "none"
        self.summary = widgets.HTML()
        self.summary.add_class("hz-summary")
        self._summarise()
        return widgets.VBox([self.summary, section("查找企业"), self.picker.widget, self.form])

    def _summarise(self) -> None:
        first = self.first.data if self.first is not None else None
        self.first = None  # the first paint's summary serves the first draw only
        self.summary.value = first if first is not None else summary_html(self.store, self.as_of)

    # -- steps ----------------------------------------------------------------------------------
    def open_enterprise(self, row: dict[str, Any]) -> None:
        """Show the form for ``row``, filled with its saved self-check of the year if there is one."""
        self.enterprise = row
        self.confirmation.value = ""
        saved, items = load_self_check(self.store, row["id"], self.year)
        self.rows = [RiskRow(p) for p in risk_points(row["field"])]
        by_point = {i["point_code"]: i for i in items}
        for r in self.rows:
            r.fill(by_point.get(r.point.code))
        self.rows_box.children = [r.widget for r in self.rows]
        for f in self.fields.values():
            f.clear()
        self.list_field.clear()
        if saved:
            self.check_date.value = saved["check_date"]
            for name in ITEM_FIELDS.values():
                self.fields[name].control.value = bool(saved[name])
            self.major.value = bool(saved["major_risk_reported"])
            self.major_text.value = saved["major_risk_description"] or ""
            self.note.value = saved["note"] or ""
            self.say(
                f"该企业已提交{self.year}年度自查，可修改后重新提交（会更新原记录，不会重复登记）。", "info"
            )
        else:
            self.check_date.value = self.as_of
            for name in ITEM_FIELDS.values():
                self.fields[name].control.index = None
            self.major.value = False
            self.major_text.value = ""
            self.note.value = ""
        self.form.layout.display = ""

    def close_enterprise(self) -> None:
        """Hide the form until an enterprise is chosen again."""
        self.enterprise = None
        self.form.layout.display = "none"
        self.confirmation.value = ""

    def _toggle_major(self, checked: bool) -> None:
        self.fields["major_risk_description"].widget.layout.display = "" if checked else "none"

    def data(self) -> dict[str, Any]:
        """The form as SelfCheck input."""
        assert self.enterprise is not None
        values: dict[str, Any] = {
            "enterprise_id": self.enterprise["id"],
            "campaign_year": self.year,
            "check_date": self.check_date.value,
            "major_risk_reported": self.major.value,
            "major_risk_description": (self.major_text.value.strip() or None) if self.major.value else None,
            "note": self.note.value.strip() or None,
            "items": [i for i in (r.item() for r in self.rows) if i is not None],
        }
        for name in ITEM_FIELDS.values():
            values[name] = self.fields[name].control.value
        return values

    def submit(self) -> None:
        """Validate; show every problem beside its field, or save and confirm."""
        if self.enterprise is None:
            self.say("请先查找并选择企业。", "warn")
            return
        self.confirmation.value = ""
        for r in self.rows:
            r.field.clear()
        data = self.data()
        record, findings = models.check(models.SelfCheck, data, today=self.as_of)
        findings = [self._place(f, data) for f in findings]
        if not data["items"]:
            findings.append(Finding("items_missing", NEED_ONE_ITEM, field=LIST_TITLE))
        described = any(f.code == "major_risk_description" for f in findings)
        if data["major_risk_reported"] and not data["major_risk_description"] and not described:
            # The model checks this only once every field is valid; say it now, with the rest.
            findings.append(
                Finding("major_risk_description", NEED_DESCRIPTION, field="major_risk_description")
            )
        if findings or record is None:
            self.show_findings(findings, {**self.fields, "items": self.list_field, **self._row_fields(data)})
            return
        try:
            with self.store.transaction(self.transaction_context("企业自查")) as tx:
                _, outcome = records.save_self_check(tx, record)
        except (
            ValidationFailed
        ) as exc:  # refused by the ledger (a major risk on a hazard already held): beside its field
            self.show_findings(
                exc.findings, {**self.fields, "items": self.list_field, **self._row_fields(data)}
            )
            return
        self.clear_message()
        self.confirmation.value = self._confirmation(record, outcome)
        self._summarise()

    def _row_fields(self, data: dict[str, Any]) -> dict[str, FormField]:
        return {f"risk-{r.point.code}": r.field for r in self.rows}

    def _place(self, finding: Finding, data: dict[str, Any]) -> Finding:
        """A finding on the risk control list's n-th item moved to that point's row; the model's
        cross-field finding on the major risk moved to its description."""
        if finding.code == "major_risk_description":
            return finding.located(field="major_risk_description")
        name = finding.field or ""
        if name.startswith(f"{LIST_TITLE}·第"):
            n = int(name.split("第", 1)[1].split("项", 1)[0]) - 1
            if 0 <= n < len(data["items"]):
                code = data["items"][n]["point_code"]
                sub = name.split("·", 2)[-1]
                return Finding(
                    finding.code, f"{sub}：{finding.message}", field=f"risk-{code}", value=finding.value
                )
        return finding

    def _confirmation(self, record: models.SelfCheck, outcome: str) -> str:
        assert self.enterprise is not None
        lines = [
            f"{esc(self.enterprise['name'])}（{esc(self.enterprise['uscc'])}）{self.year}年度主体责任自查"
            f"<b>{esc(OUTCOME_TEXT[outcome])}</b>。",
            f"风险管控清单 {len(record.items)} 项；提交人：{esc(self.store.user)}。",
        ]
        missing = [r.point.name for r in self.rows if r.item() is None]
        if missing:
            lines.append(f"未填写的环节：{esc('、'.join(missing))}。")
        if record.major_risk_reported:
            lines.append("已向县（市）局报告重大风险。")
        return '<div class="hz-msg hz-msg-ok">' + "<br>".join(lines) + "</div>"
