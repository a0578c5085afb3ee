"""Working ahead in a second process: the items of a generator made by a forked child while the parent uses
the ones before.

A large import spends its time in Python on one core: reading and checking the rows, then writing them.
The checking needs nothing the writing does, so for a large file a forked child reads the sheet and checks
each chunk of rows a column at a time (:mod:`.columnar`) while the parent writes the chunks before — the
machine's second core doing about half of the work. The child is a fork, so it has the parent's reference
data and the sheet's checkers as they are, with nothing to load or send; it touches neither the store nor
the parent's connection, and sends back only what it made (pickled, through a queue of at most
:data:`DEPTH` items).

Forking a process that runs other threads can leave the child waiting forever on a lock one of them held,
so :func:`possible` says no there (as in a Jupyter or Voilà kernel), and the caller makes the items itself.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import HazardError

DEPTH = 16  # items made ahead and not yet taken
WAIT = 1.0  # seconds between looks at whether the other process is still there


class ChildFailed(HazardError):
    """The child ended without finishing (killed, out of memory), or met an error it could not send."""


def possible() -> bool:
    """Whether this process may fork a child to work ahead: Linux (macOS's system libraries are not safe to
    use in a forked child; Windows cannot fork), no other thread runs, and this process is not itself a
    daemonic worker (which may have no children)."""
    return (
        sys.platform.startswith("linux")
        and threading.active_count() == 1
        and not multiprocessing.current_process().daemon
    )


def ahead(make: Callable[[], Iterator[Any]]) -> Iterator[Any]:
    """The items of ``make()``, made in a forked child; an error the child meets is raised here as it was
    raised there (or as :class:`ChildFailed` when it cannot be sent). Closing this generator early stops
    the child; no process is left behind either way."""
    context = multiprocessing.get_context("fork")
    items: Any = context.Queue(maxsize=DEPTH)
    parent = os.getpid()
    child = context.Process(target=_child, args=(make, items, parent), daemon=True, name="hazard-ahead")
    child.start()
    finished = False
    try:
        while True:
            try:
                what, item = items.get(timeout=WAIT)
            except queue.Empty:
                if child.is_alive():
                    continue
                try:  # the last items may have arrived as the child ended
                    what, item = items.get(timeout=WAIT)
                except queue.Empty:
                    raise ChildFailed(
                        f"后台读取进程意外退出（退出码 {child.exitcode}），文件未导入。请重新导入；"
                        "如反复出现，可能是内存不足，请联系管理员"
                    ) from None
            if what == "item":
                yield item
            elif what == "error":
                raise pickle.loads(item)
            else:
                finished = True
                return
    finally:
        if not finished:  # stopped early, or the child failed: it may be waiting to send more
            child.terminate()
        child.join()
        items.close()
        items.join_thread()


def _child(make: Callable[[], Iterator[Any]], items: Any, parent: int) -> None:
    """In the child: send each item, then the end or the error met; stop if the parent has gone."""
    try:
        for item in make():
            _send(items, ("item", item), parent)
    except BaseException as exc:  # every error goes to the parent, which raises it
        _send(items, ("error", _portable(exc)), parent)
    else:
        _send(items, ("end", None), parent)
    items.close()
    items.join_thread()  # everything sent before the child ends


def _send(items: Any, message: tuple[str, Any], parent: int) -> None:
    while True:
        try:
            items.put(message, timeout=WAIT)
            return
        except queue.Full:
            if os.getppid() != parent:  # the parent is gone: nobody will take it
                os._exit(1)


def _portable(exc: BaseException) -> bytes:
    """``exc`` pickled so that the parent can raise it, or a :class:`ChildFailed` naming it."""
    try:
        data = pickle.dumps(exc)
        pickle.loads(data)
        return data
    except Exception:  # an error that does not survive pickling is named instead
        return pickle.dumps(
            ChildFailed(f"后台读取进程出错（{type(exc).__name__}: {exc}），文件未导入。请把此信息告知管理员")
        )
