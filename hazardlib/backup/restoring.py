"""Restoring a backup into a store, all or nothing, and the integrity check of a store.

A restore checks the whole file first (:func:`.archive.check_backup`), then runs in one transaction:
refuses a store that holds anything unless forced, clears it, builds the schema at the backup's revision,
loads every row (hashing them again), checks the counts and the integrity of the result, upgrades to the
current revision and appends an audit entry. Any failure rolls everything back.
"""

from __future__ import annotations

import hmac
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection

from .. import schema
from ..errors import StoreError
from ..store import Store, Tx, dangling, migrating
from .archive import (
    BATCH,
    CHECKS,
    MESSAGES,
    SKIP,
    BackupKey,
    BackupSummary,
    BadBackup,
    Digest,
    StoreNotEmpty,
    backup_items,
    backup_label,
    backup_tables,
    check_backup,
    decoder,
    not_a_backup,
    read_header,
    reflected,
)

# -- restore --------------------------------------------------------------------------------------


class _PgJson(sa.types.TypeDecorator[str]):
    """JSON text loaded as it was stored (PostgreSQL casts the text to json)."""

    impl = sa.Text
    cache_ok = True

    def bind_expression(self, bindvalue: Any) -> Any:
        return sa.cast(bindvalue, sa.dialects.postgresql.JSON)


def store_contents(conn: Connection) -> dict[str, int]:
    """The tables of the store that hold rows, with their row counts."""
    out = {}
    for t in backup_tables(conn):
        n = int(conn.execute(sa.select(sa.func.count()).select_from(t.table)).scalar_one())
        if n:
            out[t.name] = n
    return out


def restore(
    store: Store,
    source: str | Path,
    *,
    force: bool = False,
    context: str | None = None,
    key: BackupKey | None = None,
    accept_unverified: bool = False,
) -> BackupSummary:
    """Replace the contents of ``store`` with the backup in ``source``, all in one transaction.

    The file is checked first (:func:`check_backup`, with ``key`` and ``accept_unverified``), before the
    store is touched. Raises StoreNotEmpty if the store holds records and ``force`` is False, BadBackup
    for a file that is not a complete backup or not the one its manifest describes, StoreError if the
    restored store would be inconsistent.
    """
    source = Path(source)
    header = read_header(source)
    revision = str(header["revision"])
    _known_revision(store, revision)  # before reading the whole file: a newer backup cannot be restored
    checked = check_backup(source, key=key, accept_unverified=accept_unverified)
    # The upgrade after the load may rebuild a table (migration 0034): the restore runs as Store.upgrade does,
    # foreign keys off on SQLite (store.migrating), and the rows are checked after the upgrade as after the load.
    with store.engine.connect() as conn, migrating(conn) as sqlite:
        conn.info["write"] = True
        try:
            with conn.begin():
                present = store_contents(conn)
                if present and not force:
                    raise StoreNotEmpty(present)
                _clear(conn, {t["name"] for t in header["tables"]})
                _migrate(store, conn, revision)
                rows = _load(conn, source, header, checked.sha256)
                problems = check_integrity(conn)
                if problems:
                    raise StoreError(MESSAGES["integrity"].format(problems="；".join(problems)))
                _migrate(store, conn, "head")
                if sqlite and dangling(conn):
                    raise StoreError(MESSAGES["integrity"].format(problems="升级后有记录引用了不存在的记录"))
                tx = Tx(store, conn, context or f"从备份恢复：{source.name}")
                after = {
                    "file": source.name,
                    "revision": revision,
                    "engine": header.get("engine"),
                    "rows": sum(rows.values()),
                    "check": checked.check,
                    "sha256": checked.sha256,
                }
                tx.audit("restore", "store", None, None, after, None)
        except sa.exc.DBAPIError as exc:
            # rows the manifest vouches for but the database refuses (a backup edited and its manifest
            # made anew, without a key): everything above is rolled back
            raise StoreError(MESSAGES["load_failed"].format(file=source.name, reason=exc.orig)) from exc
        finally:
            conn.info.pop("write", None)
    return BackupSummary(source, revision, str(header.get("engine")), rows, CHECKS[checked.check])


def _known_revision(store: Store, revision: str) -> None:
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
    known = set(schema.metadata.tables) | SKIP | also
    meta = reflected(conn, only=lambda name, _meta: name in known)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
    for table in reversed(meta.sorted_tables):
        table.drop(conn)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS audit_log_append_only() CASCADE")


def _migrate(store: Store, conn: Connection, revision: str) -> None:
    cfg = store.alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


def _load(conn: Connection, source: Path, header: dict[str, Any], sha256: str | None) -> dict[str, int]:
    """Insert every row of the backup; BadBackup if its content is not the ``sha256`` checked before."""
    specs = {t["name"]: t for t in header["tables"]}
    present = {t.name: t for t in backup_tables(conn)}
    counts: dict[str, int] = {name: 0 for name in specs}
    current: tuple[sa.Table, list[str], list[Any]] | None = None
    batch: list[dict[str, Any]] = []
    digest = Digest()

    def flush() -> None:
        if current is not None and batch:
            conn.execute(current[0].insert(), batch)
            batch.clear()

    for kind, value in backup_items(source, digest):
        if kind == "table":
            flush()
            if value not in specs or value not in present:
                raise not_a_backup(source, f"未知的表 {value}")
            names = [c[0] for c in specs[value]["columns"]]
            kinds = [c[1] for c in specs[value]["columns"]]
            current = (
                _load_table(conn, present[value].table, names, kinds),
                names,
                [decoder(k) for k in kinds],
            )
        elif kind == "row" and current is not None:
            table, names, decoders = current
            counts[table.name] += 1
            try:
                item = json.loads(value)
                batch.append({n: d(v) for n, d, v in zip(names, decoders, item, strict=True)})
            except (ValueError, TypeError):
                raise BadBackup(
                    MESSAGES["bad_row"].format(
                        file=source.name, table=backup_label(table.name), row=counts[table.name]
                    )
                ) from None
            if len(batch) >= BATCH:
                flush()
        elif kind == "end":
            flush()
    if sha256 is not None and not hmac.compare_digest(digest.whole.hexdigest(), sha256):
        raise BadBackup(MESSAGES["changed_meanwhile"].format(file=source.name))
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
    tables = backup_tables(conn)
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
