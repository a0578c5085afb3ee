"""Click a row to open it (issue 21 item 3) without a browser: in the ledger, the enterprises found, the spot
checks, the tracing tasks received, the signals to verify, the enforcement cases and the help records, a row's
button opens its record as the dropdown did (or in the form), the dropdown follows, the row is highlighted,
and a save keeps the record open; a table without ``on_open`` stays plain HTML."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from hazardlib import schema, tracing
from hazardlib.apps import LedgerApp, SelfCheckApp, SpotCheckApp
from hazardlib.apps.tables import PagedTable
from hazardlib.store import Store

from .situations import Situation

D = dt.date(2024, 9, 15)
CHOSEN = "hz-row-chosen"


def classes(widget) -> list[str]:
    """The CSS classes the page gives ``widget`` (as its state is sent to the page)."""
    return list(widget.get_state("_dom_classes")["_dom_classes"])


def lit(table: PagedTable) -> list:
    """The records of the rows highlighted."""
    return [k for b, k in zip(table.rows, table.keys, strict=True) if CHOSEN in classes(b)]


def save_again(tab, key: str, value: str, said: str) -> None:
    """The record open in ``tab``'s form saved again with its field ``key`` changed: the page says ``said``."""
    tab.form.control(key).value = value
    tab.save_btn.click()
    assert said in tab.app.status.value, tab.app.status.value


def test_a_ledger_row_opens_its_hazard_the_dropdown_follows_and_a_save_keeps_it(store):
    s = Situation(store)
    eid = s.enterprise("522701")
    first, second = (
        s.hazard(eid, dt.date(2024, 7, d), ordered=dt.date(2024, 7, d), deadline=dt.date(2024, 10, 1))
        for d in (1, 2)
    )
    app = LedgerApp(store, D)
    assert app.panel.layout.display == "none" and lit(app.table) == []
    app.table.rows[app.table.keys.index(second)].click()
    assert app.hazard is not None and app.hazard["id"] == second and f"隐患编号 {second}" in app.detail.value
    assert app.pick.value == second and lit(app.table) == [second]
    app.table.rows[app.table.keys.index(first)].click()
    assert app.hazard["id"] == first and app.pick.value == first and lit(app.table) == [first]
    app.move.value = "rectify"
    app.move_btn.click()
    assert "已登记" in app.status.value
    assert app.hazard["id"] == first and app.pick.value == first and lit(app.table) == [first]


def test_opening_a_hazard_from_the_dropdown_lights_its_row(store):
    s = Situation(store)
    eid = s.enterprise("522701")
    hids = [s.hazard(eid, dt.date(2024, 7, d)) for d in (1, 2, 3)]
    app = LedgerApp(store, D)
    app.pick.value = hids[1]
    app.open_btn.click()
    assert lit(app.table) == [hids[1]]
    assert "hz-row" in classes(app.table.rows[0]) and "<table" not in app.table.text


def test_an_enterprise_found_is_chosen_by_its_row_and_the_matches_page(store):
    s = Situation(store)
    ids = [s.enterprise("522701", name=f"都匀市第{n:02d}号测试厂") for n in range(1, 26)]
    app = SelfCheckApp(store, D)
    picker = app.picker
    picker.query.value = "都匀市"
    picker.search_btn.click()
    assert "找到 25 家企业（显示第 1–20 条，共 25 条）" in app.status.value
    assert picker.table.total == 25 and len(picker.table.rows) == 20
    picker.table.next_btn.click()
    assert "显示第 21–25 条，共 25 条" in picker.table.info.value and len(picker.table.rows) == 5
    picker.table.rows[2].click()
    assert picker.chosen is not None and picker.chosen["id"] == ids[22] and "第23号" in picker.current.value
    assert picker.matches.value == ids[22] and lit(picker.table) == [ids[22]]
    picker.table.prev_btn.click()  # another page: the enterprise chosen stays chosen, in the dropdown too
    assert picker.chosen["id"] == ids[22] and picker.matches.value == ids[22] and lit(picker.table) == []


def test_a_spot_check_row_opens_the_batch_in_the_form_and_saving_it_again_keeps_it(store):
    s = Situation(store)
    eid, sid = s.unqualified_shop(
        "522701",
        "都匀市抽查五金店",
        dt.date(2024, 8, 1),
        producer={"name": "浙江某电缆有限公司", "region": "浙江省杭州市"},
        batch_no="ROW-2024-01",
    )
    other = s.spot_check(
        dt.date(2024, 8, 2), "qualified", seller={"name": "外地某商店"}, batch_no="ROW-2024-02"
    )
    app = SpotCheckApp(store, D)
    tab = app.spot
    tab.table.rows[tab.table.keys.index(sid)].click()
    assert (
        tab.form.control("batch_no").value == "ROW-2024-01"
        and tab.form.control("result").value == "unqualified"
    )
    assert tab.parties["producer"].control("name").value == "浙江某电缆有限公司"
    assert tab.picker.chosen is not None and tab.picker.chosen["id"] == eid and tab.sampled is not None
    assert lit(tab.table) == [sid]
    save_again(tab, "note", "复检确认", "抽样单 ROW-2024-01 已更新")
    assert tab.form.control("batch_no").value == "ROW-2024-01" and lit(tab.table) == [sid]
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.spot_checks)).scalar_one() == 2
    tab.table.rows[tab.table.keys.index(other)].click()  # a batch without an enterprise: none chosen
    assert tab.form.control("batch_no").value == "ROW-2024-02" and tab.picker.chosen is None
    assert tab.parties["producer"].control("name").value == ""
    assert tab.parties["seller"].control("name").value == "外地某商店"


