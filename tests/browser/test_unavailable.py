"""A page whose app cannot be opened never stays blank: it says why, in Chinese, and opens itself again a few
times, waiting longer each time (the page template), so it shows its data once the cause has gone; after the
last try it says it has given up and stops. Here the database is away when the page is opened."""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import Page, expect

from hazardlib.accounts import add_user
from hazardlib.store import open_store

from .conftest import Served, serving
from .pages import ERROR_TEXT, screenshot, wait_for_text

AGAIN_MAX = 5  # as the template's AGAIN_MAX
BUTTON = "import ipywidgets\nipywidgets.Button(description='确定')"


@contextlib.contextmanager
def serving_dashboards(url: str, tmp_path: Path, **sources: str) -> Iterator[Served]:
    """``hazard serve`` of the store ``url`` with dashboards of one code cell each (``name=source``: name.ipynb)."""
    folder = tmp_path / "dashboards"
    folder.mkdir()
    for name, source in sources.items():
        nbformat.write(
            nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)]), folder / f"{name}.ipynb"
        )
    (tmp_path / "serve").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HAZARD_DASHBOARDS", str(folder))
        with serving(url, tmp_path / "serve") as served:
            yield served


PASSWORD = "unavailable-password-1"


def test_a_page_that_cannot_reach_its_database_says_why_and_opens_itself_again(page: Page, tmp_path: Path):
    db, away = tmp_path / "w.db", tmp_path / "w.away"
    url = f"sqlite:///{db}"
    open_store(url, user="州局管理员").dispose()
    loads: list[float] = []
    page.on("load", lambda _page: loads.append(time.monotonic()))
    (tmp_path / "serve").mkdir()
    with serving(url, tmp_path / "serve") as served:
        os.replace(db, away)  # the database is gone for a while (a restore, a server restarting)
        page.goto(f"{served.base}voila/render/index.ipynb")
        unavailable = page.locator(".hz-unavailable")
        wait_for_text(unavailable, "本页面暂时无法打开：暂时无法连接数据库")
        wait_for_text(unavailable.locator(".hz-retry"), "秒后自动重新打开（第 1 次，最多 5 次）")
        screenshot(page, "21-页面暂时无法打开")
        os.replace(away, db)  # it is back: the page opens itself again and shows its data
        expect(page.locator(".hz-app:not(.hz-unavailable)")).to_be_visible(timeout=120_000)
        expect(unavailable).to_have_count(0)
        assert len(loads) >= 2
        body = page.locator("body").inner_text()
        assert not ERROR_TEXT.search(body) and not re.search(r"\b(nan|None|NaN)\b", body), body[:2000]
        # the page that showed its data starts the count again (its watch looks once a second)
        page.wait_for_function("() => window.sessionStorage.getItem('hz-unavailable-retries') === null")

        os.replace(db, away)  # gone for good: the page tries a few times only
        page.goto(f"{served.base}voila/render/index.ipynb")
        wait_for_text(unavailable.locator(".hz-retry"), "（第 1 次，最多 5 次）")
        page.evaluate(f"() => window.sessionStorage.setItem('hz-unavailable-retries', '{AGAIN_MAX}')")
        wait_for_text(unavailable.locator(".hz-retry"), f"已自动重新打开 {AGAIN_MAX} 次，仍无法打开")
        given_up = len(loads)
        page.wait_for_timeout(12_000)  # longer than the first wait: no more reloads
        assert len(loads) == given_up
        expect(unavailable).to_be_visible()


