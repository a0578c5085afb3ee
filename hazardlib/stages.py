"""The three-stage tracker: where the campaign stands at a date, each county's progress, whether it is
on track, stage 2's proposed inspection lists, and the hazards still open after the campaign.

Figures are defined in ``docs/rules.md`` (“进度指标”); the thresholds of “on track” are campaign
parameters. Everything is counted in SQL, grouped by county. County progress is built in plain Python
(12 county rows) so that the tracker's first table needs neither pandas nor :mod:`hazardlib.ledger`
(the state of a hazard at a date is read from :mod:`hazardlib.figures`, the one definition); pandas is
imported by the functions that use it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from . import schema, vocab
from .campaign import Campaign, campaign_at, load_campaign
from .errors import CampaignNotFound
from .figures import event_exists, is_closed, is_open, is_overdue, ledger_at
from .regions import load_regions
from .store import PREFECTURE_CODE, Store

if TYPE_CHECKING:
    import pandas as pd

ENT = schema.enterprises
H = schema.hazards  # the ledger's tables, as hazardlib.ledger names them

LAGGING = {
    "plan": "第一阶段结束仍未制定本地工作方案",
    "coverage": "自查覆盖率 {value:.0%} 低于应达到的 {need:.0%}",
    "closure": "隐患销号率 {value:.0%} 低于应达到的 {need:.0%}",
}


def stage_status(as_of: dt.date) -> dict[str, Any]:
    """Where ``as_of`` falls: the stage (or the two it lies between), days left, next report deadline."""
    campaign = campaign_at(as_of)
    st = campaign.stage_of(as_of)
    deadline = None
    if st.next_deadline is not None:
        deadline = {
            "day": st.next_deadline.day.isoformat(),
            "items": list(st.next_deadline.items),
            "days_left": st.days_to_deadline,
            "label": st.deadline_label,
        }
    return {
        "campaign_year": campaign.year,
        "title": campaign.title,
        "no": st.stage.no if st.stage else None,
        "name": st.stage.name if st.stage else None,
        "between": [s.no if s else None for s in st.between] if st.between else None,
        "days_left": st.days_left,
        "next_stage_start": st.next_stage_start.isoformat() if st.next_stage_start else None,
        "next_deadline": deadline,
        "finished": st.finished,
        "label": st.label,
    }


@dataclass(frozen=True)
class Window:
    """The dates a progress row covers: flows are counted from ``start`` to ``end``, stocks at ``end``."""

    stage: int | None
    start: dt.date
    end: dt.date


def window(campaign: Campaign, as_of: dt.date, stage: int | None = None) -> Window:
    """The window of ``stage`` (None: the campaign so far), cut at ``as_of``.

    Stage 1 starts with the campaign; each later stage takes over the day after the previous one ends
    (days between two stages belong to the next one).
    """
    if stage is None:
        return Window(None, campaign.start, max(as_of, campaign.start))
    stages = list(campaign.stages)
    index = next((i for i, s in enumerate(stages) if s.no == stage), None)
    if index is None:
        raise ValueError(f"{campaign.year}年行动没有第{stage}阶段")
    start = campaign.start if index == 0 else stages[index - 1].end + dt.timedelta(days=1)
    return Window(stage, start, min(stages[index].end, max(as_of, start)))


def _codes(store: Store, county: str | None) -> list[str]:
    wanted = county if county not in (None, "", PREFECTURE_CODE) else store.county
    if wanted:
        load_regions().county(wanted)
        return [wanted]
    return [c.code for c in load_regions().counties]


Counts = dict[str, dict[str, int]]  # county code -> figure -> n


def _grouped(
    conn: sa.Connection,
    county_col: Any,
    measures: dict[str, Any],
    from_: Any,
    where: Sequence[Any],
    codes: list[str],
) -> Counts:
    stmt = (
        sa.select(county_col.label("county_code"), *(v.label(k) for k, v in measures.items()))
        .select_from(from_)
        .where(county_col.in_(codes), *where)
        .group_by(county_col)
    )
    return {r["county_code"]: {k: int(r[k] or 0) for k in measures} for r in conn.execute(stmt).mappings()}


def _count_if(cond: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)


def key_enterprise(enterprises: Any = ENT) -> Any:
    """SQL: the enterprise (of ``enterprises``, the table or an alias) makes or sells at least one product
    of the key categories."""
    return sa.func.json_array_length(enterprises.c.products) > 0


def self_check_counted(checks: Any, enterprises: Any, campaign: Campaign, end: dt.date) -> list[Any]:
    """SQL conditions: the self-check (of ``checks``, joined to its enterprise in ``enterprises``) counts
    for ``campaign`` at ``end``: of the campaign's year, dated in its window (:meth:`Campaign.window`), by
    a key enterprise. The one definition of 组织企业自查, read by the tracker's 已自查 and the results list
    (docs/rules.md “行动窗口”); the county is the enterprise's."""
    opens, _ = campaign.window(end)
    return [
        checks.c.campaign_year == campaign.year,
        checks.c.check_date.between(opens, end),
        key_enterprise(enterprises),
    ]


