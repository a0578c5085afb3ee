"""A real PostgreSQL server for the tests: an existing one, or a throwaway cluster started on loopback.

``HAZARD_TEST_PG`` may name an existing server (a SQLAlchemy URL whose user may create databases);
otherwise :func:`shared_server` runs ``initdb`` into a temporary directory with Debian's binaries
(``/usr/lib/postgresql/*/bin``), starts ``postgres`` listening on 127.0.0.1 only, on a free port, with
its unix socket inside that directory, and stops it and removes the directory when the process exits.
PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` system user.

The throwaway cluster trusts local connections and runs without fsync: it is for tests, never for data.

Run ``python -m devtools.postgres`` to start one by hand and print its URL.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

PG_ENV = "HAZARD_TEST_PG"
PREFIX = "hazard-pg-"
OWNER_FILE = "owner.pid"  # the process that started the cluster; when it is gone, the cluster is an orphan
BINDIR_ENV = "HAZARD_PG_BINDIR"
SUPERUSER = "hazard"
SYSTEM_USER = "postgres"
# Settings that make a test cluster fast; none of them is safe for real data.
_FAST = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "64MB",
}


class NoPostgres(RuntimeError):
    """No PostgreSQL server can be found or started here; the message says why and what to install."""


def find_bindir() -> Path | None:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``: ``HAZARD_PG_BINDIR`` when set (and
    then only it), else the newest Debian version under /usr/lib/postgresql, else the one on PATH; None if
    there is none."""
    if os.environ.get(BINDIR_ENV):
        return _usable(Path(os.environ[BINDIR_ENV]))
    candidates: list[Path] = []
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.name)] or [0],
        reverse=True,
    )
    candidates.extend(debian)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for bindir in candidates:
        if _usable(bindir):
            return bindir
    return None


def _usable(bindir: Path) -> Path | None:
    return bindir if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")) else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_owner(cmd: list[str]) -> list[str]:
    """``cmd`` run as the postgres system user when we are root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return cmd
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise NoPostgres(
            f"以 root 身份运行时需要系统用户 {SYSTEM_USER} 来启动 PostgreSQL（apt-get install postgresql 会创建它）"
        ) from None
    return ["runuser", "-u", SYSTEM_USER, "--", *cmd]


def _run(cmd: list[str], cwd: Path) -> None:
    done = subprocess.run(_as_owner(cmd), cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise NoPostgres(f"命令失败：{' '.join(cmd)}\n{done.stdout}\n{done.stderr}")


@dataclass
class Server:
    """A throwaway PostgreSQL cluster this process started."""

    bindir: Path
    base: Path
    port: int
    _stopped: bool = field(default=False, repr=False)

    @property
    def data(self) -> Path:
        return self.base / "data"

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` on this server (as its superuser, over loopback TCP)."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Stop the server at once and remove its files (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(Exception):
            subprocess.run(
                _as_owner(
                    [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]
                ),
                cwd=self.base,
                capture_output=True,
                check=False,
                timeout=60,
            )
        shutil.rmtree(self.base, ignore_errors=True)


def start_server(bindir: Path | None = None, *, attempts: int = 3) -> Server:
    """Initialise a new cluster in a temporary directory and start it on a free loopback port.

    Raises NoPostgres when the binaries are missing or the server does not start.
    """
    bindir = _usable(bindir) if bindir is not None else find_bindir()
    if bindir is None:
        raise NoPostgres(
            "未找到 PostgreSQL（initdb、pg_ctl、postgres）。Debian: apt-get install postgresql；"
            f"或用环境变量 {PG_ENV} 指向已有的服务器"
        )
    reap_orphans()
    base = Path(tempfile.mkdtemp(prefix=PREFIX))
    (base / OWNER_FILE).write_text(str(os.getpid()))
    if os.geteuid() == 0:
        _as_owner([])  # raises NoPostgres without the postgres system user
        pw = pwd.getpwnam(SYSTEM_USER)
        os.chown(base, pw.pw_uid, pw.pw_gid)
    try:
        _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(base / "data"),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
                "--no-instructions",
            ],
            base,
        )
        last: NoPostgres | None = None
        for _ in range(attempts):
            server = Server(bindir, base, free_port())
            options = [
                "-c listen_addresses=127.0.0.1",
                f"-p {server.port}",
                f"-c unix_socket_directories={base}",
                *(f"-c {k}={v}" for k, v in _FAST.items()),
            ]
            try:
                _run(
                    [
                        str(bindir / "pg_ctl"),
                        "-D",
                        str(server.data),
                        "-l",
                        str(base / "server.log"),
                        "-w",
                        "-t",
                        "60",
                        "-o",
                        " ".join(options),
                        "start",
                    ],
                    base,
                )
                return server
            except NoPostgres as exc:  # most likely the port was taken in between: try another
                last = exc
                log = base / "server.log"
                if log.exists():
                    last = NoPostgres(f"{exc}\n{log.read_text(errors='replace')[-2000:]}")
        assert last is not None
        raise last
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise


def reap_orphans() -> list[Path]:
    """Stop and remove the throwaway clusters whose starting process died without stopping them (a test
    run killed from outside); returns their directories."""
    reaped = []
    for base in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            owner = int((base / OWNER_FILE).read_text())
            os.kill(owner, 0)
            continue  # its owner is alive
        except ProcessLookupError:
            pass
        except (OSError, ValueError):
            continue  # not one of ours, or unreadable
        bindir = find_bindir()
        if bindir is not None:
            Server(bindir, base, 0).stop()
            reaped.append(base)
    return reaped


_lock = threading.Lock()
_shared: dict[str, str] = {}


def shared_server() -> str:
    """The admin URL of this process's test server: ``HAZARD_TEST_PG`` if set, else a throwaway cluster
    started on first call and stopped when the process exits. Raises NoPostgres."""
    with _lock:
        if "url" not in _shared:
            if os.environ.get(PG_ENV):
                _shared["url"] = os.environ[PG_ENV]
            else:
                server = start_server()
                atexit.register(server.stop)
                _shared["url"] = server.url()
        return _shared["url"]


def _admin(admin_url: str) -> sa.Engine:
    return sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def database_url(admin_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``admin_url``."""
    return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def create_database(admin_url: str, name: str, *, template: str = "template0") -> str:
    """Create an empty database ``name`` (dropping one of that name first); returns its URL."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"unsafe database name: {name!r}")
    engine = _admin(admin_url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}" ENCODING \'UTF8\'')
    finally:
        engine.dispose()
    return database_url(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    """Drop database ``name``, ending whatever sessions are still connected to it."""
    engine = _admin(admin_url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


def main() -> None:  # pragma: no cover - a developer's convenience
    """Start a throwaway server, print its URL, and keep it until Ctrl-C."""
    server = start_server()
    try:
        print(server.url(), flush=True)
        print("按 Ctrl-C 停止并删除这个临时数据库服务器。", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
