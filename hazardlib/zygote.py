"""The zygote: one process that has imported what every dashboard kernel imports, and forks the kernels.

``hazard serve`` starts it (``python -m hazardlib.zygote SOCKET``, see :mod:`hazardlib.forking`) before it
becomes Voilà. It imports ipykernel, ipywidgets, pandas, SQLAlchemy and every dashboard's module, then waits on
its Unix socket with no thread, no ZeroMQ context and no store open (a fork copies only the thread that forks, and
a child must not share a connection or a socket with its parent). For each request it forks a child that leaves
the zygote's session, takes the kernel's environment and working folder and runs ipykernel's kernel application
with the kernel's arguments (the connection file the server wrote), as ``python -m ipykernel_launcher`` would.

The zygote reaps its children and tells the server each one's exit status on that kernel's connection. It ends
when the process that started it has gone (then it stops its kernels first), and ignores Ctrl+C in the terminal
(the server decides when kernels stop). If it dies, the server's provisioner starts kernels the plain way.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import importlib.util
import os
import select
import shutil
import signal
import socket
import sys
import traceback
from pathlib import Path
from typing import Any

import ipywidgets
import pandas
import sqlalchemy
from ipykernel.kernelapp import IPKernelApp

from .apps import DASHBOARDS
from .forking import KERNEL_MODULE, ProtocolError, parse, reply

# What a dashboard kernel imports besides the three above: each dashboard's app module and the landing page's
# (hazardlib.apps loads them by name, on first use).
APP_MODULES = (*(f"hazardlib.apps.{d.module}" for d in DASHBOARDS), "hazardlib.apps.landing")
# What ipykernel's kernel application imports while it initializes, not when it is imported: its kernel and shell,
# the debugger (with debugpy's and pydevd's 130 modules, although no dashboard is debugged), IPython's debugger,
# completer and store magic, psutil. Imported in every kernel, they cost it about 0.05 s of CPU and private memory
# (docs/benchmarks.md, "Capacity, eighth round"); imported here once, they start no thread.
KERNEL_MODULES = (
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
    "debugpy.server.api",
    "IPython.core.debugger",
    "IPython.core.completerlib",
    "IPython.extensions.storemagic",
    "psutil",
    "tornado.platform.asyncio",
)
PRELOADED = (pandas, sqlalchemy)
# What a plain kernel's sys.argv[0] is (python -m ipykernel_launcher).
LAUNCHER = getattr(importlib.util.find_spec(KERNEL_MODULE), "origin", None) or KERNEL_MODULE
# Seconds between two looks at whether the process that started the zygote is still there.
PARENT_CHECK_SECONDS = 1.0


def preload() -> None:
    """Import every dashboard's module and what a kernel imports as it starts, then move every object alive into
    the collector's permanent generation: a child's collections then do not write to (and so copy) the pages it
    shares with the zygote."""
    for name in (*APP_MODULES, *KERNEL_MODULES):
        importlib.import_module(name)
    gc.collect()
    gc.freeze()


def become_kernel(message: dict[str, Any], keep_out: list[socket.socket]) -> int:
    """In a forked child: close the zygote's sockets, become the kernel ``message`` asks for and run it until it
    ends; the kernel's exit code."""
    for sock in keep_out:
        sock.close()
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # the zygote's folder: ipykernel_launcher takes it out of a kernel's path too
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # the kernel's interrupt
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.setsid()  # a session of its own, as jupyter_client starts kernels: signals go to its process group
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    if message.get("cwd"):
        os.chdir(message["cwd"])
    os.environ.clear()
    os.environ.update(message["env"])
    argv = [str(a) for a in message["argv"]]
    sys.argv = [LAUNCHER, *argv]
    try:
        # ipykernel reads JPY_PARENT_PID when it is imported (in the zygote, before any kernel's environment): given
        # here, it watches for its parent's end as a kernel started the plain way does.
        app = IPKernelApp.instance(parent_handle=int(os.environ.get("JPY_PARENT_PID") or 0))
        app.initialize(argv)
        # ipywidgets registers its comm targets when it is imported in a running kernel; imported in the zygote,
        # before there was one, it must be told now (or no page could ask for its widgets' state).
        ipywidgets.register_comm_target()
        app.start()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


