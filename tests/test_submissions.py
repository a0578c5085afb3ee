"""The reporting cycle (issue 20): a county's package for a deadline of the calendar — draft, submit with the
figures frozen, return with comments, resubmit as a new version, approve — on both engines; the prefecture's
view and roll-up; the approved package as a zip and the roll-up as xlsx read back; two reviewers at once; and
every refusal in Chinese with nothing written."""

from __future__ import annotations

import datetime as dt
import io
import threading
import zipfile
from collections.abc import Callable
from typing import Any

import docx
import openpyxl
import pytest
import sqlalchemy as sa

from hazardlib import schema
from hazardlib.cli.check_cmd import build_report
from hazardlib.errors import HazardError
from hazardlib.exports.package import package_zip, rollup_xlsx, submit_package
from hazardlib.reports.submission_view import deadline_view, package_diff, rollup
from hazardlib.rules import run_rule
from hazardlib.store import Store, count, open_store
from hazardlib.submissions import (
    AlreadyReviewed,
    SubmissionError,
    Upload,
    approve,
    return_package,
    save_draft,
    versions,
    withdraw,
)

from .situations import Situation

pytestmark = pytest.mark.engines

D = dt.date
DEADLINE = D(2024, 8, 20)
DUYUN = "522701"
PDF = b"%PDF-1.4\n% stamped cover page\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SCAN = Upload("封面盖章.pdf", PDF)


def stores(url: str) -> tuple[Store, Store]:
    """The prefecture's reviewer and 都匀市's clerk on the same store."""
    return open_store(url, user="州局审核员"), Store(url, user="都匀市填报员", county=DUYUN)


def audit_actions(store: Store) -> list[tuple[str, str | None]]:
    a = schema.audit_log
    with store.read() as conn:
        rows = conn.execute(
            sa.select(a.c.action, a.c.context).where(a.c.table_name == "submissions").order_by(a.c.id)
        ).all()
    return [(r.action, r.context) for r in rows]


def test_a_county_goes_through_the_whole_cycle_and_the_rollup_uses_the_approved_version(store_url: str):
    prefecture, county = stores(store_url)
    s = Situation(prefecture)
    firm = s.enterprise(DUYUN)
    s.hazard(firm, D(2024, 7, 10))

    draft = save_draft(county, DUYUN, DEADLINE, scan=SCAN)
    assert draft["state"] == "draft" and draft["edition"] == 1 and draft["figures"] is None

    first = submit_package(county, DUYUN, DEADLINE, as_of=D(2024, 8, 19))  # the draft's scan is used
    assert first["state"] == "submitted" and first["edition"] == 1
    assert first["figures"]["hazards_found"] == 1 and first["figures_as_of"] == D(2024, 8, 19)
    assert first["scan_type"] == "pdf" and first["summary_drafted"] is True

    # A hazard recorded afterwards, dated before the figures were frozen: live changes, frozen does not.
    s.hazard(firm, D(2024, 8, 2))
    assert versions(prefecture, DUYUN, DEADLINE)[0]["figures"]["hazards_found"] == 1
    diff = package_diff(prefecture, DUYUN, DEADLINE).set_index("key")
    assert (diff.loc["hazards_found", "frozen"], diff.loc["hazards_found", "live"]) == (1, 2)
    assert diff.loc["hazards_found", "difference"] == 1
    view = deadline_view(prefecture, DEADLINE, D(2024, 8, 21)).set_index("county_code")
    assert view.loc[DUYUN, "state_label"] == "已报送" and view.loc[DUYUN, "changed_figures"] >= 1
    assert view.loc[DUYUN, "late_working_days"] == 0
    assert view.loc["522702", "state_label"] == "未报送" and view.loc["522702", "late_working_days"] == 1

    with pytest.raises(SubmissionError, match="等待州局审核，不能修改"):
        save_draft(county, DUYUN, DEADLINE, scan=Upload("新封面.png", PNG))

    returned = return_package(
        prefecture, DUYUN, DEADLINE, {"行动成果清单": "隐患数与台账不符，请核实后重报"},
        at=dt.datetime(2024, 8, 22, 9, 30),
    )  # fmt: skip
    assert returned["state"] == "returned"
    assert returned["review_comments"] == {"results_list": "隐患数与台账不符，请核实后重报"}

    second = submit_package(county, DUYUN, DEADLINE, as_of=D(2024, 8, 23), scan=Upload("封面.png", PNG))
    assert second["edition"] == 2 and second["figures"]["hazards_found"] == 2
    approve(prefecture, DUYUN, DEADLINE, at=dt.datetime(2024, 8, 26, 10))

    kept = versions(prefecture, DUYUN, DEADLINE)
    assert [(v["edition"], v["state"]) for v in kept] == [(1, "returned"), (2, "approved")]
    assert kept[0]["figures"]["hazards_found"] == 1 and kept[0]["review_comments"]
    view = deadline_view(prefecture, DEADLINE, D(2024, 9, 15)).set_index("county_code")
    assert view.loc[DUYUN, "version"] == 2 and view.loc[DUYUN, "late_working_days"] == 0  # v1 was on time

    roll = rollup(prefecture, DEADLINE)
    assert roll.versions == {DUYUN: 2}
    assert len(roll.missing) == 11 and DUYUN not in roll.missing
    total = roll.approved.set_index("county_code")
    assert total.loc[DUYUN, "hazards_found"] == 2 and total.loc["522700", "hazards_found"] == 2
    assert "522700" in set(roll.live["county_code"])  # the live roll-up beside it

    name, data = package_zip(prefecture, DUYUN, DEADLINE)
    assert name == "都匀市_2024-08-20_报送材料.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        assert {"行动成果清单.xlsx", "典型案例.xlsx", "盖章扫描件.png"} <= set(names)
        summary = next(n for n in names if n.endswith(".docx"))
        assert "阶段性工作总结" in summary
        assert z.read("盖章扫描件.png") == PNG
        text = "".join(p.text for p in docx.Document(io.BytesIO(z.read(summary))).paragraphs)
        assert "都匀市" in text
        sheet = openpyxl.load_workbook(io.BytesIO(z.read("行动成果清单.xlsx"))).worksheets[0]
        cells = [c for row in sheet.values for c in row]
        assert "都匀市" in cells
    name, data = rollup_xlsx(prefecture, DEADLINE)
    assert name == "全州汇总_2024-08-20_审核通过材料.xlsx"
    text = "".join(
        str(c) for row in openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].values for c in row
    )
    assert "未报送或未审核通过的县（市）（11 个）" in text and "福泉市" in text

    contexts = [c for _, c in audit_actions(prefecture)]
    for what in ("保存草稿", "报送", "退回", "审核通过"):
        assert f"报送与审核：{what}" in contexts


