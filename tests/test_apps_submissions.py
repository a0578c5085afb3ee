"""报送与审核 without a browser: a county submits with its uploaded scan, has no approve button, and a forged
message to the approve handler is refused by the domain layer with nothing written; the prefecture returns
with a comment and approves, and downloads the zip; the landing page and the tracker show the reminder."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import zipfile

import ipywidgets as widgets

from hazardlib import schema
from hazardlib.apps import LandingApp, SubmissionApp, TrackerApp
from hazardlib.apps.submission_desk import CASES_HINT
from hazardlib.apps.ui import NO_FILE, PICK_FILE
from hazardlib.store import Store, count
from hazardlib.submissions import versions

from .situations import Situation

D = dt.date(2024, 8, 19)
DEADLINE = dt.date(2024, 8, 20)
PDF = b"%PDF-1.4\n% stamped cover page\n%%EOF\n"


def buttons_in(widget: widgets.Widget) -> set[str]:
    """The words on every button of ``widget`` and the widgets inside it."""
    found = {widget.description} if isinstance(widget, widgets.Button) else set()
    for child in getattr(widget, "children", ()):
        found |= buttons_in(child)
    return found


def texts_in(widget: widgets.Widget) -> str:
    """The words of every HTML widget of ``widget`` and the widgets inside it."""
    found = widget.value if isinstance(widget, widgets.HTML) else ""
    return found + "".join(texts_in(child) for child in getattr(widget, "children", ()))


def upload(control: widgets.FileUpload, name: str, data: bytes) -> None:
    control.value = (
        {"name": name, "type": "application/pdf", "size": len(data), "content": memoryview(data),
         "last_modified": dt.datetime(2024, 8, 19, 9, 0)},
    )  # fmt: skip


def written(store: Store) -> tuple[int, int]:
    with store.read() as conn:
        return count(conn, schema.submissions), count(conn, schema.audit_log)


def test_a_county_submits_sees_no_approve_button_and_a_forged_approve_is_refused(store):
    county = SubmissionApp(Store(store.url, user="都匀填报员", county="522701"), D)
    assert county.deadline.value == DEADLINE
    assert "报送" in buttons_in(county.widget) and "审核通过" not in buttons_in(county.widget)
    assert not hasattr(county, "approve_btn")
    county.submit_btn.click()
    assert "请上传加盖公章的封面扫描件" in county.status.value
    upload(county.scan, "封面.pdf", PDF)
    county.save_btn.click()
    assert "已保存草稿（第1版）" in county.status.value and "草稿" in county.state_box.value
    county.scan.value = ()  # the draft keeps the scan
    county.submit_btn.click()
    assert "已报送" in county.status.value, county.status.value
    assert "已报送" in county.state_box.value

    before = written(store)
    county.guard(county.approve)()  # what a forged widget message would reach
    assert "只有州局账号可以审核" in county.status.value
    assert written(store) == before and versions(store, "522701", DEADLINE)[-1]["state"] == "submitted"


def test_the_prefecture_returns_with_a_comment_and_approves_the_next_version(store):
    county = SubmissionApp(Store(store.url, user="都匀填报员", county="522701"), D)
    upload(county.scan, "封面.pdf", PDF)
    county.submit_btn.click()

    app = SubmissionApp(store, dt.date(2024, 8, 21))
    assert "已报送" in app.table.value and "未报送" in app.table.value
    app.county_pick.value = "522701"
    assert "第1版" in app.state_box.value
    app.return_btn.click()
    assert "退回须至少填写一项意见" in app.status.value
    app.comments["summary"].value = "请补充第二阶段的问题分析"
    app.return_btn.click()
    assert "已退回" in app.status.value and "请补充第二阶段的问题分析" in app.versions_box.value

    county = SubmissionApp(Store(store.url, user="都匀填报员", county="522701"), dt.date(2024, 8, 22))
    assert "已退回" in county.state_box.value
    upload(county.scan, "封面.pdf", PDF)
    county.submit_btn.click()
    assert "第2版" in county.status.value

    app = SubmissionApp(store, dt.date(2024, 8, 23))
    app.county_pick.value = "522701"
    app.approve_btn.click()
    assert "已审核通过" in app.status.value
    app.zip_btn.click()
    href = re.search(r'href="data:[^;]+;base64,([^"]+)"', app.downloads.value)
    assert href is not None and "都匀市_2024-08-20_报送材料.zip" in app.downloads.value
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(href.group(1)))) as z:
        assert z.read("盖章扫描件.pdf") == PDF
    assert "已审核通过 1 个县（市）" in app.rollup_box.value

    landing = LandingApp(Store(store.url, user="福泉填报员", county="522702"), dt.date(2024, 9, 15))
    assert "8月20日的报送" in landing.todo_box.value and "未报送" in landing.todo_box.value
    assert "下一个报送期限：10月20日前" in landing.todo_box.value
    tracker = TrackerApp(store, dt.date(2024, 9, 15))
    tracker.loading.join()
    assert "已审核通过 1" in tracker.reminder.value and "未报送 11" in tracker.reminder.value


def test_the_difference_is_headed_only_once_a_package_is_submitted_and_no_case_list_shows_empty(store):
    s = Situation(store)
    county = SubmissionApp(Store(store.url, user="都匀填报员", county="522701"), D)
    assert county.diff_box.value == "" and "与当前数据的差异" not in texts_in(county.widget)
    assert county.cases.layout.display == "none" and "尚无曝光的典型案例" in county.no_cases.value
    assert "没有也可以报送" in county.no_cases.value and CASES_HINT not in texts_in(county.widget)
    upload(county.scan, "封面.pdf", PDF)
    county.submit_btn.click()
    assert "已报送" in county.status.value, county.status.value
    assert "与当前数据的差异" in county.diff_box.value

    # a typical case published: the list shows it, chosen, and the note goes
    s.case(
        s.enterprise("522701"),
        dt.date(2024, 7, 1),
        "counterfeit",
        typical_case=True,
        published_date=dt.date(2024, 7, 5),
    )
    county = SubmissionApp(Store(store.url, user="都匀填报员", county="522701"), D)
    assert len(county.cases.options) == 1 and county.cases.value == (county.cases.options[0][1],)
    assert county.cases.layout.display is None and county.no_cases.value == ""
    assert CASES_HINT in texts_in(county.widget)


def test_a_save_keeps_the_cases_the_clerk_ticked(store):
    """A draft saved, then submitted, with one of two typical cases ticked: the list still ticks that one (it
    ticked both again, and the next save took both)."""
    s = Situation(store)
    for n, day in enumerate((dt.date(2024, 7, 1), dt.date(2024, 7, 2)), start=1):
        s.case(
            s.enterprise("522701", name=f"都匀市典型案例企业{n}"),
            day,
            "counterfeit",
            typical_case=True,
            published_date=day + dt.timedelta(days=4),
        )
    county = SubmissionApp(Store(store.url, user="都匀填报员", county="522701"), D)
    both = tuple(v for _, v in county.cases.options)
    assert len(both) == 2 and county.cases.value == both  # at first every case ticked
    county.cases.value = both[:1]
    upload(county.scan, "封面.pdf", PDF)
    county.save_btn.click()
    assert "已保存草稿" in county.status.value, county.status.value
    assert county.cases.value == both[:1]
    county.submit_btn.click()
    assert "已报送" in county.status.value, county.status.value
    assert county.cases.value == both[:1]
    county.withdraw_btn.click()
    assert "已撤回" in county.status.value and county.cases.value == both[:1]
    # the one just short: the page opened again ticks every case, as at first
    assert SubmissionApp(Store(store.url, user="都匀填报员", county="522701"), D).cases.value == both


def test_withdraw_is_offered_only_while_a_package_waits_for_review_and_the_picker_names_its_file(store):
    """撤回 shows once something is submitted, not before (nor for a draft), and goes once withdrawn; the file
    picker says 选择文件 (ipywidgets wrote "选择文件 (0)"), then the chosen file's name."""
    county = SubmissionApp(Store(store.url, user="都匀填报员", county="522701"), D)
    assert county.withdraw_btn.layout.display == "none" and county.scan.tooltip == PICK_FILE
    assert county.scan.description == f"{PICK_FILE}，{NO_FILE}"  # what a screen reader hears before the count
    upload(county.scan, "封面.pdf", PDF)
    assert county.scan.tooltip.startswith("封面.pdf") and "封面.pdf" in county.scan.description
    county.save_btn.click()
    assert "已保存草稿" in county.status.value and county.withdraw_btn.layout.display == "none"
    county.submit_btn.click()
    assert "已报送" in county.status.value and county.withdraw_btn.layout.display is None
    county.withdraw_btn.click()
    assert "已撤回第1版" in county.status.value and county.withdraw_btn.layout.display == "none"
    # a page opened while the package waits for review offers it at once
    county.submit_btn.click()
    again = SubmissionApp(Store(store.url, user="都匀填报员", county="522701"), D)
    assert again.withdraw_btn.layout.display is None


def test_a_submitted_file_leaves_the_picker_and_a_refused_one_stays_for_the_clerk_to_correct(store):
    """After 报送 the pickers are empty (naming the files sent, a second 报送 would send them again); a submission
    refused keeps the file chosen, for the clerk to replace and submit again."""
    county = SubmissionApp(Store(store.url, user="都匀填报员", county="522701"), D)
    upload(county.scan, "封面.pdf", b"not a scan")
    county.submit_btn.click()
    assert "已报送" not in county.status.value and "hz-msg-error" in county.status.value, county.status.value
    assert county.scan.value and county.scan.tooltip.startswith("封面.pdf")
    upload(county.scan, "封面.pdf", PDF)
    county.submit_btn.click()
    assert "已报送" in county.status.value, county.status.value
    assert county.scan.value == () and county.scan.tooltip == PICK_FILE and NO_FILE in county.scan.description
