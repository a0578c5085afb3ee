"""Login for the dashboards (``hazard serve`` with login on): who is at the browser, decided by the server.

* :class:`AccountIdentityProvider` is the Voilà server's identity provider: a Chinese login form (name and
  password) checked against the ``accounts`` table (:func:`hazardlib.accounts.verify_password`), and a
  signed, HTTP-only login cookie holding a random nonce of a login session kept in the store
  (:mod:`hazardlib.login_state`). Every request looks the session and its account up again, so logout, a
  disabled account or a changed password ends the login at once, on every server sharing the store.
* :func:`prelaunch_hook` runs in the server before each page's kernel starts: it reads the logged-in
  account from the request (``current_user``, set by the identity provider from the signed cookie, never
  from the query string or anything else the browser sends), looks up its county, and puts a first cell
  into the notebook that binds the kernel to that person, county and login session
  (:func:`hazardlib.apps.session.bind_login`). An unknown or disabled account gets 403 and no kernel.
* With a kernel pool (``hazard serve --pool``), a preheated kernel has run its notebook before any request,
  and Voilà allows no prelaunch hook. Instead, for every dashboard page a logged-in person opens,
  :meth:`AccountIdentityProvider.get_user` mints a one-time binding token for that login
  (:func:`hazardlib.login_state.mint_binding`) and puts it into the request's ``X-Hazard-Binding`` header,
  replacing anything the browser sent there; Voilà hands that header to the kernel it assigns to the
  request (``http_header_envs``), and the kernel redeems the token once in the store
  (:meth:`hazardlib.apps.session.Kernel.bind_from_token`). See docs/login.md for the threat model.
* A kernel belongs to the login whose page it serves: the one it was started for, or, for a preheated kernel,
  the one whose binding token it offered (:func:`hazardlib.login_state.kernel_session`); until then it belongs
  to nobody. Every request naming a kernel (its model and shutdown ``/api/kernels/<id>``, its websocket
  ``/api/kernels/<id>/channels``, Voilà's shutdown request ``/voila/api/shutdown/<id>``) is refused with 403
  unless it comes from that login: :class:`KernelOwnerAuthorizer` (the server's authorizer) and
  :meth:`AccountIdentityProvider.get_user` (for Voilà's shutdown request, which asks no authorizer).
* :class:`KernelReaper` shuts down, within :data:`REAP_SECONDS`, the kernels whose login has ended.
* Failed logins slow down further tries for that name and that client address
  (:class:`hazardlib.login_state.LoginThrottle`); the client address is the connection's, or, from a
  reverse proxy named with ``hazard serve --trusted-proxy``, the one its X-Forwarded-For gives
  (:func:`client_address`).

This module runs inside the Voilà server process only (it imports tornado and jupyter_server).
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import json
import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import nbformat
from jupyter_core.utils import ensure_async
from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import IdentityProvider, User
from jupyter_server.auth.login import LoginFormHandler
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.services.kernels.websocket import KernelWebsocketHandler
from tornado import web
from tornado.ioloop import IOLoop, PeriodicCallback
from traitlets import default
from voila.handler import VoilaHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler

from . import login_state
from .accounts import Account, get_account, verify_password
from .apps.session import BINDING_HEADER, ENV_DB
from .kernels import REQUESTER
from .serve import ENV_POOL, ENV_TRUSTED_PROXIES, Network, pool_size, trusted_proxies
from .store import SYSTEM_USER, Store, default_url

log = logging.getLogger("hazardlib.login")
T = TypeVar("T")

LOGIN_CELL_TAG = "hazard-login"
COOKIE_NAME = "hazard-login"
LOGIN_TEMPLATE = "login.html"
LOGOUT_TEMPLATE = "logout.html"
WRONG = "账号或密码错误，或账号已停用。"
FORBIDDEN = "没有权限打开本页面：登录账号不存在或已停用，请重新登录。"
THROTTLED = "登录失败次数较多，请{wait}后再试；如忘记密码，请联系州局管理员重设。"
NOT_YOUR_KERNEL = "无权操作该页面的内核：它不属于您这次登录打开的页面。请从工作台重新打开页面。"
# How often the server looks for kernels whose login has ended (they go within twice this at most).
REAP_SECONDS = 20


class TooManyFailures(Exception):
    """Login refused without looking at the password: the name or address failed recently, wait a while."""

    def __init__(self, wait: float):
        self.wait = wait
        seconds = max(1, math.ceil(wait))
        super().__init__(
            THROTTLED.format(wait=f"{seconds}秒" if seconds < 60 else f"{math.ceil(seconds / 60)}分钟")
        )


THROTTLE = login_state.LoginThrottle()


@functools.cache
def _proxies(value: str) -> list[Network]:
    return trusted_proxies(value)


def client_address(remote_ip: str, forwarded_for: str | None, proxies: list[Network]) -> str:
    """The address of the client: the connection's, unless it comes from one of ``proxies``; then the
    right-most address of X-Forwarded-For that is not a proxy's (each proxy appends the address it got the
    request from, so the entries left of that could have been written by the client itself)."""

    def trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in proxies)

    if not forwarded_for or not trusted(remote_ip):
        return remote_ip
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        if not trusted(hop):
            return hop if hop else remote_ip
    return remote_ip


def request_address(handler: web.RequestHandler) -> str:
    """The client address of a request, believing X-Forwarded-For only from ``HAZARD_TRUSTED_PROXIES``."""
    proxies = _proxies(os.environ.get(ENV_TRUSTED_PROXIES, ""))
    return client_address(
        str(handler.request.remote_ip), handler.request.headers.get("X-Forwarded-For"), proxies
    )


@functools.cache
def _store(url: str) -> Store:
    return Store(url, user=SYSTEM_USER)


def accounts_store() -> Store:
    """The store the server was started on (``HAZARD_DB``), for looking accounts up."""
    return _store(os.environ.get(ENV_DB) or default_url())


@dataclass
class AccountUser(User):
    """A logged-in account: ``username`` is the account's name; ``county`` None is the prefecture;
    ``session_id`` and ``nonce`` are its login session's (the nonce is the cookie's secret)."""

    county: str | None = None
    stamp: str = ""
    session_id: int | None = None
    nonce: str = field(default="", repr=False)

    @classmethod
    def of(cls, account: Account, session_id: int | None = None, nonce: str = "") -> AccountUser:
        return cls(
            username=account.name,
            name=account.name,
            display_name=account.name,
            county=account.county,
            stamp=account.stamp,
            session_id=session_id,
            nonce=nonce,
        )


async def off_the_loop(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` run in a worker thread of the server's default executor: the store's reads and writes of
    every request (the login's session, the binding token) stay off the event loop, which serves every page and
    every kernel's websocket; a slow store delays the request that asked, not all the others."""
    return await IOLoop.current().run_in_executor(None, functools.partial(fn, *args))


