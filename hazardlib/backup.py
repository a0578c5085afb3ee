"""Backup and restore of a whole store, between SQLite and PostgreSQL in either direction, and the
store's integrity check.

A backup is one consistent snapshot taken while people keep working: every table is read in a single
read-only transaction (SQLite: one WAL read snapshot; PostgreSQL: REPEATABLE READ). It is written as
gzip-compressed JSON lines — a header (format, schema revision, engine, tables with their columns and
row counts), then the rows of each table in foreign-key order, then an end line — to a temporary file
renamed into place only when complete, so an interrupted backup never leaves a half file behind.

A restore runs in one transaction: it refuses a store that holds anything unless forced, clears it,
builds the schema at the backup's revision, loads every row, checks the counts and the integrity of
the result, upgrades to the current revision and appends an audit entry naming who restored what.
Any failure rolls everything back and the store is as it was.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema
from .errors import StoreError
from .store import Store, Tx, table_label

FORMAT = "hazard-backup"
FORMAT_VERSION = 1
BATCH = 1000
_SKIP = {"alembic_version"}

MESSAGES = {
    "not_empty": "目标数据库已有数据（{tables}），恢复会覆盖它们；确认要覆盖请加 --force",
    "not_backup": "“{file}”不是工作台的备份文件：{reason}",
    "truncated": "备份文件“{file}”不完整（可能在写入时中断），未做任何恢复",
    "newer": "备份文件的数据库结构版本“{revision}”比本程序新，请先升级工作台再恢复",
    "counts": "恢复后“{table}”有 {got} 行，备份中有 {want} 行，已撤销恢复",
    "integrity": "恢复后的数据库未通过完整性检查，已撤销恢复：{problems}",
    "format_version": "备份文件格式版本 {version} 不受支持（本程序支持 {supported}）",
}


class StoreNotEmpty(StoreError):
    """A restore would overwrite records and was not forced."""

    def __init__(self, tables: dict[str, int]):
        self.tables = tables
        listed = "、".join(f"{_label(name)} {n} 行" for name, n in tables.items())
        super().__init__(MESSAGES["not_empty"].format(tables=listed))


_LABELS = {"audit_log": "审计日志", "imports": "导入记录", "store_meta": "系统设置"}


def _label(table: str) -> str:
    return _LABELS.get(table) or table_label(table)


class BadBackup(StoreError):
    """A file that is not a complete backup of this workbook."""


@dataclass
class BackupSummary:
    """What a backup or restore copied."""

    file: Path
    revision: str
    engine: str
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def text(self) -> str:
        return f"{self.file}：{len(self.rows)} 张表，共 {self.total} 行（数据库结构版本 {self.revision}，来自 {self.engine}）"


# -- values ---------------------------------------------------------------------------------------


def _kind(column: sa.Column) -> str:
    t = column.type
    if isinstance(t, sa.JSON):
        return "json"
    if isinstance(t, sa.DateTime):
        return "datetime"
    if isinstance(t, sa.Date):
        return "date"
    if isinstance(t, sa.Boolean):
        return "bool"
    return "plain"


def _encode(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _decoder(kind: str) -> Any:
    if kind == "datetime":
        return lambda v: None if v is None else dt.datetime.fromisoformat(v)
    if kind == "date":
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    if kind == "bool":
        return lambda v: None if v is None else bool(v)
    return lambda v: v


class _PgJson(sa.types.TypeDecorator[str]):
    """JSON text loaded as it was stored (PostgreSQL casts the text to json)."""

    impl = sa.Text
    cache_ok = True

    def bind_expression(self, bindvalue: Any) -> Any:
        return sa.cast(bindvalue, sa.dialects.postgresql.JSON)


# -- snapshot -------------------------------------------------------------------------------------


@dataclass
class _Table:
    name: str
    table: sa.Table
    columns: list[tuple[str, str]]


def _tables(conn: Connection) -> list[_Table]:
    """Every table of the store in foreign-key order, as it is in the database (any revision)."""
    meta = sa.MetaData()
    meta.reflect(conn)
    out = []
    for table in meta.sorted_tables:
        if table.name in _SKIP:
            continue
        out.append(_Table(table.name, table, [(c.name, _kind(c)) for c in table.columns]))
    return out


def _select(t: _Table) -> Any:
    cols = [sa.cast(t.table.c[n], sa.Text).label(n) if k == "json" else t.table.c[n] for n, k in t.columns]
    pk = list(t.table.primary_key.columns) or list(t.table.columns)[:1]
    return sa.select(*cols).order_by(*pk)


@dataclass
class _Snapshot:
    conn: Connection
    revision: str | None
    tables: list[_Table]


@contextmanager
def _snapshot(store: Store) -> Iterator[_Snapshot]:
    """Every table read in one read-only transaction: one consistent state of the store."""
    with store.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            revision = _revision(conn)
            yield _Snapshot(conn, revision, _tables(conn))


def _revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


# -- backup ---------------------------------------------------------------------------------------


def backup(store: Store, target: str | Path) -> BackupSummary:
    """Write a consistent copy of every table of ``store`` to ``target`` (gzip JSON lines).

    The file appears only when complete. Raises StoreError if the store has no schema.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as raw:
            with (
                gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz,
                _snapshot(store) as snap,
            ):
                summary = _write(snap, store, target, gz)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return summary


