"""``hazard serve`` as a real server process, spoken to over HTTP and a kernel websocket: without login it
answers only requests addressed to this machine (no DNS rebinding); with login, a logout ends the login
for a copied cookie too, on every server sharing the store, a password keeps its spaces, and disabling an
account shuts down its open page's kernel within a minute."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import http.client
import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import nbformat
import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from hazardlib.accounts import add_user
from hazardlib.store import open_store

from .browser.conftest import Served, hazard_cli, serving

pytestmark = pytest.mark.slow

ZHANG_PASSWORD = "  都匀 spaced password  "  # spaces at both ends, kept as typed
LI_PASSWORD = "州局-password-1"
WANG_PASSWORD = "三都-password-1"
KERNEL_GONE_WITHIN = 90  # seconds: the reaper looks every 20 s
T = TypeVar("T")


@pytest.fixture(scope="module")
def dashboards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dashboards folder with one small page (a kernel starts quickly)."""
    folder = tmp_path_factory.mktemp("dashboards")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1\nprint('看板')")])
    nbformat.write(notebook, folder / "index.ipynb")
    return folder


@pytest.fixture(scope="module")
def login_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('login-server') / 'w.db'}"
    store = open_store(url, user="州局管理员")
    add_user(store, "张三", "522701", ZHANG_PASSWORD)
    add_user(store, "州局李四", None, LI_PASSWORD)
    add_user(store, "王五", "522732", WANG_PASSWORD)
    store.dispose()
    return url


@pytest.fixture(scope="module")
def two_servers(
    dashboards: Path, login_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Served, Served]]:
    """Two ``hazard serve --login`` processes on one store, as behind one reverse proxy."""
    with pytest.MonkeyPatch.context() as mp, contextlib.ExitStack() as stack:
        mp.setenv("HAZARD_DASHBOARDS", str(dashboards))
        first = stack.enter_context(serving(login_db, tmp_path_factory.mktemp("a"), login=True))
        second = stack.enter_context(serving(login_db, tmp_path_factory.mktemp("b"), login=True))
        yield first, second


class Browser:
    """What a browser keeps for one server: its cookies, and no automatic redirects."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
        """Status, final URL and text of GET ``path`` (redirects followed)."""
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with self.opener.open(request, timeout=60) as resp:
                return resp.status, resp.url, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.url, exc.read().decode()

    def post(
        self, path: str, fields: dict[str, str], headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """Status and text of a form posted to ``path``."""
        form = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(self.base + path, form, headers=headers or {})
        try:
            with self.opener.open(request, timeout=60) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def xsrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "_xsrf")

    def log_out(self) -> tuple[int, str]:
        """What the logout page's button does: post the form with the XSRF token."""
        return self.post("logout", {"_xsrf": self.xsrf()})

    def log_in(self, name: str, password: str) -> int:
        self.get("login")
        xsrf = next(c.value for c in self.jar if c.name == "_xsrf")
        form = urllib.parse.urlencode({"username": name, "password": password, "_xsrf": xsrf}).encode()
        try:
            with self.opener.open(self.base + "login?next=/", form, timeout=60) as resp:
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def login_cookie(self) -> str:
        """The login cookie as a ``Cookie`` header (what someone who copied it would send)."""
        return "; ".join(f"{c.name}={c.value}" for c in self.jar if c.name != "_xsrf")

    def open_page(self) -> str:
        """Open the dashboard page; the id of the kernel the server started for it."""
        status, url, html = self.get("voila/render/index.ipynb")
        assert status == 200 and "/login" not in url, (status, url)
        found = re.search(r'"kernelId": "([0-9a-f-]{36})"', html)
        assert found, html[:500]
        return found.group(1)


