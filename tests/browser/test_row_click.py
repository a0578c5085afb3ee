"""Click a row to open it (issue 21 item 3), in Chromium at 1366×768: in the ledger, the enterprises found,
the spot checks, the tracing tasks received, the signals to verify, the enforcement cases and the help records,
a click on a row (or Enter on it) opens that record in the page's details or form, the dropdown follows, the
row is highlighted, and a save keeps the same record."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from hazardlib import ledger

from .conftest import Served
from .pages import (
    choose,
    clerk_screen,
    click,
    fill,
    filter_ledger,
    hazard_to_move,
    no_errors,
    open_dashboard,
    radio,
    screenshot,
    shown_option,
    table_row,
    table_rows,
    wait_for_status,
    wait_for_text,
)

CHOSEN = re.compile(r"\bhz-row-chosen\b")


def chosen_rows(table: Locator) -> Locator:
    return table.locator("button.hz-row.hz-row-chosen")


def test_a_ledger_row_opens_its_hazard_by_click_or_enter_and_a_save_keeps_it(page: Page, served: Served):
    store = served.store()
    hid, name, _ = hazard_to_move(store)
    clerk_screen(page)
    open_dashboard(page, served.base, "ledger.ipynb")
    wait_for_text(page.locator(".hz-pageinfo-ledger"), re.compile(r"显示第 1–\d+ 条，共 \d+ 条"))
    table = filter_ledger(page, name)
    row = table_row(table, str(hid))
    expect(row).to_be_in_viewport()
    row.click()
    wait_for_text(page.locator(".hz-hazard-detail"), f"隐患编号 {hid} ")
    expect(row).to_have_class(CHOSEN)
    expect(chosen_rows(table)).to_have_count(1)
    assert f"隐患编号 {hid} " in shown_option(page, "pick")  # the dropdown follows the row
    screenshot(page, "21-点击行打开隐患")

    others = table.locator("button.hz-row:not(.hz-row-chosen)")
    if others.count():  # the keyboard: another row focused, Enter opens it, then back to ours
        others.first.focus()
        page.keyboard.press("Enter")
        expect(page.locator(".hz-hazard-detail")).not_to_contain_text(f"隐患编号 {hid} ")
        expect(row).not_to_have_class(CHOSEN)
    row.focus()
    page.keyboard.press("Enter")
    wait_for_text(page.locator(".hz-hazard-detail"), f"隐患编号 {hid} ")
    expect(row).to_have_class(CHOSEN)

    choose(page, "move", "企业整改完成")
    click(page, "move")
    wait_for_status(page, f"已登记：隐患编号 {hid} 企业整改完成")
    wait_for_text(page.locator(".hz-state-now"), "企业已整改")
    wait_for_text(page.locator(".hz-hazard-detail"), f"隐患编号 {hid} ")
    assert f"隐患编号 {hid} " in shown_option(page, "pick")
    expect(table_row(table, str(hid))).to_have_class(CHOSEN)  # the table redrawn, the same row lit
    expect(chosen_rows(table)).to_have_count(1)
    assert list(ledger.history(store, hid)["move"])[-1] == "rectify"
    no_errors(page)


def test_an_enterprise_found_opens_by_its_row_and_stays_after_a_self_check_is_saved(
    page: Page, served: Served
):
    clerk_screen(page)
    open_dashboard(page, served.base, "selfcheck.ipynb")
    fill(page, "query", "都匀市")
    click(page, "search")
    table = page.locator(".hz-table-matches")
    wait_for_text(page.locator(".hz-pageinfo-matches"), re.compile(r"显示第 1–20 条，共 \d+ 条"))
    second = table.locator("button.hz-row").nth(1)
    name = table.locator('.hz-cell[data-row="2"]').first.inner_text().strip()
    second.click()
    wait_for_text(page.locator(".hz-current-enterprise"), name)
    expect(second).to_have_class(CHOSEN)
    assert name in shown_option(page, "matches")
    screenshot(page, "22-点击行选择企业")
    for key in ("management_system", "quality_director", "quality_officer", "daily_control"):
        radio(page, key, "是")
    for key in ("weekly_check", "monthly_review"):
        radio(page, key, "是")
    risk = page.locator('.hz-field[class*="hz-field-risk-"]').first  # the enterprise's first risk point
    risk.locator("textarea").first.fill("关键原材料进货查验")
    risk.locator("textarea").nth(1).fill("逐批查验并留存记录")
    click(page, "submit")
    wait_for_text(page.locator(".hz-confirmation"), re.compile("已提交|已更新|内容无变化"))
    wait_for_text(page.locator(".hz-current-enterprise"), name)
    expect(second).to_have_class(CHOSEN)
    no_errors(page)


def test_a_spot_check_row_opens_the_batch_in_the_form_and_a_save_keeps_it(page: Page, served: Served):
    clerk_screen(page)
    open_dashboard(page, served.base, "spotchecks.ipynb")
    table = page.locator(".hz-table-spots")
    wait_for_text(page.locator(".hz-pageinfo-spots"), re.compile(r"显示第 1–\d+ 条，共 \d+ 条"))
    batch_no = table.locator('.hz-cell[data-row="3"]').first.inner_text().strip()
    row = table_row(table, batch_no)
    row.click()
    expect(page.locator(".hz-input-batch_no input")).to_have_value(batch_no)
    expect(row).to_have_class(CHOSEN)
    screenshot(page, "23-点击行打开抽查批次")
    click(page, "spot")
    wait_for_status(page, f"抽样单 {batch_no} ")
    expect(page.locator(".hz-input-batch_no input")).to_have_value(batch_no)
    expect(table_row(table, batch_no)).to_have_class(CHOSEN)
    expect(chosen_rows(table)).to_have_count(1)
    no_errors(page)


def test_a_signal_row_opens_the_signal_and_it_stays_open_once_verified(page: Page, served: Served):
    clerk_screen(page)
    open_dashboard(page, served.base, "spotchecks.ipynb")
    page.locator(".lm-TabBar-tab", has_text="风险信息").first.click()
    table = page.locator(".hz-table-signals")
    wait_for_text(page.locator(".hz-pageinfo-signals"), re.compile(r"共 \d+ 条"))
    first = table.locator("button.hz-row").first
    description = table.locator('.hz-cell[data-row="1"]').nth(3).inner_text().strip()
    first.focus()
    page.keyboard.press("Enter")
    detail = page.locator(".hz-signal-detail")
    wait_for_text(detail, description[:20])
    expect(first).to_have_class(CHOSEN)
    assert description[:10] in shown_option(page, "signal-pick")
    screenshot(page, "24-点击行打开风险信息")
    choose(page, "signal-outcome", "经核查无问题")
    click(page, "verify")
    wait_for_status(page, "已登记核查结论：经核查无问题")
    wait_for_text(detail, "核查结论：经核查无问题")
    wait_for_text(detail, description[:20])
    assert description[:10] in shown_option(page, "signal-pick")
    no_errors(page)


def spot_check_tab(page: Page, served: Served, title: str) -> None:
    """The spot-check page at a clerk's screen, on its tab ``title``."""
    clerk_screen(page)
    open_dashboard(page, served.base, "spotchecks.ipynb")
    page.locator(".lm-TabBar-tab", has_text=title).first.click()


