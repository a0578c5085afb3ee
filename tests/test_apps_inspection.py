"""现场检查与隐患登记 without a browser: the field's checklist, failed items become hazards on the ledger,
instruments of 三书一函 are recorded."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from hazardlib import schema
from hazardlib.apps import InspectionApp
from hazardlib.store import Store, count

from .situations import Situation

D = dt.date(2024, 7, 10)


def open_app(store: Store, name: str) -> InspectionApp:
    app = InspectionApp(store, D)
    app.picker.query.value = name
    app.picker.search_btn.click()
    assert app.enterprise is not None, app.status.value
    return app


def test_the_checklist_follows_the_field_and_failed_items_become_hazards_grouped_by_problem(store):
    s = Situation(store)
    eid = s.enterprise("522701", name="都匀市电动车厂", products=("15-01",))
    app = open_app(store, "电动车厂")
    assert (
        app.form.control("field").value == "production"
        and app.form.control("sub_product_code").value == "15-01"
    )
    assert [r.item.code for r in app.rows][:2] == ["P-01", "P-02"]
    app.form.control("inspectors").value = "王五、赵六"
    p10 = [r for r in app.rows if r.item.problem == "P10"]  # 生产场所、设备：P-07、P-08、P-09
    for r in p10:
        r.result.value = False
    p10[1].grade.value = "larger"
    p10[0].description.value = "车架焊接工位无防护"
    app.save_btn.click()
    assert "不符合项已登记为隐患 1 条" in app.confirmation.value, app.status.value
    with store.read() as conn:
        (ins,) = conn.execute(sa.select(schema.inspections)).mappings().all()
        (hz,) = conn.execute(sa.select(schema.hazards)).mappings().all()
    assert ins["enterprise_id"] == eid and ins["results"]["P-07"] is False and ins["results"]["P-01"] is True
    assert (hz["grade"], hz["problem_code"], hz["source"], hz["source_id"]) == (
        "larger",
        "P10",
        "inspection",
        ins["id"],
    )
    assert (
        hz["state"] == "ordered"
        and hz["deadline"] == dt.date(2024, 8, 9)
        and "车架焊接工位无防护" in hz["description"]
        and "生产设备齐全、完好，满足生产工艺要求：不符合" in hz["description"]
    )
    app.save_btn.click()  # saving the same inspection again changes nothing
    with store.read() as conn:
        assert count(conn, schema.inspections) == 1 and count(conn, schema.hazards) == 1


def test_a_seller_gets_the_circulation_checklist(store):
    Situation(store).enterprise("522701", field="seller", name="都匀市五金店")
    app = open_app(store, "五金店")
    assert app.form.control("field").value == "circulation" and app.rows[0].item.code == "C-01"


def test_an_instrument_is_issued_for_a_hazard_of_the_enterprise(store):
    s = Situation(store)
    eid = s.enterprise("522701", name="都匀市水泥厂")
    hid = s.hazard(eid, dt.date(2024, 7, 1))
    app = open_app(store, "水泥厂")
    assert f"隐患编号 {hid} " in app.instrument_form.control("hazard_id").options[1][0]
    app.instrument_form.control("kind").value = "rectification_notice"
    app.instrument_form.control("number").value = "都市监改〔2024〕12号"
    app.instrument_form.control("hazard_id").value = hid
    app.issue_btn.click()
    assert "整改通知书已登记" in app.status.value and "都市监改" in app.instruments.value
    with store.read() as conn:
        row = conn.execute(sa.select(schema.instruments)).mappings().one()
    assert (row["kind"], row["hazard_id"], row["county_code"], row["issue_date"]) == (
        "rectification_notice",
        hid,
        "522701",
        D,
    )


def test_the_instrument_followed_up_or_issued_stays_chosen_after_the_save(store):
    s = Situation(store)
    eid = s.enterprise("522701", name="都匀市砖厂")
    s.hazard(eid, dt.date(2024, 7, 1))
    app = open_app(store, "砖厂")
    for number in ("都市监改〔2024〕21号", "都市监改〔2024〕22号"):
        app.instrument_form.control("kind").value = "rectification_notice"
        app.instrument_form.control("number").value = number
        app.issue_btn.click()
        assert "整改通知书已登记" in app.status.value, app.status.value
        assert number in app.follow_pick.label  # the one issued is the one to follow up
    offered = [v for _, v in app.follow_pick.options]
    assert len(offered) == 2
    # the instrument not chosen at first (the one just short: a save chose the first again)
    other = next(v for v in offered if v != offered[0])
    app.follow_pick.value = other
    app.served.value = D
    app.follow_btn.click()
    assert "送达、回复情况已更新" in app.status.value, app.status.value
    assert app.follow_pick.value == other and app.store.get(schema.instruments, other)["served_date"] == D
    assert app.store.get(schema.instruments, offered[0])["served_date"] is None


def test_a_missing_product_is_refused_beside_the_field(store):
    Situation(store).enterprise("522701", name="都匀市无产品厂", products=())
    app = open_app(store, "无产品厂")
    app.save_btn.click()
    assert app.form.fields["sub_product_code"].error.value and "未保存" in app.status.value
    with store.read() as conn:
        assert count(conn, schema.inspections) == 0


def test_dates_are_typed_and_shown_as_year_month_day_and_a_wrong_one_is_refused_beside_its_field(store):
    s = Situation(store)
    s.enterprise("522701", name="都匀市电缆厂", products=("04-01",))
    app = open_app(store, "电缆厂")
    assert app.form.control("inspection_date").get_state()["value"] == "2024-07-10"  # what the page shows
    app.rows[0].result.value = False
    app.deadline.set_state({"value": "2024年8月1日"})  # as a clerk may type it, in the page
    assert app.deadline.value == dt.date(2024, 8, 1) and app.deadline.get_state()["value"] == "2024-08-01"
    app.deadline.set_state({"value": "8月初"})
    app.save_btn.click()
    assert "不是有效的日期" in app.deadline_field.error.value, app.status.value
    with store.read() as conn:
        assert count(conn, schema.inspections) == 0 and count(conn, schema.hazards) == 0
    app.deadline.set_state({"value": "2024/8/1"})
    assert not app.deadline_field.has_error  # corrected: its error goes
    app.save_btn.click()
    with store.read() as conn:
        (hz,) = conn.execute(sa.select(schema.hazards)).mappings().all()
    assert hz["deadline"] == dt.date(2024, 8, 1)
