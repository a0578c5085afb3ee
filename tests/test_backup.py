"""Backup and restore: a consistent copy taken while people work, restored into SQLite or PostgreSQL from
either, refusing to overwrite a store that holds data unless forced, and all-or-nothing."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import multiprocessing
import uuid

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from hazardlib import ledger, models, records, schema
from hazardlib.backup import BadBackup, StoreNotEmpty, backup, check_integrity, read_header, restore
from hazardlib.cli import main
from hazardlib.devtools import workload
from hazardlib.devtools.postgres import create_database, drop_database
from hazardlib.store import Store, open_store

DAY = dt.date(2024, 6, 3)


def fill(store: Store) -> None:
    """A little of everything: enterprises, a self-check with its list, an inspection, hazards moved along
    the ledger, a spot check, and a record deleted (all audited)."""
    ids = workload.add_enterprises(store, "522701", range(1, 4)) + workload.add_enterprises(
        store, "522702", [9]
    )
    with store.transaction("准备") as tx:
        records.save_self_check(tx, workload.self_check(ids[0], 2024, "自查"))
        records.save_inspection(tx, workload.inspection(ids[1], DAY, "18-01", "检查情况：良好"))
        hid, _ = records.save_hazard(tx, workload.hazard(ids[2], DAY))
        records.save_spot_check(
            tx,
            models.validate(
                models.SpotCheck,
                {
                    "batch_no": "SC-2024-0001",
                    "campaign_year": 2024,
                    "sampled_by_county": "522701",
                    "sample_date": DAY,
                    "sub_product_code": "18-01",
                    "channel": "生产",
                    "result": "合格",
                    "enterprise_id": ids[3],
                },
                today=workload.TODAY,
            ),
        )
        gone = records.save_inspection(tx, workload.inspection(ids[1], DAY, "15-01", "误录"))[0]
        tx.delete(schema.inspections, gone)
    ledger.move(store, hid, "order", day=DAY, deadline=DAY + dt.timedelta(days=30))


def contents(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table, in id order, as comparable tuples (JSON compared by value)."""
    out = {}
    with store.read() as conn:
        for table in schema.metadata.sorted_tables:
            pk = list(table.primary_key.columns)
            rows = conn.execute(sa.select(table).order_by(*pk)).all()
            out[table.name] = [tuple(json.dumps(v, sort_keys=True, default=str) for v in r) for r in rows]
    return out


@pytest.fixture
def other_pg(pg_url):
    """An empty PostgreSQL database besides the test's own."""
    name = f"r_{uuid.uuid4().hex[:20]}"
    url = create_database(pg_url, name)
    yield url
    drop_database(pg_url, name)


def test_a_backup_restores_into_sqlite_and_postgresql_with_every_row(store_url, other_pg, tmp_path):
    source = open_store(store_url, user="备份员")
    fill(source)
    file = backup(source, tmp_path / "b.jsonl.gz").file
    assert read_header(file)["revision"] == source.head()
    before = contents(source)
    for url in (f"sqlite:///{tmp_path / 'restored.db'}", other_pg):
        target = Store(url, user="恢复员")
        summary = restore(target, file)
        assert summary.total == sum(len(v) for v in before.values())
        after = contents(target)
        *kept, last = after["audit_log"]
        assert (
            kept == before["audit_log"]
            and json.loads(last[2]) == "恢复员"
            and json.loads(last[3]) == "restore"
        )
        assert {k: v for k, v in after.items() if k != "audit_log"} == {
            k: v for k, v in before.items() if k != "audit_log"
        }
        with target.read() as conn:
            assert check_integrity(conn) == []
            top = conn.execute(sa.select(sa.func.max(schema.enterprises.c.id))).scalar_one()
        assert workload.add_enterprises(target, "522701", [50]) == [
            top + 1
        ]  # ids carry on after the restored ones


def test_restore_refuses_a_store_that_holds_data_unless_forced(store_url, tmp_path):
    store = open_store(store_url, user="备份员")
    fill(store)
    file = backup(store, tmp_path / "b.jsonl.gz").file
    workload.add_enterprises(store, "522701", [77])
    changed = contents(store)
    with pytest.raises(StoreNotEmpty, match=r"已有数据.*--force"):
        restore(store, file)
    assert contents(store) == changed
    restore(store, file, force=True)
    assert len(contents(store)["enterprises"]) == len(changed["enterprises"]) - 1


