"""The kernel manager ``hazard serve`` gives Voilà: a bound on the kernels alive and on the kernels starting.

Every dashboard page runs in a kernel of its own (about 65 MB forked from the zygote, 110 MB started plainly, by
proportional share, and CPU to start: see :class:`ZygoteProvisioner`). Without a bound, many pages opened at once
start as many kernels side by side: none finishes in time and the server's memory grows past what the machine has.
Here at most ``max_starting`` kernels start at once and the
others wait their turn in a queue, first come first served; a page that cannot get a kernel within ``start_wait``
seconds, or that would take the number of kernels alive beyond ``max_kernels``, is answered 503, which the
workbook's template shows as "服务器繁忙，正在重试…" and retries (``503.html``). The kernels that keep a dashboard's
pool full wait in the same queue and are never refused (a page may be waiting for one: see :class:`KernelGate`).

The manager also remembers whose page each kernel serves (:class:`KernelOwners`): a kernel started for a page
request belongs to the login session that asked for it (:data:`REQUESTER`, set by the login's identity provider
for that request); a preheated kernel of a pool belongs to nobody until it is bound (``hazardlib.login`` learns
that from the store). With login on, only the owner may reach a kernel (``hazardlib.login.KernelOwnerAuthorizer``).

Voilà imports this module by name (``VoilaConfiguration.multi_kernel_manager_class``); the ``hazard`` command
never does, so the Jupyter server's modules stay out of its memory.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import logging
import os
import signal
import socket
import time
from collections.abc import AsyncIterator, Collection, Mapping
from contextvars import ContextVar
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Float, Integer, TraitError

from .forking import ENV_ZYGOTE, ProtocolError, kernel_arguments, parse, request
from .login_state import PAGE_WAIT_SECONDS, START_WAIT_SECONDS

log = logging.getLogger(__name__)

BUSY = "服务器繁忙"
# Set by Voilà in the environment of a kernel started to refill a pool of preheated kernels.
PREHEAT_ENV = "VOILA_PREHEAT"


# The login session of the dashboard page request being served, if any: set by the identity provider
# (hazardlib.login) when it admits a page request, read when a kernel starts for that request. Tornado runs each
# request in a task of its own, whose context is a copy: the value never reaches another request.
REQUESTER: ContextVar[int | None] = ContextVar("hazard_requester", default=None)


class KernelOwners:
    """Whose page each kernel serves: the login session (its id in ``login_sessions``) it was started for or
    bound to. A kernel not recorded here belongs to nobody (yet)."""

    def __init__(self) -> None:
        self._owners: dict[str, int] = {}

    def record(self, kernel_id: str, session_id: int) -> None:
        self._owners[kernel_id] = session_id

    def owner(self, kernel_id: str) -> int | None:
        return self._owners.get(kernel_id)

    def forget(self, kernel_id: str) -> None:
        self._owners.pop(kernel_id, None)


def is_pool_refill(kwargs: Mapping[str, Any]) -> bool:
    """True if a start_kernel call (its keyword arguments) refills a pool rather than serves a page."""
    env = kwargs.get("env") or {}
    return str(env.get(PREHEAT_ENV, "")) == "True"


class KernelGate:
    """At most ``starting`` kernel starts at once, in the order they were asked for; at most ``alive`` kernels
    counting those starting. What a page may wait for is bounded by ``wait`` seconds.

    Pool refills wait their turn like pages, not behind them: Voilà hands a page request the pool's next kernel
    even while that kernel is still waiting to start, so a refill may have a page waiting for it. Put behind every
    later page, such a page waited minutes on a busy server (capacity benchmark, December 2026), longer than its
    binding token lived, and showed "unavailable"."""

    def __init__(self, alive: int, starting: int, wait: float):
        self.alive, self.starting, self.wait = alive, max(1, starting), wait
        self.running = 0  # starts under way
        self.reserved = 0  # kernels being started (not yet in the manager)
        self._changed = asyncio.Condition()
        self._queue: collections.deque[object] = collections.deque()  # the starts waiting, first come first

    def _room(self, existing: int, ticket: object) -> bool:
        return (
            self._queue[0] is ticket
            and self.running < self.starting
            and existing + self.reserved < self.alive
        )

    @contextlib.asynccontextmanager
    async def turn(self, existing: Any, page: bool) -> AsyncIterator[None]:
        """Wait for a turn to start a kernel (``existing()``: kernels alive now). A page that would exceed the
        bound on kernels alive, or waits longer than ``wait``, gets HTTP 503; a pool refill waits."""
        async with self._changed:
            if page and existing() + self.reserved >= self.alive:
                raise web.HTTPError(503, reason=BUSY)
            ticket = object()
            self._queue.append(ticket)
            try:
                ready = self._changed.wait_for(lambda: self._room(existing(), ticket))
                await (asyncio.wait_for(ready, self.wait) if page else ready)
            except TimeoutError:
                raise web.HTTPError(503, reason=BUSY) from None
            finally:
                self._queue.remove(ticket)
                self._changed.notify_all()  # the next in line may go
            self.running += 1
            self.reserved += 1
        try:
            yield
        finally:
            async with self._changed:
                self.running -= 1
                self.reserved -= 1
                self._changed.notify_all()

    async def released(self) -> None:
        """A kernel ended: whoever waits for room may go."""
        async with self._changed:
            self._changed.notify_all()


def unconnected_may_go(last_activity: str, now: dt.datetime, wait: float) -> bool:
    """Whether a kernel no page has ever connected to may be culled: only once it has been inactive for ``wait``
    seconds (``last_activity``: the kernel model's ISO time), not after the idle timeout of kernels whose page has
    come and gone. Its page may still be loading Voilà's scripts: on a busy machine that took browsers minutes, and
    a kernel culled after 30 s left their page with nothing to draw (capacity benchmark, December 2026)."""
    return (now - dt.datetime.fromisoformat(last_activity.replace("Z", "+00:00"))).total_seconds() > wait


WAITING = "busy"
"""The execution state of a pool kernel waiting for its page request: the notebook's cell that waits for it is
running (:func:`hazardlib.apps.session.wait_for_request`). Once handed a page, the kernel is busy too while it
runs the rest of its notebook (the message it sends as its request comes, :func:`hazardlib.apps.session.
announce_request`, tells it from a silent waiting one), then idle, waiting for its page to connect."""


def idle_pool_kernel(
    pooled: Mapping[str, tuple[str, str]], connected: Collection[str], now: dt.datetime, idle: float
) -> str | None:
    """Of the pool's kernels ``pooled`` (kernel id: the kernel model's ISO time of last activity and its execution
    state), the one to shut down so that a page may have its place: the longest idle of those still waiting for
    their request (:data:`WAITING`), no page has connected to, and that have been silent for more than ``idle``
    seconds; None if there is none.

    A kernel handed to a page has run its notebook and is idle, not waiting: its page connects once the browser
    has loaded Voilà's scripts, which on a busy machine took minutes (capacity benchmark, December 2026), so
    neither its silence nor the missing connection says that it is free; it is never taken.

    A kernel Voilà has just handed to a page is busy as a waiting one is, and was silent as long: Voilà hands it
    out inside its own manager method (``get_rendered_notebook``, which calls nothing of this class), so the
    manager cannot mark it then. The kernel speaks as soon as its request comes
    (:func:`hazardlib.apps.session.announce_request`), before it binds its login and reads its first view
    (seconds on a busy server): from then on it is not silent for ``idle`` seconds. Still open: the moment
    between Voilà's hand-over and that message reaching the server (the request's way to the kernel and the
    message's way back)."""
    idle_ones = [
        (last, kernel_id)
        for kernel_id, (last, state) in pooled.items()
        if state == WAITING and kernel_id not in connected and unconnected_may_go(last, now, idle)
    ]
    return min(idle_ones)[1] if idle_ones else None


