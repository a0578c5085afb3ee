"""The login state of ``hazard serve``, kept in the store: login sessions, failed-login back-off, and the
secret that signs login cookies.

Kept in the store (tables ``login_sessions``, ``login_failures``, ``server_secrets``, migration 0008) rather
than in a server's memory or a file, so that several ``hazard serve`` processes behind one reverse proxy on
one database share them, and a restart logs nobody out.

* A login is a row of ``login_sessions``: the browser's cookie holds a random nonce, the table only its
  SHA-256. A login is valid while it is not revoked (logout, ``hazard users disable|passwd``), not older than
  a day, and its account is active with the password it logged in with (:func:`valid_sessions`).
* A kernel bound to a login carries a :class:`LoginBinding`; the store checks it at the start of every write
  transaction (:meth:`LoginBinding.check`), so a page left open cannot write once its login has ended.
* Failed logins slow further attempts down for that name and that address by a growing wait
  (:class:`Backoff`, :class:`LoginThrottle`), never lock anyone out: a stranger failing on purpose can make
  a clerk wait a minute at most, not keep them out.

These rows are the login's working state, not campaign records: they are written in their own short
transactions and not audited (otherwise anyone could append to the audit log without limit by failing to
log in). Logins, logouts and refusals go to the dashboards' log; account changes, which end logins, are
audited as before (:mod:`hazardlib.accounts`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from . import schema
from .errors import HazardError

if TYPE_CHECKING:  # the store imports this module's LoginBinding for its type only
    from .store import Store

LOGIN_MAX_AGE = dt.timedelta(days=1)
# Longest a page waits in the kernel queue of `hazard serve` before it is told 503 (hazardlib.kernels): the
# one place this limit is set; serve passes it to the kernel manager and the binding token below outlives it.
START_WAIT_SECONDS = 60
# Longest a page waits for its notebook to run before it loads itself again (the page template's WAIT_MS,
# hazard/index.html.j2): the queue, the kernel's start, and its import of the workbook, however slow the machine.
PAGE_WAIT_SECONDS = 180
# How long a binding token may wait for its kernel: as long as its page waits. A page redeems it only once its
# kernel has run the notebook's first lines: a kernel started for it after up to START_WAIT_SECONDS in the queue,
# or the pool's next kernel, which Voilà hands over even while it still waits to start or warms up. A token that
# expired first left a page "unavailable" on a busy server (capacity benchmark, December 2026); one that outlives
# its page serves nobody (the page has released its kernel and asked for a new one). Still one-time.
BINDING_MAX_AGE = dt.timedelta(seconds=PAGE_WAIT_SECONDS)
COOKIE_SECRET = "cookie"


class BindingRefused(HazardError):
    """A kernel offered a binding token that is unknown, already used, too old, or whose login has ended."""

    def __init__(self) -> None:
        super().__init__(
            "登录凭据无效、已使用或已过期，本页面未绑定任何账号；请关闭本页面，从工作台重新打开（必要时重新登录）"
        )


class LoginExpired(HazardError):
    """A write from a page whose login has ended (account disabled, password changed, logged out, too old)."""

    def __init__(self, account: str):
        self.account = account
        super().__init__(
            f"登录已失效（账号“{account}”已停用、密码已修改、已退出登录或登录已超过一天），本次修改未保存；"
            "请关闭本页面，重新登录后再操作"
        )


def utcnow() -> dt.datetime:
    """Now in UTC without a time zone (how the login tables keep times), to the second."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def password_stamp(password_hash: str) -> str:
    """A short mark of a password hash: it changes whenever the password does."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _insert_if_new(conn: Connection, table: sa.Table, values: dict[str, Any]) -> None:
    """Insert a row unless one with its key is there (another server may insert it at the same moment)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).values(**values).on_conflict_do_nothing())


# -- sessions --------------------------------------------------------------------------------------------


