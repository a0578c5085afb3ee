"""Many people at once, on SQLite and on PostgreSQL: nothing lost, nothing doubled, every change in the
audit log, and a stale save refused instead of overwriting someone else's."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import sqlalchemy as sa

from devtools import workload
from devtools.workload import Submission
from hazardlib import records, schema
from hazardlib.regions import load_regions
from hazardlib.store import open_store

PROCESSES = 12
SUBMISSIONS = 500  # per process, alternately self-checks and inspections
OWN, SHARED = 20, 4  # enterprises per clerk, and per county shared by its two clerks
SPAWN = multiprocessing.get_context("spawn")


def plan(clerk: int, own: list[int], shared: list[int]) -> list[Submission]:
    """Clerk's submissions: four in five about their own enterprises (distinct keys), one in five about
    the county's shared enterprises, with the same keys as the other clerk of that county."""
    jobs, seen = [], Counter[tuple[str, str]]()
    day0 = dt.date(2023, 1, 2)
    for j in range(SUBMISSIONS):
        kind = "self_check" if j % 2 == 0 else "inspection"
        group, ids = ("shared", shared) if j % 5 == 0 else ("own", own)
        n = seen[kind, group]
        seen[kind, group] += 1
        eid = ids[n % len(ids)]
        step = n // len(ids)
        jobs.append(
            Submission(kind, eid, 2000 + step, day0 + dt.timedelta(days=step), f"第{clerk}号经办人第{j}份")
        )
    return jobs


def test_twelve_processes_submitting_at_once_lose_and_double_nothing(store_url):
    store = open_store(store_url, user="测试准备")
    counties = [c.code for c in load_regions().counties][: PROCESSES // 2]
    shared = {c: workload.add_enterprises(store, c, range(1, SHARED + 1)) for c in counties}
    jobs = {}
    for clerk in range(PROCESSES):
        county = counties[clerk // 2]
        own = workload.add_enterprises(store, county, range(100 + clerk * OWN, 100 + (clerk + 1) * OWN))
        jobs[clerk] = (county, plan(clerk, own, shared[county]))

    with SPAWN.Manager() as manager, ProcessPoolExecutor(PROCESSES, mp_context=SPAWN) as pool:
        barrier = manager.Barrier(PROCESSES, timeout=120)
        futures = [
            pool.submit(workload.submit, store_url, f"经办人{clerk}", county, plan_, barrier)
            for clerk, (county, plan_) in jobs.items()
        ]
        outcomes = sum((Counter(f.result(timeout=600)) for f in futures), Counter[str]())

    keys = {
        "self_check": {
            (j.enterprise_id, j.year) for _, p in jobs.values() for j in p if j.kind == "self_check"
        },
        "inspection": {
            (j.enterprise_id, j.day) for _, p in jobs.values() for j in p if j.kind == "inspection"
        },
    }
    s, i, a = schema.self_checks, schema.inspections, schema.audit_log
    with store.read() as conn:
        stored_sc = {(r.enterprise_id, r.campaign_year): r for r in conn.execute(sa.select(s))}
        stored_in = {(r.enterprise_id, r.inspection_date): r for r in conn.execute(sa.select(i))}
        n_sc = conn.execute(sa.select(sa.func.count()).select_from(s)).scalar_one()
        n_in = conn.execute(sa.select(sa.func.count()).select_from(i)).scalar_one()
        audit = conn.execute(
            sa.select(a).where(a.c.table_name.in_(["self_checks", "inspections"])).order_by(a.c.id)
        ).all()

    # 0 lost, 0 duplicated
    assert set(stored_sc) == keys["self_check"] and n_sc == len(keys["self_check"])
    assert set(stored_in) == keys["inspection"] and n_in == len(keys["inspection"])
    assert outcomes["self_checks:inserted"] == n_sc and outcomes["inspections:inserted"] == n_in
    assert sum(outcomes.values()) == PROCESSES * SUBMISSIONS
    assert (
        outcomes["self_checks:updated"] + outcomes["inspections:updated"] > 0
    )  # the shared keys did collide

    # the audit log is complete: one entry per insert and per update, by the person who made it, and replaying
    # it gives every record's final note
    actions = Counter((e.table_name, e.action) for e in audit)
    for table in ("self_checks", "inspections"):
        assert actions[table, "insert"] == outcomes[f"{table}:inserted"]
        assert actions[table, "update"] == outcomes[f"{table}:updated"]
    assert {e.actor for e in audit} == {f"经办人{c}" for c in range(PROCESSES)}
    last_note = {}
    for e in audit:
        if e.action in ("insert", "update") and "note" in (e.after or {}):
            last_note[e.table_name, e.record_id] = e.after["note"]
    assert all(last_note["self_checks", r.id] == r.note for r in stored_sc.values())
    assert all(last_note["inspections", r.id] == r.note for r in stored_in.values())


def test_two_staff_saving_the_same_hazard_never_overwrite_each_other(store_url):
    rounds = 100
    store = open_store(store_url, user="测试准备")
    (eid,) = workload.add_enterprises(store, "522701", [1])
    with store.transaction() as tx:
        hid, _ = records.save_hazard(tx, workload.hazard(eid, dt.date(2024, 6, 3)))
    version0 = store.get(schema.hazards, hid)["version"]

    with SPAWN.Manager() as manager, ProcessPoolExecutor(2, mp_context=SPAWN) as pool:
        barrier = manager.Barrier(2, timeout=120)
        runs = [
            pool.submit(workload.edit_race, store_url, who, hid, rounds, barrier) for who in ("张三", "李四")
        ]
        zhang, li = (f.result(timeout=600) for f in runs)

    final = store.get(schema.hazards, hid)
    with store.read() as conn:
        a = schema.audit_log
        updates = conn.execute(
            sa.select(a)
            .where(a.c.table_name == "hazards", a.c.record_id == hid, a.c.action == "update")
            .order_by(a.c.id)
        ).all()
    for mine, theirs in zip(zhang, li, strict=True):
        assert mine["seen"] == theirs["seen"]  # both read the same version
        saved = [x for x in (mine, theirs) if "saved" in x]
        refused = [x for x in (mine, theirs) if "refused" in x]
        assert len(saved) == 1 and len(refused) == 1  # exactly one wins each race
        winner = "张三" if saved[0] is mine else "李四"
        assert refused[0]["by"] == winner and winner in refused[0]["refused"]
        assert "已被" in refused[0]["refused"] and refused[0]["at"] in refused[0]["refused"]
    # 0 lost updates: every accepted save is in the history, in order, and the last one is what is stored
    accepted = [x["saved"] for pair in zip(zhang, li, strict=True) for x in pair if "saved" in x]
    assert [u.after["description"] for u in updates] == accepted
    assert final["version"] == version0 + rounds and final["description"] == accepted[-1]
    assert [u.actor for u in updates] == [s[: s.index("第")] for s in accepted]