def left_kernel(
    left: Mapping[str, float], connections: Mapping[str, int | None], now: float, grace: float
) -> str | None:
    """Of the kernels whose page has left (``left``, kernel id: the moment, ``time.monotonic()``, its page's last
    connection closed), the one to shut down so that a page may have its place: the one left longest ago of those
    that still have no connection (``connections``; None: the kernel is gone) and were left more than ``grace``
    seconds ago; None if there is none.

    A page connects to its kernel once it has loaded and holds that connection while it is open; when the page
    closes, its script asks the server to shut the kernel down, but a request sent while a page closes can be lost
    (a phone's browser, a dropped network), and such a kernel then held its place until the culler's idle
    timeout. Within ``grace`` a page that reloads, or whose network dropped for a moment, connects again."""
    gone = [
        (moment, kernel_id)
        for kernel_id, moment in left.items()
        if connections.get(kernel_id) == 0 and now - moment > grace
    ]
    return min(gone)[1] if gone else None


class BoundedKernelManager(AsyncMappingKernelManager):
    """Jupyter server's kernel manager with a queue for kernel starts and a bound on kernels alive, which culls a
    kernel no page has connected to yet only after ``first_connect_wait`` seconds of inactivity.

    Kernels of pages that have left, then the pools, yield to pages: a page that would pass the bound takes the
    place of a kernel whose page had connected and has had no connection for ``page_left_grace`` seconds
    (:func:`left_kernel`), else of an idle pool kernel (:func:`idle_pool_kernel`); either is shut down, never
    handed to anyone else. A pool that gave way is filled again once the kernels alive are back below three
    quarters of the bound. Voilà fills a pool only when a page takes one of its kernels: a pool kernel of a
    dashboard nobody opens held its place for good, also while clerks were refused (7 of the 40 places in the
    capacity benchmark, December 2026)."""

    max_kernels = Integer(40, config=True, help="Kernels alive at once, pools included; beyond: 503.")
    max_starting = Integer(2, config=True, help="Kernels starting at once; further starts wait in a queue.")
    start_wait = Float(
        float(START_WAIT_SECONDS),
        config=True,
        help="Seconds a page waits in the queue before it is told 503.",
    )
    first_connect_wait = Float(
        float(PAGE_WAIT_SECONDS),
        config=True,
        help="Seconds of inactivity before a kernel no page has connected to yet is culled.",
    )
    pool_idle_wait = Float(
        60.0,
        config=True,
        help="Seconds a pool kernel has been silent before a page refused for the bound may take its place.",
    )
    page_left_grace = Float(
        10.0,
        config=True,
        help="Seconds a kernel whose page had connected has had no connection before a page refused for the bound "
        "may take its place. A page that reloads, or whose network dropped for a moment, connects again within "
        "them (the page's script tries again after about 1, 2 and 4 s); a page that has closed asks for its "
        "kernel's shutdown, and this covers the request lost on the way.",
    )
    _connected: set[str] | None = None
    _left: dict[str, float] | None = None  # the kernels whose page's last connection closed: when (monotonic)
    _pooled: dict[str, None] | None = None  # the kernels started to fill a pool, oldest first
    _yielded: list[str] | None = None  # the dashboards whose pool kernel gave its place to a page

    def notify_connect(self, kernel_id: str) -> None:
        """A page's websocket has connected to the kernel (jupyter_server tells its manager)."""
        if self._connected is None:
            self._connected = set()
        self._connected.add(kernel_id)
        self.pooled().pop(kernel_id, None)  # a page's now
        self.left().pop(kernel_id, None)  # back (a reload, the network again)
        super().notify_connect(kernel_id)

    def notify_disconnect(self, kernel_id: str) -> None:
        """A page's websocket to the kernel has closed (jupyter_server tells its manager): once no connection is
        left, the page has left, or is reloading."""
        super().notify_disconnect(kernel_id)
        if self.connections(kernel_id) == 0:
            self.left()[kernel_id] = time.monotonic()

    def left(self) -> dict[str, float]:
        """The kernels whose page's last connection closed, and when (``time.monotonic()``)."""
        if self._left is None:
            self._left = {}
        return self._left

    def connections(self, kernel_id: str) -> int | None:
        """The pages' connections to the kernel now (as in its model); None once it has gone, or while it starts."""
        try:
            return int(self.kernel_model(kernel_id)["connections"])
        except (KeyError, TraitError, web.HTTPError):
            return None

    def last_activity(self, kernel_id: str) -> str | None:
        """The kernel's last activity (ISO time, as in its model); None while it is still starting (nothing
        recorded yet: jupyter_server's model then raises) or once it has gone."""
        activity = self.activity(kernel_id)
        return activity[0] if activity is not None else None

    def activity(self, kernel_id: str) -> tuple[str, str] | None:
        """The kernel's last activity (ISO time) and execution state, as in its model; None while it is still
        starting or once it has gone (see :meth:`last_activity`)."""
        try:
            model = self.kernel_model(kernel_id)
            return str(model["last_activity"]), str(model["execution_state"])
        except (KeyError, TraitError, web.HTTPError):
            return None

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        if kernel_id not in self:
            return  # shut down while the culler went through the kernels (its page closed): nothing to cull
        if kernel_id not in (self._connected or ()):
            last = self.last_activity(kernel_id)
            if last is None or not unconnected_may_go(last, dt.datetime.now(dt.UTC), self.first_connect_wait):
                return  # still starting, or its page may still be loading
        await super().cull_kernel_if_idle(kernel_id)

    _gate: KernelGate | None = None
    _owners: KernelOwners | None = None

    def gate(self) -> KernelGate:
        if self._gate is None:
            self._gate = KernelGate(self.max_kernels, self.max_starting, self.start_wait)
        return self._gate

    def owners(self) -> KernelOwners:
        """Whose page each kernel of this manager serves."""
        if self._owners is None:
            self._owners = KernelOwners()
        return self._owners

    def pooled(self) -> dict[str, None]:
        """The kernels started to fill a pool and alive, not yet connected to by a page or connected to."""
        if self._pooled is None:
            self._pooled = {}
        return self._pooled

    def notebook_of(self, kernel_id: str) -> str | None:
        """The dashboard notebook a kernel runs, from Voilà's record of the notebooks it has rendered (with a
        pool on; None without)."""
        for notebook, data in getattr(self, "notebook_data", {}).items():
            if kernel_id in data.get("kernel_ids", ()):
                return str(notebook)
        return None

    async def make_room(self) -> bool:
        """If the kernels alive have reached the bound, shut down the kernel of a page that has left
        (:func:`left_kernel`), else an idle pool kernel (:func:`idle_pool_kernel`); True if one went. A pool
        kernel's dashboard is remembered, to be filled again later (:meth:`refill_yielded`)."""
        if len(self) + self.gate().reserved < self.max_kernels:
            return False
        left = self.left()
        gone = left_kernel(
            left, {k: self.connections(k) for k in left}, time.monotonic(), self.page_left_grace
        )
        if gone is not None:
            log.warning(
                "kernel %s shut down: its page left %.0f s ago and a page needs its place",
                gone,
                time.monotonic() - left.pop(gone),
            )
            await self.shutdown_kernel(gone)
            return True
        connected = self._connected or set()
        now = dt.datetime.now(dt.UTC)
        pooled = {k: activity for k in self.pooled() if (activity := self.activity(k)) is not None}
        kernel_id = idle_pool_kernel(pooled, connected, now, self.pool_idle_wait)
        if kernel_id is None:
            return False
        notebook = self.notebook_of(kernel_id)
        log.warning("pool kernel %s of %s shut down: a page needs its place", kernel_id, notebook)
        self.pooled().pop(kernel_id, None)  # no other page picks it meanwhile
        await self.shutdown_kernel(kernel_id)
        if notebook is not None:
            if self._yielded is None:
                self._yielded = []
            self._yielded.append(notebook)
        return True

    def refill_yielded(self) -> None:
        """Fill again, one at a time, the pools whose kernel gave its place to a page, once the kernels alive are
        below three quarters of the bound (not at once: the next page would take that place again)."""
        fill = getattr(self, "fill_if_needed", None)  # Voilà's, with a pool on
        while (
            self._yielded
            and fill is not None
            and (len(self) + self.gate().reserved) * 4 < self.max_kernels * 3
        ):
            notebook = self._yielded.pop(0)
            log.warning("pool of %s filled again", notebook)
            fill(notebook_name=notebook)

    # jupyter_server's own async manager overrides these synchronous signatures the same way.
    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        page = not is_pool_refill(kwargs)
        if page:
            await self.make_room()
        try:
            async with self.gate().turn(lambda: len(self), page):
                kernel_id = str(await super().start_kernel(*args, **kwargs))
        except web.HTTPError:
            log.warning("kernel refused: %d alive, %d starting", len(self), self.gate().running)
            raise
        if not page:
            self.pooled()[kernel_id] = None
        requester = REQUESTER.get() if page else None  # a pool's kernel is nobody's until it is bound
        if requester is not None:
            self.owners().record(kernel_id, requester)
        return kernel_id

    async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        try:
            await super().shutdown_kernel(kernel_id, *args, **kwargs)
            self.owners().forget(kernel_id)
            (self._connected or set()).discard(kernel_id)
            self.pooled().pop(kernel_id, None)
            self.left().pop(kernel_id, None)
        finally:
            await self.gate().released()
        self.refill_yielded()