def test_a_submitted_package_can_be_withdrawn_before_review_but_not_after(store_url: str):
    prefecture, county = stores(store_url)
    submit_package(county, DUYUN, DEADLINE, as_of=D(2024, 8, 16), scan=SCAN)
    back = withdraw(county, DUYUN, DEADLINE)
    assert back["state"] == "draft" and back["submitted_at"] is None
    submit_package(county, DUYUN, DEADLINE, as_of=D(2024, 8, 27))
    view = deadline_view(prefecture, DEADLINE, D(2024, 9, 1)).set_index("county_code")
    assert view.loc[DUYUN, "late_working_days"] == 5  # the withdrawn submission does not count
    approve(prefecture, DUYUN, DEADLINE)
    with pytest.raises(AlreadyReviewed, match="州局审核员"):
        withdraw(county, DUYUN, DEADLINE)
    assert ("update", "报送与审核：撤回") in audit_actions(prefecture)


def _race(*moves: Callable[[], Any]) -> list[Any]:
    """Run the moves at once (each in its own thread, released together); what each returned or raised."""
    barrier = threading.Barrier(len(moves))
    out: list[Any] = [None] * len(moves)

    def run(i: int) -> None:
        barrier.wait()
        try:
            out[i] = moves[i]()
        except HazardError as exc:
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(moves))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_two_reviewers_at_once_one_wins_and_the_other_is_told_who_acted_first(store_url: str):
    _, county = stores(store_url)
    submit_package(county, DUYUN, DEADLINE, as_of=D(2024, 8, 19), scan=SCAN)
    li, wang = Store(store_url, user="李审核"), Store(store_url, user="王审核")
    seen = versions(li, DUYUN, DEADLINE)[-1]["version"]  # both opened the package at this version
    results = _race(
        lambda: approve(li, DUYUN, DEADLINE, expected_version=seen),
        lambda: return_package(wang, DUYUN, DEADLINE, {"summary": "请补充"}, expected_version=seen),
    )
    won = [r for r in results if isinstance(r, dict)]
    lost = [r for r in results if isinstance(r, AlreadyReviewed)]
    assert len(won) == 1 and len(lost) == 1, results
    winner = won[0]["reviewed_by"]
    assert lost[0].by == winner and winner in str(lost[0])
    final = versions(li, DUYUN, DEADLINE)
    assert len(final) == 1 and final[0]["reviewed_by"] == winner
    assert sum(1 for a, c in audit_actions(li) if c in ("报送与审核：审核通过", "报送与审核：退回")) == 1


def _snapshot(store: Store) -> tuple[int, int]:
    with store.read() as conn:
        return count(conn, schema.submissions), count(conn, schema.audit_log)


