"""The enterprises import reads plainly valid rows a column at a time (:mod:`hazardlib.intake.columnar`); it
must do exactly what the row path does with every row: the same report, findings, records and audit, for
files mixing valid rows with every kind of bad, blank, example and repeated-header row, in chunks that split
the file anywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hazardlib.intake import import_file, importer
from hazardlib.intake.columnar import EnterpriseColumns
from hazardlib.intake.columns import ENTERPRISES
from hazardlib.intake.handlers_enterprises import Enterprises
from hazardlib.store import open_store

from .intake_support import TODAY, contents, write_sheet
from .test_intake_bulk import audit, what_happened
from .test_intake_quick import ABSENT, ACCEPTED, CANDIDATES, VALID

KEYS = [c.key for c in ENTERPRISES.columns]
HEADERS = {c.key: c.header for c in ENTERPRISES.columns}
REQUIRED = {"uscc", "name", "county_code", "field"}
# every column's raw cells: the quick checker's candidates (a file writes no "absent" cell), and more
CELLS: dict[str, list[Any]] = {k: [v for v in CANDIDATES.get(k, []) if v is not ABSENT] for k in KEYS}
CELLS["rural_or_fringe_shop"] = CELLS["wholesale_market_shop"] = CELLS["in_cluster_area"]
CELLS["name"] += ["都匀市\t戊公司", "都匀市己公司 ", "示例公司", "统一社会信用代码"]
CELLS["address"] += ["甲路  1号", "甲路\n1号", "１号路", " 甲路"]
CELLS["contact"] += ["王五　13800000001", "x" * 40_000]
CELLS["uscc"] += [ENTERPRISES.column("uscc").example, "统一社会信用代码"]
GOOD = {k: v[: ACCEPTED.get(k, 2)] for k, v in CELLS.items()}
EXAMPLE = [None if c.example is None else str(c.example) for c in ENTERPRISES.columns]
HEADER_ROW = [HEADERS[k] for k in KEYS]


@st.composite
def data_rows(draw: st.DrawFn, columns: list[str]) -> list[Any]:
    """A row of ``columns`` (after the 序号 column): plainly valid, or with a few cells of any kind, or one of
    the rows a file holds besides records (blank, the template's example, a repeated header)."""
    special = draw(st.sampled_from([None] * 8 + ["blank", "example", "marked", "header"]))
    if special == "blank":
        return [None] * (len(columns) + 1)
    if special in ("example", "header"):
        row = dict(zip(KEYS, EXAMPLE if special == "example" else HEADER_ROW, strict=True))
        return [None, *(row[k] for k in columns)]
    messy = draw(st.sets(st.sampled_from(columns), max_size=2))
    cells = [draw(st.sampled_from(CELLS[k] if k in messy else GOOD[k])) for k in columns]
    uscc = columns.index("uscc")
    if "uscc" not in messy:  # a few codes only: rows repeat one another, the same or not
        cells[uscc] = draw(st.sampled_from(VALID[:4]))
    mark = "示例" if special == "marked" else draw(st.sampled_from([None, 1, "1"]))
    return [mark, *cells]


@st.composite
def sheets(draw: st.DrawFn) -> list[list[Any]]:
    optional = [k for k in KEYS if k not in REQUIRED]
    columns = [k for k in KEYS if k in REQUIRED or k in draw(st.sets(st.sampled_from(optional)))]
    rows = draw(st.lists(data_rows(columns), min_size=1, max_size=25))
    return [["序号", *(HEADERS[k] for k in columns)], *rows]


def imported(path: Path, url: str, columnar: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, int]:
    """Everything the import of ``path`` into a fresh store does; and how many rows the column-wise reader
    took."""
    taken = 0
    take = Enterprises.take_run

    def counted(self: Enterprises, sheet: str, rows: list[Any], found: list[Any]) -> list[Any]:
        nonlocal taken
        left = take(self, sheet, rows, found)
        taken += len(rows) - len(left)
        return left

    store = open_store(url, user="测试员")
    with monkeypatch.context() as patch:
        patch.setattr(Enterprises, "columnar", columnar)
        patch.setattr(Enterprises, "BATCH", 4)
        patch.setattr(Enterprises, "take_run", counted)
        patch.setattr(importer, "CHUNK_ROWS", 3)
        first = import_file(store, path, today=TODAY)
        second = import_file(store, path, today=TODAY)
    return (what_happened(first), what_happened(second), contents(store), audit(store)), taken


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=sheets())
def test_columns_read_as_the_row_path_reads_each_row(tmp_path_factory, monkeypatch, rows):
    tmp = tmp_path_factory.mktemp("columnar")
    path = write_sheet(tmp / "企业名录.xlsx", rows, title="企业名录")
    by_columns, _taken = imported(path, f"sqlite:///{tmp / 'columns.db'}", True, monkeypatch)
    by_rows, none = imported(path, f"sqlite:///{tmp / 'rows.db'}", False, monkeypatch)
    assert by_columns == by_rows
    assert none == 0