COUNT_COLUMNS = (
    "key_enterprises",
    "self_checked",
    "self_checks_in_window",
    "inspections_production",
    "inspections_circulation",
    "inspections",
    "hazards_found",
    "hazards_found_to_date",
    "hazards_closed",
    "hazards_closed_to_date",
    "open_hazards",
    "overdue_hazards",
    "open_escalations",
)


def ledger_counts(
    campaign: Campaign, start: dt.date, end: dt.date, codes: Sequence[str]
) -> tuple[Any, dict[str, Any]]:
    """SQL: the hazards of ``campaign`` found in its window by ``end`` (:meth:`Campaign.window`) in their
    state at ``end`` (:func:`hazardlib.figures.ledger_at`; of the county, when ``codes`` names one), and
    the tracker's ledger figures over them (to be grouped by county within ``codes``): found in the
    window ``start``…``end`` and to date, closed out (at ``end``, by a closing in the window) and to date,
    open, overdue, open with an escalation by ``end``."""
    # One county is picked here; for all of them the caller's county filter is enough, and leaving it out
    # lets the database read the year's hazards from the (year, found date, county) index alone.
    one = [H.c.county_code == codes[0]] if len(codes) == 1 else []
    opens, _ = campaign.window(end)
    led = ledger_at(
        end,
        where=[H.c.campaign_year == campaign.year, H.c.found_date >= opens, *one],
        columns=["id", "county_code", "found_date", "state", "deadline"],
    )
    closed = is_closed(led)
    measures = {
        "hazards_found": _count_if(led.c.found_date >= start),
        "hazards_found_to_date": sa.func.count(),
        "hazards_closed": _count_if(
            sa.and_(closed, event_exists(led.c.id, "close", lambda e: e.c.event_date.between(start, end)))
        ),
        "hazards_closed_to_date": _count_if(closed),
        "open_hazards": _count_if(is_open(led)),
        "overdue_hazards": _count_if(is_overdue(led, end)),
        "open_escalations": _count_if(
            sa.and_(is_open(led), event_exists(led.c.id, "escalate", lambda e: e.c.event_date <= end))
        ),
    }
    return led, measures


def _plans(store: Store, campaign: Campaign, w: Window, codes: list[str]) -> dict[str, dt.date]:
    """The day each county of ``codes`` adopted its plan, for those that had by the window's end."""
    cp = schema.county_plans
    with store.read() as conn:
        plans = conn.execute(
            sa.select(cp.c.county_code, cp.c.adopted_date).where(
                cp.c.campaign_year == campaign.year,
                cp.c.adopted_date <= w.end,
                cp.c.county_code.in_(codes),
            )
        ).all()
    return {code: day for code, day in plans if day is not None}