def shown_rows(page: Page, served: Served, tab: str, key: str) -> tuple[Locator, list[list[str]]]:
    """The spot-check page on its tab ``tab``: the table ``key`` once its rows are shown, and its cells row by
    row (the header first)."""
    spot_check_tab(page, served, tab)
    table = page.locator(f".hz-table-{key}")
    wait_for_text(page.locator(f".hz-pageinfo-{key}"), re.compile(r"共 \d+ 条"))
    return table, table_rows(table)


def test_a_tracing_task_row_picks_the_task_and_it_stays_lit_once_closed(page: Page, served_duyun: Served):
    # the county that received the task closes it
    table, rows = shown_rows(page, served_duyun, "双向追查", "tasks-received")
    header = rows[0]
    n = next(i for i, r in enumerate(rows[1:], start=1) if r[header.index("状态")] == "待追查")
    batch_no, target = rows[n][header.index("抽样单编号")], rows[n][header.index("单位")]
    row = table.locator("button.hz-row").nth(n - 1)
    row.click()
    expect(row).to_have_class(CHOSEN)
    expect(chosen_rows(table)).to_have_count(1)
    assert batch_no in shown_option(page, "task") and target in shown_option(
        page, "task"
    )  # the dropdown follows
    screenshot(page, "25-点击行选择追查任务")
    fill(page, "task-note", "已核实并追溯进货来源")
    click(page, "task-done")
    wait_for_status(page, "追查任务已办结")
    state = table.locator(f'.hz-cell[data-row="{n}"]').nth(header.index("状态"))
    expect(state).to_have_text("已办结")  # the table redrawn, the same row lit with its new state
    expect(row).to_have_class(CHOSEN)
    no_errors(page)


def test_an_enforcement_case_row_opens_the_case_in_the_form_and_a_save_keeps_it(page: Page, served: Served):
    table, (header, first, *_) = shown_rows(page, served, "执法办案", "cases")
    case_no, enterprise = first[header.index("案件编号")], first[header.index("企业")]
    row = table_row(table, case_no)
    row.click()
    expect(page.locator(".hz-input-case_no input")).to_have_value(case_no)
    wait_for_text(page.locator(".hz-current-enterprise:visible"), enterprise)
    expect(row).to_have_class(CHOSEN)
    screenshot(page, "26-点击行打开案件")
    fill(page, "penalty", "罚款人民币一万元（浏览器测试）")
    click(page, "case")
    wait_for_status(page, "案件已更新")
    expect(page.locator(".hz-input-case_no input")).to_have_value(case_no)
    expect(table_row(table, case_no)).to_have_class(CHOSEN)
    expect(chosen_rows(table)).to_have_count(1)
    no_errors(page)


def test_a_help_row_opens_the_record_in_the_form_and_a_save_keeps_it(page: Page, served: Served):
    table, (header, first, *_) = shown_rows(page, served, "质量帮扶", "help")
    day, enterprise = first[header.index("日期")], first[header.index("企业")]
    row = table.locator("button.hz-row").first
    row.click()
    expect(page.locator(".hz-input-help_date input")).to_have_value(day)
    wait_for_text(page.locator(".hz-current-enterprise:visible"), enterprise)
    expect(row).to_have_class(CHOSEN)
    screenshot(page, "27-点击行打开帮扶记录")
    note = page.locator(".hz-input-note textarea:visible")
    note.fill("现场质量问诊（浏览器测试）")
    click(page, "help")
    wait_for_status(page, "帮扶记录已更新")
    expect(note).to_have_value("现场质量问诊（浏览器测试）")
    wait_for_text(table, "现场质量问诊（浏览器测试）")
    expect(chosen_rows(table)).to_have_count(1)
    no_errors(page)
