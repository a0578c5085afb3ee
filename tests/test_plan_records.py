"""Issue 18 items 1, 2, 4, 5 on a fresh store (no demo), entered through the templates and the dashboards' forms
only: a county plan with its file closes the county's lagging status; an interview recorded from the ledger
counts in the results list's 约谈企业; the prefecture's oversight closes ``county_interview_or_circular``; a
decision not to revoke closes ``licence_revocation_review``. The reverse situations keep the finding open, and
bad input (a number already used, another county's enterprise, a file that is not what it says or too large)
is refused with a Chinese message naming the field, nothing written."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from openpyxl import load_workbook

from hazardlib import models, plan_files, records, schema
from hazardlib.apps import LedgerApp, TrackerApp
from hazardlib.cli import main
from hazardlib.errors import ValidationFailed
from hazardlib.intake import KINDS, import_file, write_template
from hazardlib.reports.comparison import county_comparison
from hazardlib.rules import run_rule
from hazardlib.stages import county_progress_rows
from hazardlib.store import Store, count

from .conftest import make_uscc

D = dt.date
AS_OF = D(2024, 7, 1)  # the first stage is over: a county without a plan lags
DUYUN, LIBO = "522701", "522722"


def template(kind: str, path: Path, *rows: dict[str, Any]) -> Path:
    """The blank template of ``kind`` with ``rows`` (header as the template writes it, without its “*”)."""
    write_template(kind, path)
    book = load_workbook(path)
    sheet = book[KINDS[kind].sheet]
    headers = [str(c.value or "").lstrip("*") for c in sheet[1]]
    for n, row in enumerate(rows, start=1):
        sheet.append([n if h == "序号" else row.get(h) for h in headers])
    book.save(path)
    return path


def imported(store: Store, kind: str, path: Path, *rows: dict[str, Any], today: dt.date = AS_OF) -> Any:
    report = import_file(store, template(kind, path, *rows), today=today)
    assert not report.errors, [str(f) for f in report.errors]
    return report


def enterprise_row(county: str, serial: int, **extra: Any) -> dict[str, Any]:
    name = {DUYUN: "都匀市", LIBO: "荔波县"}[county]
    return {
        "统一社会信用代码": make_uscc(county, serial),
        "企业名称": f"{name}测试{serial}号建材有限公司",
        "所属县（市）": name,
        "企业类型": "生产单位",
        "生产或销售的产品": "水泥" if county == DUYUN else None,
        **extra,
    }


def uploaded(name: str, data: bytes) -> tuple[dict[str, Any], ...]:
    """What the FileUpload widget holds once the browser has sent it a file."""
    when = dt.datetime(2024, 5, 25, tzinfo=dt.UTC)
    return (
        {"name": name, "type": "", "size": len(data), "content": memoryview(data), "last_modified": when},
    )


def a_pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def a_docx() -> bytes:
    out = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("都匀市重点工业产品质量安全隐患排查治理行动工作方案")
    document.save(out)
    return out.getvalue()


# -- 1. county plans ------------------------------------------------------------------------------


def test_a_plan_file_is_typed_by_its_content_sized_and_checksummed(tmp_path):
    pdf = plan_files.check_plan_file("方案.PDF", a_pdf())
    assert (pdf.type, pdf.size, len(pdf.sha256)) == ("pdf", len(a_pdf()), 64)
    assert plan_files.check_plan_file("方案.docx", a_docx()).type == "docx"
    source = tmp_path / "方案.docx"
    source.write_bytes(a_docx())
    subprocess.run(  # a real Word 97 (OLE) file, as WPS and Word save it
        ["soffice", "--headless", "--convert-to", "doc", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    doc = (tmp_path / "方案.doc").read_bytes()
    assert plan_files.check_plan_file("方案.wps", doc).type == "wps"
    assert plan_files.check_plan_file("方案.doc", doc).type == "doc"
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as z:
        z.writestr("readme.txt", "不是Word文档")
    bad = {
        ("方案.pdf", a_docx()): "不是PDF文件",
        ("方案.docx", plain_zip.getvalue()): "不是Word（DOCX）文件",
        ("方案.wps", a_pdf()): "不是WPS文件",
        ("方案.txt", b"text"): "不是可接受的文件类型",
        ("方案.pdf", b"%PDF-" + b"0" * plan_files.MAX_BYTES): "超过上限 20 MB",
        ("方案.pdf", b""): "空文件",
    }
    for (name, data), why in bad.items():
        with pytest.raises(ValidationFailed) as refused:
            plan_files.check_plan_file(name, data)
        (finding,) = refused.value.findings
        assert finding.field == "方案文件" and why in finding.message, (name, finding.message)


def test_a_plan_entered_through_the_template_and_the_tracker_form_closes_the_countys_lagging(store, tmp_path):
    def lagging(code: str) -> list[str]:
        (row,) = county_progress_rows(store, AS_OF, code)
        return row["lagging_checks"]

    assert lagging(DUYUN) == ["plan"] and lagging(LIBO) == ["plan"]  # nothing recorded: both lag
    imported(store, "county-plans", tmp_path / "plans.xlsx",
             {"县（市）": "都匀市", "印发日期": D(2024, 5, 20), "文件名称": "都匀市工作方案", "文号": "都市监发〔2024〕15号",
              "责任领导及责任人": "局长 张三"})  # fmt: skip
    assert lagging(DUYUN) == [] and lagging(LIBO) == ["plan"]

    county = Store(store.url, user="荔波县局", county=LIBO)
    app = TrackerApp(county, AS_OF)
    app.loading.join()
    form = app.county_records.plan_form
    form.fill(
        {"adopted_date": D(2024, 5, 25), "document": "荔波县工作方案", "document_no": "都市监发〔2024〕15号"}
    )
    app.county_records.upload.value = uploaded("方案.pdf", a_pdf())
    app.county_records.save_plan()  # the 文号 is 都匀's: refused beside the field, nothing written
    assert "已被另一条县级工作方案使用" in form.fields["document_no"].error.value and lagging(LIBO) == [
        "plan"
    ]
    form.fill({"document_no": "荔市监发〔2024〕8号"})
    app.county_records.upload.value = uploaded("方案.pdf", a_docx())
    app.county_records.save_plan()  # a DOCX named .pdf: refused, nothing written
    assert "内容不是PDF文件" in app.county_records.file_field.error.value and lagging(LIBO) == ["plan"]
    assert app.county_records.upload.value  # refused: the file stays chosen, for the clerk to replace
    app.county_records.upload.value = uploaded("方案.pdf", a_pdf())
    app.county_records.save_plan()
    assert lagging(LIBO) == [] and "荔市监发〔2024〕8号" in app.county_records.plans.value
    assert app.county_records.upload.value == ()  # recorded: the picker offers it no more
    # the file named in Chinese words: its name, size and 校验码, no "SHA-256" for a clerk to puzzle over
    digest = plan_files.check_plan_file("x.pdf", a_pdf()).sha256
    for said in (app.county_records.plans.value, app.status.value):
        assert f"校验码 {digest[:12]}…" in said and "SHA" not in said
    cp = schema.county_plans
    with store.read() as conn:
        stored = conn.execute(sa.select(cp).where(cp.c.county_code == LIBO)).mappings().one()
        audit = (
            conn.execute(
                sa.select(schema.audit_log.c.after).where(schema.audit_log.c.table_name == "county_plans")
            )
            .scalars()
            .all()
        )
    assert (
        bytes(stored["file_data"]) == a_pdf()
        and stored["file_sha256"] == plan_files.check_plan_file("x.pdf", a_pdf()).sha256
    )
    assert all("%PDF" not in json.dumps(a, ensure_ascii=False) for a in audit)  # the file's bytes stay out


# -- 2. interviews --------------------------------------------------------------------------------


def results_list_json(store: Store, tmp_path: Path, county: str) -> dict[str, Any]:
    out = tmp_path / "results.json"
    result = CliRunner().invoke(
        main, ["report", "results-list", "--db", store.url, "--as-of", "2024-09-15", "--county", county,
               "--format", "json", "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    rows = rows["rows"] if isinstance(rows, dict) else rows
    return next(r for r in rows if r["county_code"] == county)


def test_an_interview_recorded_from_the_ledger_counts_in_the_results_list(store, tmp_path):
    imported(store, "enterprises", tmp_path / "e.xlsx", enterprise_row(DUYUN, 1))
    imported(store, "inspections", tmp_path / "i.xlsx",
             {"企业名称": enterprise_row(DUYUN, 1)["企业名称"], "检查日期": D(2024, 7, 10), "检查领域": "生产领域",
              "产品": "03-01 水泥", "隐患等级": "一般", "问题类型": "P04", "整改期限": D(2024, 8, 9)},
             today=D(2024, 9, 15))  # fmt: skip
    assert results_list_json(store, tmp_path, DUYUN)["enterprises_interviewed"] == 0  # nothing recorded yet
    imported(store, "instruments", tmp_path / "notice.xlsx",
             {"企业名称": enterprise_row(DUYUN, 1)["企业名称"], "文书类型": "约谈通知书", "签发日期": D(2024, 9, 10),
              "文书编号": "都市监约〔2024〕3号"}, today=D(2024, 9, 15))  # fmt: skip

    app = LedgerApp(store, D(2024, 9, 15))
    (hazard_id,) = [v for _label, v in app.pick.options]
    app.open_hazard(hazard_id)
    app.move.value = "escalate"
    app.outcome.value = "interview"
    offered = app.interview_form.control("notice_no").options
    assert offered == (
        ("（未发约谈通知书）", None),
        ("都市监约〔2024〕3号（2024年9月10日签发）", "都市监约〔2024〕3号"),
    )
    app.interview_form.fill({"attendees": "县局 王五；企业法定代表人", "notice_no": "都市监约〔2024〕3号",
                             "follow_up_date": D(2024, 10, 15)})  # fmt: skip
    app.record_move()
    assert "已登记" in app.status.value
    assert results_list_json(store, tmp_path, DUYUN)["enterprises_interviewed"] == 1
    iv = schema.interviews
    with store.read() as conn:
        row = conn.execute(sa.select(iv)).mappings().one()
    assert (row["hazard_id"], row["notice_no"], row["trigger"]) == (
        hazard_id,
        "都市监约〔2024〕3号",
        "county_decision",
    )
    app.open_hazard(hazard_id)  # the notice is held now: the form no longer offers it
    assert app.interview_form.control("notice_no").options == (("（未发约谈通知书）", None),)


def test_an_interview_is_refused_for_another_countys_enterprise_or_a_number_already_used(store, tmp_path):
    imported(store, "enterprises", tmp_path / "e.xlsx", enterprise_row(DUYUN, 1), enterprise_row(LIBO, 2))
    e = schema.enterprises
    with store.read() as conn:
        ids = dict(conn.execute(sa.select(e.c.county_code, e.c.id)).all())
    imported(store, "instruments", tmp_path / "in.xlsx",
             {"企业名称": enterprise_row(DUYUN, 1)["企业名称"], "文书类型": "约谈通知书", "签发日期": D(2024, 6, 1),
              "文书编号": "都市监约〔2024〕1号"})  # fmt: skip
    imported(store, "interviews", tmp_path / "iv.xlsx",
             {"企业名称": enterprise_row(DUYUN, 1)["企业名称"], "约谈日期": D(2024, 6, 3), "约谈起因": "县（市）局研究决定",
              "约谈通知书编号": "都市监约〔2024〕1号"})  # fmt: skip
    county = Store(store.url, user="都匀市局", county=DUYUN)
    data = {"enterprise_id": ids[LIBO], "campaign_year": 2024, "held_date": D(2024, 6, 5)}
    with pytest.raises(ValidationFailed) as refused, county.transaction("测试") as tx:
        records.save_interview(tx, models.validate(models.Interview, data))
    assert (
        refused.value.findings[0].field == "企业" and "不属于本县（市）" in refused.value.findings[0].message
    )
    data = {**data, "enterprise_id": ids[DUYUN], "notice_no": "都市监约〔2024〕1号"}
    with pytest.raises(ValidationFailed) as refused, county.transaction("测试") as tx:
        records.save_interview(tx, models.validate(models.Interview, data))
    assert refused.value.findings[0].field == "约谈通知书编号"
    with store.read() as conn:
        assert count(conn, schema.interviews) == 1


def test_an_interviews_notice_number_must_be_an_interview_notice_issued_to_the_enterprise_by_the_day_held(
    store, tmp_path
):
    firm, other = enterprise_row(DUYUN, 1), enterprise_row(DUYUN, 2)
    imported(store, "enterprises", tmp_path / "e.xlsx", firm, other)
    imported(store, "instruments", tmp_path / "in.xlsx",
             *({"企业名称": row["企业名称"], "文书类型": kind, "签发日期": D(2024, 6, 3), "文书编号": number}
               for row, kind, number in ((firm, "约谈通知书", "都市监约〔2024〕1号"),
                                         (firm, "整改通知书", "都市监整〔2024〕1号"),
                                         (other, "约谈通知书", "都市监约〔2024〕2号"))))  # fmt: skip

    def interview(number: str, day: dt.date) -> Any:
        row = {
            "企业名称": firm["企业名称"],
            "约谈日期": day,
            "约谈起因": "县（市）局研究决定",
            "约谈通知书编号": number,
        }
        return import_file(store, template("interviews", tmp_path / "iv.xlsx", row), today=AS_OF)

    refusals = {
        "都市监约〔2024〕9号": "没有编号为“都市监约〔2024〕9号”的约谈通知书",  # unknown
        "都市监整〔2024〕1号": "是整改通知书，不是约谈通知书",
        "都市监约〔2024〕2号": "不是签发给该企业的",
    }
    for number, reason in refusals.items():
        report = interview(number, D(2024, 6, 5))
        (f,) = report.errors
        assert f.field == "约谈通知书编号" and reason in f.message, (number, f.message)
    (late,) = interview("都市监约〔2024〕1号", D(2024, 6, 2)).errors  # held the day before the notice
    assert late.field == "约谈通知书编号" and "晚于约谈日期" in late.message
    with store.read() as conn:
        assert count(conn, schema.interviews) == 0
    held = interview("都市监约〔2024〕1号", D(2024, 6, 3))  # the day of the notice itself
    assert not held.errors and held.inserted == 1


def test_a_county_cannot_name_another_countys_notice_which_it_is_told_is_unknown(store, tmp_path):
    imported(store, "enterprises", tmp_path / "e.xlsx", enterprise_row(DUYUN, 1), enterprise_row(LIBO, 2))
    imported(store, "instruments", tmp_path / "in.xlsx",
             {"企业名称": enterprise_row(LIBO, 2)["企业名称"], "文书类型": "约谈通知书", "签发日期": D(2024, 6, 3),
              "文书编号": "荔市监约〔2024〕1号"})  # fmt: skip
    county = Store(store.url, user="都匀市局", county=DUYUN)
    row = {"企业名称": enterprise_row(DUYUN, 1)["企业名称"], "约谈日期": D(2024, 6, 5), "约谈起因": "县（市）局研究决定",
           "约谈通知书编号": "荔市监约〔2024〕1号"}  # fmt: skip
    (f,) = import_file(county, template("interviews", tmp_path / "iv.xlsx", row), today=AS_OF).errors
    assert f.field == "约谈通知书编号" and "没有编号为" in f.message and "荔波" not in f.message


# -- 4. the prefecture's oversight ------------------------------------------------------------------


def test_the_prefectures_oversight_closes_interview_or_circular_and_a_county_cannot_record_it(
    store, tmp_path
):
    imported(store, "county-plans", tmp_path / "plans.xlsx",
             {"县（市）": "都匀市", "印发日期": D(2024, 5, 20), "文号": "都市监发〔2024〕15号"})  # fmt: skip
    lagging = {f.county_code for f in run_rule("county_interview_or_circular", store, AS_OF)}
    assert LIBO in lagging and DUYUN not in lagging  # nothing recorded: the finding stays open

    county = Store(store.url, user="荔波县局", county=LIBO)
    report = import_file(county, template("oversight", tmp_path / "ov-county.xlsx",
                         {"县（市）": "荔波县", "督导方式": "通报", "日期": D(2024, 6, 25)}), today=AS_OF)  # fmt: skip
    assert [f.field for f in report.errors] == ["*督导方式"] and "只能由州局账号登记" in report.errors[
        0
    ].message
    assert LIBO in {f.county_code for f in run_rule("county_interview_or_circular", store, AS_OF)}

    app = TrackerApp(store, AS_OF)
    app.loading.join()
    form = app.county_records.oversight_form
    form.fill({"county_code": LIBO, "kind": "circular", "action_date": D(2024, 6, 25), "number": "黔南市监通〔2024〕2号",
               "reason": "未制定工作方案", "due_date": D(2024, 7, 10)})  # fmt: skip
    app.county_records.save_oversight()
    assert LIBO not in {f.county_code for f in run_rule("county_interview_or_circular", store, AS_OF)}

    seen = TrackerApp(county, AS_OF)  # the county sees it and records its written response
    seen.loading.join()
    assert "黔南市监通〔2024〕2号" in seen.county_records.oversight.value
    (_blank, (_label, oid)) = seen.county_records.response_pick.options
    seen.county_records.response_pick.value = oid
    seen.county_records.response_form.fill({"response": "已制定方案并印发", "response_date": D(2024, 6, 20)})
    seen.county_records.respond()  # dated before the action: refused beside the date
    assert "早于督导日期" in seen.county_records.response_form.fields["response_date"].error.value
    seen.county_records.response_form.fill({"response_date": D(2024, 6, 30)})
    seen.county_records.respond()
    assert "2024年6月30日：已制定方案并印发" in seen.county_records.oversight.value
    for day in ("2024-06-25", "2024-07-10"):  # the circular's date and the response's due date, unbroken
        assert f'<td class="hz-date">{day}</td>' in seen.county_records.oversight.value
    before = TrackerApp(county, D(2024, 6, 29))  # the page the day before the response: still awaited
    before.loading.join()
    assert "黔南市监通〔2024〕2号" in before.county_records.oversight.value
    assert "已制定方案并印发" not in before.county_records.oversight.value
    assert "待回复" in before.county_records.oversight.value
    assert [v for _, v in before.county_records.response_pick.options] == [None]  # answered since: not again
    earlier = TrackerApp(county, D(2024, 6, 24))  # before the circular itself: not yet there
    earlier.loading.join()
    assert "黔南市监通〔2024〕2号" not in earlier.county_records.oversight.value
    compared = county_comparison(store, AS_OF).set_index("county_code")  # the comparison shows it
    assert (
        compared.loc[LIBO, "oversight_taken"]
        == "2024-06-25 通报黔南市监通〔2024〕2号（已书面回复 2024-06-30）"
    )
    assert compared.loc[DUYUN, "oversight_taken"] == ""


# -- 5. enforcement outcomes --------------------------------------------------------------------------


def test_a_decision_not_to_revoke_entered_through_the_template_closes_the_revocation_review(store, tmp_path):
    holder = enterprise_row(DUYUN, 1, **{"生产许可证编号": "XK13-201-00001"})
    imported(store, "enterprises", tmp_path / "e.xlsx", holder)
    case = {"企业名称": holder["企业名称"], "案件编号": "黔南市监立〔2024〕1号", "立案日期": D(2024, 6, 1),
            "违法行为": "假冒伪劣"}  # fmt: skip
    imported(store, "enforcement", tmp_path / "c1.xlsx", case)
    assert len(run_rule("licence_revocation_review", store, AS_OF)) == 1  # nothing decided: open
    report = import_file(store, template("enforcement", tmp_path / "c2.xlsx",
                         {**case, "不撤销许可证的决定人": "局长办公会", "不撤销许可证的决定日期": D(2024, 6, 20)}), today=AS_OF)  # fmt: skip
    assert [f.field for f in report.errors] == ["不撤销许可证的理由"]  # incomplete: refused, open
    assert len(run_rule("licence_revocation_review", store, AS_OF)) == 1
    imported(store, "enforcement", tmp_path / "c3.xlsx",
             {**case, "不撤销许可证的决定人": "局长办公会", "不撤销许可证的决定日期": D(2024, 6, 20),
              "不撤销许可证的理由": "未达撤证情形"})  # fmt: skip
    assert run_rule("licence_revocation_review", store, AS_OF) == []
    assert len(run_rule("licence_revocation_review", store, D(2024, 6, 19))) == 1  # not yet decided then


def test_a_report_to_the_local_government_is_recorded_on_its_hazard(store, tmp_path):
    imported(store, "enterprises", tmp_path / "e.xlsx", enterprise_row(DUYUN, 1))
    imported(store, "inspections", tmp_path / "i.xlsx",
             {"企业名称": enterprise_row(DUYUN, 1)["企业名称"], "检查日期": D(2024, 6, 10), "检查领域": "生产领域",
              "产品": "03-01 水泥", "隐患等级": "重大", "问题类型": "P04"})  # fmt: skip
    h = schema.hazards
    with store.read() as conn:
        hazard = conn.execute(sa.select(h.c.id, h.c.enterprise_id)).one()
    report = {"county_code": DUYUN, "campaign_year": 2024, "report_date": D(2024, 6, 20), "hazard_id": hazard.id,
              "summary": "重大隐患整改难度大，报请县政府协调", "document_no": "都市监报〔2024〕1号"}  # fmt: skip
    with store.transaction("测试") as tx:
        records.save_local_report(tx, models.validate(models.LocalReport, report))
    with pytest.raises(ValidationFailed) as refused, store.transaction("测试") as tx:
        records.save_local_report(
            tx, models.validate(models.LocalReport, {**report, "report_date": D(2024, 6, 21)})
        )
    assert refused.value.findings[0].field == "文号"
    with store.read() as conn:
        (row,) = conn.execute(sa.select(schema.local_reports)).mappings().all()
    assert (row["hazard_id"], row["enterprise_id"]) == (hazard.id, hazard.enterprise_id)
