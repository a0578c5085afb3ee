"""三书一函 as documents: numbered per issuing county and year inside the issuing transaction, refused when a
number is taken or a date comes before the issue, followed up to the reply (the overdue rule), drafted in
Word (read back by python-docx, converted by LibreOffice); and the continuing written reports after the
campaign's finish."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from docx import Document

from hazardlib import instruments, models, records, schema
from hazardlib.cli import main
from hazardlib.datafiles import ENV_VAR, data_dir
from hazardlib.errors import OutOfScope, ValidationFailed
from hazardlib.regions import load_regions
from hazardlib.store import Store, open_store

from .intake_support import count_rows
from .situations import Situation, demo_url
from .test_exports_xlsx import check_converts_to_pdf, soffice

D = dt.date


@pytest.fixture
def s(store: Store) -> Situation:
    return Situation(store)


def issue(store: Store, enterprise_id: int | None, day: dt.date, kind: str = "rectification_notice",
          **extra: object) -> tuple[int, str]:  # fmt: skip
    """Issue an instrument through the one write; its id and number."""
    record = models.validate(
        models.Instrument,
        {"kind": kind, "enterprise_id": enterprise_id, "campaign_year": day.year, "issue_date": day, **extra},
        today=D(2024, 12, 31),
    )
    with store.transaction("测试") as tx:
        iid, _ = instruments.save_instrument(tx, record, county_code=None if enterprise_id else "522701")
    return iid, store.get(schema.instruments, iid)["number"]


def county(store: Store, code: str) -> Store:
    return open_store(store.url, user="县局文书员", county=code)


def test_numbers_run_per_issuing_county_kind_and_year_in_the_county_s_own_form(s, store):
    duyun, fuquan = s.enterprise("522701"), s.enterprise("522702")
    du, fu = county(store, "522701"), county(store, "522702")
    assert [issue(du, duyun, D(2024, 7, d))[1] for d in (1, 2)] == [
        "都市监整〔2024〕1号",
        "都市监整〔2024〕2号",
    ]
    assert issue(du, duyun, D(2024, 7, 3), "reminder_letter")[1] == "都市监函〔2024〕1号"
    assert issue(fu, fuquan, D(2024, 7, 3))[1] == "福市监整〔2024〕1号"
    assert issue(store, duyun, D(2024, 7, 4))[1] == "黔南州市监整〔2024〕1号"  # the prefecture issues its own
    # A number issued on paper keeps the sequence going.
    issue(du, duyun, D(2024, 7, 5), number="都市监整〔2024〕7号")
    assert issue(du, duyun, D(2024, 7, 6))[1] == "都市监整〔2024〕8号"
    with store.read() as conn:
        row = conn.execute(
            sa.select(schema.instruments).where(schema.instruments.c.number == "福市监整〔2024〕1号")
        )
        got = row.mappings().one()
    assert (got["issuer_code"], got["county_code"], got["serial"]) == ("522702", "522702", 1)
    assert got["reply_due"] == D(2024, 7, 3) + dt.timedelta(
        days=instruments.kind_info("rectification_notice").reply_days
    )


def test_a_county_cannot_issue_to_another_county_s_enterprise(s, store):
    fuquan = s.enterprise("522702")
    with pytest.raises(OutOfScope):
        issue(county(store, "522701"), fuquan, D(2024, 7, 1))
    assert count_rows(store, schema.instruments) == 0


def test_a_number_already_used_is_refused_naming_the_field_and_nothing_is_written(s, store):
    a, b = s.enterprise(), s.enterprise()
    _, number = issue(store, a, D(2024, 7, 1))
    before = count_rows(store, schema.instruments)
    with pytest.raises(ValidationFailed) as exc:
        issue(store, b, D(2024, 7, 2), number=number)
    (f,) = exc.value.findings
    assert f.field == "文书编号" and "已被使用" in f.message and number in f.message
    assert count_rows(store, schema.instruments) == before


def test_a_reply_dated_before_the_instrument_is_refused_naming_the_field(s, store):
    eid = s.enterprise()
    with pytest.raises(ValidationFailed) as exc:
        issue(store, eid, D(2024, 7, 10), reply_date=D(2024, 7, 9))
    (f,) = exc.value.findings
    assert f.field == "回复日期" and "早于签发日期 2024-07-10" in f.message
    assert count_rows(store, schema.instruments) == 0
    # The follow-up of a stored instrument is checked in the write too, whatever reached it.
    iid, _ = issue(store, eid, D(2024, 7, 10))
    stored = store.get(schema.instruments, iid)
    early = models.Instrument.model_construct(
        **{k: stored[k] for k in ("kind", "enterprise_id", "campaign_year", "issue_date", "number", "hazard_id",
                                  "served_date", "reply_due", "note")}, reply_date=D(2024, 7, 1))  # fmt: skip
    with pytest.raises(ValidationFailed) as exc, store.transaction("测试") as tx:
        instruments.save_instrument(tx, early, instrument_id=iid)
    assert exc.value.findings[0].field == "回复日期"
    assert store.get(schema.instruments, iid)["reply_date"] is None


def test_a_reply_not_received_by_its_due_date_is_named_until_it_comes(s, store):
    eid = s.enterprise(name="都匀市剑江水泥有限公司")
    iid, number = issue(store, eid, D(2024, 7, 1), reply_due=D(2024, 7, 15), served_date=D(2024, 7, 2))
    assert s.findings("instrument_reply_overdue", D(2024, 7, 15)) == []
    (f,) = s.findings("instrument_reply_overdue", D(2024, 7, 16))
    assert (f.subject, f.due, dict(f.records)) == (
        "都匀市剑江水泥有限公司",
        D(2024, 7, 15),
        {"instruments": (iid,)},
    )
    assert number in f.message and "已逾期 1 天" in f.message
    stored = store.get(schema.instruments, iid)
    replied = models.validate(models.Instrument, {**{k: stored[k] for k in (
        "kind", "enterprise_id", "campaign_year", "issue_date", "number")}, "reply_date": D(2024, 7, 20)},
        today=D(2024, 12, 31))  # fmt: skip
    with store.transaction("测试") as tx:
        assert instruments.save_instrument(tx, replied, instrument_id=iid)[1] == "updated"
    assert s.findings("instrument_reply_overdue", D(2024, 7, 19)) != []  # not yet received then
    assert s.findings("instrument_reply_overdue", D(2024, 7, 20)) == []


def test_hazard_draft_instrument_writes_a_word_draft_with_number_enterprise_and_deadline(s, store, tmp_path):
    eid = s.enterprise(name="都匀市剑江水泥有限公司")
    hid = s.hazard(eid, D(2024, 7, 1), description="出厂检验记录缺失")
    iid, number = issue(store, eid, D(2024, 7, 2), hazard_id=hid, reply_due=D(2024, 8, 1))
    out = tmp_path / "x.docx"
    result = CliRunner().invoke(
        main, ["draft", "instrument", "--id", str(iid), "-o", str(out), "--db", store.url, "--user", "测试员"]
    )
    assert result.exit_code == 0, result.output
    doc = Document(str(out))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert number in text and "整改通知书" in text
    assert "都匀市剑江水泥有限公司" in text and "2024年8月1日" in text
    assert str(hid) in cells and "出厂检验记录缺失" in cells
    assert "责令限期整改" in text  # the plan's clause it rests on
    binary = soffice()
    writer = binary and (Path(os.path.realpath(binary)).parent / "libswlo.so").exists()
    if not writer:
        if os.environ.get("CI"):
            pytest.fail("CI 必须安装 LibreOffice Writer（libreoffice-writer-nogui）以检查文书草稿")
        pytest.skip("未安装 LibreOffice Writer（libreoffice-writer-nogui）")
    check_converts_to_pdf(str(binary), [out], tmp_path / "pdf")


def test_a_county_cannot_draft_another_county_s_instrument(s, store, tmp_path):
    iid, _ = issue(store, s.enterprise("522702"), D(2024, 7, 2))
    result = CliRunner().invoke(main, ["draft", "instrument", "--id", str(iid), "-o", str(tmp_path / "x.docx"),
                                       "--db", store.url, "--user", "测试员", "--county", "522701"])  # fmt: skip
    assert result.exit_code != 0 and not (tmp_path / "x.docx").exists()


def report(store: Store, county_code: str, day: dt.date, number: str, hazards: list[int]) -> int:
    r = models.validate(models.WrittenReport, {"county_code": county_code, "campaign_year": 2024,
                                               "report_date": day, "number": number, "hazard_ids": hazards},
                        today=D(2024, 12, 31))  # fmt: skip
    with store.transaction("测试") as tx:
        return records.save_written_report(tx, r)[0]


def test_the_continuing_report_rule_knows_the_last_report_and_when_the_next_is_due(s, store):
    hid = s.hazard(s.enterprise("522701"), D(2024, 9, 1))
    (f,) = s.findings("continuing_written_report", D(2024, 11, 5))
    assert f.due == D(2024, 11, 30) and "尚未书面报送" in f.message  # finish + 30 days
    report(store, "522701", D(2024, 11, 20), "都市监报〔2024〕3号", [hid])
    (f,) = s.findings("continuing_written_report", D(2024, 11, 25))
    assert f.due == D(2024, 12, 20) and "上次书面报送 2024-11-20（都市监报〔2024〕3号）" in f.message
    (f,) = s.findings("continuing_written_report", D(2024, 11, 19))  # the report was not yet sent then
    assert f.due == D(2024, 11, 30)


def test_a_written_report_number_used_or_a_hazard_of_another_county_is_refused(s, store):
    hid = s.hazard(s.enterprise("522701"), D(2024, 9, 1))
    other = s.hazard(s.enterprise("522702"), D(2024, 9, 1))
    report(store, "522701", D(2024, 11, 20), "都市监报〔2024〕3号", [hid])
    with pytest.raises(ValidationFailed) as exc:
        report(store, "522702", D(2024, 11, 21), "都市监报〔2024〕3号", [other])
    assert exc.value.findings[0].field == "文号"
    with pytest.raises(ValidationFailed) as exc:
        report(store, "522701", D(2024, 11, 21), "都市监报〔2024〕4号", [other])
    assert exc.value.findings[0].field == "涉及隐患编号"
    assert count_rows(store, schema.written_reports) == 1


@pytest.mark.slow
def test_the_unrectified_report_lists_exactly_what_the_continuing_report_rule_names(
    tmp_path_factory, tmp_path
):
    url = demo_url(tmp_path_factory)
    runner = CliRunner()
    out = tmp_path / "unrectified.json"
    common = ["--db", url, "--as-of", "2024-12-31"]
    done = runner.invoke(
        main, ["report", "unrectified", "--format", "json", "-o", str(out), "--user", "测试员", *common]
    )
    assert done.exit_code == 0, done.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    checked = runner.invoke(main, ["check", "--format", "json", *common])
    assert checked.exit_code == 0, checked.output
    named = [f for f in json.loads(checked.output)["findings"] if f["rule"] == "continuing_written_report"]
    ids = sorted(h for f in named for h in f["records"]["hazards"])
    assert len(rows) == len(ids) > 0
    assert sorted(r["hazard_id"] for r in rows) == ids
    assert {r["campaign_year"] for r in rows} == {2023, 2024}  # every campaign year still open
    assert {r["kind_label"] for r in rows} == {"隐患", "风险"}
    # The demo sends written reports, and the rule reads them.
    assert all("上次书面报送" in f["message"] for f in named)


def test_every_county_and_the_prefecture_has_a_distinct_number_prefix():
    regions = load_regions()
    codes = {regions.prefecture.code, *(c.code for c in regions.counties)}
    prefixes = instruments.prefixes()
    assert set(prefixes) == codes and len(set(prefixes.values())) == len(codes)
    words = {instruments.kind_info(k).word for k in ("listed_supervision_notice", "interview_notice",
                                                      "rectification_notice", "reminder_letter")}  # fmt: skip
    assert len(words) == 4


@pytest.fixture
def data_without_libo_prefix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of data/ whose instrument_prefixes.csv leaves 荔波县's prefix blank."""
    folder = tmp_path / "data"
    shutil.copytree(data_dir(), folder)
    path = folder / "instrument_prefixes.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",荔市监,", ",,"), encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(folder))
    return folder


