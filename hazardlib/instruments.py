"""The documents of 三书一函 (挂牌督办通知书、约谈通知书、整改通知书、提醒敦促函): their numbers, the one write
that issues or follows one up, and where each stands (issued, served, reply due, reply received, overdue).

A number has the issuing county's prefix (``data/instrument_prefixes.csv``), the kind's word and the year,
e.g. 都市监整〔2024〕12号: the 12th 整改通知书 都匀市局 issued in 2024 (the year of issue). The serial is allocated inside the
issuing transaction (writers of one county take turns, see :mod:`hazardlib.store`), and a unique constraint
on the number keeps two clerks from ever sharing one. What each
kind quotes from the work plan and how long its reply may take is in ``data/instrument_kinds.csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from . import models, schema, vocab
from .datafiles import resolve
from .errors import Finding, ValidationFailed
from .records import Outcome, enterprise_county
from .regions import load_regions
from .store import PREFECTURE_CODE, Tx

T = schema.instruments

MESSAGES = {
    "number_used": "文书编号“{number}”已被使用（{kind}，{day} 签发），请核对编号",
    "number_elsewhere": "文书编号“{number}”已被使用，请核对编号",
    "county": "文书须指明企业或县（市）",
    "hazard_other": "隐患编号 {hazard} 不是该企业的隐患",
    "not_found": "没有编号为 {id} 的文书（或不属于本县（市））",
    "changed": "文书“{number}”的{what}与库中不同；已签发的文书不能改写{what}",
    "no_prefix": "{name}在参考数据中没有文书编号前缀，不能自动编号：请填写纸质文书上的编号，或请州局在 "
    "data/instrument_prefixes.csv 中补上前缀",
    "no_prefix_data": "{name}（{code}）没有“三书一函”的文号前缀：其签发的文书无法自动编号，请按该局实际使用的发文字号补上",
}
PREFIX_FILE = "instrument_prefixes.csv"

STATES = vocab.Vocabulary(
    "文书办理状态",
    {
        "issued": "已签发",
        "served": "已送达",
        "replied": "已回复",
        "overdue": "逾期未回复",
    },
)


@dataclass(frozen=True)
class KindInfo:
    """What ``data/instrument_kinds.csv`` says of one kind of instrument."""

    kind: str
    title: str
    word: str
    reply_days: int
    basis: str


@functools.lru_cache(maxsize=8)
def _load(folder: Path) -> tuple[dict[str, str], dict[str, KindInfo]]:
    with open(folder / "instrument_prefixes.csv", encoding="utf-8", newline="") as handle:
        # a blank prefix is no prefix: that bureau's numbers cannot be allocated (see prefix_problems)
        prefixes = {
            r["code"]: prefix for r in csv.DictReader(handle) if (prefix := (r["prefix"] or "").strip())
        }
    with open(folder / "instrument_kinds.csv", encoding="utf-8", newline="") as handle:
        kinds = {
            r["kind"]: KindInfo(r["kind"], r["title"], r["word"], int(r["reply_days"]), r["basis"])
            for r in csv.DictReader(handle)
        }
    return prefixes, kinds


def prefixes(data_dir: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """The number prefix of the prefecture and of each county, by code."""
    return _load(resolve(data_dir))[0]


def prefix_problems(data_dir: str | os.PathLike[str] | None = None) -> list[Finding]:
    """The prefecture or counties (``data/counties.csv``) with no number prefix in ``instrument_prefixes.csv``:
    an error each, in Chinese, since an instrument they issue cannot be numbered."""
    folder = resolve(data_dir)
    known = _load(folder)[0]
    regions = load_regions(folder)
    return [
        Finding(
            "instrument_prefix",
            MESSAGES["no_prefix_data"].format(name=region.name, code=region.code),
            field="prefix",
            value=region.code,
            file=PREFIX_FILE,
        )
        for region in (regions.prefecture, *regions.counties)
        if region.code not in known
    ]


def kind_info(kind: str, data_dir: str | os.PathLike[str] | None = None) -> KindInfo:
    """The title, number word, reply days and plan clause of a kind of instrument."""
    return _load(resolve(data_dir))[1][kind]


def prefix_of(issuer: str) -> str:
    """The issuer's number prefix; ValidationFailed (naming 文书编号) when the reference data has none."""
    prefix = prefixes().get(issuer)
    if prefix is None:
        message = MESSAGES["no_prefix"].format(name=issuer_name(issuer))
        raise _refuse("no_prefix", message, "number", None)
    return prefix


