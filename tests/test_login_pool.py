"""Login with a pool of preheated kernels (``hazard serve --login --pool N``): a preheated kernel runs its
notebook before anyone asks for it, and learns whom it serves only when a page request is assigned to it, by
redeeming once the binding token the server put into that request. A kernel serving county A never acts for
county B, also when two people log in and open pages at once; a forged or replayed token binds nobody; the
login tables do not grow without end."""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import sqlalchemy as sa
from jupyter_client.manager import start_new_kernel
from websockets.sync.server import ServerConnection, serve

from hazardlib import login_state, schema
from hazardlib.accounts import add_user, disable_user
from hazardlib.apps import session as session_module
from hazardlib.apps.session import BINDING_HEADER, Kernel, Session
from hazardlib.login_state import BindingRefused
from hazardlib.serve import TEMPLATE, kernel_pools, template_root
from hazardlib.store import SYSTEM_USER, Store, open_store

from .browser.conftest import Served, serving
from .situations import Situation
from .test_login_kernels import call, refused, websocket_status
from .test_login_server import Browser

ZHANG, ZHANG_PASSWORD, ZHANG_COUNTY = "张三", "都匀-password-1", "522701"
WANG, WANG_PASSWORD, WANG_COUNTY = "王五", "三都-password-1", "522732"
POOL = 2
# The test's page is named as the landing page (index.ipynb), whose pool keeps one kernel more than --pool.
PAGE_POOL = kernel_pools(POOL)["index.ipynb"]["pool_size"]
POOL_READY_WITHIN = 180  # seconds: two kernels start and import the workbook on a shared 2-core machine

# The page prints whom its kernel is bound to (or why it is bound to nobody).
PAGE = """\
from hazardlib.apps.session import Session
try:
    s = Session.from_env()
    print(f"绑定：{s.user}|{s.scope_code}|{s.login_session}")
except Exception as exc:
    print(f"未绑定：{exc}")
"""


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    store = open_store(url, user="州局管理员")
    add_user(store, ZHANG, ZHANG_COUNTY, ZHANG_PASSWORD)
    add_user(store, WANG, WANG_COUNTY, WANG_PASSWORD)
    store.dispose()
    return url


@pytest.fixture
def store(db: str) -> Iterator[Store]:
    s = Store(db, user=SYSTEM_USER)
    yield s
    s.dispose()


def login_of(store: Store, name: str) -> int:
    """A new login session of ``name`` (as a login form would open it)."""
    with store.read() as conn:
        stamp_hash = conn.execute(
            sa.select(schema.accounts.c.password_hash).where(schema.accounts.c.name == name)
        ).scalar_one()
    return login_state.open_session(store, name, login_state.password_stamp(stamp_hash))[1]


# -- the token, in the store -----------------------------------------------------------------------------


def test_a_token_binds_one_kernel_once_to_its_login(store: Store):
    session_id = login_of(store, ZHANG)
    token = login_state.mint_binding(store, session_id)
    bound = login_state.redeem_binding(store, token, "kernel-a")
    assert bound == login_state.Bound(ZHANG, ZHANG_COUNTY, session_id)
    with pytest.raises(BindingRefused, match="登录凭据无效、已使用或已过期"):
        login_state.redeem_binding(store, token, "kernel-b")  # replayed, by another kernel
    with pytest.raises(BindingRefused):
        login_state.redeem_binding(store, token, "kernel-a")  # replayed, by the same kernel


def test_a_kernel_redeems_one_token_only_so_it_never_serves_two_people(store: Store):
    zhang = login_state.mint_binding(store, login_of(store, ZHANG))
    wang = login_state.mint_binding(store, login_of(store, WANG))
    assert login_state.redeem_binding(store, zhang, "kernel-a").county == ZHANG_COUNTY
    with pytest.raises(BindingRefused):
        login_state.redeem_binding(store, wang, "kernel-a")
    assert (
        login_state.redeem_binding(store, wang, "kernel-b").county == WANG_COUNTY
    )  # the token was not spent


def test_forged_expired_and_ended_tokens_are_refused(store: Store):
    with pytest.raises(BindingRefused):
        login_state.redeem_binding(store, "a-token-nobody-minted", "kernel-a")
    session_id = login_of(store, ZHANG)
    old = login_state.mint_binding(store, session_id, now=login_state.utcnow() - dt.timedelta(minutes=5))
    with pytest.raises(BindingRefused):
        login_state.redeem_binding(store, old, "kernel-a")
    token = login_state.mint_binding(store, login_of(store, WANG))
    disable_user(Store(store.url, user="州局管理员"), WANG)
    with pytest.raises(BindingRefused):
        login_state.redeem_binding(store, token, "kernel-b")


