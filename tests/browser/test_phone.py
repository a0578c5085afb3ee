"""The inspection and ledger pages on a phone (issue 21, item 5): in Chromium's mobile emulation at 390×844 no
element reaches past the screen's right edge (a table scrolls inside its own box), every control is at least a
fingertip (44 px) high and no button's words are cut off; dates read 2024-09-15 whatever the browser's
language."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import AS_OF, Served
from .pages import (
    LEDGER,
    click,
    fits,
    hazard_to_move,
    no_errors,
    open_dashboard,
    open_hazard,
    screenshot,
    wait_for_text,
)


def test_the_inspection_page_fits_a_phone_after_an_enterprise_is_picked(phone: Page, served_duyun: Served):
    open_dashboard(phone, served_duyun.base, "inspection.ipynb")
    fits(phone, "现场检查（未选企业）")
    click(phone, "pick-target")
    wait_for_text(phone.locator(".hz-current-enterprise"), "都匀市")
    expect(phone.locator("button.hz-btn-save-inspection")).to_be_visible()
    # an item found wanting opens its grade, problem type and description
    phone.locator(
        ".hz-field[class*='hz-field-item-'] .widget-radio-box label", has_text="不符合"
    ).first.click()
    expect(phone.locator(".hz-field[class*='hz-field-item-'] select").first).to_be_visible()
    fits(phone, "现场检查（已选企业）")
    # the date reads as a Chinese office writes it, in a browser of any language
    expect(phone.locator(".hz-input-inspection_date input")).to_have_value(AS_OF)
    screenshot(phone, "21-手机现场检查")
    no_errors(phone)


def test_the_ledger_page_fits_a_phone_with_a_hazard_open(phone: Page, served_duyun: Served):
    # a hazard of 都匀市 whose next step can be recorded at the session's date
    hazard = hazard_to_move(served_duyun.store("522701"), LEDGER.c.state == "ordered",
                            LEDGER.c.county_code == "522701", newest=True)  # fmt: skip
    open_dashboard(phone, served_duyun.base, "ledger.ipynb")
    wait_for_text(phone.locator(".hz-pageinfo-ledger"), "显示第 1–")
    county = phone.locator(".hz-input-f-county select")
    assert county.evaluate("s => s.options[s.selectedIndex].text") == "都匀市"  # its one choice, not a blank
    fits(phone, "整改台账")
    open_hazard(phone, hazard)
    expect(phone.locator(".hz-hazard-detail .hz-card")).to_be_visible()
    expect(phone.locator("button.hz-btn-move")).to_be_visible()
    fits(phone, "整改台账（已打开一条隐患）")
    expect(phone.locator(".hz-input-day input, .hz-field-day input").first).to_have_value(AS_OF)
    screenshot(phone, "21-手机整改台账")
    no_errors(phone)