def number_of(issuer: str, kind: str, year: int, serial: int) -> str:
    """The document number, e.g. 都市监整〔2024〕12号 (ValidationFailed for an issuer without a prefix)."""
    return f"{prefix_of(issuer)}{kind_info(kind).word}〔{year}〕{serial}号"


def serial_of(number: str, issuer: str, kind: str, year: int) -> int | None:
    """The serial of a number written in the issuer's own form for this kind and year (else None): a number
    issued on paper and imported keeps the sequence going."""
    prefix = prefixes().get(issuer)
    if prefix is None:
        return None
    pattern = re.escape(f"{prefix}{kind_info(kind).word}") + r"[〔\[(（]" + str(year) + r"[〕\])）](\d+)号"
    match = re.fullmatch(pattern, number)
    return int(match.group(1)) if match else None


def _issued_in(year: int) -> Any:
    return T.c.issue_date.between(dt.date(year, 1, 1), dt.date(year, 12, 31))


def _next_serial(tx: Tx, issuer: str, kind: str, year: int) -> int:
    last = tx.conn.execute(
        sa.select(sa.func.max(T.c.serial)).where(
            T.c.issuer_code == issuer, T.c.kind == kind, _issued_in(year)
        )
    ).scalar()
    return int(last or 0) + 1


def _refuse(code: str, message: str, model_key: str, value: Any) -> ValidationFailed:
    title = models.Instrument.model_fields[model_key].title
    return ValidationFailed([Finding(code, message, field=title, value=value)])


