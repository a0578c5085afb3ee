"""Intake of the instruments of 三书一函 issued on paper and of tracing-task follow-up; the rectifications
template's hazard named without its 隐患编号; import summaries in a clerk's words; the ledger export of
every open hazard of any year."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from hazardlib import schema, tracing
from hazardlib.intake import import_file
from hazardlib.reports import ledger
from hazardlib.store import Store

from .intake_support import TODAY, count_rows, write_sheet
from .situations import Situation

D = dt.date
HEAD = [
    "企业名称",
    "统一社会信用代码",
    "文书类型",
    "文书编号",
    "签发日期",
    "隐患编号",
    "送达日期",
    "回复期限",
    "回复日期",
]


def uscc_of(store: Store, eid: int) -> str:
    return store.get(schema.enterprises, eid)["uscc"]


def test_instruments_issued_on_paper_import_once_and_follow_up_on_a_second_import(store, tmp_path):
    s = Situation(store)
    eid = s.enterprise(name="都匀市剑江水泥有限公司")
    hid = s.hazard(eid, D(2024, 7, 1))
    code = uscc_of(store, eid)
    first = write_sheet(tmp_path / "文书.xlsx", [
        HEAD,
        ["都匀市剑江水泥有限公司", code, "整改通知书", "都市监整〔2024〕5号", "2024-07-02", hid, "2024-07-03", "2024-08-01", None],
        ["都匀市剑江水泥有限公司", code, "提醒敦促函", None, "2024-08-05", None, None, None, None],
    ])  # fmt: skip
    report = import_file(store, first, "instruments", today=TODAY)
    assert report.inserted == 2 and not report.errors, report.findings
    assert "登记文书 2 份" in report.summary() and "新增" not in report.summary()
    with store.read() as conn:
        numbers = sorted(conn.execute(sa.select(schema.instruments.c.number)).scalars())
    assert numbers == ["都市监整〔2024〕5号", "黔南州市监函〔2024〕1号"]  # a blank number: the issuer's next
    assert import_file(store, first, "instruments", today=TODAY).unchanged == 2  # imported twice: no change
    replied = write_sheet(tmp_path / "回复.xlsx", [
        HEAD,
        ["都匀市剑江水泥有限公司", code, "整改通知书", "都市监整〔2024〕5号", "2024-07-02", hid, "2024-07-03", "2024-08-01", "2024-07-30"],
    ])  # fmt: skip
    again = import_file(store, replied, "instruments", today=TODAY)
    assert again.updated == 1 and "登记文书送达、回复情况 1 份" in again.summary()
    assert count_rows(store, schema.instruments) == 2


def test_a_used_number_or_a_reply_before_the_issue_is_refused_naming_the_column(store, tmp_path):
    s = Situation(store)
    a, b = s.enterprise(name="甲水泥有限公司"), s.enterprise(name="乙水泥有限公司")
    ok = write_sheet(tmp_path / "a.xlsx", [
        HEAD, ["甲水泥有限公司", uscc_of(store, a), "整改通知书", "都市监整〔2024〕5号", "2024-07-02", None, None, None, None],
    ])  # fmt: skip
    assert import_file(store, ok, "instruments", today=TODAY).inserted == 1
    bad = write_sheet(tmp_path / "b.xlsx", [
        HEAD,
        ["乙水泥有限公司", uscc_of(store, b), "整改通知书", "都市监整〔2024〕5号", "2024-07-09", None, None, None, None],
        ["乙水泥有限公司", uscc_of(store, b), "约谈通知书", "都市监约〔2024〕1号", "2024-07-09", None, None, None, "2024-07-08"],
    ])  # fmt: skip
    report = import_file(store, bad, "instruments", today=TODAY)
    assert report.rejected == 2 and report.inserted == 0
    by_row = {f.row: f for f in report.errors}
    assert by_row[2].field == "文书编号" and "已被使用" in by_row[2].message
    assert by_row[3].field == "回复日期" and "早于签发日期" in by_row[3].message
    assert count_rows(store, schema.instruments) == 1


def test_a_rectification_names_its_hazard_by_credit_code_found_date_product_and_problem(store, tmp_path):
    s = Situation(store)
    eid = s.enterprise()
    hid = s.hazard(eid, D(2024, 7, 1), problem="P04")
    head = ["隐患编号", "统一社会信用代码", "发现日期", "产品", "问题类型", "整改环节", "日期", "整改期限"]
    path = write_sheet(tmp_path / "整改.xlsx", [
        head,
        [None, uscc_of(store, eid), "2024-07-01", "水泥", "P04", "责令限期整改", "2024-07-02", "2024-08-01"],
        [None, uscc_of(store, eid), "2024-07-01", None, "P04", "企业整改完成", "2024-07-20", None],
    ])  # fmt: skip
    report = import_file(store, path, "rectifications", today=TODAY)
    assert report.updated == 1 and report.rejected == 1
    assert "登记整改环节 1 条" in report.summary() and "更新" not in report.summary()
    (f,) = report.errors
    assert f.row == 3 and f.field == "隐患编号" and "统一社会信用代码、发现日期、产品和问题类型" in f.message
    assert store.get(schema.hazards, hid)["state"] == "ordered"


def test_a_tracing_task_is_completed_from_the_template(store, tmp_path):
    s = Situation(store)
    seller = s.enterprise("522701", field="seller")
    producer = s.enterprise("522702")
    batch = s.spot_check(D(2024, 7, 1), "unqualified", enterprise_id=seller, seller={"enterprise_id": seller},
                         producer={"enterprise_id": producer})  # fmt: skip
    tasks = tracing.create_tracing_tasks(store, batch, D(2024, 7, 2))
    (task,) = [t for t in tasks if store.get(schema.tracing_tasks, t)["to_county"] == "522702"]
    path = write_sheet(
        tmp_path / "追查.xlsx",
        [["任务编号", "办理日期", "办理情况"], [task, "2024-07-20", "已追查到生产单位"]],
    )
    report = import_file(store, path, "tracing-tasks", today=TODAY)
    assert report.updated == 1 and "办理双向追查任务 1 项" in report.summary(), report.findings
    done = store.get(schema.tracing_tasks, task)
    assert (done["state"], done["done_date"]) == ("done", D(2024, 7, 20)) and "已追查到生产单位" in done[
        "note"
    ]
    assert import_file(store, path, "tracing-tasks", today=TODAY).unchanged == 1


def test_the_ledger_lists_every_open_hazard_of_any_year(store):
    s = Situation(store)
    eid = s.enterprise()
    old_open = s.hazard(eid, D(2023, 7, 1))
    old_closed = s.hazard(eid, D(2023, 7, 2), ordered=D(2023, 7, 2), deadline=D(2023, 8, 1))
    s.moves(old_closed, ("rectify", D(2023, 7, 10)), ("reinspect", D(2023, 7, 11), {"outcome": "passed"}),
            ("close", D(2023, 7, 12)))  # fmt: skip
    this_year = s.hazard(eid, D(2024, 7, 1))
    frame = ledger(store, D(2024, 9, 1))
    assert sorted(frame["hazard_id"]) == [old_open, this_year]
    assert dict(zip(frame["hazard_id"], frame["campaign_year"], strict=True)) == {
        old_open: 2023,
        this_year: 2024,
    }
