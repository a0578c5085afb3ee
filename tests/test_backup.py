"""Backup and restore: a consistent copy taken while people work, restored into SQLite or PostgreSQL from
either, refusing to overwrite a store that holds data unless forced, and all-or-nothing."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import multiprocessing
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner

from devtools import workload
from devtools.postgres import create_database, drop_database
from hazardlib import ledger, models, records, schema
from hazardlib.backup import (
    BackupKey,
    BadBackup,
    StoreNotEmpty,
    backup,
    check_integrity,
    read_header,
    restore,
)
from hazardlib.cli import main
from hazardlib.errors import StoreError
from hazardlib.store import Store, open_store

from .conftest import (
    MISSING_HAZARD,
    ExtraMigrationStore,
    add_dangling_event,
    contents,
    dangling_rows,
)

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


def test_a_backup_at_0033_is_restored_and_upgraded_with_every_hazard_and_event(store_url, tmp_path):
    """A backup taken at migration 0033 (before the grade's CHECK, whose SQLite upgrade rebuilds the hazards'
    table) restores at 0033 and is upgraded to the newest revision keeping every hazard and its events."""
    source = open_store(store_url, user="备份员")
    fill(source)
    with source.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.hazard_events)).scalar_one() > 0
    before = contents(source)
    command.downgrade(source.alembic_config(), "0033")
    assert source.revision() == "0033"
    file = backup(source, tmp_path / "b.jsonl.gz").file
    assert read_header(file)["revision"] == "0033"
    target = Store(store_url if store_url.startswith("postgresql") else f"sqlite:///{tmp_path / 'r.db'}")
    restore(target, file, force=True)
    assert target.revision() == target.head()
    after = contents(target)
    for name in ("hazards", "hazard_events"):
        assert after[name] == before[name]
    with target.read() as conn:
        assert check_integrity(conn) == []


def test_a_backup_holding_an_event_of_a_missing_hazard_is_refused_and_the_store_left_as_it_was(tmp_path):
    """SQLite (a restore loads with foreign keys off, store.migrating): a backup of a store holding a ledger
    event of a hazard that is not there is refused by the integrity check after the load, naming the table,
    and the store it was restored into keeps its rows and revision; the backup taken before the damage
    restores."""
    path = tmp_path / "source.db"
    source = open_store(f"sqlite:///{path}", user="备份员")
    fill(source)
    sound = backup(source, tmp_path / "sound.jsonl.gz").file
    add_dangling_event(path)
    damaged = backup(source, tmp_path / "damaged.jsonl.gz").file
    target = open_store(f"sqlite:///{tmp_path / 'target.db'}", user="恢复员")
    workload.add_enterprises(target, "522701", [77])
    before, at = contents(target), target.revision()
    with pytest.raises(
        StoreError,
        match="恢复后的数据库未通过完整性检查，已撤销恢复：有 1 行引用了不存在的记录（如表 hazard_events",
    ) as exc:
        restore(target, damaged, force=True)
    assert "升级后" not in str(exc.value)  # the backup is at the head: nothing was upgraded
    assert (contents(target), target.revision()) == (before, at)
    restore(target, sound, force=True)
    assert dangling_rows(target) == []
    assert len(contents(target)["hazard_events"]) == len(contents(source)["hazard_events"]) - 1


@pytest.mark.parametrize("missing", [True, False], ids=["missing hazard", "hazard there"])
def test_a_restore_whose_upgrade_would_leave_a_row_referring_to_a_missing_one_is_refused(tmp_path, missing):
    """A sound backup at the workbook's head restored into a store whose migrations go one further (of the test's own,
    writing a ledger event): the upgrade after the load is checked as Store.upgrade checks it; an event of a
    hazard that is not there refuses the restore and leaves the store as it was, one of the hazard there is
    kept."""
    source = open_store(f"sqlite:///{tmp_path / 'source.db'}", user="备份员")
    fill(source)
    sound = backup(source, tmp_path / "sound.jsonl.gz").file
    with source.read() as conn:
        hid = conn.execute(sa.select(sa.func.min(schema.hazards.c.id))).scalar_one()
    url = f"sqlite:///{tmp_path / 'target.db'}"
    workload.add_enterprises(open_store(url, user="恢复员"), "522701", [77])  # at the workbook's head
    target = ExtraMigrationStore(url, tmp_path / "versions", user="恢复员")
    target.add_migration(MISSING_HAZARD if missing else hid)
    before, at = contents(target), target.revision()
    if not missing:
        restore(target, sound, force=True)
        assert target.revision() == "extra"
        assert len(contents(target)["hazard_events"]) == len(contents(source)["hazard_events"]) + 1
        return
    with pytest.raises(StoreError, match="已撤销恢复：升级后有记录引用了不存在的记录"):
        restore(target, sound, force=True)
    assert (contents(target), target.revision()) == (before, at)


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
    ctx.set_forkserver_preload(["devtools.workload"])
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


# -- the manifest, the key, and files that are not what they say --------------------------------------


def unpacked(file: Path) -> list[bytes]:
    return gzip.decompress(file.read_bytes()).splitlines(keepends=True)


def packed(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(gzip.compress(b"".join(lines)))
    return path


def resealed(lines: list[bytes]) -> list[bytes]:
    """The lines with the manifest made anew for their content, as someone who edits a backup on purpose
    and knows the format would do; a signature stays as it was (making one takes the key)."""
    *content, end = lines
    whole, parts, part = hashlib.sha256(), {}, None
    for n, line in enumerate(content):
        whole.update(line)
        if n and line.startswith(b'{"table":'):
            part = parts[json.loads(line)["table"]] = hashlib.sha256()
        if part is not None:
            part.update(line)
    last = json.loads(end)
    last["manifest"] |= {"sha256": whole.hexdigest(), "tables": {k: h.hexdigest() for k, h in parts.items()}}
    return [*content, json.dumps(last, ensure_ascii=False).encode() + b"\n"]


def with_account_added(lines: list[bytes]) -> list[bytes]:
    """A prefecture account written into the backup by hand, the header's row count raised to match."""
    header = json.loads(lines[0])
    spec = next(t for t in header["tables"] if t["name"] == "accounts")
    spec["rows"] += 1
    row = {
        "id": 900,
        "name": "冒名",
        "county_code": None,
        "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$x$y",
    }
    row |= {"active": True, "created_at": "2024-06-03T08:00:00", "created_by": "冒名"}
    row |= {"updated_at": "2024-06-03T08:00:00", "updated_by": "冒名", "version": 1}
    at = lines.index(b'{"table":"accounts"}\n') + 1
    added = json.dumps([row[c] for c, _ in spec["columns"]], ensure_ascii=False).encode() + b"\n"
    return [json.dumps(header, ensure_ascii=False).encode() + b"\n", *lines[1:at], added, *lines[at:]]