def test_a_page_loaded_again_after_waiting_too_long_first_shuts_its_kernel_down(page: Page, tmp_path: Path):
    """A page whose notebook has not finished after three minutes loads itself again; the kernel started for it
    would go on running the notebook for nobody (Voilà's own script, which shuts a page's kernel down when it
    closes, has not loaded yet), so the page asks the server to shut it down first."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    store = open_store(url, user="州局管理员")
    add_user(store, "张三", "522701", PASSWORD)
    store.dispose()
    dashboards = tmp_path / "dashboards"
    dashboards.mkdir()
    slow = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time\ntime.sleep(600)")])
    nbformat.write(slow, dashboards / "index.ipynb")
    (tmp_path / "serve").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HAZARD_DASHBOARDS", str(dashboards))
        with serving(url, tmp_path / "serve", login=True) as served:
            page.goto(f"{served.base}login")
            page.locator("#hz-username").fill("张三")
            page.locator("#hz-password").fill(PASSWORD)
            page.locator("button.hz-login-submit").click()
            expect(page).not_to_have_url(re.compile(r"/login"))
            page.clock.install()
            page.goto(f"{served.base}voila/render/index.ipynb", wait_until="commit")
            config = page.locator("#jupyter-config-data")
            expect(config).to_be_attached()
            kernel = json.loads(config.text_content() or "{}")["kernelId"]
            assert f"Kernel started: {kernel}" in served.log.read_text(encoding="utf-8")
            page.clock.fast_forward("03:01")  # three minutes and the notebook has not finished
            # the kernel is busy running its cell: only the page's request shuts it down (the server culls
            # idle kernels only)
            deadline = time.monotonic() + 30
            while f"Kernel shutdown: {kernel}" not in served.log.read_text(encoding="utf-8"):
                assert time.monotonic() < deadline, served.log.read_text(encoding="utf-8")[-2000:]
                time.sleep(0.5)


def test_a_page_whose_widget_did_not_reach_it_loads_itself_again_at_once(page: Page, tmp_path: Path):
    """On a busy server the app's widget (the cell's output) can reach the server after it has stopped waiting for
    it: the notebook has finished, nothing will ever be drawn. Such a page says the server is busy and loads itself
    again at once, not after three minutes; a page whose widget is there does not. Here a notebook whose cell shows
    no widget stands for it."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    open_store(url, user="州局管理员").dispose()
    loads: list[float] = []
    page.on("load", lambda _page: loads.append(time.monotonic()))
    with serving_dashboards(url, tmp_path, index="print('首页')", button=BUTTON) as served:
        page.goto(f"{served.base}voila/render/button.ipynb")
        expect(page.locator("button.jupyter-button")).to_be_visible()
        page.wait_for_timeout(3_000)
        expect(page.locator("#hz-busy")).to_be_hidden()
        assert len(loads) == 1

        page.goto(f"{served.base}voila/render/index.ipynb")
        wait_for_text(page.locator("#hz-busy"), "服务器繁忙，正在重试…")
        expect(page.locator("#hz-busy")).to_be_visible()
        first = len(loads)
        deadline = time.monotonic() + 60  # the first retry comes within 3–5 s
        while len(loads) == first:
            assert time.monotonic() < deadline, "the page did not load itself again"
            page.wait_for_timeout(500)


def test_a_cell_that_fails_says_so_in_chinese_and_shows_no_python_text(page: Page, tmp_path: Path):
    """A clerk never reads Python's text: a cell that raised shows no traceback nor Voilà's English note in its
    place but that the page cannot be opened, and the page opens itself again (as an app that cannot be
    opened does). A page whose cells ran shows its widget and no such note; a warning is not shown."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    open_store(url, user="州局管理员").dispose()
    with serving_dashboards(
        url,
        tmp_path,
        index=BUTTON,
        broken="raise RuntimeError('internal detail of the failure')",
        warning=f"import warnings\nwarnings.warn('internal warning text')\n{BUTTON}",
    ) as served:
        page.goto(f"{served.base}voila/render/warning.ipynb")
        expect(page.locator("button.jupyter-button")).to_be_visible()
        body = page.locator("body").inner_text()
        assert "internal warning" not in body and "本页面暂时无法打开" not in body, body[:2000]

        page.goto(f"{served.base}voila/render/broken.ipynb")
        unavailable = page.locator(".hz-unavailable")
        wait_for_text(unavailable, "本页面暂时无法打开：系统出现内部错误")
        wait_for_text(unavailable.locator(".hz-retry"), "秒后自动重新打开（第 1 次，最多 5 次）")
        body = page.locator("body").inner_text()
        assert not ERROR_TEXT.search(body) and "internal detail" not in body, body[:2000]
        expect(page.locator("#hz-busy")).to_be_hidden()
        assert "internal detail of the failure" in served.log.read_text(encoding="utf-8")


UNDRAWABLE = """import ipywidgets
import traitlets


