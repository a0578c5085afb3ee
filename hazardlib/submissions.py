"""The reporting cycle (四、(三) 报送工作要求): each county's package for a deadline of the campaign calendar.

A *package* is one county's submission for one deadline (8月20日, 10月20日, and each written report on the
hazards not yet rectified after October — the calendar's ``[[deadlines]]``): the results-list figures frozen
when it was submitted, the summary (docx: the workbook's draft or the county's edited version), the typical
cases it chose, the scan of the stamped cover page, who submitted it and when. Its states::

    草稿 draft ──submit──► 已报送 submitted ──approve──► 已审核通过 approved
       ▲                     │  │
       └─────withdraw────────┘  └──return (comments per item)──► 已退回 returned ──submit──► 已报送 (next version)

A returned version keeps its row (figures, files, comments); the county's next submission is a new version
beside it. Only the county's own sessions save, submit and withdraw; only the prefecture returns and
approves. Every move is one :meth:`Store.transaction` (so audited); a review names the row version it saw
(``expected_version``) and is refused, naming who acted first, when someone else reviewed it since.

This module keeps the states and the checks. It does not compute figures or draft documents (the layers
above do: :mod:`hazardlib.exports.package`); it stores what it is given, once the checks pass.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from . import schema
from .campaign import Campaign, ReportDeadline, campaign_at
from .errors import CampaignNotFound, HazardError, StaleRecord
from .holidays import is_working_day
from .regions import load_regions
from .store import Store, Tx

T = schema.submissions

STATES = {"draft": "草稿", "submitted": "已报送", "returned": "已退回", "approved": "已审核通过"}
ITEMS = {
    "results_list": "行动成果清单",
    "summary": "工作总结",
    "typical_cases": "典型案例",
    "scan": "盖章扫描件",
}
"""The parts of a package a return comment may name (the keys of ``review_comments``)."""

# Content types of the stamped scan by their first bytes (the file's name and the browser's word are not trusted).
SCAN_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
)
DOCX_SIGNATURE = b"PK\x03\x04"
DEFAULT_SCAN_MEGABYTES = 10
SUMMARY_MAX_BYTES = 20 * 1024 * 1024
CONTEXT = "报送与审核"

# Columns read for lists and states (never the files' bytes).
LIST_COLUMNS = [c for c in T.c if c.name not in ("summary_docx", "scan")]

MESSAGES = {
    "no_deadline": "{day} 不是{year}年行动日历中的报送期限（可选：{choices}）",
    "no_campaign": "{day} 所在年度没有行动日历，不能报送",
    "prefecture_submits": "报送由县（市）局账号办理，州局账号不能代县（市）{county}报送、保存或撤回",
    "other_county": "本账号属于{own}，不能为{county}报送、保存或撤回材料",
    "county_reviews": "只有州局账号可以审核（退回或通过）报送材料；本账号属于{own}",
    "submitted": "{county}{deadline}的材料（第{edition}版）已于 {at} 由 {by} 报送，等待州局审核，不能修改；如需修改请先撤回",
    "approved": "{county}{deadline}的材料（第{edition}版）已于 {at} 由 {by} 审核通过，不能再修改或报送",
    "nothing": "{county}还没有{deadline}的报送材料",
    "not_submitted": "{county}{deadline}的材料当前为“{state}”，只有已报送、待审核的材料可以{what}",
    "reviewed_first": "{county}{deadline}的材料（第{edition}版）已于 {at} 由 {by} {done}，本次操作未执行",
    "withdraw_reviewed": "{county}{deadline}的材料已于 {at} 由 {by} {done}，不能撤回",
    "no_comment": "退回须至少填写一项意见（可填写：{choices}）",
    "bad_item": "退回意见的事项“{item}”无效，应为：{choices}",
    "no_scan": "请上传加盖公章的封面扫描件（PDF、PNG 或 JPEG）",
    "scan_type": "盖章扫描件“{name}”不是 PDF、PNG 或 JPEG 文件（按文件内容判断，不看扩展名）",
    "scan_size": "盖章扫描件“{name}”有 {size:.1f} MB，超过上限 {limit} MB，请降低扫描分辨率后重新上传",
    "scan_empty": "盖章扫描件“{name}”是空文件",
    "summary_type": "工作总结“{name}”不是 Word（.docx）文件（按文件内容判断）",
    "summary_size": "工作总结“{name}”超过 {limit} MB",
    "no_figures": "报送材料缺少行动成果清单数据",
    "long_name": "文件名“{name}…”超过 {limit} 个字，请改短后重新上传",
}


class SubmissionError(HazardError):
    """A package cannot be saved, submitted, withdrawn or reviewed as asked; nothing was written."""


class AlreadyReviewed(SubmissionError):
    """Someone reviewed (or withdrew) the package first: ``by`` and ``at`` say who and when."""

    def __init__(self, message: str, by: str | None, at: Any):
        self.by, self.at = by, at
        super().__init__(message)


@dataclass(frozen=True)
class Upload:
    """A file as the county gave it: its name and bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class Package:
    """What a submission freezes, as the layer above assembled it: the county's results-list figures at
    ``as_of`` (key → value), the typical cases chosen (rows as JSON-ready dicts), the summary (``drafted``:
    the workbook's own draft rather than an upload) and the stamped scan."""

    figures: Mapping[str, Any]
    as_of: dt.date
    cases: Sequence[Mapping[str, Any]]
    summary: Upload
    summary_drafted: bool
    scan: Upload