def _line(out: BinaryIO | gzip.GzipFile, obj: Any) -> None:
    out.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_encode).encode())
    out.write(b"\n")


def _write(snap: _Snapshot, store: Store, target: Path, out: BinaryIO | gzip.GzipFile) -> BackupSummary:
    if snap.revision is None:
        raise StoreError(f"数据库还没有建立（{store.url}），没有可备份的内容")
    conn = snap.conn
    counts = {
        t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t.table)).scalar_one())
        for t in snap.tables
    }
    _line(
        out,
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "revision": snap.revision,
            "engine": conn.dialect.name,
            "created_at": dt.datetime.now().replace(microsecond=0).isoformat(),
            "tables": [{"name": t.name, "columns": t.columns, "rows": counts[t.name]} for t in snap.tables],
        },
    )
    for t in snap.tables:
        _line(out, {"table": t.name})
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(_select(t))
        for row in result:
            _line(out, [_encode(v) for v in row])
    _line(out, {"end": True, "rows": sum(counts.values())})
    return BackupSummary(target, snap.revision, conn.dialect.name, counts)


# -- restore --------------------------------------------------------------------------------------


def read_header(source: str | Path) -> dict[str, Any]:
    """The header of a backup file; raises BadBackup if it is not one."""
    source = Path(source)
    try:
        with gzip.open(source, "rb") as f:
            header = json.loads(f.readline())
    except (OSError, EOFError):
        raise BadBackup(
            MESSAGES["not_backup"].format(file=source.name, reason="不是 gzip 压缩文件")
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadBackup(MESSAGES["not_backup"].format(file=source.name, reason="文件头无法识别")) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BadBackup(MESSAGES["not_backup"].format(file=source.name, reason="缺少备份文件头"))
    if header.get("format_version") != FORMAT_VERSION:
        raise BadBackup(
            MESSAGES["format_version"].format(version=header.get("format_version"), supported=FORMAT_VERSION)
        )
    return header


def store_contents(conn: Connection) -> dict[str, int]:
    """The tables of the store that hold rows, with their row counts."""
    out = {}
    for t in _tables(conn):
        n = int(conn.execute(sa.select(sa.func.count()).select_from(t.table)).scalar_one())
        if n:
            out[t.name] = n
    return out


def restore(
    store: Store, source: str | Path, *, force: bool = False, context: str | None = None
) -> BackupSummary:
    """Replace the contents of ``store`` with the backup in ``source``, all in one transaction.

    Raises StoreNotEmpty if the store holds records and ``force`` is False, BadBackup for a file that
    is not a complete backup, StoreError if the restored store would be inconsistent.
    """
    source = Path(source)
    header = read_header(source)
    revision = str(header["revision"])
    _known_revision(store, revision)
    with store.engine.connect() as conn:
        conn.info["write"] = True
        try:
            with conn.begin():
                present = store_contents(conn)
                if present and not force:
                    raise StoreNotEmpty(present)
                _clear(conn, {t["name"] for t in header["tables"]})
                _migrate(store, conn, revision)
                rows = _load(conn, source, header)
                problems = check_integrity(conn)
                if problems:
                    raise StoreError(MESSAGES["integrity"].format(problems="；".join(problems)))
                _migrate(store, conn, "head")
                tx = Tx(store, conn, context or f"从备份恢复：{source.name}")
                after = {
                    "file": source.name,
                    "revision": revision,
                    "engine": header.get("engine"),
                    "rows": sum(rows.values()),
                }
                tx.audit("restore", "store", None, None, after, None)
        finally:
            conn.info.pop("write", None)
    return BackupSummary(source, revision, str(header.get("engine")), rows)


def _known_revision(store: Store, revision: str) -> None:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        found = ScriptDirectory.from_config(store.alembic_config()).get_revision(revision)
    except CommandError:
        found = None
    if found is None:
        raise BadBackup(MESSAGES["newer"].format(revision=revision))


def _clear(conn: Connection, also: set[str]) -> None:
    """Drop the store's tables (children first) and its audit trigger function: the store becomes empty.

    Only tables the workbook knows (its schema, the migrations' version table, and ``also``) are dropped.
    """
    known = set(schema.metadata.tables) | _SKIP | also
    meta = sa.MetaData()
    meta.reflect(conn, only=lambda name, _meta: name in known)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
    for table in reversed(meta.sorted_tables):
        table.drop(conn)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS audit_log_append_only() CASCADE")


def _migrate(store: Store, conn: Connection, revision: str) -> None:
    from alembic import command

    cfg = store.alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


def _lines(source: Path) -> Iterator[Any]:
    try:
        with gzip.open(source, "rb") as f:
            f.readline()  # the header, read already
            for raw in f:
                yield json.loads(raw)
    except (OSError, EOFError, json.JSONDecodeError, UnicodeDecodeError):
        raise BadBackup(MESSAGES["truncated"].format(file=source.name)) from None


def _load(conn: Connection, source: Path, header: dict[str, Any]) -> dict[str, int]:
    specs = {t["name"]: t for t in header["tables"]}
    present = {t.name: t for t in _tables(conn)}
    counts: dict[str, int] = {name: 0 for name in specs}
    current: tuple[sa.Table, list[str], list[Any]] | None = None
    batch: list[dict[str, Any]] = []
    ended = False

    def flush() -> None:
        if current is not None and batch:
            conn.execute(current[0].insert(), batch)
            batch.clear()

    for item in _lines(source):
        if isinstance(item, dict) and "table" in item:
            flush()
            name = item["table"]
            if name not in specs or name not in present:
                raise BadBackup(MESSAGES["not_backup"].format(file=source.name, reason=f"未知的表 {name}"))
            names = [c[0] for c in specs[name]["columns"]]
            kinds = [c[1] for c in specs[name]["columns"]]
            current = (
                _load_table(conn, present[name].table, names, kinds),
                names,
                [_decoder(k) for k in kinds],
            )
        elif isinstance(item, dict) and item.get("end"):
            flush()
            ended = True
            break
        elif isinstance(item, list) and current is not None:
            _, names, decoders = current
            batch.append({n: d(v) for n, d, v in zip(names, decoders, item, strict=True)})
            counts[current[0].name] += 1
            if len(batch) >= BATCH:
                flush()
        else:
            raise BadBackup(MESSAGES["not_backup"].format(file=source.name, reason="无法识别的行"))
    if not ended:
        raise BadBackup(MESSAGES["truncated"].format(file=source.name))
    for name, spec in specs.items():
        got = int(conn.execute(sa.select(sa.func.count()).select_from(present[name].table)).scalar_one())
        if got != spec["rows"] or counts[name] != spec["rows"]:
            raise StoreError(MESSAGES["counts"].format(table=name, got=got, want=spec["rows"]))
    if conn.dialect.name == "postgresql":
        _reset_sequences(conn, [present[n].table for n in specs])
    return counts


def _load_table(conn: Connection, table: sa.Table, names: list[str], kinds: list[str]) -> sa.Table:
    """A table object to insert the backup's columns into, JSON copied as the text it was stored as."""
    json_type: Any = _PgJson() if conn.dialect.name == "postgresql" else sa.Text()
    cols = [
        sa.Column(n, json_type) if k == "json" else sa.Column(n, table.c[n].type)
        for n, k in zip(names, kinds, strict=True)
    ]
    return sa.Table(table.name, sa.MetaData(), *cols)


def _reset_sequences(conn: Connection, tables: list[sa.Table]) -> None:
    """Make each id sequence continue after the highest restored id."""
    for table in tables:
        if "id" not in table.c or not isinstance(table.c.id.type, sa.Integer):
            continue
        seq = conn.execute(sa.select(sa.func.pg_get_serial_sequence(table.name, "id"))).scalar()
        if seq:
            top = conn.execute(sa.select(sa.func.max(table.c.id))).scalar()
            conn.execute(sa.select(sa.func.setval(seq, top or 1, top is not None)))


# -- integrity ------------------------------------------------------------------------------------


def check_integrity(conn: Connection) -> list[str]:
    """Problems found in the store, in Chinese (empty when it is sound).

    SQLite: ``PRAGMA integrity_check`` and ``foreign_key_check``; every engine: each table can be read in
    full, and no row points at a record that is not there.
    """
    problems: list[str] = []
    if conn.dialect.name == "sqlite":
        result = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
        if result != ["ok"]:
            problems.append("SQLite 完整性检查未通过：" + "；".join(map(str, result[:5])))
        orphans = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if orphans:
            problems.append(
                f"有 {len(orphans)} 行引用了不存在的记录（如表 {orphans[0][0]} 第 {orphans[0][1]} 行）"
            )
    tables = _tables(conn)
    for t in tables:
        conn.execute(sa.select(sa.func.count()).select_from(t.table)).scalar_one()
        if conn.dialect.name == "sqlite":
            continue  # foreign_key_check above covers these
        for fk in t.table.foreign_keys:
            parent = fk.column
            child = fk.parent
            alias = parent.table.alias("p")
            stmt = (
                sa.select(sa.func.count())
                .select_from(t.table.outerjoin(alias, child == alias.c[parent.name]))
                .where(child.is_not(None), alias.c[parent.name].is_(None))
            )
            n = int(conn.execute(stmt).scalar_one())
            if n:
                problems.append(
                    f"表 {t.name} 有 {n} 行的 {child.name} 引用了 {parent.table.name} 中不存在的记录"
                )
    return problems