def still_valid(sessions: set[int]) -> dict[int, str]:
    """Which of the login sessions ``sessions`` are still valid (read from the server's store)."""
    with accounts_store().read() as conn:
        return login_state.valid_sessions(conn, sessions)


class KernelReaper:
    """Shuts down the kernels whose login has ended (logout, account disabled, password changed, a day old).

    The kernels a login uses are learnt from their websockets: the authorizer tells the reaper
    (:meth:`watch`) which login opened a websocket to which kernel (its own only). Every :data:`REAP_SECONDS` it looks
    those logins up in the store and shuts down, through the server's kernel manager, each kernel that a
    login no longer valid has used. Kernels never connected are culled as idle (``cull_idle_timeout``).
    """

    def __init__(self, interval: float = REAP_SECONDS):
        self.interval = interval
        self.kernels: dict[str, set[int]] = {}
        self.manager: Any = None
        self._callback: PeriodicCallback | None = None

    def watch(self, manager: Any, kernel_id: str, session_id: int) -> None:
        """Note that ``session_id`` uses ``kernel_id`` (of ``manager``); the first call starts the sweeps."""
        self.kernels.setdefault(kernel_id, set()).add(session_id)
        if self._callback is None:
            self.manager = manager
            self._callback = PeriodicCallback(self.sweep, self.interval * 1000)
            self._callback.start()

    async def sweep(self) -> list[str]:
        """Shut down the kernels of ended logins now; returns their ids."""
        running = set(self.manager.list_kernel_ids())
        for gone in set(self.kernels) - running:
            del self.kernels[gone]
        valid = await off_the_loop(still_valid, set().union(*self.kernels.values()))
        ended = [k for k, used in self.kernels.items() if used - valid.keys()]
        for kernel_id in ended:
            del self.kernels[kernel_id]
            log.info("kernel %s shut down: its login has ended", kernel_id)
            with contextlib.suppress(KeyError, web.HTTPError):  # already gone
                await ensure_async(self.manager.shutdown_kernel(kernel_id))
        return ended


