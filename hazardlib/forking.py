"""Kernels forked from a process that has already imported the workbook (a "zygote"): what ``hazard serve`` and
the server's kernel provisioner share.

Every dashboard page runs in a kernel of its own. Started the plain way, each kernel is a new Python process that
imports ipykernel, ipywidgets, pandas, SQLAlchemy and the workbook before it can run the page's first cell: 3–4 s
of CPU per page opened, which is what limited the pages one server could open a minute (capacity benchmark,
December 2026). ``hazard serve`` therefore starts one process (:mod:`hazardlib.zygote`) that imports all that once
and, for each kernel, forks a child that becomes the kernel; the children share the imported modules' memory with
it until they write to it.

The zygote listens on a Unix socket whose path is in :data:`ENV_ZYGOTE`. A kernel start is one connection: the
server sends one :func:`request` line (the kernel's command, environment and working folder), the zygote answers
``{"pid": …}`` once the child is forked, and ``{"status": …}`` (the exit status, as ``Popen.returncode`` gives it)
once the child has ended; the connection stays open between the two. Only the standard library here: the
``hazard`` command imports this module to start the zygote.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# The zygote's socket (set by ``hazard serve`` in the environment of Voilà and so of its kernel provisioner).
ENV_ZYGOTE = "HAZARD_ZYGOTE"
ZYGOTE_MODULE = "hazardlib.zygote"
SOCKET_NAME = "zygote.sock"
# The zygote must have no thread but its own when it forks (a child gets only the forking thread; a lock another
# thread held stays locked in it). numpy's OpenBLAS starts a thread pool when it is loaded unless told to use one
# thread; its kernels then keep one thread for linear algebra, which the workbook does not do.
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# Kernel starts that may wait for the zygote to accept them (a burst of pages while it imports).
BACKLOG = 128
# The command a kernel spec gives for ipykernel; only such kernels are forked (the module's arguments follow).
KERNEL_MODULE = "ipykernel_launcher"


class ProtocolError(ValueError):
    """A line from the zygote, or to it, that is not what the protocol says."""


def kernel_arguments(cmd: Sequence[str]) -> list[str] | None:
    """The arguments of ipykernel's command line ``cmd`` (``python -m ipykernel_launcher -f …``) after the module
    name; None if ``cmd`` starts another kernel (that one is started the plain way)."""
    if len(cmd) >= 3 and cmd[1] == "-m" and cmd[2] == KERNEL_MODULE:
        return list(cmd[3:])
    return None


def request(arguments: Sequence[str], env: Mapping[str, str], cwd: str | os.PathLike[str] | None) -> bytes:
    """The line that asks the zygote for a kernel."""
    message = {"argv": list(arguments), "env": dict(env), "cwd": None if cwd is None else os.fspath(cwd)}
    return json.dumps(message).encode() + b"\n"


def reply(**fields: int) -> bytes:
    """A line from the zygote: ``pid=`` once forked, ``status=`` once ended."""
    return json.dumps(fields).encode() + b"\n"


def parse(line: bytes) -> dict[str, Any]:
    """One line of the protocol as a dict; raises ProtocolError for anything else."""
    try:
        message = json.loads(line)
    except ValueError as exc:
        raise ProtocolError(f"not a protocol line: {line[:80]!r}") from exc
    if not isinstance(message, dict):
        raise ProtocolError(f"not a protocol line: {line[:80]!r}")
    return message


def socket_path(folder: Path) -> Path:
    return folder / SOCKET_NAME


def start(folder: Path, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """Start the zygote listening in ``folder`` (a folder only this user may enter) with the environment ``env``
    (the server's; each kernel gets its own from the server). It runs until the process that started it is gone
    (``hazard serve`` becomes Voilà by exec: the same process).

    The socket is bound and listening here, before the zygote has imported anything: a kernel start asked for
    meanwhile waits in its queue rather than finding no zygote."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(socket_path(folder)))
        listener.listen(BACKLOG)
        return subprocess.Popen(
            [sys.executable, "-m", ZYGOTE_MODULE, str(socket_path(folder)), str(listener.fileno())],
            env={**env, **SINGLE_THREADED},
            stdin=subprocess.DEVNULL,
            pass_fds=[listener.fileno()],
        )
    finally:
        listener.close()  # the zygote's now
