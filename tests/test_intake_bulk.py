"""The enterprises import writes in batches (one look-up, one insert and the updates per batch); it must
write exactly what saving the rows one by one writes: the same records, the same audit entries, the same
report and findings workbook, on both engines."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from devtools.postgres import create_database, drop_database
from hazardlib import models, records, schema
from hazardlib.intake import FileRefused, Limits, import_file, write_findings
from hazardlib.intake.handlers_enterprises import Enterprises
from hazardlib.store import Store, audited_records, open_store

from .conftest import make_uscc
from .intake_support import TODAY, VOLATILE, contents, write_sheet

pytestmark = pytest.mark.engines

HEADER = ["统一社会信用代码", "企业名称", "所属县（市）", "企业类型", "地址", "生产或销售的产品"]
KEPT = make_uscc("522701", 101)  # in the store, the file says the same: unchanged
MOVED = make_uscc("522701", 102)  # in the store, the file gives a new address: updated
OTHER_KEPT = make_uscc("522702", 103)  # 福泉市, unchanged: a 都匀市 session learns only that it is held
OTHER_MOVED = make_uscc("522702", 104)  # 福泉市, changed: a 都匀市 session may not write it
NEW = [make_uscc("522701", 200 + i) for i in range(6)]
NEW_OTHER = make_uscc("522702", 300)  # a new 福泉市 enterprise: a 都匀市 session may not register it
TIMES = VOLATILE | {"imported_at"}
BAD_CHECKSUM = NEW[0][:-1] + ("0" if NEW[0][-1] != "0" else "1")


def seed(store: Store) -> None:
    with store.transaction("准备") as tx:
        for code, name, county, field, address in (
            (KEPT, "都匀市甲水泥有限公司", "522701", "producer", "甲路1号"),
            (MOVED, "都匀市乙五金经营部", "522701", "seller", "乙路2号"),
            (OTHER_KEPT, "福泉市丙建材有限公司", "522702", "producer", "丙路3号"),
            (OTHER_MOVED, "福泉市丁电器商行", "522702", "seller", "丁路4号"),
        ):
            records.save_enterprise(
                tx,
                models.Enterprise(
                    uscc=code, name=name, county_code=county, field=field, address=address, products=["03-01"]
                ),
            )


ROWS: list[list[Any]] = [
    HEADER,
    [KEPT, "都匀市甲水泥有限公司", "都匀市", "生产单位", "甲路1号", "水泥"],  # unchanged
    [MOVED, "都匀市乙五金经营部", "都匀市", "销售单位", "乙路22号", "水泥"],  # updated
    [NEW[1], "都匀市新一有限公司", "都匀市", "生产单位", "新路1号", "水泥"],  # inserted
    [NEW_OTHER, "福泉市新公司", "福泉市", "生产单位", "新路9号", "水泥"],  # refused while saving (county)
    [OTHER_MOVED, "福泉市丁电器商行", "福泉市", "销售单位", "丁路44号", "水泥"],  # refused while saving
    [
        OTHER_KEPT,
        "福泉市丙建材有限公司",
        "福泉市",
        "生产单位",
        "丙路3号",
        "水泥",
    ],  # unchanged (county: refused)
    [BAD_CHECKSUM, "都匀市错码有限公司", "都匀市", "生产单位", None, None],  # bad code
    [NEW[2], None, "都匀市", "生产单位", None, None],  # name missing
    [NEW[1], "都匀市新一有限公司", "都匀市", "生产单位", "新路1号", "水泥"],  # same as row 4
    [MOVED, "都匀市乙五金经营部", "都匀市", "销售单位", "另一地址", "水泥"],  # repeats row 3, differs
    [None, None, None, None, None, None],  # blank
    [NEW[3], "都匀市新三有限公司", "都匀 市", "生产销售单位", "新路3号", "电线电缆、水泥"],  # inserted
    [NEW[4], "都匀市新四有限公司", "贵阳市", "生产单位", None, None],  # county unknown
    [NEW[5], "都匀市新五有限公司", "都匀市", "销售单位", "新路5号", "不存在的产品"],  # product unknown
    [NEW[0], "都匀市新零有限公司", "都匀市", "生产单位", "新路0号", None],  # inserted
]


@pytest.fixture
def twin_url(
    store_url: str, engine_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """A second fresh store, the same as ``store_url``'s."""
    source = sa.engine.make_url(store_url).database
    assert source
    if engine_name == "sqlite":
        path = tmp_path / "twin.db"
        shutil.copyfile(source, path)
        yield f"sqlite:///{path}"
        return
    admin = request.getfixturevalue("pg_url")
    name = f"t_{uuid.uuid4().hex[:20]}"
    url = create_database(admin, name, template=source)
    try:
        yield url
    finally:
        drop_database(admin, name)


