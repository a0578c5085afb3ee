"""Login in a real browser: ``hazard serve --login`` asks who is there; a wrong password stays on the login
page; a county account's pages show that person and county whatever the query string says, and what
they save is recorded as theirs in the audit log; logging out ends it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from hazardlib import schema
from hazardlib.accounts import add_user
from hazardlib.store import open_store

from ..conftest import make_uscc
from .conftest import SCREENSHOTS, Served, hazard_cli, serving
from .pages import head, log_in, no_errors, register_enterprise, screenshot, wait_for_status, wait_for_text

PASSWORD = "都匀-browser-1"


@pytest.fixture(scope="module")
def served_login(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """An empty store with one county account (张三, 都匀市), served with login on."""
    folder = tmp_path_factory.mktemp("served-login")
    url = f"sqlite:///{folder / 'login.db'}"
    store = open_store(url, user="州局管理员")
    add_user(store, "张三", "522701", PASSWORD)
    add_user(store, "王五", "522702", PASSWORD)  # disabled while a page is open (below)
    store.dispose()
    with serving(url, folder, login=True) as s:
        yield s


def test_a_county_account_logs_in_works_as_itself_and_logs_out(page: Page, served_login: Served):
    base = served_login.base
    hostile = f"{base}voila/render/selfcheck.ipynb?county=522700&user=x&HAZARD_USER=x&HAZARD_COUNTY=522700"
    page.goto(hostile)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    log_in(page, "张三", "wrong-password")
    expect(page.locator(".hz-login-error")).to_have_text("账号或密码错误，或账号已停用。")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.locator("#hz-username")).to_have_value("张三")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "19-登录页密码错误.png"))

    log_in(page, "张三", PASSWORD)
    expect(page).to_have_url(hostile)  # back where the person was going, query string and all
    wait_for_text(head(page), "范围：都匀市")
    wait_for_text(head(page), "操作人：张三")
    expect(page.locator(".hz-input-county_code option")).to_have_text(["都匀市"])

    uscc = make_uscc("522701", 990001)
    register_enterprise(page, uscc, "都匀市登录测试有限公司", "生产单位", county="都匀市")
    wait_for_text(page.locator(".hz-current-enterprise"), "都匀市登录测试有限公司")
    screenshot(page, "20-登录后县局填报")
    no_errors(page)

    store = served_login.store()
    e, a = schema.enterprises, schema.audit_log
    with store.read() as conn:
        saved = conn.execute(sa.select(e).where(e.c.uscc == uscc)).mappings().one()
        entry = (
            conn.execute(sa.select(a).where(a.c.table_name == "enterprises", a.c.record_id == saved["id"]))
            .mappings()
            .one()
        )
    assert (saved["county_code"], saved["created_by"]) == ("522701", "张三")
    assert (entry["actor"], entry["action"], entry["county_code"]) == ("张三", "insert", "522701")

    page.locator(".hz-logout").first.click()  # asks first, in the login page's style
    expect(page.locator(".hz-logout-confirm .hz-sub")).to_contain_text("当前登录账号：张三")
    page.goto(f"{base}voila/render/index.ipynb")  # asking did not log out
    wait_for_text(head(page), "操作人：张三")
    page.locator(".hz-logout").first.click()
    page.locator("button.hz-logout-submit").click()
    expect(page.locator(".hz-logout-page .hz-sub")).to_contain_text("已退出登录")
    page.goto(f"{base}voila/render/index.ipynb")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_a_page_open_under_an_account_that_is_then_disabled_cannot_save(page: Page, served_login: Served):
    page.goto(f"{served_login.base}voila/render/selfcheck.ipynb")
    log_in(page, "王五", PASSWORD)
    wait_for_text(head(page), "操作人：王五")
    done = hazard_cli("users", "disable", "王五", "--db", served_login.url)
    assert done.returncode == 0, done.stderr

    uscc = make_uscc("522702", 990002)
    register_enterprise(page, uscc, "停用后登记测试有限公司", "生产单位")
    wait_for_status(page, "登录已失效")
    e = schema.enterprises
    with served_login.store().read() as conn:
        assert conn.execute(sa.select(e.c.id).where(e.c.uscc == uscc)).first() is None


def test_after_some_wrong_passwords_the_form_says_to_wait_a_few_seconds(page: Page, served_login: Served):
    page.goto(f"{served_login.base}voila/render/index.ipynb")
    for _ in range(3):  # three are free
        log_in(page, "猜密码的人", "wrong-password")
        expect(page.locator(".hz-login-error")).to_have_text("账号或密码错误，或账号已停用。")
    said = []
    for _ in range(8):  # then each failure doubles the wait: 1, 2, 4, 8 … seconds, soon longer than a try
        log_in(page, "猜密码的人", "wrong-password")
        said.append(page.locator(".hz-login-error").inner_text())
        if "后再试" in said[-1]:
            break
    assert re.fullmatch(r"登录失败次数较多，请\d+秒后再试；如忘记密码，请联系州局管理员重设。", said[-1]), (
        said
    )
    expect(page).to_have_url(re.compile(r"/login"))
