"""Interviews (约谈) with enterprises: the one write of an interview, whoever records it — the interviews
template, the ledger's 升级处置 → 约谈 on a hazard (:func:`hazardlib.ledger.apply_move`), the demo — so that the
``interviews`` table is the one source of every count of interviewed enterprises (the results list's 约谈企业,
the rules' :func:`hazardlib.rules.common.interviewed_since`).

An interview is keyed by enterprise and date held. Its 约谈通知书 number names an instrument of 三书一函
(:mod:`hazardlib.instruments`, the ``instruments`` table): the notice that summoned the enterprise, issued to it
before the interview is held — issued on the inspection page or imported with the ``instruments`` template, and
offered by the ledger's interview form (:func:`notices_open`). The notice comes first because it is what calls
the enterprise to the interview; the number is optional (an interview called without a written notice).

An interview is refused, with a Chinese message naming the field and nothing written, for an enterprise of
another county than the session's, a hazard that is not the enterprise's, a spot check that does not concern
it, a 约谈通知书 number that is no interview notice of this enterprise (unknown, another kind of document,
another enterprise's, issued after the interview), or one another interview already holds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import sqlalchemy as sa

from . import models, schema, vocab
from .errors import Finding, NotFound, ValidationFailed
from .store import Store, Tx

Outcome = Literal["inserted", "updated", "unchanged"]
IV, ENT, H, S, T = (
    schema.interviews,
    schema.enterprises,
    schema.hazards,
    schema.spot_checks,
    schema.instruments,
)
_META = {"id", "created_at", "created_by", "updated_at", "updated_by", "version"}

MESSAGES = {
    "other_county": "该企业不属于本县（市），不能登记约谈",
    "hazard": "隐患 {value} 不是该企业的隐患",
    "spot_check": "抽查批次 {value} 与该企业无关（不是其受检、生产或销售的批次）",
    "notice_taken": "约谈通知书编号“{value}”已被 {day} 对{enterprise}的约谈使用",
    "notice_unknown": "没有编号为“{value}”的约谈通知书：请先在“三书一函”中登记签发给该企业的约谈通知书，或核对编号",
    "notice_kind": "文书“{value}”是{kind}，不是约谈通知书",
    "notice_other": "约谈通知书“{value}”不是签发给该企业的",
    "notice_late": "约谈通知书“{value}”的签发日期 {issued} 晚于约谈日期 {held}",
}
INTERVIEW_NOTICE = "interview_notice"


def title(key: str) -> str:
    """The Chinese title of an interview field (for a finding)."""
    return models.Interview.model_fields[key].title or key


def record_interview(tx: Tx, i: models.Interview) -> tuple[int, Outcome]:
    """Record (or update) an interview in the caller's transaction; says whether it was inserted, updated or
    unchanged. ValidationFailed as the module says; NotFound for an enterprise not in the store."""
    county = tx.conn.execute(sa.select(ENT.c.county_code).where(ENT.c.id == i.enterprise_id)).scalar()
    if county is None:
        raise NotFound("企业", i.enterprise_id)
    findings: list[Finding] = []
    if tx.store.county is not None and county != tx.store.county:
        findings.append(Finding("other_county", MESSAGES["other_county"], field=title("enterprise_id")))
    if i.hazard_id is not None:
        owner = tx.conn.execute(sa.select(H.c.enterprise_id).where(H.c.id == i.hazard_id)).scalar()
        if owner != i.enterprise_id:
            message = MESSAGES["hazard"].format(value=i.hazard_id)
            findings.append(Finding("hazard", message, field=title("hazard_id"), value=i.hazard_id))
    for sid in i.spot_check_ids:
        concerned = tx.conn.execute(
            sa.select(S.c.id).where(
                S.c.id == sid,
                sa.or_(
                    S.c.enterprise_id == i.enterprise_id,
                    S.c.seller_id == i.enterprise_id,
                    S.c.producer_id == i.enterprise_id,
                ),
            )
        ).scalar()
        if concerned is None:
            message = MESSAGES["spot_check"].format(value=sid)
            findings.append(Finding("spot_check", message, field=title("spot_check_ids"), value=sid))
    if i.notice_no:
        findings += _notice_findings(tx, i, county)
        other = (
            tx.conn.execute(
                sa.select(IV.c.held_date, ENT.c.name)
                .select_from(IV.join(ENT, ENT.c.id == IV.c.enterprise_id))
                .where(
                    IV.c.notice_no == i.notice_no,
                    sa.or_(IV.c.enterprise_id != i.enterprise_id, IV.c.held_date != i.held_date),
                )
            )
            .mappings()
            .first()
        )
        if other is not None:
            message = MESSAGES["notice_taken"].format(
                value=i.notice_no, day=other["held_date"], enterprise=other["name"]
            )
            findings.append(Finding("number_taken", message, field=title("notice_no"), value=i.notice_no))
    if findings:
        raise ValidationFailed(findings)
    row: dict[str, Any] = {**i.model_dump(), "county_code": county, "registered_county": county}
    row["spot_check_ids"] = row["spot_check_ids"] or None
    found = (
        tx.conn.execute(
            sa.select(IV).where(IV.c.enterprise_id == i.enterprise_id, IV.c.held_date == i.held_date)
        )
        .mappings()
        .first()
    )
    if found is None:
        return tx.insert(IV, row), "inserted"
    # What the new record leaves blank keeps what was stored (an interview recorded from the ledger and its
    # details imported later are one interview).
    changes = {k: v for k, v in row.items() if k not in _META and v is not None and found.get(k) != v}
    if not changes:
        return int(found["id"]), "unchanged"
    tx.update(IV, int(found["id"]), changes)
    return int(found["id"]), "updated"


def _notice_findings(tx: Tx, i: models.Interview, county: str) -> list[Finding]:
    """What is wrong with the interview's 约谈通知书 number: it must be an interview notice issued to the
    enterprise on or before the day held (another county's document is reported as unknown)."""
    notice = tx.conn.execute(sa.select(T).where(T.c.number == i.notice_no)).mappings().first()
    field = title("notice_no")
    if notice is None or (tx.store.county is not None and notice["county_code"] != tx.store.county):
        message = MESSAGES["notice_unknown"].format(value=i.notice_no)
        return [Finding("notice_unknown", message, field=field, value=i.notice_no)]
    if notice["kind"] != INTERVIEW_NOTICE:
        message = MESSAGES["notice_kind"].format(
            value=i.notice_no, kind=vocab.INSTRUMENT_KIND.label(notice["kind"])
        )
        return [Finding("notice_kind", message, field=field, value=i.notice_no)]
    if notice["enterprise_id"] != i.enterprise_id:
        message = MESSAGES["notice_other"].format(value=i.notice_no)
        return [Finding("notice_other", message, field=field, value=i.notice_no)]
    if notice["issue_date"] > i.held_date:
        message = MESSAGES["notice_late"].format(
            value=i.notice_no, issued=notice["issue_date"], held=i.held_date
        )
        return [Finding("notice_late", message, field=field, value=i.notice_no)]
    return []


def notices_open(store: Store, enterprise_id: int, as_of: dt.date) -> list[tuple[str, dt.date]]:
    """The interview notices (约谈通知书) issued to an enterprise by ``as_of`` that no interview holds yet, oldest
    first: (number, issue date) — what an interview recorded now may name."""
    held = sa.select(IV.c.notice_no).where(IV.c.notice_no.is_not(None))
    stmt = (
        sa.select(T.c.number, T.c.issue_date)
        .where(
            T.c.enterprise_id == enterprise_id,
            T.c.kind == INTERVIEW_NOTICE,
            T.c.issue_date <= as_of,
            T.c.number.not_in(held),
        )
        .order_by(T.c.issue_date, T.c.id)
    )
    with store.read() as conn:
        return [(str(n), d) for n, d in conn.execute(store.scoped(stmt, T)).all()]