def run_apart(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end on a fresh event loop in a thread of its own: the browser tests before this
    module (Playwright's sync API) may leave an event loop running in the test's thread."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def host_status(base: str, host: str) -> int:
    """The status of GET / sent to ``base`` with ``Host: host``."""
    address = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        conn.request("GET", "/", headers={"Host": host})
        return conn.getresponse().status
    finally:
        conn.close()


def test_without_login_a_request_for_a_foreign_host_gets_403(
    dashboards: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
):
    url = f"sqlite:///{tmp_path_factory.mktemp('no-login') / 'w.db'}"
    open_store(url).dispose()
    monkeypatch.setenv("HAZARD_DASHBOARDS", str(dashboards))
    with serving(url, tmp_path_factory.mktemp("s")) as served:
        port = urllib.parse.urlsplit(served.base).port
        assert host_status(served.base, f"127.0.0.1:{port}") == 200
        assert host_status(served.base, f"localhost:{port}") == 200
        assert host_status(served.base, "evil.example") == 403  # a rebinding domain's page
        assert host_status(served.base, f"evil.example:{port}") == 403
        kernel = Browser(served.base).open_page()

        async def foreign_websocket() -> int:
            request = HTTPRequest(
                f"ws://127.0.0.1:{port}/api/kernels/{kernel}/channels", headers={"Host": "evil.example"}
            )
            try:
                (await websocket_connect(request)).close()
            except HTTPClientError as exc:
                return exc.code
            return 101

        assert run_apart(foreign_websocket()) == 403


def test_a_password_keeps_its_spaces(two_servers: tuple[Served, Served]):
    zhang = Browser(two_servers[0].base)
    assert zhang.log_in("张三", ZHANG_PASSWORD.strip()) == 401  # the password is not trimmed
    assert zhang.log_in("张三", ZHANG_PASSWORD) == 200


def test_a_cookie_used_after_logout_is_refused(two_servers: tuple[Served, Served]):
    served = two_servers[0]
    li = Browser(served.base)
    assert li.log_in("州局李四", LI_PASSWORD) == 200
    copied = li.login_cookie()
    status, url, _ = Browser(served.base).get("voila/render/index.ipynb", {"Cookie": copied})
    assert status == 200 and "/login" not in url, (status, url)

    status, text = li.log_out()
    assert status == 200 and "已退出登录" in text
    status, url, _ = Browser(served.base).get("voila/render/index.ipynb", {"Cookie": copied})
    assert "/login?next=" in url, (status, url)  # sent back to the login page: no page, no kernel


def test_a_link_or_a_form_from_another_site_does_not_log_out(two_servers: tuple[Served, Served]):
    served = two_servers[0]
    li = Browser(served.base)
    assert li.log_in("州局李四", LI_PASSWORD) == 200
    status, _, text = li.get("logout")  # a link, an image or a top-level GET from anywhere: only asks
    assert status == 200 and 'class="hz-logout-submit"' in text and "当前登录账号：州局李四" in text
    status, _ = li.post("logout", {})  # another site's form cannot know the XSRF token
    assert status == 403
    status, url, _ = li.get("voila/render/index.ipynb")
    assert status == 200 and "/login" not in url, (status, url)  # still logged in
    status, text = li.log_out()
    assert status == 200 and "已退出登录" in text
    status, url, _ = li.get("voila/render/index.ipynb")
    assert "/login?next=" in url, (status, url)


def test_two_servers_on_one_store_share_logins_and_logouts(two_servers: tuple[Served, Served]):
    first, second = two_servers
    li = Browser(first.base)
    assert li.log_in("州局李四", LI_PASSWORD) == 200
    copied = li.login_cookie()
    status, url, _ = Browser(second.base).get("voila/render/index.ipynb", {"Cookie": copied})
    assert status == 200 and "/login" not in url, (status, url)  # logged in on one, known on the other
    other = Browser(second.base)
    other.get("logout", {"Cookie": copied})  # the page that asks, and the XSRF cookie of the other server
    cookies = f"{copied}; _xsrf={other.xsrf()}"
    status, _ = other.post("logout", {"_xsrf": other.xsrf()}, {"Cookie": cookies})  # logged out on the other
    assert status == 200
    status, url, _ = Browser(first.base).get("voila/render/index.ipynb", {"Cookie": copied})
    assert "/login?next=" in url, (status, url)


def test_a_page_open_under_an_account_that_is_then_disabled_loses_its_kernel_within_a_minute(
    two_servers: tuple[Served, Served], login_db: str
):
    served, _ = two_servers
    wang, li = Browser(served.base), Browser(served.base)
    assert wang.log_in("王五", WANG_PASSWORD) == 200 and li.log_in("州局李四", LI_PASSWORD) == 200
    kernel = wang.open_page()
    port = urllib.parse.urlsplit(served.base).port

    async def scenario() -> tuple[int, float]:
        channels = HTTPRequest(
            f"ws://127.0.0.1:{port}/api/kernels/{kernel}/channels", headers={"Cookie": wang.login_cookie()}
        )
        ws = await websocket_connect(channels)  # the page is open: its kernel is connected

        async def read_everything() -> None:
            # as the page does: a client that stops reading stops answering pings, and the server then
            # drops the connection (and culls the kernel as idle), which is not what is tested here
            while await ws.read_message() is not None:
                pass

        reader = asyncio.ensure_future(read_everything())
        client = AsyncHTTPClient()
        own = HTTPRequest(f"{served.base}api/kernels/{kernel}", headers={"Cookie": wang.login_cookie()})
        assert json.loads((await client.fetch(own)).body)["id"] == kernel
        # Another person may not even read the kernel's model: 403 while it runs, 404 once it is gone.
        model = HTTPRequest(f"{served.base}api/kernels/{kernel}", headers={"Cookie": li.login_cookie()})
        disabled = await asyncio.to_thread(hazard_cli, "users", "disable", "王五", "--db", login_db)
        assert disabled.returncode == 0, disabled.stderr
        start = time.monotonic()
        status = 403
        while status == 403 and time.monotonic() - start < KERNEL_GONE_WITHIN:
            await asyncio.sleep(2)
            try:
                await client.fetch(model)
                status = 200
            except HTTPClientError as exc:
                status = exc.code
        ws.close()
        await reader
        return status, time.monotonic() - start

    status, waited = run_apart(scenario())
    assert status == 404, f"王五的内核在停用账号 {waited:.0f} 秒后仍在运行"
    assert li.get("")[0] == 200  # another person's login is untouched
