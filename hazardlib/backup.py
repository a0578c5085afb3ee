"""Backup and restore of a whole store, between SQLite and PostgreSQL in either direction, and the
store's integrity check.

A backup is one consistent snapshot taken while people keep working: every table is read in a single
read-only transaction (SQLite: one WAL read snapshot; PostgreSQL: REPEATABLE READ). It is written as
gzip-compressed JSON lines — a header (format, schema revision, engine, tables with their columns and
row counts), then the rows of each table in foreign-key order, then an end line — to a temporary file
renamed into place only when complete, so an interrupted backup never leaves a half file behind.

The end line carries the backup's manifest, made while the lines are written: the SHA-256 of every line
before it (header included) and of each table's part. With the administrator's key (:class:`BackupKey`)
the manifest also holds an HMAC-SHA256 of that digest, and the header the key's id: without the key no
one can make a backup that passes for one made with it. A backup without a key is only as good as its
SHA-256, which finds damage and a careless edit but is recomputed by anyone who edits on purpose.

A restore first reads the whole file once and checks it against its manifest (and the signature, if a
key is given or the backup is signed) before it touches the store. It then runs in one transaction: it
refuses a store that holds anything unless forced, clears it, builds the schema at the backup's
revision, loads every row (hashing them again: a file changed between the two readings is refused),
checks the counts and the integrity of the result, upgrades to the current revision and appends an
audit entry naming who restored what and how it was checked. Any failure rolls everything back and the
store is as it was. A backup of format version 1 (before the manifest) is restored only when asked.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import hmac
import json
import os
import tempfile
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Literal

import pydantic
import sqlalchemy as sa
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection

from . import schema
from .errors import StoreError
from .store import Store, Tx, table_label

FORMAT = "hazard-backup"
FORMAT_VERSION = 2  # 2: the end line holds the manifest; 1 had none
_READABLE = (1, 2)
BATCH = 1000
_SKIP = {"alembic_version"}
_HEADER_LIMIT = 1 << 20  # a header is a few kilobytes: a longer first line is not one
KEY_MIN_BYTES = 16

MESSAGES = {
    "not_empty": "目标数据库已有数据（{tables}），恢复会覆盖它们；确认要覆盖请加 --force",
    "not_backup": "“{file}”不是工作台的备份文件：{reason}",
    "truncated": "备份文件“{file}”不完整（可能在写入时中断），未做任何恢复",
    "newer": "备份文件的数据库结构版本“{revision}”比本程序新，请先升级工作台再恢复",
    "counts": "恢复后“{table}”有 {got} 行，备份中有 {want} 行，已撤销恢复",
    "integrity": "恢复后的数据库未通过完整性检查，已撤销恢复：{problems}",
    "format_version": "备份文件格式版本 {version} 不受支持（本程序支持 {supported}）",
    "damaged": "备份文件“{file}”已损坏（无法解压），未做任何恢复",
    "unreadable": "无法读取备份文件“{file}”：{reason}",
    "altered": "备份文件“{file}”的内容与其清单（SHA-256）不符，在备份之后被改动或已损坏（{parts}），未做任何恢复",
    "no_manifest": (
        "备份文件“{file}”是旧格式（格式版本 1），没有内容清单，无法核对是否被改动；"
        "确认文件来源可靠后，加 --accept-unverified 才能恢复"
    ),
    "needs_key": "备份文件“{file}”带有密钥签名，恢复时须用 --key-file 给出备份时所用的密钥文件，未做任何恢复",
    "other_key": "备份文件“{file}”是用另一把密钥签名的（密钥编号 {theirs}，给出的密钥编号 {ours}），未做任何恢复",
    "bad_signature": "备份文件“{file}”的签名与内容不符，内容在备份之后被改动过，未做任何恢复",
    "unsigned": (
        "备份文件“{file}”没有密钥签名，无法证明未被改动（给出密钥时只恢复用它签名的备份）；"
        "确认文件来源可靠后，加 --accept-unverified 才能恢复"
    ),
    "changed_meanwhile": "备份文件“{file}”在恢复过程中被改动，已撤销恢复",
    "bad_row": "备份文件“{file}”中“{table}”的第 {row} 行无法识别，已撤销恢复",
    "load_failed": "备份文件“{file}”的内容无法装入数据库，已撤销恢复：{reason}",
    "key_file": "无法读取密钥文件“{file}”：{reason}",
    "key_short": "密钥文件“{file}”太短（{n} 字节），至少要 {least} 字节；可用 openssl rand -hex 32 生成",
}

_CHECKS = {
    "hmac": "内容和签名已核对",
    "sha256": "内容已按 SHA-256 清单核对",
    "sha256-unsigned": "内容已按 SHA-256 清单核对；备份没有签名，按 --accept-unverified 恢复",
    "none": "旧格式备份，内容未核对，按 --accept-unverified 恢复",
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
    """A file that is not a complete backup of this workbook, or not the backup it was when made."""


@dataclass
class BackupSummary:
    """What a backup or restore copied, and (``check``, in Chinese) how it was signed or checked."""

    file: Path
    revision: str
    engine: str
    rows: dict[str, int] = field(default_factory=dict)
    check: str = ""

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def text(self) -> str:
        text = f"{self.file}：{len(self.rows)} 张表，共 {self.total} 行（数据库结构版本 {self.revision}，来自 {self.engine}）"
        return f"{text}；{self.check}" if self.check else text


@dataclass(frozen=True)
class BackupKey:
    """The administrator's secret that signs backups (HMAC-SHA256), kept apart from them.

    A backup signed with it restores only with it; whoever can edit backups but does not hold the key
    cannot make one that passes. The secret is the key file's content without surrounding whitespace.
    """

    secret: bytes = field(repr=False)

    @classmethod
    def read(cls, path: str | Path) -> BackupKey:
        """The key in the file at ``path``; StoreError (in Chinese) if it cannot be read or is too short."""
        path = Path(path)
        try:
            secret = path.read_bytes().strip()
        except OSError as exc:
            raise StoreError(MESSAGES["key_file"].format(file=path, reason=_why(exc))) from None
        if len(secret) < KEY_MIN_BYTES:
            raise StoreError(MESSAGES["key_short"].format(file=path, n=len(secret), least=KEY_MIN_BYTES))
        return cls(secret)

    @property
    def key_id(self) -> str:
        """A short name of the key, written in the header: a backup signed with another key is told apart
        from one changed after signing. It reveals nothing of the secret."""
        return hmac.new(self.secret, b"hazard-backup key id", hashlib.sha256).hexdigest()[:16]

    def sign(self, sha256: str) -> str:
        """The signature of a backup whose content has this SHA-256 (HMAC of the digest: one pass of
        hashing serves both, and SHA-256 leaves no second content with the same digest to sign)."""
        return hmac.new(self.secret, b"hazard-backup 2 " + sha256.encode(), hashlib.sha256).hexdigest()


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
    meta = _reflected(conn)
    out = []
    for table in meta.sorted_tables:
        if table.name in _SKIP:
            continue
        out.append(_Table(table.name, table, [(c.name, _kind(c)) for c in table.columns]))
    return out


def _reflected(conn: Connection, **kwargs: Any) -> sa.MetaData:
    """The store's tables as the database describes them (``MetaData.reflect``). SQLAlchemy does not
    reflect an index on an expression (``ix_enterprises_key``) and warns; the snapshot reads the columns
    and the clearing drops whole tables, so the warning is left out."""
    meta = sa.MetaData()
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index", sa.exc.SAWarning
        )
        meta.reflect(conn, **kwargs)
    return meta


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
    return MigrationContext.configure(conn).get_current_revision()


# -- manifest -------------------------------------------------------------------------------------


class _Digest:
    """The SHA-256 of a backup's content, line by line as it is written or read: of every line before
    the end line, and of each table's part (its marker line and rows) to name the parts that differ."""

    def __init__(self) -> None:
        self.whole = hashlib.sha256()
        self.parts: dict[str, Any] = {}
        self._part: Any = None

    def header(self, line: bytes) -> None:
        self.whole.update(line)

    def start(self, table: str, line: bytes) -> None:
        self._part = self.parts[table] = hashlib.sha256()
        self.add(line)

    def add(self, line: bytes) -> None:
        self.whole.update(line)
        self._part.update(line)

    @property
    def in_table(self) -> bool:
        return self._part is not None

    def manifest(self, key: BackupKey | None) -> dict[str, Any]:
        sha = self.whole.hexdigest()
        out: dict[str, Any] = {"sha256": sha, "tables": {n: h.hexdigest() for n, h in self.parts.items()}}
        if key is not None:
            out["hmac_sha256"] = key.sign(sha)
        return out


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
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_encode).encode() + b"\n"


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
    digest = _Digest()
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
            line = _line([_encode(v) for v in row])
            digest.add(line)
            out.write(line)
    out.write(_line({"end": True, "rows": sum(counts.values()), "manifest": digest.manifest(key)}))
    check = "未签名" if key is None else f"已用密钥签名（密钥编号 {key.key_id}）"
    return BackupSummary(target, snap.revision, conn.dialect.name, counts, check)


