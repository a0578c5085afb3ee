"""Every dashboard in Chromium against a served demo store: it opens without an error and shows the
store's figures; self-check, ledger and export work end to end; screenshots are kept as artifacts."""

from __future__ import annotations

import csv
import io
import re

import docx
import openpyxl
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from hazardlib import figures, ledger, schema
from hazardlib.intake import KINDS
from hazardlib.reports.definitions import FIGURES, RATES
from hazardlib.store import count

from ..conftest import make_uscc
from .conftest import AS_OF, DAY, USER, Served
from .pages import (
    LEDGER,
    Hazard,
    choose,
    click,
    field,
    fill,
    hazard_to_move,
    head,
    no_errors,
    open_dashboard,
    open_hazard,
    pick,
    radio,
    register_enterprise,
    screenshot,
    table_rows,
    upload,
    wait_for_status,
    wait_for_text,
)


def number(n: int) -> str:
    return f"{n:,}"


def test_every_dashboard_opens_without_an_error_and_shows_the_stores_figures(page: Page, served: Served):
    store = served.store()
    e, s, i, h, sc = (
        schema.enterprises,
        schema.self_checks,
        schema.inspections,
        schema.hazards,
        schema.spot_checks,
    )
    with store.read() as conn:
        enterprises = count(conn, e)
        self_checks = count(conn, s, s.c.campaign_year == DAY.year, s.c.check_date <= DAY)
        inspections = count(conn, i, i.c.campaign_year == DAY.year, i.c.inspection_date <= DAY)
        hazards = count(conn, h, h.c.campaign_year == DAY.year, h.c.found_date <= DAY)
        batches = count(conn, sc, sc.c.sample_date <= DAY)
        cases = count(conn, schema.enforcement_cases, schema.enforcement_cases.c.filed_date <= DAY)
    duyun = next(r for r in served.results_list_json() if r["county_code"] == "522701")

    page.goto(served.base)  # the server's root leads to the landing page
    expect(page).to_have_url(re.compile(r"/voila/render/index\.ipynb$"))
    open_dashboard(page, served.base, "index.ipynb")
    assert page.locator("html").get_attribute("lang") == "zh" and page.title() == "质量安全隐患排查治理工作台"
    figures = page.locator(".hz-landing-figures")
    wait_for_text(figures, number(enterprises))
    for title in (
        "企业自查填报",
        "现场检查与隐患登记",
        "整改台账",
        "三阶段进度",
        "报送与审核",
        "抽查与处置",
        "报表导出",
    ):
        expect(page.locator(".hz-landing-links a", has_text=title)).to_be_visible()
    expect(page.locator(".hz-reminder-link")).to_have_text("前往报送与审核")
    colours = page.locator(".hz-app a.hz-link").evaluate_all(
        "links => links.map(a => getComputedStyle(a).color)"
    )
    assert len(colours) > 1 and set(colours) == {"rgb(21, 101, 192)"}, colours  # every link looks like one
    screenshot(page, "00-首页")
    page.locator(".hz-landing-links a", has_text="企业自查填报").click()  # the landing page's links work
    expect(page.locator(".hz-count-selfchecks")).to_have_text(number(self_checks))
    no_errors(page)
    screenshot(page, "01-企业自查填报")

    open_dashboard(page, served.base, "inspection.ipynb")
    expect(page.locator(".hz-count-inspections")).to_have_text(number(inspections))
    screenshot(page, "02-现场检查与隐患登记")

    open_dashboard(page, served.base, "ledger.ipynb")
    wait_for_text(page.locator(".hz-pageinfo-ledger"), f"共 {number(hazards)} 条")
    assert len(table_rows(page.locator(".hz-table-ledger"))) == 1 + 50
    screenshot(page, "03-整改台账")

    open_dashboard(page, served.base, "tracker.ipynb")
    expect(page.locator(".hz-timeline .hz-today")).to_have_text("今天 9月15日")
    wait_for_text(head(page), "第三阶段：隐患治理、质量帮扶（剩余 47 天）")  # the stage, in the header only
    wait_for_text(page.locator(".hz-results"), "都匀市")  # filled once the page is shown
    assert "the page fetched the widgets" in served.app_log.read_text(
        encoding="utf-8"
    )  # noted, not timed out
    rows = table_rows(page.locator(".hz-results"))
    header, row = rows[0], next(r for r in rows if r[0] == "都匀市")
    assert row[header.index("发现隐患")] == number(duyun["hazards_found"])
    assert row[header.index("组织企业自查")] == number(duyun["self_checks"])
    wait_for_text(page.locator(".hz-chart-coverage"), "三都水族自治县")
    assert page.evaluate("document.fonts.check('14px \"Noto Sans CJK SC\"', '都匀市自查覆盖率')")
    screenshot(page, "04-三阶段进度")

    open_dashboard(page, served.base, "spotchecks.ipynb")
    wait_for_text(page.locator(".hz-pageinfo-spots"), f"共 {number(batches)} 条")
    # each other tab is built when the clerk first opens it: its form and its records
    page.locator(".lm-TabBar-tab", has_text="执法办案").first.click()
    expect(field(page, "case_no")).to_be_visible()
    wait_for_text(page.locator(".hz-pageinfo-cases"), f"共 {number(cases)} 条")
    expect(page.locator(".hz-app .hz-loading:visible")).to_have_count(0, timeout=120_000)  # its rule hints
    screenshot(page, "05-抽查与处置")

    open_dashboard(page, served.base, "exports.ipynb")
    wait_for_text(page.locator(".hz-landing-figures"), number(enterprises))
    screenshot(page, "06-报表导出")
    no_errors(page)
    if served.app_log.exists():
        assert "Traceback" not in served.app_log.read_text(encoding="utf-8")
        assert "did not fetch its widgets" not in served.app_log.read_text(encoding="utf-8")


