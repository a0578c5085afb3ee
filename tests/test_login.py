"""Who is at the browser: ``hazard serve`` refuses to serve beyond this machine without login; with login the
server checks accounts, keeps a signed login that ends when the account is disabled or its password
changes, and binds each page's kernel to the logged-in person and county (never to anything the browser
sends); a kernel that was not bound opens no session."""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import datetime as dt
import json
import socket
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nbformat
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from tornado import web

from devtools.workload import add_enterprises
from hazardlib import login, login_state, schema, serve
from hazardlib.accounts import Account, add_user, disable_user, enable_user, get_account, set_password
from hazardlib.apps import session as session_module
from hazardlib.apps.base import Unavailable
from hazardlib.apps.landing import LandingApp
from hazardlib.apps.session import Kernel, Session, SessionError
from hazardlib.cli import main
from hazardlib.store import Store, open_store

from .own_loop import run

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "secret-都匀-1"
SESSION = Session(url="sqlite:///w.db", county="522701", as_of=dt.date(2024, 9, 15), user="张三")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def started(monkeypatch) -> list[serve.ServeConfig]:
    """What ``hazard serve`` would have started (nothing is started)."""
    configs: list[serve.ServeConfig] = []
    monkeypatch.setattr(serve, "run", lambda config: configs.append(config))
    return configs


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'w.db'}"


def hazard_serve(db: str, *args: str):
    return CliRunner().invoke(main, ["serve", "--db", db, "--port", str(free_port()), *args])


# -- hazard serve: where it may listen ----------------------------------------------------------------


def test_serving_beyond_this_machine_without_login_is_refused_before_anything_starts(tmp_path, db, started):
    refused = hazard_serve(db, "--host", "0.0.0.0", "--no-login")
    assert refused.exit_code == 1 and not started
    assert (
        "不是本机地址" in refused.output
        and "hazard users add" in refused.output
        and "--login" in refused.output
    )
    assert not (tmp_path / "w.db").exists()  # refused before the store was even opened

    no_accounts = hazard_serve(db, "--host", "0.0.0.0")  # login defaults to off while there is no account
    assert no_accounts.exit_code == 1 and not started and "必须启用登录" in no_accounts.output

    login_without_accounts = hazard_serve(db, "--host", "0.0.0.0", "--login")
    assert login_without_accounts.exit_code == 1 and not started
    assert "还没有可以登录的账号" in login_without_accounts.output


def test_once_an_account_exists_login_is_on_and_the_login_decides_county_and_person(db, started):
    add_user(open_store(db), "张三", "522701", PASSWORD)
    result = hazard_serve(db, "--host", "0.0.0.0", "--as-of", "2024-09-15")
    assert result.exit_code == 0, result.output
    (config,) = started
    assert config.login and config.host == "0.0.0.0" and config.session.county is None
    assert "登录：已启用" in result.output

    conflict = hazard_serve(db, "--county", "522701", "--user", "冒充者")
    assert (
        conflict.exit_code == 1 and "不能再用 --county、--user 指定" in conflict.output and len(started) == 1
    )

    local = hazard_serve(db, "--no-login", "--county", "522722")  # this machine only, as before
    assert local.exit_code == 0 and not started[-1].login and started[-1].session.county == "522722"


def test_hazard_serve_passes_the_trusted_proxies_to_the_server_and_refuses_a_bad_one(db, started, tmp_path):
    add_user(open_store(db), "张三", "522701", PASSWORD)
    result = hazard_serve(db, "--trusted-proxy", "127.0.0.1", "--trusted-proxy", "10.1.0.0/16")
    assert result.exit_code == 0, result.output
    (config,) = started
    assert (
        config.proxies == ("127.0.0.1", "10.1.0.0/16")
        and "可信反向代理：127.0.0.1、10.1.0.0/16" in result.output
    )
    env = serve.voila_env(dataclasses.replace(config, log_file=tmp_path / "d.log"), base={})
    assert env["HAZARD_TRUSTED_PROXIES"] == "127.0.0.1,10.1.0.0/16"

    bad = hazard_serve(db, "--trusted-proxy", "proxy.example")
    assert bad.exit_code == 1 and "不是 IP 地址或网段" in bad.output and len(started) == 1


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("", False),
        ("example.org", False),
    ],
)
def test_which_addresses_count_as_this_machine(host, loopback):
    assert serve.is_loopback(host) is loopback


