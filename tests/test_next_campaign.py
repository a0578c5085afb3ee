"""Issue 22, what it must show: 2025 is made from 2024 (in a copy of data/), its catalogue edited (one category
added, one dropped), its records imported through the templates; 2025's figures count only 2025's findings
plus a separate carry-over, 2024's figures are unchanged, and an enterprise with two major findings in 2024
and one in 2025 is under special supervision in 2025. An import refuses a product outside the record year's
catalogue, naming row, column and that year's catalogue."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from docx import Document
from openpyxl import load_workbook

from hazardlib import schema
from hazardlib.campaign import load_campaign
from hazardlib.campaign_files import check_campaign, new_campaign
from hazardlib.datafiles import ENV_VAR, data_dir
from hazardlib.exports import export
from hazardlib.intake import KINDS, import_file, write_template
from hazardlib.reports import results_list
from hazardlib.rules.supervision import supervision_classes
from hazardlib.store import Store

from .situations import Situation

D = dt.date
NEW_CATEGORY = "25,测试新增类别,25-01,测试新增产品,,GB 99999-2025,recalled,测试\n"
NEW_REGIME = "25-01,无,,,recalled,测试\n"
TODAY = D(2025, 10, 25)
E = schema.enterprises


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of data/ where 2025 is made from 2024, then edited: category 25 added, 24 dropped."""
    folder = tmp_path / "data"
    shutil.copytree(data_dir(), folder)
    monkeypatch.setenv(ENV_VAR, str(folder))
    with open(folder / "products.csv", "a", encoding="utf-8") as f:
        f.write(NEW_CATEGORY)
    with open(folder / "licence_regimes.csv", "a", encoding="utf-8") as f:
        f.write(NEW_REGIME)
    path = new_campaign(2025, 2024)
    path.write_text(path.read_text(encoding="utf-8").replace('"23", "24"]', '"23", "25"]'), encoding="utf-8")
    assert [f for f in check_campaign(2025) if f.severity == "error"] == []
    return folder


def inspections_file(path: Path, year: int, rows: list[dict[str, Any]]) -> Path:
    """The inspections template of ``year``, filled with ``rows`` (column key → cell text) from row 3."""
    write_template("inspections", path, year=year)
    book = load_workbook(path)
    sheet = book[KINDS["inspections"].sheet]
    keys = [c.key for c in KINDS["inspections"].columns]
    for i, row in enumerate(rows, start=3):
        sheet.cell(i, 1, i - 2)
        for key, value in row.items():
            sheet.cell(i, keys.index(key) + 2, value)
    book.save(path)
    return path


def finding_row(enterprise: dict[str, str], day: dt.date, product: str, **hazard: Any) -> dict[str, Any]:
    row = {**enterprise, "inspection_date": day, "field": "生产领域", "sub_product_code": product}
    if hazard:
        row.update(hazard_kind="隐患", grade=hazard.pop("grade", "一般"), **hazard)
    return row


def named(store: Store, enterprise_id: int) -> dict[str, str]:
    """The enterprise's columns of a template row: its name and 统一社会信用代码."""
    with store.read() as conn:
        name, uscc = conn.execute(sa.select(E.c.name, E.c.uscc).where(E.c.id == enterprise_id)).one()
    return {"enterprise_name": name, "uscc": uscc}


def test_2025_from_2024_carries_over_counts_its_own_findings_and_keeps_2024(
    data: Path, store: Store, tmp_path
):
    s = Situation(store)
    special, plain = s.enterprise(products=("03-01", "24-01")), s.enterprise(products=("03-01",))
    # 2024: two majors at one enterprise (two days), one hazard closed in 2024, one left open.
    s.hazard(
        special,
        D(2024, 6, 25),
        grade="major",
        product="24-01",
        ordered=D(2024, 6, 25),
        deadline=D(2024, 7, 25),
    )
    s.hazard(
        special, D(2024, 7, 26), grade="major", problem="P02", ordered=D(2024, 7, 26), deadline=D(2024, 8, 26)
    )
    closed = s.hazard(plain, D(2024, 7, 1), ordered=D(2024, 7, 1), deadline=D(2024, 7, 31))
    s.moves(closed, ("rectify", D(2024, 7, 20)), ("reinspect", D(2024, 7, 22), {"outcome": "passed"}),
            ("close", D(2024, 7, 22)))  # fmt: skip
    s.hazard(plain, D(2024, 9, 10), problem="P03", ordered=D(2024, 9, 10), deadline=D(2024, 10, 10))
    before = {day: results_list(store, day) for day in (D(2024, 8, 20), D(2024, 10, 20))}

    path = inspections_file(
        tmp_path / "2025年现场检查.xlsx",
        2025,
        [
            finding_row(
                named(store, special), D(2025, 6, 25), "25-01 测试新增产品", grade="重大", problem_code="P04"
            ),
            finding_row(named(store, plain), D(2025, 6, 26), "03-01 水泥", problem_code="P05"),
            finding_row(named(store, plain), D(2025, 6, 27), "24-01 磷石膏建材", problem_code="P06"),
        ],
    )
    report = import_file(store, path, today=TODAY)
    [dropped] = report.errors
    text = str(dropped)
    assert "第5行“产品”" in text and "“磷石膏建材”" in text  # the row, the column, the product
    assert "2025年" in text and "campaign-2025.toml" in text and "、23、25" in text and "24 " in text

    # 2024's figures are what they were.
    for day, frame in before.items():
        assert results_list(store, day).equals(frame), day
    # 2025: its own two findings; 2024's three hazards still open carried over, not counted again as found.
    row = results_list(store, D(2025, 8, 20), "522701").iloc[0]
    assert row["hazards_found"] == 2 and row["hazards_major"] == 1 and row["hazards_general"] == 1
    assert row["hazards_carried_over"] == 3 and row["hazards_carried_over_closed"] == 0
    classes = supervision_classes(store, D(2025, 8, 20)).set_index("enterprise_id")
    assert classes.loc[special, "class"] == "special" and plain not in classes.index
    assert load_campaign(2025).carried_over_from == 2024
    # The work summary's draft says so too, apart from 2025's findings.
    draft = Document(
        str(export("work-summary", store, D(2025, 10, 20), "522701", "docx", tmp_path / "总结.docx"))
    )
    text = "".join(p.text for p in draft.paragraphs)
    assert "发现质量安全隐患2项" in text and "上年度结转未销号隐患3项（不计入本年度发现隐患）" in text


def test_a_2024_record_keeps_2024s_catalogue(data: Path, store: Store, tmp_path):
    s = Situation(store)
    e = s.enterprise(products=("03-01", "24-01"))
    path = inspections_file(
        tmp_path / "2024年现场检查.xlsx",
        2024,
        [
            finding_row(named(store, e), D(2024, 9, 20), "25-01 测试新增产品", problem_code="P07"),
            finding_row(named(store, e), D(2024, 9, 21), "24-01 磷石膏建材", problem_code="P07"),
        ],
    )
    report = import_file(store, path, today=TODAY)
    [refused] = report.errors
    assert "第3行“产品”" in str(refused) and "2024年" in str(refused) and "campaign-2024.toml" in str(refused)
    assert report.inserted >= 1
