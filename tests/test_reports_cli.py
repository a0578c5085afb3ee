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
from hazardlib.store import Store
from tests.test_reports_results_list import B, hand_built


@pytest.fixture
def db(store: Store, engine_name: str, tmp_path: Path) -> str:
    return hand_built(store, engine_name, tmp_path).url


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["report", *args])
    return result.exit_code, result.output


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
                assert openpyxl.load_workbook(path).worksheets[0]["A1"].value
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