class Zygote:
    """The zygote's loop: requests on ``listener``, children reaped when SIGCHLD wakes ``wakeup``."""

    def __init__(self, listener: socket.socket):
        self.listener = listener
        self.parent = os.getppid()
        # pid: the connection of the kernel start that forked it (None once the server has closed it)
        self.children: dict[int, socket.socket | None] = {}
        self.waiting: dict[socket.socket, bytes] = {}  # connections whose request has not fully come yet
        self.wake_read, self.wake_write = socket.socketpair()
        self.wake_write.setblocking(False)

    def serve(self) -> int | None:
        """Serve until the parent is gone (None); in a forked child, the kernel's exit code."""
        signal.set_wakeup_fd(self.wake_write.fileno())
        signal.signal(signal.SIGCHLD, lambda _signum, _frame: None)
        while os.getppid() == self.parent:
            sockets = [self.listener, self.wake_read, *self.waiting, *self.connections()]
            readable, _, _ = select.select(sockets, [], [], PARENT_CHECK_SECONDS)
            for sock in readable:
                if sock is self.wake_read:
                    with contextlib.suppress(BlockingIOError):
                        sock.recv(4096)
                elif sock is self.listener:
                    conn, _ = sock.accept()
                    self.waiting[conn] = b""
                elif sock in self.waiting:
                    code = self.read_request(sock)
                    if code is not None:
                        return code
                else:  # a kernel's connection: the server closed it (it has what it needs, or it is gone)
                    self.forget(sock)
            self.reap()
        self.stop_children()
        return None

    def read_request(self, conn: socket.socket) -> int | None:
        data = conn.recv(1 << 20)
        if not data:
            del self.waiting[conn]
            conn.close()
            return None
        self.waiting[conn] += data
        if b"\n" not in self.waiting[conn]:
            return None
        line = self.waiting.pop(conn).split(b"\n", 1)[0]
        try:
            message = parse(line)
            if not isinstance(message.get("argv"), list) or not isinstance(message.get("env"), dict):
                raise ProtocolError(f"not a kernel request: {line[:80]!r}")
        except ProtocolError as exc:
            print(f"hazardlib.zygote: {exc}", file=sys.stderr)
            conn.close()  # the server sees the connection close without a pid and starts that kernel plainly
            return None
        pid = os.fork()
        if pid == 0:
            others = [self.listener, self.wake_read, self.wake_write, *self.waiting, *self.connections()]
            return become_kernel(message, [*others, conn])
        self.children[pid] = conn
        conn.sendall(reply(pid=pid))
        return None

    def connections(self) -> list[socket.socket]:
        return [conn for conn in self.children.values() if conn is not None]

    def forget(self, conn: socket.socket) -> None:
        """A kernel's connection closed from the server's side: no one is left to tell its exit status (the
        protocol has nothing more for the server to send; anything it sends is dropped with the connection)."""
        for pid, known in list(self.children.items()):
            if known is conn:
                self.children[pid] = None  # reaped later, told to nobody
        conn.close()

    def reap(self) -> None:
        """Collect every child that has ended and tell its connection how it ended."""
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            if conn is not None:
                with contextlib.suppress(OSError):
                    conn.sendall(reply(status=os.waitstatus_to_exitcode(status)))
                conn.close()

    def stop_children(self) -> None:
        """The server is gone: end its kernels (their process groups) as the server would have."""
        for pid in self.children:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGTERM)


class Stopped(Exception):
    """The zygote was told to stop (SIGTERM)."""


def stopped(_signum: int, _frame: object) -> None:
    raise Stopped


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    zygote_pid = os.getpid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in the server's terminal is the server's to handle
    signal.signal(signal.SIGTERM, stopped)
    listener = socket.socket(fileno=int(argv[1]))  # bound and listening (hazardlib.forking.start)
    code: int | None = None
    try:
        zygote = Zygote(listener)
        try:
            preload()
            code = zygote.serve()
        except Stopped:
            zygote.stop_children()
    finally:
        if os.getpid() == zygote_pid:  # not in a kernel that has ended
            listener.close()
            shutil.rmtree(path.parent, ignore_errors=True)
    return 0 if code is None else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
