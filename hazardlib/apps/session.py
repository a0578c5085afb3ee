"""What a dashboard session is bound to, read on the server side only.

``hazard serve`` starts Voilà with the store URL, the county (or the prefecture), the as-of date and the
acting person in environment variables; every kernel Voilà starts inherits them. Nothing here reads
what a browser can change (query string, headers, cookies, widget values), so a browser cannot widen a
session's county or change who is recorded as acting.

With login on (``HAZARD_LOGIN=1``) the person and county are not in the environment. Without a kernel pool
the server puts a first cell into every notebook it runs that calls :func:`bind_login` with the logged-in
account's name, county and login session (see :mod:`hazardlib.login`). With a pool of preheated kernels
(``hazard serve --pool``) a kernel runs its notebook before anyone asks for it, so it waits for its request
(:func:`wait_for_request`), then redeems once, in the store, the one-time binding token the
server put into that request (:data:`BINDING_ENV`; :func:`hazardlib.login_state.redeem_binding`) to learn
whom it serves. A kernel bound neither way opens no session. The session's store re-checks the login before
every write (:class:`LoginBinding`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from IPython.core.interactiveshell import InteractiveShell
from IPython.display import clear_output
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from ..errors import HazardError, UnknownCounty
from ..login_state import LoginBinding, redeem_binding
from ..regions import load_regions
from ..store import PREFECTURE_CODE, SYSTEM_USER, Store, default_url, default_user

ENV_DB = "HAZARD_DB"
ENV_COUNTY = "HAZARD_COUNTY"
ENV_AS_OF = "HAZARD_AS_OF"
ENV_USER = "HAZARD_USER"
ENV_LOG = "HAZARD_LOG"
ENV_LOGIN = "HAZARD_LOGIN"
# The request header that carries the server's one-time binding token (hazardlib.login overwrites whatever a
# browser sends in it), and the variable Voilà turns it into in the kernel (RFC 3875 style, http_header_envs).
BINDING_HEADER = "X-Hazard-Binding"
BINDING_ENV = "HTTP_X_HAZARD_BINDING"
# Set by Voilà: "True" in a preheated kernel of the pool, and the kernel's own id.
ENV_PREHEAT = "VOILA_PREHEAT"
ENV_KERNEL_ID = "VOILA_KERNEL_ID"

LOG_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"
LOG_HANDLER = "hazardlib-apps-log"  # the name of the file handler configure_logging adds (once)


log = logging.getLogger(__name__)


class SessionError(HazardError):
    """The session settings the server gave are unusable (bad county code or date, or no login)."""


# In the information of every request Voilà hands a preheated kernel (its "voila/<version>").
REQUEST_MARK = "SERVER_SOFTWARE"
# Waits for a request that end this quickly this many times in a row: the server is gone.
QUICK_SECONDS = 5
MAX_QUICK_REWAITS = 30

Login = tuple[str, str | None, int | None]
"""The logged-in person, county (None: the prefecture) and login session a kernel is bound to."""


def request_url(environ: Mapping[str, str]) -> str:
    """Where a preheated kernel asks the server for its page request: Voilà's request-information websocket
    (``voila/query/<kernel id>``), at the address and base URL the server gave the kernel in its environment."""
    protocol = environ.get("VOILA_WS_PROTOCOL", "ws")
    host = environ.get("VOILA_APP_IP", "127.0.0.1")
    port = environ.get("VOILA_APP_PORT", "8866")
    base = environ.get("VOILA_WS_BASE_URL", environ.get("VOILA_SERVER_URL", "/"))
    return f"{protocol}://{host}:{port}{base}voila/query/{environ.get(ENV_KERNEL_ID, '')}"


def announce_request() -> None:
    """In a kernel, say on its output channel that it has been given its page request: one message that draws
    nothing (a clear of the cell's output, done only before its next output, of which the cell has none yet).
    The server reads it as the kernel's activity, so the kernel no longer looks like a pool kernel silent for
    long, which :func:`hazardlib.kernels.idle_pool_kernel` may shut down to make room for a page, while it binds
    its login and reads its first view (seconds on a busy server). Outside a kernel (tests, scripts): nothing."""
    if InteractiveShell.initialized():
        clear_output(wait=True)


def wait_for_request(environ: Mapping[str, str] | None = None) -> None:
    """Wait once for the server to assign a page request to this preheated kernel, and put the request's
    information into ``os.environ`` (as Voilà's ``voila.utils.wait_for_request`` does: one JSON object of strings
    on the websocket :func:`request_url`). Returns without it if the connection fails or drops.

    Voilà's own function is not used: importing ``voila.utils`` imports the whole Jupyter server, 1.8 s of CPU in
    every pool kernel, that is for every page opened (measured December 2026), against 0.1 s for the websocket
    client. No keepalive ping either: Voilà's client closed the connection when a ping went unanswered for 20 s
    on a busy server, and the kernel had to wait again (:func:`await_request`); a server that goes away closes
    the socket, which ends the wait."""
    url = request_url(os.environ if environ is None else environ)
    try:
        with connect(url, open_timeout=QUICK_SECONDS, ping_interval=None, max_size=None) as websocket:
            message = websocket.recv()
    except (OSError, TimeoutError, WebSocketException) as exc:
        log.warning("the wait for a page request at %s ended: %s", url, exc)
        return
    for key, value in json.loads(message).items():
        os.environ[str(key)] = str(value)


class Kernel:
    """What one kernel process learns of whom it serves, each once: the login it is bound to, and (a preheated
    kernel) that it has been given its page request. :data:`KERNEL` is this process's; a test makes its own."""

    def __init__(self) -> None:
        self._login: Login | None = None
        self._request_seen = False  # Voilà delivers a preheated kernel its request once only

    @property
    def login(self) -> Login | None:
        """The (person, county, login session) this kernel is bound to; None: nobody (yet)."""
        return self._login

    def bind_login(self, user: str, county: str | None, session_id: int | None = None) -> None:
        """Bind this kernel to the logged-in account and its login session; once only (SessionError for another
        account afterwards: a kernel never serves two people)."""
        bound = ((user or "").strip(), (county or "").strip() or None, session_id)
        if not bound[0]:
            raise SessionError("登录信息有误：没有操作人")
        if self._login is not None and self._login != bound:
            raise SessionError("本页面已绑定登录账号，不能更换")
        self._login = bound

    def preheating(self, environ: Mapping[str, str] | None = None) -> bool:
        """True in a preheated kernel of the pool that has not yet been given its request: what it runs now is
        shared preparation, for nobody in particular."""
        env = os.environ if environ is None else environ
        return not self._request_seen and env.get(ENV_PREHEAT) == "True"

    def await_request(
        self,
        environ: Mapping[str, str] | None = None,
        wait: Callable[[Mapping[str, str]], None] | None = None,
        announce: Callable[[], None] = announce_request,
    ) -> None:
        """In a preheated kernel of the pool, wait until the server assigns a page request to this kernel (Voilà
        then adds the request's information, the binding token among it, to ``os.environ``); elsewhere, and
        after the first time, return at once. Everything the notebook runs before this is shared preparation
        (imports, connections); everything after it belongs to the one person the kernel then serves.
        ``wait``: one wait for the request given the environment, :func:`wait_for_request` unless given;
        ``announce``: said once the request has come (:func:`announce_request` unless given)."""
        if not self.preheating(environ):
            return
        env = os.environ if environ is None else environ
        wait = wait or wait_for_request
        # The wait also ends, with no request, when its websocket to the server drops (Voilà's client closed it
        # when a keepalive ping went unanswered for 20 s, as when the server was busy checking many passwords at
        # once). The kernel then ran on for nobody, and the page that later took it showed "未登录" (capacity
        # benchmark, December 2026). So wait again: the server keeps a request that came meanwhile and hands it
        # over on reconnecting. A server that is gone (the connection refused at once, again and again) ends
        # the wait.
        os.environ.pop(REQUEST_MARK, None)
        quick = 0
        while REQUEST_MARK not in os.environ and quick < MAX_QUICK_REWAITS:
            began = time.monotonic()
            wait(env)
            if REQUEST_MARK not in os.environ:
                quick = quick + 1 if time.monotonic() - began < QUICK_SECONDS else 0
                log.warning("the wait for a page request ended without one: waiting again")
                time.sleep(1)
        self._request_seen = True
        if REQUEST_MARK in os.environ:
            announce()

    def bind_from_token(self, environ: Mapping[str, str] | None = None, shared: Store | None = None) -> bool:
        """Bind this kernel with the server's one-time binding token, if the request brought one (login on,
        kernel pool on); True if it did. Raises :class:`hazardlib.login_state.BindingRefused` (Chinese message)
        for a token that is forged, used before, too old or of an ended login: the page then binds to nobody.
        ``shared``: a store of the session's URL already open (its engine is reused)."""
        env = os.environ if environ is None else environ
        token = (env.get(BINDING_ENV) or "").strip()
        if self._login is not None or not token:
            return False
        url = store_url(env)
        reuse = shared is not None and shared.url == url
        store = (
            shared.acting(user=SYSTEM_USER, county=None)
            if shared is not None and reuse
            else Store(url, user=SYSTEM_USER)
        )
        try:
            bound = redeem_binding(store, token, (env.get(ENV_KERNEL_ID) or "").strip())
        finally:
            if not reuse:
                store.dispose()
        self.bind_login(bound.account, bound.county, bound.session_id)
        log.info(
            "kernel bound to %s (%s), login session %d",
            bound.account,
            bound.county or PREFECTURE_CODE,
            bound.session_id,
        )
        return True


KERNEL = Kernel()
"""This kernel process's: bound by the server's first cell (:func:`bind_login`) or by its binding token."""


def bind_login(user: str, county: str | None, session_id: int | None = None) -> None:
    """Bind this kernel to the logged-in account and its login session (called by the cell the server puts
    first; once only): :meth:`Kernel.bind_login` of :data:`KERNEL`."""
    KERNEL.bind_login(user, county, session_id)


def bound_login() -> Login | None:
    """The (person, county, login session) this kernel is bound to; None: nobody (yet)."""
    return KERNEL.login


def preheating(environ: Mapping[str, str] | None = None) -> bool:
    """:meth:`Kernel.preheating` of this kernel (:data:`KERNEL`)."""
    return KERNEL.preheating(environ)


def login_required(environ: Mapping[str, str] | None = None) -> bool:
    """True when ``hazard serve`` runs with login on, so the person and county come from the login."""
    env = os.environ if environ is None else environ
    return (env.get(ENV_LOGIN) or "").strip() == "1"


@dataclass(frozen=True)
class Session:
    """The store, county, as-of date and acting person of one dashboard session; with login on, also the
    login session it acts under (``login_session``: its id in ``login_sessions``)."""

    url: str
    county: str | None
    as_of: dt.date
    user: str
    login_session: int | None = None

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        shared: Store | None = None,
        kernel: Kernel | None = None,
    ) -> Session:
        """The session ``hazard serve`` set up for ``kernel`` (this process's, :data:`KERNEL`, unless given);
        raises SessionError with a Chinese message if it is unusable. ``shared``: a store of the session's URL
        already open (its engine is reused to redeem a binding)."""
        env = os.environ if environ is None else environ
        kernel = KERNEL if kernel is None else kernel
        kernel.await_request(env)
        if login_required(env):
            kernel.bind_from_token(env, shared)
            login = kernel.login
            if login is None or login[2] is None:  # no login, or one no write could be checked against
                raise SessionError("未登录：请从工作台登录页面登录后再打开看板")
            user, county, login_session = login
        else:
            user = (env.get(ENV_USER) or "").strip() or default_user()
            county = (env.get(ENV_COUNTY) or "").strip() or None
            login_session = None
        if county == PREFECTURE_CODE:
            county = None
        if county is not None:
            try:
                load_regions().county(county)
            except UnknownCounty as exc:
                raise SessionError(f"看板启动参数有误：{exc}") from None
        return cls(
            url=store_url(env), county=county, as_of=session_day(env), user=user, login_session=login_session
        )

    @property
    def scope_code(self) -> str:
        """The county code, or the prefecture's code for a prefecture session."""
        return self.county or PREFECTURE_CODE

    @property
    def scope_name(self) -> str:
        """The county's (or the prefecture's) name in Chinese."""
        return load_regions().name_of(self.scope_code)

    def store(self, shared: Store | None = None) -> Store:
        """The store, scoped to the session's county and writing as the session's person (only while the
        session's login, if any, lasts); on ``shared``'s engine when given (a store of the same URL opened
        before the session was known)."""
        login = None if self.login_session is None else LoginBinding(self.user, self.login_session)
        if shared is not None and shared.url == self.url:
            return shared.acting(user=self.user, county=self.county, login=login)
        return Store(self.url, user=self.user, county=self.county, login=login)

    def environ(self, log_file: Path | None = None) -> dict[str, str]:
        """The environment variables that carry this session to the Voilà kernels."""
        env = {
            ENV_DB: self.url,
            ENV_COUNTY: self.scope_code,
            ENV_AS_OF: self.as_of.isoformat(),
            ENV_USER: self.user,
        }
        if log_file is not None:
            env[ENV_LOG] = str(log_file)
        return env


def store_url(environ: Mapping[str, str] | None = None) -> str:
    """The store URL ``hazard serve`` gave the kernels."""
    env = os.environ if environ is None else environ
    return (env.get(ENV_DB) or "").strip() or default_url()


def session_day(environ: Mapping[str, str] | None = None) -> dt.date:
    """The as-of date ``hazard serve`` gave the kernels (today if none); SessionError if it is no date."""
    env = os.environ if environ is None else environ
    raw_day = (env.get(ENV_AS_OF) or "").strip()
    try:
        return dt.date.fromisoformat(raw_day) if raw_day else dt.date.today()
    except ValueError:
        raise SessionError(f"看板启动参数有误：日期“{raw_day}”应写作 YYYY-MM-DD") from None


def configure_logging(environ: Mapping[str, str] | None = None) -> None:
    """Send the apps' log (with tracebacks) to the file ``hazard serve`` named, once per process.

    A kernel's standard error is forwarded to the browser, so the log must go to a file.
    """
    env = os.environ if environ is None else environ
    path = (env.get(ENV_LOG) or "").strip()
    logger = logging.getLogger("hazardlib")
    if not path or any(h.get_name() == LOG_HANDLER for h in logger.handlers):
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.set_name(LOG_HANDLER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