# -- restore --------------------------------------------------------------------------------------


_Kind = Literal["json", "datetime", "date", "bool", "plain"]


class _TableSpec(pydantic.BaseModel):
    name: pydantic.StrictStr
    columns: list[tuple[pydantic.StrictStr, _Kind]]
    rows: Annotated[pydantic.StrictInt, pydantic.Field(ge=0)]


class _HeaderSpec(pydantic.BaseModel):
    """What restore reads from a header (the format and its version are checked before)."""

    revision: pydantic.StrictStr
    engine: pydantic.StrictStr
    tables: list[_TableSpec]
    key_id: pydantic.StrictStr | None = None


def _why(exc: OSError) -> str:
    """Why a file could not be read, in Chinese."""
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    if isinstance(exc, PermissionError):
        return "没有读取权限"
    if isinstance(exc, IsADirectoryError):
        return "这是一个文件夹，不是文件"
    return f"读取出错（{exc.strerror or exc}）"


def _not_backup(source: Path, reason: str) -> BadBackup:
    return BadBackup(MESSAGES["not_backup"].format(file=source.name, reason=reason))


def read_header(source: str | Path) -> dict[str, Any]:
    """The header of a backup file; raises BadBackup (in Chinese) if it is not one."""
    source = Path(source)
    try:
        with gzip.open(source, "rb") as f:
            first = f.readline(_HEADER_LIMIT)
    except gzip.BadGzipFile:
        raise _not_backup(source, "不是 gzip 压缩文件") from None
    except EOFError:
        raise BadBackup(MESSAGES["truncated"].format(file=source.name)) from None
    except zlib.error:
        raise BadBackup(MESSAGES["damaged"].format(file=source.name)) from None
    except OSError as exc:
        raise BadBackup(MESSAGES["unreadable"].format(file=source.name, reason=_why(exc))) from None
    if not first:
        raise _not_backup(source, "文件是空的")
    if len(first) >= _HEADER_LIMIT and not first.endswith(b"\n"):
        raise _not_backup(source, "文件头过长")
    try:
        header = json.loads(first)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _not_backup(source, "文件头无法识别") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _not_backup(source, "缺少备份文件头")
    if not first.endswith(b"\n"):  # a header and nothing after it
        raise BadBackup(MESSAGES["truncated"].format(file=source.name))
    if header.get("format_version") not in _READABLE:
        supported = "、".join(map(str, _READABLE))
        raise BadBackup(
            MESSAGES["format_version"].format(version=header.get("format_version"), supported=supported)
        )
    try:
        spec = _HeaderSpec.model_validate(header)
    except pydantic.ValidationError as exc:
        where = ".".join(map(str, exc.errors()[0]["loc"]))
        raise _not_backup(source, f"文件头中“{where}”缺失或有误") from None
    names = [t.name for t in spec.tables]
    if len(set(names)) != len(names):
        raise _not_backup(source, "文件头中有重复的表")
    return header


