"""What a clerk meets in Chromium (issue 21): the ledger keeps its hazard after a save; the message of a
button at the bottom of a form is in the window at 1366×768; a corrected field loses its error; a county
files an immediate report from the landing page's to-do list; no page shows "nan", "None" or "NaN" nor a field
whose hint is cut off, and on a phone every page fits the screen with its way back to the landing page in
view."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from hazardlib import immediate, ledger
from hazardlib.apps import DASHBOARDS

from ..conftest import make_uscc
from .conftest import DAY, Served
from .pages import (
    SHOWN_OPTION,
    choose,
    clerk_screen,
    click,
    cut_hints,
    field,
    fits,
    hazard_to_move,
    no_errors,
    open_dashboard,
    open_hazard,
    register_enterprise,
    status,
    wait_for_status,
    wait_for_text,
)


def test_an_enterprise_registered_stays_chosen_and_its_message_is_said_under_its_card(
    page: Page, served: Served
):
    """登记企业 closes the registration form with its button: the enterprise registered is the one chosen and the
    message is in the window under its card (said under the closed form's button, it was hidden with it), while
    a refusal is said under the button of the form still open."""
    clerk_screen(page)
    open_dashboard(page, served.base, "selfcheck.ipynb")
    uscc = make_uscc("522701", 770123)
    register_enterprise(
        page, make_uscc("522701", 770122), "都匀市登记留位测试有限公司", "生产单位", county="都匀市"
    )
    wait_for_status(page, "已登记企业“都匀市登记留位测试有限公司”")
    card = page.locator(".hz-current-enterprise")
    wait_for_text(card, "都匀市登记留位测试有限公司")
    expect(page.locator(".hz-current-enterprise + .hz-message-slot .hz-status")).to_be_visible()
    expect(page.locator(".hz-enterprise-form")).to_be_hidden()
    # the one just short: the same credit code registered again is refused beside the open form's button
    register_enterprise(page, uscc, "都匀市登记留位测试二有限公司", "生产单位", county="都匀市")
    wait_for_status(page, "已登记企业“都匀市登记留位测试二有限公司”")
    click(page, "new")
    page.locator(".hz-input-uscc input").fill(uscc)
    page.locator(".hz-input-name input").fill("都匀市登记留位测试三有限公司")
    choose(page, "county_code", "都匀市")
    choose(page, "field", "生产单位")
    click(page, "register")
    wait_for_status(page, "未登记：该企业已在库中")
    expect(page.locator(".hz-enterprise-form .hz-message-slot .hz-status")).to_be_visible()
    no_errors(page)


RAW_MISSING = re.compile(r"(?<![A-Za-z])(nan|NaN|None|NaT)(?![A-Za-z])")


def test_the_ledger_keeps_its_hazard_after_a_save_and_says_so_under_the_button(page: Page, served: Served):
    store = served.store()
    hazard = hazard_to_move(store, newest=True)
    hid = hazard.id
    clerk_screen(page)
    open_dashboard(page, served.base, "ledger.ipynb")
    choose(page, "f-state", "责令整改中")
    click(page, "filter")
    wait_for_text(page.locator(".hz-pageinfo-ledger"), re.compile(r"显示第 1–\d+ 条，共 \d+ 条"))
    open_hazard(page, hazard)
    click(page, "move")  # nothing chosen: the field says so, beside it
    expect(field(page, "move").locator(".hz-field-error")).to_have_text("请选择下一步")
    expect(status(page)).to_be_in_viewport()
    choose(page, "move", "企业整改完成")  # corrected: its error goes
    expect(field(page, "move").locator(".hz-field-error")).to_have_count(0)
    click(page, "move")
    wait_for_status(page, f"已登记：隐患编号 {hid} 企业整改完成")
    # no longer 责令整改中, so off the filtered table; the picker still names the hazard the details show
    picked = page.locator(".hz-input-pick .widget-radio-box")
    expect(picked).to_be_visible()
    try:
        page.wait_for_function(
            f"() => ({SHOWN_OPTION})(document.querySelector('.hz-input-pick .widget-radio-box'))"
            f".includes('隐患编号 {hid} ')",
            timeout=20_000,
        )
    except Exception:
        options = picked.evaluate(
            "b => [...b.querySelectorAll('label')].map(l => [l.innerText, l.querySelector('input').checked])"
        )
        raise AssertionError(f"the picker shows {options}, not 隐患编号 {hid}") from None
    wait_for_text(page.locator(".hz-hazard-detail"), f"隐患编号 {hid} ")
    wait_for_text(page.locator(".hz-state-now"), "企业已整改")
    assert list(ledger.history(store, hid)["move"])[-1] == "rectify"
    no_errors(page)


def test_a_county_files_an_immediate_report_from_the_to_do_list(page: Page, served_duyun: Served):
    store = served_duyun.store("522701")
    waiting = immediate.feed_page(store, DAY, year=DAY.year).waiting
    if waiting.empty:
        pytest.skip("the demo store has no immediate report waiting for 都匀市")
    open_dashboard(page, served_duyun.base, "index.ipynb")
    wait_for_text(page.locator(".hz-todo"), "待报告的即时报告事项")
    expect(page.locator(".hz-todo a.hz-todo-link", has_text="超期未整改的隐患和风险")).to_have_attribute(
        "href", "ledger.ipynb"
    )
    choices = page.locator(".hz-input-report-pick .widget-radio-box label")
    expect(choices).to_have_count(len(waiting))
    label = choices.first.inner_text()
    # its time limit as the app writes a date (2024年8月17日24时), not 2024-08-18 00:00
    assert re.search(r"时限 \d{4}年\d{1,2}月\d{1,2}日\d{1,2}时", label) and not re.search(
        r"\d-\d|:", label
    ), label
    choices.first.click()
    click(page, "file-report")
    wait_for_status(page, "已报告")
    states = immediate.feed(store, DAY, "522701").set_index("summary")["state"]
    summary = label.split("｜")[1]
    assert states[summary].startswith("acknowledged")
    expect(choices).to_have_count(len(waiting) - 1)
    no_errors(page)


@pytest.mark.parametrize("screen", ["page", "phone"])
def test_no_page_shows_nan_none_or_nat_nor_a_fields_hint_cut_off(
    screen: str, request: pytest.FixtureRequest, served: Served
):
    page: Page = request.getfixturevalue(screen)
    if screen == "page":
        clerk_screen(page)
    for notebook in ["index.ipynb", *(d.notebook for d in DASHBOARDS)]:
        open_dashboard(page, served.base, notebook)
        # a tab is built when first opened: open each in turn (a tab passed over while the page is still
        # busy with the one before is not sent to the kernel), then wait until every part filled in later is there
        expect(page.locator(".hz-app .hz-loading:visible")).to_have_count(0, timeout=120_000)
        # every field's hint whole in its box (年-月-日，如 2024-09-15 was cut at 2024-09-1)
        cut = cut_hints(page)
        tabs = page.locator(".hz-app .lm-TabBar-tab")
        for at in range(tabs.count()):
            tabs.nth(at).click()
            expect(page.locator(".hz-app .hz-loading:visible")).to_have_count(0, timeout=120_000)
            cut += cut_hints(page)
        assert not cut, f"{notebook}：提示文字显示不全 {sorted(set(cut))}"
        expect(page.locator(".hz-app .hz-loading")).to_have_count(0, timeout=120_000)
        if notebook != "index.ipynb":
            home = page.locator("a.hz-home").first
            expect(home).to_have_attribute("href", "index.ipynb")
            expect(home).to_be_in_viewport()  # on a phone too: the way back is never off the screen
        # every tab's text, hidden ones and dropdown options included; styles are not text a clerk reads
        text = page.evaluate(
            """() => { const app = document.querySelector('.hz-app').cloneNode(true);
                      app.querySelectorAll('style, script').forEach(e => e.remove());
                      return app.textContent; }"""
        )
        found = RAW_MISSING.search(text)
        assert found is None, f"{notebook}: …{text[max(0, found.start() - 80) : found.end() + 80]}…"
        if screen == "phone":
            fits(page, notebook)
        no_errors(page)