def open_session(store: Store, account: str, stamp: str, now: dt.datetime | None = None) -> tuple[str, int]:
    """Record a new login of ``account`` (logged in with the password whose stamp is ``stamp``); returns the
    nonce for the browser's cookie and the session's id (which is no secret: it is given to the kernel)."""
    now = now or utcnow()
    nonce = secrets.token_urlsafe(32)
    s = schema.login_sessions
    with store.engine.begin() as conn:
        purge_expired(conn, now)
        session_id = conn.execute(
            s.insert()
            .values(
                nonce_hash=_digest(nonce),
                account_name=account,
                stamp=stamp,
                issued_at=now,
                expires_at=now + LOGIN_MAX_AGE,
            )
            .returning(s.c.id)
        ).scalar_one()
    return nonce, int(session_id)


def _valid(rows: Iterable[Any], now: dt.datetime) -> dict[int, str]:
    return {
        int(r.id): str(r.account_name)
        for r in rows
        if r.revoked_at is None
        and r.expires_at > now
        and r.active
        and password_stamp(r.password_hash) == r.stamp
    }


def _sessions_query() -> sa.Select[Any]:
    s, a = schema.login_sessions, schema.accounts
    return sa.select(
        s.c.id, s.c.account_name, s.c.stamp, s.c.expires_at, s.c.revoked_at, a.c.active, a.c.password_hash
    ).join(a, a.c.name == s.c.account_name)


def session_of(store: Store, nonce: str, now: dt.datetime | None = None) -> tuple[int, str] | None:
    """The (session id, account name) of the login whose cookie holds ``nonce``, if it is still valid."""
    if not nonce:
        return None
    with store.read() as conn:
        rows = conn.execute(_sessions_query().where(schema.login_sessions.c.nonce_hash == _digest(nonce)))
        valid = _valid(rows, now or utcnow())
    return next(iter(valid.items()), None)


def valid_sessions(conn: Connection, ids: Iterable[int], now: dt.datetime | None = None) -> dict[int, str]:
    """Which of the sessions ``ids`` are still valid, with their account names."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = conn.execute(_sessions_query().where(schema.login_sessions.c.id.in_(wanted)))
    return _valid(rows, now or utcnow())


def revoke(store: Store, nonce: str, now: dt.datetime | None = None) -> bool:
    """End the login whose cookie holds ``nonce`` (logout); True if there was one to end."""
    s = schema.login_sessions
    with store.engine.begin() as conn:
        done = conn.execute(
            s.update()
            .where(s.c.nonce_hash == _digest(nonce), s.c.revoked_at.is_(None))
            .values(revoked_at=now or utcnow())
        )
    return bool(done.rowcount)


def revoke_account(conn: Connection, account: str, now: dt.datetime | None = None) -> int:
    """End every login of ``account``, in the caller's transaction (the account change that ends them);
    returns how many were ended."""
    s = schema.login_sessions
    done = conn.execute(
        s.update()
        .where(s.c.account_name == account, s.c.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )
    return int(done.rowcount)


def purge_expired(conn: Connection, now: dt.datetime | None = None) -> None:
    """Delete, in the caller's transaction, the login state nothing can use any more: logins past their
    maximum age (with their binding tokens), binding tokens past theirs that no kernel ever offered, and failed
    logins long forgotten. Called whenever a login opens, so the tables stay as small as the day's logins."""
    now = now or utcnow()
    s, b, f = schema.login_sessions, schema.login_bindings, schema.login_failures
    old = sa.select(s.c.id).where(s.c.expires_at < now).scalar_subquery()
    conn.execute(b.delete().where(b.c.session_id.in_(old)))
    conn.execute(b.delete().where(b.c.redeemed_at.is_(None), b.c.kernel_id.is_(None), b.c.expires_at < now))
    conn.execute(s.delete().where(s.c.expires_at < now))
    forget = dt.timedelta(seconds=max(NAME_BACKOFF.forget, ADDRESS_BACKOFF.forget))
    conn.execute(f.delete().where(f.c.last_failed_at < now - forget, f.c.retry_at < now))


# -- binding tokens: how a dashboard kernel learns whose it is --------------------------------------------


@dataclass(frozen=True)
class Bound:
    """Whom a redeemed binding token bound a kernel to: the account, its county (None: the prefecture) and
    the login session."""

    account: str
    county: str | None
    session_id: int


