"""三阶段进度's first table without pandas: the kernel draws the progress table from plain rows, loading
neither pandas nor the reports; in a Voilà kernel the results and the feed are filled once the page has
connected; and a table drawn from columns is the same as one drawn from their frame."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from collections.abc import Iterator

import comm
import pandas as pd
import pytest

from hazardlib import stages
from hazardlib.apps import TrackerApp, tracker, ui
from hazardlib.apps.ui import html_table, wait_for_page
from hazardlib.store import Store

from .situations import Situation

D = dt.date(2024, 9, 15)
VOILA = "VOILA_REQUEST_URL"

FIRST_PAINT = """
import json, os, sys, datetime as dt
os.environ["VOILA_REQUEST_URL"] = "http://127.0.0.1/voila/render/tracker.ipynb"  # the fill waits for a page
import comm  # ... whose control comm is handled, as ipywidgets registers it in a kernel
comm.get_comm_manager().register_target("jupyter.widget.control", lambda control, msg: None)
from hazardlib.apps import TrackerApp
from hazardlib.store import Store
app = TrackerApp(Store(sys.argv[1], user="测试员"), dt.date(2024, 9, 15))
print(json.dumps({
    "table": "<table" in app.progress_table.value,
    "loaded": [m for m in ("pandas", "numpy", "hazardlib.reports", "hazardlib.ledger", "pydantic")
               if m in sys.modules],
}))
"""


class Page:
    """A Voilà page as the kernel's comm manager sees it: its widget manager opens the control comm,
    asks for the widgets' states (answered by the handler registered for the target, ipywidgets' in a
    kernel; a stand-in here, which notes the comms it answered), and closes the comm once they arrived."""

    def __init__(self) -> None:
        self.manager = comm.get_comm_manager()
        self.answered: list[str] = []
        self.opened = 0

    def handler(self, control: comm.base_comm.BaseComm, msg: dict) -> None:
        self.answered.append(control.comm_id)

    def connect(self) -> None:
        self.opened += 1
        content = {"comm_id": f"control-{self.opened}", "target_name": ui.CONTROL_TARGET, "data": {}}
        self.manager.comm_open(None, None, {"content": content, "metadata": {"version": "2.1.0"}})  # type: ignore[arg-type]

    def fetched(self) -> None:
        content = {"comm_id": f"control-{self.opened}", "data": {}}
        self.manager.comm_close(None, None, {"content": content})  # type: ignore[arg-type]


@pytest.fixture
def voila_kernel(monkeypatch: pytest.MonkeyPatch) -> Iterator[Page]:
    """As in a kernel Voilà started for a page that has not connected yet (and waits long for it)."""
    monkeypatch.setenv(VOILA, "http://127.0.0.1/voila/render/tracker.ipynb")
    monkeypatch.setattr(ui, "PAGE_WAIT_SECONDS", 300.0)
    monkeypatch.setattr(ui, "PAGE", ui.PageWatch())
    page = Page()
    page.manager.register_target(ui.CONTROL_TARGET, page.handler)
    yield page
    page.manager.unregister_target(ui.CONTROL_TARGET, page.handler)


def test_the_first_table_is_drawn_without_pandas_or_the_reports(store):
    s = Situation(store)
    s.hazard(s.enterprise("522701"), dt.date(2024, 7, 1))
    out = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT, store.url], capture_output=True, text=True, check=True
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"table": True, "loaded": []}


def test_in_a_voila_kernel_the_results_and_feed_are_filled_once_the_page_has_connected(store, voila_kernel):
    s = Situation(store)
    s.hazard(
        s.enterprise("522701", name="都匀市烟花厂", products=("19-01",)), D, grade="major", product="19-01"
    )
    app = TrackerApp(store, D)
    assert "<td>都匀市</td>" in app.progress_table.value and "自查覆盖率" in app.charts.value
    assert app.loading.is_alive()  # waiting for the page
    assert app.results.value == tracker.LOADING and app.feed_table.value == tracker.LOADING
    assert app.ack_btn.disabled
    voila_kernel.connect()
    app.loading.join(0.3)
    assert app.loading.is_alive() and app.results.value == tracker.LOADING
    assert voila_kernel.answered == ["control-1"]  # the page's request went on to the widgets' handler
    voila_kernel.fetched()
    app.loading.join(60)
    assert not app.loading.is_alive()
    assert "<td>都匀市</td>" in app.results.value and "都匀市烟花厂" in app.feed_table.value
    assert not app.ack_btn.disabled


def test_wait_for_page_returns_at_once_outside_voila_and_gives_up_on_a_page_that_never_fetches(
    monkeypatch, voila_kernel
):
    assert wait_for_page(0.0) is False  # a Voilà kernel whose page never connected
    voila_kernel.connect()
    assert wait_for_page(0.0) is False  # connected, still fetching
    monkeypatch.delenv(VOILA)
    assert wait_for_page(300.0) is True  # tests, scripts, JupyterLab: at once


def test_wait_for_page_returns_at_once_where_nothing_handles_the_control_comm(voila_kernel):
    voila_kernel.manager.unregister_target(ui.CONTROL_TARGET, voila_kernel.handler)
    assert wait_for_page(300.0) is True
    voila_kernel.manager.register_target(ui.CONTROL_TARGET, voila_kernel.handler)


def test_wait_for_page_returns_when_the_page_has_fetched_the_widgets(voila_kernel):
    ui.watch_page()  # as the app does while it is built, before the page connects
    voila_kernel.connect()
    fetched = threading.Timer(0.2, voila_kernel.fetched)
    fetched.start()
    assert wait_for_page(300.0) is True
    fetched.join()
    assert voila_kernel.answered == ["control-1"]


def test_a_county_without_figures_is_drawn_at_0_percent_not_nan(store):
    s = Situation(store)
    s.hazard(s.enterprise("522701"), dt.date(2024, 7, 1))  # the other counties have no hazards
    app = TrackerApp(store, D)
    app.loading.join()
    assert "nan" not in app.charts.value
    row = app.charts.value.split("福泉市", 1)[1].split("</div></div>", 1)[0]
    assert 'style="width:0.0%"' in row and ">0%<" in row


def test_county_progress_is_its_rows_as_a_frame(store):
    s = Situation(store)
    s.hazard(s.enterprise("522701"), dt.date(2024, 7, 1))
    s.plan("522701", dt.date(2024, 5, 20))
    for stage in (None, 1, 3):
        rows = stages.county_progress_rows(store, D, stage=stage)
        assert [r["county_code"] for r in rows][-1] == "522700" and len(rows) == 13
        frame = stages.county_progress(store, D, stage=stage)
        pd.testing.assert_frame_equal(frame, pd.DataFrame(rows))
    mine = stages.county_progress_rows(Store(store.url, user="测试员", county="522701"), D)
    assert [r["county_code"] for r in mine] == ["522701"] and mine[0]["plan_adopted_date"] == dt.date(
        2024, 5, 20
    )


COLUMNS = {
    "县（市）": ["都匀市", "福泉市<b>", None, "合计"],
    "数量": [1, 12345, 0, 12346],
    "有缺": [1, None, 3, 4],
    "比例": [0.5, 1.0, 2.25, float("nan")],
    "混合": [1, 2.5, 3, 0.25],
    "是否": [True, False, True, False],
    "日期": [dt.date(2024, 9, 1), None, dt.date(2024, 9, 3), None],
    "时间": [dt.datetime(2024, 9, 1, 8, 30)] * 4,
    "链接": ['<a href="#">一</a>', "二", "", "四"],
}


@pytest.mark.parametrize("total_last", [False, True])
def test_a_table_of_columns_is_the_table_of_their_frame(total_last):
    kwargs = {"total_last": total_last, "raw_html": ["链接"], "css_class": "hz-x"}
    assert html_table(COLUMNS, **kwargs) == html_table(pd.DataFrame(COLUMNS), **kwargs)
    assert html_table({"县（市）": []}, empty="无") == html_table(pd.DataFrame({"县（市）": []}), empty="无")
    assert html_table({}, empty="无") == html_table(None, empty="无") == '<div class="hz-note">无</div>'
