"""Continuing written reports (持续书面报送, plan 四(三): 对10月底前未完成隐患问题整改的要持续书面报送整改完成情况) entered
by a county through the ``written-reports`` template and the tracker page's form: refused with a Chinese message
naming the field (a date not after the campaign's finish, a 文号 used, a hazard unknown or another county's),
nothing written; once recorded, the rule ``continuing_written_report`` counts its next due date from it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from hazardlib import models, records, schema
from hazardlib.apps import TrackerApp
from hazardlib.errors import ValidationFailed
from hazardlib.intake import import_file
from hazardlib.store import Store, open_store

from .intake_support import count_rows
from .situations import Situation
from .test_plan_records import template

D = dt.date
AFTER = D(2024, 11, 20)
DUYUN, FUQUAN = "522701", "522702"


@pytest.fixture
def s(store: Store) -> Situation:
    return Situation(store)


def open_hazards(s: Situation) -> tuple[int, int]:
    """One hazard of 都匀 and one of 福泉, both still open after the campaign's finish."""
    return s.hazard(s.enterprise(DUYUN), D(2024, 9, 1)), s.hazard(s.enterprise(FUQUAN), D(2024, 9, 2))


def save(store: Store, **data: Any) -> int:
    values = {"county_code": DUYUN, "campaign_year": 2024, "report_date": D(2024, 11, 10),
              "number": "都市监报〔2024〕1号", **data}  # fmt: skip
    record = models.validate(models.WrittenReport, values, today=AFTER)
    with store.transaction("测试") as tx:
        return records.save_written_report(tx, record)[0]


def refusal(store: Store, **data: Any) -> Any:
    with pytest.raises(ValidationFailed) as refused:
        save(store, **data)
    (f,) = refused.value.findings
    return f


def test_a_report_is_dated_after_the_campaigns_finish_and_one_on_the_finish_is_refused(s, store):
    duyun, _ = open_hazards(s)
    f = refusal(store, report_date=D(2024, 10, 31), hazard_ids=[duyun])
    assert f.field == "报送日期" and "2024-10-31" in f.message and "行动结束" in f.message
    assert "行动年度填写 2023" in f.message  # a report early in a year may be about last year's hazards
    assert count_rows(store, schema.written_reports) == 0
    save(store, report_date=D(2024, 11, 1), hazard_ids=[duyun])
    assert count_rows(store, schema.written_reports) == 1


def test_a_hazard_unknown_or_of_another_county_and_a_number_used_are_refused_naming_the_field(s, store):
    duyun, fuquan = open_hazards(s)
    f = refusal(store, hazard_ids=[duyun, 99999])
    assert (f.field, f.message) == ("涉及隐患编号", "整改台账中没有隐患编号 99999")
    f = refusal(store, hazard_ids=[duyun, fuquan])
    assert (f.field, f.message) == ("涉及隐患编号", f"隐患编号 {fuquan} 不是都匀市的隐患")
    assert count_rows(store, schema.written_reports) == 0
    save(store, hazard_ids=[duyun])
    f = refusal(store, report_date=D(2024, 11, 12), hazard_ids=[duyun])  # the same 文号, another report
    assert f.field == "文号" and "已被 2024-11-10 的书面报送使用" in f.message
    save(store, hazard_ids=[duyun], note="补充说明")  # the same report again: an update
    assert count_rows(store, schema.written_reports) == 1


def test_the_hazard_numbers_are_read_as_written_and_a_report_without_any_is_refused():
    checked, findings = models.check(
        models.WrittenReport,
        {"county_code": "都匀市", "campaign_year": 2024, "report_date": "2024-11-10", "number": "X1",
         "hazard_ids": "12、0015，#12 ; 7"},
        today=AFTER,
    )  # fmt: skip
    assert findings == [] and checked is not None and checked.hazard_ids == [12, 15, 7]
    for bad, reason in (("12、甲", "“甲”不是有效的隐患编号"), ("", "隐患编号")):
        _none, findings = models.check(
            models.WrittenReport,
            {"county_code": "都匀市", "campaign_year": 2024, "report_date": "2024-11-10", "number": "X1",
             "hazard_ids": bad},
            today=AFTER,
        )  # fmt: skip
        assert [f.field for f in findings] == ["涉及隐患编号"] and reason in findings[0].message


