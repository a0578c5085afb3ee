"""``hazard report``: every report in every format it offers, the format from the file's extension,
county sessions, and Chinese messages for what cannot be done."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from hazardlib.cli import main
from hazardlib.reports import REPORT_NAMES, REPORTS
from hazardlib.reports.definitions import FIGURES
from hazardlib.store import Store
from tests.test_reports_results_list import B, hand_built


@pytest.fixture
def db(store: Store, engine_name: str, tmp_path: Path) -> str:
    return hand_built(store, engine_name, tmp_path).url


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["report", *args])
    return result.exit_code, result.output


# The contract of issue 5 (and 22: inspection-targets): report names with their formats, and the results
# list's keys with their labels.
TABLES = (
    "results-list",
    "ledger",
    "overdue",
    "unrectified",
    "typical-cases",
    "tracing",
    "county-comparison",
    "inspection-targets",
)
ASKED_REPORTS = {
    **{name: ("xlsx", "json", "csv") for name in TABLES},
    "stage-summary": ("docx", "json"),
    "work-summary": ("docx", "json"),
}
ASKED_FIGURES = {
    "producers_inspected": "检查生产单位（家次）",
    "sellers_inspected": "检查销售单位（家次）",
    "self_checks": "组织企业自查（家）",
    "major_risks_self_reported": "企业主动报告重大风险（项）",
    "hazards_found": "发现隐患（项）",
    "hazards_general": None,
    "hazards_larger": None,
    "hazards_major": None,
    "hazards_closed": "完成整改销号（项）",
    "closure_rate": "整改率（%）",
    "hazards_overdue": "逾期未整改（项）",
    "spot_check_batches": "监督抽查（批次）",
    "unqualified_batches": "不合格（批次）",
    "unqualified_rate": "不合格发现率（%）",
    "two_way_traces": "双向追查（次）",
    "follow_up_checks": "跟踪抽查（批次）",
    "enterprises_interviewed": "约谈企业（家）",
    "listed_supervision_notices": "挂牌督办通知书（份）",
    "interview_notices": "约谈通知书（份）",
    "rectification_notices": "整改通知书（份）",
    "reminder_letters": "提醒敦促函（份）",
    "cases_filed": "立案查处（件）",
    "transfers": "移送稽查或公安（件）",
    "dishonesty_listed": "列入严重违法失信名单（家）",
    "licences_revoked": "撤销许可证（张）",
    "typical_cases_published": "曝光典型案例（件）",
    "enterprises_helped": "帮扶企业（家）",
    "quality_clinics": "质量问诊（次）",
    "guidance_letters": "整改指导意见书（份）",
    "key_supervision": "重点监管（家）",
    "special_supervision": "特别监管（家）",
}


def test_report_names_formats_and_results_list_keys_are_the_ones_the_issue_names() -> None:
    assert {name: tuple(REPORTS[name].formats) for name in REPORT_NAMES} == ASKED_REPORTS
    headers = {f.key: f.header for f in FIGURES}
    for key, label in ASKED_FIGURES.items():
        assert key in headers and (label is None or headers[key] == label), (key, headers.get(key))


def test_report_help_lists_every_report() -> None:
    code, out = run("--help")
    assert code == 0 and "导出报表" in out and "Write report NAME" in out
    for name, kind in REPORTS.items():
        assert name in out and kind.title in out


def test_every_report_is_written_in_every_format_it_offers(db: str, tmp_path: Path) -> None:
    for name in REPORT_NAMES:
        for fmt in REPORTS[name].formats:
            path = tmp_path / f"{name}.{fmt}"
            code, out = run(name, "--db", db, "--as-of", "2024-08-20", "-o", str(path), "--user", "李明")
            assert code == 0 and "已导出" in out, (name, fmt, out)
            if fmt == "xlsx":
                assert any(c.value for c in openpyxl.load_workbook(path).worksheets[0][1])  # the title
            elif fmt == "json":
                assert json.loads(path.read_text(encoding="utf-8")) is not None
            elif fmt == "csv":
                assert len(pd.read_csv(path, encoding="utf-8-sig").columns) > 3
            else:
                assert docx.Document(str(path)).paragraphs


def test_a_county_session_sees_only_its_county(db: str, tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    code, _ = run("results-list", "--db", db, "--county", B, "--as-of", "2024-08-20", "-o", str(path))
    assert code == 0
    rows = json.loads(path.read_text(encoding="utf-8"))
    assert [r["county_code"] for r in rows] == [B] and rows[0]["hazards_found"] == 3
    ledger = tmp_path / "ledger.csv"
    run("ledger", "--db", db, "--county", B, "--as-of", "2024-08-20", "-o", str(ledger))
    assert set(pd.read_csv(ledger, encoding="utf-8-sig")["县（市）"]) == {"福泉市"}


def test_the_format_option_wins_over_the_extension(db: str, tmp_path: Path) -> None:
    path = tmp_path / "清单.dat"
    code, _ = run("typical-cases", "--db", db, "--as-of", "2024-08-20", "--format", "json", "-o", str(path))
    assert code == 0 and json.loads(path.read_text(encoding="utf-8"))[0]["case_no"]


def test_what_cannot_be_done_is_refused_in_chinese(db: str, tmp_path: Path) -> None:
    code, out = run("ledger", "--db", db, "-o", str(tmp_path / "x.docx"))
    assert code == 1 and "不能导出为 docx" in out
    code, out = run("ledger", "--db", db, "-o", str(tmp_path / "noext"))
    assert code == 1 and "无法从文件名" in out
    code, out = run("results-list", "--db", db, "--county", "110101", "-o", str(tmp_path / "x.json"))
    assert code == 1 and "不是黔南州所辖县" in out
    code, out = run("nothing", "-o", str(tmp_path / "x.json"))
    assert code == 2