def test_with_login_voila_gets_the_identity_provider_and_hook_and_the_kernels_no_person_or_county(tmp_path):
    config = serve.ServeConfig(SESSION, log_file=tmp_path / "d.log", login=True)
    cmd = serve.voila_command(config)
    assert "--Voila.identity_provider_class=hazardlib.login.AccountIdentityProvider" in cmd
    assert "--Voila.authorizer_class=hazardlib.login.KernelOwnerAuthorizer" in cmd
    env = serve.voila_env(config, base={"HAZARD_USER": "shell-user", "HAZARD_COUNTY": "522700"})
    assert env["HAZARD_LOGIN"] == "1" and "HAZARD_USER" not in env and "HAZARD_COUNTY" not in env
    folders = [Path(p) for p in env["JUPYTER_CONFIG_PATH"].split(":")]
    configs = [(p / "voila.py").read_text(encoding="utf-8") for p in folders if (p / "voila.py").is_file()]
    assert any("c.VoilaConfiguration.prelaunch_hook = prelaunch_hook" in text for text in configs)
    assert any("c.Voila.cookie_secret = cookie_secret(accounts_store())" in text for text in configs)

    off = serve.ServeConfig(SESSION, log_file=tmp_path / "d.log")
    assert not any("identity_provider" in a or "authorizer" in a for a in serve.voila_command(off))
    plain = serve.voila_env(off, base={"HAZARD_LOGIN": "1"})
    assert "HAZARD_LOGIN" not in plain and plain["HAZARD_USER"] == "张三"
    plain_configs = [Path(p) / "voila.py" for p in plain["JUPYTER_CONFIG_PATH"].split(":")]
    assert not any("prelaunch_hook" in p.read_text(encoding="utf-8") for p in plain_configs if p.exists())


# -- the server: identity from the accounts table ------------------------------------------------------


class FakeRequest:
    def __init__(self, remote_ip: str = "10.0.0.8", forwarded_for: str | None = None):
        self.remote_ip = remote_ip
        self.headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else {}


class FakeHandler:
    """What the identity provider and the prelaunch hook use of a tornado request handler."""

    def __init__(self, current_user: Any = None, **arguments: str):
        self.current_user = current_user
        self.arguments = arguments
        self.request = FakeRequest()

    def get_argument(self, name: str, default: str = "", strip: bool = True) -> str:
        return self.arguments.get(name, default)


@pytest.fixture
def served_db(db, monkeypatch) -> str:
    """A store with 张三 (都匀市), 州局李四 (the prefecture) and a disabled 王五, named as the server's."""
    store = open_store(db, user="州局管理员")
    add_user(store, "张三", "522701", PASSWORD)
    add_user(store, "州局李四", None, PASSWORD)
    add_user(store, "王五", "522702", PASSWORD)
    disable_user(store, "王五")
    monkeypatch.setenv("HAZARD_DB", db)
    return db


class Clock:
    """A clock for the login throttle that the test moves on by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 6, 9, 0, 0)

    def __call__(self) -> dt.datetime:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The server's login throttle, on a clock the test moves."""
    c = Clock()
    monkeypatch.setattr(login, "THROTTLE", login_state.LoginThrottle(clock=c))
    return c


def test_the_wait_after_failed_logins_doubles_up_to_a_minute():
    backoff = login_state.Backoff(free=3)
    assert [backoff.delay(n) for n in range(1, 12)] == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert backoff.delay(10_000) == 60  # never a lockout, however many failures


def test_failed_logins_slow_a_name_and_an_address_down_and_are_forgotten(store_url):
    store = open_store(store_url, user="州局管理员")
    clock = Clock()
    throttle = login_state.LoginThrottle(
        per_name=login_state.Backoff(free=2, cap=30),
        per_address=login_state.Backoff(free=4, cap=30),
        clock=clock,
    )
    for _ in range(2):
        throttle.failed(store, "张三", "10.0.0.8")
    assert throttle.wait(store, "张三", "10.0.0.8") == 0  # two failures are free
    throttle.failed(store, "张三", "10.0.0.8")
    assert throttle.wait(store, "张三", "10.0.0.9") == 1  # the name, from anywhere
    assert throttle.wait(store, "李四", "10.0.0.8") == 0  # the address: 3 of 4 free
    clock.tick(1)
    throttle.failed(store, "张三", "10.0.0.8")
    assert throttle.wait(store, "张三", "10.0.0.7") == 2  # doubled
    assert throttle.wait(store, "李四", "10.0.0.8") == 0  # the address's fourth failure: still free
    throttle.failed(store, "李四", "10.0.0.8")
    assert throttle.wait(store, "赵六", "10.0.0.8") == 1 and throttle.wait(store, "赵六", "10.0.0.6") == 0
    for _ in range(20):  # whoever keeps failing for 张三 makes him wait at most the cap, never locks him out
        clock.tick(60)
        throttle.failed(store, "张三", "10.9.9.9")
    assert throttle.wait(store, "张三", "10.0.0.7") == 30
    clock.tick(30)
    assert throttle.wait(store, "张三", "10.0.0.7") == 0
    throttle.succeeded(store, "张三")  # a right password clears the name's failures
    throttle.failed(store, "张三", "10.0.0.7")
    assert throttle.wait(store, "张三", "10.0.0.7") == 0
    clock.tick(16 * 60)  # a quiet quarter of an hour: the failures are forgotten, and their rows go
    throttle.failed(store, "新人", "10.0.0.5")
    with store.read() as conn:
        keys = conn.execute(sa.select(schema.login_failures.c.key)).scalars().all()
    assert sorted(keys) == ["10.0.0.5", "新人"]