def _counts(store: Store, campaign: Campaign, w: Window, codes: list[str]) -> Counts:
    """The count columns per county: GROUP BY county queries over the records (docs/rules.md “进度指标”)."""
    year, start, end = campaign.year, w.start, w.end
    sc, ins = schema.self_checks, schema.inspections
    led, ledger_measures = ledger_counts(campaign, start, end, codes)
    with store.read() as conn:
        parts = [
            _grouped(
                conn, ENT.c.county_code, {"key_enterprises": sa.func.count()}, ENT, [key_enterprise()], codes
            ),
            _grouped(
                conn,
                ENT.c.county_code,
                {
                    "self_checked": sa.func.count(sa.distinct(sc.c.enterprise_id)),
                    "self_checks_in_window": _count_if(sc.c.check_date >= start),
                },
                sc.join(ENT, ENT.c.id == sc.c.enterprise_id),
                self_check_counted(sc, ENT, campaign, end),
                codes,
            ),
            _grouped(
                conn,
                ins.c.county_code,
                {
                    "inspections_production": _count_if(ins.c.field == "production"),
                    "inspections_circulation": _count_if(ins.c.field == "circulation"),
                    "inspections": sa.func.count(),
                },
                ins,
                [ins.c.campaign_year == year, ins.c.inspection_date.between(start, end)],
                codes,
            ),
            _grouped(conn, led.c.county_code, ledger_measures, led, [], codes),
        ]
    out: Counts = {code: dict.fromkeys(COUNT_COLUMNS, 0) for code in codes}
    for part in parts:
        for code, figures in part.items():
            out[code].update(figures)
    return out


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _judge(
    campaign: Campaign, end: dt.date, plan_ok: bool, coverage: float | None, closure: float | None
) -> list[tuple[str, str]]:
    """The checks a county fails at ``end``, as (code, Chinese reason); empty: on track. The codes are
    ``plan``, ``coverage`` and ``closure``; see docs/rules.md “按期推进”."""
    first, last = campaign.stages[0], campaign.stages[-1]
    reasons: list[tuple[str, str]] = []
    if end < first.start:
        return reasons
    if end >= first.end and not plan_ok:
        reasons.append(("plan", LAGGING["plan"]))
    target = float(campaign.parameter("lagging_self_check_coverage"))
    share = min(1.0, ((end - first.start).days + 1) / ((first.end - first.start).days + 1))
    need = target * share
    if coverage is not None and coverage < need:
        reasons.append(("coverage", LAGGING["coverage"].format(value=coverage, need=need)))
    if closure is not None and end >= last.start:
        key = "on_track_closure_rate_by_stage3_end" if end > last.end else "lagging_closure_rate"
        need = float(campaign.parameter(key))
        if closure < need:
            reasons.append(("closure", LAGGING["closure"].format(value=closure, need=need)))
    return reasons


def county_progress_rows(
    store: Store, as_of: dt.date, county: str | None = None, stage: int | None = None
) -> list[dict[str, Any]]:
    """The rows of :func:`county_progress` as plain dicts (a missing rate is None), without pandas: what
    the tracker's first table is drawn from."""
    campaign = campaign_at(as_of)
    w = window(campaign, as_of, stage)
    codes = _codes(store, county)
    counts = _counts(store, campaign, w, codes)
    adopted = _plans(store, campaign, w, codes)
    if len(codes) > 1:
        counts[PREFECTURE_CODE] = {k: sum(counts[c][k] for c in codes) for k in COUNT_COLUMNS}
    plan_all = all(c in adopted for c in codes)
    regions = load_regions()
    rows = []
    for code, r in counts.items():  # one row per county (13 at most), not per record
        plan_ok = plan_all if code == PREFECTURE_CODE else code in adopted
        coverage = _rate(r["self_checked"], r["key_enterprises"])
        closure = _rate(r["hazards_closed_to_date"], r["hazards_found_to_date"])
        reasons = _judge(campaign, w.end, plan_ok, coverage, closure)
        rows.append(
            {
                "county_code": code,
                "county_name": regions.name_of(code),
                "stage": w.stage,
                "window_start": w.start,
                "window_end": w.end,
                **{k: int(r[k]) for k in COUNT_COLUMNS},
                "self_check_coverage": coverage,
                "plan_adopted": plan_ok,
                "plan_adopted_date": adopted.get(code),
                "close_out_rate": closure,
                "on_track": not reasons,
                "lagging_checks": [code for code, _ in reasons],
                "lagging_reasons": "；".join(text for _, text in reasons),
            }
        )
    return rows


