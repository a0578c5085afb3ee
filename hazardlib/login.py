"""Login for the dashboards (``hazard serve`` with login on): who is at the browser, decided by the server.

* :class:`AccountIdentityProvider` is the Voilà server's identity provider: a Chinese login form (name and
  password) checked against the ``accounts`` table (:func:`hazardlib.accounts.verify_password`), and a
  signed, HTTP-only login cookie holding the account's name. Every request looks the account up again,
  so a disabled account or a changed password ends the login at once.
* :func:`prelaunch_hook` runs in the server before each page's kernel starts: it reads the logged-in
  account from the request (``current_user``, set by the identity provider from the signed cookie, never
  from the query string or anything else the browser sends), looks up its county, and puts a first cell
  into the notebook that binds the kernel to that person and county
  (:func:`hazardlib.apps.session.bind_login`). An unknown or disabled account gets 403 and no kernel.

This module runs inside the Voilà server process only (it imports tornado and jupyter_server).
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import nbformat
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import IdentityProvider, User
from jupyter_server.auth.login import LoginFormHandler
from jupyter_server.base.handlers import JupyterHandler
from tornado import web
from traitlets import default

from .accounts import Account, get_account, verify_password
from .apps.session import ENV_DB
from .store import SYSTEM_USER, Store, default_url

log = logging.getLogger("hazardlib.login")

LOGIN_CELL_TAG = "hazard-login"
LOGIN_TEMPLATE = "login.html"
LOGOUT_TEMPLATE = "logout.html"
WRONG = "用户名或密码错误，或账号已停用。"
FORBIDDEN = "没有权限打开本页面：登录账号不存在或已停用，请重新登录。"
THROTTLED = "登录失败次数过多，请{minutes}分钟后再试；如忘记密码，请联系州局管理员重设。"


class TooManyFailures(Exception):
    """Login refused without looking at the password: too many recent failures for the name or address."""

    def __init__(self, wait: float):
        self.wait = wait
        super().__init__(THROTTLED.format(minutes=max(1, math.ceil(wait / 60))))


class FailedLogins:
    """Recent failed logins, per account name and per network address, kept in the server's memory.

    After ``per_name`` failures for one name, or ``per_address`` from one address (an office's staff may
    share one), within ``window`` seconds, further attempts are refused, the password unchecked, until the
    oldest of those failures is ``window`` old. A successful login clears its name's failures. Names and
    addresses whose failures are all older than ``window`` are forgotten once :attr:`SWEEP_AT` are kept.
    """

    SWEEP_AT = 10_000

    def __init__(
        self,
        per_name: int = 5,
        per_address: int = 20,
        window: float = 15 * 60,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.limits = {"name": per_name, "address": per_address}
        self.window, self.clock = window, clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    def wait(self, name: str, address: str) -> float:
        """Seconds until ``name`` may try again from ``address`` (0: now)."""
        with self._lock:
            now = self.clock()
            waits = [
                times[-self.limits[kind]] + self.window - now
                for kind, key in (("name", name), ("address", address))
                if len(times := self._recent((kind, key), now)) >= self.limits[kind]
            ]
        return max(waits, default=0.0)

    def failed(self, name: str, address: str) -> None:
        with self._lock:
            now = self.clock()
            if len(self._failures) >= self.SWEEP_AT:  # many names tried: forget the ones whose time is up
                for stale in [k for k, times in self._failures.items() if times[-1] <= now - self.window]:
                    del self._failures[stale]
            for kind, key in (("name", name), ("address", address)):
                self._recent((kind, key), now)
                self._failures.setdefault((kind, key), deque()).append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(("name", name), None)


FAILED_LOGINS = FailedLogins()


@functools.cache
def _store(url: str) -> Store:
    return Store(url, user=SYSTEM_USER)


def accounts_store() -> Store:
    """The store the server was started on (``HAZARD_DB``), for looking accounts up."""
    return _store(os.environ.get(ENV_DB) or default_url())


@dataclass
class AccountUser(User):
    """A logged-in account: ``username`` is the account's name; ``county`` None is the prefecture."""

    county: str | None = None
    stamp: str = ""

    @classmethod
    def of(cls, account: Account) -> AccountUser:
        return cls(
            username=account.name,
            name=account.name,
            display_name=account.name,
            county=account.county,
            stamp=account.stamp,
        )


class _Page(JupyterHandler):
    """A server page rendered from the workbook's Voilà template (so errors come out in Chinese too)."""

    def render_template(self, name: str, **ns: Any) -> str:
        return str(
            self.settings["voila_jinja2_env"].get_template(name).render(**{**ns, **self.template_namespace})
        )