def test_a_signal_row_opens_it_the_dropdown_follows_and_it_stays_open_once_verified(store):
    s = Situation(store)
    first = s.signal("522701", dt.date(2024, 9, 1), description="超市电热毯发热异常")
    s.signal("522701", dt.date(2024, 9, 2), description="网店头盔无3C标志")
    app = SpotCheckApp(store, D)
    tab = app.signals
    tab.table.rows[tab.table.keys.index(first)].click()
    assert tab.pick.value == first and "电热毯" in tab.detail.value and "待核查" in tab.detail.value
    assert lit(tab.table) == [first]
    tab.outcome.value = "dismissed"
    tab.verify_btn.click()
    assert "经核查无问题" in app.status.value
    assert first not in tab.table.keys and "电热毯" not in tab.table.text  # no longer to verify
    assert tab.pick.value == first and "电热毯" in tab.detail.value and "经核查无问题" in tab.detail.value
    tab.pick.value = tab.table.keys[0]  # chosen in the dropdown: the card and the row follow
    assert "头盔" in tab.detail.value and lit(tab.table) == [tab.table.keys[0]]


def test_a_tracing_task_row_picks_an_open_task_and_one_closed_is_only_lit_with_its_state(store):
    _, sid = Situation(store).unqualified_shop("522722", "荔波县五金商店", dt.date(2024, 8, 5))
    with store.transaction("测试：发起追查") as tx:
        [task] = tracing.open_tracing_tasks(tx, sid, dt.date(2024, 8, 5))
    libo = Store(store.url, user="荔波办理员", county="522722")
    app = SpotCheckApp(libo, D)
    tab = app.tracing
    assert tab.received.keys == [task] and lit(tab.received) == []
    tab.received.rows[0].click()
    assert tab.pick.value == task and lit(tab.received) == [task]
    tab.done_btn.click()
    assert "追查任务已办结" in app.status.value
    assert tab.pick.value is None and lit(tab.received) == [task] and "已办结" in tab.received.text
    tab.received.rows[0].click()  # closed: not offered to act on, its state said
    assert tab.pick.value is None and lit(tab.received) == [task]
    assert "该追查任务已办结，无需再办理" in app.status.value


def test_a_case_row_opens_it_in_the_form_and_saving_it_again_keeps_it(store):
    s = Situation(store)
    eid = s.enterprise("522701", name="都匀市头盔厂", products=("07-01",))
    other = s.enterprise("522701", name="都匀市电缆厂", products=("04-01",))
    hazard = s.hazard(eid, dt.date(2023, 7, 1))
    first = s.case(eid, dt.date(2023, 8, 1), "counterfeit", case_no="都市监罚〔2023〕1号", hazard_id=hazard)
    second = s.case(other, dt.date(2024, 8, 2), "unlicensed")
    app = SpotCheckApp(store, D)
    tab = app.cases
    tab.table.rows[tab.table.keys.index(first)].click()
    assert tab.form.control("case_no").value == "都市监罚〔2023〕1号"
    assert tab.form.control("violation").value == "counterfeit" and tab.enterprise["id"] == eid
    assert lit(tab.table) == [first]
    save_again(tab, "penalty", "罚款五万元", "案件已更新")
    assert tab.form.control("case_no").value == "都市监罚〔2023〕1号" and lit(tab.table) == [first]
    with store.read() as conn:
        ec = schema.enforcement_cases
        saved = conn.execute(sa.select(ec).where(ec.c.id == first)).mappings().one()
        # what the form does not show stays as recorded: the case's year, the hazard it was brought for
        assert (saved["penalty"], saved["campaign_year"], saved["hazard_id"]) == ("罚款五万元", 2023, hazard)
        assert conn.execute(sa.select(sa.func.count()).select_from(ec)).scalar_one() == 2
    tab.table.rows[tab.table.keys.index(second)].click()
    assert tab.form.control("case_no").value == "" and tab.enterprise["id"] == other
    assert tab.form.control("violation").value == "unlicensed" and lit(tab.table) == [second]