@pytest.mark.parametrize(
    ("who", "move", "message"),
    [
        ("522702", lambda s: submit_package(s, DUYUN, DEADLINE, as_of=D(2024, 8, 19), scan=SCAN),
         "本账号属于福泉市，不能为都匀市报送"),
        (None, lambda s: submit_package(s, DUYUN, DEADLINE, as_of=D(2024, 8, 19), scan=SCAN),
         "州局账号不能代县（市）都匀市报送"),
        (DUYUN, lambda s: approve(s, DUYUN, DEADLINE), "只有州局账号可以审核"),
        (DUYUN, lambda s: submit_package(s, DUYUN, DEADLINE, as_of=D(2024, 8, 19),
                                         scan=Upload("封面.docx", b"PK\x03\x04 not a scan")),
         "不是 PDF、PNG 或 JPEG 文件"),
        (DUYUN, lambda s: submit_package(s, DUYUN, DEADLINE, as_of=D(2024, 8, 19),
                                         scan=Upload("大.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024 + 1))),
         "超过上限 10 MB"),
        (DUYUN, lambda s: submit_package(s, DUYUN, DEADLINE, as_of=D(2024, 8, 19), scan=Upload("封" * 201 + ".pdf", PDF)),
         "超过 200 个字"),
        (DUYUN, lambda s: submit_package(s, DUYUN, D(2024, 8, 21), as_of=D(2024, 8, 19), scan=SCAN),
         "2024-08-21 不是2024年行动日历中的报送期限"),
        (DUYUN, lambda s: submit_package(s, DUYUN, DEADLINE, as_of=D(2024, 8, 19), scan=SCAN,
                                         summary=Upload("总结.pdf", PDF)),
         "不是 Word（.docx）文件"),
    ],
    ids=["other-county", "prefecture-submits", "county-approves", "scan-not-image", "scan-too-big", "name-too-long",
         "not-a-deadline", "summary-not-docx"],
)  # fmt: skip
def test_bad_moves_are_refused_in_chinese_and_write_nothing(
    store_url: str, who: str | None, move: Callable[[Store], Any], message: str
):
    prefecture = open_store(store_url, user="州局审核员")
    if message == "只有州局账号可以审核":  # a package waiting for review
        submit_package(Store(store_url, user="都匀市填报员", county=DUYUN), DUYUN, DEADLINE,
                       as_of=D(2024, 8, 19), scan=SCAN)  # fmt: skip
    before = _snapshot(prefecture)
    with pytest.raises(HazardError, match=message):
        move(Store(store_url, user="某人", county=who))
    assert _snapshot(prefecture) == before


def test_an_approved_package_cannot_be_submitted_again(store_url: str):
    prefecture, county = stores(store_url)
    submit_package(county, DUYUN, DEADLINE, as_of=D(2024, 8, 19), scan=SCAN)
    approve(prefecture, DUYUN, DEADLINE)
    before = _snapshot(prefecture)
    with pytest.raises(SubmissionError, match="审核通过，不能再修改或报送"):
        submit_package(county, DUYUN, DEADLINE, as_of=D(2024, 8, 30), scan=SCAN)
    with pytest.raises(AlreadyReviewed, match="州局审核员"):
        return_package(prefecture, DUYUN, DEADLINE, {"scan": "看不清"})
    with pytest.raises(SubmissionError, match="退回须至少填写一项意见"):
        return_package(prefecture, DUYUN, DEADLINE, {"scan": "  "})
    assert _snapshot(prefecture) == before


def test_the_rules_remind_of_packages_due_overdue_and_returned_and_hazard_check_lists_them(store_url: str):
    prefecture, county = stores(store_url)
    assert run_rule("submission_due", prefecture, D(2024, 8, 14)) == []  # 20 August is 4 working days away
    due = run_rule("submission_due", prefecture, D(2024, 8, 15))
    assert len(due) == 12 and due[0].due == DEADLINE and "还有 3 个工作日" in due[0].message
    submit_package(county, DUYUN, DEADLINE, as_of=D(2024, 8, 15), scan=SCAN)
    assert DUYUN not in {f.county_code for f in run_rule("submission_due", prefecture, D(2024, 8, 15))}

    overdue = run_rule("submission_overdue", prefecture, D(2024, 8, 22))
    assert len(overdue) == 11 and DUYUN not in {f.county_code for f in overdue}
    assert "已逾期 2 个工作日" in overdue[0].message

    return_package(
        prefecture, DUYUN, DEADLINE, {"typical_cases": "案例过少"}, at=dt.datetime(2024, 8, 23, 10)
    )
    assert run_rule("submission_returned", prefecture, D(2024, 8, 22)) == []  # not yet returned on that day
    (returned,) = run_rule("submission_returned", prefecture, D(2024, 8, 23))
    assert returned.county_code == DUYUN and "典型案例：案例过少" in returned.message

    listed = {f["rule"] for f in build_report(prefecture, D(2024, 8, 23), None)["findings"]}
    assert {"submission_overdue", "submission_returned"} <= listed
