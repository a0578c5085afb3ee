"""What a clerk meets on the dashboards (issue 21 items 2, 3, 4, 6) without a browser: a message is shown
under the control that was used; a corrected field loses its error; a save keeps the record the page works
on; one way to write a hazard number; paging says which rows of how many; no "nan" in a label; the
landing page's to-do list, from which a county files its immediate reports."""

from __future__ import annotations

import datetime as dt

import ipywidgets as widgets
import pytest

from hazardlib import immediate, schema
from hazardlib.apps import LandingApp, LedgerApp, SelfCheckApp, SpotCheckApp, TrackerApp
from hazardlib.apps.base import App
from hazardlib.apps.enterprises import EnterpriseForm, EnterprisePicker
from hazardlib.apps.landing import due_this_week
from hazardlib.apps.ui import FormField, hazard_no, hazard_number, paging_text, records_of
from hazardlib.errors import Finding, NotFound
from hazardlib.store import Store

from .situations import Situation
from .test_apps_submissions import texts_in

D = dt.date(2024, 9, 15)


class Form(App):
    """A page with a form whose save button is at the bottom, in a row beside another button."""

    title = "测试"

    def build(self) -> widgets.Widget:
        self.name = FormField("name", "名称", widgets.Text())
        self.save_btn = widgets.Button(description="保存")
        self.other_btn = widgets.Button(description="其他")
        self.on_click(self.save_btn, self.save)
        self.on_click(self.other_btn, lambda: self.say("其他已完成", "ok"))
        self.row = widgets.HBox([self.save_btn, self.other_btn])
        self.body = widgets.VBox([widgets.HTML("很长的表单"), self.name.widget, self.row])
        return self.body

    def save(self) -> None:
        if not self.name.control.value:
            self.show_findings([Finding("required", "请填写名称", "名称")], {"name": self.name})
            return
        self.say("已保存", "ok")


def test_a_message_is_shown_right_under_the_row_of_the_button_that_was_clicked(store):
    app = Form(store, D)
    assert app.messages in app._home.children  # before any click: at the top of the page
    app.save_btn.click()
    children = list(app.body.children)
    slot = children[children.index(app.row) + 1]
    assert app.messages in slot.children and app.messages not in app._home.children
    assert "请填写名称" in app.name.error.value and "未保存" in app.status.value
    assert "scrollIntoView" in app.status.value  # brought into view if below the window's edge
    app.other_btn.click()  # the same row: the same place, the old message replaced
    assert list(app.body.children).count(slot) == 1 and "其他已完成" in app.status.value


def test_a_corrected_field_loses_its_error_and_a_successful_save_clears_the_rest(store):
    app = Form(store, D)
    app.save_btn.click()
    assert app.name.has_error
    app.name.control.value = "都匀市水泥厂"  # corrected: the error goes at once
    assert not app.name.has_error
    app.name.control.value = ""
    app.save_btn.click()
    assert app.name.has_error
    app.say("已保存", "ok")  # a success elsewhere on the page: no stale error is left
    assert not app.name.has_error


def test_the_ledger_keeps_its_hazard_after_a_save_that_moves_it_out_of_the_filter(store):
    s = Situation(store)
    eid = s.enterprise("522701")
    ids = [
        s.hazard(eid, dt.date(2024, 7, day), ordered=dt.date(2024, 7, 9), deadline=dt.date(2024, 10, 30))
        for day in (1, 2, 3)
    ]
    others, hid = ids[1:], ids[0]  # the oldest: listed last, not the one a refresh would pick
    app = LedgerApp(store, D)
    app.f_state.value = "ordered"
    app.search_btn.click()
    assert {v for _, v in app.pick.options} == {*others, hid}, (app.pick.options, app.status.value)
    app.pick.value = hid
    app.open_btn.click()
    assert app.pick.value == hid and set(others) < {v for _, v in app.pick.options}
    app.move.value = "rectify"
    app.move_btn.click()  # now 已整改, no longer 责令整改中: off the filtered table
    assert "已登记：隐患编号" in app.status.value
    assert app.pick.value == hid and app.hazard is not None and app.hazard["id"] == hid
    assert f"隐患编号 {hid} " in app.detail.value and str(hid) not in list(app.table.frame["隐患编号"])


def test_a_hazard_number_is_written_one_way():
    assert hazard_no(4882) == "隐患编号 4882" and hazard_number(4882.0) == "4882"
    assert hazard_number(float("nan")) == "" and hazard_number(None) == ""


def test_paging_says_which_rows_of_how_many():
    assert paging_text(0, 20, 336) == "显示第 1–20 条，共 336 条"
    assert paging_text(320, 16, 336) == "显示第 321–336 条，共 336 条"
    assert paging_text(0, 0, 0) == "共 0 条"


def test_searching_names_how_many_enterprises_match_not_how_many_are_listed(store):
    s = Situation(store)
    for _ in range(23):
        s.enterprise("522701")
    app = Form(store, D)
    picker = EnterprisePicker(app, lambda _row: None, register=False)
    picker.query.value = "有限公司"
    picker.search()
    assert "找到 23 家企业" in app.status.value and "显示第 1–20 条，共 23 条" in app.status.value


def test_the_prefecture_chooses_a_new_enterprises_county_and_a_county_has_its_own(store):
    prefecture = EnterpriseForm(Form(store, D), lambda _id: None)
    assert prefecture.fields["county_code"].control.value is None
    duyun = EnterpriseForm(Form(Store(store.url, user="都匀", county="522701"), D), lambda _id: None)
    assert duyun.fields["county_code"].control.value == "522701"


