"""Saving validated records: one function per kind, each an idempotent upsert on the record's key.

Keys (documented in the README, used by intake so that importing a file twice changes nothing):

| kind | key |
|---|---|
| enterprise | 统一社会信用代码 |
| self-check | enterprise + campaign year (a re-submission updates it) |
| inspection | enterprise + inspection date + product |
| hazard | enterprise + found date + product + problem type |
| instrument | number (allocated on issue; see :mod:`hazardlib.instruments`) |
| interview | enterprise + date held (:mod:`hazardlib.interviews`) |
| spot check | batch number (抽样单编号) |
| enforcement case | case number (else enterprise + filed date + violation) |
| risk signal | county + received date + description |
| help | enterprise + kind + date |
| county plan | county + campaign year |
| county oversight | county + campaign year + kind + date |
| report to the local Party committee and government | county + report date + hazard/enterprise |
| written report (持续书面报送) | document number (文号) |

Document numbers (a plan's 文号, an oversight's 文号, a report's 文号, an interview's 约谈通知书 number) are
unique: a number another record holds is refused with a message naming the field, and nothing is written.

Every function takes an open :class:`~hazardlib.store.Tx`, so a caller decides what is atomic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import sqlalchemy as sa

from . import models, schema
from .campaign import has_campaign, load_campaign
from .errors import CampaignNotFound, Finding, NotFound, ValidationFailed
from .figures import key_enterprise, mend_counties, mend_key_enterprise
from .immediate import raise_for_case, raise_for_hazard
from .interviews import record_interview
from .ledger import HAZARD_KEY, append_event, key_holder, register_self_reported_risk
from .plan_files import PlanFile
from .regions import load_regions
from .store import Store, Tx, table_label
from .tracing import open_tracing_tasks

Outcome = Literal["inserted", "updated", "unchanged"]
_META = {"id", "created_at", "created_by", "updated_at", "updated_by", "version"}


def upsert(
    tx: Tx,
    table: sa.Table,
    key: Sequence[str],
    values: Mapping[str, Any],
    *,
    expected_version: int | None = None,
) -> tuple[int, Outcome]:
    """Insert ``values`` or update the record with the same ``key`` columns; says which happened."""
    where = [table.c[k].is_(None) if values.get(k) is None else table.c[k] == values[k] for k in key]
    found = tx.conn.execute(sa.select(table).where(*where)).mappings().first()
    if found is None:
        return tx.insert(table, values), "inserted"
    changes = {k: v for k, v in values.items() if k not in _META and found.get(k) != v}
    if not changes:
        return int(found["id"]), "unchanged"
    tx.update(table, int(found["id"]), changes, expected_version=expected_version)
    return int(found["id"]), "updated"


def enterprise_county(tx: Tx | Store, enterprise_id: int) -> str:
    """The county an enterprise is registered in (NotFound if it is not in the store)."""
    conn = tx.conn if isinstance(tx, Tx) else None
    store = tx.store if isinstance(tx, Tx) else tx
    if conn is None:
        with store.read() as c:
            code = c.execute(
                sa.select(schema.enterprises.c.county_code).where(schema.enterprises.c.id == enterprise_id)
            ).scalar()
    else:
        code = conn.execute(
            sa.select(schema.enterprises.c.county_code).where(schema.enterprises.c.id == enterprise_id)
        ).scalar()
    if code is None:
        raise NotFound("企业", enterprise_id)
    return str(code)


def enterprise_id_by_uscc(conn: sa.Connection, uscc: str) -> int | None:
    """The id of the enterprise with this 统一社会信用代码, or None."""
    return conn.execute(sa.select(schema.enterprises.c.id).where(schema.enterprises.c.uscc == uscc)).scalar()


USCC_ELSEWHERE = "已在其他县（市）登记，请联系州局"


def uscc_elsewhere(conn: sa.Connection, store: Store, uscc: str) -> bool:
    """Whether, for a county session, the 统一社会信用代码 is held by an enterprise of another county (never for
    the prefecture). The county learns only that (:func:`held_elsewhere`), not whose it is."""
    if store.county is None:
        return False
    e = schema.enterprises
    held = conn.execute(sa.select(e.c.county_code).where(e.c.uscc == uscc)).scalar()
    return held is not None and held != store.county


def held_elsewhere(uscc: str) -> Finding:
    """The finding a county gets for a 统一社会信用代码 another county holds: that, and nothing of the other's."""
    title = models.Enterprise.model_fields["uscc"].title
    return Finding("uscc_elsewhere", USCC_ELSEWHERE, field=title, value=uscc)