def _raw_lines(source: Path) -> Iterator[bytes]:
    """The decompressed lines of a backup; BadBackup if the gzip stream is cut short or damaged."""
    try:
        with gzip.open(source, "rb") as f:
            yield from f
    except EOFError:
        raise BadBackup(MESSAGES["truncated"].format(file=source.name)) from None
    except (zlib.error, gzip.BadGzipFile):
        raise BadBackup(MESSAGES["damaged"].format(file=source.name)) from None
    except OSError as exc:
        raise BadBackup(MESSAGES["unreadable"].format(file=source.name, reason=_why(exc))) from None


def _items(source: Path, digest: _Digest) -> Iterator[tuple[str, Any]]:
    """The lines after the header as ``("table", name)``, ``("row", line)`` and last ``("end", end line)``,
    each added to ``digest``. BadBackup for a line that is none of these, or for anything after the end."""
    lines = _raw_lines(source)
    digest.header(next(lines, b""))
    ended = False
    for line in lines:
        if ended:
            raise _not_backup(source, "结束标记之后还有内容")
        if line.startswith(b"[") and digest.in_table:  # a row: read only by the caller that needs it
            digest.add(line)
            yield "row", line
            continue
        try:
            item = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise _not_backup(source, "无法识别的行") from None
        if isinstance(item, dict) and item.keys() == {"table"} and isinstance(item["table"], str):
            digest.start(item["table"], line)
            yield "table", item["table"]
        elif isinstance(item, dict) and item.get("end") is True:
            ended = True
            yield "end", item
        else:
            raise _not_backup(source, "无法识别的行")
    if not ended:
        raise BadBackup(MESSAGES["truncated"].format(file=source.name))