def test_a_token_lives_as_long_as_its_page_waits_and_no_more(store: Store):
    """A page redeems its token after its wait in the queue and its kernel's start, or after the pool's next kernel
    has started and warmed up: as late as the page waits before it loads itself again, and not later."""
    issued = login_state.utcnow()
    queued = dt.timedelta(seconds=login_state.START_WAIT_SECONDS)
    assert queued < login_state.BINDING_MAX_AGE
    waited = dt.timedelta(seconds=login_state.PAGE_WAIT_SECONDS)
    late = login_state.mint_binding(store, login_of(store, ZHANG), now=issued)
    just_in_time = issued + waited - dt.timedelta(seconds=1)
    assert login_state.redeem_binding(store, late, "kernel-a", now=just_in_time).county == ZHANG_COUNTY
    too_late = login_state.mint_binding(store, login_of(store, WANG), now=issued)
    with pytest.raises(BindingRefused):
        login_state.redeem_binding(store, too_late, "kernel-b", now=issued + waited)


def test_the_page_waits_as_long_as_the_login_state_says():
    """The page template reloads a page whose notebook has not run within PAGE_WAIT_SECONDS: the binding token's
    lifetime is that wait, so the two must agree."""
    template = (template_root() / "voila" / "templates" / TEMPLATE / "index.html.j2").read_text(
        encoding="utf-8"
    )
    assert f"WAIT_MS = {login_state.PAGE_WAIT_SECONDS * 1000}," in template


def test_a_kernel_belongs_to_the_login_whose_token_it_offered_even_a_token_too_old(store: Store):
    """The server lets a page reach its kernel only if the kernel offered that page's login's token: redeemed,
    or refused as too old (the page then reaches its kernel to say why it shows nothing, and retries)."""
    zhang, wang = login_of(store, ZHANG), login_of(store, WANG)
    login_state.redeem_binding(store, login_state.mint_binding(store, zhang), "kernel-a")
    assert login_state.kernel_session(store, "kernel-a") == zhang
    old = login_state.mint_binding(store, wang, now=login_state.utcnow() - dt.timedelta(minutes=5))
    with pytest.raises(BindingRefused):
        login_state.redeem_binding(store, old, "kernel-b")
    assert login_state.kernel_session(store, "kernel-b") == wang
    with pytest.raises(BindingRefused):
        login_state.redeem_binding(store, old, "kernel-c")  # the same token again: no kernel of anybody's
    assert login_state.kernel_session(store, "kernel-c") is None
    assert login_state.kernel_session(store, "a-kernel-never-bound") is None
    login_of(store, ZHANG)  # a login opens and purges dead rows: a token a kernel offered stays its owner
    assert login_state.kernel_session(store, "kernel-b") == wang


def test_a_preheated_kernel_whose_wait_drops_waits_again_for_its_request(monkeypatch: pytest.MonkeyPatch):
    """The wait for a request ends without one when its websocket drops (a busy server missed Voilà's keepalive
    ping): the kernel waits again instead of running on for nobody."""
    waits: list[int] = []

    def wait_for_request(environ: object) -> None:
        waits.append(1)
        if len(waits) == 3:  # dropped twice, then the request comes
            monkeypatch.setenv(session_module.REQUEST_MARK, "voila/0.5.13")

    kernel = Kernel()  # a preheated kernel not yet given its request
    monkeypatch.setenv(session_module.ENV_PREHEAT, "True")
    monkeypatch.setenv(session_module.REQUEST_MARK, "left over from the server's environment")
    assert kernel.preheating()
    kernel.await_request(wait=wait_for_request)
    assert len(waits) == 3 and not kernel.preheating()
    kernel.await_request(wait=wait_for_request)  # given its request once: no second wait
    assert len(waits) == 3


