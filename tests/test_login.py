"""Who is at the browser: ``hazard serve`` refuses to serve beyond this machine without login; with login the
server checks accounts, keeps a signed login that ends when the account is disabled or its password
changes, and binds each page's kernel to the logged-in person and county (never to anything the browser
sends); a kernel that was not bound opens no session."""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nbformat
import pytest
from click.testing import CliRunner
from tornado import web

from hazardlib import login, serve
from hazardlib.accounts import Account, add_user, disable_user, get_account, set_password
from hazardlib.apps import session as session_module
from hazardlib.apps.base import Unavailable
from hazardlib.apps.landing import LandingApp
from hazardlib.apps.session import Session, SessionError, bind_login
from hazardlib.cli import main
from hazardlib.store import open_store

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


@pytest.fixture
def unbound(monkeypatch):
    """This process's kernel-side login binding, reset after the test."""
    monkeypatch.setattr(session_module, "_login", None)


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
    env = serve.voila_env(config, base={"HAZARD_USER": "shell-user", "HAZARD_COUNTY": "522700"})
    assert env["HAZARD_LOGIN"] == "1" and "HAZARD_USER" not in env and "HAZARD_COUNTY" not in env
    folders = [Path(p) for p in env["JUPYTER_CONFIG_PATH"].split(":")]
    hook_config = next(p / "voila.py" for p in folders if (p / "voila.py").is_file())
    assert "c.VoilaConfiguration.prelaunch_hook = prelaunch_hook" in hook_config.read_text(encoding="utf-8")

    off = serve.ServeConfig(SESSION, log_file=tmp_path / "d.log")
    assert not any("identity_provider" in a for a in serve.voila_command(off))
    plain = serve.voila_env(off, base={"HAZARD_LOGIN": "1"})
    assert "HAZARD_LOGIN" not in plain and plain["HAZARD_USER"] == "张三"
    assert not any((Path(p) / "voila.py").exists() for p in plain["JUPYTER_CONFIG_PATH"].split(":"))


# -- the server: identity from the accounts table ------------------------------------------------------


class FakeRequest:
    remote_ip = "10.0.0.8"


class FakeHandler:
    """What the identity provider and the prelaunch hook use of a tornado request handler."""

    def __init__(self, current_user: Any = None, **arguments: str):
        self.current_user = current_user
        self.arguments = arguments
        self.request = FakeRequest()

    def get_argument(self, name: str, default: str = "") -> str:
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


@pytest.fixture(autouse=True)
def fresh_failures(monkeypatch) -> login.FailedLogins:
    """Each test starts with no failed logins remembered (the server keeps them in its memory)."""
    failures = login.FailedLogins()
    monkeypatch.setattr(login, "FAILED_LOGINS", failures)
    return failures


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failed_logins_hold_back_a_name_or_an_address_for_a_while():
    clock = Clock()
    failures = login.FailedLogins(per_name=3, per_address=5, window=600, clock=clock)
    for _ in range(2):
        failures.failed("张三", "10.0.0.8")
        clock.now += 10
    assert failures.wait("张三", "10.0.0.8") == 0  # two failures: still free
    failures.failed("张三", "10.0.0.8")
    assert failures.wait("张三", "10.0.0.9") == 600 - 20  # the name, from anywhere, until the first expires
    assert failures.wait("李四", "10.0.0.8") == 0  # the address: 3 of 5
    failures.failed("李四", "10.0.0.8")
    failures.failed("王五", "10.0.0.8")
    assert failures.wait("赵六", "10.0.0.8") == 600 - 20 and failures.wait("赵六", "10.0.0.7") == 0
    clock.now += 600 - 20
    assert failures.wait("张三", "10.0.0.9") == 0 and failures.wait("赵六", "10.0.0.8") == 0
    failures.failed("张三", "10.0.0.9")
    failures.succeeded("张三")  # a right password clears the name's failures
    assert failures.wait("张三", "10.0.0.9") == 0


def test_names_whose_failures_are_over_are_forgotten(monkeypatch):
    clock = Clock()
    failures = login.FailedLogins(window=600, clock=clock)
    monkeypatch.setattr(login.FailedLogins, "SWEEP_AT", 10)
    for i in range(5):
        failures.failed(f"猜{i}", f"10.0.1.{i}")
    clock.now += 600
    for i in range(5, 10):
        failures.failed(f"猜{i}", "10.0.2.1")
    assert len(failures._failures) == 6  # the 5 earlier names and addresses forgotten at the 10th key
    assert failures.wait("猜9", "10.0.2.9") == 0