def county_progress(
    store: Store, as_of: dt.date, county: str | None = None, stage: int | None = None
) -> pd.DataFrame:
    """The tracker's figures, one row per county and (for the whole prefecture) a last row "522700".

    ``stage`` None counts the campaign so far; a stage number counts within that stage's window, with
    stocks (coverage, close-out rate, open and overdue hazards, on track) taken at its last day or at
    ``as_of`` if earlier. Column definitions: docs/rules.md “进度指标”.
    """
    import pandas as pd  # noqa: PLC0415 -- optional heavy: the tracker's first table draws without it

    return pd.DataFrame(county_progress_rows(store, as_of, county, stage))


# -- classified supervision (分类监管): standing classes -------------------------------------------


def campaign_years(campaign: Campaign) -> tuple[int, ...]:
    """近N年隐患排查治理行动: the campaigns of ``campaign``'s year and the ``special_supervision_window_years``
    − 1 years before it (for N = 2: this year's and last year's), oldest first."""
    years = int(campaign.parameter("special_supervision_window_years"))
    return tuple(range(campaign.year - years + 1, campaign.year + 1))


def in_campaign(year: int, as_of: dt.date) -> Any:
    """SQL: the hazard was found in the campaign of ``year``: of that campaign year and dated in its
    window (:meth:`hazardlib.campaign.Campaign.window`), by the as-of date. A year without a campaign
    calendar (history) has no window start: every finding of that year by the as-of date counts."""
    terms = [H.c.campaign_year == year, H.c.found_date <= as_of]
    with contextlib.suppress(CampaignNotFound):
        terms.append(H.c.found_date >= load_campaign(year).start)
    return sa.and_(*terms)


def class_terms(campaign: Campaign, as_of: dt.date) -> tuple[Any, Any, tuple[int, ...], int]:
    """SQL conditions on a hazard: a major finding in the campaigns of special supervision, a larger or
    major finding of this campaign by the as-of date; and those campaigns' years and the occasions that
    make an enterprise special."""
    need = int(campaign.parameter("special_supervision_major_risks"))
    years = campaign_years(campaign)
    in_window = sa.and_(H.c.grade == "major", sa.or_(*(in_campaign(y, as_of) for y in years)))
    this_year = sa.and_(H.c.grade.in_(("larger", "major")), in_campaign(campaign.year, as_of))
    return in_window, this_year, years, need


def classified(
    campaign: Campaign, as_of: dt.date, county: str | None = None, enterprise_id: int | None = None
) -> sa.Subquery:
    """SQL: every enterprise (of ``county``, else all) under classified supervision (分类监管) at ``as_of``,
    one row each (the one definition, read by the rules, the results list, the inspection ranking and the
    enterprise pages):
    enterprise_id, county_code (the enterprise's), majors (*occasions*: days on which a major finding was
    made in the campaigns of this year and last), current (larger or major findings of this campaign),
    class ('special' with at least ``special_supervision_major_risks`` occasions, else 'key' with a
    current one). An occasion is a day: however many major findings one day's inspection (or several
    that day) records, the enterprise was found with a major risk once that day (docs/rules.md “分类监管”).
    ``enterprise_id``: that enterprise alone."""
    in_window, this_year, _, need = class_terms(campaign, as_of)
    only = [] if enterprise_id is None else [H.c.enterprise_id == enterprise_id]
    if county is not None:
        only.append(ENT.c.county_code == county)
    per_enterprise = (
        sa.select(
            H.c.enterprise_id,
            ENT.c.county_code,
            sa.func.count(sa.distinct(sa.case((in_window, H.c.found_date)))).label("majors"),
            sa.func.count(sa.case((this_year, 1))).label("current"),
        )
        .select_from(H.join(ENT, ENT.c.id == H.c.enterprise_id))
        .where(sa.or_(in_window, this_year), *only)
        # County first: the order in which the database reads the enterprises (by their county index),
        # so that it groups as it reads instead of sorting every finding.
        .group_by(ENT.c.county_code, H.c.enterprise_id)
        .subquery("per_enterprise")
    )
    cls = sa.case(
        (per_enterprise.c.majors >= need, "special"), (per_enterprise.c.current > 0, "key"), else_=None
    )
    return sa.select(per_enterprise, cls.label("class")).where(cls.is_not(None)).subquery("classified")


# -- stage 2: proposed inspection lists -------------------------------------------------------------

