"""Finding an enterprise by 统一社会信用代码 or name, and registering a new one, for the apps that need one."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd
import sqlalchemy as sa
from pydantic_core import PydanticCustomError

from .. import models, records, schema, vocab
from ..reports.enterprise_history import enterprise_history, history_line
from ..rules.supervision import CLASS_LABELS, supervision_of
from ..store import Store
from .forms import text_box
from .tables import PagedTable
from .ui import MULTIPLE_HINT, CheckList, FormField, button, dropdown, esc, options_from, paging_text

if TYPE_CHECKING:
    from .base import App

SEARCH_LIMIT = 20
_USCC_LIKE = re.compile(r"^[0-9A-Z]{18}$")

FIELD_LABELS = vocab.ENTERPRISE_FIELD.labels


def find_enterprises(
    store: Store, text: str, *, limit: int = SEARCH_LIMIT, offset: int = 0
) -> list[dict[str, Any]]:
    """Enterprises of the session's county whose 统一社会信用代码 is ``text`` or whose name contains it (by
    name, from the ``offset``-th)."""
    cond = _matching(text)
    if cond is None:
        return []
    e = schema.enterprises
    stmt = store.scoped(
        sa.select(e.c.id, e.c.uscc, e.c.name, e.c.county_code, e.c.field, e.c.version)
        .where(cond)
        .order_by(e.c.name, e.c.id)
        .offset(offset)
        .limit(limit),
        e,
    )
    with store.read() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def count_enterprises(store: Store, text: str) -> int:
    """How many enterprises :func:`find_enterprises` would find without its limit."""
    cond = _matching(text)
    if cond is None:
        return 0
    e = schema.enterprises
    stmt = store.scoped(sa.select(sa.func.count()).select_from(e).where(cond), e)
    with store.read() as conn:
        return int(conn.execute(stmt).scalar_one())


def _matching(text: str) -> Any:
    """The condition of the enterprises whose 统一社会信用代码 is ``text`` or whose name contains it (None
    for an empty ``text``)."""
    query = vocab.clean_text(text or "")
    if not query:
        return None
    e = schema.enterprises
    return sa.or_(e.c.uscc == query.upper(), e.c.name.contains(query, autoescape=True))


def uscc_problem(text: str) -> str | None:
    """The Chinese reason why ``text``, written like a 统一社会信用代码, is not a valid one (None if valid)."""
    try:
        models.check_uscc(text)
    except PydanticCustomError as exc:
        return str(exc.message())
    return None


def enterprise_label(row: dict[str, Any], county_name: Callable[[str], str]) -> str:
    return (
        f"{row['name']}（{row['uscc']}，{county_name(row['county_code'])}，"
        f"{FIELD_LABELS.get(row['field'], row['field'])}）"
    )


def supervision_badge(store: Store, enterprise_id: int, as_of: dt.date) -> str:
    """HTML: the standing class the enterprise is in at ``as_of`` (重点监管 / 特别监管) and why, or nothing."""
    row = supervision_of(store, enterprise_id, as_of)
    if row is None:
        return ""
    label = CLASS_LABELS[row["class"]]
    return (
        f'<div class="hz-supervision hz-supervision-{row["class"]}"><b>{esc(label)}</b>：'
        f"{esc(row['reasons'])}</div>"
    )


def history_note(store: Store, enterprise_id: int, as_of: dt.date) -> str:
    """HTML: the enterprise's records of every campaign year up to ``as_of``, counted year by year (one
    history across years: last year's major findings next to this year's), or nothing when it has none."""
    line = history_line(enterprise_history(store, enterprise_id, as_of))
    return f'<div class="hz-history">历年记录：{esc(line)}</div>' if line else ""


class EnterprisePicker:
    """Search box, list of matches and the enterprise chosen; offers registration when none matches."""

    def __init__(
        self,
        app: App,
        on_pick: Callable[[dict[str, Any]], None],
        *,
        register: bool = True,
        on_clear: Callable[[], None] | None = None,
    ):
        self.app, self.on_pick, self.on_clear = app, on_pick, on_clear
        self.chosen: dict[str, Any] | None = None
        self.query = widgets.Text(
            placeholder="统一社会信用代码或企业名称", layout=widgets.Layout(width="22em")
        )
        self.query_field = FormField("query", "查找企业", self.query)
        self.search_btn = button("查找", style="primary", key="search")
        self.matches = widgets.Dropdown(options=[], layout=widgets.Layout(width="36em"))
        self.matches.add_class("hz-input-matches")
        self.pick_btn = button("选择该企业", key="pick")
        # the matches, a page at a time: a click on a row chooses its enterprise (the dropdown follows)
        self.searched = ""
        self._found: dict[int, dict[str, Any]] = {}
        self.table = PagedTable(
            app, self._match_page, key="matches", page_size=SEARCH_LIMIT, on_open=self._open_match
        )
        self.match_row = widgets.VBox([self.table.widget, widgets.HBox([self.matches, self.pick_btn])])
        self.match_row.layout.display = "none"
        self.current = widgets.HTML()
        self.current.add_class("hz-current-enterprise")
        self.form = EnterpriseForm(app, self._registered) if register else None
        self.new_btn = button("登记新企业", key="new")
        self.new_btn.layout.display = "" if register else "none"
        app.on_click(self.search_btn, self.search)
        app.on_click(self.pick_btn, self.pick)
        app.on_click(self.new_btn, self._new)
        parts: list[widgets.Widget] = [
            widgets.HBox([self.query_field.widget, self.search_btn, self.new_btn]),
            self.match_row,
            self.current,
        ]
        if self.form is not None:
            parts.append(self.form.widget)
        self.widget = widgets.VBox(parts)

    def search(self) -> None:
        """Look the query up; one match is chosen at once, several are listed, none offers registration."""
        self.query_field.clear()
        self.app.clear_message()
        self.forget()
        text = vocab.clean_text(self.query.value).upper()
        if _USCC_LIKE.match(text):
            problem = uscc_problem(text)
            if problem:
                self.query_field.set_error(problem)
                return
        found = find_enterprises(self.app.store, self.query.value)
        if not found:
            self.match_row.layout.display = "none"
            self.app.say(f"没有找到“{self.query.value.strip()}”。如是新企业，请在下方登记。", "info")
            self.open_form(text if _USCC_LIKE.match(text) else "")
            return
        self.searched = self.query.value
        if len(found) == 1:
            self._show_matches(found)
            self.match_row.layout.display = "none"
            self.choose(found[0])
        else:
            self.table.refresh(first_page=True)
            self.match_row.layout.display = ""
            total = self.table.total
            more = "；输入更完整的名称或统一社会信用代码可缩小范围" if total > len(found) else ""
            self.app.say(
                f"找到 {total} 家企业（{paging_text(0, len(found), total)}），请点击其中一行选择{more}。",
                "info",
            )

    def _match_page(self, offset: int, limit: int) -> tuple[pd.DataFrame, int]:
        found = find_enterprises(self.app.store, self.searched, limit=limit, offset=offset)
        self._show_matches(found)
        shown = pd.DataFrame(
            {
                "id": [r["id"] for r in found],
                "企业名称": [r["name"] for r in found],
                "统一社会信用代码": [r["uscc"] for r in found],
                "县（市）": [self.app.county_name(r["county_code"]) for r in found],
                "领域": [FIELD_LABELS.get(r["field"], r["field"]) for r in found],
            }
        )
        return shown, count_enterprises(self.app.store, self.searched)

    def _show_matches(self, found: list[dict[str, Any]]) -> None:
        """Offer ``found`` (the page of matches shown) in the dropdown too, the chosen one kept."""
        self._found = {r["id"]: r for r in found}
        if self.chosen is not None and self.chosen["id"] not in self._found:
            self._found = {self.chosen["id"]: self.chosen, **self._found}
        rows = list(self._found.values())
        self.matches.options = [(enterprise_label(r, self.app.county_name), r["id"]) for r in rows]
        if rows:
            self.matches.value = self.chosen["id"] if self.chosen is not None else rows[0]["id"]

    def _open_match(self, enterprise_id: int) -> None:
        self.matches.value = enterprise_id
        self.choose(self._found[enterprise_id])

    def forget(self) -> None:
        """No enterprise chosen (a new search starts over)."""
        self.chosen = None
        self.table.select(None)
        self.current.value = ""
        if self.on_clear is not None:
            self.on_clear()

    def pick(self) -> None:
        if self.matches.value is None:
            self.app.say("请先查找并选择企业。", "warn")
            return
        self.choose(self._found[self.matches.value])

    def choose(self, row: dict[str, Any]) -> None:
        self.chosen = row
        self.table.select(row["id"])
        if self.form is not None:
            self.form.close()
        self.current.value = (
            f'<div class="hz-card">当前企业：<b>{esc(enterprise_label(row, self.app.county_name))}</b>'
            f"{supervision_badge(self.app.store, row['id'], self.app.as_of)}"
            f"{history_note(self.app.store, row['id'], self.app.as_of)}</div>"
        )
        self.on_pick(row)

    def _new(self) -> None:
        self.forget()
        self.open_form("")

    def open_form(self, uscc: str) -> None:
        if self.form is not None:
            self.form.open(uscc)

    def _registered(self, enterprise_id: int) -> None:
        e = schema.enterprises
        row = self.app.store.get(e, enterprise_id)
        self.choose({k: row[k] for k in ("id", "uscc", "name", "county_code", "field", "version")})
        self.app.near(self.current)  # the messages under the card of the enterprise registered


class EnterpriseForm:
    """Registration of a new enterprise (登记企业), validated field by field."""

    def __init__(self, app: App, on_saved: Callable[[int], None]):
        self.app, self.on_saved = app, on_saved
        wide = widgets.Layout(width="28em")
        self.fields: dict[str, FormField] = {}

        def add(key: str, control: widgets.Widget, required: bool = False, hint: str = "") -> None:
            title = models.Enterprise.model_fields[key].title or key
            self.fields[key] = FormField(key, title, control, required=required, hint=hint)

        add("uscc", widgets.Text(layout=wide), required=True)
        add("name", text_box(models.Enterprise, "name"), required=True)
        counties = app.county_options()
        add(
            "county_code",
            # a county's own clerk registers in that county; the prefecture chooses (none chosen for it)
            dropdown(counties, counties[0][1])
            if len(counties) == 1
            else dropdown([("（请选择）", None), *counties]),
            required=True,
        )
        add("field", dropdown(options_from(FIELD_LABELS, blank="（请选择）")), required=True)
        add("address", text_box(models.Enterprise, "address"))
        add("contact", text_box(models.Enterprise, "contact"))
        add(
            "products",
            CheckList(app.product_options, layout=widgets.Layout(width="28em")),
            hint=MULTIPLE_HINT,
        )
        add("licence_no", widgets.Text(layout=wide), hint="如 （黔）XK13-001-00001")
        add("ccc_certificates", widgets.Text(layout=wide), hint="多个用顿号或空格分隔")
        self.flags = {
            key: widgets.Checkbox(description=models.Enterprise.model_fields[key].title or key, indent=False)
            for key in (
                "in_cluster_area",
                "rural_or_fringe_shop",
                "wholesale_market_shop",
                "concentrated_complaints",
            )
        }
        self.save_btn = button("登记企业", style="primary", key="register")
        self.cancel_btn = button("取消", key="cancel-register")
        app.on_click(self.save_btn, self.save)
        app.on_click(self.cancel_btn, self.close)
        self.widget = widgets.VBox(
            [
                widgets.HTML('<div class="hz-section">登记新企业</div>'),
                *(f.widget for f in self.fields.values()),
                widgets.HBox(list(self.flags.values())),
                widgets.HBox([self.save_btn, self.cancel_btn]),
            ]
        )
        self.widget.add_class("hz-enterprise-form")
        self.widget.layout.display = "none"

    def open(self, uscc: str = "") -> None:
        self.fields["uscc"].control.value = uscc
        for f in self.fields.values():
            f.clear()
        self.widget.layout.display = ""

    def close(self) -> None:
        self.widget.layout.display = "none"

    def data(self) -> dict[str, Any]:
        values: dict[str, Any] = {k: f.control.value for k, f in self.fields.items()}
        values["products"] = list(values["products"])
        values.update({k: cb.value for k, cb in self.flags.items()})
        return {k: v for k, v in values.items() if v not in ("", None)}

    def save(self) -> None:
        for f in self.fields.values():
            f.clear()
        record, findings = models.check(models.Enterprise, self.data(), today=self.app.as_of)
        if record is None:
            self.app.show_findings(findings, self.fields)
            return
        with self.app.store.read() as conn:
            existing = records.enterprise_id_by_uscc(conn, record.uscc)
            elsewhere = existing is not None and records.uscc_elsewhere(conn, self.app.store, record.uscc)
        if elsewhere:  # another county's: the county learns that, and nothing of the other's
            self.app.show_findings([records.held_elsewhere(record.uscc)], self.fields)
            return
        if existing is not None:
            self.fields["uscc"].set_error("该统一社会信用代码已登记，请用“查找”选择该企业")
            self.app.say("未登记：该企业已在库中。", "error")
            return
        with self.app.store.transaction(self.app.transaction_context("登记企业")) as tx:
            enterprise_id, _ = records.save_enterprise(tx, record)
        self.close()
        # the enterprise registered is the one chosen, and the message is said under its card: the form and its
        # button are closed (said under the button, it was hidden with them)
        self.on_saved(enterprise_id)
        self.app.say(f"已登记企业“{record.name}”（{record.uscc}）。", "ok")