REAPER = KernelReaper()


def kernel_owner(manager: Any, kernel_id: str) -> int | None:
    """The login session whose page the kernel ``kernel_id`` of ``manager`` (the server's
    :class:`hazardlib.kernels.BoundedKernelManager`) serves: the one it was started for, else the one whose
    binding token it offered (looked up in the store once, then remembered); None: nobody's (yet)."""
    owners = manager.owners()
    owner = owners.owner(kernel_id)
    if owner is None:
        owner = login_state.kernel_session(accounts_store(), kernel_id)
        if owner is not None:
            owners.record(kernel_id, owner)
    return owner


def check_kernel(handler: web.RequestHandler, user: User | None, kernel_id: str) -> None:
    """Raise 403 (Chinese message) unless ``user``'s login owns the running kernel ``kernel_id``. An id that
    names no running kernel is left to the handler, which answers 404."""
    manager = handler.settings["kernel_manager"]
    if kernel_id not in manager:
        return
    session_id = user.session_id if isinstance(user, AccountUser) else None
    if session_id is None or kernel_owner(manager, kernel_id) != session_id:
        name = user.username if isinstance(user, User) else None
        log.warning(
            "refused %s %s on kernel %s to %r", handler.request.method, handler.request.path, kernel_id, name
        )
        if isinstance(handler, KernelWebsocketHandler):
            # A websocket handler is no API handler: an HTTPError would have jupyter_server draw its HTML error
            # page, whose favicon link needs a static_path setting Voilà does not give, and every refused
            # websocket left a traceback in the server log. The answer to a handshake is never shown, so it is
            # the API's JSON, sent here, and the request ends (tornado's Finish) with the line above alone.
            handler.set_status(403)
            handler.finish({"message": NOT_YOUR_KERNEL})
            raise web.Finish
        raise web.HTTPError(403, NOT_YOUR_KERNEL)


class KernelOwnerAuthorizer(Authorizer):
    """The server's authorizer (jupyter_server asks it before every kernel request it handles: a kernel's model
    and shutdown, and its websocket): a kernel only for the login whose page it serves; any other resource
    for every logged-in person, as before. A websocket let through is noted for the :class:`KernelReaper`."""

    def is_authorized(self, handler: Any, user: User, action: str, resource: str) -> bool:
        if resource != "kernels":
            return True
        kernel_id = handler.path_kwargs.get("kernel_id")
        if not kernel_id:
            return False  # the list of all kernels is nobody's business
        check_kernel(handler, user, kernel_id)
        if isinstance(handler, KernelWebsocketHandler) and isinstance(user, AccountUser) and user.session_id:
            # only now, the login being the kernel's own, does the reaper hear of it
            REAPER.watch(handler.settings["kernel_manager"], kernel_id, user.session_id)
        return True


