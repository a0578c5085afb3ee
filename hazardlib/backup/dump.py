"""Taking a backup: every table read in one read-only snapshot of the store and written as the archive
format of :mod:`.archive`, to a temporary file renamed into place only when complete."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from ..errors import StoreError
from ..store import Store
from .archive import (
    BATCH,
    FORMAT,
    FORMAT_VERSION,
    BackupKey,
    BackupSummary,
    BackupTable,
    Digest,
    backup_tables,
    encode_value,
)

# -- snapshot -------------------------------------------------------------------------------------


def _select(t: BackupTable) -> Any:
    cols = [sa.cast(t.table.c[n], sa.Text).label(n) if k == "json" else t.table.c[n] for n, k in t.columns]
    pk = list(t.table.primary_key.columns) or list(t.table.columns)[:1]
    return sa.select(*cols).order_by(*pk)


@dataclass
class _Snapshot:
    conn: Connection
    revision: str | None
    tables: list[BackupTable]


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
            yield _Snapshot(conn, revision, backup_tables(conn))


def _revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


# -- backup ---------------------------------------------------------------------------------------


def backup(store: Store, target: str | Path, *, key: BackupKey | None = None) -> BackupSummary:
    """Write a consistent copy of every table of ``store`` to ``target`` (gzip JSON lines) with its
    manifest, signed with ``key`` if given.

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
                summary = _write(snap, store, target, gz, key)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return summary


def _line(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=encode_value).encode() + b"\n"


def _write(
    snap: _Snapshot, store: Store, target: Path, out: BinaryIO | gzip.GzipFile, key: BackupKey | None
) -> BackupSummary:
    if snap.revision is None:
        raise StoreError(f"数据库还没有建立（{store.url}），没有可备份的内容")
    conn = snap.conn
    counts = {
        t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t.table)).scalar_one())
        for t in snap.tables
    }
    digest = Digest()
    header = _line(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "revision": snap.revision,
            "engine": conn.dialect.name,
            "created_at": dt.datetime.now().replace(microsecond=0).isoformat(),
            "tables": [{"name": t.name, "columns": t.columns, "rows": counts[t.name]} for t in snap.tables],
            "key_id": None if key is None else key.key_id,
        }
    )
    digest.header(header)
    out.write(header)
    for t in snap.tables:
        line = _line({"table": t.name})
        digest.start(t.name, line)
        out.write(line)
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(_select(t))
        for row in result:
            line = _line([encode_value(v) for v in row])
            digest.add(line)
            out.write(line)
    out.write(_line({"end": True, "rows": sum(counts.values()), "manifest": digest.manifest(key)}))
    check = "未签名" if key is None else f"已用密钥签名（密钥编号 {key.key_id}）"
    return BackupSummary(target, snap.revision, conn.dialect.name, counts, check)