DEFAULT_WEIGHTS = {
    "major_risk_reported": 5,
    "responsibility_gap": 1,
    "uncontrolled_risk_point": 2,
    "not_self_checked": 2,
    "key_object": 1,
    "concentrated_complaints": 2,
    "complaint": 2,
    "spot_check_failure": 3,
    "key_supervision": 3,
    "special_supervision": 6,
}
"""Points per factor of :func:`inspection_proposals`; a campaign may override them in a
``[parameters.proposal_weights]`` table."""

REASON_TEXT = {
    "major_risk_reported": "自查报告重大风险",
    "responsibility_gap": "主体责任自查未落实{n}项",
    "uncontrolled_risk_point": "风险管控清单{n}项措施未落实",
    "not_self_checked": "未开展自查",
    "in_cluster_area": "位于生产销售企业集聚区",
    "rural_or_fringe_shop": "城乡结合部或农村市场门店",
    "wholesale_market_shop": "专业批发市场门店",
    "concentrated_complaints": "舆情反映集中、投诉较多",
    "complaint": "投诉举报、舆情{n}条",
    "spot_check_failure": "监督抽查不合格或拒检{n}次",
    "key_supervision": "{when}实施重点监管",
    "special_supervision": "{when}实施特别监管",
}
_FLAGS = ("in_cluster_area", "rural_or_fringe_shop", "wholesale_market_shop")


