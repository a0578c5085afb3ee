"""A dashboard page's kernel belongs to the person (the login) whose page it serves: with ``hazard serve --login``
nobody else can read its model, shut it down (Jupyter's ``DELETE /api/kernels/<id>`` or Voilà's shutdown
request), interrupt or restart it, or connect to its websocket — not a clerk of another county, not another
clerk of the same county, not the prefecture — also when they log in and open pages at the same moment. The
owner's own page works as before. (A preheated kernel of a pool belongs to nobody until it is bound: see
tests/test_login_pool.py.)"""

from __future__ import annotations

import concurrent.futures
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import nbformat
import pytest
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from hazardlib.accounts import add_user
from hazardlib.login import NOT_YOUR_KERNEL
from hazardlib.store import open_store

from .browser.conftest import Served, serving
from .test_login_server import Browser, run_apart

pytestmark = pytest.mark.slow

PASSWORD = "kernel-owner-password-1"
ZHANG, WANG, ZHAO, LI = "张三", "王五", "赵六", "州局李四"  # 都匀市, 三都县, 都匀市 again, the prefecture


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``hazard serve --login`` (no pool: each page starts its kernel) on one small page, four accounts."""
    folder = tmp_path_factory.mktemp("kernel-owners")
    url = f"sqlite:///{folder / 'w.db'}"
    store = open_store(url, user="州局管理员")
    for name, county in ((ZHANG, "522701"), (WANG, "522732"), (ZHAO, "522701"), (LI, None)):
        add_user(store, name, county, PASSWORD)
    store.dispose()
    dashboards = folder / "dashboards"
    dashboards.mkdir()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('看板')")])
    nbformat.write(notebook, dashboards / "index.ipynb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HAZARD_DASHBOARDS", str(dashboards))
        (folder / "serve").mkdir()
        with serving(url, folder / "serve", login=True) as s:
            yield s


def call(browser: Browser, method: str, path: str) -> tuple[int, str]:
    """What ``browser`` gets for ``method path``, sent as the page's own script sends it (login cookie and the
    XSRF token in its header)."""
    request = urllib.request.Request(
        browser.base + path,
        method=method,
        headers={"X-XSRFToken": browser.xsrf()},
        data=b"" if method != "GET" else None,
    )
    try:
        with browser.opener.open(request, timeout=60) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def websocket_status(served: Served, browser: Browser, kernel: str) -> int:
    """101 if ``browser`` may connect to the kernel's websocket, else the HTTP status it was refused with."""
    port = urllib.parse.urlsplit(served.base).port

    async def connect() -> int:
        channels = HTTPRequest(
            f"ws://127.0.0.1:{port}/api/kernels/{kernel}/channels", headers={"Cookie": browser.login_cookie()}
        )
        try:
            (await websocket_connect(channels)).close()
        except HTTPClientError as exc:
            return exc.code
        return 101

    return run_apart(connect())


def refused(status: int, text: str) -> bool:
    return status == 403 and NOT_YOUR_KERNEL in json.loads(text)["message"]


def test_nobody_but_the_pages_own_login_reaches_its_kernel(served: Served):
    browsers = {name: Browser(served.base) for name in (ZHANG, WANG, ZHAO, LI)}
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:  # all log in and open a page at once
        assert list(pool.map(lambda n: browsers[n].log_in(n, PASSWORD), browsers)) == [200] * 4
        kernels = dict(zip(browsers, pool.map(lambda b: b.open_page(), browsers.values()), strict=True))
    assert len(set(kernels.values())) == 4
    zhang = kernels[ZHANG]

    for other in (WANG, ZHAO, LI):  # another county, the same county, the prefecture
        them = browsers[other]
        assert refused(*call(them, "GET", f"api/kernels/{zhang}")), other
        assert refused(*call(them, "DELETE", f"api/kernels/{zhang}")), other
        assert refused(*call(them, "POST", f"voila/api/shutdown/{zhang}")), other
        assert websocket_status(served, them, zhang) == 403, other
        # Voilà serves no interrupt or restart of a kernel at all: nobody can, the owner neither.
        for action in ("interrupt", "restart"):
            assert call(them, "POST", f"api/kernels/{zhang}/{action}")[0] == 404
    log = served.log.read_text(encoding="utf-8")
    assert log.count(f"on kernel {zhang} to") >= 3 * 4
    # A refused websocket is one line, no traceback (Jupyter Server's HTML error page, which cannot be drawn
    # under Voilà, is not asked for).
    assert log.count(f"refused GET /api/kernels/{zhang}/channels on kernel {zhang} to") == 3
    assert "Traceback" not in log and "write_error" not in log

    me = browsers[ZHANG]
    status, text = call(me, "GET", f"api/kernels/{zhang}")  # still running, untouched
    assert status == 200 and json.loads(text)["id"] == zhang
    assert websocket_status(served, me, zhang) == 101
    assert call(me, "POST", f"voila/api/shutdown/{zhang}")[0] == 204  # the page closes: Voilà's shutdown
    assert call(me, "GET", f"api/kernels/{zhang}")[0] == 404
    wang = kernels[WANG]
    assert call(browsers[WANG], "DELETE", f"api/kernels/{wang}")[0] == 204
    assert call(browsers[WANG], "GET", f"api/kernels/{wang}")[0] == 404


def test_a_second_login_of_the_same_person_does_not_reach_the_first_logins_kernel(served: Served):
    first, second = Browser(served.base), Browser(served.base)
    assert first.log_in(ZHAO, PASSWORD) == 200 and second.log_in(ZHAO, PASSWORD) == 200
    kernel = first.open_page()
    assert refused(*call(second, "GET", f"api/kernels/{kernel}"))
    assert call(first, "GET", f"api/kernels/{kernel}")[0] == 200


def test_the_list_of_all_kernels_is_not_served(served: Served):
    li = Browser(served.base)
    assert li.log_in(LI, PASSWORD) == 200
    assert call(li, "GET", "api/kernels")[0] in (403, 404)