def mint_binding(store: Store, session_id: int, now: dt.datetime | None = None) -> str:
    """A new one-time token that binds the kernel which redeems it to the login session ``session_id``;
    only its SHA-256 is stored. It must be redeemed within :data:`BINDING_MAX_AGE`."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with store.engine.begin() as conn:
        conn.execute(
            schema.login_bindings.insert().values(
                token_hash=_digest(token),
                session_id=session_id,
                issued_at=now,
                expires_at=now + BINDING_MAX_AGE,
            )
        )
    return token


def redeem_binding(store: Store, token: str, kernel_id: str, now: dt.datetime | None = None) -> Bound:
    """Use ``token`` once for the kernel ``kernel_id``: whom the kernel now serves. Raises BindingRefused
    (Chinese message) if the token is unknown, used before (by any kernel), too old, or its login is no
    longer valid, or if this kernel already redeemed a token (a kernel serves one person only).

    A kernel offering a token that is too old (its page waited too long for a kernel) is still written down as
    that token's kernel, bound to nobody: the server then lets that login's page reach it to show why it has no
    data (:func:`kernel_session`), and nobody else."""
    now = now or utcnow()
    b = schema.login_bindings
    if not token or not kernel_id:
        raise BindingRefused()
    mine = b.c.token_hash == _digest(token)
    try:
        with store.engine.begin() as conn:
            # The update claims the token atomically: of two kernels offering it, one gets rowcount 1.
            claimed = conn.execute(
                b.update()
                .where(mine, b.c.redeemed_at.is_(None), b.c.expires_at > now)
                .values(redeemed_at=now, kernel_id=kernel_id[:64])
            ).rowcount
            if claimed != 1:
                conn.execute(b.update().where(mine, b.c.kernel_id.is_(None)).values(kernel_id=kernel_id[:64]))
            bound = _bound(conn, token, now) if claimed == 1 else None
    except sa.exc.IntegrityError:  # this kernel has offered a token before (kernel_id is unique)
        raise BindingRefused() from None
    if bound is None:
        raise BindingRefused()
    return bound


def _bound(conn: Connection, token: str, now: dt.datetime) -> Bound | None:
    """Whom the token just claimed binds to, if its login is still valid."""
    b, a = schema.login_bindings, schema.accounts
    session_id = conn.execute(sa.select(b.c.session_id).where(b.c.token_hash == _digest(token))).scalar_one()
    valid = valid_sessions(conn, [session_id], now)
    if session_id not in valid:
        return None
    county = conn.execute(sa.select(a.c.county_code).where(a.c.name == valid[session_id])).scalar_one()
    return Bound(valid[session_id], county, int(session_id))


def kernel_session(store: Store, kernel_id: str) -> int | None:
    """The login session whose binding token the kernel ``kernel_id`` offered (redeemed, or refused as too old),
    if any: the only login whose page may reach that kernel."""
    b = schema.login_bindings
    with store.read() as conn:
        found = conn.execute(sa.select(b.c.session_id).where(b.c.kernel_id == kernel_id[:64])).scalar()
    return None if found is None else int(found)


@dataclass(frozen=True)
class LoginBinding:
    """The login a kernel was bound to: its account and session. :class:`hazardlib.store.Store` calls
    :meth:`check` at the start of every write transaction."""

    account: str
    session_id: int

    def check(self, conn: Connection) -> None:
        """Raise LoginExpired unless the login is still valid, read in the write's own transaction."""
        if valid_sessions(conn, [self.session_id]).get(self.session_id) != self.account:
            raise LoginExpired(self.account)


# -- the cookie secret -------------------------------------------------------------------------------------


def cookie_secret(store: Store) -> bytes:
    """The secret that signs login cookies: made once, the first time a server asks, and shared by every
    server on the store (so a restart, or another server, accepts the same cookies)."""
    t = schema.server_secrets
    with store.engine.begin() as conn:
        _insert_if_new(
            conn, t, {"name": COOKIE_SECRET, "value": secrets.token_hex(32), "created_at": utcnow()}
        )
        value = conn.execute(sa.select(t.c.value).where(t.c.name == COOKIE_SECRET)).scalar_one()
    return bytes.fromhex(value)


