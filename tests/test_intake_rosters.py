"""Messy rosters keep what they carry (issue 19, item 11): a products column headed with the catalogue's
word for it, a contact split over two columns, a date column the template does not have, and columns
spelled as the model field's synonyms. Each situation beside the one just short of it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hazardlib import schema
from hazardlib.intake import import_file
from hazardlib.store import Store

from .conftest import make_uscc
from .intake_support import TODAY, write_sheet

BASE = ["统一社会信用代码", "企业名称", "所属县（市）", "企业类型"]
A, B = make_uscc("522701", 41), make_uscc("522701", 42)
ROW_A = [A, "都匀市甲燃气具有限公司", "都匀市", "生产单位"]
ROW_B = [B, "都匀市乙建材经营部", "都匀市", "销售单位"]
GAS_APPLIANCES = ["18-01", "18-02", "18-03", "18-04", "18-05"]  # 燃气用具's products in the catalogue


def roster(store: Store, path: Path, header: list[str], *rows: list[Any]):
    report = import_file(store, write_sheet(path, [header, *rows]), today=TODAY)
    with store.read() as conn:
        stored = {
            r["uscc"]: r
            for r in conn.execute(sa.select(schema.enterprises).order_by(schema.enterprises.c.id)).mappings()
        }
    return report, stored


def warnings(report) -> list[str]:
    return [f.message for f in report.findings if f.severity == "warning"]


def test_a_products_column_headed_as_key_product_category_imports_the_products(store, tmp_path):
    for header in ("重点产品类别", "产品类别"):
        report, stored = roster(
            store,
            tmp_path / f"{header}.xlsx",
            [*BASE, header],
            [*ROW_A, "燃气用具"],
            [*ROW_B, "水泥、电线电缆"],
        )
        assert (report.inserted + report.updated + report.unchanged, report.rejected) == (2, 0), header
        assert stored[A]["products"] == GAS_APPLIANCES  # a category stands for its products
        assert stored[B]["products"] == ["03-01", "04-01"]
        assert not any(header in m for m in warnings(report))


def test_a_products_column_under_a_header_that_is_no_synonym_is_reported_as_ignored(store, tmp_path):
    report, stored = roster(store, tmp_path / "r.xlsx", [*BASE, "产品类型"], [*ROW_A, "燃气用具"])
    assert report.inserted == 1 and stored[A]["products"] == []
    assert warnings(report) == ["以下列不是本模板的列，已忽略：产品类型"]


def test_a_category_cell_must_name_a_category_or_a_product(store, tmp_path):
    report, stored = roster(store, tmp_path / "r.xlsx", [*BASE, "重点产品类别"], [*ROW_A, "家用电器"])
    assert report.rejected == 1 and A not in stored
    assert [(f.field, f.value) for f in report.errors] == [("重点产品类别", "家用电器")]


def test_separate_contact_person_and_telephone_columns_both_survive(store, tmp_path):
    report, stored = roster(
        store,
        tmp_path / "r.xlsx",
        [*BASE, "联系人", "地址", "联系电话"],
        [*ROW_A, "张三", "都匀市示例路1号", 13800000000],
        [*ROW_B, None, None, "0854-8221234"],
    )
    assert report.inserted == 2 and warnings(report) == []
    assert stored[A]["contact"] == "张三 13800000000"
    assert stored[B]["contact"] == "0854-8221234"  # one part blank: the other alone


def test_a_contact_person_column_alone_is_the_contact_and_a_synonym_beside_a_part_is_a_duplicate(
    store, tmp_path
):
    report, stored = roster(store, tmp_path / "a.xlsx", [*BASE, "联系人"], [*ROW_A, "张三"])
    assert stored[A]["contact"] == "张三" and warnings(report) == []
    report, stored = roster(
        store,
        tmp_path / "b.xlsx",
        [*BASE, "联系方式", "联系电话"],
        [*ROW_B, "李四 13900000000", "13900000000"],
    )
    assert stored[B]["contact"] == "李四 13900000000"
    assert warnings(report) == ["列“联系电话”与列“联系方式”是同一列，已使用后者"]


def test_a_date_column_the_template_does_not_have_is_reported_as_ignored_by_name_once(store, tmp_path):
    rows = [[make_uscc("522701", 50 + n), f"都匀市第{n}建材有限公司", "都匀市", "生产单位", dt.date(2010, 1, n + 1)]
            for n in range(5)]  # fmt: skip
    report, _stored = roster(store, tmp_path / "r.xlsx", [*BASE, "成立日期"], *rows)
    assert report.inserted == 5
    assert [m for m in (f.message for f in report.findings) if "成立日期" in m] == [
        "以下列不是本模板的列，已忽略：成立日期"
    ]


def test_a_date_column_the_template_has_is_read_under_its_synonym(store, tmp_path):
    """Just short of the above: 自查时间 is the self-check template's 自查日期 spelled as a synonym."""
    roster(store, tmp_path / "e.xlsx", BASE, ROW_A)
    header = ["企业名称", "自查时间", "建立质量安全管理制度", "配备质量安全总监", "配备质量安全员", "执行日管控",
              "执行周排查", "执行月调度"]  # fmt: skip
    path = write_sheet(
        tmp_path / "s.xlsx", [header, [ROW_A[1], dt.date(2024, 6, 3), "是", "是", "是", "是", "否", "是"]]
    )
    report = import_file(store, path, today=TODAY)
    assert (report.kind, report.inserted, report.findings) == ("self-checks", 1, [])
    with store.read() as conn:
        row = conn.execute(
            sa.select(schema.self_checks.c.check_date, schema.self_checks.c.weekly_check)
        ).one()
    assert tuple(row) == (dt.date(2024, 6, 3), False)


def test_columns_spelled_as_the_fields_synonyms_are_matched_and_others_are_ignored(store, tmp_path):
    header = ["社会信用代码", "单位名称", "县市", "主体类型", "经营场所", "许可证号", "单位地址"]
    report, stored = roster(
        store,
        tmp_path / "r.xlsx",
        header,
        [A, "都匀市甲燃气具有限公司", "都匀市", "生产单位", "示例路2号", "XK21-001-00001", "x"],
    )
    assert report.inserted == 1
    assert (stored[A]["address"], stored[A]["licence_no"]) == ("示例路2号", "XK21-001-00001")
    assert warnings(report) == ["以下列不是本模板的列，已忽略：单位地址"]


def test_a_repeated_header_row_of_a_roster_with_a_split_contact_is_skipped_as_a_header(store, tmp_path):
    header = [*BASE, "联系人", "联系电话"]
    report, stored = roster(store, tmp_path / "r.xlsx", header, [*ROW_A, "张三", "13800000000"], header)
    assert (report.inserted, report.rejected) == (1, 0) and stored[A]["contact"] == "张三 13800000000"
    assert [f.message for f in report.findings] == ["与表头相同（重复的表头行），已跳过"]
