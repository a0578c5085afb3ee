"""The dashboard apps' shared base: the session comes from the server side, callbacks never raise to the
page, messages are Chinese, long work shows progress, downloads are data URLs, choices follow the county."""

from __future__ import annotations

import base64
import datetime as dt
import logging
import re

import comm
import ipywidgets as widgets
import pandas as pd
import pytest
import traitlets

from hazardlib.apps import DASHBOARDS, LandingApp, ui
from hazardlib.apps.base import App, Unavailable
from hazardlib.apps.drafts import DraftOffer
from hazardlib.apps.session import LOG_HANDLER, Session, SessionError, configure_logging
from hazardlib.apps.ui import (
    CheckList,
    ChoiceList,
    choose,
    download_link,
    dropdown,
    html_table,
    option_label,
    set_options,
)
from hazardlib.errors import HazardError
from hazardlib.store import Store

from .situations import Situation

D = dt.date(2024, 9, 15)


class Boom(App):
    title = "测试"

    def build(self) -> widgets.Widget:
        self.crash = widgets.Button(description="崩溃")
        self.refuse = widgets.Button(description="拒绝")
        self.slow = widgets.Button(description="慢")
        self.on_click(self.crash, lambda: 1 / 0)
        self.on_click(self.refuse, self._refuse)
        self.on_click(self.slow, self._slow)
        self.seen: list[bool] = []
        return widgets.VBox([self.crash, self.refuse, self.slow])

    def _refuse(self) -> None:
        raise HazardError("不能这样做")

    def _slow(self) -> None:
        with self.working("正在导出……"):
            self.seen.append(self.busy.active and self.crash.disabled)


def test_an_unexpected_error_in_a_callback_shows_a_plain_chinese_message_and_logs_the_traceback(
    store, caplog
):
    app = Boom(store, D)
    with caplog.at_level(logging.ERROR, logger="hazardlib.apps"):
        app.crash.click()
    incident = re.search(r"记录号 ([0-9a-f]{8})", app.status.value)
    assert incident and "内部错误" in app.status.value and "ZeroDivisionError" not in app.status.value
    assert incident.group(1) in caplog.text and "ZeroDivisionError" in caplog.text


def test_a_refusal_shows_its_own_chinese_message(store):
    app = Boom(store, D)
    app.refuse.click()
    assert "不能这样做" in app.status.value and "hz-msg-error" in app.status.value


def test_long_work_shows_progress_and_blocks_buttons_until_done(store):
    app = Boom(store, D)
    app.slow.click()
    assert app.seen == [True]
    assert not app.busy.active and not app.crash.disabled


def test_the_session_comes_from_the_server_environment():
    s = Session.from_env(
        {
            "HAZARD_DB": "sqlite:///x.db",
            "HAZARD_COUNTY": "522701",
            "HAZARD_AS_OF": "2024-09-15",
            "HAZARD_USER": "张三",
        }
    )
    assert (s.url, s.county, s.as_of, s.user, s.scope_name) == (
        "sqlite:///x.db",
        "522701",
        D,
        "张三",
        "都匀市",
    )
    assert Session.from_env({"HAZARD_DB": "sqlite:///x.db", "HAZARD_COUNTY": "522700"}).county is None
    assert s.environ()["HAZARD_COUNTY"] == "522701"
    with pytest.raises(SessionError, match="不是黔南州所辖县"):
        Session.from_env({"HAZARD_COUNTY": "110101"})
    with pytest.raises(SessionError, match="YYYY-MM-DD"):
        Session.from_env({"HAZARD_AS_OF": "15/09/2024"})


def test_a_dashboard_whose_session_is_unusable_says_so_in_chinese(monkeypatch):
    monkeypatch.setenv("HAZARD_COUNTY", "999999")
    app = LandingApp.from_session()
    assert isinstance(app, Unavailable)
    assert "暂时无法打开" in app.status.value and "不是黔南州所辖县" in app.status.value


