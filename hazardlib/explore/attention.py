"""Enterprises that need attention: repeat offenders, consecutive unqualified spot checks, and the
enterprises due for help.

The plan's key targets include “以往抽查、检查中多次出现问题的企业”; measure 3 asks to interview “连续2次
抽查不合格且存在重大质量安全隐患的企业”; measure 6 to help weak enterprises (帮扶一批薄弱企业) and to send
producers of unqualified products a guidance letter. The rules (:mod:`hazardlib.rules`) list only what is
still to be done; these tables show every enterprise concerned, done or not, for a look across them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import sqlalchemy as sa

from .. import schema, vocab
from ..campaign import campaign_at
from ..figures import is_open
from ..ledger import ledger_at
from ..reports import labels
from ..reports.scope import count_if, scope_for
from ..rules import run_rule
from ..rules.common import interviewed_since, sampled_enterprise
from ..rules.spot_checks import last_results
from ..rules.supervision import CLASS_LABELS, supervision_classes
from ..store import Store

ENT = schema.enterprises
H = schema.hazards
S = schema.spot_checks
HELP = schema.help_records

SUPERVISION_LABELS = CLASS_LABELS
HELP_KINDS = tuple(vocab.HELP_KIND.codes)

REASONS = {
    "unqualified": "抽查不合格 {n} 批次（生产单位）",
    "supervision": "{label}",
    "letter_due": "发现质量问题后尚未帮扶",
    "not_helped": "本年度尚未帮扶",
}


def _supervision(store: Store, as_of: dt.date, county: str | None) -> dict[int, str]:
    """Enterprise id → 重点监管 / 特别监管 at ``as_of``."""
    classes = supervision_classes(store, as_of, county)
    return {
        int(e): SUPERVISION_LABELS[c] for e, c in zip(classes["enterprise_id"], classes["class"], strict=True)
    }


def _with_names(frame: pd.DataFrame) -> pd.DataFrame:
    frame.insert(
        list(frame.columns).index("county_code") + 1, "county_name", labels.county(frame["county_code"])
    )
    return frame


def repeat_offenders(
    store: Store, as_of: dt.date, county: str | None = None, *, times: int = 2
) -> pd.DataFrame:
    """Enterprises with problems found on at least ``times`` different days up to ``as_of``, in any
    campaign year: “以往抽查、检查中多次出现问题的企业” (多次: twice or more).

    A problem is a hazard (not a risk) found at the enterprise, or an unqualified spot check of it (the
    sampled enterprise, else the seller, else the producer — as the rules read a batch). Columns:
    enterprise_id, uscc, enterprise, county_code, county_name, occasions (days with a problem), hazards,
    major (major hazards), unqualified (batches), campaigns (campaign years with a problem), first_date,
    last_date, open_hazards (not closed out at ``as_of``), supervision (重点监管 / 特别监管 at ``as_of``,
    else ""); most occasions first.
    """
    scope = scope_for(store, as_of, county)
    hazards = sa.select(
        H.c.enterprise_id,
        H.c.found_date.label("day"),
        H.c.campaign_year,
        sa.literal(1).label("hazard"),
        sa.case((H.c.grade == "major", 1), else_=0).label("major"),
        sa.literal(0).label("unqualified"),
    ).where(H.c.kind == "hazard", H.c.found_date <= scope.as_of)
    checks = sa.select(
        sampled_enterprise().label("enterprise_id"),
        S.c.sample_date.label("day"),
        S.c.campaign_year,
        sa.literal(0).label("hazard"),
        sa.literal(0).label("major"),
        sa.literal(1).label("unqualified"),
    ).where(S.c.result == "unqualified", S.c.sample_date <= scope.as_of)
    problems = sa.union_all(hazards, checks).subquery("problems")
    led = ledger_at(scope.as_of)
    open_ = (
        sa.select(led.c.enterprise_id, sa.func.count().label("n"))
        .where(led.c.kind == "hazard", is_open(led))
        .group_by(led.c.enterprise_id)
        .subquery("open_hazards")
    )
    p = problems.c
    stmt = (
        sa.select(
            ENT.c.id.label("enterprise_id"),
            ENT.c.uscc,
            ENT.c.name.label("enterprise"),
            ENT.c.county_code,
            sa.func.count(sa.distinct(p.day)).label("occasions"),
            sa.func.sum(p.hazard).label("hazards"),
            sa.func.sum(p.major).label("major"),
            sa.func.sum(p.unqualified).label("unqualified"),
            sa.func.count(sa.distinct(p.campaign_year)).label("campaigns"),
            sa.func.min(p.day).label("first_date"),
            sa.func.max(p.day).label("last_date"),
            sa.func.coalesce(sa.func.max(open_.c.n), 0).label("open_hazards"),
        )
        .select_from(
            problems.join(ENT, ENT.c.id == p.enterprise_id).outerjoin(
                open_, open_.c.enterprise_id == p.enterprise_id
            )
        )
        .where(scope.county_filter(ENT.c.county_code))
        .group_by(ENT.c.id, ENT.c.uscc, ENT.c.name, ENT.c.county_code)
        .having(sa.func.count(sa.distinct(p.day)) >= times)
        .order_by(sa.func.count(sa.distinct(p.day)).desc(), sa.func.sum(p.major).desc(), ENT.c.id)
    )
    with store.read() as conn:
        rows = conn.execute(stmt)
        frame = pd.DataFrame(rows.mappings().all(), columns=list(rows.keys()))
    counts = ["occasions", "hazards", "major", "unqualified", "campaigns", "open_hazards"]
    frame[counts] = frame[counts].astype("int64")
    supervised = _supervision(store, scope.as_of, scope.county)
    frame["supervision"] = [supervised.get(int(e), "") for e in frame["enterprise_id"]]
    return _with_names(frame)


def consecutive_unqualified(store: Store, as_of: dt.date, county: str | None = None) -> pd.DataFrame:
    """Enterprises whose last N spot checks up to ``as_of`` were all unqualified (N: the campaign
    parameter ``consecutive_unqualified``, 2 in the plan), whether or not they hold a major hazard or
    were interviewed — the rule ``interview_consecutive_unqualified`` lists those of them still to be
    interviewed (``to_interview``).

    Read as the rule reads it: the sampled enterprise (else seller, else producer); results in sampling
    order, any product, refusals left out. Columns: enterprise_id, enterprise, county_code, county_name,
    batches (the last N batch numbers, oldest first), last_sample_date, open_major_hazards (major
    hazards not closed out at ``as_of``), interviewed (on or after the last of those checks),
    to_interview (open major hazard and not interviewed).
    """
    scope = scope_for(store, as_of, county)
    n = int(campaign_at(scope.as_of).parameter("consecutive_unqualified"))
    ranked, last_n = last_results(scope.as_of, n)
    led = ledger_at(scope.as_of)
    majors = (
        sa.select(led.c.enterprise_id, sa.func.count().label("n"))
        .where(led.c.grade == "major", led.c.kind == "hazard", is_open(led))
        .group_by(led.c.enterprise_id)
        .subquery("majors")
    )
    stmt = (
        sa.select(
            last_n.c.enterprise_id,
            ENT.c.name.label("enterprise"),
            ENT.c.county_code,
            last_n.c.last_date.label("last_sample_date"),
            sa.func.coalesce(majors.c.n, 0).label("open_major_hazards"),
            sa.case(
                (interviewed_since(last_n.c.enterprise_id, last_n.c.last_date, scope.as_of), True),
                else_=False,
            ).label("interviewed"),
        )
        .select_from(
            last_n.join(ENT, ENT.c.id == last_n.c.enterprise_id).outerjoin(
                majors, majors.c.enterprise_id == last_n.c.enterprise_id
            )
        )
        .where(scope.county_filter(ENT.c.county_code))
        .order_by(ENT.c.county_code, last_n.c.enterprise_id)
    )
    batches = (
        sa.select(ranked.c.enterprise_id, ranked.c.batch_no)
        .where(ranked.c.rn <= n)
        .order_by(ranked.c.enterprise_id, ranked.c.rn.desc())
    )
    with store.read() as conn:
        rows = conn.execute(stmt)
        frame = pd.DataFrame(rows.mappings().all(), columns=list(rows.keys()))
        wanted = set(frame["enterprise_id"])
        numbers: dict[int, list[str]] = {}
        for eid, batch_no in conn.execute(batches):
            if eid in wanted:
                numbers.setdefault(eid, []).append(batch_no)
    frame.insert(3, "batches", frame["enterprise_id"].map(lambda e: "、".join(numbers.get(e, []))))
    frame["open_major_hazards"] = frame["open_major_hazards"].astype("int64")
    frame["interviewed"] = frame["interviewed"].astype(bool)
    frame["to_interview"] = (frame["open_major_hazards"] > 0) & ~frame["interviewed"]
    return _with_names(frame)


def help_candidates(store: Store, as_of: dt.date, county: str | None = None) -> pd.DataFrame:
    """Enterprises due for help at ``as_of``: producers of products found unqualified in this campaign
    (stage 1's start to ``as_of``), enterprises under key or special supervision, and every enterprise the
    help rule names (a quality problem found this campaign not yet answered by help), with the help each
    has had in this campaign.

    Columns: enterprise_id, enterprise, county_code, county_name, unqualified (batches as producer),
    supervision, one column per help kind (:data:`HELP_KINDS`: number of records), last_help_date,
    helped (any help this campaign), letter_due (the rule ``help_unqualified_producer`` asks for help: a
    quality problem found this campaign not yet answered by a help record), reasons (Chinese). Those due
    for help first, then those not helped, then the rest.
    """
    scope = scope_for(store, as_of, county)
    unqualified = (
        sa.select(S.c.producer_id.label("enterprise_id"), sa.func.count().label("unqualified"))
        .where(S.c.result == "unqualified", scope.within(S.c.sample_date), S.c.producer_id.is_not(None))
        .group_by(S.c.producer_id)
    )
    with store.read() as conn:
        unq = pd.DataFrame(conn.execute(unqualified).all(), columns=["enterprise_id", "unqualified"])
    supervised = _supervision(store, scope.as_of, scope.county)
    due = {f.enterprise_id for f in run_rule("help_unqualified_producer", store, scope.as_of, scope.county)}
    ids = sorted(set(unq["enterprise_id"]) | set(supervised) | {int(e) for e in due if e is not None})
    helps = (
        sa.select(
            HELP.c.enterprise_id,
            *(count_if(HELP.c.kind == kind).label(kind) for kind in HELP_KINDS),
            sa.func.max(HELP.c.help_date).label("last_help_date"),
        )
        .where(scope.within(HELP.c.help_date), HELP.c.enterprise_id.in_(ids))
        .group_by(HELP.c.enterprise_id)
    )
    names = sa.select(
        ENT.c.id.label("enterprise_id"), ENT.c.name.label("enterprise"), ENT.c.county_code
    ).where(ENT.c.id.in_(ids), scope.county_filter(ENT.c.county_code))
    with store.read() as conn:
        frame = pd.DataFrame(
            conn.execute(names).all(), columns=["enterprise_id", "enterprise", "county_code"]
        )
        helped = pd.DataFrame(
            conn.execute(helps).all(), columns=["enterprise_id", *HELP_KINDS, "last_help_date"]
        )
    frame = frame.merge(unq, on="enterprise_id", how="left").merge(helped, on="enterprise_id", how="left")
    frame[["unqualified", *HELP_KINDS]] = frame[["unqualified", *HELP_KINDS]].fillna(0).astype("int64")
    frame.insert(4, "supervision", [supervised.get(int(e), "") for e in frame["enterprise_id"]])
    frame["last_help_date"] = (
        frame["last_help_date"].astype(object).where(frame["last_help_date"].notna(), None)
    )
    frame["helped"] = frame[list(HELP_KINDS)].sum(axis=1) > 0
    frame["letter_due"] = frame["enterprise_id"].isin(due)
    frame["reasons"] = [_help_reasons(r) for r in frame.itertuples(index=False)]
    frame = frame.sort_values(
        ["letter_due", "helped", "unqualified", "enterprise_id"], ascending=[False, True, False, True]
    )
    return _with_names(frame.reset_index(drop=True))


def _help_reasons(r: Any) -> str:
    parts = []
    if r.unqualified:
        parts.append(REASONS["unqualified"].format(n=r.unqualified))
    if r.supervision:
        parts.append(REASONS["supervision"].format(label=r.supervision))
    if r.letter_due:
        parts.append(REASONS["letter_due"])
    if not r.helped:
        parts.append(REASONS["not_helped"])
    return "；".join(parts)