def key_file(path: Path, secret: str) -> Path:
    path.write_text(secret + "\n", encoding="utf-8")
    return path


def test_a_backup_with_one_byte_of_its_content_changed_is_refused_by_hazard_restore(store_url, tmp_path):
    store = open_store(store_url, user="备份员")
    fill(store)
    runner = CliRunner()
    made = runner.invoke(main, ["backup", "--db", store_url, "-o", str(tmp_path / "b.jsonl.gz")])
    assert made.exit_code == 0, made.output
    lines = unpacked(tmp_path / "b.jsonl.gz")
    at = next(n for n, line in enumerate(lines) if line.startswith(b"[") and "备份员".encode() in line)
    i = lines[at].index("备份员".encode()) + len("备份员".encode()) - 1
    edited = bytearray(lines[at])
    edited[i] += 1  # the last byte of 员: another character, the line still valid JSON
    lines[at] = bytes(edited)
    before = contents(store)
    out = runner.invoke(
        main,
        ["restore", "--db", store_url, "-i", str(packed(tmp_path / "e.jsonl.gz", lines)), "--force"],
    )
    assert out.exit_code == 1 and isinstance(out.exception, SystemExit)
    assert (
        "与其清单（SHA-256）不符" in out.output and "审计日志" in out.output and "未做任何恢复" in out.output
    )
    assert contents(store) == before