async def binding_header(handler: web.RequestHandler, user: User | None) -> str | None:
    """Drop any ``X-Hazard-Binding`` header the browser sent with this request; with the kernel pool on
    (``HAZARD_POOL``), put a new one-time binding token of ``user``'s login there when the request is for a
    dashboard page, which Voilà then passes to the kernel serving it. Returns the token put in, if any. The token
    is written to the store in a worker thread (:func:`off_the_loop`)."""
    headers = handler.request.headers
    if BINDING_HEADER in headers:
        log.warning("a request came with its own %s header: dropped", BINDING_HEADER)
        del headers[BINDING_HEADER]
    if not pool_size(os.environ.get(ENV_POOL)) or not isinstance(handler, VoilaHandler):
        return None
    if not isinstance(user, AccountUser) or user.session_id is None or handler.request.method != "GET":
        return None
    token = await off_the_loop(login_state.mint_binding, accounts_store(), user.session_id)
    headers[BINDING_HEADER] = token
    return token


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
    async def post(self) -> None:
        # The password's hash is checked in a worker thread (argon2 releases the GIL): checked in the
        # server's event loop, sixty logins at once held every page and kernel message behind them for tens
        # of seconds (docs/benchmarks.md, capacity).
        try:
            user = await off_the_loop(self.identity_provider.process_login_form, self)
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
    """Log out with a POST carrying the XSRF token (the page's own form): the login session ends in the
    store (a copy of the cookie is refused from now on, on every server), the cookie is cleared, and the
    page says so in Chinese. A GET only asks, with a button that posts that form: a link or an image on
    another site (which a Lax cookie still accompanies) cannot log anyone out."""

    @allow_unauthenticated
    def get(self) -> None:
        user = self.current_user
        ask = isinstance(user, AccountUser) and bool(user.nonce)
        self.write(self.render_template(LOGOUT_TEMPLATE, confirm=ask, account=user.username if ask else ""))

    @allow_unauthenticated
    def post(self) -> None:
        # the server's XSRF check has refused a form posted from another site before this runs
        user = self.current_user
        if isinstance(user, AccountUser) and user.nonce:
            login_state.revoke(accounts_store(), user.nonce)
            log.info("logout: %s", user.username)
        self.identity_provider.clear_login_cookie(self)
        self.write(self.render_template(LOGOUT_TEMPLATE, confirm=False, account=""))


