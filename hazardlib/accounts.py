"""Login accounts for the dashboards: each person's name, the county they serve (or the prefecture), and an
argon2 hash of their password.

Only a prefecture store (``Store(county=None)``) manages accounts, and every change goes through
:meth:`Store.transaction`, so it is audited; the audit entry never holds the hash (the store writes
"密码已更改" instead). The password itself is never stored or logged anywhere.

:func:`verify_password` does the same work for an unknown name, a wrong password and a disabled account,
and gives the same answer (None) for all three.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import schema
from .errors import HazardError
from .login_state import password_stamp, revoke_account
from .regions import load_regions
from .store import PREFECTURE_CODE, Store

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
MAX_NAME_LENGTH = 32
CONTEXT = "登录账号管理"
# Letters of any script (Chinese names included), digits, and · . _ - inside; no spaces, quotes or slashes.
_NAME = re.compile(r"[^\W_][\w·.\-]*")


class AccountError(HazardError):
    """An account cannot be created, changed or used as asked."""


class AccountExists(AccountError):
    """An account with this name already exists."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(f"账号“{name}”已存在，请换一个名字（修改密码用 hazard users passwd）")


class AccountNotFound(AccountError):
    """No account has this name."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(f"没有名为“{name}”的账号（可用 hazard users list 查看全部账号）")


class BadAccountName(AccountError):
    """The name cannot be used for an account."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(
            f"账号名“{name}”不可用：须为 1 至 {MAX_NAME_LENGTH} 个字，由汉字、字母、数字或 · . _ - 组成，"
            "以汉字、字母或数字开头，不含空格"
        )


class WeakPassword(AccountError):
    """The password is empty, too short or too long."""

    def __init__(self, reason: str):
        super().__init__(f"密码不可用：{reason}")


class PrefectureOnly(AccountError):
    """A county session tried to manage accounts."""

    def __init__(self) -> None:
        super().__init__("只有州局（全州范围）可以管理登录账号")


@dataclass(frozen=True)
class Account:
    """One login: who, which county (None: the prefecture), whether it may log in, and a stamp that changes
    whenever the password does (so a login made with an old password stops working)."""

    name: str
    county: str | None
    active: bool
    stamp: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def scope_code(self) -> str:
        """The county code, or the prefecture's code for a prefecture account."""
        return self.county or PREFECTURE_CODE

    @property
    def scope_name(self) -> str:
        """The county's (or the prefecture's) name in Chinese."""
        return load_regions().name_of(self.scope_code)


@functools.cache
def password_hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id, RFC 9106 low-memory profile


@functools.cache
def decoy_hash() -> str:
    """A hash with the same parameters as real ones, verified when the name is unknown so that an unknown
    name takes as long as a known one."""
    return password_hasher().hash("hazardlib-no-such-account")