def test_a_damaged_or_foreign_file_is_refused_and_changes_nothing(store_url, tmp_path):
    store = open_store(store_url, user="备份员")
    fill(store)
    file = backup(store, tmp_path / "b.jsonl.gz").file
    before = contents(store)
    cut = tmp_path / "cut.jsonl.gz"
    lines = gzip.decompress(file.read_bytes()).splitlines(keepends=True)
    cut.write_bytes(gzip.compress(b"".join(lines[: len(lines) // 2])))
    with pytest.raises(BadBackup, match="不完整"):
        restore(store, cut, force=True)
    newer = tmp_path / "newer.jsonl.gz"
    header = json.loads(lines[0]) | {"revision": "9999"}
    newer.write_bytes(gzip.compress(json.dumps(header).encode() + b"\n" + b"".join(lines[1:])))
    with pytest.raises(BadBackup, match="比本程序新"):
        restore(store, newer, force=True)
    (tmp_path / "x.jsonl.gz").write_bytes(b"not a backup")
    with pytest.raises(BadBackup, match="不是工作台的备份文件"):
        restore(store, tmp_path / "x.jsonl.gz", force=True)
    assert contents(store) == before


def test_a_backup_taken_while_people_write_is_one_consistent_moment(store_url, tmp_path):
    store = open_store(store_url, user="备份员")
    ids = workload.add_enterprises(store, "522701", range(1, 6))
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["hazardlib.devtools.workload"])
    half, go = ctx.Event(), ctx.Event()
    writer = ctx.Process(target=_write_batches, args=(store_url, ids, 12, half, go))
    writer.start()
    files = []

    def take() -> None:
        files.append(backup(store, tmp_path / f"{len(files)}.jsonl.gz").file)

    while not half.is_set() and writer.is_alive():
        take()  # while the first six batches are written
    take()  # the writer waits here: exactly six batches
    go.set()
    while writer.is_alive():
        take()  # while the last six are written
    writer.join(120)
    assert writer.exitcode == 0
    take()  # everything
    seen_sizes = set()
    for file in files:
        target = Store(f"sqlite:///{tmp_path / (file.name + '.db')}", user="核对")
        restore(target, file)
        i, a = schema.inspections, schema.audit_log
        with target.read() as conn:
            per_batch = conn.execute(sa.select(i.c.note, sa.func.count()).group_by(i.c.note)).all()
            rows = conn.execute(sa.select(sa.func.count()).select_from(i)).scalar_one()
            audited = conn.execute(
                sa.select(sa.func.count()).where(a.c.table_name == "inspections", a.c.action == "insert")
            ).scalar_one()
        assert all(n == 30 for _, n in per_batch)  # never half a batch
        assert rows == audited  # records and their audit entries from the same moment
        seen_sizes.add(rows)
    assert {6 * 30, 12 * 30} <= seen_sizes


def _write_batches(url: str, ids: list[int], batches: int, half, go) -> None:
    for b in range(batches):
        if b == batches // 2:
            half.set()
            go.wait(120)
        workload.write_batch(
            url, "录入员", ids, f"批次{b:02d}", 30, dt.date(2021, 1, 1) + dt.timedelta(days=10 * b)
        )


def test_backup_and_restore_commands(store_url, tmp_path):
    store = open_store(store_url, user="备份员")
    fill(store)
    runner = CliRunner()
    out = runner.invoke(main, ["backup", "--db", store_url, "-o", str(tmp_path / "b.jsonl.gz")])
    assert out.exit_code == 0 and "已备份" in out.output
    target = f"sqlite:///{tmp_path / 'r.db'}"
    first = runner.invoke(
        main, ["restore", "--db", target, "-i", str(tmp_path / "b.jsonl.gz"), "--user", "恢复员"]
    )
    assert first.exit_code == 0 and "已恢复" in first.output
    again = runner.invoke(main, ["restore", "--db", target, "-i", str(tmp_path / "b.jsonl.gz")])
    assert again.exit_code == 1 and "--force" in again.output and "企业" in again.output
    forced = runner.invoke(main, ["restore", "--db", target, "-i", str(tmp_path / "b.jsonl.gz"), "--force"])
    assert forced.exit_code == 0
    verified = runner.invoke(main, ["verify", "--db", target])
    assert verified.exit_code == 0 and "完整性检查通过" in verified.output