def save_enterprise(
    tx: Tx, e: models.Enterprise, *, expected_version: int | None = None
) -> tuple[int, Outcome]:
    """Register an enterprise or update it, keyed by its 统一社会信用代码.

    A county session may not register (or touch) a code another county holds: ValidationFailed with
    :func:`held_elsewhere`, which names neither the other county nor its enterprise. An enterprise moved
    to another county takes its records' counted county with it in the same transaction
    (:func:`hazardlib.figures.mend_counties`), and its self-checks whether it is a key enterprise when its
    products change (:func:`hazardlib.figures.mend_key_enterprise`).
    """
    if uscc_elsewhere(tx.conn, tx.store, e.uscc):
        raise ValidationFailed([held_elsewhere(e.uscc)])
    eid, outcome = upsert(tx, schema.enterprises, ("uscc",), e.row(), expected_version=expected_version)
    if outcome == "updated":
        mend_counties(tx.conn, [eid])
        mend_key_enterprise(tx.conn, [eid])
    return eid, outcome


def _owned(tx: Tx, row: dict[str, Any]) -> dict[str, Any]:
    row["county_code"] = row["registered_county"] = enterprise_county(tx, row["enterprise_id"])
    if row.get("sub_product_code") and (
        why := models.other_county_product([row["sub_product_code"]], row["county_code"])
    ):
        raise ValidationFailed([Finding("county_product", why, field="产品", value=row["sub_product_code"])])
    return row


def save_self_check(tx: Tx, s: models.SelfCheck) -> tuple[int, Outcome]:
    """Record an enterprise's self-check for a campaign year; a re-submission replaces it and its list.
    The self-check carries whether its enterprise is a key enterprise (:func:`hazardlib.figures.key_enterprise`,
    kept with the enterprise's products by :func:`save_enterprise`)."""
    row = _owned(tx, s.row())
    e = schema.enterprises
    keyed = tx.conn.execute(sa.select(key_enterprise(e)).where(e.c.id == row["enterprise_id"])).scalar()
    row["key_enterprise"] = bool(keyed)
    sid, outcome = upsert(tx, schema.self_checks, ("enterprise_id", "campaign_year"), row)
    t = schema.risk_control_items
    old = [
        {k: r[k] for k in ("point_code", "risk_point", "measure", "measures_in_place", "grade")}
        for r in tx.conn.execute(sa.select(t).where(t.c.self_check_id == sid).order_by(t.c.id)).mappings()
    ]
    new = [i.model_dump() for i in s.items]
    if old != new:
        for rid in tx.conn.execute(sa.select(t.c.id).where(t.c.self_check_id == sid)).scalars().all():
            tx.delete(t, rid)
        for item in new:
            tx.insert(t, {**item, "self_check_id": sid})
        if outcome == "unchanged":
            outcome = "updated"
    register_self_reported_risk(tx, sid)  # a reported major risk goes on the ledger
    return sid, outcome


def save_inspection(tx: Tx, i: models.Inspection) -> tuple[int, Outcome]:
    """Record an on-site inspection, keyed by enterprise, date and product."""
    row = _owned(tx, i.row())
    return upsert(tx, schema.inspections, ("enterprise_id", "inspection_date", "sub_product_code"), row)


def hazard_key_duplicates(conn: sa.Connection) -> list[str]:
    """Problems, in Chinese, for every hazard key held by more than one ledger record (``hazard verify``):
    such records inflate every figure. Empty when the ledger respects the key."""
    t = schema.hazards
    stmt = (
        sa.select(
            *(t.c[k] for k in HAZARD_KEY), sa.func.count().label("n"), sa.func.min(t.c.id).label("first")
        )
        .group_by(*(t.c[k] for k in HAZARD_KEY))
        .having(sa.func.count() > 1)
        .order_by(sa.func.min(t.c.id))
    )
    return [
        f"隐患键重复：企业 {r.enterprise_id}、发现日期 {r.found_date}、产品 {r.sub_product_code}、"
        f"问题类型 {r.problem_code} 有 {r.n} 条整改台账记录（最早的编号 {r.first}）"
        for r in conn.execute(stmt)
    ]