def test_plainly_valid_rows_are_all_read_column_wise(tmp_path, monkeypatch):
    """The column-wise reader takes every plainly valid row (else it is no quicker), and only those."""
    rows = [["序号", *HEADER_ROW]]
    for i, code in enumerate(VALID):
        shop = ["否", "是", "否", "否", "XK13-001-00001", "", "水泥、03-01", "张三 13800000000"]
        rows.append([i + 1, code, f"都匀市第{i}水泥有限公司", "都匀市", "生产单位", f"甲路{i}号", *shop])
    rows.append([None, VALID[0], "都匀市重复有限公司", "都匀市", "生产单位"])  # repeats row 2
    rows.append(["示例", *EXAMPLE])
    path = write_sheet(tmp_path / "企业名录.xlsx", rows, title="企业名录")
    by_columns, taken = imported(path, f"sqlite:///{tmp_path / 'columns.db'}", True, monkeypatch)
    by_rows, _none = imported(path, f"sqlite:///{tmp_path / 'rows.db'}", False, monkeypatch)
    assert by_columns == by_rows
    assert taken == 2 * len(VALID)  # imported twice: inserted, then unchanged
    assert by_columns[0][0] == {"inserted": len(VALID), "rejected": 1}
    assert by_columns[0][4] == 1  # the example row


def test_a_chunk_is_checked_column_by_column(monkeypatch):
    """The reader works on whole columns: a repeated value is worked out once per chunk."""
    from hazardlib.intake.kinds import match_headers
    from hazardlib.intake.quick import QuickEnterprise

    match = match_headers("enterprises", HEADER_ROW)
    handler_resolvers = {"county_code": lambda v: calls.append(v) or v}
    calls: list[Any] = []
    reader = EnterpriseColumns(ENTERPRISES, match, QuickEnterprise(), {}, handler_resolvers, 32767)
    row = [VALID[0], "都匀市甲公司", "522701", "生产单位"]
    found = reader.rows([row, [VALID[1], *row[1:]], [VALID[2], "甲", *row[2:]]])
    assert calls == ["522701"]
    assert found[0] is not None and found[0][:4] == (VALID[0], "都匀市甲公司", "522701", "producer")
    assert found[1] is not None and found[2] is None  # the name is too short


@pytest.mark.parametrize(
    "written",
    [" 甲路1号", "甲路1号 ", "甲路  1号", "甲路\t1号", "甲路１号", "(甲)路1号", "甲 路1号", "甲路1号\u3000"],
)
def test_text_that_cleaning_changes_is_stored_cleaned(tmp_path, monkeypatch, written):
    """A chunk's text columns are taken as written only when cleaning would leave every cell as it is."""
    rows = [["序号", *HEADER_ROW[:5], HEADER_ROW[-1]]]
    for i, code in enumerate(VALID[:3]):
        text = written if i == 1 else f"甲路{i}号"
        rows.append([i + 1, code, f"都匀市{text}公司", "都匀市", "生产单位", text, text])
    path = write_sheet(tmp_path / "企业名录.xlsx", rows, title="企业名录")
    by_columns, taken = imported(path, f"sqlite:///{tmp_path / 'columns.db'}", True, monkeypatch)
    by_rows, _none = imported(path, f"sqlite:///{tmp_path / 'rows.db'}", False, monkeypatch)
    assert by_columns == by_rows
    assert taken == 6
