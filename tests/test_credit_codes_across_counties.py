"""A county registering a 统一社会信用代码 another county holds learns only that it is “已在其他县（市）登记，请联系州局”
— through the registration form, the enterprises import (row by row and in batches), a record's import that
names the enterprise, and the record saver — never the other county's enterprise id, name or county; the
prefecture keeps the usual duplicate behaviour."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hazardlib import models, records
from hazardlib.apps import SelfCheckApp
from hazardlib.errors import ValidationFailed
from hazardlib.intake import import_file
from hazardlib.intake.handlers_enterprises import Enterprises
from hazardlib.store import Store

from .conftest import make_uscc
from .intake_support import TODAY, contents, write_sheet
from .situations import Situation

pytestmark = pytest.mark.engines

D = dt.date(2024, 6, 3)
THEIRS = "福泉市丙建材有限公司"  # held by 福泉市 (522702)
ENTERPRISES = ["统一社会信用代码", "企业名称", "所属县（市）", "企业类型", "地址"]


@pytest.fixture
def held(store) -> tuple[str, int]:
    """Some enterprises, then 福泉市's: its code and id (an id no other record shares)."""
    s = Situation(store)
    for _ in range(11):
        s.enterprise("522701")
    eid = s.enterprise("522702", name=THEIRS, address="丙路3号")
    return make_uscc("522702", 12), eid


def duyun(store: Store) -> Store:
    return Store(store.url, user="都匀市局", county="522701")


def told(*texts: Any) -> str:
    return " ".join(str(t) for t in texts if t is not None)


def leaks(text: str, held: tuple[str, int]) -> list[str]:
    """What of 福泉市's enterprise ``text`` gives away, beside the code the county wrote itself."""
    uscc, eid = held
    text = text.replace(uscc, "")
    return [w for w in (THEIRS, "福泉", "522702", f"“{eid}”", f" {eid} ") if w in text]


def register(app: SelfCheckApp, uscc: str) -> None:
    form = app.picker.form
    assert form is not None
    form.open(uscc)
    form.fields["name"].control.value = "都匀市新登记有限公司"
    form.fields["field"].control.value = "producer"
    form.fields["county_code"].control.value = "522701"
    form.save_btn.click()


def test_the_registration_form_tells_a_county_only_that_another_county_holds_the_code(store, held):
    uscc = held[0]
    app = SelfCheckApp(duyun(store), D)
    app.picker.query.value = uscc
    app.picker.search_btn.click()  # not found in 都匀市: the form opens with the code
    before = contents(store, skip=())
    register(app, uscc)
    form = app.picker.form
    assert form is not None
    assert form.fields["uscc"].error.value.count(records.USCC_ELSEWHERE) == 1
    shown = told(app.status.value, *(f.error.value for f in form.fields.values()))
    assert leaks(shown, held) == [] and "已登记，请用" not in shown
    assert contents(store, skip=()) == before


def test_the_registration_form_tells_the_prefecture_the_code_is_registered_as_before(store, held):
    uscc, _eid = held
    app = SelfCheckApp(store, D)
    register(app, uscc)
    form = app.picker.form
    assert form is not None
    assert "该统一社会信用代码已登记，请用“查找”选择该企业" in form.fields["uscc"].error.value


def test_the_record_saver_refuses_a_county_the_code_another_county_holds_with_only_that(store, held):
    uscc = held[0]
    mine = models.Enterprise(uscc=uscc, name="都匀市新登记有限公司", county_code="522701", field="producer")
    with pytest.raises(ValidationFailed) as refused, duyun(store).transaction() as tx:
        records.save_enterprise(tx, mine)
    ((field, message),) = [(f.field, f.message) for f in refused.value.findings]
    assert (field, message) == ("统一社会信用代码", records.USCC_ELSEWHERE)
    assert leaks(str(refused.value), held) == []


@pytest.mark.parametrize("bulk", [True, False], ids=["in-batches", "row-by-row"])
def test_the_enterprises_import_tells_a_county_only_that_another_county_holds_the_code(
    store, held, tmp_path, monkeypatch, bulk
):
    uscc = held[0]
    monkeypatch.setattr(Enterprises, "bulk", bulk)
    mine = make_uscc("522701", 40)
    rows = [
        ENTERPRISES,
        [mine, "都匀市新登记有限公司", "都匀市", "生产单位", "新路1号"],
        [uscc, "都匀市另一家有限公司", "都匀市", "生产单位", "新路2号"],  # a code 福泉市 holds, changed
        [uscc, THEIRS, "福泉市", "生产单位", "丙路3号"],  # ... and as 福泉市 has it
    ]
    path = write_sheet(tmp_path / "企业名录.xlsx", rows, title="企业名录")
    report = import_file(duyun(store), path, today=TODAY)
    assert report.inserted == 1 and report.rejected == 2
    refused = {f.row: (f.field, f.message) for f in report.errors}
    assert refused[3] == ("统一社会信用代码", records.USCC_ELSEWHERE)
    shown = told(*(told(f.message, f.value) for f in report.findings if f.row == 3))
    assert leaks(shown, held) == []
    # as the prefecture, the same file updates 福泉市's enterprise (its second row repeats the code)
    again = import_file(store, path, today=TODAY)
    assert [f.row for f in again.errors] == [4] and again.updated == 1


def test_a_records_import_naming_the_code_tells_a_county_only_that_another_county_holds_it(
    store, held, tmp_path
):
    uscc = held[0]
    rows = [
        ["企业名称", "统一社会信用代码", "帮扶方式", "帮扶日期"],
        [
            "别的名字有限公司",
            uscc,
            "质量问诊",
            "2024-06-01",
        ],  # a name that differs: not corrected to 福泉市's
    ]
    report = import_file(duyun(store), write_sheet(tmp_path / "帮扶.xlsx", rows), today=TODAY)
    assert [(f.row, f.field, f.message) for f in report.findings] == [
        (2, "统一社会信用代码", records.USCC_ELSEWHERE)
    ]
    assert leaks(told(*(told(f.message, f.value) for f in report.findings)), held) == []
