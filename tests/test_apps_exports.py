"""报表导出 without a browser: reports and templates download as data URLs holding real files; an uploaded
file is imported with its findings shown and downloadable; a county session exports only its county."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import re

import openpyxl
import sqlalchemy as sa

from hazardlib import schema
from hazardlib.apps import ExportApp
from hazardlib.apps.exports import safe_name
from hazardlib.intake import KINDS
from hazardlib.reports import results_list
from hazardlib.store import Store, count

from .conftest import make_uscc
from .situations import Situation

D = dt.date(2024, 9, 15)


def downloaded(html: str) -> tuple[str, bytes]:
    """The file name and bytes of the last download link in ``html``."""
    links = re.findall(r'download="([^"]+)" href="data:[^;]+;base64,([^"]+)"', html)
    assert links, html[:300]
    name, payload = links[0]
    return name, base64.b64decode(payload)


def workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data), read_only=True)


def test_the_results_list_downloads_as_an_xlsx_whose_figures_are_the_reports(store):
    s = Situation(store)
    for county in ("522701", "522722"):
        s.hazard(s.enterprise(county), dt.date(2024, 7, 1))
    app = ExportApp(store, D)
    app.export_btn.click()
    name, data = downloaded(app.downloads.value)
    assert name == "黔南布依族苗族自治州行动成果清单（截至2024-09-15）.xlsx" and "已生成" in app.status.value
    cells = [
        c for row in workbook(data).worksheets[0].iter_rows(values_only=True) for c in row if c is not None
    ]
    assert "都匀市" in cells and "荔波县" in cells
    total = int(results_list(store, D)["hazards_found"].iloc[-1])
    assert total == 2 and not app.busy.active


def test_every_report_and_format_can_be_downloaded(store):
    s = Situation(store)
    s.hazard(s.enterprise("522701"), dt.date(2024, 7, 1))
    app = ExportApp(store, D)
    for name, _ in [(v, k) for k, v in app.report_pick.options]:
        app.report_pick.value = name
        for _, fmt in app.format_pick.options:
            app.format_pick.value = fmt
            app.export_btn.click()
            file_name, data = downloaded(app.downloads.value)
            assert file_name.endswith(f".{fmt}") and data, (name, fmt, app.status.value)
            if fmt in ("xlsx", "docx"):
                assert data[:2] == b"PK"


def test_a_county_session_exports_its_own_county_at_a_date_not_in_the_future(store):
    s = Situation(store)
    s.hazard(s.enterprise("522701"), dt.date(2024, 7, 1))
    s.hazard(s.enterprise("522722"), dt.date(2024, 7, 1))
    app = ExportApp(Store(store.url, user="都匀统计员", county="522701"), D)
    assert [v for _, v in app.county_pick.options] == ["522701"]
    assert app.county_pick.label == "都匀市"  # its own name shown, not an empty box
    assert ExportApp(store, D).county_pick.label == "全州（各县（市）及合计）"
    app.day_pick.value = dt.date(2024, 10, 1)
    app.export_btn.click()
    assert "不能晚于今天" in app.export_fields["day"].error.value and app.downloads.value == ""
    app.day_pick.value = dt.date(2024, 8, 20)
    app.format_pick.value = "csv"
    app.export_btn.click()
    name, data = downloaded(app.downloads.value)
    assert name.startswith("都匀市行动成果清单（截至2024-08-20）")
    text = data.decode("utf-8-sig")
    assert "都匀市" in text and "荔波县" not in text


def test_a_blank_template_downloads_as_a_workbook(store):
    app = ExportApp(store, D)
    app.template_pick.value = "self-checks"
    app.template_btn.click()
    name, data = downloaded(app.template_link.value)
    assert name == "企业自查导入模板.xlsx" and workbook(data).sheetnames


def enterprises_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.marked_header for c in KINDS["enterprises"].columns][:4])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def upload(app: ExportApp, name: str, data: bytes) -> None:
    app.upload.value = (
        {
            "name": name,
            "type": "text/csv",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": dt.datetime(2024, 9, 15, 9, 0),
        },
    )


def test_an_uploaded_file_is_imported_with_its_findings_shown_and_downloadable(store):
    good, bad = make_uscc("522701", 31), make_uscc("522701", 32)[:-1] + "0"
    data = enterprises_csv(
        [[good, "都匀市导入测试有限公司", "都匀市", "生产单位"], [bad, "坏代码公司", "都匀市", "生产单位"]]
    )
    app = ExportApp(store, D)
    upload(app, "../../企业名录.csv", data)
    app.import_btn.click()
    result = app.import_result.value
    assert "登记企业 1 户" in result and "未导入 1 行" in result, result
    assert "企业名录.csv" in result and "统一社会信用代码" in result
    assert "uscc_checksum" not in result  # the page shows Chinese only
    name, findings = downloaded(result)
    assert name == "企业名录_问题清单.xlsx" and workbook(findings).sheetnames
    with store.read() as conn:
        assert conn.execute(sa.select(schema.enterprises.c.uscc)).scalars().all() == [good]
    upload(app, "企业名录.csv", data)
    app.import_btn.click()  # the same file again changes nothing
    with store.read() as conn:
        assert count(conn, schema.enterprises) == 1


def test_an_upload_name_cannot_leave_the_temporary_folder():
    assert safe_name("../../etc/passwd") == "passwd" and safe_name("..\\..\\a:b.xlsx") == "a_b.xlsx"
    assert safe_name("..") == "上传文件"
