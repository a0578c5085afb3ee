"""What each kind's import does with references, groups, ledger moves, absent columns and county scope."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from hazardlib import ledger, models, records, schema
from hazardlib.intake import import_file, write_template
from hazardlib.rules import run_all
from hazardlib.store import Store

from .conftest import make_uscc
from .intake_support import TODAY, contents, count_rows, write_sheet

D = dt.date
DUYUN = make_uscc("522701", 21)
FUQUAN = make_uscc("522702", 22)


@pytest.fixture
def two(store):
    """Two enterprises: a producer in 都匀市, a seller in 福泉市."""
    with store.transaction() as tx:
        for code, name, county, field in ((DUYUN, "都匀市甲水泥有限公司", "522701", "producer"),
                                          (FUQUAN, "福泉市乙五金经营部", "522702", "seller")):  # fmt: skip
            records.save_enterprise(tx, models.Enterprise(uscc=code, name=name, county_code=county, field=field,
                                                          address="原地址", products=["03-01"]))  # fmt: skip
    return store


def errors(report):
    return [(f.row, f.field, f.message) for f in report.errors]


def one(store, table, *columns):
    with store.read() as conn:
        return conn.execute(sa.select(*(table.c[c] for c in columns))).one()


# -- enterprises ----------------------------------------------------------------------------------


def test_a_file_without_a_column_keeps_what_the_store_holds_and_a_blank_cell_clears_it(two, tmp_path):
    header = ["统一社会信用代码", "企业名称", "所属县（市）", "企业类型", "联系人及电话"]
    without_address = write_sheet(
        tmp_path / "a.xlsx", [header, [DUYUN, "都匀市甲水泥有限公司", "都匀市", "生产单位", "王五"]]
    )
    report = import_file(two, without_address, today=TODAY)
    assert report.updated == 1
    with two.read() as conn:
        row = (
            conn.execute(sa.select(schema.enterprises).where(schema.enterprises.c.uscc == DUYUN))
            .mappings()
            .one()
        )
    assert (row["address"], row["contact"], row["products"]) == ("原地址", "王五", ["03-01"])
    blank_address = write_sheet(
        tmp_path / "b.xlsx",
        [[*header, "地址"], [DUYUN, "都匀市甲水泥有限公司", "都匀市", "生产单位", "王五", None]],
    )
    assert import_file(two, blank_address, today=TODAY).updated == 1
    with two.read() as conn:
        assert (
            conn.execute(
                sa.select(schema.enterprises.c.address).where(schema.enterprises.c.uscc == DUYUN)
            ).scalar()
            is None
        )


def test_a_code_excel_turned_into_a_number_is_reported_not_guessed(store, tmp_path):
    path = write_sheet(tmp_path / "a.xlsx", [["统一社会信用代码", "企业名称", "所属县（市）", "企业类型"],
                                             [915227010000000000, "甲公司", "都匀市", "生产单位"]])  # fmt: skip
    (found,) = import_file(store, path, today=TODAY).errors
    assert found.field == "统一社会信用代码" and "存成了数字" in found.message


# -- references to enterprises --------------------------------------------------------------------

HELP = ["企业名称", "统一社会信用代码", "所属县（市）", "企业类型", "帮扶方式", "帮扶日期"]


def test_an_unknown_enterprise_is_registered_only_when_the_row_says_enough(two, tmp_path):
    new = make_uscc("522722", 23)
    path = write_sheet(tmp_path / "帮扶.xlsx", [
        HELP,
        ["荔波县丙公司", new, "荔波县", "生产单位", "质量问诊", "2024-09-01"],  # enough: registered
        ["荔波县丁公司", make_uscc("522722", 24), None, None, "质量培训", "2024-09-02"],  # no county or field
        ["不存在的公司", None, None, None, "质量培训", "2024-09-02"],  # a name the store does not know
        ["福泉市乙五金经营部", None, None, None, "整改指导意见书", "2024-09-03"],  # known by name
    ])  # fmt: skip
    report = import_file(two, path, today=TODAY)
    assert (report.inserted, report.rejected) == (2, 2)
    assert [(r, f) for r, f, _ in errors(report)] == [(3, "统一社会信用代码"), (4, "企业名称")]
    assert "所属县（市）和企业类型" in errors(report)[0][2]
    with two.read() as conn:
        names = set(conn.execute(sa.select(schema.enterprises.c.name)).scalars())
    assert "荔波县丙公司" in names and "荔波县丁公司" not in names


def test_a_name_shared_by_two_enterprises_needs_the_code(two, tmp_path):
    with two.transaction() as tx:
        records.save_enterprise(tx, models.Enterprise(uscc=make_uscc("522723", 25), name="福泉市乙五金经营部",
                                                      county_code="522723", field="seller"))  # fmt: skip
    path = write_sheet(
        tmp_path / "帮扶.xlsx", [HELP, ["福泉市乙五金经营部", None, None, None, "质量问诊", "2024-09-01"]]
    )
    ((row, field, message),) = errors(import_file(two, path, today=TODAY))
    assert (row, field) == (2, "企业名称") and "2 家" in message


def test_a_county_session_imports_its_own_rows_and_learns_only_that_another_county_holds_a_code(
    two, tmp_path
):
    county = Store(two.url, user="都匀市局", county="522701")
    path = write_sheet(tmp_path / "帮扶.xlsx", [HELP, ["都匀市甲水泥有限公司", DUYUN, None, None, "质量问诊", "2024-09-01"],
                                                ["福泉市乙五金经营部", FUQUAN, None, None, "质量问诊", "2024-09-01"]])  # fmt: skip
    report = import_file(county, path, today=TODAY)
    assert report.inserted == 1 and errors(report) == [(3, "统一社会信用代码", records.USCC_ELSEWHERE)]


# -- self-checks ----------------------------------------------------------------------------------

SELF = ["企业名称", "统一社会信用代码", "自查日期", "建立质量安全管理制度", "配备质量安全总监", "配备质量安全员", "执行日管控",
        "执行周排查", "执行月调度", "主动报告重大风险", "重大风险情况", "风险点类别", "关键风险点", "管控措施已落实", "风险等级"]  # fmt: skip
YES = ["是"] * 6


def test_a_self_check_is_its_rows_together_and_a_resubmission_replaces_its_list(two, tmp_path):
    # fmt: off
    rows = [
        SELF,
        ["都匀市甲水泥有限公司", DUYUN, "2024-06-01", *YES, "否", None, "R-01", "熟料进货查验", "是", "一般"],
        ["都匀市甲水泥有限公司", DUYUN, "2024-06-01", *YES, "否", None, "生产过程控制", "配料记录", "否", "较大"],
        ["都匀市甲水泥有限公司", DUYUN, "2024-06-01", *YES, "否", None, "R-01", "熟料进货查验", "是", "一般"],  # again
        ["福泉市乙五金经营部", FUQUAN, "2024-06-02", *YES, "是", "销售来源不明的五金", None, None, None, None],
    ]
    # fmt: on
    report = import_file(two, write_sheet(tmp_path / "自查.xlsx", rows), today=TODAY)
    assert (report.inserted, report.rejected) == (3, 1) and errors(report)[0][:2] == (4, None)
    assert count_rows(two, schema.self_checks) == 2 and count_rows(two, schema.risk_control_items) == 2
    with two.read() as conn:  # the reported major risk is on the ledger
        assert conn.execute(sa.select(schema.hazards.c.source, schema.hazards.c.grade)).one() == (
            "self_check",
            "major",
        )
    again = import_file(two, write_sheet(tmp_path / "自查2.xlsx", [rows[0], rows[1]]), today=TODAY)
    assert again.updated == 1 and count_rows(two, schema.risk_control_items) == 1


def test_rows_of_one_self_check_that_disagree_reject_the_whole_self_check(two, tmp_path):
    # fmt: off
    rows = [
        SELF,
        ["都匀市甲水泥有限公司", DUYUN, "2024-06-01", *YES, "否", None, "R-01", "熟料进货查验", "是", "一般"],
        ["都匀市甲水泥有限公司", DUYUN, "2024-06-01", "是", "否", *YES[2:], "否", None, "R-02", "配料", "是", "一般"],
    ]
    # fmt: on
    report = import_file(two, write_sheet(tmp_path / "自查.xlsx", rows), today=TODAY)
    assert report.rejected == 2 and count_rows(two, schema.self_checks) == 0
    assert {(r, f) for r, f, _ in errors(report)} == {(3, "配备质量安全总监"), (2, None)}


# -- inspections ----------------------------------------------------------------------------------


def test_an_inspection_records_its_checklist_results_from_the_failed_items(two, tmp_path):
    header = ["企业名称", "检查日期", "检查领域", "产品", "不符合的检查要点"]
    path = write_sheet(tmp_path / "检查.xlsx", [header, ["都匀市甲水泥有限公司", "2024-07-01", "生产领域", "水泥", "P-05、p-06"],
                                                ["福泉市乙五金经营部", "2024-07-02", "流通领域", "安全帽", "无"],
                                                ["福泉市乙五金经营部", "2024-07-03", "流通领域", "安全帽", "P-05"]])  # fmt: skip
    report = import_file(two, path, today=TODAY)
    assert [(r, f) for r, f, _ in errors(report)] == [(4, "不符合的检查要点")]
    with two.read() as conn:
        results = dict(
            conn.execute(sa.select(schema.inspections.c.inspection_date, schema.inspections.c.results)).all()
        )
    assert [k for k, ok in results[D(2024, 7, 1)].items() if not ok] == ["P-05", "P-06"]
    assert results[D(2024, 7, 2)] and all(results[D(2024, 7, 2)].values())


def test_a_row_repeated_with_other_spacing_is_said_to_repeat_the_same_content(two, tmp_path):
    """The model cleans a note's text (fields.Lines): two rows whose 帮扶内容 differ only in spaces and
    full-width digits hold the same record, and the second is said to repeat the first, not to differ from it;
    one whose words differ is said to differ."""
    header = [*HELP, "帮扶内容"]
    first = ["都匀市甲水泥有限公司", DUYUN, None, None, "质量问诊", "2024-09-01", "上门指导 出厂检验 2次"]
    rows = [header, first, [*first[:-1], " 上门指导  出厂检验 ２次 "], [*first[:-1], "上门指导 出厂检验 3次"]]
    report = import_file(two, write_sheet(tmp_path / "帮扶.xlsx", rows), today=TODAY)
    assert [m for _row, _field, m in errors(report)] == [
        "与第2行重复（企业、帮扶方式和帮扶日期相同，内容也相同）；本行未导入",
        "与第2行重复（企业、帮扶方式和帮扶日期相同，但内容不同）；请核对后只保留一行，本行未导入",
    ]


SIGNALS = ["所属县（市）", "收到日期", "信息来源", "风险信息"]


@pytest.mark.engines
def test_a_risk_signal_sheet_imported_again_adds_nothing_though_its_description_has_lines_and_spaces(
    store, tmp_path
):
    """The key compares the description as the model holds it (fields.Lines: each line cleaned, the breaks kept),
    in the file and in the store: a second import of the same sheet writes nothing, and a row repeating another
    but for spaces is said to repeat it; the one just short, a description with a line more, is another signal."""
    said = "群众举报某门店销售无CCC标志的充电器  \n  门店位于广惠路  "
    row = ["都匀市", D(2024, 6, 20), "投诉举报", said]
    path = write_sheet(tmp_path / "风险信息.xlsx", [SIGNALS, row])
    assert not import_file(store, path, today=TODAY).errors
    assert one(store, schema.risk_signals, "description") == (
        "群众举报某门店销售无CCC标志的充电器\n门店位于广惠路",
    )
    before = contents(store)
    again = import_file(store, path, today=TODAY)
    assert not again.errors and contents(store) == before and count_rows(store, schema.risk_signals) == 1
    spaced = [*row[:-1], "群众举报某门店销售无CCC标志的充电器\n门店位于广惠路"]
    more = [*row[:-1], f"{said}\n另有网店销售"]
    report = import_file(
        store, write_sheet(tmp_path / "又一份.xlsx", [SIGNALS, row, spaced, more]), today=TODAY
    )
    assert [m for _row, _field, m in errors(report)] == [
        "与第2行重复（所属县（市）、收到日期和风险信息相同，内容也相同）；本行未导入"
    ]
    assert count_rows(store, schema.risk_signals) == 2


# -- rectifications -------------------------------------------------------------------------------

MOVES = ["隐患编号", "当前状态", "整改环节", "日期", "整改期限", "期限天数", "期限单位", "结论", "备注"]


@pytest.fixture
def hazard(two):
    with two.transaction() as tx:
        eid = records.enterprise_id_by_uscc(tx.conn, DUYUN)
        hid, _ = records.save_hazard(tx, models.Hazard(enterprise_id=eid, campaign_year=2024, grade="general",
                                                       problem_code="P04", sub_product_code="03-01",
                                                       found_date=D(2024, 7, 1), source="inspection"))  # fmt: skip
    return hid


@pytest.mark.engines
def test_rectification_rows_move_the_hazard_along_the_ledger_once(two, hazard, tmp_path):
    # fmt: off
    rows = [
        MOVES,
        [hazard, "已发现", "责令限期整改", "2024-07-02", None, 10, "工作日", None, "下达整改通知书"],
        [hazard, "责令整改中", "整改完成", "2024/7/20", None, None, None, None, None],
        [hazard, "企业已整改", "复查", "2024年7月25日", None, None, None, "合格", None],  # 合格 is not a 复查结论
        [f"YH{hazard:06d}", "企业已整改", "复查", "2024-07-25", None, None, None, "复查合格", None],
        [hazard, "复查合格", "销号", "2024-07-26", None, None, None, None, None],
        [999, None, "销号", "2024-07-26", None, None, None, None, None],
    ]
    # fmt: on
    path = write_sheet(tmp_path / "整改.xlsx", rows)
    report = import_file(two, path, today=TODAY)
    assert [(r, f) for r, f, _ in errors(report)] == [(4, "结论"), (7, "隐患编号")]
    assert one(two, schema.hazards, "state", "deadline", "closed_date") == (
        "closed",
        D(2024, 7, 16),
        D(2024, 7, 26),
    )
    assert list(ledger.history(two, hazard)["move"]) == ["found", "order", "rectify", "reinspect", "close"]
    before = contents(two, volatile=False)
    again = import_file(two, path, today=TODAY)
    assert (again.unchanged, again.updated) == (4, 0) and contents(two, volatile=False) == before


def test_a_move_the_ledger_refuses_is_a_finding_with_its_reason_and_changes_nothing(two, hazard, tmp_path):
    rows = [MOVES, [hazard, None, "销号", "2024-07-02", None, None, None, None, None]]
    report = import_file(two, write_sheet(tmp_path / "整改.xlsx", rows), today=TODAY)
    ((row, field, message),) = errors(report)
    assert (row, field) == (2, "整改环节") and "不能销号" in message
    assert one(two, schema.hazards, "state") == ("found",)


def test_a_move_already_made_cannot_be_rewritten_by_a_file(two, hazard, tmp_path):
    first = [MOVES, [hazard, None, "责令限期整改", "2024-07-02", "2024-07-31", None, None, None, None]]
    import_file(two, write_sheet(tmp_path / "a.xlsx", first), today=TODAY)
    changed = [MOVES, [hazard, "已发现", "责令限期整改", "2024-07-02", "2024-08-31", None, None, None, None]]
    ((_row, field, message),) = errors(
        import_file(two, write_sheet(tmp_path / "b.xlsx", changed), today=TODAY)
    )
    assert field == "整改期限" and "不能改写" in message
    assert one(two, schema.hazards, "deadline") == (D(2024, 7, 31),)


def test_a_risks_control_measures_are_imported_as_a_dated_move_and_a_hazard_refuses_them(
    two, hazard, tmp_path
):
    with two.transaction() as tx:
        eid = records.enterprise_id_by_uscc(tx.conn, DUYUN)
        risk, _ = records.save_hazard(tx, models.Hazard(enterprise_id=eid, campaign_year=2024, kind="risk",
                                                        grade="major", problem_code="P05", sub_product_code="03-01",
                                                        found_date=D(2024, 7, 1), source="inspection",
                                                        control_measures=False))  # fmt: skip
    rows = [
        MOVES,
        [risk, "已发现", "登记管控措施", "2024-07-03", None, None, None, "已采取管控措施", "已停用"],
        [hazard, "已发现", "登记管控措施", "2024-07-03", None, None, None, "已采取管控措施", None],
    ]
    report = import_file(two, write_sheet(tmp_path / "整改.xlsx", rows), today=TODAY)
    ((row, field, message),) = errors(report)
    assert (row, field) == (3, "整改环节") and "管控措施登记在风险上" in message
    with two.read() as conn:
        assert ledger.measures_at(conn, risk, D(2024, 7, 3)) == (True, D(2024, 7, 3))
    assert list(ledger.history(two, hazard)["move"]) == ["found"]


def test_a_stale_state_in_the_file_is_a_notice_and_the_store_state_decides(two, hazard, tmp_path):
    rows = [MOVES, [hazard, "企业已整改", "责令限期整改", "2024-07-02", "2024-07-31", None, None, None, None]]
    report = import_file(two, write_sheet(tmp_path / "a.xlsx", rows), today=TODAY)
    assert report.updated == 1 and [f.field for f in report.findings if f.severity == "warning"] == [
        "当前状态"
    ]


# -- spot checks ----------------------------------------------------------------------------------

SPOT = ["抽样单编号", "抽查县（市）", "抽样日期", "产品", "抽样环节", "抽查结果", "生产单位名称", "生产单位统一社会信用代码",
        "生产单位所在地区", "销售单位名称", "销售单位统一社会信用代码", "跟踪抽查的原抽样单编号"]  # fmt: skip


def test_spot_check_parties_in_the_store_are_linked_and_the_others_kept_by_name(two, tmp_path):
    # fmt: off
    rows = [
        SPOT,
        ["B-1", "福泉市", "2024-07-10", "安全帽", "销售门店", "不合格", "外省帽业公司", None, "浙江省", "福泉市乙五金经营部", FUQUAN, None],
        ["B-2", "福泉市", "2024-08-10", "安全帽", "门店", "合格", "外省帽业公司", None, "浙江省", "福泉市乙五金经营部", FUQUAN, "B-1"],
        ["B-3", "都匀", "2024-08-11", "03-01 水泥", "生产", "合格", "都匀市甲水泥有限公司", DUYUN, None, None, None, "B-9"],
    ]
    # fmt: on
    report = import_file(two, write_sheet(tmp_path / "抽查.xlsx", rows), today=TODAY)
    assert [(r, f) for r, f, _ in errors(report)] == [(4, "跟踪抽查的原抽样单编号")]
    with two.read() as conn:
        s = schema.spot_checks
        got = conn.execute(sa.select(s.c.batch_no, s.c.enterprise_id, s.c.producer_id, s.c.producer_name,
                                     s.c.seller_id, s.c.follow_up_of, s.c.county_code).order_by(s.c.id)).all()  # fmt: skip
    with two.read() as conn:
        seller = records.enterprise_id_by_uscc(conn, FUQUAN)
    assert got[0] == ("B-1", seller, None, "外省帽业公司", seller, None, "522702")
    assert got[1][5] is not None


@pytest.mark.engines
def test_an_imported_unqualified_batch_gets_its_tracing_tasks_in_the_same_transaction(two, tmp_path):
    """The import saves a spot check through records.save_spot_check as the form does: an unqualified
    batch and its two-way tracing tasks are written together (a dry run writes neither), so the rule
    that asks for them has nothing to say."""
    # fmt: off
    rows = [
        SPOT,
        ["B-1", "福泉市", "2024-07-10", "安全帽", "销售门店", "不合格", "外省帽业公司", None, "浙江省", "福泉市乙五金经营部", FUQUAN, None],
        ["B-2", "福泉市", "2024-08-10", "安全帽", "门店", "合格", "外省帽业公司", None, "浙江省", "福泉市乙五金经营部", FUQUAN, None],
    ]
    # fmt: on
    path = write_sheet(tmp_path / "抽查.xlsx", rows)
    assert import_file(two, path, dry_run=True, today=TODAY).inserted == 2
    assert count_rows(two, schema.tracing_tasks) == 0
    report = import_file(two, path, today=TODAY)
    assert report.inserted == 2
    t, a = schema.tracing_tasks, schema.audit_log
    with two.read() as conn:
        tasks = conn.execute(sa.select(t.c.role, t.c.to_county, t.c.created_date).order_by(t.c.role)).all()
        contexts = {
            r.table_name: r.context
            for r in conn.execute(sa.select(a.c.table_name, a.c.context).where(a.c.action == "insert"))
        }
    assert tasks == [("producer", "522700", D(2024, 7, 10)), ("seller", "522702", D(2024, 7, 10))]
    assert contexts["tracing_tasks"] == contexts["spot_checks"]
    findings = run_all(two, D(2024, 9, 1))
    assert not [f for f in findings if f.rule == "two_way_tracing"]


# -- choosing the kind ----------------------------------------------------------------------------


def test_the_kind_comes_from_the_option_else_the_template_else_the_headers(two, tmp_path):
    template = write_template("help", tmp_path / "帮扶.xlsx")
    assert import_file(two, template, today=TODAY).kind == "help"
    plain = write_sheet(
        tmp_path / "plain.xlsx", [HELP, ["都匀市甲水泥有限公司", DUYUN, None, None, "质量问诊", "2024-09-01"]]
    )
    assert import_file(two, plain, today=TODAY).kind == "help"
    seen = []
    report = import_file(
        two, plain, kind="help", dry_run=True, today=TODAY, progress=lambda done, total: seen.append(done)
    )
    assert report.unchanged == 1 and seen[-1] == 1


def test_a_column_written_twice_is_a_notice_and_the_first_is_used(two, tmp_path):
    header = ["企业名称", "单位名称", "帮扶方式", "帮扶日期"]
    path = write_sheet(
        tmp_path / "帮扶.xlsx", [header, ["都匀市甲水泥有限公司", "别的名字", "质量问诊", "2024-09-01"]]
    )
    report = import_file(two, path, today=TODAY)
    assert report.inserted == 1
    assert [f.code for f in report.findings] == ["duplicate_column"]


def test_an_inspection_merged_down_over_the_rows_of_its_hazards_belongs_to_each_row(two, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["企业名称", "检查日期", "检查领域", "产品", "隐患等级", "问题类型"])
    sheet.append(["都匀市甲水泥有限公司", "2024-07-01", "生产领域", "水泥", "一般", "P04"])
    sheet.append([None, None, None, None, "较大", "P05"])
    for column in "ABCD":
        sheet.merge_cells(f"{column}2:{column}3")
    book.save(tmp_path / "检查.xlsx")
    report = import_file(two, tmp_path / "检查.xlsx", today=TODAY)
    assert (report.inserted, report.rejected) == (2, 0)
    assert count_rows(two, schema.inspections) == 1 and count_rows(two, schema.hazards) == 2


def test_a_category_with_one_product_may_stand_for_it_and_a_product_must_belong_to_its_category(
    two, tmp_path
):
    header = ["企业名称", "检查日期", "检查领域", "产品类别", "产品"]
    rows = [
        header,
        ["都匀市甲水泥有限公司", "2024-07-01", "生产领域", "03 水泥", None],
        ["都匀市甲水泥有限公司", "2024-07-02", "生产领域", "人造板", None],
        ["都匀市甲水泥有限公司", "2024-07-03", "生产领域", "水泥", "安全帽"],
        ["都匀市甲水泥有限公司", "2024-07-04", "生产领域", "人造板", "大芯板"],
    ]
    report = import_file(two, write_sheet(tmp_path / "检查.xlsx", rows), today=TODAY)
    assert [(r, f) for r, f, _ in errors(report)] == [(3, "产品"), (4, "产品类别")]
    with two.read() as conn:
        products = set(conn.execute(sa.select(schema.inspections.c.sub_product_code)).scalars())
    assert products == {"03-01", "08-02"}