@contextlib.contextmanager
def request_server(answer: str | None) -> Iterator[tuple[dict[str, str], list[str]]]:
    """A websocket server standing in for Voilà's request information (``voila/query/<kernel id>``): it sends
    ``answer`` to the kernel that connects, or closes the connection (None). Yields the kernel's environment and
    the paths the kernels asked for."""
    asked: list[str] = []

    def handler(websocket: ServerConnection) -> None:
        asked.append(websocket.request.path if websocket.request else "")
        if answer is not None:
            websocket.send(answer)

    with serve(handler, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.socket.getsockname()[1]
        yield {"VOILA_APP_IP": "127.0.0.1", "VOILA_APP_PORT": str(port), "VOILA_KERNEL_ID": "k-1"}, asked
        server.shutdown()


def test_a_preheated_kernel_takes_its_request_from_the_server(monkeypatch: pytest.MonkeyPatch):
    """The kernel asks for its own kernel id's request and puts the request's information into its environment;
    a connection the server closes without a request leaves the environment as it was."""
    monkeypatch.delenv(session_module.BINDING_ENV, raising=False)
    answer = json.dumps({session_module.BINDING_ENV: "token-1", session_module.REQUEST_MARK: "voila/0.5.13"})
    with request_server(answer) as (env, asked):
        session_module.wait_for_request(env)
    assert asked == ["/voila/query/k-1"]
    assert os.environ[session_module.BINDING_ENV] == "token-1"
    monkeypatch.delenv(session_module.BINDING_ENV)
    with request_server(None) as (env, asked):
        session_module.wait_for_request(env)
    assert asked == ["/voila/query/k-1"]
    assert session_module.BINDING_ENV not in os.environ


def test_a_kernel_given_a_spent_token_opens_no_session(store: Store):
    token = login_state.mint_binding(store, login_of(store, ZHANG))
    login_state.redeem_binding(store, token, "kernel-a")
    env = {
        "HAZARD_LOGIN": "1",
        "HAZARD_DB": store.url,
        session_module.BINDING_ENV: token,
        "VOILA_KERNEL_ID": "k2",
    }
    kernel = Kernel()
    with pytest.raises(BindingRefused):
        Session.from_env(env, kernel=kernel)
    assert kernel.login is None  # bound to nobody


def test_expired_login_rows_are_deleted_when_a_login_opens(store: Store):
    long_ago = login_state.utcnow() - login_state.LOGIN_MAX_AGE - dt.timedelta(hours=1)
    old_id = login_state.open_session(store, ZHANG, "stamp", now=long_ago)[1]
    login_state.mint_binding(store, old_id, now=long_ago)
    throttle = login_state.LoginThrottle(clock=lambda: long_ago)
    throttle.failed(store, "某人", "10.0.0.9")
    recent_failure = login_state.LoginThrottle()
    recent_failure.failed(store, "另一人", "10.0.0.8")

    login_of(store, WANG)  # a login opens: the dead rows go

    with store.read() as conn:
        sessions = conn.execute(sa.select(schema.login_sessions.c.account_name)).scalars().all()
        bindings = conn.execute(sa.select(schema.login_bindings.c.session_id)).scalars().all()
        failures = conn.execute(sa.select(schema.login_failures.c.key)).scalars().all()
    assert sessions == [WANG]
    assert bindings == []
    assert sorted(failures) == ["10.0.0.8", "另一人"]


# -- a real server with a pool -----------------------------------------------------------------------------


@pytest.fixture
def pooled(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    """``hazard serve --login --pool 2`` on a folder with one page that prints whom its kernel serves, once
    its pool (:data:`PAGE_POOL` kernels) is full."""
    folder = tmp_path / "dashboards"
    folder.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PAGE)]), folder / "index.ipynb")
    monkeypatch.setenv("HAZARD_DASHBOARDS", str(folder))
    (tmp_path / "serve").mkdir()
    with serving(db, tmp_path / "serve", login=True, pool=POOL) as served:
        start = time.monotonic()
        while "Kernel pool of index.ipynb is filled" not in served.log.read_text(encoding="utf-8"):
            assert time.monotonic() - start < POOL_READY_WITHIN, served.log.read_text(encoding="utf-8")[
                -3000:
            ]
            time.sleep(1)
        yield served


def page_of(browser: Browser, headers: dict[str, str] | None = None) -> tuple[str, str]:
    """The kernel id and the binding line of one page opened by ``browser``."""
    status, url, html = browser.get("voila/render/index.ipynb", headers)
    assert status == 200 and "/login" not in url, (status, url)
    kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"', html)
    line = re.search(r"(绑定：[^<\n\\\"]*|未绑定：[^<\n\\\"]*)", html)
    assert kernel and line, html[-2000:]
    return kernel.group(1), line.group(1)