def test_after_wrong_passwords_even_the_right_one_waits_seconds_not_a_lockout(served_db, clock):
    provider = login.AccountIdentityProvider()
    for _ in range(4):
        assert provider.process_login_form(FakeHandler(username="张三", password="wrong-password")) is None
    with pytest.raises(login.TooManyFailures, match="登录失败次数较多，请1秒后再试"):
        provider.process_login_form(FakeHandler(username="张三", password=PASSWORD))
    other = provider.process_login_form(FakeHandler(username="州局李四", password=PASSWORD))
    assert other is not None and other.username == "州局李四"  # the same office, another person
    clock.tick(1)
    assert provider.process_login_form(FakeHandler(username="张三", password=PASSWORD)) is not None


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("10.0.0.8", None, "10.0.0.8"),
        ("10.0.0.8", "6.6.6.6", "10.0.0.8"),  # not from the proxy: the header is anyone's to write
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", "192.168.3.7", "192.168.3.7"),  # from the proxy: the address it got the request from
        ("127.0.0.1", "6.6.6.6, 192.168.3.7", "192.168.3.7"),  # the client wrote 6.6.6.6 itself
        ("127.0.0.1", "192.168.3.7, 10.1.0.2", "192.168.3.7"),  # through two proxies (10.1.0.0/16)
        ("127.0.0.1", "", "127.0.0.1"),
    ],
)
def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(remote, forwarded, client):
    proxies = serve.trusted_proxies(["127.0.0.1", "10.1.0.0/16"])
    assert login.client_address(remote, forwarded, proxies) == client


def test_behind_a_trusted_proxy_each_clerk_fails_on_their_own_address(served_db, clock, monkeypatch):
    provider = login.AccountIdentityProvider()

    def attempt(forwarded: str, name: str = "猜密码的人") -> Any:
        handler = FakeHandler(username=name, password="wrong-password")
        handler.request = FakeRequest("127.0.0.1", forwarded)
        return provider.process_login_form(handler)

    monkeypatch.setenv("HAZARD_TRUSTED_PROXIES", "127.0.0.1")
    for i in range(11):  # eleven names from one clerk's address: the address waits from the 11th failure
        attempt("192.168.3.7", f"猜{i}")
    with pytest.raises(login.TooManyFailures):
        attempt("192.168.3.7", "张三")
    handler = FakeHandler(username="张三", password=PASSWORD)
    handler.request = FakeRequest("127.0.0.1", "192.168.3.8")
    assert provider.process_login_form(handler) is not None  # another clerk behind the same proxy

    monkeypatch.setenv("HAZARD_TRUSTED_PROXIES", "")  # no proxy named: everyone is the proxy's address
    for i in range(11):
        attempt(f"192.168.3.{i}", f"又猜{i}")
    with pytest.raises(login.TooManyFailures):
        attempt("192.168.3.99", "州局李四")
    assert serve.trusted_proxies("127.0.0.1, 10.0.0.0/8") == serve.trusted_proxies(
        ["127.0.0.1", "10.0.0.0/8"]
    )
    with pytest.raises(serve.BadProxy, match="不是 IP 地址或网段"):
        serve.trusted_proxies(["proxy.example"])