def test_an_account_added_or_an_audit_actor_changed_by_hand_is_refused(store_url, tmp_path):
    """Without a key the manifest finds an edit that leaves it as it was; with a key, also an edit whose
    editor made the manifest anew."""
    store = open_store(store_url, user="备份员")
    fill(store)
    key = BackupKey.read(key_file(tmp_path / "k", "局里保管的备份密钥-0123456789"))
    plain, signed = (
        backup(store, tmp_path / "p.jsonl.gz").file,
        backup(store, tmp_path / "s.jsonl.gz", key=key).file,
    )
    target = Store(f"sqlite:///{tmp_path / 't.db'}", user="恢复员")
    added = packed(tmp_path / "added.jsonl.gz", with_account_added(unpacked(plain)))
    with pytest.raises(BadBackup, match=r"与其清单.*不符.*登录账号"):
        restore(target, added)
    actor = packed(
        tmp_path / "actor.jsonl.gz", [x.replace("备份员".encode(), "别人".encode()) for x in unpacked(plain)]
    )
    with pytest.raises(BadBackup, match=r"与其清单.*不符.*审计日志"):
        restore(target, actor)
    for edit in (with_account_added, lambda ls: [x.replace("备份员".encode(), "别人".encode()) for x in ls]):
        forged = packed(tmp_path / "forged.jsonl.gz", resealed(edit(unpacked(signed))))
        with pytest.raises(BadBackup, match="签名与内容不符"):
            restore(target, forged, key=key)
    assert target.revision() is None  # nothing was written
    restore(target, signed, key=key)
    with target.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.accounts)).scalar_one() == 0


def test_a_signed_backup_restores_only_with_its_key_and_an_unsigned_one_without(store_url, tmp_path):
    store = open_store(store_url, user="备份员")
    workload.add_enterprises(store, "522701", [1, 2])
    key = BackupKey.read(key_file(tmp_path / "a.key", "a" * 32))
    other = BackupKey.read(key_file(tmp_path / "b.key", "b" * 32))
    signed = backup(store, tmp_path / "s.jsonl.gz", key=key)
    assert "已用密钥签名" in signed.text()
    plain = backup(store, tmp_path / "p.jsonl.gz").file
    target = Store(f"sqlite:///{tmp_path / 't.db'}", user="恢复员")
    with pytest.raises(BadBackup, match=r"带有密钥签名.*--key-file"):
        restore(target, signed.file)
    with pytest.raises(BadBackup, match="另一把密钥"):
        restore(target, signed.file, key=other)
    with pytest.raises(BadBackup, match=r"没有密钥签名.*--accept-unverified"):
        restore(target, plain, key=key)
    stripped = unpacked(signed.file)
    header, end = json.loads(stripped[0]), json.loads(stripped[-1])
    header["key_id"] = None
    del end["manifest"]["hmac_sha256"]
    stripped = [json.dumps(header).encode() + b"\n", *stripped[1:-1], json.dumps(end).encode() + b"\n"]
    with pytest.raises(BadBackup, match="没有密钥签名"):  # the signature taken off, the manifest remade
        restore(target, packed(tmp_path / "x.jsonl.gz", resealed(stripped)), key=key)
    assert target.revision() is None
    assert "签名已核对" in restore(target, signed.file, key=key).text()
    assert "SHA-256 清单核对" in restore(target, plain, force=True).text()
    assert "没有签名" in restore(target, plain, force=True, key=key, accept_unverified=True).text()
    with target.read() as conn:
        checks = (
            conn.execute(sa.select(schema.audit_log.c.after).where(schema.audit_log.c.action == "restore"))
            .scalars()
            .all()
        )
    assert [c["check"] for c in checks] == ["sha256-unsigned"]  # each restore replaced the one before


def test_the_key_file_on_the_command_line_or_in_the_environment(store_url, tmp_path):
    store = open_store(store_url, user="备份员")
    workload.add_enterprises(store, "522701", [1])
    key = key_file(tmp_path / "backup.key", "c" * 40)
    runner = CliRunner()
    file = str(tmp_path / "b.jsonl.gz")
    made = runner.invoke(main, ["backup", "--db", store_url, "-o", file, "--key-file", str(key)])
    assert made.exit_code == 0 and "已用密钥签名" in made.output
    target = f"sqlite:///{tmp_path / 'r.db'}"
    refused = runner.invoke(main, ["restore", "--db", target, "-i", file])
    assert refused.exit_code == 1 and "带有密钥签名" in refused.output
    missing = runner.invoke(main, ["restore", "--db", target, "-i", str(tmp_path / "无此文件.jsonl.gz")])
    assert missing.exit_code == 1 and "无法读取备份文件“无此文件.jsonl.gz”：文件不存在" in missing.output
    env = {"HAZARD_BACKUP_KEY_FILE": str(key)}
    done = runner.invoke(main, ["restore", "--db", target, "-i", file], env=env)
    assert done.exit_code == 0 and "签名已核对" in done.output
    (tmp_path / "short.key").write_text("短", encoding="utf-8")
    for bad, said in (
        (tmp_path / "none.key", "文件不存在"),
        (tmp_path / "short.key", "太短"),
        (tmp_path, "文件夹"),
    ):
        out = runner.invoke(main, ["backup", "--db", store_url, "-o", file, "--key-file", str(bad)])
        assert out.exit_code == 1 and "密钥文件" in out.output and said in out.output


