"""The rectification ledger (问题整改台账): the lifecycle of each hazard or risk, move by move.

“对排查出的隐患要建立问题整改台账，责令限期整改，并及时组织复查，确保问题隐患件件有落实，事事有结果”.

Every move is dated, made by the store's user, audited, and appended to ``hazard_events``; the
``hazards`` row holds the state after the latest move (for forms), while :func:`ledger_at` rebuilds the
state of every hazard at any date from the events alone (for rules and reports). Moves:

==============  =====================================  ==================================================
state           move                                   next state
==============  =====================================  ==================================================
found           order (deadline)                       ordered
ordered         rectify / refuse                       rectified / refused
rectified       reinspect (passed / failed, deadline)  reinspected / ordered (new deadline)
reinspected     close                                  closed
closed          look_back (upheld / reopened)          closed / ordered (with a deadline) or found
refused         order (deadline) / rectify             ordered / rectified
found, ordered, escalate (interview, concentrated      unchanged: the escalation is recorded as an event
refused         action, enforcement sampling, joint
                handling)
any open state  measures (in place / not in place),    unchanged: whether the risk's control measures are
(a risk only)                                          in place from that date is recorded as an event
==============  =====================================  ==================================================

*Overdue* is not a state: a hazard is overdue at a date when it is ``ordered`` and its deadline is
before that date. The state at a date, overdue, open and closed are defined once, in
:mod:`hazardlib.figures`, and named here (``ledger_at``, ``is_overdue``, ``is_open``, ``is_closed``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema, vocab
from .campaign import deadline_from, load_campaign
from .catalogue import product_name
from .errors import Finding, IllegalMove, ValidationFailed
from .figures import is_closed as is_closed
from .figures import is_open as is_open
from .figures import is_overdue, ledger_at, mend_shape
from .immediate import raise_for_hazard
from .interviews import record_interview
from .models import Interview, LedgerMove, SelfCheck, category_of, validate
from .store import Store, Tx

H = schema.hazards
E = schema.hazard_events

OPEN_STATES = ("found", "ordered", "rectified", "reinspected", "refused")
"""States in which a hazard is not closed out (未销号)."""

_MOVES: dict[str, tuple[str, ...]] = {
    "found": ("order", "escalate", "measures"),
    "ordered": ("rectify", "refuse", "escalate", "measures"),
    "rectified": ("reinspect", "measures"),
    "reinspected": ("close", "measures"),
    "closed": ("look_back",),
    "refused": ("order", "rectify", "escalate", "measures"),
}
_OUTCOMES: dict[str, tuple[str, ...]] = {move: words.codes for move, words in vocab.MOVE_OUTCOME.items()}
STATE_KEEPING = ("escalate", "measures")
"""Moves recorded as events that leave the state as it is."""

# Why a move is refused, in the words a clerk understands (keyed by state, move; "*" for any state).
REASONS: dict[tuple[str, str], str] = {
    ("found", "reinspect"): "尚未责令限期整改，不能复查",
    ("found", "close"): "尚未整改和复查，不能销号",
    ("found", "rectify"): "尚未责令限期整改，请先下达整改要求",
    ("found", "refuse"): "尚未责令限期整改，谈不上拒不整改",
    ("ordered", "close"): "尚未复查，不能销号",
    ("ordered", "reinspect"): "企业尚未整改完成，不能复查",
    ("ordered", "order"): "已在整改期限内，不能重复责令整改",
    ("rectified", "close"): "未经复查，不能销号",
    ("rectified", "refuse"): "企业已整改，待复查",
    ("reinspected", "reinspect"): "已复查合格，请销号",
    ("closed", "*"): "已销号，只能开展“回头看”",
    ("refused", "close"): "拒不整改的{what}未经整改和复查，不能销号",
    ("refused", "reinspect"): "企业尚未整改，不能复查",
    ("*", "*"): "整改台账不允许这一环节",
}
MESSAGES = {
    "unknown_move": "“{move}”不是有效的整改环节，应为：{choices}",
    "outcome": "“{label}”须注明结论：{choices}",
    "no_outcome": "“{label}”不需要填写结论",
    "deadline_before": "整改期限 {deadline} 早于责令整改日期 {day}",
    "no_deadline": "“{label}”不设整改期限",
    "before_last": "日期 {day} 早于该{what}上一环节的日期 {last}",
    "before_found": "日期 {day} 早于{what}发现日期 {found}",
    "future": "日期 {day} 晚于今天，不能登记未来的日期",
    "both_deadlines": "整改期限与期限天数只能填写一项",
    "measures_risk_only": "管控措施登记在风险上；隐患按责令整改、复查、销号办理",
}


def allowed_moves(state: str, kind: str = "hazard") -> tuple[str, ...]:
    """The moves the ledger allows from ``state`` for a record of ``kind`` (the dashboards offer only these):
    control measures are recorded on a risk only."""
    moves = _MOVES.get(state, ())
    return moves if kind == "risk" else tuple(m for m in moves if m != "measures")


def move_label(move: str) -> str:
    return vocab.HAZARD_MOVE.label(move)


def _refuse(hazard: Mapping[str, Any], state: str, move: str, reason: str) -> IllegalMove:
    """The refusal of a move, naming the record by what it is (隐患 or 风险)."""
    what = vocab.FINDING_KIND.label(hazard["kind"])
    return IllegalMove(hazard["id"], vocab.HAZARD_STATE.label(state), move_label(move), reason, what)


def _reason(state: str, move: str, what: str) -> str:
    reason = REASONS.get((state, move)) or REASONS.get((state, "*")) or REASONS[("*", "*")]
    return reason.format(what=what)


def _next_state(state: str, move: str, outcome: str | None, with_deadline: bool) -> str:
    if move in STATE_KEEPING:
        return state
    if move == "reinspect":
        return "reinspected" if outcome == "passed" else "ordered"
    if move == "look_back":
        if outcome == "upheld":
            return "closed"
        return "ordered" if with_deadline else "found"
    return {"order": "ordered", "rectify": "rectified", "refuse": "refused", "close": "closed"}[move]


def _takes_deadline(move: str, outcome: str | None) -> bool:
    return move == "order" or (move, outcome) in (("reinspect", "failed"), ("look_back", "reopened"))


def _default_deadline(hazard: dict[str, Any], day: dt.date, days: int | None, unit: str | None) -> dt.date:
    if days is None or unit is None:  # the campaign's defaults fill what the caller left out
        campaign = load_campaign(hazard["campaign_year"])
        days = days if days is not None else int(campaign.parameter("default_rectification_days"))
        unit = unit or str(campaign.parameters.get("default_rectification_unit", "calendar"))
    return deadline_from(day, days, unit)  # type: ignore[arg-type]


def apply_move(
    tx: Tx,
    hazard_id: int,
    move: str,
    *,
    day: dt.date,
    deadline: dt.date | None = None,
    deadline_days: int | None = None,
    deadline_unit: str | None = None,
    outcome: str | None = None,
    note: str | None = None,
    expected_version: int | None = None,
    today: dt.date | None = None,
    interview: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Make one move inside an open transaction; returns the hazard after it.

    An escalation to an interview (``escalate`` / ``interview``) records the interview itself through
    :func:`hazardlib.interviews.record_interview` in the same transaction — the enterprise and hazard, the day,
    the note as its reason, and what ``interview`` adds (attendees, commitments, follow-up date, notice
    number, trigger) — so that the interviews table counts it like any other.

    ``order``, a failed ``reinspect`` and a reopening ``look_back`` set a deadline: ``deadline`` as a
    date, or ``deadline_days`` in ``deadline_unit`` ("calendar" or "working", China's official holiday
    calendar with its make-up working days), or — for ``order`` and a failed re-inspection when neither
    is given — the campaign's ``default_rectification_days`` / ``default_rectification_unit``. A
    reopening look-back without a deadline puts the hazard back to ``found``.

    Raises IllegalMove (Chinese reason) when the ledger does not allow the move, NotFound, OutOfScope,
    StaleRecord, CalendarOutOfRange for working days in a year the holiday calendar does not know, or
    ValidationFailed when the note (说明) is longer than :class:`hazardlib.models.LedgerMove` allows.
    """
    hazard = tx.store.get(H, hazard_id, tx.conn)
    state = str(hazard["state"])
    what = vocab.FINDING_KIND.label(hazard["kind"])
    if move not in vocab.HAZARD_MOVE.codes or move == "found":
        choices = "、".join(move_label(m) for m in vocab.HAZARD_MOVE.codes if m != "found")
        raise _refuse(hazard, state, move, MESSAGES["unknown_move"].format(move=move, choices=choices))
    if move == "measures" and hazard["kind"] != "risk":
        raise _refuse(hazard, state, move, MESSAGES["measures_risk_only"])
    if move not in allowed_moves(state, hazard["kind"]):
        raise _refuse(hazard, state, move, _reason(state, move, what))
    label = move_label(move)
    if move in _OUTCOMES:
        if outcome not in _OUTCOMES[move]:
            choices = vocab.MOVE_OUTCOME[move].choices_text()
            raise _refuse(hazard, state, move, MESSAGES["outcome"].format(label=label, choices=choices))
    elif outcome is not None:
        raise _refuse(hazard, state, move, MESSAGES["no_outcome"].format(label=label))
    last = tx.conn.execute(sa.select(sa.func.max(E.c.event_date)).where(E.c.hazard_id == hazard_id)).scalar()
    if last is not None and day < last:
        raise _refuse(hazard, state, move, MESSAGES["before_last"].format(day=day, last=last, what=what))
    if day < hazard["found_date"]:
        raise _refuse(
            hazard,
            state,
            move,
            MESSAGES["before_found"].format(day=day, found=hazard["found_date"], what=what),
        )
    if day > (today or dt.date.today()):
        raise _refuse(hazard, state, move, MESSAGES["future"].format(day=day))

    takes = _takes_deadline(move, outcome)
    if not takes and (deadline is not None or deadline_days is not None):
        raise _refuse(hazard, state, move, MESSAGES["no_deadline"].format(label=label))
    if deadline is not None and deadline_days is not None:
        raise _refuse(hazard, state, move, MESSAGES["both_deadlines"])
    new_deadline = deadline
    if takes and deadline is None and (deadline_days is not None or move != "look_back"):
        new_deadline = _default_deadline(hazard, day, deadline_days, deadline_unit)
    if new_deadline is not None and new_deadline < day:
        raise _refuse(hazard, state, move, MESSAGES["deadline_before"].format(deadline=new_deadline, day=day))

    to_state = _next_state(state, move, outcome, new_deadline is not None)
    changes: dict[str, Any] = {"state": to_state}
    if to_state == "ordered" and new_deadline is not None:
        changes.update(ordered_date=day, deadline=new_deadline, rectified_date=None)
    if move == "rectify":
        changes["rectified_date"] = day
    elif move == "reinspect":
        changes["reinspected_date"] = day
    elif move == "close":
        changes["closed_date"] = day
    elif move == "look_back" and outcome == "reopened":
        changes.update(closed_date=None, reinspected_date=None, rectified_date=None)
        if new_deadline is None:
            changes.update(ordered_date=None, deadline=None)
    after = tx.update(H, hazard_id, changes, expected_version=expected_version)
    append_event(tx, hazard_id, move, day, state, to_state, deadline=new_deadline, outcome=outcome, note=note)
    if move == "escalate" and outcome == "interview":
        trigger = "refused_rectification" if state == "refused" else "county_decision"
        data = {"trigger": trigger, "reason": note, **(interview or {})}
        held = {"enterprise_id": hazard["enterprise_id"], "campaign_year": hazard["campaign_year"]}
        record = validate(Interview, {**data, **held, "held_date": day, "hazard_id": hazard_id}, today=today)
        record_interview(tx, record)
    return after