# -- the calendar ---------------------------------------------------------------------------------
def deadline_of(day: dt.date) -> ReportDeadline:
    """The calendar's deadline on ``day``; SubmissionError (Chinese) for a day that is not one."""
    try:
        campaign = campaign_at(day)
    except CampaignNotFound:
        raise SubmissionError(MESSAGES["no_campaign"].format(day=day)) from None
    found = next((d for d in campaign.deadlines if d.day == day), None)
    if found is None:
        choices = "、".join(d.day.isoformat() for d in campaign.deadlines)
        raise SubmissionError(MESSAGES["no_deadline"].format(day=day, year=campaign.year, choices=choices))
    return found


def next_deadline(day: dt.date) -> ReportDeadline | None:
    """The first deadline of ``day``'s campaign on or after ``day`` (None after the last, or without a calendar)."""
    try:
        return next((d for d in campaign_at(day).deadlines if d.day >= day), None)
    except CampaignNotFound:
        return None


def working_days_late(deadline: dt.date, day: dt.date) -> int:
    """How many working days after ``deadline`` ``day`` is (0 on or before it): the working days in
    (deadline, day], by the official holiday calendar."""
    late, cursor = 0, deadline
    while cursor < day:
        cursor += dt.timedelta(days=1)
        late += is_working_day(cursor)
    return late


def scan_limit(campaign: Campaign) -> int:
    """The scan's size limit in megabytes: the campaign parameter ``scan_max_megabytes`` (default 10)."""
    return int(campaign.parameters.get("scan_max_megabytes", DEFAULT_SCAN_MEGABYTES))


def deadline_label(day: dt.date) -> str:
    """For example “8月20日报送”."""
    return f"{day.month}月{day.day}日报送"


# -- checks ---------------------------------------------------------------------------------------
def scan_type(upload: Upload, limit_mb: int = DEFAULT_SCAN_MEGABYTES) -> str:
    """The scan's type (pdf, png, jpeg) by its first bytes; SubmissionError for an empty, oversized or other file."""
    if not upload.content:
        raise SubmissionError(MESSAGES["scan_empty"].format(name=upload.name))
    if len(upload.content) > limit_mb * 1024 * 1024:
        size = len(upload.content) / 1024 / 1024
        raise SubmissionError(MESSAGES["scan_size"].format(name=upload.name, size=size, limit=limit_mb))
    kind = next((k for magic, k in SCAN_SIGNATURES if upload.content.startswith(magic)), None)
    if kind is None:
        raise SubmissionError(MESSAGES["scan_type"].format(name=upload.name))
    return kind


def check_summary(upload: Upload) -> None:
    """A summary must be a docx (a zip package) of at most 20 MB."""
    if not upload.content.startswith(DOCX_SIGNATURE):
        raise SubmissionError(MESSAGES["summary_type"].format(name=upload.name))
    if len(upload.content) > SUMMARY_MAX_BYTES:
        raise SubmissionError(
            MESSAGES["summary_size"].format(name=upload.name, limit=SUMMARY_MAX_BYTES >> 20)
        )