def test_a_missing_value_is_none_in_a_label_never_nan(store):
    import pandas as pd  # noqa: PLC0415 -- test-local

    assert records_of(pd.DataFrame({"a": [float("nan")], "b": [pd.NaT]})) == [{"a": None, "b": None}]
    s = Situation(store)
    s.spot_check(
        dt.date(2024, 7, 1),
        "unqualified",
        seller={"name": "都匀某商店", "uscc": None, "region": "都匀市"},
    )
    app = SpotCheckApp(store, D)
    follow = app.spot.form.control("follow_up_of")
    labels = [label for label, _ in follow.options]
    assert not any("nan" in label or "None" in label for label in labels)
    follow.value = follow.options[1][1]  # the batch is told whole under the field's title, its seller named
    hint = app.spot.form.fields["follow_up_of"].label.value
    assert "所选批次：都匀某商店，2024年7月1日抽样" in hint and "nan" not in hint and "None" not in hint
    assert "都匀某商店" in app.spot.table.text


def test_the_list_of_signals_to_verify_is_the_rules_list(store):
    s = Situation(store)
    s.signal("522701", dt.date(2024, 9, 1), verification="dismissed", verified_date=dt.date(2024, 9, 20))
    app = SpotCheckApp(store, D)
    assert "没有待核查的风险信息" not in app.signals.table.text  # not verified by 15 September
    assert "群众反映产品质量问题" in app.signals.table.text


def test_an_empty_risk_row_is_not_ticked_as_in_place(store):
    app = SelfCheckApp(store, D)
    s = Situation(store)
    app.open_enterprise(app.store.get(schema.enterprises, s.enterprise("522701")))
    row = app.rows[0]
    assert row.in_place.value is False and row.in_place.disabled
    row.risk.value = "原材料进货查验不严"
    assert not row.in_place.disabled


def test_a_stage_tab_says_which_columns_count_the_stage_and_which_the_campaign(store):
    app = TrackerApp(store, D)
    app.stage_pick.value = 3
    assert "现场检查（本阶段）" in app.progress_table.value and "已销号（累计）" in app.progress_table.value
    app.stage_pick.value = 0
    assert "（本阶段）" not in app.progress_table.value


def test_the_county_to_do_list_counts_and_files_its_immediate_reports(store):
    s = Situation(store)
    eid = s.enterprise("522701")
    s.hazard(eid, dt.date(2024, 7, 1), ordered=dt.date(2024, 7, 2), deadline=dt.date(2024, 8, 1))
    major = s.hazard(eid, dt.date(2024, 9, 14), grade="major")
    old = s.hazard(eid, dt.date(2023, 9, 14), grade="major")  # last year's campaign: not on this list
    s.enterprise("522722", name="荔波某厂")
    duyun_store = Store(store.url, user="都匀办理员", county="522701")
    app = LandingApp(duyun_store, D)
    todo = {t.key: t for t in app.todo()}
    assert todo["overdue"].count == 1 and todo["no-self-check"].count == 1
    assert todo["immediate"].count == 1 and 'href="ledger.ipynb"' in app.todo_box.value
    picked = [v for _, v in app.report_pick.options if v is not None]
    assert len(picked) == 1 and app.report_row.layout.display == ""
    with store.read() as conn:
        item = (
            conn.execute(schema.immediate_reports.select().where(schema.immediate_reports.c.id == picked[0]))
            .mappings()
            .one()
        )
    assert item["record_id"] == major and item["record_id"] != old
    app.report_pick.value = picked[0]
    app.file_btn.click()
    assert "已报告" in app.status.value, app.status.value
    assert (
        immediate.feed(store, D, "522701").set_index("id").loc[picked[0], "state"].startswith("acknowledged")
    )
    assert {t.key: t for t in app.todo()}["immediate"].count == 0 and app.report_row.layout.display == "none"


def test_the_next_reporting_deadline_is_shown_once_in_the_to_do_list(store):
    """The landing page names the next deadline once, in the to-do list beside the link to the page where
    the package is submitted, in its first paint and once drawn; a year without a calendar names none."""
    app = LandingApp(Store(store.url, user="都匀办理员", county="522701"), D)
    first = LandingApp.first_view(app.store, D)
    assert first is not None
    for shown in (texts_in(app.widget), first.html):
        assert shown.count("下一个报送期限") == 1, shown
        assert shown.count("hz-reminder-link") == 1 and 'class="hz-todo-deadline"' in shown
    assert "下一个报送期限" in app.todo_box.value
    no_calendar = LandingApp(app.store, dt.date(2019, 9, 15))
    assert "下一个报送期限" not in texts_in(no_calendar.widget)


def test_a_county_cannot_file_another_countys_immediate_report(store):
    s = Situation(store)
    s.hazard(s.enterprise("522722"), dt.date(2024, 9, 14), grade="major")
    item = int(immediate.feed(store, D)["id"].iloc[0])
    with pytest.raises(NotFound):
        immediate.file_report(Store(store.url, user="都匀办理员", county="522701"), item)
    assert immediate.feed(store, D)["state"].iloc[0] in ("pending", "late")


def test_findings_due_this_week_are_those_due_from_today_to_six_days_on():
    from hazardlib.rules import RuleFinding  # noqa: PLC0415 -- test-local

    def f(day: int) -> RuleFinding:
        return RuleFinding("r", "522701", "企业", "办理", "消息", due=D + dt.timedelta(days=day))

    assert [x.due for x in due_this_week([f(7), f(-1), f(6), f(0)], D)] == [D, D + dt.timedelta(days=6)]