# Seconds a kernel start waits for the zygote to fork (the first starts wait for its imports too).
FORK_WAIT_SECONDS = 60.0


class ZygoteProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, whose ipykernel kernels are forked from the zygote
    (:mod:`hazardlib.zygote`) rather than started as new processes: the kernel's connection file, command and
    environment are prepared as for a local kernel (``pre_launch``), then the zygote forks a child that runs them.

    The kernel is not this process's child: its exit status comes from the zygote on the kernel's connection
    (:mod:`hazardlib.forking`), signals go to its process group (the child's own session) as jupyter_client sends
    them to a local kernel's. Without a zygote (no :data:`~hazardlib.forking.ENV_ZYGOTE`, or it cannot be reached,
    or it does not answer), the kernel is started the plain way and the operator is told in the log."""

    forked_pid: int | None = None
    status: int | None = None
    channel: socket.socket | None = None
    received: bytes = b""

    @property
    def has_process(self) -> bool:
        return self.forked_pid is not None or super().has_process

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        path, arguments = os.environ.get(ENV_ZYGOTE), kernel_arguments(cmd)
        if path and arguments is not None:
            try:
                await self.fork(path, arguments, kwargs)
                return self.connection_info
            except (OSError, ProtocolError, TimeoutError, KeyError) as exc:
                self.close_channel()
                log.error(
                    "内核预加载进程（zygote）不可用，本内核按普通方式启动（较慢）：%s / "
                    "the zygote cannot fork kernels (%s: %s); this kernel starts the plain way",
                    exc,
                    type(exc).__name__,
                    exc,
                )
        return await super().launch_kernel(cmd, **kwargs)

    async def fork(self, path: str, arguments: list[str], kwargs: Mapping[str, Any]) -> None:
        """Ask the zygote at ``path`` for a kernel; returns once it is forked (its pid known)."""
        loop = asyncio.get_running_loop()
        self.forked_pid, self.status, self.received = None, None, b""
        self.channel = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.channel.setblocking(False)
        await loop.sock_connect(self.channel, path)
        # As jupyter_client's launcher gives a local kernel: the server's pid (ipykernel then ends the kernel once
        # its parent, the zygote, is gone; the zygote ends when the server has).
        env = {**(kwargs.get("env") or {}), "JPY_PARENT_PID": str(os.getpid())}
        await loop.sock_sendall(self.channel, request(arguments, env, kwargs.get("cwd")))
        message = await asyncio.wait_for(self.next_message(), FORK_WAIT_SECONDS)
        self.forked_pid = self.pid = self.pgid = int(message["pid"])
        self.cwd = kwargs.get("cwd") or os.getcwd()

    async def next_message(self) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        assert self.channel is not None
        while b"\n" not in self.received:
            data = await loop.sock_recv(self.channel, 4096)
            if not data:
                raise ProtocolError("the zygote closed the connection")
            self.received += data
        line, self.received = self.received.split(b"\n", 1)
        return parse(line)

    def close_channel(self) -> None:
        if self.channel is not None:
            self.channel.close()
            self.channel = None

    def read_status(self) -> None:
        """Take the forked kernel's exit status from the zygote if it has come (without waiting)."""
        if self.channel is None or self.status is not None:
            return
        try:
            while data := self.channel.recv(4096):
                self.received += data
                if b"\n" in self.received:
                    self.status = int(parse(self.received.split(b"\n", 1)[0])["status"])
                    self.close_channel()
                    return
        except (BlockingIOError, InterruptedError):
            return
        except (OSError, ProtocolError, KeyError, ValueError):
            pass
        # The zygote has gone without telling: its kernels go with it (they end once their parent is gone).
        self.close_channel()
        if not self.alive():
            self.status = -signal.SIGKILL

    def alive(self) -> bool:
        if self.forked_pid is None:
            return False
        try:
            os.kill(self.forked_pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    async def poll(self) -> int | None:
        if self.forked_pid is None:
            return await super().poll()
        self.read_status()
        if self.status is None and self.channel is None and not self.alive():
            self.status = -signal.SIGKILL
        return self.status

    async def wait(self) -> int | None:
        if self.forked_pid is None:
            return await super().wait()
        while await self.poll() is None:
            await asyncio.sleep(0.1)
        status = self.status
        # has_process is now False, as LocalProvisioner's once its process is waited for
        self.forked_pid = None
        return status

    async def send_signal(self, signum: int) -> None:
        if self.forked_pid is None:
            await super().send_signal(signum)
            return
        self.read_status()
        if self.status is not None:
            return  # ended (and reaped: its pid may be another process's now)
        try:
            os.killpg(self.forked_pid, signum)
        except OSError:
            os.kill(self.forked_pid, signum)

    async def kill(self, restart: bool = False) -> None:
        await (self.end(signal.SIGKILL) if self.forked_pid is not None else super().kill(restart))

    async def terminate(self, restart: bool = False) -> None:
        await (self.end(signal.SIGTERM) if self.forked_pid is not None else super().terminate(restart))

    async def end(self, signum: int) -> None:
        """Signal a forked kernel to end; gone already is fine (as LocalProvisioner tolerates it)."""
        with contextlib.suppress(ProcessLookupError):
            await self.send_signal(signum)

    async def cleanup(self, restart: bool = False) -> None:
        if self.forked_pid is None:
            self.close_channel()
        await super().cleanup(restart)