@pytest.mark.slow
def test_preheated_kernels_serve_each_person_their_own_county_also_at_once(pooled: Served, store: Store):
    zhang, wang = Browser(pooled.base), Browser(pooled.base)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        assert list(
            pool.map(
                lambda b: b[0].log_in(*b[1]),
                [(zhang, (ZHANG, ZHANG_PASSWORD)), (wang, (WANG, WANG_PASSWORD))],
            )
        ) == [200, 200]
        # Both open pages at the same moment: more pages than the pool holds, so some kernels are preheated
        # and some started on request.
        opened = list(pool.map(page_of, [zhang, wang, zhang, wang]))
    with store.read() as conn:
        sessions = dict(
            conn.execute(sa.select(schema.login_sessions.c.id, schema.login_sessions.c.account_name)).all()
        )
    kernels = [kernel for kernel, _ in opened]
    assert len(set(kernels)) == 4  # no kernel serves two pages
    for (_kernel, line), (name, county) in zip(
        opened, [(ZHANG, ZHANG_COUNTY), (WANG, WANG_COUNTY)] * 2, strict=True
    ):
        user, scope, session_id = line.removeprefix("绑定：").split("|")
        assert (user, scope, sessions[int(session_id)]) == (name, county, name), line
    preheated = set(
        re.findall(r"Using pre-heated kernel: ([0-9a-f-]{36})", pooled.log.read_text(encoding="utf-8"))
    )
    assert preheated & set(kernels), "没有页面由预启动内核提供"


@pytest.mark.slow
def test_a_binding_header_sent_by_a_browser_is_replaced_by_the_servers(pooled: Served, store: Store):
    zhang, wang = Browser(pooled.base), Browser(pooled.base)
    assert zhang.log_in(ZHANG, ZHANG_PASSWORD) == 200 and wang.log_in(WANG, WANG_PASSWORD) == 200
    with store.read() as conn:
        zhang_session = conn.execute(
            sa.select(schema.login_sessions.c.id).where(schema.login_sessions.c.account_name == ZHANG)
        ).scalar_one()
    stolen = login_state.mint_binding(store, zhang_session)  # a valid, unspent token of 张三's login
    _, line = page_of(wang, {BINDING_HEADER: stolen})
    assert line.startswith(f"绑定：{WANG}|{WANG_COUNTY}|"), line  # 王五 stays 王五
    assert login_state.redeem_binding(store, stolen, "test").account == ZHANG  # never used by the page

    replayed = login_state.mint_binding(store, zhang_session)
    login_state.redeem_binding(store, replayed, "test-2")
    _, line = page_of(wang, {BINDING_HEADER: replayed})
    assert line.startswith(f"绑定：{WANG}|{WANG_COUNTY}|"), line


@pytest.mark.slow
def test_a_preheated_kernel_serves_nobody_until_a_page_takes_it_then_only_that_login(pooled: Served):
    zhang, wang = Browser(pooled.base), Browser(pooled.base)
    assert zhang.log_in(ZHANG, ZHANG_PASSWORD) == 200 and wang.log_in(WANG, WANG_PASSWORD) == 200
    waiting = set(re.findall(r"Kernel started: ([0-9a-f-]{36})", pooled.log.read_text(encoding="utf-8")))
    assert len(waiting) == PAGE_POOL
    for kernel in waiting:  # in the pool, bound to nobody: nobody reaches them
        for browser in (zhang, wang):
            assert refused(*call(browser, "GET", f"api/kernels/{kernel}"))
            assert websocket_status(pooled, browser, kernel) == 403
    kernel, line = page_of(zhang)
    assert kernel in waiting and line.startswith(f"绑定：{ZHANG}|{ZHANG_COUNTY}|"), (kernel, line)
    assert call(zhang, "GET", f"api/kernels/{kernel}")[0] == 200
    assert websocket_status(pooled, zhang, kernel) == 101
    assert refused(*call(wang, "GET", f"api/kernels/{kernel}"))
    assert refused(*call(wang, "POST", f"voila/api/shutdown/{kernel}"))
    assert websocket_status(pooled, wang, kernel) == 403
    assert call(zhang, "POST", f"voila/api/shutdown/{kernel}")[0] == 204


@pytest.fixture
def pooled_ledger(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    """``hazard serve --login --pool 2`` on the real ledger page (as the folder's index), over a store with a
    hazard in each login's county, once its pool is full (its kernels warmed up for 都匀市, 张三's county)."""
    store = open_store(db, user="州局管理员")
    s = Situation(store)
    s.hazard(s.enterprise(ZHANG_COUNTY, name="都匀市甲厂"), dt.date(2024, 7, 1))
    s.hazard(s.enterprise(WANG_COUNTY, name="三都县乙厂"), dt.date(2024, 7, 2))
    store.dispose()
    folder = tmp_path / "dashboards"
    folder.mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "dashboards" / "ledger.ipynb", folder / "index.ipynb")
    monkeypatch.setenv("HAZARD_DASHBOARDS", str(folder))
    (tmp_path / "serve").mkdir()
    with serving(db, tmp_path / "serve", login=True, pool=POOL) as served:
        start = time.monotonic()

        def warmed() -> int:
            log = served.app_log
            return log.read_text(encoding="utf-8").count("warmed up in") if log.exists() else 0

        while warmed() < POOL:
            assert time.monotonic() - start < POOL_READY_WITHIN, served.log.read_text(encoding="utf-8")[
                -3000:
            ]
            time.sleep(1)
        yield served