def test_campaign_check_names_a_county_without_a_number_prefix_and_passes_when_every_bureau_has_one(
    data_without_libo_prefix: Path, monkeypatch: pytest.MonkeyPatch
):
    runner = CliRunner()
    broken = runner.invoke(main, ["campaign", "check", "2024", "--format", "json"])
    assert broken.exit_code == 1
    (error,) = [f for f in json.loads(broken.output) if f["code"] == "instrument_prefix"]
    assert (error["value"], error["file"], error["severity"]) == (
        "522722",
        "instrument_prefixes.csv",
        "error",
    )
    assert "荔波县" in error["message"] and "文号前缀" in error["message"]
    monkeypatch.delenv(ENV_VAR)  # the data folder as shipped: every bureau has its prefix
    fixed = runner.invoke(main, ["campaign", "check", "2024", "--format", "json"])
    assert fixed.exit_code == 0 and not [
        f for f in json.loads(fixed.output) if f["code"] == "instrument_prefix"
    ]


def test_a_county_without_a_prefix_is_told_to_write_the_paper_number_and_nothing_is_written(
    data_without_libo_prefix: Path, store: Store
):
    s = Situation(store)
    libo = county(store, "522722")
    shop = s.enterprise("522722")
    with pytest.raises(ValidationFailed) as refused:
        issue(libo, shop, D(2024, 7, 1))
    (f,) = refused.value.findings
    assert f.field == "文书编号" and "荔波县" in f.message and "纸质文书上的编号" in f.message
    assert count_rows(store, schema.instruments) == 0
    _iid, number = issue(libo, shop, D(2024, 7, 1), number="荔市监整〔2024〕5号")  # written on paper: kept
    assert number == "荔市监整〔2024〕5号"