def save_hazard(tx: Tx, h: models.Hazard) -> tuple[int, Outcome]:
    """Put a hazard or risk on the ledger (state 'found', or 'ordered' when an order and deadline are given)."""
    row = _owned(tx, h.row())
    t = schema.hazards
    if key_holder(tx.conn, row) is None:
        row["state"] = "ordered" if row.get("deadline") else "found"
        if row["state"] == "ordered" and row.get("ordered_date") is None:
            row["ordered_date"] = row["found_date"]
        hid = tx.insert(t, row)
        append_event(tx, hid, "found", row["found_date"], None, "found")
        if row["state"] == "ordered":
            append_event(tx, hid, "order", row["ordered_date"], "found", "ordered", deadline=row["deadline"])
        raise_for_hazard(tx, hid)
        return hid, "inserted"
    # The state and its dates move only through the ledger; an import may correct the description.
    for k in ("ordered_date", "deadline"):
        row.pop(k, None)
    hid, outcome = upsert(tx, t, HAZARD_KEY, row)
    raise_for_hazard(tx, hid)  # a finding re-graded as major is reported too (once)
    return hid, outcome


def save_interview(tx: Tx, i: models.Interview) -> tuple[int, Outcome]:
    """Record an interview (约谈) held with an enterprise (:func:`hazardlib.interviews.record_interview`)."""
    return record_interview(tx, i)


def save_spot_check(tx: Tx, s: models.SpotCheck, *, trace: bool = False) -> tuple[int, Outcome]:
    """Record a spot-check batch, keyed by its batch number.

    It belongs to the county of the sampled enterprise where that is in the store, else to the sampling
    county. With ``trace`` (the form and the import), an unqualified batch that names its producer or
    seller gets its two-way tracing tasks (:func:`hazardlib.tracing.open_tracing_tasks`, dated the
    sample date) in the same transaction: the batch is never stored without them. A batch of a year
    without a campaign, or one naming no party, is stored as it is; the rule ``two_way_tracing`` still
    lists any unqualified batch without tasks.
    """
    row = s.row()
    owner = row.get("enterprise_id") or row.get("seller_id") or row.get("producer_id")
    row["registered_county"] = enterprise_county(tx, owner) if owner else None
    row["county_code"] = row["registered_county"] or row["sampled_by_county"]
    sid, outcome = upsert(tx, schema.spot_checks, ("batch_no",), row)
    named = any(row.get(f"{role}_{k}") for role in ("producer", "seller") for k in ("id", "name", "uscc"))
    if trace and s.result == "unqualified" and named and has_campaign(s.sample_date):
        open_tracing_tasks(tx, sid, s.sample_date)
    return sid, outcome


def case_key(row: Mapping[str, Any]) -> tuple[str, ...]:
    """The columns that name an enforcement case: its number, or without one its enterprise, filing date and
    violation."""
    return ("case_no",) if row.get("case_no") else ("enterprise_id", "filed_date", "violation")


def save_enforcement_case(tx: Tx, c: models.EnforcementCase) -> tuple[int, Outcome]:
    """Record an enforcement case and what followed (transfer, listing, revocation, publicity)."""
    row = _owned(tx, c.row())
    cid, outcome = upsert(tx, schema.enforcement_cases, case_key(row), row)
    raise_for_case(tx, cid)  # 重大案件第一时间报告
    return cid, outcome


def save_risk_signal(tx: Tx, s: models.RiskSignal) -> tuple[int, Outcome]:
    """Record a risk signal received from monitoring."""
    row = s.row()
    e = schema.enterprises
    row["registered_county"] = tx.conn.execute(
        sa.select(e.c.county_code).where(e.c.id == row.get("enterprise_id"))
    ).scalar()
    return upsert(tx, schema.risk_signals, ("county_code", "received_date", "description"), row)


SIGNAL_KEYS = (
    "county_code", "campaign_year", "received_date", "source", "description", "enterprise_id", "sub_product_code",
)  # fmt: skip


def verify_signal(tx: Tx, signal_id: int, outcome: str, day: dt.date, *, today: dt.date) -> Outcome:
    """Record the verification of risk signal ``signal_id`` (confirmed or dismissed, on ``day``) in the
    caller's transaction; returns the outcome of the save.

    The signal is read in the same transaction and goes through :class:`hazardlib.models.RiskSignal`
    again, so the date rules of every record apply; a day before the signal was received is refused
    (ValidationFailed naming 核查日期). NotFound for a signal the session cannot see (another county's).
    """
    row = tx.store.get(schema.risk_signals, signal_id, tx.conn)
    if day < row["received_date"]:
        message = f"核查日期 {day} 早于收到日期 {row['received_date']}"
        raise ValidationFailed([Finding("date_order", message, field="核查日期", value=day)])
    data = {k: row[k] for k in SIGNAL_KEYS if row[k] is not None}
    record = models.validate(
        models.RiskSignal, {**data, "verification": outcome, "verified_date": day}, today=today
    )
    return save_risk_signal(tx, record)[1]


