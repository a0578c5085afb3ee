"""The tracker's forms for county plans (with the plan file), the prefecture's oversight with the county's
written response and the county's continuing written reports, and the ledger's interview with its 约谈通知书,
driven in Chromium against the served demo store."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import docx
import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from hazardlib import figures, instruments, models, schema
from hazardlib.demo import demo_as_of

from .conftest import DAY, Served, serving
from .pages import (
    choose,
    click,
    field,
    hazard_to_move,
    no_errors,
    open_dashboard,
    open_hazard,
    pick,
    screenshot,
    upload,
    wait_for_status,
    wait_for_text,
)

NOTICE = "都市监约〔2024〕901号"
AFTER = demo_as_of()  # the demo's last day, after the 2024 campaign's finish


def test_a_county_records_its_plan_with_the_file_and_a_file_that_is_not_what_it_says_is_refused(
    page: Page, served_duyun: Served, tmp_path
):
    fake = tmp_path / "方案.pdf"
    out = io.BytesIO()
    docx.Document().save(out)
    fake.write_bytes(out.getvalue())  # a Word file named .pdf
    real = tmp_path / "都匀市工作方案.pdf"
    real.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    open_dashboard(page, served_duyun.base, "tracker.ipynb")
    plan = page.locator(".hz-form-plan")
    expect(plan).to_be_visible(timeout=60_000)
    plan.locator(".hz-input-document input").fill("都匀市排查治理行动工作方案（修订）")
    plan.locator(".hz-input-document_no input").fill("都市监发〔2024〕901号")
    plan.locator(".hz-input-responsible input").fill("局长 张三")
    upload(page, "plan_file", str(fake))
    click(page, "plan")
    wait_for_text(field(page, "plan_file").locator(".hz-field-error"), "内容不是PDF文件")
    upload(page, "plan_file", str(real))
    click(page, "plan")
    wait_for_status(page, "都匀市工作方案已更新")
    wait_for_text(page.locator(".hz-plans"), "都市监发〔2024〕901号")
    wait_for_text(page.locator(".hz-plans"), "都匀市工作方案.pdf")
    expect(page.locator("button.hz-btn-oversight")).to_have_count(0)  # the prefecture's, not a county's
    screenshot(page, "20-县级工作方案")
    no_errors(page)
    cp = schema.county_plans
    with served_duyun.store().read() as conn:
        stored = conn.execute(
            sa.select(cp.c.file_name, cp.c.file_data).where(cp.c.document_no == "都市监发〔2024〕901号")
        ).one()
    assert stored.file_name == "都匀市工作方案.pdf" and bytes(stored.file_data) == real.read_bytes()


def test_the_prefecture_circulates_a_county_and_the_county_answers_in_writing(
    page: Page, served: Served, served_duyun: Served
):
    number = "黔南市监通〔2024〕901号"
    open_dashboard(page, served.base, "tracker.ipynb")
    form = page.locator(".hz-form-oversight")
    expect(form).to_be_visible(timeout=60_000)
    form.locator(".hz-input-county_code select").select_option(label="都匀市")
    form.locator(".hz-input-kind select").select_option(label="通报")
    form.locator(".hz-input-number input").fill(number)
    form.locator(".hz-input-reason textarea").fill("隐患整改销号进度滞后")
    click(page, "oversight")
    wait_for_status(page, "都匀市通报已登记")
    wait_for_text(page.locator(".hz-oversight"), number)
    screenshot(page, "21-州局督导")

    open_dashboard(page, served_duyun.base, "tracker.ipynb")
    wait_for_text(page.locator(".hz-oversight"), number, timeout=60_000)
    pick(page, "oversight_pick", number)
    page.locator(".hz-form-response .hz-input-response textarea").fill("已召开专题会议，制定整改措施")
    click(page, "respond")
    wait_for_status(page, "书面回复已登记")
    wait_for_text(page.locator(".hz-oversight"), "已召开专题会议，制定整改措施")
    no_errors(page)
    ov = schema.county_oversight
    with served.store().read() as conn:
        row = conn.execute(sa.select(ov.c.county_code, ov.c.response).where(ov.c.number == number)).one()
    assert tuple(row) == ("522701", "已召开专题会议，制定整改措施")


def test_an_interview_recorded_on_the_ledger_is_an_interview_record(page: Page, served: Served):
    store = served.store()
    hazard = hazard_to_move(store, newest=True)
    hid, eid = hazard.id, hazard.enterprise_id
    # the 约谈通知书 that summons the enterprise, issued before the interview (the form offers it)
    notice = models.Instrument(kind="interview_notice", enterprise_id=eid, campaign_year=DAY.year,
                               issue_date=DAY - dt.timedelta(days=3), number=NOTICE)  # fmt: skip
    with store.transaction("测试：签发约谈通知书") as tx:
        instruments.save_instrument(tx, notice)
    open_dashboard(page, served.base, "ledger.ipynb")
    open_hazard(page, hazard, state="责令整改中")
    choose(page, "move", "升级处置")
    choose(page, "outcome", "约谈")
    interview = page.locator(".hz-interview-form")
    expect(interview).to_be_visible()
    interview.locator(".hz-input-attendees input").fill("县局分管副局长；企业法定代表人")
    pick(interview, "notice_no", NOTICE)
    click(page, "move")
    wait_for_status(page, f"已登记：隐患编号 {hid} 升级处置")
    screenshot(page, "22-整改台账约谈")
    no_errors(page)
    iv = schema.interviews
    with store.read() as conn:
        row = conn.execute(sa.select(iv.c.hazard_id, iv.c.attendees).where(iv.c.notice_no == NOTICE)).one()
    assert tuple(row) == (hid, "县局分管副局长；企业法定代表人")


@pytest.fixture(scope="module")
def served_duyun_after(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The demo store served for 都匀市 on the demo's last day, after the 2024 campaign's finish."""
    with serving(
        demo_url, tmp_path_factory.mktemp("served-after"), county="522701", as_of=AFTER.isoformat()
    ) as s:
        yield s


def test_a_county_records_a_written_report_after_the_campaign_and_another_countys_hazard_is_refused(
    page: Page, served_duyun_after: Served
):
    number = "都市监报〔2024〕901号"
    led = figures.ledger_at(AFTER)
    with served_duyun_after.store().read() as conn:
        ours, theirs = (
            conn.execute(
                sa.select(led.c.id).where(figures.is_open(led), led.c.county_code == code).order_by(led.c.id)
            ).scalar()
            for code in ("522701", "522702")
        )
    open_dashboard(page, served_duyun_after.base, "tracker.ipynb")
    form = page.locator(".hz-form-written")
    expect(form).to_be_visible(timeout=60_000)
    form.locator(".hz-input-number input").fill(number)
    form.locator(".hz-input-hazard_ids input").fill(f"{ours}、{theirs}")
    click(page, "written")
    wait_for_text(field(page, "hazard_ids").locator(".hz-field-error"), f"隐患编号 {theirs} 不是都匀市的隐患")
    form.locator(".hz-input-hazard_ids input").fill(str(ours))
    click(page, "written")
    wait_for_status(page, f"都匀市书面报送 {number}（涉及隐患 1 条）已登记")
    wait_for_text(page.locator(".hz-written-reports"), number)
    screenshot(page, "23-持续书面报送")
    no_errors(page)
    wr = schema.written_reports
    with served_duyun_after.store().read() as conn:
        row = conn.execute(
            sa.select(wr.c.county_code, wr.c.report_date, wr.c.hazard_ids).where(wr.c.number == number)
        ).one()
    assert tuple(row) == ("522701", AFTER, [ours])
