"""The store: an engine from a URL, the schema kept current by Alembic, audited transactions, and
county scoping.

One :class:`Store` object is passed explicitly to whatever reads or writes; there is no module-level
connection. Every write goes through :meth:`Store.transaction`, whose :class:`Tx` appends an audit
entry (who, when, what, before and after) in the same transaction as the change, so a change and its
audit entry are stored together or not at all.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import operator
import os
import zlib
from collections.abc import Iterable, Iterator, KeysView, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from . import schema
from .datafiles import data_dir
from .errors import NotFound, OutOfScope, StaleRecord, StoreError

if TYPE_CHECKING:
    from .login_state import LoginBinding

PREFECTURE_CODE = "522700"
SYSTEM_USER = "系统"

MIGRATIONS = Path(__file__).with_name("migrations")
SNAPSHOT_TRIES = 5
"""How many times :meth:`Store.read_together` starts its SQLite readers over when a write was committed
while they started, before it gives one connection instead."""

# Record tables whose county is not in a plain ``county_code`` column.
_SCOPE_COLUMNS: dict[str, tuple[str, ...]] = {
    "tracing_tasks": ("from_county", "to_county"),
    "tracing_passes": ("from_county", "to_county"),
}
# Record tables a county also sees a row of when it appears in the row's history: (history table, its key to
# the row). A tracing task passed on stays visible to the counties that held it before (hazardlib.tracing).
_SCOPE_HISTORY: dict[str, tuple[sa.Table, str]] = {"tracing_tasks": (schema.tracing_passes, "task_id")}
# Tables whose rows belong to a parent record, and so to the parent's county: (foreign key, parent).
_SCOPE_PARENTS: dict[str, tuple[str, sa.Table]] = {
    "risk_control_items": ("self_check_id", schema.self_checks),
    "hazard_events": ("hazard_id", schema.hazards),
}
_UNSCOPED = {"store_meta", "imports"}
# Written only by Tx.audit, never changed: refused to insert/update/delete through Tx.
_APPEND_ONLY = {"audit_log"}
AUDIT_MODES = ("each", "batch", "summary")
# Written only by a prefecture session (a county session cannot create or change logins).
_PREFECTURE_ONLY = {"accounts"}
# Columns whose values never reach the audit log: the entry says what happened to them instead (a password's
# hash; a county plan's file and a package's files, whose SHA-256 the entry keeps).
_SECRET_COLUMNS: dict[str, dict[str, str]] = {
    "accounts": {"password_hash": "密码已更改"},
    "county_plans": {"file_data": "方案文件已更换（见文件SHA-256）"},
    "submissions": {
        "summary_docx": "文件已更换（见 summary_sha256）",
        "scan": "文件已更换（见 scan_sha256）",
    },
}
SECRET_HIDDEN = "（不记录）"
# PostgreSQL writers take turns under advisory locks in this key space (see make_engine).
PG_WRITE_LOCK = 0x68617A


def _lane(county: str) -> int:
    """The advisory-lock key of a county's writers (its code as a number)."""
    return int(county) if county.isdigit() and len(county) < 10 else zlib.crc32(county.encode()) & 0x7FFFFFFF


def default_url() -> str:
    """The store URL: ``HAZARD_DB`` if set, else the embedded SQLite file ``data/workbook.db``."""
    return os.environ.get("HAZARD_DB") or f"sqlite:///{data_dir() / 'workbook.db'}"


def default_user() -> str:
    """The acting person for command-line writes: ``HAZARD_USER``, else the login name."""
    return os.environ.get("HAZARD_USER") or os.environ.get("USER") or SYSTEM_USER


def _redacted(table: str, values: Mapping[str, Any] | None, changed: bool = False) -> Any:
    """``values`` as the audit log may hold them: each secret column replaced by a note (``changed``: the
    note that it was changed, for the after-side of an update)."""
    secrets = _SECRET_COLUMNS.get(table)
    if not secrets or values is None:
        return values
    return {k: (secrets[k] if changed else SECRET_HIDDEN) if k in secrets else v for k, v in values.items()}


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


_SHORT_LISTS: dict[tuple[str, ...], str] = {}  # JSON of the short lists of codes stored in many rows