def test_a_help_row_opens_it_in_the_form_and_saving_it_again_keeps_it(store):
    s = Situation(store)
    eid = s.enterprise("522701", name="都匀市头盔厂", products=("07-01",))
    hid = s.help(eid, dt.date(2023, 8, 1), "quality_clinic")
    app = SpotCheckApp(store, D)
    tab = app.help
    tab.table.rows[0].click()
    assert tab.form.control("kind").value == "quality_clinic" and tab.enterprise["id"] == eid
    assert tab.form.control("help_date").value == dt.date(2023, 8, 1) and lit(tab.table) == [hid]
    save_again(tab, "note", "现场质量问诊", "帮扶记录已更新")
    assert tab.form.control("note").value == "现场质量问诊" and lit(tab.table) == [hid]
    assert "现场质量问诊" in tab.table.text
    with store.read() as conn:
        hr = schema.help_records
        assert conn.execute(sa.select(hr.c.note, hr.c.campaign_year)).one() == ("现场质量问诊", 2023)


def test_a_table_without_on_open_is_one_html_table(store):
    frame = pd.DataFrame({"名称": ["甲", "乙"]})
    app = LedgerApp(store, D)
    table = PagedTable(app, lambda offset, limit: (frame, 2))
    table.refresh()
    assert table.rows == [] and "<table" in table.text and "甲" in table.text


def test_a_click_on_a_row_of_the_page_being_replaced_opens_the_record_clicked_or_none_never_its_places_new_one(
    store,
):
    """The browser says only which row's button was clicked: a click that lands on the rows the page still shows
    while the table is refilled (filtered, paged, refreshed after a save) opens the record of the row clicked if
    the new page lists it, and nothing if it does not, never the record now in that row's place."""
    s = Situation(store)
    first, other = s.enterprise("522701", name="都匀市甲厂"), s.enterprise("522701", name="都匀市乙厂")
    h0, h1, h2 = (
        s.hazard(eid, dt.date(2024, 7, d), ordered=dt.date(2024, 7, d), deadline=dt.date(2024, 10, 1))
        for eid, d in ((first, 1), (first, 2), (other, 3))
    )
    app = LedgerApp(store, D)
    table = app.table
    showing = table.rows  # the rows the browser shows, newest first: h2, h1, h0
    assert table.keys == [h2, h1, h0]
    app.f_enterprise.value = "甲厂"
    table.refresh(first_page=True)  # filtered: h1, h0 (h1 now first)
    assert table.keys == [h1, h0]
    showing[1].click()  # the second row of the page the browser showed: h1, listed at another place
    assert app.hazard is not None and app.hazard["id"] == h1 and lit(table) == [h1]
    before = table.rows
    app.f_enterprise.value = "乙厂"
    table.refresh(first_page=True)  # h2 only
    before[1].click()  # h0, on the page replaced, not listed now: nothing opens (not h2, nor h0)
    assert app.hazard["id"] == h1
    table.rows[0].click()  # on the rows shown now, the place is the record
    assert app.hazard["id"] == h2 and lit(table) == [h2]


def test_a_click_from_two_refills_back_opens_nothing_and_one_from_one_refill_back_the_record_clicked(store):
    """Two refills within one click's round trip: the click lands on a page two draws old, whose set of buttons
    has been drawn again for the newest page. A row now holding another record has a new button, the one
    clicked is closed, and nothing opens (never the record now in its place); a click from one refill back
    opens the record clicked, wherever the new page lists it. A row whose record is the same keeps its button:
    a page drawn again as it was costs no new widget."""
    drawn = iter([[1, 2], [2, 3], [3, 1], [3, 1], [3, 1]])  # the records of each page fetched, in turn
    opened: list = []

    def fetch(offset: int, limit: int) -> tuple[pd.DataFrame, int]:
        ids = next(drawn)
        return pd.DataFrame({"id": ids, "名称": [f"第{i}号" for i in ids]}), len(ids)

    table = PagedTable(LedgerApp(store, D), fetch, page_size=2, on_open=opened.append)
    table.refresh()
    oldest = table.rows  # 1, 2
    table.refresh()
    older = table.rows  # 2, 3
    oldest[1].click()  # one refill back: 2, listed now at another place
    assert opened == [2] and lit(table) == [2]
    table.refresh()  # 3, 1, drawn on the set of the first page
    assert table.keys == [3, 1]
    oldest[0].click()  # two refills back: the row of 1, which now holds 3: nothing (not 3, not 1)
    oldest[1].click()  # the row of 2, which now holds 1: nothing
    assert opened == [2]
    assert oldest[0].comm is None and oldest[1].comm is None  # closed, new ones drawn: the browser drops it
    assert not {id(b) for b in oldest} & {id(b) for b in table.rows}
    older[0].click()  # one refill back: 2, not listed now: nothing
    older[1].click()  # 3, listed now at another place
    assert opened == [2, 3] and lit(table) == [3]
    newest = table.rows
    table.refresh()  # 3, 1 again (after a save), then again
    table.refresh()
    assert table.rows == newest and all(b.comm is not None for b in newest)  # the same buttons, no new widget
    newest[1].click()  # two refills back, its row still holding 1: the record clicked
    assert opened == [2, 3, 1] and lit(table) == [1]
