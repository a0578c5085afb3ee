"""The backup file: its format (gzip-compressed JSON lines: a header, the rows of each table, an end line),
the manifest made while it is written (SHA-256 of every line and of each table's part) and its HMAC with
the administrator's key, and the reading of a backup back: its header, its lines, and the check of the
whole file against its manifest (and signature) before a restore touches the store.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import hmac
import json
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import StoreError
from ..store import table_label

FORMAT = "hazard-backup"
FORMAT_VERSION = 2  # 2: the end line holds the manifest; 1 had none
_READABLE = (1, 2)
BATCH = 1000
SKIP = {"alembic_version"}
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

CHECKS = {
    "hmac": "内容和签名已核对",
    "sha256": "内容已按 SHA-256 清单核对",
    "sha256-unsigned": "内容已按 SHA-256 清单核对；备份没有签名，按 --accept-unverified 恢复",
    "none": "旧格式备份，内容未核对，按 --accept-unverified 恢复",
}


class StoreNotEmpty(StoreError):
    """A restore would overwrite records and was not forced."""

    def __init__(self, tables: dict[str, int]):
        self.tables = tables
        listed = "、".join(f"{backup_label(name)} {n} 行" for name, n in tables.items())
        super().__init__(MESSAGES["not_empty"].format(tables=listed))


_LABELS = {"audit_log": "审计日志", "imports": "导入记录", "store_meta": "系统设置"}


def backup_label(table: str) -> str:
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
    if isinstance(t, sa.LargeBinary):
        return "binary"
    return "plain"


def encode_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):  # a stored file (a county's plan): its bytes as base64
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def decoder(kind: str) -> Any:
    if kind == "datetime":
        return lambda v: None if v is None else dt.datetime.fromisoformat(v)
    if kind == "date":
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    if kind == "bool":
        return lambda v: None if v is None else bool(v)
    if kind == "binary":
        return lambda v: None if v is None else base64.b64decode(v, validate=True)
    return lambda v: v


# -- tables ---------------------------------------------------------------------------------------


@dataclass
class BackupTable:
    name: str
    table: sa.Table
    columns: list[tuple[str, str]]


def reflected(conn: Connection, **kwargs: Any) -> sa.MetaData:
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


def backup_tables(conn: Connection) -> list[BackupTable]:
    """Every table of the store in foreign-key order, as it is in the database (any revision)."""
    meta = reflected(conn)
    out = []
    for table in meta.sorted_tables:
        if table.name in SKIP:
            continue
        out.append(BackupTable(table.name, table, [(c.name, _kind(c)) for c in table.columns]))
    return out


# -- manifest -------------------------------------------------------------------------------------


class Digest:
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


# -- reading and checking a backup -----------------------------------------------------------------


_Kind = Literal["json", "datetime", "date", "bool", "binary", "plain"]


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


def not_a_backup(source: Path, reason: str) -> BadBackup:
    return BadBackup(MESSAGES["not_backup"].format(file=source.name, reason=reason))


def read_header(source: str | Path) -> dict[str, Any]:
    """The header of a backup file; raises BadBackup (in Chinese) if it is not one."""
    source = Path(source)
    try:
        with gzip.open(source, "rb") as f:
            first = f.readline(_HEADER_LIMIT)
    except gzip.BadGzipFile:
        raise not_a_backup(source, "不是 gzip 压缩文件") from None
    except EOFError:
        raise BadBackup(MESSAGES["truncated"].format(file=source.name)) from None
    except zlib.error:
        raise BadBackup(MESSAGES["damaged"].format(file=source.name)) from None
    except OSError as exc:
        raise BadBackup(MESSAGES["unreadable"].format(file=source.name, reason=_why(exc))) from None
    if not first:
        raise not_a_backup(source, "文件是空的")
    if len(first) >= _HEADER_LIMIT and not first.endswith(b"\n"):
        raise not_a_backup(source, "文件头过长")
    try:
        header = json.loads(first)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise not_a_backup(source, "文件头无法识别") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise not_a_backup(source, "缺少备份文件头")
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
        raise not_a_backup(source, f"文件头中“{where}”缺失或有误") from None
    names = [t.name for t in spec.tables]
    if len(set(names)) != len(names):
        raise not_a_backup(source, "文件头中有重复的表")
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


def backup_items(source: Path, digest: Digest) -> Iterator[tuple[str, Any]]:
    """The lines after the header as ``("table", name)``, ``("row", line)`` and last ``("end", end line)``,
    each added to ``digest``. BadBackup for a line that is none of these, or for anything after the end."""
    lines = _raw_lines(source)
    digest.header(next(lines, b""))
    ended = False
    for line in lines:
        if ended:
            raise not_a_backup(source, "结束标记之后还有内容")
        if line.startswith(b"[") and digest.in_table:  # a row: read only by the caller that needs it
            digest.add(line)
            yield "row", line
            continue
        try:
            item = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise not_a_backup(source, "无法识别的行") from None
        if isinstance(item, dict) and item.keys() == {"table"} and isinstance(item["table"], str):
            digest.start(item["table"], line)
            yield "table", item["table"]
        elif isinstance(item, dict) and item.get("end") is True:
            ended = True
            yield "end", item
        else:
            raise not_a_backup(source, "无法识别的行")
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
    digest = Digest()
    end: dict[str, Any] = {}
    for kind, value in backup_items(source, digest):
        if kind == "end":
            end = value
    manifest = end.get("manifest")
    if not isinstance(manifest, dict) or not isinstance(manifest.get("sha256"), str):
        raise not_a_backup(source, "结束标记中缺少内容清单")
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


def _differing(digest: Digest, manifest: dict[str, Any]) -> str:
    """The parts of a backup whose content differs from the manifest, in Chinese."""
    listed = manifest.get("tables")
    if not isinstance(listed, dict):
        return "清单不完整"
    found = {n: h.hexdigest() for n, h in digest.parts.items()}
    names = sorted(n for n in set(found) | set(listed) if found.get(n) != listed.get(n))
    return "、".join(backup_label(n) for n in names) if names else "文件头"