def _account(row: Mapping[Any, Any]) -> Account:
    return Account(
        name=row["name"],
        county=row["county_code"],
        active=bool(row["active"]),
        stamp=password_stamp(row["password_hash"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def check_name(name: str) -> str:
    """The name, stripped; raises BadAccountName if it cannot be an account's name."""
    cleaned = (name or "").strip()
    if not cleaned or len(cleaned) > MAX_NAME_LENGTH or not _NAME.fullmatch(cleaned):
        raise BadAccountName(cleaned or name)
    return cleaned


def check_county(county: str | None) -> str | None:
    """The county code an account serves (None for the prefecture); raises UnknownCounty for any code that
    is not one of the 12 counties or the prefecture's own."""
    code = (county or "").strip()
    if not code or code == PREFECTURE_CODE:
        return None
    load_regions().county(code)  # raises UnknownCounty with a Chinese message
    return code


def check_password(password: str) -> str:
    """The password unchanged; raises WeakPassword if it is empty, blank, too short or too long."""
    if not password or not password.strip():
        raise WeakPassword("不能为空")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"至少 {MIN_PASSWORD_LENGTH} 个字符（现在只有 {len(password)} 个）")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"最多 {MAX_PASSWORD_LENGTH} 个字符")
    return password


def _require_prefecture(store: Store) -> None:
    if store.county is not None:
        raise PrefectureOnly()


def _row(store: Store, name: str, conn: sa.Connection | None = None) -> sa.RowMapping | None:
    stmt = sa.select(schema.accounts).where(schema.accounts.c.name == name)
    if conn is not None:
        return conn.execute(stmt).mappings().first()
    with store.read() as c:
        return c.execute(stmt).mappings().first()


def add_user(store: Store, name: str, county: str | None, password: str) -> Account:
    """Create an account for ``county`` (None or the prefecture's code: a prefecture account).

    Raises PrefectureOnly, BadAccountName, UnknownCounty, WeakPassword or AccountExists (Chinese messages).
    """
    _require_prefecture(store)
    name = check_name(name)
    code = check_county(county)
    check_password(password)
    with store.transaction(CONTEXT) as tx:
        if _row(store, name, tx.conn) is not None:
            raise AccountExists(name)
        values = {
            "name": name,
            "county_code": code,
            "password_hash": password_hasher().hash(password),
            "active": True,
        }
        account_id = tx.insert(schema.accounts, values)
        row = tx.conn.execute(sa.select(schema.accounts).where(schema.accounts.c.id == account_id))
        return _account(row.mappings().one())


def _change(store: Store, name: str, values: dict[str, Any], *, end_logins: bool = False) -> Account:
    """Change an account; with ``end_logins``, its open logins end in the same transaction (so its open
    pages can no longer write, and the servers stop their kernels within a minute)."""
    _require_prefecture(store)
    with store.transaction(CONTEXT) as tx:
        row = _row(store, (name or "").strip(), tx.conn)
        if row is None:
            raise AccountNotFound(name)
        after = tx.update(schema.accounts, int(row["id"]), values)
        if end_logins:
            revoke_account(tx.conn, str(row["name"]))
        return _account(after)


def set_password(store: Store, name: str, password: str) -> Account:
    """Give an account a new password (its open logins end).

    Raises PrefectureOnly, AccountNotFound or WeakPassword.
    """
    check_password(password)
    return _change(store, name, {"password_hash": password_hasher().hash(password)}, end_logins=True)


def disable_user(store: Store, name: str) -> Account:
    """Stop an account from logging in and end its open logins (its records and audit entries stay).
    Raises AccountNotFound."""
    return _change(store, name, {"active": False}, end_logins=True)


def enable_user(store: Store, name: str) -> Account:
    """Let a disabled account log in again. Raises AccountNotFound."""
    return _change(store, name, {"active": True})


def list_users(store: Store) -> list[Account]:
    """Every account, prefecture accounts first, then by county and name."""
    with store.read() as conn:
        rows = conn.execute(sa.select(schema.accounts)).mappings().all()
    accounts = [_account(r) for r in rows]
    return sorted(accounts, key=lambda a: (a.county is not None, a.county or "", a.name))


def get_account(store: Store, name: str) -> Account | None:
    """The account with this name (active or not), or None."""
    row = _row(store, (name or "").strip())
    return _account(row) if row is not None else None


def count_active(store: Store) -> int:
    """How many accounts may log in."""
    a = schema.accounts
    with store.read() as conn:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(a).where(a.c.active.is_(True))).scalar_one()
        )


def verify_password(store: Store, name: str, password: str) -> Account | None:
    """The account if ``name`` and ``password`` let someone log in now; None otherwise.

    An unknown name, a wrong password and a disabled account all cost one argon2 verification and all give
    None, so neither the answer nor the time tells which it was.
    """
    row = _row(store, (name or "").strip()) if name and len(name) <= MAX_NAME_LENGTH * 4 else None
    stored = row["password_hash"] if row is not None else decoy_hash()
    matches: bool
    try:
        matches = password_hasher().verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        matches = False
    if row is None or not matches or not row["active"]:
        return None
    return _account(row)


__all__ = [
    "Account",
    "AccountError",
    "AccountExists",
    "AccountNotFound",
    "BadAccountName",
    "PrefectureOnly",
    "WeakPassword",
    "add_user",
    "check_county",
    "check_name",
    "check_password",
    "count_active",
    "disable_user",
    "enable_user",
    "get_account",
    "list_users",
    "verify_password",
]
