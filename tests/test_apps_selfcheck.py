"""企业自查填报 without a browser: find or register the enterprise, answer, submit; a re-submission updates;
bad input gets a Chinese message beside its field and stores nothing; a county session stays in its county."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from hazardlib import schema
from hazardlib.apps import SelfCheckApp
from hazardlib.apps.selfcheck import ITEM_FIELDS
from hazardlib.store import Store, count

from .conftest import make_uscc
from .situations import Situation

D = dt.date(2024, 6, 3)


def answer_all(app: SelfCheckApp, value: bool = True) -> None:
    for name in ITEM_FIELDS.values():
        app.fields[name].control.value = value


def register(
    app: SelfCheckApp, uscc: str, name: str = "都匀市安达电动车有限公司", field: str = "producer"
) -> None:
    app.picker.query.value = uscc
    app.picker.search_btn.click()
    form = app.picker.form
    assert form is not None and form.widget.layout.display == ""
    form.fields["name"].control.value = name
    form.fields["field"].control.value = field
    form.fields["county_code"].control.value = "522701"
    form.fields["products"].control.value = ("15-01",)
    form.save_btn.click()


def test_a_new_enterprise_registers_and_its_self_check_is_stored_once_however_often_it_is_submitted(store):
    app = SelfCheckApp(store, D)
    uscc = make_uscc("522701", 11)
    register(app, uscc)
    assert app.enterprise is not None and app.enterprise["uscc"] == uscc
    assert [r.point.code for r in app.rows] == ["R-01", "R-02", "R-03", "R-04", "R-05"]
    answer_all(app)
    app.rows[0].risk.value = "电池来料未逐批查验"
    app.rows[0].measure.value = "逐批查验并留存记录"
    app.submit_btn.click()
    assert "已提交" in app.confirmation.value and "风险管控清单 1 项" in app.confirmation.value
    app.fields["weekly_check"].control.value = False
    app.submit_btn.click()
    assert "已更新" in app.confirmation.value
    with store.read() as conn:
        assert count(conn, schema.self_checks) == 1 and count(conn, schema.risk_control_items) == 1
        row = conn.execute(sa.select(schema.self_checks)).mappings().one()
    assert row["weekly_check"] is False and row["county_code"] == "522701" and row["created_by"] == "测试员"


def test_finding_an_enterprise_again_fills_the_form_with_its_saved_self_check(store):
    s = Situation(store)
    eid = s.enterprise("522701", field="seller", name="都匀市百货商店")
    first = SelfCheckApp(store, D)
    first.picker.query.value = "百货"
    first.picker.search_btn.click()
    assert first.enterprise is not None and first.enterprise["id"] == eid
    assert [r.point.name for r in first.rows] == ["销售来源不明", "假冒伪劣产品"]
    answer_all(first, False)
    first.rows[1].risk.value = "进货渠道多，存在假冒产品风险"  # stored as written: Chinese punctuation kept
    first.submit_btn.click()
    again = SelfCheckApp(store, D)
    again.picker.query.value = "都匀市百货商店"
    again.picker.search_btn.click()
    assert again.fields["daily_control"].control.value is False
    assert (
        again.rows[1].risk.value == "进货渠道多，存在假冒产品风险"
        and "可修改后重新提交" in again.status.value
    )


def test_a_bad_credit_code_is_refused_beside_the_field_and_nothing_is_stored(store):
    app = SelfCheckApp(store, D)
    good = make_uscc("522701", 12)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    app.picker.query.value = bad
    app.picker.search_btn.click()
    assert "校验位错误" in app.picker.query_field.error.value
    form = app.picker.form
    assert form is not None
    form.open(bad)
    form.fields["name"].control.value = "都匀市某某有限公司"
    form.fields["field"].control.value = "producer"
    form.fields["county_code"].control.value = "522701"
    form.save_btn.click()
    assert "校验位错误" in form.fields["uscc"].error.value and "未保存" in app.status.value
    with store.read() as conn:
        assert count(conn, schema.enterprises) == 0


def test_unanswered_items_and_an_undescribed_major_risk_are_marked_and_nothing_is_stored(store):
    s = Situation(store)
    s.enterprise("522701", name="都匀市水泥厂")
    app = SelfCheckApp(store, D)
    app.picker.query.value = "水泥厂"
    app.picker.search_btn.click()
    app.fields["management_system"].control.value = True
    app.major.value = True
    assert app.fields["major_risk_description"].widget.layout.display == ""
    app.submit_btn.click()
    assert "应填写“是”或“否”" in app.fields["quality_director"].error.value
    assert app.fields["management_system"].error.value == ""
    assert "重大风险情况" in app.fields["major_risk_description"].error.value
    assert "请至少填写一项关键风险点" in app.list_field.error.value
    with store.read() as conn:
        assert count(conn, schema.self_checks) == 0


def test_a_reported_major_risk_goes_to_the_county_and_the_confirmation_says_so(store):
    s = Situation(store)
    s.enterprise("522701", name="都匀市燃气具厂", products=("18-01",))
    app = SelfCheckApp(store, D)
    app.picker.query.value = "燃气具厂"
    app.picker.search_btn.click()
    answer_all(app)
    app.rows[3].risk.value = "检测设备老化"
    app.rows[3].grade.value = "major"
    app.major.value = True
    app.major_text.value = "气密性检测设备失效，已停产整改"
    app.submit_btn.click()
    assert "已向县（市）局报告重大风险" in app.confirmation.value
    with store.read() as conn:
        row = conn.execute(sa.select(schema.self_checks)).mappings().one()
    assert row["major_risk_reported"] is True and row["major_risk_description"].startswith("气密性")


def test_a_major_risk_on_a_hazard_already_held_is_refused_beside_the_check_date_and_a_day_later_is_saved(
    store,
):
    s = Situation(store)
    e = s.enterprise("522701", name="都匀市燃气具厂", products=("18-01",))
    held = s.hazard(e, D, product="18-01", problem="P99")  # the key the self-check's risk would take
    app = SelfCheckApp(store, D + dt.timedelta(days=5))
    app.picker.query.value = "燃气具厂"
    app.picker.search_btn.click()
    app.check_date.value = D
    answer_all(app)
    app.major.value = True
    app.major_text.value = "气密性检测设备失效"
    app.rows[3].risk.value = "检测设备老化"
    app.rows[3].grade.value = "major"
    app.submit_btn.click()
    said = app.fields["check_date"].error.value
    assert f"隐患编号 {held} 的记录相同" in said and "请核对自查日期" in said, said
    assert app.confirmation.value == ""
    with store.read() as conn:  # nothing stored: neither the self-check nor a second record
        assert count(conn, schema.self_checks) == 0
        assert count(conn, schema.hazards) == 1
    # just short of it: checked the day after, the risk is a record of its own and the form's error goes
    app.check_date.value = D + dt.timedelta(days=1)
    app.submit_btn.click()
    assert app.fields["check_date"].error.value == ""
    assert "已向县（市）局报告重大风险" in app.confirmation.value
    with store.read() as conn:
        assert count(conn, schema.self_checks) == 1
        assert count(conn, schema.hazards) == 2


def test_a_county_session_finds_and_registers_only_in_its_county(store):
    s = Situation(store)
    s.enterprise("522722", name="荔波县水泥厂")
    libo_uscc = make_uscc("522722", 99)
    duyun = SelfCheckApp(Store(store.url, user="都匀录入员", county="522701"), D)
    duyun.picker.query.value = "荔波县水泥厂"
    duyun.picker.search_btn.click()
    assert duyun.enterprise is None and "没有找到" in duyun.status.value
    form = duyun.picker.form
    assert form is not None
    assert [o[1] for o in form.fields["county_code"].control.options] == ["522701"]
    # Even a form forced to another county is refused by the store, with a Chinese message.
    form.fields["county_code"].control.options = [("荔波县", "522722")]
    form.fields["county_code"].control.value = "522722"
    form.fields["uscc"].control.value = libo_uscc
    form.fields["name"].control.value = "荔波县新建厂"
    form.fields["field"].control.value = "producer"
    form.save_btn.click()
    assert "只能处理县（市）522701" in duyun.status.value
    with store.read() as conn:
        assert count(conn, schema.enterprises) == 1
