"""docs/reports.md defines every figure exactly as the code counts it."""

from __future__ import annotations

from pathlib import Path

from hazardlib.reports import REPORT_NAMES
from hazardlib.reports.docs import figure_table

DOC = Path(__file__).resolve().parent.parent / "docs" / "reports.md"


def test_the_document_holds_the_figure_table_of_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert figure_table() in text, "docs/reports.md 的指标表与 hazardlib/reports/definitions.py 不一致"


def test_the_document_describes_every_report() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in REPORT_NAMES:
        assert f"`{name}`" in text, name