def test_self_check_is_stored_once_and_a_bad_credit_code_is_refused_beside_its_field(
    page: Page, served: Served
):
    store = served.store()
    uscc = make_uscc("522701", 880001)
    open_dashboard(page, served.base, "selfcheck.ipynb")
    register_enterprise(page, uscc, "都匀市浏览器测试电动车有限公司", "生产单位", county="都匀市")
    wait_for_text(page.locator(".hz-current-enterprise"), "都匀市浏览器测试电动车有限公司")
    for key in (
        "management_system",
        "quality_director",
        "quality_officer",
        "daily_control",
        "weekly_check",
        "monthly_review",
    ):
        radio(page, key, "是")
    page.locator(".hz-field-risk-R-01 textarea").first.fill("电池、电机等关键零部件进货查验")
    page.locator(".hz-field-risk-R-01 textarea").nth(1).fill("逐批查验合格证明并留存记录")
    click(page, "submit")
    wait_for_text(page.locator(".hz-confirmation"), "已提交")
    screenshot(page, "07-企业自查提交")

    def stored() -> list[dict]:
        with store.read() as conn:
            eid = conn.execute(
                sa.select(schema.enterprises.c.id).where(schema.enterprises.c.uscc == uscc)
            ).scalar_one()
            rows = conn.execute(
                sa.select(schema.self_checks).where(schema.self_checks.c.enterprise_id == eid)
            ).mappings()
            return [dict(r) for r in rows]

    first = stored()
    assert len(first) == 1 and first[0]["created_by"] == USER and first[0]["daily_control"] is True
    radio(page, "weekly_check", "否")
    click(page, "submit")
    wait_for_text(page.locator(".hz-confirmation"), "已更新")
    again = stored()
    assert len(again) == 1 and again[0]["id"] == first[0]["id"] and again[0]["weekly_check"] is False

    bad = make_uscc("522701", 880002)[:-1] + ("0" if not make_uscc("522701", 880002).endswith("0") else "1")
    fill(page, "query", bad)
    click(page, "search")
    wait_for_text(field(page, "query").locator(".hz-field-error"), "校验位错误")
    click(page, "new")
    fill(page, "uscc", bad)
    fill(page, "name", "坏代码测试有限公司")
    choose(page, "county_code", "都匀市")
    choose(page, "field", "销售单位")
    click(page, "register")
    wait_for_text(field(page, "uscc").locator(".hz-field-error"), "校验位错误")
    wait_for_status(page, "未保存")
    screenshot(page, "08-企业自查校验提示")
    with store.read() as conn:
        assert count(conn, schema.enterprises, schema.enterprises.c.uscc == bad) == 0
    no_errors(page)


