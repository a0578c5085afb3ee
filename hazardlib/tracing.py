"""Two-way tracing (双向追查) of an unqualified product's producer and seller.

“对不合格产品的生产和销售单位开展双向追查，及时控制风险隐患。”

An unqualified spot check gives one task per party named in it (producer, seller), sent by the county
that sampled the product (``from_county``) to the county where the party is registered
(``to_county``): the party's county when it is in the store or its region names one of the
prefecture's counties; otherwise the prefecture (522700), which passes the task on — to one of its
counties, or outside the prefecture (the task is then ``passed_on``). The sender follows the tasks it
sent with :func:`tasks_sent`; a county sees its work with :func:`tasks_received`.

Each pass-on is a record of its own (``tracing_passes``: the day, the county that held the task, the county
that holds it from then on, the note), written with the task's change in one transaction. ``to_county`` is the
holder now; :func:`holder_expr` gives the holder at a date (the county that passed it on first after that date,
else ``to_county``), which the task lists, the rules and the tracing report use.

A task is due ``default_rectification_days`` (in ``default_rectification_unit``) after it is created:
the campaign gives no separate period for tracing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd
import sqlalchemy as sa

from . import models, schema, vocab
from .campaign import campaign_at
from .errors import Finding, HazardError, OutOfScope, ValidationFailed
from .regions import load_regions
from .store import PREFECTURE_CODE, Store, Tx

T = schema.tracing_tasks
P = schema.tracing_passes
S = schema.spot_checks

MESSAGES = {
    "not_unqualified": "抽查批次 {batch} 的结果为“{result}”，只有不合格产品才开展双向追查",
    "no_party": "抽查批次 {batch} 未写明生产单位或销售单位，无法追查",
    "not_open": "追查任务 {id} 当前状态为“{state}”，不能再{what}",
    "not_before_pass": "日期 {day} 早于该任务上次转办的日期 {passed}",
    "before_created": "日期 {day} 早于任务下达日期 {created}",
    "same_county": "追查任务 {id} 已在{county}，无需转办",
    "by_prefecture": "追查任务 {id} 转给州内其他县（市）须由州局办理；本县（市）只能转给州外单位",
    "pass_note": "{day} 由州局转办至{to}",
    "done_note": "{day} 办结",
    "note_full": "办理情况累计最多{limit}个字，本次最多还能填写{room}个字",
    "chain": "追查任务 {id} 的转办记录不接续：{day} 由{from_}转出，而此前任务在{held}",
    "after_out": "追查任务 {id} 已于 {out} 转出州外，其后 {day} 又有转办记录",
    "holder": "追查任务 {id} 最后一次转办给{to}，而任务现在的承办单位是{holder}",
    "out_state": "追查任务 {id} 已于 {day} 转出州外，而任务的状态是“{state}”、办结日期是 {done}",
    "before_task": "追查任务 {id} 的转办日期 {day} 早于任务下达日期 {created}",
}


def party_county(conn: sa.Connection, enterprise_id: int | None, uscc: str | None, region: str | None) -> str:
    """The county a party's tracing task goes to: its registered county, else the county its region
    names, else the prefecture (a party outside the prefecture, or one that cannot be placed)."""
    e = schema.enterprises
    if enterprise_id is not None:
        code = conn.execute(sa.select(e.c.county_code).where(e.c.id == enterprise_id)).scalar()
        if code:
            return str(code)
    if uscc:
        code = conn.execute(sa.select(e.c.county_code).where(e.c.uscc == uscc)).scalar()
        if code:
            return str(code)
    if region:
        regions = load_regions()
        found = regions.find(region)
        if found is not None and regions.is_county(found.code):
            return found.code
    return PREFECTURE_CODE


def tasks_of(conn: sa.Connection, spot_check_id: int) -> list[int]:
    """The ids of the tracing tasks of a spot check."""
    return list(conn.execute(sa.select(T.c.id).where(T.c.spot_check_id == spot_check_id)).scalars())


def create_tracing_tasks(store: Store, spot_check_id: int, day: dt.date) -> list[int]:
    """Create the tracing tasks of an unqualified spot check (one per named party) in a transaction of
    their own; returns their ids. See :func:`open_tracing_tasks`."""
    with store.transaction("发起双向追查") as tx:
        return open_tracing_tasks(tx, spot_check_id, day)


def open_tracing_tasks(tx: Tx, spot_check_id: int, day: dt.date) -> list[int]:
    """Create the tracing tasks of an unqualified spot check (one per named party) on ``day``, in the
    caller's transaction; returns their ids.

    Idempotent: a role that already has a task is left alone. Raises NotFound, OutOfScope (a county
    may create tasks only for the checks it sampled or that concern it), CampaignNotFound, or
    HazardError when the check is not unqualified or names no party.
    """
    store = tx.store
    campaign = campaign_at(day)
    sc = store.get(S, spot_check_id, tx.conn)
    if sc["result"] != "unqualified":
        raise HazardError(
            MESSAGES["not_unqualified"].format(
                batch=sc["batch_no"], result=vocab.SPOT_RESULT.label(sc["result"])
            )
        )
    have = set(tx.conn.execute(sa.select(T.c.role).where(T.c.spot_check_id == spot_check_id)).scalars())
    due = campaign.default_deadline(day)
    made: list[int] = []
    named = False
    for role in ("producer", "seller"):
        eid, name, uscc, region = (sc[f"{role}_{k}"] for k in ("id", "name", "uscc", "region"))
        if eid is None and not name and not uscc:
            continue
        named = True
        if role in have:
            continue
        if eid is not None and not name:
            name = tx.conn.execute(
                sa.select(schema.enterprises.c.name).where(schema.enterprises.c.id == eid)
            ).scalar()
        made.append(
            tx.insert(
                T,
                dict(
                    spot_check_id=spot_check_id,
                    campaign_year=sc["campaign_year"],
                    role=role,
                    from_county=sc["sampled_by_county"],
                    to_county=party_county(tx.conn, eid, uscc, region),
                    target_enterprise_id=eid,
                    target_name=name,
                    target_uscc=uscc,
                    target_region=region,
                    state="open",
                    created_date=day,
                    due=due,
                ),
            )
        )
    if not named:
        raise HazardError(MESSAGES["no_party"].format(batch=sc["batch_no"]))
    return made


def _report(task_id: int, day: dt.date, note: str | None, recipient: str | None = None) -> Any:
    """What a person wrote to pass on or complete a task, as :class:`hazardlib.models.TracingReport`
    (ValidationFailed if too long)."""
    return models.validate(
        models.TracingReport, {"task_id": task_id, "day": day, "recipient": recipient, "note": note}
    )


def _noted(task: dict[str, Any], entry: str | None, own: str | None, joint: str = "；") -> str | None:
    """The task's 办理情况 with ``entry`` (dated) and the person's own note ``own``, joined by ``joint``, added
    after what it holds; ValidationFailed when the whole is longer than :class:`hazardlib.models.TracingReport`
    allows."""
    added = joint.join(x for x in (entry, own) if x)
    whole = "；".join(x for x in (task["note"], added) if x) or None
    limit = models.max_chars(models.TracingReport, "note")
    if whole is not None and limit is not None and len(whole) > limit:
        room = max(0, limit - (len(whole) - len(own or "")))
        message = MESSAGES["note_full"].format(limit=limit, room=room)
        title = models.TracingReport.model_fields["note"].title
        raise ValidationFailed([Finding("string_too_long", message, field=title, value=models.shown(own))])
    return whole


def _open_task(store: Store, tx: Any, task_id: int, day: dt.date, what: str) -> dict[str, Any]:
    """The task, open, to be acted on at ``day`` by the session: only its holder (the prefecture, or the county
    it is on the list of) completes it or passes it on (OutOfScope otherwise), not before it was created or
    last passed on (HazardError)."""
    task = store.get(T, task_id, tx.conn)
    if store.county is not None and store.county != task["to_county"]:
        raise OutOfScope(store.county, task["to_county"])  # only the task's holder acts on it
    if task["state"] != "open":
        raise HazardError(
            MESSAGES["not_open"].format(id=task_id, state=vocab.TRACING_STATE.label(task["state"]), what=what)
        )
    if day < task["created_date"]:
        raise HazardError(MESSAGES["before_created"].format(day=day, created=task["created_date"]))
    passed = tx.conn.execute(sa.select(sa.func.max(P.c.pass_date)).where(P.c.task_id == task_id)).scalar()
    if passed is not None and day < passed:
        raise HazardError(MESSAGES["not_before_pass"].format(day=day, passed=passed))
    return task


def pass_on(
    store: Store, task_id: int, day: dt.date, recipient: str, note: str | None = None
) -> dict[str, Any]:
    """The prefecture passes a task on: to one of its counties (the task moves to that county's list and
    stays open), or — ``recipient`` naming anyone else, e.g. another prefecture's bureau — out of the
    prefecture (the task is ``passed_on`` and done for the prefecture). Only the session holding the
    task (the prefecture, or the county it is addressed to) may pass it on: OutOfScope otherwise; a county
    passes it out of the prefecture only (HazardError: to another county is the prefecture's). The pass
    is recorded in ``tracing_passes`` (day, from, to, note) in the same transaction, so the holder at an
    earlier date stays known (:func:`holder_expr`).
    ValidationFailed, with nothing written, when ``recipient`` or ``note`` is longer than
    :class:`hazardlib.models.TracingReport` allows."""
    with store.transaction("转办追查任务") as tx:
        return pass_on_in(tx, task_id, day, recipient, note)


def pass_on_in(tx: Tx, task_id: int, day: dt.date, recipient: str, note: str | None = None) -> dict[str, Any]:
    """:func:`pass_on` within an open transaction (the import's)."""
    store = tx.store
    regions = load_regions()
    task = _open_task(store, tx, task_id, day, "转办")
    report = _report(task_id, day, note, recipient)
    written = report.recipient or ""
    place = regions.find(written)
    text = MESSAGES["pass_note"].format(day=day, to=regions.name_of(place.code) if place else written)
    full_note = _noted(task, text, report.note)
    to = place.code if place is not None and regions.is_county(place.code) else None
    if to is not None and to == task["to_county"]:
        raise HazardError(MESSAGES["same_county"].format(id=task_id, county=regions.name_of(to)))
    if to is not None and store.county is not None:  # a county passes a task out of the prefecture only
        raise HazardError(MESSAGES["by_prefecture"].format(id=task_id))
    passed = dict(
        task_id=task_id, pass_date=day, from_county=task["to_county"], to_county=to, note=report.note
    )
    tx.insert(P, passed | ({} if to else {"recipient": written}))
    if to is not None:
        return tx.update(T, task_id, {"to_county": to, "note": full_note})
    return tx.update(T, task_id, {"state": "passed_on", "done_date": day, "note": full_note})


def complete(store: Store, task_id: int, day: dt.date, note: str | None = None) -> dict[str, Any]:
    """The receiving county has traced the party: the task is done on ``day`` (ValidationFailed, with nothing
    written, when ``note`` is longer than :class:`hazardlib.models.TracingReport` allows)."""
    with store.transaction("办结追查任务") as tx:
        return complete_in(tx, task_id, day, note)


def complete_in(tx: Tx, task_id: int, day: dt.date, note: str | None = None) -> dict[str, Any]:
    """:func:`complete` within an open transaction (the import's)."""
    task = _open_task(tx.store, tx, task_id, day, "办结")
    own = _report(task_id, day, note).note
    # a completion with a note adds it dated ("2024-07-20 办结：…", see note_at); one without adds nothing
    full_note = _noted(task, MESSAGES["done_note"].format(day=day) if own else None, own, "：")
    return tx.update(T, task_id, {"state": "done", "done_date": day, "note": full_note})


# where one entry of a task's 办理情况 ends and the next, which begins with its date, starts
_NEXT_ENTRY = re.compile(r"；(?=\d{4}-\d{2}-\d{2} )")
_DATED = re.compile(r"(\d{4}-\d{2}-\d{2}) ")


def note_at(note: str | None, done: dt.date | None, as_of: dt.date) -> str | None:
    """A task's 办理情况 as it stood at ``as_of``: the entries written on or before that day, as the ledger
    shows a hazard's moves up to its date. Each entry (a pass-on, a completion with a note) begins with its
    date; an entry without one is a completion's note written before they were dated, of the done date."""
    if note is None:
        return None
    kept = []
    for entry in _NEXT_ENTRY.split(note):
        dated = _DATED.match(entry)
        day = dt.date.fromisoformat(dated.group(1)) if dated else done
        if day is None or day <= as_of:
            kept.append(entry)
    return "；".join(kept) or None


def state_expr(as_of: dt.date) -> Any:
    """SQL: a task's state at ``as_of`` (open until its done date)."""
    return sa.case((sa.and_(T.c.done_date.is_not(None), T.c.done_date <= as_of), T.c.state), else_="open")


def _first_pass_after(as_of: dt.date, column: Any) -> Any:
    """SQL: ``column`` of the task's first pass-on after ``as_of`` (NULL when none)."""
    first = sa.select(column).where(P.c.task_id == T.c.id, P.c.pass_date > as_of)
    return first.order_by(P.c.pass_date, P.c.id).limit(1).scalar_subquery()


def holder_expr(as_of: dt.date) -> Any:
    """SQL: the county holding a task at ``as_of`` (the prefecture, 522700, for a party it passes on): the one
    that passed it on first after that date, else the holder now (``to_county``)."""
    return sa.func.coalesce(_first_pass_after(as_of, P.c.from_county), T.c.to_county)


def _tasks(store: Store, where: Any, as_of: dt.date | None) -> pd.DataFrame:
    day = as_of or dt.date.today()
    state = state_expr(day)
    passed_later = _first_pass_after(day, P.c.pass_date)
    stmt = store.scoped(
        sa.select(
            T.c.id,
            T.c.spot_check_id,
            S.c.batch_no,
            S.c.sub_product_code,
            T.c.role,
            T.c.from_county,
            holder_expr(day).label("to_county"),
            T.c.target_enterprise_id,
            T.c.target_name,
            T.c.target_region,
            state.label("state"),
            T.c.created_date,
            T.c.due,
            sa.case((T.c.done_date <= day, T.c.done_date)).label("done_date"),
            # passed on, closed or passed out of the prefecture after the as-of date: open then, held by the
            # county it was with, but no longer to act on at that date
            sa.case((passed_later.is_not(None), "passed_on"), (T.c.done_date > day, T.c.state)).label(
                "later_state"
            ),
            sa.case((passed_later.is_not(None), passed_later), (T.c.done_date > day, T.c.done_date)).label(
                "later_date"
            ),
            sa.case((sa.and_(state == "open", T.c.due < day), True), else_=False).label("overdue"),
            T.c.note,
        )
        .select_from(T.join(S, S.c.id == T.c.spot_check_id))
        .where(where, T.c.created_date <= day),
        T,
    ).order_by(T.c.created_date, T.c.id)
    with store.read() as conn:
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
    columns = [
        "id",
        "spot_check_id",
        "batch_no",
        "sub_product_code",
        "role",
        "from_county",
        "to_county",
        "target_enterprise_id",
        "target_name",
        "target_region",
        "state",
        "created_date",
        "due",
        "done_date",
        "later_state",
        "later_date",
        "overdue",
        "note",
    ]
    for r in rows:  # what was written after the date is not shown, as the state then is
        r["note"] = note_at(r["note"], r["done_date"] or r["later_date"], day)
    frame = pd.DataFrame(rows, columns=columns)
    regions = load_regions()
    frame.insert(5, "role_label", [vocab.PARTY_ROLE.label(r) for r in frame["role"]])
    frame.insert(8, "to_county_name", [regions.name_of(c) for c in frame["to_county"]])
    frame.insert(13, "state_label", [vocab.TRACING_STATE.label(s) for s in frame["state"]])
    frame["overdue"] = frame["overdue"].astype(bool)
    return frame


def tasks_sent(store: Store, county: str, as_of: dt.date | None = None) -> pd.DataFrame:
    """The tracing tasks ``county`` sent (it sampled the product), with where each stands at ``as_of``
    (``later_state`` and ``later_date``: how and when a task open then was closed or passed on after it)."""
    return _tasks(store, T.c.from_county == county, as_of)


def tasks_received(store: Store, county: str, as_of: dt.date | None = None) -> pd.DataFrame:
    """The tracing tasks on ``county``'s list at ``as_of`` (522700: the prefecture's, to pass on): those it held
    then, as :func:`tasks_sent` (a task passed on to another county after that date is still on this list then,
    with ``later_state`` passed_on)."""
    # held then: held now, or passed on by it since (what the indexes find), and of those the holder at the date
    held = sa.or_(
        T.c.to_county == county, T.c.id.in_(sa.select(P.c.task_id).where(P.c.from_county == county))
    )
    return _tasks(store, sa.and_(held, holder_expr(as_of or dt.date.today()) == county), as_of)


def pass_problems(conn: sa.Connection) -> list[str]:
    """Where the tasks' passes (``tracing_passes``) disagree with each other or with their task, for
    ``hazard verify``: each pass from the county the one before passed it to, none after a pass out of the
    prefecture, none before the task was created; the last pass's county is the task's holder now
    (``to_county``), and a pass out of the prefecture leaves it ``passed_on`` on that day."""
    rows = conn.execute(
        sa.select(P, T.c.to_county.label("holder"), T.c.state, T.c.done_date, T.c.created_date)
        .join(T, T.c.id == P.c.task_id)
        .order_by(P.c.task_id, P.c.pass_date, P.c.id)
    ).mappings()
    regions = load_regions()

    def name(code: str | None) -> str:
        return "州外" if code is None else regions.name_of(code)

    problems: list[str] = []
    last: dict[str, Any] | None = None
    for r in [*rows, None]:
        if last is not None and (r is None or r["task_id"] != last["task_id"]):  # the task's last pass
            tid = last["task_id"]
            if last["to_county"] is not None and last["to_county"] != last["holder"]:
                problems.append(
                    MESSAGES["holder"].format(id=tid, to=name(last["to_county"]), holder=name(last["holder"]))
                )
            if last["to_county"] is None and (last["state"], last["done_date"]) != (
                "passed_on",
                last["pass_date"],
            ):
                state = vocab.TRACING_STATE.label(last["state"])
                problems.append(
                    MESSAGES["out_state"].format(
                        id=tid, day=last["pass_date"], state=state, done=last["done_date"]
                    )
                )
            last = None
        if r is None:
            break
        if r["pass_date"] < r["created_date"]:
            problems.append(
                MESSAGES["before_task"].format(id=r["task_id"], day=r["pass_date"], created=r["created_date"])
            )
        if last is not None and last["to_county"] is None:
            problems.append(
                MESSAGES["after_out"].format(id=r["task_id"], out=last["pass_date"], day=r["pass_date"])
            )
        elif last is not None and r["from_county"] != last["to_county"]:
            problems.append(
                MESSAGES["chain"].format(
                    id=r["task_id"],
                    day=r["pass_date"],
                    from_=name(r["from_county"]),
                    held=name(last["to_county"]),
                )
            )
        last = dict(r)
    return problems