def test_from_session_binds_the_store_to_the_servers_county_date_and_person(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    Store(url).upgrade()
    for k, v in {
        "HAZARD_DB": url,
        "HAZARD_COUNTY": "522722",
        "HAZARD_AS_OF": "2024-06-01",
        "HAZARD_USER": "李四",
    }.items():
        monkeypatch.setenv(k, v)
    app = LandingApp.from_session()
    assert (app.store.county, app.as_of, app.store.user) == ("522722", dt.date(2024, 6, 1), "李四")
    assert (
        "荔波县" in app.header.value and "2024年6月1日" in app.header.value and "第一阶段" in app.header.value
    )


def test_the_log_goes_to_the_file_the_server_named(tmp_path, store):
    log_file = tmp_path / "logs" / "d.log"
    configure_logging({"HAZARD_LOG": str(log_file)})
    configure_logging({"HAZARD_LOG": str(log_file)})  # once per process: the second call adds nothing
    try:
        assert [h.get_name() for h in logging.getLogger("hazardlib").handlers].count(LOG_HANDLER) == 1
        Boom(store, D).crash.click()
        assert "ZeroDivisionError" in log_file.read_text(encoding="utf-8")
    finally:
        logger = logging.getLogger("hazardlib")
        for h in [h for h in logger.handlers if h.get_name() == LOG_HANDLER]:
            logger.removeHandler(h)
            h.close()
        logger.propagate = True


def test_a_county_session_is_offered_only_its_county(store):
    county = Store(store.url, user="测试员", county="522701")
    assert Boom(county, D).county_options(whole="全部") == [("都匀市", "522701")]
    whole = Boom(store, D).county_options(whole="全部")
    assert whole[0] == ("全部", None) and len(whole) == 13


def test_a_download_link_carries_the_file_in_itself():
    data = "行动成果清单".encode() * 100
    html = download_link(data, "结果清单.xlsx", "下载")
    href = re.search(r'href="data:([^;]+);base64,([^"]+)"', html)
    assert href and href.group(1).endswith("spreadsheetml.sheet")
    assert base64.b64decode(href.group(2)) == data and 'download="结果清单.xlsx"' in html


def test_a_download_link_reads_download_and_the_file_name_unless_told_otherwise():
    assert ">下载：结果清单.xlsx</a>" in download_link(b"x", "结果清单.xlsx")
    assert ">下载问题清单</a>" in download_link(b"x", "问题清单.xlsx", "下载问题清单")


def test_an_option_label_leaves_out_a_missing_part_instead_of_showing_nan_or_none():
    assert option_label("整改通知书", float("nan"), None, pd.NaT, "", "2024-07-01") == "整改通知书 2024-07-01"
    assert option_label("整改通知书", "都市监整〔2024〕1号") == "整改通知书 都市监整〔2024〕1号"


def test_an_instrument_without_a_number_is_offered_by_kind_and_date_without_nan(store):
    app = Boom(store, D)
    offer = DraftOffer(app)
    # pandas reads a text column with a missing number as NaN, which a label used to show as "nan".
    frame = pd.DataFrame(
        {
            "id": [1, 2],
            "kind": ["rectification_notice", "reminder_letter"],
            "number": ["都市监整〔2024〕1号", None],
            "issue_date": [dt.date(2024, 7, 1), dt.date(2024, 7, 2)],
        }
    )
    offer.offer(frame)
    labels = [text for text, _ in offer.pick.options]
    assert labels == ["整改通知书 都市监整〔2024〕1号（2024-07-01）", "提醒敦促函（2024-07-02）"]
    assert not any("nan" in text or "None" in text for text in labels)


def test_the_landing_page_lists_every_dashboard_and_counts_from_the_store(store):
    s = Situation(store)
    s.hazard(s.enterprise("522701"), dt.date(2024, 7, 1))
    s.enterprise("522722")
    whole = LandingApp(store, D)
    assert all(d.title in whole.links.value for d in DASHBOARDS)
    assert whole.overview() == {
        "登记企业": 2,
        "2024年企业自查": 0,
        "2024年发现隐患和风险": 1,
        "未销号隐患和风险": 1,
    }
    assert '<td class="hz-num">2</td>' in whole.overview_box.value
    libo = LandingApp(Store(store.url, user="测试员", county="522722"), D)
    assert libo.overview()["登记企业"] == 1 and libo.overview()["2024年发现隐患和风险"] == 0


def test_a_dropdown_led_by_a_blank_choice_shows_it_rather_than_an_empty_box():
    d = dropdown([("全部", None), ("都匀市", "522701")])
    assert (d.index, d.value) == (0, None)
    set_options(d, [("（请选择）", None), ("荔波县", "522722")])
    assert (d.index, d.label) == (0, "（请选择）")
    choose(d, "522722")
    assert d.label == "荔波县"


def test_dates_in_a_table_stay_on_one_line_and_times_show_to_the_minute():
    frame = pd.DataFrame(
        {"发生日期": [D, D], "报告时限": [dt.datetime(2024, 7, 2, 0, 0, 5), pd.NaT], "件数": [1200, 3]}
    )
    html = html_table(frame)
    assert '<td class="hz-date">2024-09-15</td>' in html
    assert '<td class="hz-date">2024-07-02 00:00</td>' in html and "NaT" not in html
    assert '<td class="hz-num">1,200</td>' in html


def test_a_preheated_kernel_warms_up_on_a_store_that_refuses_writes_and_closes_what_it_built(
    store, monkeypatch
):
    monkeypatch.setenv("HAZARD_DB", store.url)
    monkeypatch.setenv("HAZARD_AS_OF", "2024-09-15")
    left_over = widgets.Button(description="预热前")
    warm = LandingApp.warm_up()
    assert warm is not None and warm.read_only and warm.county is None
    with pytest.raises(HazardError, match="尚未绑定登录账号"), warm.transaction():
        pass
    assert left_over.comm is None  # every widget of the warm-up (nothing else was shown yet) is closed


def test_a_warm_up_builds_the_app_once_for_a_county_and_reads_the_first_view_for_the_prefecture_too(
    store, monkeypatch
):
    monkeypatch.setenv("HAZARD_DB", store.url)
    monkeypatch.setenv("HAZARD_AS_OF", "2024-09-15")
    built: list[str | None] = []
    read: list[str | None] = []
    first_view, build = LandingApp.first_view.__func__, LandingApp.build

    def reading(cls: type[LandingApp], scoped: Store, as_of: dt.date) -> object:
        read.append(scoped.county)
        return first_view(cls, scoped, as_of)

    def building(self: LandingApp) -> widgets.Widget:
        built.append(self.store.county)
        return build(self)

    monkeypatch.setattr(LandingApp, "first_view", classmethod(reading))
    monkeypatch.setattr(LandingApp, "build", building)
    assert LandingApp.warm_up() is not None
    # the prefecture's first paint is warm; its live app is not built (every page's pool kernel would pay for it)
    assert read == ["522701", None] and built == ["522701"]
    LandingApp(Session(url=store.url, county=None, as_of=D, user="李四").store(), D)
    assert built == ["522701", None]  # the prefecture's page is built all the same, after its request


def test_a_warm_up_sends_nothing_about_its_widgets_while_the_page_after_it_announces_its_own(
    store, monkeypatch
):
    sent: list[str] = []

    class KernelComm(comm.DummyComm):  # stands in for the kernel's comm: records what would go to the server
        def publish_msg(self, msg_type: str, *args: object, **kwargs: object) -> None:
            sent.append(msg_type)

    monkeypatch.setattr(comm, "create_comm", KernelComm)
    monkeypatch.setenv("HAZARD_DB", store.url)
    monkeypatch.setenv("HAZARD_AS_OF", "2024-09-15")
    warm = LandingApp.warm_up()
    assert warm is not None and sent == []  # built and closed: not one message
    assert comm.create_comm is KernelComm
    LandingApp(Session(url=store.url, county="522722", as_of=D, user="李四").store(warm), D)
    assert sent.count("comm_open") > 10  # the page's widgets are announced as before


def test_the_page_after_the_request_acts_for_the_session_on_the_warmed_up_engine(store, monkeypatch):
    monkeypatch.setenv("HAZARD_DB", store.url)
    warm = LandingApp.warm_up()
    assert warm is not None
    session = Session(url=store.url, county="522722", as_of=D, user="李四")
    app = LandingApp(session.store(warm), session.as_of)
    assert (app.store.county, app.store.user, app.store.read_only) == ("522722", "李四", False)
    assert app.store.engine is warm.engine and warm.read_only  # the warm store itself still writes nothing
    with app.store.transaction("测试") as tx:
        assert tx.store is app.store
    other = Session(url=f"{store.url}-other", county="522722", as_of=D, user="李四").store(warm)
    assert other.engine is not warm.engine  # another store's session never uses this engine


def test_read_only_html_widgets_share_one_layout_per_width_and_one_style_even_after_every_widget_closed():
    a, b = ui.section("甲"), ui.note("乙")
    assert a.layout is b.layout and a.style is b.style  # one model each for the page, not three
    field = ui.FormField("x", "名称", widgets.Text(), label_width="9em")
    assert field.label.layout is not a.layout and field.label.layout.width == "9em"
    assert field.error.layout is a.layout
    widgets.Widget.close_all()  # as a preheated kernel does after warming up
    c = ui.section("丙")
    assert c.layout is not a.layout and c.layout.comm is not None and c.style.comm is not None


def test_a_check_list_holds_the_values_it_offers_in_their_order_and_refuses_one_it_does_not_offer():
    """As a multiple select does: a value not offered would show no ticked box, yet be saved, then be dropped
    silently at the clerk's next tick."""
    checks = CheckList([("甲", "a"), ("乙", "b"), ("丙", "c")])
    checks.value = ("c", "a")
    assert checks.value == ("a", "c") and [box.value for box, _ in checks.boxes] == [True, False, True]
    checks.boxes[1][0].value = True  # the clerk ticks 乙
    assert checks.value == ("a", "b", "c")
    with pytest.raises(traitlets.TraitError):
        checks.value = ("a", "x")
    assert checks.value == ("a", "b", "c") and all(box.value for box, _ in checks.boxes)
    checks.options = [("丁", "d")]
    assert checks.value == () and not checks.boxes[0][0].value
    checks.value = ("d",)
    assert checks.boxes[0][0].value


def test_a_disabled_check_list_disables_every_box_and_enabled_again_every_box_is():
    """``disabled`` on a check list reaches each of its boxes (it was a trait of nothing: every box stayed
    tickable), those of options given later too; enabled again, each box is."""
    checks = CheckList([("甲", "a"), ("乙", "b")])
    assert not checks.disabled and not any(box.disabled for box, _ in checks.boxes)
    checks.disabled = True
    assert all(box.disabled for box, _ in checks.boxes)
    checks.options = [("丙", "c"), ("丁", "d"), ("戊", "e")]
    assert len(checks.boxes) == 3 and all(box.disabled for box, _ in checks.boxes)
    checks.disabled = False
    assert not any(box.disabled for box, _ in checks.boxes)
    checks.value = ("d",)  # still a list of choices once enabled again
    assert [box.value for box, _ in checks.boxes] == [False, True, False]


def test_a_choice_list_keeps_the_choice_new_options_still_offer_and_chooses_nothing_when_they_do_not():
    """A table filtered or refreshed never moves the page to another record (issue 21, item 2)."""
    pick = ChoiceList("pick", options=[("甲", 1), ("乙", 2), ("丙", 3)])
    assert pick.value is None and pick.layout.display is None
    pick.value = 2
    pick.options = [("丙", 3), ("乙 改", 2)]  # still offered, at another place and under other words
    assert pick.value == 2 and pick.shown.index == 1
    pick.options = [("丙", 3)]  # no longer offered: nothing chosen, not the first
    assert pick.value is None and pick.shown.index is None
    with pytest.raises(traitlets.TraitError):
        pick.value = 2
    pick.options = []
    assert pick.value is None and pick.layout.display == "none"


def test_a_click_on_a_choice_list_being_refilled_chooses_the_option_clicked_not_its_place():
    """The page clicked 乙 on the list it still showed while the filtered options were on their way (the browser
    says only the place clicked): 乙, still offered, is chosen; a click on an option no longer offered chooses
    nothing."""
    pick = ChoiceList("pick", options=[("甲", 1), ("乙", 2), ("丙", 3)])
    showing = pick.shown
    pick.options = [("乙", 2), ("丁", 4)]
    showing.set_state({"index": 1})  # the browser's message: the second place of the list it showed
    assert pick.value == 2 and pick.shown.value == 2
    showing.set_state({"index": 0})  # 甲, filtered out: the choice stays
    assert pick.value == 2
    pick.shown.set_state({"index": 1})  # on the list shown now, the place is the option
    assert pick.value == 4


def test_a_note_of_several_lines_keeps_its_lines_in_a_table_and_a_line_of_words_is_as_before():
    """A remark typed on several lines (fields.Lines) is shown as written, in a table and in a table whose rows
    open a record; a cell of one line gets no such class (its words wrap, or stay on one line on a phone)."""
    note = "已下达整改通知\n企业承诺月底完成"
    table = html_table({"备注": [note, "一行说明"]})
    assert f'<td class="hz-lines">{note}</td>' in table and "<td>一行说明</td>" in table
    assert 'class="hz-cell hz-lines"' in ui.cell_html(note) and "hz-lines" not in ui.cell_html("一行说明")
    assert "td.hz-lines" in ui.STYLE and "white-space: pre-line" in ui.STYLE
    # and in a card (a hazard's, a risk signal's description)
    assert ui.lines_html(note) == f'<span class="hz-lines">{note}</span>' and ui.lines_html(None) == ""
