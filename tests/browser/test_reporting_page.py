"""报送与审核 in Chromium: 都匀市's page submits its 20 October package with a stamped scan and has no approve
button; the prefecture's page returns it with a comment; 都匀市 resubmits; the prefecture approves it and
downloads the package as one zip, read back here. The demo's 20 August mix is on the prefecture's table."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from playwright.sync_api import Page, expect

from hazardlib.submissions import versions

from .conftest import Served
from .pages import (
    PICKER_WORDS,
    choose,
    click,
    head,
    no_errors,
    open_dashboard,
    picker_words,
    screenshot,
    table_rows,
    upload,
    wait_for_status,
    wait_for_text,
)

OCTOBER = "10月20日前报送"
PDF = b"%PDF-1.4\n% Duyun stamped cover page\n%%EOF\n"


def county_submits(page: Page, served_duyun: Served, version: int) -> None:
    open_dashboard(page, served_duyun.base, "submissions.ipynb")
    wait_for_text(head(page), "范围：都匀市")
    expect(page.locator(".hz-input-deadline select")).to_have_value(
        page.locator(".hz-input-deadline option", has_text=OCTOBER).get_attribute("value") or ""
    )
    expect(page.locator(".hz-sub-due")).to_have_text("须报送：工作总结、行动成果清单、典型案例")
    expect(page.locator("button.hz-btn-approve")).to_have_count(0)  # a county has no approve button
    # nothing submitted (or a package returned): nothing to withdraw, no 撤回 button
    expect(page.locator("button.hz-btn-submit")).to_be_visible()
    expect(page.locator("button.hz-btn-withdraw")).to_be_hidden()
    scan = page.locator("button.hz-input-scan, .hz-input-scan button").first
    expect(scan).to_have_accessible_name("选择文件，未选择文件 (0)")  # heard: words before the count
    # the second time a name longer than the picker: cut with "…", whole in its title (pages.picker_words)
    name = (
        "封面盖章.pdf"
        if version == 1
        else f"都匀市{'产品质量安全隐患排查治理专项行动' * 4}工作总结封面盖章扫描件.pdf"
    )
    upload(page, "scan", {"name": name, "mimeType": "application/pdf", "buffer": PDF})
    expect(scan).to_have_attribute("title", f"{name}（点此更换）")
    expect(scan).to_have_accessible_name(f"已选择文件 {name}，点此更换 (1)")
    assert page.locator(".hz-input-scan").first.evaluate(PICKER_WORDS)["cut"] == (version > 1)
    click(page, "submit")
    wait_for_status(page, f"材料第{version}版，等待州局审核")
    # sent with the package: the picker offers it no more (a second 报送 would send it again)
    expect(scan).to_have_accessible_name("选择文件，未选择文件 (0)")
    assert picker_words(page, "scan") == "选择文件"
    wait_for_text(page.locator(".hz-sub-state"), "已报送")
    expect(page.locator("button.hz-btn-withdraw")).to_be_visible()  # waiting for review: it can be withdrawn


def prefecture_opens(page: Page, served: Served) -> None:
    open_dashboard(page, served.base, "submissions.ipynb")
    choose(page, "deadline", OCTOBER)
    choose(page, "review-county", "都匀市")
    wait_for_text(page.locator(".hz-sub-state"), "已报送")


def test_a_county_submits_and_the_prefecture_returns_then_approves_in_the_browser(
    page: Page, served: Served, served_duyun: Served
):
    open_dashboard(page, served.base, "submissions.ipynb")  # the demo's 20 August mix comes first
    rows = {r[0]: r for r in table_rows(page.locator(".hz-sub-counties"))[1:]}
    states = [r[1] for r in rows.values()]
    assert states.count("已审核通过") == 10 and states.count("已退回") == 1 and states.count("未报送") == 1
    assert sum(1 for r in rows.values() if r[4] not in ("按时", "")) == 2  # one late, one missing so far
    screenshot(page, "20-报送与审核州局")

    county_submits(page, served_duyun, 1)
    screenshot(page, "21-报送与审核县级报送")
    no_errors(page)

    prefecture_opens(page, served)
    page.locator(".hz-input-comment-summary textarea").fill("请补充第三阶段隐患治理和质量帮扶的情况")
    click(page, "return")
    wait_for_status(page, "已退回都匀市的材料（第1版）")
    wait_for_text(page.locator(".hz-sub-versions"), "请补充第三阶段隐患治理和质量帮扶的情况")
    no_errors(page)

    county_submits(page, served_duyun, 2)
    wait_for_text(page.locator(".hz-sub-versions"), "已退回")  # version 1 kept beside version 2

    prefecture_opens(page, served)
    click(page, "approve")
    wait_for_status(page, "已审核通过都匀市的材料（第2版）")
    click(page, "zip")
    with page.expect_download() as info:
        page.locator("a.hz-dl-zip").click()
    assert info.value.suggested_filename == "都匀市_2024-10-20_报送材料.zip"
    target = served.workdir / "package.zip"
    info.value.save_as(target)
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as z:
        assert z.read("盖章扫描件.pdf") == PDF and "行动成果清单.xlsx" in z.namelist()
    screenshot(page, "22-报送与审核审核通过")
    no_errors(page)

    kept = versions(served.store(), "522701", dt.date(2024, 10, 20))
    assert [(v["edition"], v["state"]) for v in kept] == [(1, "returned"), (2, "approved")]