class LoginHandler(_Page, LoginFormHandler):
    """The login form, in Chinese: account name and password. A form posted from another site is refused
    by the server's XSRF check before it gets here."""

    def _render(self, message: Any = None) -> None:
        self.write(
            self.render_template(
                LOGIN_TEMPLATE,
                next=self.get_argument("next", default=self.base_url),
                username=self.get_argument("username", default=""),
                message=message,
            )
        )

    @allow_unauthenticated
    def post(self) -> None:
        try:
            user = self.identity_provider.process_login_form(self)
        except TooManyFailures as exc:
            self.set_status(429)
            self._render(message={"error": str(exc)})
            return
        if user is None:
            self.set_status(401)
            self._render(message={"error": WRONG})
            return
        self.current_user = user
        self.identity_provider.set_login_cookie(self, user)
        self._redirect_safe(self.get_argument("next", default=self.base_url))


class LogoutHandler(_Page):
    """Log out, and say so in Chinese."""

    @allow_unauthenticated
    def get(self) -> None:
        self.identity_provider.clear_login_cookie(self)
        self.write(self.render_template(LOGOUT_TEMPLATE))


class AccountIdentityProvider(IdentityProvider):
    """Identity from the ``accounts`` table: a login form, and a signed cookie re-checked on every request."""

    @default("cookie_options")
    def _cookie_options_default(self) -> dict[str, Any]:
        # A browser session cookie that another site's form or link cannot carry along.
        return {"samesite": "Lax", "expires_days": None}

    @default("get_secure_cookie_kwargs")
    def _get_secure_cookie_kwargs_default(self) -> dict[str, Any]:
        return {"max_age_days": 1}  # a login lasts one working day at most

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return True

    def get_handlers(self) -> list[tuple[str, object]]:
        return [(r"/login", LoginHandler), (r"/logout", LogoutHandler)]

    def process_login_form(self, handler: web.RequestHandler) -> User | None:
        """The account the form names, if its password is right; raises TooManyFailures (unchecked) after
        too many recent failures for the name or the address (:class:`FailedLogins`)."""
        name = handler.get_argument("username", default="")
        password = handler.get_argument("password", default="")
        remote = str(handler.request.remote_ip)
        if wait := FAILED_LOGINS.wait(name, remote):
            log.warning("login throttled for %r from %s (%.0f s)", name[:64], remote, wait)
            raise TooManyFailures(wait)
        account = verify_password(accounts_store(), name, password)
        if account is None:
            FAILED_LOGINS.failed(name, remote)
            log.warning("login refused for %r from %s", name[:64], remote)
            self.log.warning("Login refused for %r from %s", name[:64], remote)
            return None
        FAILED_LOGINS.succeeded(name)
        log.info("login: %s (%s) from %s", account.name, account.scope_code, remote)
        return AccountUser.of(account)

    def user_to_cookie(self, user: User) -> str:
        return json.dumps({"username": user.username, "stamp": getattr(user, "stamp", "")})

    def user_from_cookie(self, cookie_value: str) -> User | None:
        data = json.loads(cookie_value)
        account = get_account(accounts_store(), str(data.get("username", "")))
        if account is None or not account.active or account.stamp != data.get("stamp"):
            return None
        return AccountUser.of(account)

    def generate_anonymous_user(self, handler: web.RequestHandler) -> User:
        raise web.HTTPError(403)  # never: login is always required

    def validate_security(self, app: Any, ssl_options: dict[str, Any] | None = None) -> None:
        return None


def login_cell(account: Account) -> nbformat.NotebookNode:
    """The cell that binds a kernel to ``account`` (its values written as Python literals, never pasted)."""
    source = (
        f"from hazardlib.apps.session import bind_login\nbind_login({account.name!r}, {account.county!r})"
    )
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = [LOGIN_CELL_TAG]
    return cell


def prelaunch_hook(handler: web.RequestHandler, notebook: nbformat.NotebookNode, cwd: str) -> Any:
    """Voilà's ``VoilaConfiguration.prelaunch_hook``: bind the page's kernel to the logged-in account.

    Raises ``HTTPError(403)`` when the request has no logged-in account or the account is unknown or
    disabled; nothing the browser sends besides the signed login cookie is read.
    """
    user = handler.current_user
    name = user.username if isinstance(user, AccountUser) else None
    account = get_account(accounts_store(), name) if name else None
    if account is None or not account.active:
        log.warning("page refused: no active account for %r", name)
        raise web.HTTPError(403, FORBIDDEN)
    notebook.cells = [
        c for c in notebook.cells if LOGIN_CELL_TAG not in c.get("metadata", {}).get("tags", [])
    ]
    cell = login_cell(account)
    if notebook.get("nbformat_minor", 5) < 5:
        cell.pop("id", None)  # cell ids came with nbformat 4.5
    notebook.cells.insert(0, cell)
    return notebook


__all__ = [
    "AccountIdentityProvider",
    "AccountUser",
    "LoginHandler",
    "LogoutHandler",
    "login_cell",
    "prelaunch_hook",
]