class AccountIdentityProvider(IdentityProvider):
    """Identity from the ``accounts`` table and the store's login sessions: a login form, and a signed
    cookie holding the session's nonce, re-checked on every request."""

    @default("cookie_name")
    def _cookie_name_default(self) -> str:
        # One name whatever the address and port: every server behind one reverse proxy reads the same cookie.
        return COOKIE_NAME

    @default("cookie_options")
    def _cookie_options_default(self) -> dict[str, Any]:
        # A browser session cookie that another site's form or link cannot carry along.
        return {"samesite": "Lax", "expires_days": None}

    @default("get_secure_cookie_kwargs")
    def _get_secure_cookie_kwargs_default(self) -> dict[str, Any]:
        return {"max_age_days": 1}  # a login lasts one working day at most (the session expires too)

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return True

    def get_handlers(self) -> list[tuple[str, object]]:
        return [(r"/login", LoginHandler), (r"/logout", LogoutHandler)]

    async def get_user(self, handler: web.RequestHandler) -> User | None:
        """The logged-in user of a request. A Voilà shutdown request for a kernel another login's page uses gets
        403 (:func:`check_kernel`; every other kernel request is checked by :class:`KernelOwnerAuthorizer`).

        The ``X-Hazard-Binding`` header is the server's alone: whatever a browser sent in it is dropped, and,
        with the kernel pool on, a dashboard page request of a logged-in person gets a fresh one-time binding
        token there (:func:`binding_header`)."""
        user = await ensure_async(super().get_user(handler))
        await binding_header(handler, user)
        # whose page a kernel started for this request serves (read by hazardlib.kernels)
        page = isinstance(handler, VoilaHandler) and handler.request.method == "GET"
        REQUESTER.set(user.session_id if page and isinstance(user, AccountUser) else None)
        if user is None:
            return None  # the handler sends the person to the login page, or refuses
        if isinstance(handler, VoilaShutdownKernelHandler):  # Voilà's shutdown request asks no authorizer
            check_kernel(handler, user, handler.path_args[0] if handler.path_args else "")
        return user

    def process_login_form(self, handler: web.RequestHandler) -> User | None:
        """The account the form names, if its password is right, with a new login session; raises
        TooManyFailures (the password unchecked) while the name or the address has to wait after failures
        (:class:`hazardlib.login_state.LoginThrottle`)."""
        name = handler.get_argument("username", default="")
        # The password exactly as typed: tornado strips arguments by default, and a password may start or
        # end with a space.
        password = handler.get_argument("password", default="", strip=False)
        address = request_address(handler)
        store = accounts_store()
        if wait := THROTTLE.wait(store, name, address):
            log.warning("login throttled for %r from %s (%.0f s)", name[:64], address, wait)
            raise TooManyFailures(wait)
        account = verify_password(store, name, password)
        if account is None:
            THROTTLE.failed(store, name, address)
            log.warning("login refused for %r from %s", name[:64], address)
            self.log.warning("Login refused for %r from %s", name[:64], address)
            return None
        THROTTLE.succeeded(store, account.name)
        nonce, session_id = login_state.open_session(store, account.name, account.stamp)
        log.info("login: %s (%s) from %s, session %d", account.name, account.scope_code, address, session_id)
        return AccountUser.of(account, session_id, nonce)

    async def get_user_cookie(self, handler: web.RequestHandler) -> User | None:
        """The user of the request's login cookie (:meth:`user_from_cookie`), looked up in the store in a worker
        thread (:func:`off_the_loop`): every page request and every busy retry asks, and a slow write to the store
        held every websocket of the server behind it."""
        cookie = handler.get_secure_cookie(self.get_cookie_name(handler), **self.get_secure_cookie_kwargs)
        if not cookie:
            return None
        try:
            return await off_the_loop(self.user_from_cookie, cookie.decode())
        except Exception as exc:  # as jupyter_server's own: a cookie that cannot be read logs nobody in
            self.log.error("Error unpacking user from cookie: %s", exc)
            return None

    def user_to_cookie(self, user: User) -> str:
        return json.dumps({"nonce": getattr(user, "nonce", "")})

    def user_from_cookie(self, cookie_value: str) -> User | None:
        data = json.loads(cookie_value)
        nonce = data.get("nonce") if isinstance(data, dict) else None
        found = login_state.session_of(accounts_store(), str(nonce or ""))
        if found is None:
            return None
        session_id, name = found
        account = get_account(accounts_store(), name)
        if account is None or not account.active:
            return None
        return AccountUser.of(account, session_id, str(nonce))

    def generate_anonymous_user(self, handler: web.RequestHandler) -> User:
        raise web.HTTPError(403)  # never: login is always required

    def validate_security(self, app: Any, ssl_options: dict[str, Any] | None = None) -> None:
        return None


def login_cell(account: Account, session_id: int) -> nbformat.NotebookNode:
    """The cell that binds a kernel to ``account`` and its login session (its values written as Python
    literals, never pasted)."""
    source = (
        "from hazardlib.apps.session import bind_login\n"
        f"bind_login({account.name!r}, {account.county!r}, {int(session_id)!r})"
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
    session_id = user.session_id if isinstance(user, AccountUser) else None
    account = get_account(accounts_store(), name) if name else None
    if account is None or not account.active or session_id is None:
        log.warning("page refused: no active account for %r", name)
        raise web.HTTPError(403, FORBIDDEN)
    notebook.cells = [
        c for c in notebook.cells if LOGIN_CELL_TAG not in c.get("metadata", {}).get("tags", [])
    ]
    cell = login_cell(account, session_id)
    if notebook.get("nbformat_minor", 5) < 5:
        cell.pop("id", None)  # cell ids came with nbformat 4.5
    notebook.cells.insert(0, cell)
    return notebook


__all__ = [
    "AccountIdentityProvider",
    "AccountUser",
    "KernelOwnerAuthorizer",
    "KernelReaper",
    "LoginHandler",
    "LogoutHandler",
    "binding_header",
    "check_kernel",
    "client_address",
    "login_cell",
    "prelaunch_hook",
]