def audit(store: Store) -> list[tuple[Any, ...]]:
    """Every audit entry record by record (a batch's entry holds each record it inserted), without its time
    and without the times inside what it records, sorted."""
    t = schema.audit_log

    def plain(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {k: value[k] for k in sorted(value) if k not in TIMES}

    with store.read() as conn:
        found = [audited_records(e) for e in conn.execute(sa.select(t)).mappings()]
    keys = ("actor", "action", "table_name", "record_id", "county_code")
    return sorted(
        (
            (*(e[k] for k in keys), repr(plain(e["before"])), repr(plain(e["after"])))
            for es in found
            for e in es
        ),
        key=repr,
    )


def batch_entries(store: Store) -> int:
    t = schema.audit_log
    with store.read() as conn:
        return len(conn.execute(sa.select(t.c.id).where(t.c.action == "bulk_insert")).all())


def what_happened(report: Any) -> tuple[Any, ...]:
    findings = [(f.sheet, f.row, f.field, f.value, f.message, f.severity, f.code) for f in report.findings]
    return (dict(report.rows), report.records, findings, report.blank_rows, report.example_rows)


def workbook_values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(path)
    return {sheet.title: [tuple(r) for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def run(url: str, county: str | None, bulk: bool, path: Path, out: Path, monkeypatch: pytest.MonkeyPatch):
    """Import ``path`` twice into a seeded store at ``url``, batched (in batches of 4) or row by row."""
    seed(open_store(url, user="测试员"))
    store = Store(url, user="测试员", county=county)
    one_by_one: list[int] = []
    save_one = Enterprises.save_one

    def spy(self: Enterprises, row: Any, record: Any) -> Any:
        one_by_one.append(row.number)
        return save_one(self, row, record)

    with monkeypatch.context() as patch:
        patch.setattr(Enterprises, "bulk", bulk)
        patch.setattr(Enterprises, "BATCH", 4)
        patch.setattr(Enterprises, "save_one", spy)
        first = import_file(store, path, today=TODAY)
        write_findings([first], out)
        second = import_file(store, path, today=TODAY)
    return (
        one_by_one,
        batch_entries(store),
        {
            "first": what_happened(first),
            "second": what_happened(second),
            "findings_workbook": workbook_values(out),
            "records": contents(store),
            "audit": audit(store),
        },
    )


@pytest.mark.parametrize("county", [None, "522701"], ids=["prefecture", "county"])
def test_batches_write_exactly_what_saving_row_by_row_writes(
    store_url, twin_url, tmp_path, monkeypatch, county
):
    path = write_sheet(tmp_path / "企业名录.xlsx", ROWS, title="企业名录")
    saved_alone, entries, batched = run(store_url, county, True, path, tmp_path / "batched.xlsx", monkeypatch)
    _all, no_entries, one_by_one = run(
        twin_url, county, False, path, tmp_path / "one_by_one.xlsx", monkeypatch
    )
    assert batched == one_by_one
    # a batch's new enterprises are audited in one entry per county: 都匀市 and 福泉市 in the first batch,
    # 都匀市 in the second (as 都匀市, the first batch, which holds a new 福泉市 enterprise, is redone row by
    # row; the second's new enterprises are written whole)
    assert (entries, no_entries) == (1 if county else 3, 0)
    # As the prefecture every batch is written whole. As 都匀市 the first batch holds a row it may not write,
    # and its rows to write are redone one by one (3-5), and the codes 福泉市 holds are saved one by one, to be
    # refused (6, 7); then (all else unchanged) 5, 6 and 7 again.
    assert saved_alone == ([] if county is None else [3, 4, 5, 6, 7, 5, 6, 7])

    rows = batched["first"][0]
    refused = 3 if county else 0  # the 福泉市 enterprises a 都匀市 session may not write
    assert rows == {
        "inserted": 3 + (0 if county else 1),
        "updated": 1 + (0 if county else 1),
        "unchanged": 2 - (1 if county else 0),
        "rejected": 6 + refused,
    }
    assert batched["second"][0] == {"unchanged": 8 - refused, "rejected": 6 + refused}  # idempotent
    messages = {(row, field): message for _s, row, field, _v, message, severity, _c in batched["first"][2]}
    assert messages[(8, "统一社会信用代码")].endswith("校验位错误")
    # the credit code repeated: with the same content (row 10 as row 4) and with another (row 11 as row 3)
    assert messages[(10, None)] == "与第4行重复（统一社会信用代码相同，内容也相同）；本行未导入"
    assert (
        messages[(11, None)]
        == "与第3行重复（统一社会信用代码相同，但内容不同）；请核对后只保留一行，本行未导入"
    )
    if county:  # a new 福泉市 enterprise is not the session's; of those 福泉市 holds, it learns only that
        assert "未能保存" in messages[(5, None)]
        assert (
            messages[(6, "统一社会信用代码")] == messages[(7, "统一社会信用代码")] == records.USCC_ELSEWHERE
        )
    seeded, imports, written = 4, 2, rows["inserted"] + rows["updated"]  # each record audited once
    assert len(batched["audit"]) == seeded + imports + written


def test_a_dry_run_in_batches_writes_nothing(store, tmp_path):
    seed(store)
    before, logged = contents(store, skip=()), audit(store)
    path = write_sheet(tmp_path / "企业名录.xlsx", ROWS, title="企业名录")
    report = import_file(store, path, today=TODAY, dry_run=True)
    assert (report.inserted, report.updated, report.unchanged) == (4, 2, 2)
    assert contents(store, skip=()) == before and audit(store) == logged


def test_a_file_refused_after_some_batches_were_written_leaves_nothing(store, tmp_path, monkeypatch):
    seed(store)
    before = contents(store, skip=())
    rows = [HEADER] + [
        [make_uscc("522701", 400 + i), f"都匀市批量{i}有限公司", "都匀市", "生产单位"] for i in range(9)
    ]
    path = write_sheet(tmp_path / "企业名录.xlsx", rows, title="企业名录")
    monkeypatch.setattr(Enterprises, "BATCH", 2)
    with pytest.raises(FileRefused):
        import_file(store, path, today=TODAY, limits=Limits(max_rows=7))
    assert contents(store, skip=()) == before


def addresses(store: Store) -> dict[str, str | None]:
    table = schema.enterprises
    with store.read() as conn:
        return {code: address for code, address in conn.execute(sa.select(table.c.uscc, table.c.address))}


@pytest.mark.parametrize("address_in", ["first", "second"])
def test_rows_waiting_for_their_batch_are_written_by_their_own_sheets_columns(store, tmp_path, address_in):
    """Rows of a sheet still waiting for their batch when the next sheet begins are written as their own
    sheet says: a column only the first sheet has updates its rows, and a column only the second sheet has
    does not blank the first sheet's rows (the stored value is kept)."""
    seed(store)
    without = [c for c in HEADER if c != "地址"]
    moved = [MOVED, "都匀市乙五金经营部", "都匀市", "销售单位", "乙路22号", "水泥"]
    kept = [KEPT, "都匀市甲水泥有限公司", "都匀市", "生产单位", "甲路1号", "水泥"]
    book = Workbook()
    first, second = book.active, book.create_sheet("乙")
    assert first is not None
    first.title = "甲"
    gone = HEADER.index("地址")
    if address_in == "first":  # 乙路2号 → 乙路22号 in the first sheet, which the second (no 地址) follows
        sheets = ((first, HEADER, moved), (second, without, kept[:gone] + kept[gone + 1 :]))
    else:  # the first sheet has no 地址 at all: its row must keep 乙路2号 though the second sheet has 地址
        sheets = ((first, without, moved[:gone] + moved[gone + 1 :]), (second, HEADER, kept))
    for sheet, header, row in sheets:
        sheet.append(header)
        sheet.append(row)
    path = tmp_path / "两个工作表.xlsx"
    book.save(path)

    report = import_file(store, path, today=TODAY)

    assert addresses(store)[MOVED] == ("乙路22号" if address_in == "first" else "乙路2号")
    assert addresses(store)[KEPT] == "甲路1号"
    assert (report.updated, report.unchanged) == ((1, 1) if address_in == "first" else (0, 2))