@dataclass
class CheckedBackup:
    """A backup file found to be what its manifest says: its header, how it was checked (``check``: one
    of ``hmac``, ``sha256``, ``sha256-unsigned``, ``none``) and the SHA-256 of its content (None for a
    backup of format version 1, which has no manifest)."""

    source: Path
    header: dict[str, Any]
    check: str
    sha256: str | None


def check_backup(
    source: str | Path, *, key: BackupKey | None = None, accept_unverified: bool = False
) -> CheckedBackup:
    """Read the whole backup once and check it against its manifest, without touching any store.

    Refused (BadBackup, in Chinese): content that differs from its SHA-256; a signed backup without
    ``key``, with another key, or whose signature does not match. Refused unless ``accept_unverified``:
    a backup of format version 1 (no manifest), and an unsigned backup when ``key`` is given.
    ``accept_unverified`` never lets through a check that failed, only one that cannot be made.
    """
    source = Path(source)
    header = read_header(source)
    if header["format_version"] == 1:
        if not accept_unverified:
            raise BadBackup(MESSAGES["no_manifest"].format(file=source.name))
        return CheckedBackup(source, header, "none", None)
    digest = _Digest()
    end: dict[str, Any] = {}
    for kind, value in _items(source, digest):
        if kind == "end":
            end = value
    manifest = end.get("manifest")
    if not isinstance(manifest, dict) or not isinstance(manifest.get("sha256"), str):
        raise _not_backup(source, "结束标记中缺少内容清单")
    sha = digest.whole.hexdigest()
    if not hmac.compare_digest(sha, manifest["sha256"]):
        raise BadBackup(MESSAGES["altered"].format(file=source.name, parts=_differing(digest, manifest)))
    signature = manifest.get("hmac_sha256")
    if header.get("key_id") is not None or signature is not None:
        if key is None:
            raise BadBackup(MESSAGES["needs_key"].format(file=source.name))
        if header.get("key_id") != key.key_id:
            raise BadBackup(
                MESSAGES["other_key"].format(file=source.name, theirs=header.get("key_id"), ours=key.key_id)
            )
        if not isinstance(signature, str) or not hmac.compare_digest(key.sign(sha), signature):
            raise BadBackup(MESSAGES["bad_signature"].format(file=source.name))
        return CheckedBackup(source, header, "hmac", sha)
    if key is not None:
        if not accept_unverified:
            raise BadBackup(MESSAGES["unsigned"].format(file=source.name))
        return CheckedBackup(source, header, "sha256-unsigned", sha)
    return CheckedBackup(source, header, "sha256", sha)


def _differing(digest: _Digest, manifest: dict[str, Any]) -> str:
    """The parts of a backup whose content differs from the manifest, in Chinese."""
    listed = manifest.get("tables")
    if not isinstance(listed, dict):
        return "清单不完整"
    found = {n: h.hexdigest() for n, h in digest.parts.items()}
    names = sorted(n for n in set(found) | set(listed) if found.get(n) != listed.get(n))
    return "、".join(_label(n) for n in names) if names else "文件头"


def store_contents(conn: Connection) -> dict[str, int]:
    """The tables of the store that hold rows, with their row counts."""
    out = {}
    for t in _tables(conn):
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
    with store.engine.connect() as conn:
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
    return BackupSummary(source, revision, str(header.get("engine")), rows, _CHECKS[checked.check])


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
    known = set(schema.metadata.tables) | _SKIP | also
    meta = _reflected(conn, only=lambda name, _meta: name in known)
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
    present = {t.name: t for t in _tables(conn)}
    counts: dict[str, int] = {name: 0 for name in specs}
    current: tuple[sa.Table, list[str], list[Any]] | None = None
    batch: list[dict[str, Any]] = []
    digest = _Digest()

    def flush() -> None:
        if current is not None and batch:
            conn.execute(current[0].insert(), batch)
            batch.clear()

    for kind, value in _items(source, digest):
        if kind == "table":
            flush()
            if value not in specs or value not in present:
                raise _not_backup(source, f"未知的表 {value}")
            names = [c[0] for c in specs[value]["columns"]]
            kinds = [c[1] for c in specs[value]["columns"]]
            current = (
                _load_table(conn, present[value].table, names, kinds),
                names,
                [_decoder(k) for k in kinds],
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
                        file=source.name, table=_label(table.name), row=counts[table.name]
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