# -- failed logins -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backoff:
    """How long one name or address waits after failed logins: ``free`` failures cost nothing, then each
    further one doubles the wait from ``first`` seconds up to ``cap``; the failures are forgotten
    ``forget`` seconds after the last one."""

    free: int
    first: float = 1.0
    cap: float = 60.0
    forget: float = 15 * 60

    def delay(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failures in a row."""
        if failures <= self.free:
            return 0.0
        return float(min(self.cap, self.first * 2 ** min(failures - self.free - 1, 32)))


NAME_BACKOFF = Backoff(free=3)
# An office behind one address may have many people mistyping; their failures count together.
ADDRESS_BACKOFF = Backoff(free=10)
MAX_KEY = 128


@dataclass
class LoginThrottle:
    """Failed logins per account name and per client address, in the store (shared by every server)."""

    per_name: Backoff = NAME_BACKOFF
    per_address: Backoff = ADDRESS_BACKOFF
    clock: Callable[[], dt.datetime] = field(default=utcnow)

    def _keys(self, name: str, address: str) -> list[tuple[str, str, Backoff]]:
        return [
            ("name", (name or "").strip()[:MAX_KEY], self.per_name),
            ("address", (address or "")[:MAX_KEY], self.per_address),
        ]

    def wait(self, store: Store, name: str, address: str) -> float:
        """Seconds until ``name`` may try again from ``address`` (0: now)."""
        t = schema.login_failures
        now = self.clock()
        waits = [0.0]
        with store.read() as conn:
            for kind, key, _ in self._keys(name, address):
                retry = conn.execute(sa.select(t.c.retry_at).where(t.c.kind == kind, t.c.key == key)).scalar()
                if retry is not None and retry > now:
                    waits.append((retry - now).total_seconds())
        return max(waits)

    def failed(self, store: Store, name: str, address: str) -> None:
        """Count a failed login against ``name`` and ``address``; forget failures long past."""
        t = schema.login_failures
        now = self.clock()
        with store.engine.begin() as conn:
            for kind, key, backoff in self._keys(name, address):
                where = (t.c.kind == kind, t.c.key == key)
                _insert_if_new(
                    conn, t, {"kind": kind, "key": key, "failures": 0, "last_failed_at": now, "retry_at": now}
                )
                row = conn.execute(
                    sa.select(t.c.failures, t.c.last_failed_at).where(*where).with_for_update()
                ).one()
                quiet = (now - row.last_failed_at).total_seconds() > backoff.forget
                failures = 1 if quiet else int(row.failures) + 1
                retry = now + dt.timedelta(seconds=backoff.delay(failures))
                conn.execute(
                    t.update().where(*where).values(failures=failures, last_failed_at=now, retry_at=retry)
                )
            oldest = now - dt.timedelta(seconds=max(self.per_name.forget, self.per_address.forget))
            conn.execute(t.delete().where(t.c.last_failed_at < oldest))

    def succeeded(self, store: Store, name: str) -> None:
        """A right password: forget the name's failures (the address's stay)."""
        t = schema.login_failures
        with store.engine.begin() as conn:
            conn.execute(t.delete().where(t.c.kind == "name", t.c.key == (name or "").strip()[:MAX_KEY]))


__all__ = [
    "ADDRESS_BACKOFF",
    "BINDING_MAX_AGE",
    "LOGIN_MAX_AGE",
    "NAME_BACKOFF",
    "PAGE_WAIT_SECONDS",
    "START_WAIT_SECONDS",
    "Backoff",
    "BindingRefused",
    "Bound",
    "LoginBinding",
    "LoginExpired",
    "LoginThrottle",
    "cookie_secret",
    "kernel_session",
    "mint_binding",
    "open_session",
    "password_stamp",
    "purge_expired",
    "redeem_binding",
    "revoke",
    "revoke_account",
    "session_of",
    "utcnow",
    "valid_sessions",
]