def test_a_backup_of_the_format_before_the_manifest_restores_only_when_accepted(store_url, tmp_path):
    store = open_store(store_url, user="备份员")
    workload.add_enterprises(store, "522701", [1, 2])
    lines = unpacked(backup(store, tmp_path / "b.jsonl.gz").file)
    header, end = json.loads(lines[0]), json.loads(lines[-1])
    header["format_version"] = 1
    del header["key_id"], end["manifest"]
    old = packed(
        tmp_path / "v1.jsonl.gz",
        [json.dumps(header).encode() + b"\n", *lines[1:-1], json.dumps(end).encode() + b"\n"],
    )
    target = Store(f"sqlite:///{tmp_path / 't.db'}", user="恢复员")
    with pytest.raises(BadBackup, match=r"旧格式.*--accept-unverified"):
        restore(target, old)
    assert target.revision() is None
    assert restore(target, old, accept_unverified=True).total == sum(len(v) for v in contents(store).values())


@pytest.fixture(scope="module")
def a_backup(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("b") / "b.jsonl.gz"
    store = open_store(f"sqlite:///{path.with_suffix('.db')}", user="备份员")
    workload.add_enterprises(store, "522701", range(1, 40))
    return backup(store, path).file.read_bytes()


def _header(**fields) -> bytes:
    """A header alone; of format version 1, which the programs before the manifest read as well."""
    base = {"format": "hazard-backup", "format_version": 1, "revision": "0007", "engine": "sqlite"}
    return gzip.compress(json.dumps({**base, "tables": [], **fields}).encode() + b"\n")


MALFORMED = {
    "empty": lambda b: b"",
    "plain text": lambda b: b"not a backup\n",
    "gzip of an empty file": lambda b: gzip.compress(b""),
    "not JSON": lambda b: gzip.compress(b"hello\n"),
    "a JSON list": lambda b: gzip.compress(b"[1, 2]\n"),
    "wrong format marker": lambda b: gzip.compress(b'{"format": "other-backup", "format_version": 2}\n'),
    "unknown format version": lambda b: _header(format_version=7),
    "no revision": lambda b: gzip.compress(b'{"format": "hazard-backup", "format_version": 1}\n'),
    "tables not a list": lambda b: _header(tables="x"),
    "a table without its columns": lambda b: _header(tables=[{"name": "enterprises", "rows": 1}]),
    "a negative row count": lambda b: _header(tables=[{"name": "enterprises", "columns": [], "rows": -1}]),
    "header only": lambda b: _header(),
    "truncated gzip": lambda b: b[: len(b) // 3],
    "gzip cut in its header": lambda b: b[:12],
    **{
        f"compressed byte {p} changed": (lambda b, p=p: b[:p] + bytes([b[p] ^ 0x5A]) + b[p + 1 :])
        for p in (30, 200, 400, 700)
    },
    "content after the end": lambda b: gzip.compress(gzip.decompress(b) + b"[1]\n"),
}


@pytest.mark.parametrize("kind", list(MALFORMED))
def test_a_malformed_file_is_refused_in_chinese_without_a_traceback(kind, a_backup, tmp_path):
    file = tmp_path / "bad.jsonl.gz"
    file.write_bytes(MALFORMED[kind](a_backup))
    out = CliRunner().invoke(main, ["restore", "--db", f"sqlite:///{tmp_path / 't.db'}", "-i", str(file)])
    assert out.exit_code == 1 and isinstance(out.exception, SystemExit), out.output
    assert out.output.startswith("错误：") and "Traceback" not in out.output
    assert Store(f"sqlite:///{tmp_path / 't.db'}").revision() is None