def move(
    store: Store,
    hazard_id: int,
    move: str,
    *,
    day: dt.date,
    deadline: dt.date | None = None,
    deadline_days: int | None = None,
    deadline_unit: str | None = None,
    outcome: str | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Make one move on the ledger in its own transaction (see :func:`apply_move`); the ledger is
    unchanged when the move is refused."""
    with store.transaction(f"整改台账：{move_label(move)}") as tx:
        return apply_move(
            tx,
            hazard_id,
            move,
            day=day,
            deadline=deadline,
            deadline_days=deadline_days,
            deadline_unit=deadline_unit,
            outcome=outcome,
            note=note,
            expected_version=expected_version,
        )


def append_event(
    tx: Tx,
    hazard_id: int,
    move: str,
    day: dt.date,
    from_state: str | None,
    to_state: str,
    *,
    deadline: dt.date | None = None,
    outcome: str | None = None,
    note: str | None = None,
) -> int:
    """Append one dated event to a hazard's history (audited), and keep the ledger's shape of the hazard's
    events (:func:`hazardlib.figures.mend_shape`) in the same transaction; the state change is the caller's.

    The note is what :class:`hazardlib.models.LedgerMove` takes: ValidationFailed (说明 too long) otherwise,
    and nothing of the move stays, for the caller's transaction is rolled back.
    """
    note = validate(LedgerMove, {"note": note}).note
    event_id = tx.insert(
        E,
        dict(
            hazard_id=hazard_id,
            move=move,
            event_date=day,
            from_state=from_state,
            to_state=to_state,
            deadline=deadline,
            outcome=outcome,
            note=note,
            actor=tx.store.user,
            recorded_at=tx.now,
        ),
    )
    mend_shape(tx.conn, [hazard_id])
    return event_id


# -- control measures of a risk ------------------------------------------------------------------------


def measures_move(hazard_id: Any, as_of: dt.date, column: str = "outcome") -> Any:
    """SQL: ``column`` (``outcome`` or ``event_date``) of the hazard's latest ``measures`` move dated on or
    before ``as_of`` (NULL when none is)."""
    ev = E.alias("measures_move")
    return (
        sa.select(ev.c[column])
        .where(ev.c.hazard_id == hazard_id, ev.c.move == "measures", ev.c.event_date <= as_of)
        .order_by(ev.c.event_date.desc(), ev.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def without_measures_at(hazard_id: Any, as_found: Any, as_of: dt.date) -> Any:
    """SQL: at ``as_of`` the risk's control measures are known not to be in place — its latest ``measures``
    move then says so, or it has none and the record says none were in place when it was found or reported
    (``control_measures`` false; unknown is not “without”)."""
    latest = measures_move(hazard_id, as_of)
    return sa.or_(latest == "not_in_place", sa.and_(latest.is_(None), as_found.is_(False)))


def measures_at(conn: Connection, hazard_id: int, as_of: dt.date) -> tuple[bool | None, dt.date | None]:
    """Whether a risk's control measures are in place at ``as_of`` (None: unknown) and the date of the
    ledger move that says so (None: as the record was found or reported)."""
    row = conn.execute(
        sa.select(
            measures_move(H.c.id, as_of), measures_move(H.c.id, as_of, "event_date"), H.c.control_measures
        ).where(H.c.id == hazard_id)
    ).one()
    if row[0] is None:
        return row[2], None
    return row[0] == "in_place", row[1]


# -- the hazard key ---------------------------------------------------------------------------------
HAZARD_KEY = ("enterprise_id", "found_date", "sub_product_code", "problem_code")
"""The hazard key: enterprise, found date, product, problem type — one ledger record per key."""

KEY_HELD = (
    "企业自查报告的重大风险与整改台账中隐患编号 {id} 的记录相同（同一企业、发现日期 {found}、产品“{product}”、"
    "问题类型“其他”），同一隐患不能登记两次：请核对{field}，或在隐患编号 {id} 的记录中登记此风险"
)


def key_holder(conn: Connection, row: Mapping[str, Any]) -> int | None:
    """The ledger record holding the hazard key of ``row``, or None."""
    return conn.execute(sa.select(H.c.id).where(*[H.c[k] == row[k] for k in HAZARD_KEY])).scalar()


# -- self-reported major risks ---------------------------------------------------------------------


def register_self_reported_risk(tx: Tx, self_check_id: int) -> int | None:
    """Put the major risk an enterprise reported in its self-check on its county's ledger.

    “对自查发现的重大质量安全风险，生产和销售单位要向属地市场监管部门主动报告并积极化解。”

    The risk is a finding of kind ``risk``, grade ``major``, source ``self_check`` (one per self-check:
    a re-submission updates its description and control status). Its product is the enterprise's first
    registered product, its problem type “其他” of the enterprise's field; whether control measures are
    in place is read from the major-grade lines of the risk control list (unknown when there are none).
    An immediate-report item is raised for it. Returns the hazard id, or None when no major risk was
    reported.
    """
    s = schema.self_checks
    sc = tx.conn.execute(sa.select(s).where(s.c.id == self_check_id)).mappings().one()
    if not sc["major_risk_reported"]:
        return None
    items = schema.risk_control_items
    major_in_place = (
        tx.conn.execute(
            sa.select(items.c.measures_in_place).where(
                items.c.self_check_id == self_check_id, items.c.grade == "major"
            )
        )
        .scalars()
        .all()
    )
    control = all(major_in_place) if major_in_place else None
    found = tx.conn.execute(
        sa.select(H.c.id).where(H.c.source == "self_check", H.c.source_id == self_check_id)
    ).scalar()
    if found is not None:
        tx.update(H, int(found), {"description": sc["major_risk_description"], "control_measures": control})
        raise_for_hazard(tx, int(found))
        return int(found)
    e = schema.enterprises
    ent = (
        tx.conn.execute(sa.select(e.c.field, e.c.products).where(e.c.id == sc["enterprise_id"]))
        .mappings()
        .one()
    )
    products = list(ent["products"] or [])
    product = str(products[0]) if products else ""
    row = dict(
        enterprise_id=sc["enterprise_id"],
        county_code=sc["county_code"],
        registered_county=sc["registered_county"],
        campaign_year=sc["campaign_year"],
        kind="risk",
        grade="major",
        problem_code="C99" if ent["field"] == "seller" else "P99",
        category_code=category_of(product) if product else "",
        sub_product_code=product,
        found_date=sc["check_date"],
        source="self_check",
        source_id=self_check_id,
        description=sc["major_risk_description"],
        control_measures=control,
        state="found",
    )
    if (held := key_holder(tx.conn, row)) is not None:  # the whole self-check is refused with it
        field = SelfCheck.model_fields["check_date"].title
        why = KEY_HELD.format(
            id=held, found=vocab.date_label(row["found_date"]), product=product_name(product), field=field
        )
        raise ValidationFailed([Finding("hazard_key", why, field=field, value=row["found_date"])])
    hid = tx.insert(H, row)
    append_event(tx, hid, "found", sc["check_date"], None, "found", note="企业自查主动报告的重大风险")
    raise_for_hazard(tx, hid)
    return hid


# -- the ledger at a date --------------------------------------------------------------------------
# The state of a hazard at a date, overdue, open and closed are defined once, in hazardlib.figures (which
# the tracker's first table reads without pandas); they are named here for the ledger's readers.


def state_at(conn: Connection, hazard_ids: Iterable[int] | None, as_of: dt.date) -> pd.DataFrame:
    """The state of hazards (all when ``hazard_ids`` is None) at ``as_of``, one row each.

    Columns: hazard_id, state, state_label, state_date, deadline, overdue.
    """
    led = ledger_at(as_of, hazard_ids)
    stmt = sa.select(
        led.c.id.label("hazard_id"),
        led.c.state,
        led.c.state_date,
        led.c.deadline,
        sa.case((is_overdue(led, as_of), True), else_=False).label("overdue"),
    ).order_by(led.c.id)
    frame = pd.DataFrame(
        conn.execute(stmt).mappings().all(),
        columns=["hazard_id", "state", "state_date", "deadline", "overdue"],
    )
    frame.insert(2, "state_label", [vocab.HAZARD_STATE.label(s) for s in frame["state"]])
    frame["overdue"] = frame["overdue"].astype(bool)
    return frame


def history(store: Store, hazard_id: int) -> pd.DataFrame:
    """A hazard's moves in order, with Chinese labels (NotFound outside the session's county).

    Columns: id, event_date, move, move_label, from_state, from_label, to_state, to_label, deadline,
    outcome, outcome_label, note, actor, recorded_at.
    """
    with store.read() as conn:
        store.get(H, hazard_id, conn)
        rows = (
            conn.execute(sa.select(E).where(E.c.hazard_id == hazard_id).order_by(E.c.event_date, E.c.id))
            .mappings()
            .all()
        )
    frame = pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in E.c])
    outcome_words = {
        code: label for words in vocab.MOVE_OUTCOME.values() for code, label in words.labels.items()
    }
    frame["move_label"] = [move_label(m) for m in frame["move"]]
    frame["from_label"] = [vocab.HAZARD_STATE.label(s) for s in frame["from_state"]]
    frame["to_label"] = [vocab.HAZARD_STATE.label(s) for s in frame["to_state"]]
    frame["outcome_label"] = [outcome_words.get(o, o or "") for o in frame["outcome"]]
    return frame[HISTORY_COLUMNS]


HISTORY_COLUMNS = [
    "id",
    "event_date",
    "move",
    "move_label",
    "from_state",
    "from_label",
    "to_state",
    "to_label",
    "deadline",
    "outcome",
    "outcome_label",
    "note",
    "actor",
    "recorded_at",
]