def save_instrument(
    tx: Tx, i: models.Instrument, *, county_code: str | None = None, instrument_id: int | None = None
) -> tuple[int, Outcome]:
    """Issue an instrument of 三书一函, or record how it was followed up — the one write of an instrument.

    Without ``instrument_id``: a new instrument, issued by the session's county (the prefecture for a
    prefecture session) and belonging to the enterprise's county (or ``county_code`` for one addressed to
    no enterprise). With no number, the next one of the issuer, kind and year is allocated here; a
    number given (one issued on paper) must not be another instrument's. The same number (or, with none,
    the same kind, enterprise and issue date) again — a file imported twice — updates its follow-up dates
    instead. The reply is due after the kind's reply days unless given. With ``instrument_id``: the
    served, reply-due and reply dates and the note of that instrument change (a blank one keeps what is
    stored); its kind, enterprise, number and issue date cannot.

    Bad input — a number already used, a date before the issue date — raises ValidationFailed naming the
    field, and nothing is written.
    """
    row = i.row()
    if row.get("enterprise_id") is not None:
        row["county_code"] = row["registered_county"] = enterprise_county(tx, row["enterprise_id"])
    elif county_code:
        row["county_code"], row["registered_county"] = county_code, None
    else:
        raise _refuse("county", MESSAGES["county"], "enterprise_id", None)
    if row.get("hazard_id") is not None and row.get("enterprise_id") is not None:
        owner = tx.conn.execute(sa.select(schema.hazards.c.enterprise_id).where(
            schema.hazards.c.id == row["hazard_id"])).scalar()  # fmt: skip
        if owner != row["enterprise_id"]:
            raise _refuse("hazard_other", MESSAGES["hazard_other"].format(hazard=row["hazard_id"]), "hazard_id",
                          row["hazard_id"])  # fmt: skip
    follow_up = {
        k: row[k] for k in ("served_date", "reply_due", "reply_date", "note")
    }  # None: kept as stored
    if instrument_id is not None:
        stored = tx.store.get(T, instrument_id, tx.conn)
        fixed = [k for k in ("kind", "enterprise_id", "issue_date") if stored[k] != row[k]]
        if row.get("number") and row["number"] != stored["number"]:
            fixed.append("number")
        if fixed:
            what = "、".join(str(models.Instrument.model_fields[k].title) for k in fixed)
            raise _refuse("changed", MESSAGES["changed"].format(number=stored["number"], what=what), fixed[0],
                          row.get(fixed[0]))  # fmt: skip
        return _follow_up(tx, stored, follow_up)
    issuer = tx.store.county or PREFECTURE_CODE
    number = row.get("number")
    if number:
        taken = tx.conn.execute(sa.select(T).where(T.c.number == number)).mappings().first()
        if taken is not None:
            same = all(taken[k] == row[k] for k in ("kind", "enterprise_id", "issue_date", "county_code"))
            if not same:
                # another county's document is named only as used (as a credit code held elsewhere is)
                elsewhere = tx.store.county is not None and taken["county_code"] != tx.store.county
                message = (MESSAGES["number_elsewhere"] if elsewhere else MESSAGES["number_used"]).format(
                    number=number, kind=vocab.INSTRUMENT_KIND.label(taken["kind"]), day=taken["issue_date"]
                )
                raise _refuse("number_used", message, "number", number)
            return _follow_up(tx, dict(taken), follow_up)
        serial = serial_of(number, issuer, row["kind"], row["issue_date"].year)
    else:
        again = tx.conn.execute(
            sa.select(T).where(*[T.c[k].is_(None) if row.get(k) is None else T.c[k] == row[k]
                                 for k in ("kind", "enterprise_id", "issue_date", "county_code")])
        ).mappings().first()  # fmt: skip
        if again is not None:  # the same instrument again, without its number (a file imported twice)
            return _follow_up(tx, dict(again), follow_up)
        serial = _next_serial(tx, issuer, row["kind"], row["issue_date"].year)
        number = number_of(issuer, row["kind"], row["issue_date"].year, serial)
        while tx.conn.execute(sa.select(T.c.id).where(T.c.number == number)).first() is not None:
            serial += 1  # a number written by hand (no serial kept) took it
            number = number_of(issuer, row["kind"], row["issue_date"].year, serial)
    if row.get("reply_due") is None:
        row["reply_due"] = row["issue_date"] + dt.timedelta(days=kind_info(row["kind"]).reply_days)
    row.update(issuer_code=issuer, serial=serial, number=number)
    return tx.insert(T, row), "inserted"


def _follow_up(tx: Tx, stored: dict[str, Any], values: dict[str, Any]) -> tuple[int, Outcome]:
    for key in ("served_date", "reply_due", "reply_date"):
        day = values.get(key)
        if day is not None and day < stored["issue_date"]:
            title = models.Instrument.model_fields[key].title
            raise _refuse("before_issue", f"{title} {day} 早于签发日期 {stored['issue_date']}", key, day)
    changes = {k: v for k, v in values.items() if v is not None and stored.get(k) != v}
    if not changes:
        return int(stored["id"]), "unchanged"
    tx.update(T, int(stored["id"]), changes)
    return int(stored["id"]), "updated"


def state_at(as_of: dt.date) -> Any:
    """SQL: where an instrument stands at ``as_of`` — replied, overdue (the reply due before ``as_of`` and
    none received by then), served, or issued. The one definition the rule and the pages read."""
    replied = sa.and_(T.c.reply_date.is_not(None), T.c.reply_date <= as_of)
    return sa.case(
        (replied, "replied"),
        (sa.and_(T.c.reply_due.is_not(None), T.c.reply_due < as_of), "overdue"),
        (sa.and_(T.c.served_date.is_not(None), T.c.served_date <= as_of), "served"),
        else_="issued",
    )


def issuer_name(code: str | None) -> str:
    """The issuing bureau's region name (黔南布依族苗族自治州 or the county)."""
    return load_regions().name_of(code or PREFECTURE_CODE)