def test_the_login_form_lets_in_only_the_right_password_of_an_active_account(served_db):
    provider = login.AccountIdentityProvider()
    user = provider.process_login_form(FakeHandler(username="张三", password=PASSWORD))
    assert isinstance(user, login.AccountUser) and (user.username, user.county) == ("张三", "522701")
    for name, password in (("张三", "wrong-password"), ("无此人", PASSWORD), ("王五", PASSWORD), ("", "")):
        assert provider.process_login_form(FakeHandler(username=name, password=password)) is None
    assert provider.auth_enabled and provider.login_available
    assert provider.cookie_options["samesite"] == "Lax"


def test_the_signed_login_ends_when_the_account_is_disabled_or_its_password_changes(served_db):
    provider = login.AccountIdentityProvider()
    store = open_store(served_db, user="州局管理员")
    user = provider.process_login_form(FakeHandler(username="张三", password=PASSWORD))
    assert isinstance(user, login.AccountUser) and user.session_id is not None
    cookie = provider.user_to_cookie(user)
    assert PASSWORD not in cookie and "argon2" not in cookie and "张三" not in cookie
    again = provider.user_from_cookie(cookie)
    assert isinstance(again, login.AccountUser) and again.username == "张三" and again.county == "522701"

    set_password(store, "张三", "new-password-1")
    assert provider.user_from_cookie(cookie) is None
    fresh = provider.process_login_form(FakeHandler(username="张三", password="new-password-1"))
    assert fresh is not None and provider.user_from_cookie(provider.user_to_cookie(fresh)) is not None
    disable_user(store, "张三")
    assert provider.user_from_cookie(provider.user_to_cookie(fresh)) is None
    # a cookie that names an account (as logins did before sessions) opens nothing
    assert provider.user_from_cookie('{"username": "张三", "stamp": ""}') is None


def logged_in(name: str) -> login.AccountUser:
    """The user the server sees on requests of ``name``'s browser after logging in."""
    provider, cookie = login_now(name)
    user = provider.user_from_cookie(cookie)
    assert isinstance(user, login.AccountUser)
    return user


def login_now(name: str, password: str = PASSWORD) -> tuple[login.AccountIdentityProvider, str]:
    """Log ``name`` in through the server's form; the provider and the cookie's value the browser keeps."""
    provider = login.AccountIdentityProvider()
    user = provider.process_login_form(FakeHandler(username=name, password=password))
    assert user is not None
    return provider, provider.user_to_cookie(user)


def test_a_cookie_used_after_logout_is_refused(served_db):
    provider, cookie = login_now("张三")
    _, other = login_now("张三")  # the same person in another browser
    assert provider.user_from_cookie(cookie) is not None
    assert login_state.revoke(login.accounts_store(), json.loads(cookie)["nonce"])  # what /logout does
    assert provider.user_from_cookie(cookie) is None
    assert provider.user_from_cookie(other) is not None  # logging out ends that login only


class CookieHandler(FakeHandler):
    """A request carrying the signed login cookie ``cookie`` (already checked: tornado's part)."""

    def __init__(self, cookie: str | None):
        super().__init__()
        self.cookie = cookie

    def get_secure_cookie(self, name: str, **kwargs: Any) -> bytes | None:
        return self.cookie.encode() if self.cookie is not None and name == login.COOKIE_NAME else None


def test_the_login_is_looked_up_off_the_event_loop_and_each_request_gets_its_own(served_db, monkeypatch):
    """A request whose login takes long to read from the store keeps no other request waiting, and each request
    gets the login of its own cookie; a request without the cookie gets nobody."""
    provider, zhang = login_now("张三")
    _, li = login_now("州局李四")
    release = threading.Event()
    read = login_state.session_of

    def slow_for_zhang(store: Store, nonce: str, now: dt.datetime | None = None) -> tuple[int, str] | None:
        if nonce == json.loads(zhang)["nonce"]:
            assert release.wait(30)
        return read(store, nonce, now)

    monkeypatch.setattr(login_state, "session_of", slow_for_zhang)

    async def at_once() -> tuple[Any, Any, Any, bool]:
        first = asyncio.ensure_future(provider.get_user_cookie(CookieHandler(zhang)))
        second = await provider.get_user_cookie(CookieHandler(li))  # served while the first still waits
        first_waiting = not first.done()
        release.set()
        return await first, second, await provider.get_user_cookie(CookieHandler(None)), first_waiting

    first, second, nobody, first_waiting = run(at_once())
    assert first_waiting
    assert isinstance(first, login.AccountUser) and first.username == "张三" and first.county == "522701"
    assert isinstance(second, login.AccountUser) and second.username == "州局李四" and second.county is None
    assert nobody is None


