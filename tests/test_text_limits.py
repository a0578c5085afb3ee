"""Every text a person writes has a bound declared once, on its model: a ledger move's 说明, a tracing task's
办理情况 and the rest are refused past it — by the domain functions, the dashboards' forms and the imports
alike — with a Chinese message and nothing written, not even to the audit log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hazardlib import ledger, models, schema, tracing
from hazardlib.apps import InspectionApp, LedgerApp, SelfCheckApp, SpotCheckApp
from hazardlib.apps.forms import ModelForm
from hazardlib.errors import ValidationFailed
from hazardlib.intake import import_file
from hazardlib.store import Store

from .intake_support import TODAY, contents, write_sheet
from .situations import Situation

D = dt.date(2024, 8, 5)
HUGE = "字" * 1_000_000  # what a websocket message still carries


def everything(store: Store) -> dict[str, list]:
    """Every table, the audit log included, as it stands."""
    return contents(store, skip=(), volatile=False)


def ordered_hazard(store: Store) -> int:
    s = Situation(store)
    found, ordered, deadline = dt.date(2024, 7, 1), dt.date(2024, 7, 2), dt.date(2024, 8, 30)
    return s.hazard(s.enterprise("522701"), found, ordered=ordered, deadline=deadline)


def tracing_tasks(store: Store) -> dict[str, int]:
    """An unqualified check sampled by 都匀市: the seller's task to 荔波县, the producer's (outside the
    prefecture) to the prefecture."""
    s = Situation(store)
    shop = s.enterprise("522722", field="seller", products=("04-01",))
    check = s.spot_check(
        D, "unqualified", product="04-01", enterprise_id=shop,
        seller={"enterprise_id": shop}, producer={"name": "浙江某电缆有限公司", "region": "浙江省杭州市"},
    )  # fmt: skip
    tracing.create_tracing_tasks(store, check, D)
    with store.read() as conn:
        t = schema.tracing_tasks
        return dict(conn.execute(sa.select(t.c.role, t.c.id)).all())


def refusal(exc: pytest.ExceptionInfo[ValidationFailed]) -> tuple[Any, ...]:
    (finding,) = exc.value.findings
    return finding.field, finding.message, finding.value


# -- the domain functions ---------------------------------------------------------------------------


@pytest.mark.engines
def test_a_million_character_note_on_a_ledger_move_is_refused_with_nothing_written(store):
    hid = ordered_hazard(store)
    before = everything(store)
    with pytest.raises(ValidationFailed) as refused:
        ledger.move(store, hid, "rectify", day=D, note=HUGE)
    field, message, value = refusal(refused)
    assert (field, message) == ("说明", "内容太长（最多1000个字），已填写 1,000,000 个字")
    assert len(value) < 100  # the finding does not carry the text back
    assert everything(store) == before
    ledger.move(store, hid, "rectify", day=D, note="整" * 1000)  # as long as the model allows
    assert ledger.history(store, hid)["note"].iloc[-1] == "整" * 1000


@pytest.mark.engines
def test_a_million_character_note_on_a_tracing_task_is_refused_with_nothing_written(store):
    tasks = tracing_tasks(store)
    libo = Store(store.url, user="荔波办理员", county="522722")
    before = everything(store)
    with pytest.raises(ValidationFailed) as refused:
        tracing.complete(libo, tasks["seller"], D, HUGE)
    assert refusal(refused)[:2] == ("办理情况", "内容太长（最多2000个字），已填写 1,000,000 个字")
    with pytest.raises(ValidationFailed) as refused:
        tracing.pass_on(store, tasks["producer"], D, "外地", HUGE)
    assert refusal(refused)[0] == "办理情况"
    with pytest.raises(ValidationFailed) as refused:  # whom it is passed to is written in the note too
        tracing.pass_on(store, tasks["producer"], D, HUGE)
    assert refusal(refused)[:2] == ("转办给", "内容太长（最多100个字），已填写 1,000,000 个字")
    assert everything(store) == before


@pytest.mark.engines
def test_a_tracing_tasks_notes_together_stay_within_the_bound_of_its_model(store):
    tasks = tracing_tasks(store)
    passed = tracing.pass_on(store, tasks["producer"], D, "荔波县", "甲" * 1900)
    room = models.max_chars(models.TracingReport, "note") - len(passed["note"]) - len(f"；{D} 办结：")
    libo = Store(store.url, user="荔波办理员", county="522722")
    before = everything(store)
    with pytest.raises(ValidationFailed) as refused:
        tracing.complete(libo, tasks["producer"], D, "乙" * (room + 1))
    assert refusal(refused)[:2] == ("办理情况", f"办理情况累计最多2000个字，本次最多还能填写{room}个字")
    assert everything(store) == before
    done = tracing.complete(libo, tasks["producer"], D, "乙" * room)
    assert len(done["note"]) == 2000 and done["state"] == "done"


# -- the dashboards' forms --------------------------------------------------------------------------


def test_the_ledger_form_shows_the_bound_and_refuses_a_longer_note_beside_it_recording_nothing(store):
    hid = ordered_hazard(store)
    app = LedgerApp(store, D)
    app.open_hazard(hid)
    assert app.move_note.placeholder == "最多1000个字"
    before = everything(store)
    app.move.value = "rectify"
    app.move_note.value = HUGE
    app.move_btn.click()
    assert "最多1000个字" in app.move_fields["note"].error.value and "未保存" in app.status.value
    assert everything(store) == before
    assert list(ledger.history(store, hid)["move"]) == ["found", "order"]


def test_the_tracing_form_shows_the_bound_and_refuses_a_longer_note_beside_it_recording_nothing(store):
    tasks = tracing_tasks(store)
    libo = SpotCheckApp(Store(store.url, user="荔波办理员", county="522722"), D)
    prefecture = SpotCheckApp(store, D)
    assert libo.tracing.note.placeholder == "最多2000个字"
    before = everything(store)
    libo.tracing.pick.value = tasks["seller"]
    libo.tracing.note.value = HUGE
    libo.tracing.done_btn.click()
    assert "最多2000个字" in libo.tracing.note_field.error.value and "未保存" in libo.status.value
    prefecture.tracing.pick.value = tasks["producer"]
    prefecture.tracing.to.value = "522722"
    prefecture.tracing.note.value = HUGE
    prefecture.tracing.pass_btn.click()
    assert "最多2000个字" in prefecture.tracing.note_field.error.value
    assert everything(store) == before


def test_an_inspections_hazard_description_past_its_bound_is_refused_beside_its_items_not_cut_short(store):
    Situation(store).enterprise("522701", name="都匀市电动车厂", products=("15-01",))
    app = InspectionApp(store, D)
    app.picker.query.value = "电动车厂"
    app.picker.search_btn.click()
    p05 = [r for r in app.rows if r.item.problem == "P05"]
    for r in p05:
        r.result.value = False
    p05[0].description.value = "料" * 4000  # within its box's bound, but the hazard's text joins the items'
    before = everything(store)
    app.save_btn.click()
    assert all("最多4000个字" in r.field.error.value for r in p05) and "未保存" in app.status.value
    assert everything(store) == before


def test_every_text_box_of_a_models_form_shows_the_bound_its_model_declares(store):
    apps = [SelfCheckApp(store, D), InspectionApp(store, D), SpotCheckApp(store, D), LedgerApp(store, D)]
    spot = apps[2]
    parts = [*apps, spot.spot, spot.tracing, spot.signals, spot.cases, spot.help]  # the page's tabs
    forms = [f for part in parts for f in vars(part).values() if isinstance(f, ModelForm)]
    forms += list(spot.spot.parties.values())
    boxes = [
        (form.model, key, form.control(key))
        for form in forms
        for key, spec in form.specs.items()
        if spec.kind in ("text", "textarea")
    ]
    assert len(boxes) >= 10
    codes = set()
    for model, key, box in boxes:
        limit = models.max_chars(model, key)
        if limit is None:
            codes.add((model.__name__, key))
        else:
            assert box.placeholder.endswith(f"最多{limit}个字"), (model.__name__, key)
    assert codes == {("Party", "uscc")}  # a code, bounded by its check
    picker = apps[0].picker.form
    assert picker is not None
    for key in ("name", "address", "contact"):
        limit = models.max_chars(models.Enterprise, key)
        assert picker.fields[key].control.placeholder == f"最多{limit}个字"


# -- the imports ------------------------------------------------------------------------------------

MOVES = ["隐患编号", "整改环节", "日期", "备注"]


@pytest.mark.engines
def test_an_imported_ledger_move_with_a_note_past_its_bound_is_refused_on_its_cell(store, tmp_path):
    hid = ordered_hazard(store)
    before = contents(store, skip=("audit_log", "imports"))
    rows = [MOVES, [hid, "整改完成", "2024-08-01", "改" * 5000]]
    report = import_file(store, write_sheet(tmp_path / "整改.xlsx", rows), today=TODAY)
    ((finding),) = report.errors
    assert (finding.row, finding.field, report.rejected) == (2, "备注", 1)
    assert finding.message == "内容太长（最多1000个字），已填写 5,000 个字"
    assert contents(store, skip=("audit_log", "imports")) == before
    with store.read() as conn:  # only the import itself is audited
        a = schema.audit_log
        tables = conn.execute(sa.select(a.c.table_name).where(a.c.context.like("%导入%"))).scalars().all()
    assert set(tables) <= {"imports"}


# -- one declaration ---------------------------------------------------------------------------------

# The model field each text column of the store holds: what a person writes, bounded on the model.
WRITTEN: dict[str, tuple[type[models.Record], str]] = {
    "enterprises.name": (models.Enterprise, "name"),
    "enterprises.address": (models.Enterprise, "address"),
    "enterprises.contact": (models.Enterprise, "contact"),
    "self_checks.major_risk_description": (models.SelfCheck, "major_risk_description"),
    "self_checks.note": (models.SelfCheck, "note"),
    "risk_control_items.point_code": (models.RiskControlItem, "point_code"),
    "risk_control_items.risk_point": (models.RiskControlItem, "risk_point"),
    "risk_control_items.measure": (models.RiskControlItem, "measure"),
    "inspections.inspectors": (models.Inspection, "inspectors"),
    "inspections.note": (models.Inspection, "note"),
    "hazards.description": (models.Hazard, "description"),
    "hazard_events.note": (models.LedgerMove, "note"),
    "instruments.number": (models.Instrument, "number"),
    "instruments.note": (models.Instrument, "note"),
    "interviews.reason": (models.Interview, "reason"),
    "spot_checks.batch_no": (models.SpotCheck, "batch_no"),
    "spot_checks.producer_name": (models.Party, "name"),
    "spot_checks.producer_region": (models.Party, "region"),
    "spot_checks.seller_name": (models.Party, "name"),
    "spot_checks.seller_region": (models.Party, "region"),
    "spot_checks.note": (models.SpotCheck, "note"),
    "tracing_tasks.target_name": (models.Party, "name"),
    "tracing_tasks.target_region": (models.Party, "region"),
    "tracing_tasks.note": (models.TracingReport, "note"),
    "tracing_passes.recipient": (models.TracingReport, "recipient"),
    "tracing_passes.note": (models.TracingReport, "note"),
    "enforcement_cases.case_no": (models.EnforcementCase, "case_no"),
    "enforcement_cases.facts": (models.EnforcementCase, "facts"),
    "enforcement_cases.penalty": (models.EnforcementCase, "penalty"),
    "risk_signals.description": (models.RiskSignal, "description"),
    "help_records.note": (models.HelpRecord, "note"),
    "county_plans.document": (models.CountyPlan, "document"),
    "county_oversight.reason": (models.CountyOversight, "reason"),
    "county_plans.document_no": (models.CountyPlan, "document_no"),
    "county_plans.responsible": (models.CountyPlan, "responsible"),
    "interviews.finding": (models.Interview, "finding"),
    "interviews.attendees": (models.Interview, "attendees"),
    "interviews.commitments": (models.Interview, "commitments"),
    "interviews.notice_no": (models.Interview, "notice_no"),
    "county_oversight.number": (models.CountyOversight, "number"),
    "county_oversight.response": (models.OversightResponse, "response"),
    "enforcement_cases.publicity_ref": (models.EnforcementCase, "publicity_ref"),
    "enforcement_cases.not_listed_by": (models.EnforcementCase, "not_listed_by"),
    "enforcement_cases.not_listed_reason": (models.EnforcementCase, "not_listed_reason"),
    "enforcement_cases.not_revoked_by": (models.EnforcementCase, "not_revoked_by"),
    "enforcement_cases.not_revoked_reason": (models.EnforcementCase, "not_revoked_reason"),
    "local_reports.document_no": (models.LocalReport, "document_no"),
    "local_reports.summary": (models.LocalReport, "summary"),
    "written_reports.number": (models.WrittenReport, "number"),
    "written_reports.note": (models.WrittenReport, "note"),
}
# Codes a check of the model turns into one of a closed list, or a 统一社会信用代码 or licence number.
CHECKED_CODES = {
    "uscc", "producer_uscc", "seller_uscc", "target_uscc", "licence_no", "county_code", "sampled_by_county",
    "from_county", "to_county", "field", "grade", "kind", "state", "source", "channel", "result", "move",
    "from_state", "to_state", "outcome", "violation", "transferred_to", "verification", "role", "problem_code",
    "category_code", "sub_product_code", "trigger", "issuer_code", "registered_county",
}  # fmt: skip
# Written by the workbook itself (who, when, which record, a summary from a template), not by a person's text;
# accounts are checked by hazardlib.accounts, the imports' file name by the importer; the login state
# (hashes, stamps, failure keys cut to login_state.MAX_KEY) is written by hazardlib.login_state; a hazard's
# span state is copied by the ledger move from its latest event's checked to_state (hazardlib.figures); a
# package's file names are cut to their last part and refused when too long, its types and digests computed,
# by hazardlib.submissions.
SYSTEM = {
    "created_by", "updated_by", "actor", "acknowledged_by", "audit_log.action", "audit_log.table_name",
    "audit_log.context", "immediate_reports.record_table", "immediate_reports.summary", "imports.sha256",
    "imports.file_name", "store_meta.key", "store_meta.value", "figure_counts.figure", "accounts.name",
    "accounts.password_hash", "login_sessions.nonce_hash", "login_sessions.account_name", "login_sessions.stamp",
    "login_failures.kind", "login_failures.key", "server_secrets.name", "server_secrets.value",
    "login_bindings.token_hash", "login_bindings.kernel_id",
    "hazards.span_state",
    # A county plan's file is checked and named by hazardlib.plan_files (name cut to 200, type, SHA-256); the
    # oversight response's author is the session's user.
    "county_plans.file_name", "county_plans.file_type", "county_plans.file_sha256", "county_oversight.responded_by",
    "submissions.summary_name", "submissions.scan_name", "submissions.scan_type", "submissions.summary_sha256",
    "submissions.scan_sha256", "submitted_by", "reviewed_by",
}  # fmt: skip


def test_every_text_column_of_the_store_holds_a_model_field_with_its_bound_or_a_checked_code():
    unplaced = []
    for table in schema.metadata.sorted_tables:
        for column in table.c:
            if not isinstance(column.type, sa.String):
                continue
            name = f"{table.name}.{column.name}"
            if name in WRITTEN:
                model, key = WRITTEN[name]
                limit = models.max_chars(model, key)
                assert limit is not None, name
                assert column.type.length is None or limit <= column.type.length, name
            elif column.name not in CHECKED_CODES | SYSTEM and name not in SYSTEM:
                unplaced.append(name)
    assert unplaced == []


def test_the_intake_document_lists_every_bound_the_models_declare():
    text = (Path(__file__).resolve().parent.parent / "docs" / "intake.md").read_text(encoding="utf-8")
    table = text.split("### 文字的长度上限", 1)[1].split("\n\n")[2]
    listed = {tuple(c.strip() for c in line.strip("|").split("|"))[1:] for line in table.splitlines()[2:]}
    bounds = {(field, str(limit)) for field, limit in listed}
    for model, key in set(WRITTEN.values()) | {(models.TracingReport, "recipient")}:
        title, limit = model.model_fields[key].title or key, models.max_chars(model, key)
        assert any(f.split("（")[0] == title and n == str(limit) for f, n in bounds), title
