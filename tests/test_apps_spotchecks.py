"""抽查与处置 without a browser: an unqualified spot check starts two-way tracing, the receiving county
closes its task, risk signals are verified, cases and help are recorded."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import sqlalchemy as sa

from hazardlib import schema, tracing
from hazardlib.apps import SpotCheckApp, spotchecks
from hazardlib.datafiles import data_dir
from hazardlib.intake import import_file
from hazardlib.store import Store, count

from .conftest import make_uscc
from .intake_support import write_sheet
from .situations import Situation
from .test_apps_tracker_first_paint import voila_kernel  # noqa: F401 - the fixture, used by name
from .test_county_products import HEATER

D = dt.date(2024, 8, 5)


def pick(picker, text: str) -> None:
    picker.query.value = text
    picker.search_btn.click()
    assert picker.chosen is not None


def test_an_unqualified_spot_check_starts_tracing_and_the_receiving_county_completes_its_task(store):
    s = Situation(store)
    s.enterprise("522722", field="seller", name="荔波县五金商店", products=("04-01",))
    duyun = SpotCheckApp(Store(store.url, user="都匀抽查员", county="522701"), D)
    assert [v for _, v in duyun.spot.form.control("sampled_by_county").options] == ["522701"]
    libo_shop = SpotCheckApp(Store(store.url, user="荔波办理员", county="522722"), D)
    libo_shop.tabs.selected_index = 1  # its 双向追查 tab open before the check is recorded
    prefecture = SpotCheckApp(store, D)
    pick(prefecture.spot.picker, "荔波县五金商店")
    form = prefecture.spot.form
    for key, value in {
        "batch_no": "XC2024-0805-01",
        "sampled_by_county": "522701",
        "sub_product_code": "04-01",
        "channel": "shop",
        "result": "unqualified",
    }.items():
        form.control(key).value = value
    prefecture.spot.parties["producer"].control("name").value = "浙江某电缆有限公司"
    prefecture.spot.parties["producer"].control("region").value = "浙江省杭州市"
    prefecture.spot.save_btn.click()
    assert "已发起双向追查任务 2 项" in prefecture.status.value, prefecture.status.value
    with store.read() as conn:
        tasks = {r["role"]: r for r in conn.execute(sa.select(schema.tracing_tasks)).mappings()}
    assert (tasks["seller"]["from_county"], tasks["seller"]["to_county"]) == ("522701", "522722")
    assert tasks["producer"]["to_county"] == "522700"
    assert "XC2024-0805-01" in prefecture.spot.table.text and "不合格" in prefecture.spot.table.text

    libo = SpotCheckApp(Store(store.url, user="荔波办理员", county="522722"), D)
    assert "XC2024-0805-01" in libo.tracing.received.text and "浙江" not in libo.tracing.received.text
    # its time limit written as the app writes a date (not 2024-08-15)
    offered = dict((v, label) for label, v in libo.tracing.pick.options)
    assert re.search(r"（期限 \d{4}年\d{1,2}月\d{1,2}日）$", offered[tasks["seller"]["id"]])
    libo.tracing.pick.value = tasks["seller"]["id"]
    libo.tracing.note.value = "已责令下架并追溯进货来源"
    libo.tracing.done_btn.click()
    assert "已办结" in libo.status.value and "已办结" in libo.tracing.received.text
    duyun_now = SpotCheckApp(Store(store.url, user="都匀抽查员", county="522701"), D)
    assert "已办结" in duyun_now.tracing.sent.value
    assert (
        "XC2024-0805-01" not in libo_shop.tracing.received.text
    )  # built before the check: only a refresh shows it


def test_a_bad_party_credit_code_is_refused_beside_the_field(store):
    app = SpotCheckApp(store, D)
    bad = make_uscc("330100", 5)[:-1] + "Y"
    app.spot.parties["producer"].control("name").value = "外地厂"
    app.spot.parties["producer"].control("uscc").value = bad
    app.spot.save_btn.click()
    assert app.spot.parties["producer"].fields["uscc"].error.value and "未保存" in app.status.value
    with store.read() as conn:
        assert count(conn, schema.spot_checks) == 0


def test_a_risk_signal_is_registered_then_verified(store):
    app = SpotCheckApp(store, D)
    form = app.signals.form
    form.control("county_code").value = "522701"
    form.control("source").value = "complaint"
    form.control("description").value = "群众投诉某超市销售的电热毯发热异常"
    app.signals.save_btn.click()
    assert "风险信息已登记" in app.status.value and "电热毯" in app.signals.table.text
    app.signals.pick.value = app.signals.pick.options[0][1]
    app.signals.outcome.value = "confirmed"
    app.signals.verify_btn.click()
    assert "经核查存在问题" in app.status.value and "电热毯" not in app.signals.table.text
    with store.read() as conn:
        row = conn.execute(sa.select(schema.risk_signals)).mappings().one()
    assert (row["verification"], row["verified_date"]) == ("confirmed", D)


def test_a_major_case_and_help_are_recorded_for_the_chosen_enterprise(store):
    s = Situation(store)
    eid = s.enterprise("522701", name="都匀市头盔厂", products=("07-01",))
    app = SpotCheckApp(store, D)
    pick(app.cases.picker, "头盔厂")
    app.cases.form.control("violation").value = "counterfeit"
    app.cases.form.control("major_case").value = True
    app.cases.save_btn.click()
    assert "案件已登记" in app.status.value and "即时报告" in app.status.value
    pick(app.help.picker, "头盔厂")
    app.help.form.control("kind").value = "guidance_letter"
    app.help.form.control("note").value = "一企一策整改指导"
    app.help.save_btn.click()
    assert "帮扶记录已登记" in app.status.value and "整改指导意见书" in app.help.table.text
    with store.read() as conn:
        assert conn.execute(sa.select(schema.enforcement_cases.c.enterprise_id)).scalar_one() == eid
        assert count(conn, schema.immediate_reports) == 1 and count(conn, schema.help_records) == 1


def test_an_unqualified_batch_is_offered_at_once_as_the_original_of_a_follow_up(store):
    s = Situation(store)
    s.enterprise("522701", field="seller", name="都匀市跟踪五金店", products=("04-01",))
    app = SpotCheckApp(store, D)

    def record(batch_no: str, result: str, follow_up_of: int | None = None) -> None:
        pick(app.spot.picker, "都匀市跟踪五金店")
        values = {"batch_no": batch_no, "sampled_by_county": "522701", "sub_product_code": "04-01"}
        values |= {"channel": "shop", "result": result, "follow_up_of": follow_up_of}
        for key, value in values.items():
            app.spot.form.control(key).value = value
        app.spot.save_btn.click()
        assert "抽样单" in app.status.value, app.status.value

    record("GZ2024-0805-01", "unqualified")
    with store.read() as conn:
        first = conn.execute(
            sa.select(schema.spot_checks.c.id).where(schema.spot_checks.c.batch_no == "GZ2024-0805-01")
        ).scalar_one()
    assert first in [v for _, v in app.spot.form.control("follow_up_of").options]  # no reload needed
    record("GZ2024-0805-02", "qualified", follow_up_of=first)
    with store.read() as conn:
        again = conn.execute(
            sa.select(schema.spot_checks.c.follow_up_of).where(
                schema.spot_checks.c.batch_no == "GZ2024-0805-02"
            )
        ).scalar_one()
    assert again == first


def test_a_batch_of_last_year_saved_again_keeps_its_year_and_a_new_number_typed_over_it_is_its_samples(store):
    s = Situation(store)
    eid = s.enterprise("522701", field="seller", name="都匀市去年五金店", products=("04-01",))
    old = s.spot_check(
        dt.date(2023, 8, 1), "qualified", enterprise_id=eid, product="04-01", batch_no="QN2023-01"
    )
    app = SpotCheckApp(store, D)
    tab = app.spot
    tab.table.rows[tab.table.keys.index(old)].click()
    tab.form.control("note").value = "补录抽样人员"
    tab.save_btn.click()
    assert "抽样单 QN2023-01 已更新" in app.status.value, app.status.value
    tab.form.control("batch_no").value = "QN2023-02"  # the same form, another batch sampled the same day
    tab.save_btn.click()
    assert "抽样单 QN2023-02 已登记" in app.status.value, app.status.value
    tab.form.control("batch_no").value = "QN2024-01"  # and one sampled this year
    tab.form.control("sample_date").value = dt.date(2024, 7, 1)
    tab.save_btn.click()
    assert "抽样单 QN2024-01 已登记" in app.status.value, app.status.value
    with store.read() as conn:
        sc = schema.spot_checks
        years = dict(conn.execute(sa.select(sc.c.batch_no, sc.c.campaign_year)).all())
        note = conn.execute(sa.select(sc.c.note).where(sc.c.id == old)).scalar_one()
    assert years == {"QN2023-01": 2023, "QN2023-02": 2023, "QN2024-01": 2024} and note == "补录抽样人员"


SPOT_HEADER = ["抽样单编号", "抽查县（市）", "抽样日期", "产品", "抽样环节", "抽查结果", "销售单位名称"]


def test_a_batch_takes_the_campaign_year_of_its_sample_on_the_form_as_in_the_import(store, tmp_path):
    """One rule for both: the plan's campaign year of the sample date, whatever the page's year. A batch
    sampled on the last day of 2023 belongs to 2023; one sampled the next day, to 2024."""
    app = SpotCheckApp(store, dt.date(2024, 1, 5))
    for batch_no, day in (("FORM-1231", dt.date(2023, 12, 31)), ("FORM-0101", dt.date(2024, 1, 1))):
        for key, value in {"batch_no": batch_no, "sampled_by_county": "522701", "sample_date": day,
                           "sub_product_code": "04-01", "channel": "shop", "result": "qualified"}.items():  # fmt: skip
            app.spot.form.control(key).value = value
        app.spot.parties["seller"].control("name").value = "都匀某五金店"
        app.spot.save_btn.click()
        assert f"抽样单 {batch_no} 已登记" in app.status.value, app.status.value
    rows = [SPOT_HEADER, *(["FILE-1231", "都匀市", "2023-12-31", "04-01", "销售门店", "合格", "都匀某五金店"],
                           ["FILE-0101", "都匀市", "2024-01-01", "04-01", "销售门店", "合格", "都匀某五金店"])]  # fmt: skip
    report = import_file(store, write_sheet(tmp_path / "抽查.xlsx", rows), today=dt.date(2024, 1, 5))
    assert report.inserted == 2 and not report.errors, report.errors
    with store.read() as conn:
        sc = schema.spot_checks
        years = dict(conn.execute(sa.select(sc.c.batch_no, sc.c.campaign_year)).all())
    assert years == {"FORM-1231": 2023, "FORM-0101": 2024, "FILE-1231": 2023, "FILE-0101": 2024}


def test_a_product_this_years_catalogue_no_longer_lists_is_kept_when_its_batch_is_saved_again(
    store, tmp_path, monkeypatch
):
    folder = tmp_path / "data"  # 都匀市 added 燃气热水器 to its 2023 campaign only
    shutil.copytree(data_dir(), folder, ignore=shutil.ignore_patterns("logs", "*.db*"))
    path = folder / "campaigns" / "campaign-2023.toml"
    path.write_text(path.read_text(encoding="utf-8") + HEATER, encoding="utf-8")
    monkeypatch.setenv("HAZARD_DATA", str(folder))
    s = Situation(store)
    heater = s.spot_check(
        dt.date(2023, 8, 1), "qualified", product="C522701-01", seller={"name": "都匀某燃气具店"}
    )
    listed = s.spot_check(dt.date(2024, 8, 1), "qualified", product="04-01", seller={"name": "都匀某五金店"})
    app = SpotCheckApp(store, D)
    tab, product = app.spot, app.spot.form.control("sub_product_code")
    offered = list(product.options)
    assert "C522701-01" not in [v for _, v in offered]
    tab.open_batch(heater)
    assert product.value == "C522701-01" and product.label == "C01 燃气热水器（原记录）"
    tab.form.control("note").value = "复核"
    tab.save_btn.click()
    assert "已更新" in app.status.value and not tab.form.fields["sub_product_code"].error.value
    assert store.get(schema.spot_checks, heater)["sub_product_code"] == "C522701-01"
    assert "C01 燃气热水器" in tab.table.text  # named in the list too, not by its code
    tab.open_batch(listed)  # a batch of a product listed: the dropdown offers this year's products only
    assert list(product.options) == offered and product.value == "04-01"


def test_a_batch_sampled_by_another_county_keeps_its_sampling_county_when_the_county_saves_it_again(store):
    s = Situation(store)
    shop = s.enterprise("522722", field="seller", name="荔波县抽查五金店", products=("04-01",))
    by_duyun = s.spot_check(D, "qualified", enterprise_id=shop, sampled_by="522701", product="04-01")
    by_libo = s.spot_check(D, "qualified", enterprise_id=shop, sampled_by="522722", product="04-01")
    app = SpotCheckApp(Store(store.url, user="荔波抽查员", county="522722"), D)
    county = app.spot.form.control("sampled_by_county")
    app.spot.open_batch(by_libo)
    assert list(county.options) == [("荔波县", "522722")] and county.value == "522722"
    app.spot.open_batch(by_duyun)
    assert county.value == "522701" and county.label == "都匀市（原记录）"
    app.spot.save_btn.click()
    assert "已更新" in app.status.value or "内容无变化" in app.status.value, app.status.value
    assert store.get(schema.spot_checks, by_duyun)["sampled_by_county"] == "522701"


def test_a_follow_up_whose_original_is_no_longer_listed_keeps_it_when_saved_again(store):
    s = Situation(store)
    original = s.spot_check(
        dt.date(2024, 5, 6), "unqualified", seller={"name": "都匀某电器店"}, batch_no="YS-0001"
    )
    for n in range(200):  # the dropdown lists the 200 latest unqualified or refused batches
        s.spot_check(dt.date(2024, 6, 1), "unqualified", seller={"name": f"都匀某店{n}"})
    listed = s.spot_check(
        dt.date(2024, 8, 1), "qualified", seller={"name": "都匀某电器店"}, follow_up_of=original
    )
    app = SpotCheckApp(store, D)
    tab, follow = app.spot, app.spot.form.control("follow_up_of")
    assert original not in [v for _, v in follow.options]
    tab.open_batch(listed)
    assert follow.value == original and follow.label == "YS-0001（不合格）（原记录）"
    # the batch's number and result in the dropdown (short enough for a phone), where and when under the title
    assert "所选批次：都匀某电器店，2024年5月6日抽样" in tab.form.fields["follow_up_of"].label.value
    follow.value = None
    assert "所选批次" not in tab.form.fields["follow_up_of"].label.value
    follow.value = original
    tab.form.control("note").value = "跟踪抽查合格"
    tab.save_btn.click()
    assert "已更新" in app.status.value, app.status.value
    assert follow.value == original  # the form still shows the batch as saved
    assert store.get(schema.spot_checks, listed)["follow_up_of"] == original


def test_a_task_closed_after_the_pages_date_shows_as_open_then_and_is_not_offered_to_close_again(store):
    s = Situation(store)
    tasks = []
    for n in (1, 2, 3):
        _, sid = s.unqualified_shop("522722", f"荔波县第{n}五金商店", dt.date(2024, 8, 5))
        with store.transaction("测试：发起追查") as tx:
            tasks += tracing.open_tracing_tasks(tx, sid, dt.date(2024, 8, 5))
    later, on_the_day, still_open = tasks
    libo = Store(store.url, user="荔波办理员", county="522722")
    tracing.complete(libo, later, dt.date(2024, 9, 20), "已责令下架")  # after the page's date
    tracing.complete(libo, on_the_day, D)  # on it
    tab = SpotCheckApp(libo, D).tracing  # the page at 2024-08-05: every task open then
    states = dict(zip(tab.got["id"], tab.got["state_label"], strict=True))
    assert states == {
        later: "待追查",
        on_the_day: "已办结",
        still_open: "待追查",
    }  # as they stood at the date
    assert [v for _, v in tab.pick.options] == [still_open] and tab.pick.value is None
    notes = dict(zip(tab.got["id"], tab.got["note"], strict=True))
    assert notes[later] is None  # written on 2024-09-20: not yet at the page's date
    assert SpotCheckApp(libo, dt.date(2024, 9, 20)).tracing.got.set_index("id").loc[later, "note"] == (
        "2024-09-20 办结：已责令下架"
    )  # the page at the day it was written shows it
    tab.received.rows[tab.received.keys.index(later)].click()
    assert tab.pick.value is None
    assert "该追查任务在统计日期之后（2024年9月20日）已办结，不能在此日期办理。" in tab.app.status.value
    tab.received.rows[tab.received.keys.index(on_the_day)].click()
    assert "该追查任务已办结，无需再办理。" in tab.app.status.value
    tab.received.rows[tab.received.keys.index(still_open)].click()
    assert tab.pick.value == still_open


def test_only_the_first_tab_is_built_with_the_page_and_each_other_one_when_first_opened(store):
    app = SpotCheckApp(store, D)
    assert app.built("spot") and not any(app.built(name) for name in spotchecks.TABS[1:])
    assert app.pages[0].children == (app.spot.widget,)
    assert app.pages[2].children[0].value == spotchecks.OPENING  # what an unopened tab shows
    app.tabs.selected_index = 2  # the clerk opens 风险信息
    assert app.built("signals") and app.pages[2].children == (app.signals.widget,)
    assert "没有待核查的风险信息" in app.signals.table.text
    assert not any(app.built(name) for name in ("tracing", "cases", "help"))
    signals = app.signals
    app.tabs.selected_index = 0
    app.tabs.selected_index = 2  # opened again: the same tab, not built twice
    assert app.signals is signals and app.pages[2].children == (signals.widget,)
    app.loading.join()


def test_in_a_voila_kernel_the_rules_findings_are_filled_once_the_page_has_fetched_its_widgets(
    store, request
):
    page = request.getfixturevalue("voila_kernel")
    app = SpotCheckApp(store, D)
    assert app.loading.is_alive()  # waiting for the page
    assert all(box.value == spotchecks.CHECKING for box in app.finding_boxes.values())
    page.connect()
    page.fetched()
    app.loading.join(60)
    assert not app.loading.is_alive()
    assert all("规则未提示需要办理的事项" in box.value for box in app.finding_boxes.values())


def test_a_preheated_kernel_warming_up_builds_every_tab_and_runs_the_rules_at_once(store):
    app = SpotCheckApp(store.reading_only(), D, warming_up=True)
    assert all(app.built(name) for name in spotchecks.TABS) and app.loading is None
    assert not any(box.value == spotchecks.CHECKING for box in app.finding_boxes.values())
    page = SpotCheckApp(store.reading_only(), D)  # a store that only reads is not a warm-up: a page waits
    assert not page.built(spotchecks.TABS[1]) and page.loading is not None