@pytest.mark.parametrize("command", [["disable"], ["passwd", "--password-stdin"]])
def test_hazard_users_disable_and_passwd_end_every_login_of_the_account(served_db, command):
    provider, cookie = login_now("张三")
    _, bystander = login_now("州局李四")
    result = CliRunner().invoke(
        main, ["users", *command, "张三", "--db", served_db], input="another-password-1\n"
    )
    assert result.exit_code == 0, result.output
    assert provider.user_from_cookie(cookie) is None
    s = schema.login_sessions
    with open_store(served_db).read() as conn:
        ended = conn.execute(sa.select(s.c.account_name).where(s.c.revoked_at.is_not(None))).scalars().all()
    assert ended == ["张三"]  # revoked in the store, not merely refused while the account stays disabled
    assert provider.user_from_cookie(bystander) is not None
    if command == ["disable"]:
        enable_user(open_store(served_db, user="州局管理员"), "张三")
        assert provider.user_from_cookie(cookie) is None  # enabling again does not bring old logins back


def test_a_page_open_under_an_account_that_is_then_disabled_cannot_write(served_db):
    provider, cookie = login_now("张三")
    user = provider.user_from_cookie(cookie)
    notebook = login.prelaunch_hook(FakeHandler(user), dashboard(), cwd="")
    kernel = run_first_cell(notebook)  # the page's kernel, bound to 张三's login
    env = {"HAZARD_LOGIN": "1", "HAZARD_DB": served_db, "HAZARD_AS_OF": "2024-09-15"}
    session = Session.from_env(env, kernel=kernel)
    assert add_enterprises(session.store(), "522701", [1]) != []  # while the login lasts, it writes

    disable_user(open_store(served_db, user="州局管理员"), "张三")
    with pytest.raises(login_state.LoginExpired, match="登录已失效"):
        add_enterprises(session.store(), "522701", [2])
    e = schema.enterprises
    with open_store(served_db).read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(e)).scalar_one() == 1


@pytest.mark.parametrize("end", ["logout", "passwd", "expired"])
def test_a_page_whose_login_has_ended_cannot_write(served_db, end):
    provider, cookie = login_now("张三")
    user = provider.user_from_cookie(cookie)
    assert isinstance(user, login.AccountUser) and user.session_id is not None
    kernel = Kernel()
    kernel.bind_login("张三", "522701", user.session_id)
    session = Session.from_env({"HAZARD_LOGIN": "1", "HAZARD_DB": served_db}, kernel=kernel)
    store = open_store(served_db, user="州局管理员")
    if end == "logout":
        login_state.revoke(store, user.nonce)
    elif end == "passwd":
        set_password(store, "张三", "new-password-1")
    else:  # a login lasts a day at most
        s = schema.login_sessions
        with store.engine.begin() as conn:
            conn.execute(s.update().values(expires_at=login_state.utcnow() - dt.timedelta(seconds=1)))
    with pytest.raises(login_state.LoginExpired):
        add_enterprises(session.store(), "522701", [3])


def test_sessions_throttling_and_the_cookie_secret_are_shared_by_two_servers_on_one_store(store_url):
    """Two stores on one database, as two ``hazard serve`` processes behind one reverse proxy have."""
    first, second = Store(store_url, user="系统"), Store(store_url, user="系统")
    open_store(store_url, user="州局管理员")
    add_user(first, "张三", "522701", PASSWORD)
    secret = login_state.cookie_secret(first)
    assert len(secret) == 32 and login_state.cookie_secret(second) == secret  # made once, then kept

    account = get_account(first, "张三")
    assert account is not None
    nonce, session_id = login_state.open_session(first, "张三", account.stamp)
    assert login_state.session_of(second, nonce) == (session_id, "张三")  # logged in on one, known on both
    assert login_state.revoke(second, nonce)  # logged out through the other
    assert login_state.session_of(first, nonce) is None

    clock = Clock()
    throttle = login_state.LoginThrottle(clock=clock)
    for _ in range(4):
        throttle.failed(first, "张三", "10.0.0.8")
    assert throttle.wait(second, "张三", "10.0.0.9") == 1
    first.dispose()
    second.dispose()


# -- the prelaunch hook: the kernel learns who it serves from the server ------------------------------


def dashboard(name: str = "ledger.ipynb") -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "dashboards" / name, as_version=4)