def _dumps(value: Any) -> str:
    if type(value) is list and len(value) <= 8 and all(type(v) is str for v in value):
        key = tuple(value)
        found = _SHORT_LISTS.get(key)
        if found is None:
            found = json.dumps(value, ensure_ascii=False)
            if len(_SHORT_LISTS) < 4096:
                _SHORT_LISTS[key] = found
        return found
    return json.dumps(value, default=_json_default, ensure_ascii=False, sort_keys=True)


def dangling(conn: Connection) -> int:
    """How many rows of a SQLite store refer to a row that is not there (``PRAGMA foreign_key_check``)."""
    return len(conn.exec_driver_sql("PRAGMA foreign_key_check").all())


@contextmanager
def migrating(conn: Connection) -> Iterator[bool]:
    """For a block that migrates the store on ``conn`` (an upgrade, a restore): on SQLite, foreign keys off
    for its length, and True. SQLite changes a table's constraints by rebuilding it (Alembic's batch mode:
    copy, drop, rename; migration 0034), and with foreign keys on, the drop would first delete or refuse the
    rows that refer to the table (hazard_events: ON DELETE CASCADE); SQLite's procedure for such changes
    turns them off, and the block checks the result with :func:`dangling`. Set outside any transaction (inside
    one the pragma does nothing), so call this before ``conn.begin()``."""
    if conn.dialect.name != "sqlite":
        yield False
        return
    driver = conn.connection.driver_connection
    driver.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    try:
        yield True
    finally:
        driver.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, json_serializer=_dumps, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # pysqlite's own transaction handling is off so that BEGIN IMMEDIATE below takes the
            # write lock at the start of a write, not at its first statement.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            if path and path != ":memory:":
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")

        return engine
    engine = sa.create_engine(url, json_serializer=_dumps, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":

        @sa.event.listens_for(engine, "connect")
        def _pg_session(dbapi_conn: Any, _record: Any) -> None:
            # A writer waits for its turn at most a minute (the same as SQLite's busy timeout, doubled).
            dbapi_conn.autocommit = True
            dbapi_conn.execute("SET lock_timeout = '60s'")
            dbapi_conn.autocommit = False

        @sa.event.listens_for(engine, "begin")
        def _pg_begin(conn: Connection) -> None:
            if not conn.info.get("write"):
                return
            # Writers take turns, as SQLite's BEGIN IMMEDIATE makes them, so that read-then-write code
            # (upserts by natural key, ledger moves) never races. A county session can write only its own
            # county's records, so the writers of different counties go side by side: each county has its
            # own lane, and a prefecture writer waits until every lane is free.
            county = conn.info.get("write_county")
            if county is None:
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK}, 0)")
            else:
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock_shared({PG_WRITE_LOCK}, 0)")
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK}, {_lane(county)})")

    return engine