NAME_LIMIT = 200  # the columns summary_name and scan_name


def file_name(upload: Upload, fallback: str) -> str:
    """The file's own name as kept: its last path part (a browser or a script may send a path), or
    ``fallback``; SubmissionError when longer than the column holds."""
    name = upload.name.replace("\\", "/").rsplit("/", 1)[-1].strip() or fallback
    if len(name) > NAME_LIMIT:
        raise SubmissionError(MESSAGES["long_name"].format(name=name[:20], limit=NAME_LIMIT))
    return name


def _county_name(code: str) -> str:
    return load_regions().name_of(code)


def _md(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def own_county(store: Store, county: str) -> None:
    """Only the county's own session acts for it (the domain's check, whatever the page or command sent)."""
    load_regions().county(county)  # UnknownCounty for a code that is not one of ours
    if store.county is None:
        raise SubmissionError(MESSAGES["prefecture_submits"].format(county=_county_name(county)))
    if store.county != county:
        raise SubmissionError(
            MESSAGES["other_county"].format(own=_county_name(store.county), county=_county_name(county))
        )


def _prefecture(store: Store) -> None:
    if store.county is not None:
        raise SubmissionError(MESSAGES["county_reviews"].format(own=_county_name(store.county)))


def _latest(conn: sa.Connection, county: str, deadline: dt.date) -> dict[str, Any] | None:
    row = (
        conn.execute(
            sa.select(*LIST_COLUMNS)
            .where(T.c.county_code == county, T.c.deadline == deadline)
            .order_by(T.c.edition.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def _words(row: Mapping[str, Any]) -> dict[str, Any]:
    return dict(
        county=_county_name(row["county_code"]),
        deadline=_md(row["deadline"]),
        edition=row["edition"],
    )


def _refuse_if_locked(row: Mapping[str, Any]) -> None:
    """A submitted or approved package cannot be changed by its county."""
    if row["state"] == "submitted":
        raise SubmissionError(
            MESSAGES["submitted"].format(**_words(row), at=row["submitted_at"], by=row["submitted_by"])
        )
    if row["state"] == "approved":
        raise SubmissionError(
            MESSAGES["approved"].format(**_words(row), at=row["reviewed_at"], by=row["reviewed_by"])
        )


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _at(tx: Tx, at: dt.datetime | None) -> dt.datetime:
    return (at or tx.now).replace(microsecond=0)


# -- county moves ---------------------------------------------------------------------------------
def save_draft(
    store: Store,
    county: str,
    deadline: dt.date,
    *,
    summary: Upload | None = None,
    scan: Upload | None = None,
    cases: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Keep what the county has prepared so far (an edited summary, the scan, the chosen cases) as the
    package's draft: the open draft is changed, or a new one started (the next version after a return).
    Refused for a submitted or approved package. Returns the draft (without the files' bytes)."""
    own_county(store, county)
    campaign = campaign_at(deadline_of(deadline).day)
    values: dict[str, Any] = {}
    if summary is not None:
        check_summary(summary)
        values.update(summary_name=file_name(summary, "工作总结.docx"), summary_docx=summary.content)
        values["summary_drafted"] = False
        values["summary_sha256"] = _digest(summary.content)
    if scan is not None:
        kind = scan_type(scan, scan_limit(campaign))
        values.update(
            scan_name=scan.name, scan=scan.content, scan_type=kind, scan_sha256=_digest(scan.content)
        )
    if cases is not None:
        values["cases"] = [dict(c) for c in cases]
    with store.transaction(f"{CONTEXT}：保存草稿") as tx:
        row = _latest(tx.conn, county, deadline)
        if row is not None:
            _refuse_if_locked(row)
        if row is not None and row["state"] == "draft":
            tx.update(T, row["id"], values)
            return _latest(tx.conn, county, deadline) or {}
        edition = 1 if row is None else row["edition"] + 1
        tx.insert(
            T,
            dict(county_code=county, campaign_year=campaign.year, deadline=deadline, edition=edition,
                 state="draft", **values),
        )  # fmt: skip
        return _latest(tx.conn, county, deadline) or {}


def draft_of(store: Store, county: str, deadline: dt.date) -> dict[str, Any] | None:
    """The open draft of the county's package (files included), or None."""
    with store.read() as conn:
        row = _latest(conn, county, deadline)
        if row is None or row["state"] != "draft":
            return None
        return dict(conn.execute(store.scoped(sa.select(T).where(T.c.id == row["id"]), T)).mappings().one())


def submit(
    store: Store, county: str, deadline: dt.date, package: Package, *, at: dt.datetime | None = None
) -> dict[str, Any]:
    """Submit the county's package for ``deadline`` (at ``at``, default now): its draft becomes the submitted
    version, or — with no draft — a new version is created (the first, or the next after a return).

    Refused (SubmissionError, Chinese; nothing written) for another county's or a prefecture session, a day
    that is not a deadline of the calendar, a package already submitted or approved, a scan that is not a
    PDF/PNG/JPEG or is over the size limit, a summary that is not a docx. Returns the submitted version
    (without the files' bytes).
    """
    own_county(store, county)
    campaign = campaign_at(deadline_of(deadline).day)
    if not package.figures:
        raise SubmissionError(MESSAGES["no_figures"])
    kind = scan_type(package.scan, scan_limit(campaign))
    check_summary(package.summary)
    names = file_name(package.summary, "工作总结.docx"), file_name(package.scan, "盖章扫描件")
    with store.transaction(f"{CONTEXT}：报送") as tx:
        row = _latest(tx.conn, county, deadline)
        if row is not None:
            _refuse_if_locked(row)
        values = dict(
            state="submitted",
            figures=dict(package.figures),
            figures_as_of=package.as_of,
            cases=[dict(c) for c in package.cases],
            summary_name=names[0],
            summary_docx=package.summary.content,
            summary_sha256=_digest(package.summary.content),
            summary_drafted=package.summary_drafted,
            scan_name=names[1],
            scan=package.scan.content,
            scan_type=kind,
            scan_sha256=_digest(package.scan.content),
            submitted_at=_at(tx, at),
            submitted_by=store.user,
        )
        if row is not None and row["state"] == "draft":
            tx.update(T, row["id"], values)
        else:
            edition = 1 if row is None else row["edition"] + 1
            tx.insert(T, dict(county_code=county, campaign_year=campaign.year, deadline=deadline, edition=edition,
                              **values))  # fmt: skip
        return _latest(tx.conn, county, deadline) or {}


def _awaiting_review(
    conn: sa.Connection, county: str, deadline: dt.date, what: str, reviewed: str
) -> dict[str, Any]:
    """The latest version of ``county``'s package for ``deadline``, which ``what`` (撤回, 退回, 审核通过) needs
    submitted and not yet reviewed: SubmissionError when there is none or it is not submitted,
    AlreadyReviewed (its message :data:`MESSAGES` [``reviewed``]) when it is reviewed already."""
    row = _latest(conn, county, deadline)
    if row is None:
        raise SubmissionError(MESSAGES["nothing"].format(county=_county_name(county), deadline=_md(deadline)))
    if row["state"] in ("approved", "returned"):
        done = "审核通过" if row["state"] == "approved" else "退回"
        raise AlreadyReviewed(
            MESSAGES[reviewed].format(**_words(row), at=row["reviewed_at"], by=row["reviewed_by"], done=done),
            row["reviewed_by"],
            row["reviewed_at"],
        )
    if row["state"] != "submitted":
        raise SubmissionError(
            MESSAGES["not_submitted"].format(**_words(row), state=STATES[row["state"]], what=what)
        )
    return row


def withdraw(store: Store, county: str, deadline: dt.date) -> dict[str, Any]:
    """Take a submitted package back before the prefecture reviews it: the version becomes a draft again
    (its submission time is cleared; it is submitted anew). Refused once reviewed, naming who reviewed it."""
    own_county(store, county)
    deadline_of(deadline)
    with store.transaction(f"{CONTEXT}：撤回") as tx:
        row = _awaiting_review(tx.conn, county, deadline, "撤回", "withdraw_reviewed")
        return tx.update(T, row["id"], {"state": "draft", "submitted_at": None, "submitted_by": None})


# -- prefecture moves -----------------------------------------------------------------------------
def _review(
    store: Store,
    county: str,
    deadline: dt.date,
    state: str,
    comments: Mapping[str, str] | None,
    expected_version: int | None,
    at: dt.datetime | None,
) -> dict[str, Any]:
    _prefecture(store)
    deadline_of(deadline)
    load_regions().county(county)
    what = "审核通过" if state == "approved" else "退回"
    with store.transaction(f"{CONTEXT}：{what}") as tx:
        row = _awaiting_review(tx.conn, county, deadline, what, "reviewed_first")
        values: dict[str, Any] = {"state": state, "reviewed_at": _at(tx, at), "reviewed_by": store.user}
        if comments is not None:
            values["review_comments"] = dict(comments)
        try:
            return tx.update(T, row["id"], values, expected_version=expected_version)
        except StaleRecord as exc:
            raise AlreadyReviewed(str(exc), exc.by, exc.at) from None


def _comments(comments: Mapping[str, str]) -> dict[str, str]:
    choices = "、".join(f"{k}（{v}）" for k, v in ITEMS.items())
    out = {}
    for item, text in comments.items():
        key = item if item in ITEMS else next((k for k, v in ITEMS.items() if v == item), None)
        if key is None:
            raise SubmissionError(MESSAGES["bad_item"].format(item=item, choices=choices))
        if str(text).strip():
            out[key] = str(text).strip()
    if not out:
        raise SubmissionError(MESSAGES["no_comment"].format(choices=choices))
    return out


def return_package(
    store: Store,
    county: str,
    deadline: dt.date,
    comments: Mapping[str, str],
    *,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Return the county's submitted package with the prefecture's comments, item by item (keys of
    :data:`ITEMS` or their Chinese names). Prefecture only; refused when someone reviewed it first."""
    checked = _comments(comments)
    return _review(store, county, deadline, "returned", checked, expected_version, at)


def approve(
    store: Store,
    county: str,
    deadline: dt.date,
    *,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Approve the county's submitted package. Prefecture only; refused when someone reviewed it first."""
    return _review(store, county, deadline, "approved", None, expected_version, at)


# -- reading --------------------------------------------------------------------------------------
def versions(store: Store, county: str, deadline: dt.date) -> list[dict[str, Any]]:
    """Every version of the county's package for ``deadline``, oldest first (without the files' bytes)."""
    stmt = store.scoped(
        sa.select(*LIST_COLUMNS)
        .where(T.c.county_code == county, T.c.deadline == deadline)
        .order_by(T.c.edition),
        T,
    )
    with store.read() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def packages(store: Store, deadline: dt.date) -> dict[str, dict[str, Any]]:
    """The latest version of each county's package for ``deadline`` that the session may see, by county,
    with ``first_submitted_at``: the earliest submission of any version still standing (a withdrawn one
    is not), from which lateness is counted."""
    first = (
        sa.select(T.c.county_code, sa.func.min(T.c.submitted_at).label("first_submitted_at"))
        .where(T.c.deadline == deadline)
        .group_by(T.c.county_code)
        .subquery()
    )
    latest = (
        sa.select(T.c.county_code, sa.func.max(T.c.edition).label("edition"))
        .where(T.c.deadline == deadline)
        .group_by(T.c.county_code)
        .subquery()
    )
    stmt = store.scoped(
        sa.select(*LIST_COLUMNS, first.c.first_submitted_at)
        .join(latest, sa.and_(latest.c.county_code == T.c.county_code, latest.c.edition == T.c.edition))
        .join(first, first.c.county_code == T.c.county_code)
        .where(T.c.deadline == deadline),
        T,
    )
    with store.read() as conn:
        return {r["county_code"]: dict(r) for r in conn.execute(stmt).mappings()}


def approved_version(store: Store, county: str, deadline: dt.date) -> dict[str, Any] | None:
    """The approved version of the county's package (files included), or None."""
    stmt = store.scoped(
        sa.select(T).where(T.c.county_code == county, T.c.deadline == deadline, T.c.state == "approved"), T
    )
    with store.read() as conn:
        row = conn.execute(stmt.order_by(T.c.edition.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


__all__ = [
    "ITEMS",
    "STATES",
    "AlreadyReviewed",
    "Package",
    "SubmissionError",
    "Upload",
    "approve",
    "approved_version",
    "deadline_of",
    "draft_of",
    "next_deadline",
    "packages",
    "return_package",
    "save_draft",
    "scan_type",
    "submit",
    "versions",
    "withdraw",
    "working_days_late",
]