def test_a_demo_hazard_moves_from_ordered_to_closed_through_reinspection(page: Page, served: Served):
    store = served.store()
    hazard = hazard_to_move(store)
    hid = hazard.id
    open_dashboard(page, served.base, "ledger.ipynb")
    open_hazard(page, hazard, state="责令整改中")
    for move, outcome in (("企业整改完成", None), ("复查", "复查合格"), ("销号", None)):
        choose(page, "move", move)
        if outcome:
            choose(page, "outcome", outcome)
        click(page, "move")
        wait_for_status(page, f"已登记：隐患编号 {hid} {move}")
    wait_for_text(page.locator(".hz-state-now"), "已销号")
    history = [r[1] for r in table_rows(page.locator(".hz-history"))[1:]]
    assert history[-3:] == ["企业整改完成", "复查", "销号"]
    expect(page.locator(".hz-input-move option")).to_have_text(["（请选择）", "回头看"])
    screenshot(page, "09-整改台账销号")
    steps = ledger.history(store, hid)
    assert list(steps["move"])[-3:] == ["rectify", "reinspect", "close"]
    assert set(steps["actor"].iloc[-3:]) == {USER} and list(steps["outcome"])[-2] == "passed"
    no_errors(page)


def test_a_demo_risks_control_measures_are_recorded_on_the_ledger_page(page: Page, served: Served):
    """对存在重大质量安全风险未采取管控措施……: on a risk open at the session's date (with no later moves), the
    clerk records that its control measures are in place; the page and the ledger say so, dated and signed."""
    store = served.store()
    hazard = hazard_to_move(store, LEDGER.c.kind == "risk", figures.is_open(LEDGER))
    hid = hazard.id
    open_dashboard(page, served.base, "ledger.ipynb")
    open_hazard(page, hazard)
    wait_for_text(page.locator(".hz-hazard-detail"), "管控措施：")
    choose(page, "move", "登记管控措施")
    choose(page, "outcome", "已采取管控措施")
    click(page, "move")
    wait_for_status(page, f"已登记：隐患编号 {hid} 登记管控措施（已采取管控措施）")
    wait_for_text(page.locator(".hz-measures"), "已采取")
    history = [r[1] for r in table_rows(page.locator(".hz-history"))[1:]]
    assert history[-1] == "登记管控措施"
    screenshot(page, "09b-整改台账登记管控措施")
    with store.read() as conn:
        assert ledger.measures_at(conn, hid, DAY) == (True, DAY)
    steps = ledger.history(store, hid)
    assert steps["move"].iloc[-1] == "measures" and steps["actor"].iloc[-1] == USER
    no_errors(page)


def test_the_results_list_downloads_as_an_xlsx_whose_totals_match_the_json_report(page: Page, served: Served):
    json_total = next(r for r in served.results_list_json() if r["county_code"] == "522700")
    open_dashboard(page, served.base, "exports.ipynb")
    click(page, "export")
    link = page.locator("a.hz-dl-results-list").first
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"黔南布依族苗族自治州行动成果清单（截至{AS_OF}）.xlsx"
    path = served.workdir / "downloaded.xlsx"
    download.save_as(path)
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert any(isinstance(c, str) and f"填表人：{USER}" in c for c in rows[1])  # the logged-in person
    assert openpyxl.load_workbook(path, read_only=True).sheetnames[1] == "指标说明"
    header = next(r for r in rows if any(isinstance(c, str) and c.startswith("检查生产单位") for c in r))
    total = next(r for r in rows if "522700" in r)
    columns = {re.sub(r"\s+", "", str(c)): n for n, c in enumerate(header) if c}
    compared = 0
    for figure in FIGURES:
        if figure.key in RATES or figure.header not in columns:
            continue
        assert total[columns[figure.header]] == json_total[figure.key], figure.key
        compared += 1
    assert compared >= 25 and json_total["hazards_found"] > 0
    screenshot(page, "10-报表导出下载")
    no_errors(page)