HELP_KEY = ("enterprise_id", "kind", "help_date")
"""The columns that name a help record."""


def save_help(tx: Tx, h: models.HelpRecord) -> tuple[int, Outcome]:
    """Record help given to an enterprise."""
    return upsert(tx, schema.help_records, HELP_KEY, _owned(tx, h.row()))


def number_taken(
    tx: Tx,
    table: sa.Table,
    column: str,
    value: str | None,
    key: Mapping[str, Any],
    model: type[models.Record],
) -> None:
    """Refuse (ValidationFailed naming the field) a document number that a record of ``table`` other than the
    one with ``key`` already holds."""
    if not value:
        return
    mine = sa.and_(*[table.c[k] == v for k, v in key.items()])
    taken = tx.conn.execute(sa.select(table.c.id).where(table.c[column] == value, sa.not_(mine))).scalar()
    if taken is not None:
        title = model.model_fields[column].title or column
        message = f"{title}“{value}”已被另一条{table_label(table)}使用，请核对"
        raise ValidationFailed([Finding("number_taken", message, field=title, value=value)])


def save_county_plan(tx: Tx, p: models.CountyPlan, file: PlanFile | None = None) -> tuple[int, Outcome]:
    """Record a county's own work plan for the campaign year, with its file (checked beforehand by
    :func:`hazardlib.plan_files.check_plan_file`); without ``file`` a stored file is kept. A 文号 another
    plan holds is refused."""
    key = {"county_code": p.county_code, "campaign_year": p.campaign_year}
    number_taken(tx, schema.county_plans, "document_no", p.document_no, key, models.CountyPlan)
    row = {k: v for k, v in p.row().items() if v is not None or k in ("adopted_date",)}
    if file is not None:
        row.update(file.row())
    return upsert(tx, schema.county_plans, ("county_code", "campaign_year"), row)


PREFECTURE_ONLY = "州局对县（市）的约谈、通报、挂牌督办只能由州局账号登记，县（市）账号可登记书面回复"


def save_oversight(tx: Tx, o: models.CountyOversight) -> tuple[int, Outcome]:
    """Record the prefecture's oversight of a county (约谈、通报、挂牌督办): a prefecture session only (a county
    session is refused, ValidationFailed naming 督导方式); a 文号 another action holds is refused."""
    if not tx.store.is_prefecture:
        title = models.CountyOversight.model_fields["kind"].title
        raise ValidationFailed([Finding("prefecture_only", PREFECTURE_ONLY, field=title)])
    key = ("county_code", "campaign_year", "kind", "action_date")
    row = o.row()
    number_taken(
        tx, schema.county_oversight, "number", o.number, {k: row[k] for k in key}, models.CountyOversight
    )
    return upsert(tx, schema.county_oversight, key, row)


def respond_to_oversight(tx: Tx, oversight_id: int, r: models.OversightResponse) -> dict[str, Any]:
    """Record the county's written response to an oversight action (its own county's: NotFound for another's);
    a reply dated before the action is refused (ValidationFailed naming 回复日期). Returns the action after."""
    row = tx.store.get(schema.county_oversight, oversight_id, tx.conn)
    if r.response_date < row["action_date"]:
        message = f"回复日期 {r.response_date} 早于督导日期 {row['action_date']}"
        raise ValidationFailed([Finding("date_order", message, field="回复日期", value=r.response_date)])
    changes = {"response": r.response, "response_date": r.response_date, "responded_by": tx.store.user}
    return tx.update(schema.county_oversight, oversight_id, changes)