def inspection_proposals(store: Store, county: str, as_of: dt.date) -> pd.DataFrame:
    """Stage 2's proposed inspection list of ``county``: “结合自查自纠阶段发现的问题和风险隐患”.

    Every enterprise of the county, ranked by points for its self-check findings (a major risk
    reported, duties not in place, risk points without measures, or no self-check at all), key-object
    flags, complaints and public-opinion signals, earlier unqualified or refused spot checks, and the
    standing class it is in (重点监管 / 特别监管, now or at the end of last year's campaign); the reason
    column says, in Chinese, what earned the points. Columns: rank, enterprise_id, uscc, name, field,
    score, reason, inspected (already inspected this campaign), and one column per factor (supervision:
    'key', 'special' or '').
    """
    import pandas as pd  # noqa: PLC0415 -- optional heavy: the tracker's first table draws without it

    # optional heavy (pydantic), as pandas: the tracker's first table draws without them
    from . import fields, models  # noqa: PLC0415

    campaign = campaign_at(as_of)
    weights = {**DEFAULT_WEIGHTS, **dict(campaign.parameters.get("proposal_weights", {}))}
    code = _codes(store, county)[0]
    sc, items, sig, spot, ins = (
        schema.self_checks,
        schema.risk_control_items,
        schema.risk_signals,
        schema.spot_checks,
        schema.inspections,
    )
    duties = fields.duties(models.SelfCheck).values()  # the self-check's duties, as the model declares them
    duties_missing = sum((sa.case((sc.c[d].is_(False), 1), else_=0) for d in duties), sa.literal(0))
    this_check = sc.c.campaign_year == campaign.year, sc.c.check_date <= as_of
    sampled = sa.func.coalesce(spot.c.enterprise_id, spot.c.seller_id, spot.c.producer_id)
    failed = sa.and_(spot.c.result.in_(("unqualified", "refused")), spot.c.sample_date <= as_of)
    with store.read() as conn:
        base = pd.DataFrame(
            conn.execute(
                sa.select(
                    ENT.c.id.label("enterprise_id"),
                    ENT.c.uscc,
                    ENT.c.name,
                    ENT.c.field,
                    ENT.c.concentrated_complaints,
                    *(ENT.c[f] for f in _FLAGS),
                ).where(ENT.c.county_code == code)
            )
            .mappings()
            .all()
        )
        checks = pd.DataFrame(
            conn.execute(
                sa.select(
                    sc.c.enterprise_id, sc.c.major_risk_reported, duties_missing.label("responsibility_gaps")
                ).where(sc.c.county_code == code, *this_check)
            )
            .mappings()
            .all(),
            columns=["enterprise_id", "major_risk_reported", "responsibility_gaps"],
        )
        uncontrolled = _per_enterprise(
            conn,
            sa.select(sc.c.enterprise_id, sa.func.count().label("n"))
            .select_from(items.join(sc, sc.c.id == items.c.self_check_id))
            .where(sc.c.county_code == code, items.c.measures_in_place.is_(False), *this_check)
            .group_by(sc.c.enterprise_id),
        )
        complaints = _per_enterprise(
            conn,
            sa.select(sig.c.enterprise_id, sa.func.count().label("n"))
            .where(
                sig.c.county_code == code,
                sig.c.source.in_(("complaint", "public_opinion")),
                sig.c.received_date <= as_of,
            )
            .group_by(sig.c.enterprise_id),
        )
        failures = _per_enterprise(
            conn,
            sa.select(sampled.label("enterprise_id"), sa.func.count().label("n"))
            .where(failed)
            .group_by(sampled),
        )
        inspected = set(
            conn.execute(
                sa.select(ins.c.enterprise_id).where(
                    ins.c.county_code == code,
                    ins.c.campaign_year == campaign.year,
                    ins.c.inspection_date <= as_of,
                )
            ).scalars()
        )
        supervised = _standing_classes(conn, campaign, code, as_of)
    columns = ["rank", "enterprise_id", "uscc", "name", "field", "score", "reason", "inspected"]
    if base.empty:
        return pd.DataFrame(columns=columns)
    frame = base.merge(checks, on="enterprise_id", how="left")
    frame["not_self_checked"] = frame["major_risk_reported"].isna()
    frame["major_risk_reported"] = frame["major_risk_reported"].astype("boolean").fillna(False).astype(bool)
    frame["responsibility_gaps"] = frame["responsibility_gaps"].fillna(0).astype("int64")
    for name, counts in (
        ("uncontrolled_risk_points", uncontrolled),
        ("complaints", complaints),
        ("spot_check_failures", failures),
    ):
        frame[name] = frame["enterprise_id"].map(counts).fillna(0).astype("int64")
    frame["supervision"] = frame["enterprise_id"].map(lambda e: supervised.get(int(e), ("", ""))[0])
    frame["supervision_since"] = frame["enterprise_id"].map(lambda e: supervised.get(int(e), ("", ""))[1])
    flags = frame[list(_FLAGS)].astype(bool)
    frame["score"] = (
        weights["major_risk_reported"] * frame["major_risk_reported"]
        + weights["responsibility_gap"] * frame["responsibility_gaps"]
        + weights["uncontrolled_risk_point"] * frame["uncontrolled_risk_points"]
        + weights["not_self_checked"] * frame["not_self_checked"]
        + weights["key_object"] * flags.sum(axis=1)
        + weights["concentrated_complaints"] * frame["concentrated_complaints"].astype(bool)
        + weights["complaint"] * frame["complaints"]
        + weights["spot_check_failure"] * frame["spot_check_failures"]
        + weights["key_supervision"] * (frame["supervision"] == "key")
        + weights["special_supervision"] * (frame["supervision"] == "special")
    ).astype("int64")
    frame["reason"] = frame.apply(lambda r: _reason(r, weights), axis=1)
    frame["inspected"] = frame["enterprise_id"].isin(inspected)
    frame = frame.sort_values(["score", "enterprise_id"], ascending=[False, True]).reset_index(drop=True)
    frame.insert(0, "rank", frame["score"].rank(method="min", ascending=False).astype("int64"))
    factors = [
        "major_risk_reported",
        "responsibility_gaps",
        "uncontrolled_risk_points",
        "not_self_checked",
        *_FLAGS,
        "concentrated_complaints",
        "complaints",
        "spot_check_failures",
        "supervision",
    ]
    return frame[[*columns, *factors]]


def _standing_classes(
    conn: sa.Connection, campaign: Campaign, county: str, as_of: dt.date
) -> dict[int, tuple[str, str]]:
    """Enterprise id → (class, when) for the enterprises of ``county`` under classified supervision at
    ``as_of``, or at the end of last year's campaign (a class carries into next year's ranking); the
    stronger class wins, ``when`` is "" for this campaign, else e.g. "2023年度"."""
    found: dict[int, tuple[str, str]] = {}
    moments = [(campaign, as_of, "")]
    try:
        last = load_campaign(campaign.year - 1)
        moments.insert(0, (last, last.finish, f"{last.year}年度"))
    except CampaignNotFound:
        pass
    strength = {"": 0, "key": 1, "special": 2}
    for camp, day, when in moments:  # last year's first: this year's class replaces an equal one
        cl = classified(camp, day, county)
        for eid, cls in conn.execute(sa.select(cl.c.enterprise_id, cl.c["class"])).all():
            if strength[cls] >= strength[found.get(int(eid), ("", ""))[0]]:
                found[int(eid)] = (cls, when)
    return found