def run_first_cell(notebook: nbformat.NotebookNode) -> Kernel:
    """A new kernel, bound as the cell the hook put first binds the one that runs it. The cell must be the import
    and one call of ``bind_login`` whose arguments are literals: nothing else can run in it."""
    imported, called = ast.parse(notebook.cells[0].source).body
    assert ast.unparse(imported) == "from hazardlib.apps.session import bind_login"
    assert isinstance(called, ast.Expr) and isinstance(called.value, ast.Call)
    assert ast.unparse(called.value.func) == "bind_login" and not called.value.keywords
    kernel = Kernel()
    kernel.bind_login(*(ast.literal_eval(arg) for arg in called.value.args))
    return kernel


def test_the_hook_binds_the_kernel_to_the_logged_in_account_whatever_else_the_request_says(
    served_db,
):
    user = logged_in("张三")
    handler = FakeHandler(user, county="522700", user="冒充者")
    notebook = login.prelaunch_hook(handler, dashboard(), cwd=str(ROOT / "dashboards"))
    first = notebook.cells[0]
    assert first.metadata["tags"] == [login.LOGIN_CELL_TAG]
    assert f"'张三', '522701', {user.session_id}" in first.source
    assert notebook.cells[1:] == dashboard().cells  # the dashboard itself is untouched
    nbformat.validate(notebook)

    kernel = run_first_cell(notebook)
    env = {"HAZARD_LOGIN": "1", "HAZARD_DB": served_db, "HAZARD_AS_OF": "2024-09-15"}
    hostile = env | {"HAZARD_USER": "冒充者", "HAZARD_COUNTY": "522700"}
    bound = Session(served_db, "522701", dt.date(2024, 9, 15), "张三", login_session=user.session_id)
    assert Session.from_env(hostile, kernel=kernel) == bound
    app = LandingApp.from_session(Session.from_env(env, kernel=kernel))
    assert app.store.user == "张三" and app.store.county == "522701"
    assert "范围：<b>都匀市</b>" in app.header.value and "操作人：<b>张三</b>" in app.header.value
    with pytest.raises(SessionError, match="不能更换"):
        kernel.bind_login("州局李四", None, user.session_id)


def test_a_prefecture_account_binds_the_whole_prefecture(served_db):
    notebook = login.prelaunch_hook(FakeHandler(logged_in("州局李四")), dashboard(), cwd="")
    bound = Session.from_env({"HAZARD_LOGIN": "1", "HAZARD_DB": served_db}, kernel=run_first_cell(notebook))
    assert (bound.user, bound.county, bound.scope_name) == ("州局李四", None, "黔南布依族苗族自治州")


@pytest.mark.parametrize(
    "user",
    [
        None,
        SimpleNamespace(username="张三"),  # not an account login (e.g. an anonymous user)
        login.AccountUser(username="无此人"),
        login.AccountUser(username="王五", session_id=1),  # disabled
        login.AccountUser(username="张三"),  # no login session: a user object the form did not make
    ],
)
def test_no_kernel_starts_for_a_request_without_an_active_account(served_db, user):
    with pytest.raises(web.HTTPError) as refused:
        login.prelaunch_hook(FakeHandler(user), dashboard(), cwd="")
    assert refused.value.status_code == 403


def test_a_login_cell_written_into_a_notebook_is_replaced_not_trusted(served_db):
    planted = dashboard()
    fake = login.login_cell(Account("州局李四", None, True, "", dt.datetime.now(), dt.datetime.now()), 1)
    planted.cells.insert(1, fake)
    notebook = login.prelaunch_hook(FakeHandler(logged_in("张三")), planted, cwd="")
    tagged = [c for c in notebook.cells if login.LOGIN_CELL_TAG in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and "'张三'" in tagged[0].source and notebook.cells[0] is tagged[0]


def test_the_login_cell_writes_any_name_as_a_literal():
    odd = "O'Brien\"); import os  #\n"
    account = Account(odd, "522701", True, "", dt.datetime.now(), dt.datetime.now())
    kernel = run_first_cell(nbformat.v4.new_notebook(cells=[login.login_cell(account, 7)]))
    assert kernel.login == ("O'Brien\"); import os  #", "522701", 7)


def test_with_login_on_an_unbound_kernel_opens_no_session():
    env = {"HAZARD_LOGIN": "1", "HAZARD_USER": "冒充者", "HAZARD_COUNTY": "522701"}
    with pytest.raises(SessionError, match="未登录"):
        Session.from_env(env, kernel=Kernel())
    assert session_module.bound_login() is None  # this process's kernel: no test binds it
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        assert isinstance(LandingApp.from_session(), Unavailable)