class Store:
    """A campaign store at a URL, bound to the person acting and the county (or prefecture) they serve.

    ``county`` None or ``"522700"`` is the prefecture, which sees every county; a county code limits
    every read through :meth:`scoped` and every write through :meth:`transaction` to that county.
    ``login``: the dashboard login the session acts under (:class:`hazardlib.login_state.LoginBinding`);
    every write transaction first checks, in that transaction, that the login has not ended.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        user: str | None = None,
        county: str | None = None,
        login: LoginBinding | None = None,
    ):
        self.url = url or default_url()
        self.user = (user or "").strip() or default_user()
        self.county = None if county in (None, "", PREFECTURE_CODE) else county
        self.login = login
        self.engine = make_engine(self.url)
        # A store that only reads (a preheated dashboard kernel warming up before it knows whom it serves).
        self.read_only = False

    def acting(self, *, user: str, county: str | None, login: LoginBinding | None = None) -> Store:
        """This store acting as ``user`` for ``county`` (and ``login``), able to write: a new Store on the same
        engine, so it reuses the connections and compiled statements this one has already made."""
        other = copy.copy(self)
        other.user = (user or "").strip() or default_user()
        other.county = None if county in (None, "", PREFECTURE_CODE) else county
        other.login = login
        other.read_only = False
        return other

    def reading_only(self) -> Store:
        """This store (same engine, person and county) refusing every write."""
        other = copy.copy(self)
        other.read_only = True
        return other

    # -- schema -------------------------------------------------------------------------------
    # alembic (imported by the four methods below, not at the top): a dashboard opens a store on its first
    # paint and never migrates it; importing alembic costs as much as the rest of this module.
    def alembic_config(self) -> Any:
        from alembic.config import Config  # noqa: PLC0415 -- heavy, see above

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return cfg

    def revision(self) -> str | None:
        """The schema revision the store is at (None for an empty store)."""
        from alembic.runtime.migration import MigrationContext  # noqa: PLC0415 -- heavy, see above

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head(self) -> str:
        from alembic.script import ScriptDirectory  # noqa: PLC0415 -- heavy, see above

        head = ScriptDirectory.from_config(self.alembic_config()).get_current_head()
        assert head is not None
        return head

    def upgrade(self) -> bool:
        """Create or upgrade the schema to the newest revision; True if anything changed."""
        from alembic import command  # noqa: PLC0415 -- heavy, see above

        if self.revision() == self.head():
            return False
        try:
            with self.engine.connect() as conn, migrating(conn) as sqlite, conn.begin():
                # Undone if it leaves more rows referring to a missing one than there were (a damaged store is
                # still upgraded; hazard verify names its rows).
                before = dangling(conn) if sqlite else 0
                cfg = self.alembic_config()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite and dangling(conn) > before:
                    raise StoreError("无法升级数据库：升级会使一些记录引用不存在的记录，已撤销升级")
        except sa.exc.SQLAlchemyError as exc:  # pragma: no cover - depends on the server
            raise StoreError(f"无法创建或升级数据库：{exc}") from exc
        return True

    def analyze(self) -> None:
        """Refresh the database's statistics of every table and index (``ANALYZE`` on SQLite and
        PostgreSQL), so that its planner picks indexes by the rows the store holds rather than by guesses:
        called after a bulk load (the demo generator, an import that wrote many rows). Statistics, not
        records: nothing is audited. SQLite reads every index in full (a sampled ``analysis_limit`` was
        measured to lead the results list's ledger part to a worse plan; docs/benchmarks.md)."""
        with self.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")

    @property
    def is_prefecture(self) -> bool:
        return self.county is None

    def dispose(self) -> None:
        self.engine.dispose()

    # -- reading ------------------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading (one consistent snapshot on engines that give one)."""
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            yield conn

    @contextmanager
    def read_together(self, n: int) -> Iterator[list[Connection]]:
        """Up to ``n`` connections for reading side by side (one thread each) that all see one snapshot of
        the store, as one :meth:`read` connection would: a report whose parts are independent queries reads
        them at once, on both cores, and its figures still agree with each other.

        PostgreSQL: the first connection's snapshot is exported (``pg_export_snapshot``) and taken by the
        others (``SET TRANSACTION SNAPSHOT``), all REPEATABLE READ. SQLite (WAL): a reader's snapshot is
        the database as of its first read; each connection's read transaction is started between two
        readings of ``PRAGMA data_version`` on another connection, and equal readings mean no write was
        committed in between, so the snapshots are one. No lock is taken, so no writer is held up and a
        long write (an import) does not hold the report up. Should writes keep landing in between
        (:data:`SNAPSHOT_TRIES` times), one connection is given: the caller's reads then go one after
        another, in one snapshot still."""
        with ExitStack() as stack:
            if self.engine.dialect.name == "postgresql":
                yield self._pg_together(stack, n)
            else:
                yield self._sqlite_together(stack, n)

    def _pg_together(self, stack: ExitStack, n: int) -> list[Connection]:
        conns = [stack.enter_context(self.read()) for _ in range(max(1, n))]
        snapshot = conns[0].exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        for conn in conns[1:]:
            conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        return conns

    def _sqlite_together(self, stack: ExitStack, n: int) -> list[Connection]:
        probe = stack.enter_context(self.engine.connect())
        conns = [stack.enter_context(self.read()) for _ in range(max(1, n))]

        def version() -> int:
            value = int(probe.exec_driver_sql("PRAGMA data_version").scalar_one())
            probe.rollback()  # the next reading sees the commits made since
            return value

        for _ in range(SNAPSHOT_TRIES):
            before = version()
            for conn in conns:
                conn.exec_driver_sql("SELECT 1 FROM sqlite_master LIMIT 1").all()  # the first read
            if version() == before:
                return conns
            for conn in conns:
                conn.rollback()
        return conns[:1]

    def scoped(self, stmt: Any, table: sa.Table) -> Any:
        """``stmt`` limited to the session's county (for the prefecture: unchanged)."""
        if self.county is None or table.name in _UNSCOPED:
            return stmt
        if table.name in _SCOPE_PARENTS:
            fk, parent = _SCOPE_PARENTS[table.name]
            return stmt.where(
                table.c[fk].in_(sa.select(parent.c.id).where(parent.c.county_code == self.county))
            )
        cols = _SCOPE_COLUMNS.get(table.name, ("county_code",))
        owned = [table.c[c] == self.county for c in cols]
        if table.name in _SCOPE_HISTORY:
            history, key = _SCOPE_HISTORY[table.name]
            held = sa.or_(*(history.c[c] == self.county for c in _SCOPE_COLUMNS[history.name]))
            owned.append(table.c.id.in_(sa.select(history.c[key]).where(held)))
        return stmt.where(sa.or_(*owned))

    def get(self, table: sa.Table, record_id: int, conn: Connection | None = None) -> dict[str, Any]:
        """One record as a dict; NotFound if missing or outside the session's county."""
        stmt = self.scoped(sa.select(table).where(table.c.id == record_id), table)
        if conn is not None:
            row = conn.execute(stmt).mappings().first()
        else:
            with self.read() as c:
                row = c.execute(stmt).mappings().first()
        if row is None:
            raise NotFound(_TABLE_LABELS.get(table.name, table.name), record_id)
        return dict(row)

    def meta(self, key: str) -> str | None:
        with self.read() as conn:
            return conn.execute(
                sa.select(schema.store_meta.c.value).where(schema.store_meta.c.key == key)
            ).scalar()

    # -- writing ------------------------------------------------------------------------------
    @contextmanager
    def transaction(self, context: str | None = None) -> Iterator[Tx]:
        """One atomic write: everything done through the yielded Tx is committed with its audit entries."""
        if self.read_only:
            raise StoreError("当前页面尚未绑定登录账号，不能保存，请刷新页面后重试")
        with self.engine.connect() as conn:
            conn.info["write"] = True
            conn.info["write_county"] = self.county
            try:
                with conn.begin():
                    if self.login is not None:  # a disabled account or ended login writes nothing
                        self.login.check(conn)
                    tx = Tx(self, conn, context)
                    yield tx
            finally:
                conn.info.pop("write", None)
                conn.info.pop("write_county", None)


_TABLE_LABELS = {
    "enterprises": "企业",
    "self_checks": "自查记录",
    "risk_control_items": "风险管控清单条目",
    "inspections": "现场检查记录",
    "hazards": "隐患",
    "hazard_events": "整改记录",
    "instruments": "文书",
    "interviews": "约谈记录",
    "spot_checks": "抽查批次",
    "tracing_tasks": "追查任务",
    "tracing_passes": "追查任务转办记录",
    "enforcement_cases": "案件",
    "risk_signals": "风险信息",
    "help_records": "帮扶记录",
    "county_plans": "县级工作方案",
    "county_oversight": "督导记录",
    "local_reports": "向党委政府报告",
    "immediate_reports": "即时报告",
    "written_reports": "书面报送",
    "submissions": "报送材料",
    "accounts": "登录账号",
}


def table_label(table: sa.Table | str) -> str:
    """The Chinese name of a record table."""
    name = table if isinstance(table, str) else table.name
    return _TABLE_LABELS.get(name, name)


class Tx:
    """The writes of one transaction; each is checked against the session's county and audited."""

    def __init__(self, store: Store, conn: Connection, context: str | None):
        self.store, self.conn, self.context = store, conn, context
        self.now = dt.datetime.now().replace(microsecond=0)

    # scoping
    def _check_scope(self, table: sa.Table, values: Mapping[str, Any]) -> None:
        if table.name in _APPEND_ONLY:
            raise StoreError("审计日志只能由系统在每次修改时追加，不能直接写入、修改或删除")
        county = self.store.county
        if county is not None and table.name in _PREFECTURE_ONLY:
            raise OutOfScope(county, PREFECTURE_CODE)
        if county is None or table.name in _UNSCOPED:
            return
        if table.name in _SCOPE_PARENTS:
            fk, parent = _SCOPE_PARENTS[table.name]
            if values.get(fk) is not None:
                owner = self.conn.execute(
                    sa.select(parent.c.county_code).where(parent.c.id == values[fk])
                ).scalar()
                if owner is not None and owner != county:
                    raise OutOfScope(county, str(owner))
            return
        cols = _SCOPE_COLUMNS.get(table.name, ("county_code",))
        owners = [values.get(c) for c in cols if c in values]
        if owners and county not in owners:
            raise OutOfScope(county, str(owners[0]))

    def _with_meta(self, table: sa.Table, values: Mapping[str, Any]) -> dict[str, Any]:
        row = dict(values)
        if "created_at" in table.c:
            row.setdefault("created_at", self.now)
            row.setdefault("created_by", self.store.user)
            row.setdefault("updated_at", self.now)
            row.setdefault("updated_by", self.store.user)
            row.setdefault("version", 1)
        return row

    def audit(
        self, action: str, table: str, record_id: int | None, before: Any, after: Any, county: Any
    ) -> None:
        before, after = _redacted(table, before), _redacted(table, after, changed=action == "update")
        # The values as parameters of the one statement (compiled once), not built into a new one.
        self.conn.execute(
            schema.audit_log.insert(), self._entry(action, table, record_id, before, after, county)
        )

    def _entry(
        self, action: str, table: str, record_id: int | None, before: Any, after: Any, county: Any
    ) -> dict[str, Any]:
        """An audit entry as written: what was done to which record, by whom, when, in which work."""
        return dict(
            at=self.now,
            actor=self.store.user,
            action=action,
            table_name=table,
            record_id=record_id,
            county_code=county,
            before=before,
            after=after,
            context=self.context,
        )

    def insert(self, table: sa.Table, values: Mapping[str, Any]) -> int:
        """Insert one record and audit it; returns its id."""
        self._check_scope(table, values)
        row = self._with_meta(table, values)
        pk = next(iter(table.primary_key.columns))
        new_id = self.conn.execute(table.insert().returning(pk), row).scalar_one()
        self.audit(
            "insert",
            table.name,
            new_id if isinstance(new_id, int) else None,
            None,
            row,
            row.get("county_code"),
        )
        return int(new_id) if isinstance(new_id, int) else 0

    def insert_many(
        self, table: sa.Table, rows: Sequence[Mapping[str, Any]], *, audit: str = "each"
    ) -> list[int]:
        """Insert many records in one statement; returns their ids.

        ``audit`` says how they are audited: ``"each"``, one entry per record as :meth:`insert` writes;
        ``"batch"``, one ``bulk_insert`` entry per county holding every record's id and values (for a
        large import: the same content, written and encoded once per batch); ``"summary"``, one entry
        with the count and the first and last id (for generated data such as the demo).
        """
        if audit not in AUDIT_MODES:
            raise ValueError(f"audit must be one of {AUDIT_MODES}")
        if not rows:
            return []
        for values in rows:
            self._check_scope(table, values)
        meta = self._with_meta(table, {})
        ids: list[int] = []
        with self.conn.begin_nested():  # a refused row leaves none of the rows before it
            # a statement takes the columns of its first row: each run of rows naming the same ones is one
            for _keys, run in itertools.groupby(rows, key=_keys_of):
                ids.extend(self._inserted(table, list(run), meta))
        if audit == "each":
            self.conn.execute(
                schema.audit_log.insert(),
                [
                    self._entry(
                        "insert", table.name, i, None, _redacted(table.name, full), full.get("county_code")
                    )
                    for i, full in zip(ids, ({**meta, **values} for values in rows), strict=True)
                ],
            )
        elif audit == "batch":
            self._audit_batch(table.name, ids, rows)
        else:
            self.audit(
                "bulk_insert", table.name, None, None, {"rows": len(ids), "ids": [ids[0], ids[-1]]}, None
            )
        return ids

    def insert_unlinked(self, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert generated records whose ids nobody needs (no other row links to them), audited by one
        ``bulk_insert`` entry with their count; returns the count.

        A plain executemany of SQLAlchemy's insert without RETURNING: the driver runs one prepared
        statement over every row (on SQLite the ordered RETURNING of :meth:`insert_many` takes one
        statement per row). The rows get their ids in the order given, as with :meth:`insert_many`.
        """
        if not rows:
            return 0
        for values in rows:
            self._check_scope(table, values)
        stmt = _insert_with(table, self._with_meta(table, {}))
        with self.conn.begin_nested():
            for _keys, run in itertools.groupby(rows, key=_keys_of):
                self.conn.execute(stmt, list(run))
        self.audit("bulk_insert", table.name, None, None, {"rows": len(rows)}, None)
        return len(rows)

    def _inserted(self, table: sa.Table, rows: list[Mapping[str, Any]], meta: Mapping[str, Any]) -> list[int]:
        """Insert ``rows`` (naming the same columns) by SQLAlchemy's insert with RETURNING over many rows
        ("insertmanyvalues": a few multi-row INSERT statements); their ids, in the rows' order.

        Where the rows give a column the table keeps unique (the enterprises' credit code), each id is
        matched to its row by it. Otherwise SQLAlchemy is asked for the ids in the rows' order
        (``sort_by_parameter_order``), which it guarantees on PostgreSQL in the same few statements but
        on SQLite only by inserting one row per statement (see docs/benchmarks.md).
        """
        insert = _insert_with(table, meta)
        key = _unique_column(table, rows[0].keys())
        if key is None:
            stmt = insert.returning(table.c.id, sort_by_parameter_order=True)
            return [int(i) for i in self.conn.execute(stmt, rows).scalars()]
        stmt = insert.returning(table.c.id, table.c[key])
        found = {value: int(i) for i, value in self.conn.execute(stmt, rows)}
        return [found[row[key]] for row in rows]

    def _audit_batch(self, table: str, ids: list[int], rows: Sequence[Mapping[str, Any]]) -> None:
        """One ``bulk_insert`` entry per county for records just inserted: ``after`` holds ``ids``, the
        ``columns`` of the first record (the statement that inserted them stored those columns of each),
        under ``same`` the value of each column every record of the entry holds alike (its county, a yes/no
        nobody ticked), written once, and one list of ``values`` per record of the other columns, in their
        order; the created and updated time and person they were not given are the entry's.
        :func:`audited_records` reads it record by record."""
        keys = tuple(rows[0])
        secrets = _SECRET_COLUMNS.get(table, {})
        counties = [values.get("county_code") for values in rows]
        by_county: dict[Any, tuple[list[int], list[Mapping[str, Any]]]] = {}
        if len(set(counties)) == 1:  # the usual batch: one county's
            by_county[counties[0]] = (list(ids), list(rows))
        else:
            for i, values, county in zip(ids, rows, counties, strict=True):
                kept, records = by_county.setdefault(county, ([], []))
                kept.append(i)
                records.append(values)
        entries = []
        for county, (kept, records) in by_county.items():
            same = _same_values(keys, records) if len(records) > 1 else {}
            varying = [key for key in keys if key not in same]
            if not varying:
                listed: list[tuple[Any, ...]] = [()] * len(records)
            elif len(varying) == 1:
                listed = [(values[varying[0]],) for values in records]
            else:
                listed = list(map(operator.itemgetter(*varying), records))
            for k, key in enumerate(varying):
                if key in secrets:
                    listed = [(*v[:k], SECRET_HIDDEN, *v[k + 1 :]) for v in listed]
            same = {key: SECRET_HIDDEN if key in secrets else v for key, v in same.items()}
            after = {"rows": len(kept), "ids": kept, "columns": list(keys), "same": same, "values": listed}
            entries.append(self._entry("bulk_insert", table, None, None, after, county))
        self.conn.execute(schema.audit_log.insert(), entries)

    def update(
        self,
        table: sa.Table,
        record_id: int,
        values: Mapping[str, Any],
        *,
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        """Change one record and audit it; with ``expected_version``, refuse if someone saved it since.

        Raises NotFound, OutOfScope or StaleRecord. Returns the record after the change.
        """
        if table.name in _APPEND_ONLY:
            self._check_scope(table, values)
        before = self.store.get(table, record_id, self.conn)
        changes = {k: v for k, v in values.items() if before.get(k) != v}
        self._check_scope(table, {**before, **changes})
        if expected_version is not None and "version" in table.c and before["version"] != expected_version:
            raise StaleRecord(
                table_label(table), record_id, before.get("updated_by"), before.get("updated_at")
            )
        if not changes:
            return before
        stmt = table.update().where(table.c.id == record_id)
        if "version" in table.c:
            changes.update(updated_at=self.now, updated_by=self.store.user, version=before["version"] + 1)
            stmt = stmt.where(table.c.version == before["version"])
        if self.conn.execute(stmt.values(**changes)).rowcount != 1:
            now = self.store.get(table, record_id, self.conn)
            raise StaleRecord(table_label(table), record_id, now.get("updated_by"), now.get("updated_at"))
        after = {**before, **changes}
        self.audit(
            "update",
            table.name,
            record_id,
            {k: before.get(k) for k in changes},
            {k: after[k] for k in changes},
            after.get("county_code"),
        )
        return after

    def delete(self, table: sa.Table, record_id: int) -> None:
        """Delete one record and audit what it held."""
        if table.name in _APPEND_ONLY:
            self._check_scope(table, {})
        before = self.store.get(table, record_id, self.conn)
        self._check_scope(table, before)
        self.conn.execute(table.delete().where(table.c.id == record_id))
        self.audit("delete", table.name, record_id, before, None, before.get("county_code"))

    def set_meta(self, key: str, value: str) -> None:
        t = schema.store_meta
        old = self.conn.execute(sa.select(t.c.value).where(t.c.key == key)).scalar()
        if old is None:
            self.conn.execute(t.insert().values(key=key, value=value))
        else:
            self.conn.execute(t.update().where(t.c.key == key).values(value=value))
        self.audit("meta", "store_meta", None, {key: old}, {key: value}, None)


def _same_values(keys: Sequence[str], records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The columns of ``keys`` whose value (of the same type) every one of ``records`` holds, with it."""
    first = records[0]
    same = {}
    for key in keys:
        value, kind = first[key], type(first[key])
        if all(type(w := values[key]) is kind and w == value for values in records):
            same[key] = value
    return same


def _keys_of(values: Mapping[str, Any]) -> KeysView[str]:
    return values.keys()


def _insert_with(table: sa.Table, meta: Mapping[str, Any]) -> sa.Insert:
    """The insert of ``table``'s rows with the created and updated time and person, the same for every row,
    given once to the statement rather than copied into each row (for 100,000 rows, 100,000 dicts fewer);
    a row that names one of them itself keeps its own value (SQLAlchemy lets the parameters of a row
    override what ``values`` sets)."""
    return table.insert().values(dict(meta)) if meta else table.insert()


def _unique_column(table: sa.Table, given: Iterable[str]) -> str | None:
    """A text column of ``table`` among ``given`` whose values the table keeps unique and never empty (a
    returned value is then the value given)."""
    for name in given:
        column = table.c.get(name)
        if (
            column is not None
            and column.unique
            and not column.nullable
            and isinstance(column.type, sa.String)
        ):
            return name
    return None


def audited_records(entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    """An audit entry record by record: the entry itself, or for a ``bulk_insert`` entry that holds its
    records (``Tx.insert_many(..., audit="batch")``: ``columns``, ``same`` and ``values``; ``columns`` and
    ``values`` alone as the entries of 7 December 2026 and before hold them; ``records`` as those of 29
    November 2026), one ``insert`` entry per record, as :meth:`Tx.insert` would have written it."""
    after = entry.get("after")
    if (
        entry.get("action") != "bulk_insert"
        or not isinstance(after, Mapping)
        or not after.keys() & {"values", "records"}
    ):
        return [dict(entry)]
    if "values" in after:
        columns, same = after["columns"], after.get("same") or {}
        varying = [c for c in columns if c not in same]
        records = []
        for v in after["values"]:
            written = dict(zip(varying, v, strict=True))
            records.append({c: same[c] if c in same else written[c] for c in columns})
    else:
        records = after["records"]
    table = schema.metadata.tables.get(str(entry.get("table_name")))
    meta: dict[str, Any] = {}
    if table is not None and "created_at" in table.c:  # the times and person the entry gives once
        at = entry["at"]
        stamp = at.isoformat() if isinstance(at, dt.datetime) else at
        meta = {"created_at": stamp, "created_by": entry["actor"], "updated_at": stamp}
        meta.update(updated_by=entry["actor"], version=1)
    return [
        {**entry, "action": "insert", "record_id": record_id, "after": {**meta, **values}}
        for record_id, values in zip(after["ids"], records, strict=True)
    ]


def open_store(url: str | None = None, *, user: str | None = None, county: str | None = None) -> Store:
    """A store at ``url`` (default: :func:`default_url`), created or upgraded to the current schema."""
    store = Store(url, user=user, county=county)
    store.upgrade()
    return store


def rows(conn: Connection, stmt: Any) -> list[dict[str, Any]]:
    """The rows of a query as plain dicts."""
    return [dict(r) for r in conn.execute(stmt).mappings()]


def count(conn: Connection, table: sa.Table, *where: Any) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one())


def ids_of(records: Iterable[Mapping[str, Any]]) -> list[int]:
    return [int(r["id"]) for r in records]