def _per_enterprise(conn: sa.Connection, stmt: Any) -> dict[int, int]:
    return {int(e): int(n) for e, n in conn.execute(stmt).all() if e is not None}


def _reason(r: pd.Series, weights: dict[str, int]) -> str:
    parts: list[tuple[str, int]] = []
    if r["major_risk_reported"]:
        parts.append((REASON_TEXT["major_risk_reported"], weights["major_risk_reported"]))
    if r["not_self_checked"]:
        parts.append((REASON_TEXT["not_self_checked"], weights["not_self_checked"]))
    for key, col in (
        ("responsibility_gap", "responsibility_gaps"),
        ("uncontrolled_risk_point", "uncontrolled_risk_points"),
    ):
        if r[col]:
            parts.append((REASON_TEXT[key].format(n=r[col]), weights[key] * int(r[col])))
    parts += [(REASON_TEXT[f], weights["key_object"]) for f in _FLAGS if r[f]]
    if r["concentrated_complaints"]:
        parts.append((REASON_TEXT["concentrated_complaints"], weights["concentrated_complaints"]))
    for key, col in (("complaint", "complaints"), ("spot_check_failure", "spot_check_failures")):
        if r[col]:
            parts.append((REASON_TEXT[key].format(n=r[col]), weights[key] * int(r[col])))
    if r["supervision"]:
        key = f"{r['supervision']}_supervision"
        parts.insert(0, (REASON_TEXT[key].format(when=r["supervision_since"]), weights[key]))
    if not parts:
        return "无自查问题、重点对象标记、投诉或抽查不合格记录"
    return "；".join(f"{text}（+{points}）" for text, points in parts)


# -- after the campaign ----------------------------------------------------------------------------


def open_hazards(store: Store, as_of: dt.date, county: str | None = None) -> pd.DataFrame:
    """Every hazard or risk not closed out at ``as_of`` (any campaign year), by county then found date:
    after 31 October these are “持续书面报送整改完成情况”.

    Columns: hazard_id, county_code, county_name, enterprise_id, enterprise, campaign_year, kind, grade,
    grade_label, sub_product_code, found_date, state, state_label, deadline, overdue.
    """
    import pandas as pd  # noqa: PLC0415 -- optional heavy: the tracker's first table draws without it

    led = ledger_at(as_of)
    codes = _codes(store, county)
    stmt = (
        sa.select(
            led.c.id.label("hazard_id"),
            led.c.county_code,
            led.c.enterprise_id,
            ENT.c.name.label("enterprise"),
            led.c.campaign_year,
            led.c.kind,
            led.c.grade,
            led.c.sub_product_code,
            led.c.found_date,
            led.c.state,
            led.c.deadline,
            sa.case((is_overdue(led, as_of), True), else_=False).label("overdue"),
        )
        .select_from(led.join(ENT, ENT.c.id == led.c.enterprise_id))
        .where(is_open(led), led.c.county_code.in_(codes))
        .order_by(led.c.county_code, led.c.found_date, led.c.id)
    )
    with store.read() as conn:
        rows = conn.execute(stmt).mappings().all()
    columns = [
        "hazard_id",
        "county_code",
        "enterprise_id",
        "enterprise",
        "campaign_year",
        "kind",
        "grade",
        "sub_product_code",
        "found_date",
        "state",
        "deadline",
        "overdue",
    ]
    frame = pd.DataFrame([dict(r) for r in rows], columns=columns)
    regions = load_regions()
    frame.insert(2, "county_name", [regions.name_of(c) for c in frame["county_code"]])
    frame.insert(8, "grade_label", [vocab.GRADE.label(g) for g in frame["grade"]])
    frame.insert(12, "state_label", [vocab.HAZARD_STATE.label(s) for s in frame["state"]])
    frame["overdue"] = frame["overdue"].astype(bool)
    return frame