def test_after_five_wrong_passwords_even_the_right_one_waits(served_db, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(login, "FAILED_LOGINS", login.FailedLogins(clock=clock))
    provider = login.AccountIdentityProvider()
    for _ in range(5):
        assert provider.process_login_form(FakeHandler(username="张三", password="wrong-password")) is None
    with pytest.raises(login.TooManyFailures, match="登录失败次数过多，请15分钟后再试"):
        provider.process_login_form(FakeHandler(username="张三", password=PASSWORD))
    other = provider.process_login_form(FakeHandler(username="州局李四", password=PASSWORD))
    assert other is not None and other.username == "州局李四"  # the same office, another person
    clock.now += 15 * 60
    assert provider.process_login_form(FakeHandler(username="张三", password=PASSWORD)) is not None


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
    assert user is not None
    cookie = provider.user_to_cookie(user)
    assert PASSWORD not in cookie and "argon2" not in cookie
    again = provider.user_from_cookie(cookie)
    assert isinstance(again, login.AccountUser) and again.username == "张三" and again.county == "522701"

    set_password(store, "张三", "new-password-1")
    assert provider.user_from_cookie(cookie) is None
    fresh = provider.user_from_cookie(
        provider.user_to_cookie(login.AccountUser.of(get_account(store, "张三")))
    )
    assert fresh is not None
    disable_user(store, "张三")
    assert provider.user_from_cookie(provider.user_to_cookie(fresh)) is None
    assert provider.user_from_cookie('{"username": "无此人", "stamp": ""}') is None


# -- the prelaunch hook: the kernel learns who it serves from the server ------------------------------


def dashboard(name: str = "ledger.ipynb") -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "dashboards" / name, as_version=4)


def run_first_cell(notebook: nbformat.NotebookNode) -> None:
    """Run the cell the hook put first, as the kernel would."""
    exec(compile(notebook.cells[0].source, "<login cell>", "exec"), {})


def test_the_hook_binds_the_kernel_to_the_logged_in_account_whatever_else_the_request_says(
    served_db, unbound
):
    handler = FakeHandler(login.AccountUser(username="张三"), county="522700", user="冒充者")
    notebook = login.prelaunch_hook(handler, dashboard(), cwd=str(ROOT / "dashboards"))
    first = notebook.cells[0]
    assert first.metadata["tags"] == [login.LOGIN_CELL_TAG] and "'张三', '522701'" in first.source
    assert notebook.cells[1:] == dashboard().cells  # the dashboard itself is untouched
    nbformat.validate(notebook)

    run_first_cell(notebook)
    env = {"HAZARD_LOGIN": "1", "HAZARD_DB": served_db, "HAZARD_AS_OF": "2024-09-15"}
    hostile = env | {"HAZARD_USER": "冒充者", "HAZARD_COUNTY": "522700"}
    assert Session.from_env(hostile) == Session(served_db, "522701", dt.date(2024, 9, 15), "张三")
    app = LandingApp.from_session(Session.from_env(env))
    assert app.store.user == "张三" and app.store.county == "522701"
    assert "范围：<b>都匀市</b>" in app.header.value and "操作人：<b>张三</b>" in app.header.value
    with pytest.raises(SessionError, match="不能更换"):
        bind_login("州局李四", None)


def test_a_prefecture_account_binds_the_whole_prefecture(served_db, unbound):
    notebook = login.prelaunch_hook(FakeHandler(login.AccountUser(username="州局李四")), dashboard(), cwd="")
    run_first_cell(notebook)
    bound = Session.from_env({"HAZARD_LOGIN": "1", "HAZARD_DB": served_db})
    assert (bound.user, bound.county, bound.scope_name) == ("州局李四", None, "黔南布依族苗族自治州")


@pytest.mark.parametrize(
    "user",
    [
        None,
        SimpleNamespace(username="张三"),  # not an account login (e.g. an anonymous user)
        login.AccountUser(username="无此人"),
        login.AccountUser(username="王五"),  # disabled
    ],
)
def test_no_kernel_starts_for_a_request_without_an_active_account(served_db, user):
    with pytest.raises(web.HTTPError) as refused:
        login.prelaunch_hook(FakeHandler(user), dashboard(), cwd="")
    assert refused.value.status_code == 403


def test_a_login_cell_written_into_a_notebook_is_replaced_not_trusted(served_db, unbound):
    planted = dashboard()
    fake = login.login_cell(Account("州局李四", None, True, "", dt.datetime.now(), dt.datetime.now()))
    planted.cells.insert(1, fake)
    notebook = login.prelaunch_hook(FakeHandler(login.AccountUser(username="张三")), planted, cwd="")
    tagged = [c for c in notebook.cells if login.LOGIN_CELL_TAG in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and "'张三'" in tagged[0].source and notebook.cells[0] is tagged[0]


def test_the_login_cell_writes_any_name_as_a_literal(unbound):
    odd = "O'Brien\"); import os  #\n"
    account = Account(odd, "522701", True, "", dt.datetime.now(), dt.datetime.now())
    run_first_cell(nbformat.v4.new_notebook(cells=[login.login_cell(account)]))
    assert session_module._login == ("O'Brien\"); import os  #", "522701")


def test_with_login_on_an_unbound_kernel_opens_no_session(unbound):
    env = {"HAZARD_LOGIN": "1", "HAZARD_USER": "冒充者", "HAZARD_COUNTY": "522701"}
    with pytest.raises(SessionError, match="未登录"):
        Session.from_env(env)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        assert isinstance(LandingApp.from_session(), Unavailable)