def first_paint_of(browser: Browser) -> str:
    """The first paint in the HTML of the ledger page ``browser`` opens."""
    status, url, html = browser.get("voila/render/index.ipynb")
    assert status == 200 and "/login" not in url, (status, url)
    start = html.find('<div class="hz-first-paint"')
    assert start >= 0, html[-2000:]
    return html[start : html.index("<script>", start)]


@pytest.mark.slow
def test_a_preheated_kernels_first_paint_shows_only_the_county_of_the_login_it_serves(
    pooled_ledger: Served,
):
    zhang, wang = Browser(pooled_ledger.base), Browser(pooled_ledger.base)
    assert zhang.log_in(ZHANG, ZHANG_PASSWORD) == 200 and wang.log_in(WANG, WANG_PASSWORD) == 200
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        # 王五 first, on kernels warmed up for 张三's county; then both at once, more pages than the pool holds
        paints = list(pool.map(first_paint_of, [wang, zhang, wang, zhang]))
    for paint, (mine, theirs, scope) in zip(
        paints,
        [("三都县乙厂", "都匀市甲厂", "三都水族自治县"), ("都匀市甲厂", "三都县乙厂", "都匀市")] * 2,
        strict=True,
    ):
        assert mine in paint and theirs not in paint and f"范围：<b>{scope}</b>" in paint, paint[-1500:]
    preheated = re.findall(r"Using pre-heated kernel", pooled_ledger.log.read_text(encoding="utf-8"))
    assert preheated, "没有页面由预启动内核提供"


def test_a_preheated_kernel_says_at_once_that_its_request_has_come(monkeypatch: pytest.MonkeyPatch):
    """A kernel given its request sends the server one message before binding its login and reading its first
    view: until then it looked like a pool kernel silent for long, which the kernel manager may shut down to make
    room for a page. A wait that ends without a request says nothing; a kernel not preheated waits for nothing."""
    said: list[str] = []
    waits: list[int] = []

    def wait_for_request(environ: object) -> None:
        waits.append(1)
        assert said == []  # nothing said while waiting, nor after a wait that dropped
        if len(waits) == 2:
            monkeypatch.setenv(session_module.REQUEST_MARK, "voila/0.5.13")

    monkeypatch.setattr(session_module.time, "sleep", lambda _seconds: None)
    monkeypatch.setenv(session_module.ENV_PREHEAT, "True")
    monkeypatch.delenv(session_module.REQUEST_MARK, raising=False)
    kernel = Kernel()
    kernel.await_request(wait=wait_for_request, announce=lambda: said.append("given"))
    assert len(waits) == 2 and said == ["given"]
    kernel.await_request(wait=wait_for_request, announce=lambda: said.append("again"))
    assert said == ["given"]  # once only

    monkeypatch.delenv(session_module.ENV_PREHEAT)
    unpooled: list[str] = []
    Kernel().await_request(wait=wait_for_request, announce=lambda: unpooled.append("given"))
    assert unpooled == [] and len(waits) == 2


def test_the_message_a_kernel_sends_for_its_request_reaches_the_server_and_draws_nothing(
    capsys: pytest.CaptureFixture[str],
):
    """:func:`announce_request` in a real kernel: one message on the kernel's output channel (what the server
    counts as the kernel's activity), a clear that waits for an output the cell never has, so the page shows
    nothing of it; outside a kernel it does nothing (no output at all)."""
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        msg_id = kc.execute("from hazardlib.apps.session import announce_request\nannounce_request()")
        kinds = []
        while True:
            msg = kc.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kinds.append((msg["msg_type"], msg["content"].get("wait", msg["content"].get("execution_state"))))
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert ("clear_output", True) in kinds, kinds
    assert [k for k, _ in kinds if k in ("stream", "display_data", "execute_result", "error")] == [], kinds
    session_module.announce_request()  # this test's process is no kernel
    assert capsys.readouterr() == ("", "")