class Undrawable(ipywidgets.DOMWidget):
    _view_module = traitlets.Unicode("hazard-no-such-module").tag(sync=True)
    _view_module_version = traitlets.Unicode("1.0.0").tag(sync=True)
    _view_name = traitlets.Unicode("NoSuchView").tag(sync=True)


Undrawable()"""
IN_AN_APP = UNDRAWABLE.replace(
    "Undrawable()",
    "app = ipywidgets.VBox([ipywidgets.Button(description='确定'), Undrawable()])\napp.add_class('hz-app')\napp",
)


def test_a_page_whose_widget_cannot_be_drawn_says_so_in_chinese_and_opens_itself_again(
    page: Page, tmp_path: Path
):
    """A widget the browser cannot draw (its view's module does not exist here) leaves the widget manager's English
    "Error displaying widget" in its place: the page says at once, in Chinese, that it cannot be shown, and opens
    itself again a few times, counting down. A page whose widget is drawn shows no such note nor reloads."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    open_store(url, user="州局管理员").dispose()
    loads: list[float] = []
    page.on("load", lambda _page: loads.append(time.monotonic()))
    with serving_dashboards(
        url, tmp_path, index=BUTTON, undrawable=UNDRAWABLE, in_an_app=IN_AN_APP
    ) as served:
        page.goto(f"{served.base}voila/render/index.ipynb")
        expect(page.locator("button.jupyter-button")).to_be_visible()
        page.wait_for_timeout(3_000)  # the page's watch looks once a second
        expect(page.locator(".hz-unavailable")).to_have_count(0)
        assert len(loads) == 1

        page.goto(f"{served.base}voila/render/undrawable.ipynb")
        unavailable = page.locator(".hz-unavailable")
        wait_for_text(unavailable, "本页面暂时无法显示：浏览器未能绘制页面内容")
        wait_for_text(unavailable.locator(".hz-retry"), "秒后自动重新打开（第 1 次，最多 5 次）")
        screenshot(page, "21-页面无法绘制")
        body = page.locator("body").inner_text()
        assert "Error displaying" not in body and not ERROR_TEXT.search(body), body[:2000]
        first = len(loads)
        deadline = time.monotonic() + 60  # the first reload comes after 5-6 s
        while len(loads) == first:
            assert time.monotonic() < deadline, "the page did not open itself again"
            page.wait_for_timeout(500)
        wait_for_text(unavailable.locator(".hz-retry"), "（第 2 次，最多 5 次）")
        expect(page.locator("#hz-busy")).to_be_hidden()

        # a part of an app that is drawn: the part says in Chinese that it cannot be shown; the page stays
        page.goto(f"{served.base}voila/render/in_an_app.ipynb")
        failed = page.locator(".hz-app .jupyter-widgets-error-widget")
        expect(failed).to_be_attached()
        expect(page.locator(".hz-app button.jupyter-button")).to_be_visible()
        page.wait_for_timeout(3_000)
        note = failed.evaluate("e => window.getComputedStyle(e, '::before').content")
        assert note == '"此处内容无法显示，请刷新本页面"', note
        body = page.locator("body").inner_text()
        assert "Click to show" not in body and "Error displaying" not in body, body[:2000]
        failed.click(force=True)  # the manager would show the stack trace: the click does not reach it
        assert "Failed to" not in page.locator("body").inner_text()
        expect(unavailable).to_have_count(0)
        loaded = len(loads)
        page.wait_for_timeout(7_000)  # longer than the first countdown: no reload
        assert len(loads) == loaded