def save_local_report(tx: Tx, r: models.LocalReport) -> tuple[int, Outcome]:
    """Record a report to the local Party committee and government on a hard problem (plan 四(一)), on the
    hazard or enterprise it concerns (the hazard's enterprise when only the hazard is named; its county must
    be the report's). A 文号 another report holds is refused."""
    row = r.row()
    if row.get("hazard_id") is not None:
        hazard = tx.store.get(schema.hazards, row["hazard_id"], tx.conn)
        if row.get("enterprise_id") not in (None, hazard["enterprise_id"]):
            title = models.LocalReport.model_fields["hazard_id"].title
            raise ValidationFailed(
                [Finding("hazard", "该隐患不是所填企业的隐患", field=title, value=row["hazard_id"])]
            )
        row["enterprise_id"] = hazard["enterprise_id"]
    if (
        row.get("enterprise_id") is not None
        and enterprise_county(tx, row["enterprise_id"]) != row["county_code"]
    ):
        title = models.LocalReport.model_fields["enterprise_id"].title
        raise ValidationFailed([Finding("county", "该企业不属于报告的县（市）", field=title)])
    key = ("county_code", "report_date", "hazard_id", "enterprise_id")
    number_taken(
        tx, schema.local_reports, "document_no", r.document_no, {k: row[k] for k in key}, models.LocalReport
    )
    return upsert(tx, schema.local_reports, key, row)


WRITTEN_REPORT_MESSAGES = {
    "number_used": "文号“{number}”已被 {day} 的书面报送使用，请核对文号",
    "before_finish": "报送日期 {day} 不在{year}年度行动结束（{finish}）之后：持续书面报送是对10月底前未完成整改的隐患在"
    "行动结束后的报送",
    "last_year": "；报送上一年度行动未完成整改的隐患时，行动年度填写 {year}",
    "no_campaign": "没有{year}年度的行动日历，无法核对报送日期",
    "hazard_unknown": "整改台账中没有隐患编号 {ids}",
    "hazard_other": "隐患编号 {ids} 不是{county}的隐患",
}


def save_written_report(tx: Tx, r: models.WrittenReport) -> tuple[int, Outcome]:
    """Record a continuing written report (持续书面报送) of a county, keyed by its 文号.

    Plan 四(三): 对10月底前未完成隐患问题整改的要持续书面报送整改完成情况 — so a report is dated after its campaign
    year's finish (the campaign file's ``finish``). The hazards it covers must be on the ledger and the county's. A
    文号 another county already used, or one of this county used for a report of another date, is refused. Each
    refusal is a ValidationFailed naming the field, and nothing is written.
    """
    row = r.row()
    t, h = schema.written_reports, schema.hazards
    fields = models.WrittenReport.model_fields

    def refuse(code: str, message: str, key: str, value: Any) -> ValidationFailed:
        return ValidationFailed([Finding(code, message, field=fields[key].title, value=value)])

    stored = tx.conn.execute(sa.select(t).where(t.c.number == row["number"])).mappings().first()
    if stored is not None and (stored["county_code"], stored["report_date"]) != (
        row["county_code"],
        row["report_date"],
    ):
        message = WRITTEN_REPORT_MESSAGES["number_used"].format(
            number=row["number"], day=stored["report_date"]
        )
        raise refuse("number_used", message, "number", row["number"])
    year, day = row["campaign_year"], row["report_date"]
    try:
        finish = load_campaign(year).finish
    except CampaignNotFound:
        raise refuse("no_campaign", WRITTEN_REPORT_MESSAGES["no_campaign"].format(year=year), "campaign_year",
                     year) from None  # fmt: skip
    if day <= finish:
        message = WRITTEN_REPORT_MESSAGES["before_finish"].format(day=day, year=year, finish=finish)
        if day.year == year and has_campaign(dt.date(year - 1, 12, 31)):
            message += WRITTEN_REPORT_MESSAGES["last_year"].format(year=year - 1)
        raise refuse("before_finish", message, "report_date", day)
    owners = dict(
        tx.conn.execute(sa.select(h.c.id, h.c.county_code).where(h.c.id.in_(row["hazard_ids"]))).all()
    )
    unknown = [i for i in row["hazard_ids"] if i not in owners]
    if unknown:
        message = WRITTEN_REPORT_MESSAGES["hazard_unknown"].format(ids="、".join(map(str, unknown)))
        raise refuse("hazard_unknown", message, "hazard_ids", unknown[0])
    others = [i for i in row["hazard_ids"] if owners[i] != row["county_code"]]
    if others:
        county = load_regions().name_of(row["county_code"])
        message = WRITTEN_REPORT_MESSAGES["hazard_other"].format(
            ids="、".join(map(str, others)), county=county
        )
        raise refuse("hazard_other", message, "hazard_ids", others[0])
    return upsert(tx, t, ("number",), row)
