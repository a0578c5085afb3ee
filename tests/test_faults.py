"""A process killed at a random moment (SIGKILL) during imports and exports, on SQLite and on PostgreSQL:
the store passes its integrity check, no import is half-applied, and running it again completes it."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import time

import openpyxl
import sqlalchemy as sa

from devtools import workload
from hazardlib import schema
from hazardlib.backup import check_integrity
from hazardlib.store import Store, open_store

KILLS = 20
ROWS = 40  # per imported file
SERIALS = range(1, 11)
SEED = int(os.environ.get("HAZARD_FAULT_SEED", "20240820"))


def _context() -> multiprocessing.context.BaseContext:
    # A fork server with the package already imported starts each victim in milliseconds.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["devtools.workload", "hazardlib.intake.importer", "hazardlib.exports"])
    return ctx


def kill_at_random(ctx, target, args, delay: float) -> bool:
    """Run ``target`` in a new process and SIGKILL it ``delay`` seconds after it starts working;
    True if it was killed (False if it finished first)."""
    ready = ctx.Event()
    proc = ctx.Process(target=target, args=(*args, ready))
    proc.start()
    assert ready.wait(60), "the worker did not start"
    time.sleep(delay)
    killed = proc.is_alive()
    proc.kill()
    proc.join(30)
    return killed and proc.exitcode == -9


class KillClock:
    """Random kill delays within the time a run took when measured. A run that finished before its kill
    narrows the window for the next ones: on a loaded machine a worker can run faster than the probe
    measured, and a kill that lands after the end tests nothing."""

    def __init__(self, rng: random.Random, duration: float):
        self.rng, self.span = rng, duration * 1.1

    def kill(self, ctx, target, args) -> bool:
        killed = kill_at_random(ctx, target, args, self.rng.uniform(0, self.span))
        if not killed:
            self.span *= 0.6
        return killed


def sound(store: Store) -> None:
    """The integrity check passes, and every record row has its audit entry and no entry lacks its row."""
    a = schema.audit_log
    with store.read() as conn:
        assert check_integrity(conn) == []
        for table in (schema.inspections, schema.imports):
            rows = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            inserts = conn.execute(
                sa.select(sa.func.count()).where(a.c.table_name == table.name, a.c.action == "insert")
            ).scalar_one()
            assert rows == inserts, table.name


def test_an_import_killed_at_any_moment_is_all_or_nothing_and_completes_when_run_again(store_url, tmp_path):
    store = open_store(store_url, user="测试准备")
    workload.add_enterprises(store, "522701", SERIALS)
    ctx, rng = _context(), random.Random(SEED)

    probe = workload.inspection_csv(
        tmp_path / "probe.csv", "522701", SERIALS, "试运行", ROWS, dt.date(2023, 1, 2)
    )
    started = time.perf_counter()
    assert workload.import_job(store_url, "试运行", str(probe)) == ROWS
    duration = time.perf_counter() - started

    i, killed, clock = schema.inspections, 0, KillClock(rng, duration)
    for k in range(KILLS):
        tag = f"第{k}批"
        path = workload.inspection_csv(
            tmp_path / f"{k}.csv",
            "522701",
            SERIALS,
            tag,
            ROWS,
            dt.date(2022, 1, 1) + dt.timedelta(days=7 * k),
        )
        killed += clock.kill(ctx, workload.import_job, (store_url, "导入员", str(path)))
        sound(store)
        with store.read() as conn:
            assert conn.execute(sa.select(sa.func.count()).where(i.c.note == tag)).scalar_one() in (0, ROWS)
        workload.import_job(store_url, "导入员", str(path))  # running it again completes it
        with store.read() as conn:
            assert conn.execute(sa.select(sa.func.count()).where(i.c.note == tag)).scalar_one() == ROWS
    sound(store)
    assert killed >= KILLS // 2  # most kills did land in the middle of an import


def test_an_export_killed_at_any_moment_leaves_the_store_sound_and_completes_when_run_again(
    store_url, tmp_path
):
    store = open_store(store_url, user="测试准备")
    workload.add_enterprises(store, "522701", SERIALS)
    workload.import_job(
        store_url,
        "导入员",
        str(workload.inspection_csv(tmp_path / "a.csv", "522701", SERIALS, "甲", ROWS, dt.date(2024, 3, 1))),
    )
    ctx, rng = _context(), random.Random(SEED)

    started = time.perf_counter()
    workload.export_job(store_url, "导出员", "ledger", str(tmp_path / "probe.xlsx"))
    duration = time.perf_counter() - started

    killed, clock = 0, KillClock(rng, duration)
    for k in range(KILLS):
        name = ("ledger", "results-list")[k % 2]
        target = tmp_path / f"{k}-{name}.xlsx"
        killed += clock.kill(ctx, workload.export_job, (store_url, "导出员", name, str(target)))
        sound(store)
        workload.export_job(store_url, "导出员", name, str(target))
        assert openpyxl.load_workbook(target, read_only=True).sheetnames  # the re-run wrote a whole workbook
    assert killed >= KILLS // 2