def test_the_next_report_is_due_a_month_after_the_last_one_and_not_after_one_dated_later(s, store):
    duyun, _ = open_hazards(s)

    def due(as_of: dt.date) -> dt.date | None:
        (f,) = s.findings("continuing_written_report", as_of, county=DUYUN)
        return f.due

    assert due(AFTER) == D(2024, 11, 30)  # none yet: the finish plus 30 days
    save(store, report_date=D(2024, 11, 15), hazard_ids=[duyun])
    assert due(AFTER) == D(2024, 12, 15)  # counted from the report
    assert due(D(2024, 11, 14)) == D(2024, 11, 30)  # the day before it was sent, it does not count yet


def test_the_written_reports_template_imports_a_countys_report_and_refuses_bad_rows_naming_the_column(
    s, store, tmp_path: Path
):
    duyun, fuquan = open_hazards(s)
    county = open_store(store.url, user="都匀市局", county=DUYUN)
    row = {
        "县（市）": "都匀市",
        "报送日期": D(2024, 11, 10),
        "文号": "都市监报〔2024〕1号",
        "涉及隐患编号": f"{duyun}",
    }
    bad = [
        ({"报送日期": D(2024, 10, 20)}, "报送日期"),
        ({"涉及隐患编号": f"{duyun}、{fuquan}"}, "涉及隐患编号"),
        ({"涉及隐患编号": "99999"}, "涉及隐患编号"),
    ]
    for change, column in bad:
        report = import_file(county, template("written-reports", tmp_path / "bad.xlsx", {**row, **change}),
                             today=AFTER)  # fmt: skip
        assert [f.field.lstrip("*") for f in report.errors] == [column], change
    assert count_rows(store, schema.written_reports) == 0
    path = template("written-reports", tmp_path / "wr.xlsx", row)
    report = import_file(county, path, today=AFTER)
    assert (report.errors, report.inserted) == ([], 1)
    assert "登记书面报送 1 份" in report.summary()
    assert import_file(county, path, today=AFTER).unchanged == 1
    (f,) = s.findings("continuing_written_report", AFTER, county=DUYUN)
    assert f.due == D(2024, 12, 10)


def test_the_tracker_page_records_a_written_report_and_says_why_beside_the_field_when_it_cannot(s, store):
    duyun, fuquan = open_hazards(s)
    county = open_store(store.url, user="都匀市局", county=DUYUN)
    app = TrackerApp(county, AFTER)
    app.loading.join()
    page = app.county_records
    assert "尚未登记书面报送" in page.written.value
    page.written_form.fill({"number": "都市监报〔2024〕7号", "hazard_ids": f"{duyun}、{fuquan}"})
    page.save_written_report()
    assert "不是都匀市的隐患" in page.written_form.fields["hazard_ids"].error.value
    assert count_rows(store, schema.written_reports) == 0
    page.written_form.fill({"hazard_ids": f"{duyun}"})
    page.save_written_report()
    assert "都匀市书面报送 都市监报〔2024〕7号（涉及隐患 1 条）已登记" in app.status.value
    assert "都市监报〔2024〕7号" in page.written.value and str(duyun) in page.written.value
    assert s.findings("continuing_written_report", AFTER, county=DUYUN)[0].due == D(2024, 12, 20)


def test_the_tracker_page_lists_a_written_report_from_its_date_on_not_before(s, store):
    duyun, _ = open_hazards(s)
    save(store, hazard_ids=[duyun])  # dated 2024-11-10
    listed = {}
    for day in (D(2024, 11, 9), D(2024, 11, 10)):
        app = TrackerApp(open_store(store.url, user="都匀市局", county=DUYUN), day)
        app.loading.join()
        listed[day] = "都市监报〔2024〕1号" in app.county_records.written.value
    assert listed == {D(2024, 11, 9): False, D(2024, 11, 10): True}
    assert '<td class="hz-date">2024-11-10</td>' in app.county_records.written.value  # as every table dates