def test_a_county_session_sees_only_its_county_and_cannot_widen_it(page: Page, served_duyun: Served):
    h = schema.hazards
    with served_duyun.store().read() as conn:
        mine = count(
            conn, h, h.c.county_code == "522701", h.c.campaign_year == DAY.year, h.c.found_date <= DAY
        )
    open_dashboard(page, served_duyun.base, "ledger.ipynb")
    wait_for_text(head(page), "范围：都匀市")
    wait_for_text(page.locator(".hz-pageinfo-ledger"), f"共 {number(mine)} 条")
    expect(page.locator(".hz-input-f-county option")).to_have_text(["都匀市"])
    counties = {r[1] for r in table_rows(page.locator(".hz-table-ledger"))[1:]}
    assert counties == {"都匀市"}
    # Query strings reach Voilà's kernels, never the session: the county stays the server's.
    page.goto(f"{served_duyun.base}voila/render/tracker.ipynb?county=522700&HAZARD_COUNTY=522700")
    wait_for_text(head(page), "范围：都匀市")
    wait_for_text(page.locator(".hz-results"), "都匀市")
    assert [r[0] for r in table_rows(page.locator(".hz-results"))[1:]] == ["都匀市"]
    expect(page.locator("button.hz-btn-ack")).to_be_hidden()
    screenshot(page, "11-县级会话三阶段进度")
    no_errors(page)


def test_an_uploaded_file_is_imported_through_the_page_with_its_findings_shown_and_downloadable(
    page: Page, served: Served
):
    store = served.store()
    good = make_uscc("522702", 880101)
    bad = make_uscc("522702", 880102)[:-1] + ("0" if not make_uscc("522702", 880102).endswith("0") else "1")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.marked_header for c in KINDS["enterprises"].columns][:4])
    writer.writerows(
        [
            [good, "福泉市浏览器导入有限公司", "福泉市", "生产单位"],
            [bad, "坏代码导入公司", "福泉市", "生产单位"],
        ]
    )
    open_dashboard(page, served.base, "exports.ipynb")
    upload(
        page,
        "upload",
        {"name": "企业名录.csv", "mimeType": "text/csv", "buffer": out.getvalue().encode("utf-8-sig")},
    )
    click(page, "import")
    result = page.locator(".hz-import-result")
    wait_for_text(result, "未导入 1 行")
    wait_for_text(result, "校验位错误")
    with page.expect_download() as info:
        result.locator("a.hz-dl-findings").click()
    findings = served.workdir / "findings.xlsx"
    info.value.save_as(findings)
    assert info.value.suggested_filename == "企业名录_问题清单.xlsx"
    text = "".join(str(c) for row in openpyxl.load_workbook(findings).worksheets[0].values for c in row)
    assert bad in text
    screenshot(page, "12-报表导出上传导入")
    with store.read() as conn:
        e = schema.enterprises
        assert count(conn, e, e.c.uscc == good) == 1 and count(conn, e, e.c.uscc == bad) == 0
    no_errors(page)


def test_an_instrument_on_the_ledger_downloads_as_a_word_draft_with_its_number(page: Page, served: Served):
    store = served.store()
    t, e = schema.instruments, schema.enterprises
    with store.read() as conn:
        hid, number, name, eid, due = conn.execute(
            sa.select(t.c.hazard_id, t.c.number, e.c.name, e.c.id, t.c.reply_due)
            .join(e, e.c.id == t.c.enterprise_id)
            .join(schema.hazards, schema.hazards.c.id == t.c.hazard_id)
            .where(
                t.c.kind == "rectification_notice",
                t.c.issue_date <= DAY,
                t.c.campaign_year == DAY.year,
                schema.hazards.c.campaign_year == DAY.year,
            )
            .order_by(t.c.id)
        ).first()
    open_dashboard(page, served.base, "ledger.ipynb")
    open_hazard(page, Hazard(hid, name, eid))
    wait_for_text(page.locator(".hz-instruments"), number)
    pick(page, "draft-pick", number)
    click(page, "draft")
    link = page.locator("a.hz-dl-instrument").first
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".docx") and number in download.suggested_filename
    path = served.workdir / "instrument.docx"
    download.save_as(path)
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert number in text and name in text and f"{due.year}年{due.month}月{due.day}日" in text
    screenshot(page, "12-文书草稿下载")
    no_errors(page)
