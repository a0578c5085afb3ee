"""The kernel manager of ``hazard serve`` (hazardlib.kernels): kernels start a few at a time from a queue, page
first come first served, pool refills too; a page that would pass the bound on kernels alive, or waits too long, is told
503, which the server shows as "服务器繁忙，正在重试…" and retries by itself."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
from tornado import web
from tornado.websocket import websocket_connect

from hazardlib.kernels import (
    WAITING,
    BoundedKernelManager,
    KernelGate,
    idle_pool_kernel,
    is_pool_refill,
    left_kernel,
    unconnected_may_go,
)

from .browser.conftest import USER, serving
from .own_loop import run


def test_a_pool_refill_is_told_apart_from_a_page_by_voilas_preheat_variable():
    assert is_pool_refill({"env": {"VOILA_PREHEAT": "True"}})
    assert not is_pool_refill({"env": {"VOILA_PREHEAT": "False"}})
    assert not is_pool_refill({})


def test_a_page_beyond_the_kernels_alive_is_refused_and_one_just_below_starts():
    async def scenario() -> None:
        gate = KernelGate(alive=3, starting=2, wait=1)
        async with gate.turn(lambda: 2, page=True):  # 2 alive, the third may start
            pass
        with pytest.raises(web.HTTPError) as refused:
            async with gate.turn(lambda: 3, page=True):
                pass
        assert refused.value.status_code == 503

    run(scenario())


def test_starts_beyond_the_bound_wait_in_a_queue_and_a_page_that_waits_too_long_is_refused():
    async def scenario() -> list[str]:
        gate = KernelGate(alive=10, starting=1, wait=0.3)
        order: list[str] = []

        async def start(name: str, seconds: float) -> None:
            async with gate.turn(lambda: 0, page=True):
                order.append(name)
                await asyncio.sleep(seconds)

        first = asyncio.ensure_future(start("a", 0.1))
        await asyncio.sleep(0.01)
        await start("b", 0)  # waits 0.1 s for a's turn to end: within its 0.3 s
        await first
        slow = asyncio.ensure_future(start("c", 1.0))
        await asyncio.sleep(0.01)
        with pytest.raises(web.HTTPError) as refused:
            await start("d", 0)  # would wait 1 s
        assert refused.value.status_code == 503
        await slow
        return order

    assert run(scenario()) == ["a", "b", "c"]


def test_kernels_start_in_the_order_asked_for_a_pool_refill_too_and_a_refill_is_never_refused():
    """Voilà hands a page the pool's next kernel while that kernel may still wait to start: a refill put behind
    every later page kept such a page waiting minutes on a busy server."""

    async def scenario(refill_first: bool) -> list[str]:
        gate = KernelGate(alive=5, starting=1, wait=0.2)
        order: list[str] = []

        async def start(name: str, page: bool, seconds: float = 0.05) -> None:
            async with gate.turn(lambda: 0, page=page):
                order.append(name)
                await asyncio.sleep(seconds)

        busy = asyncio.ensure_future(start("page-1", True, 0.15))
        await asyncio.sleep(0.01)
        first, second = (
            (("refill", False), ("page-2", True)) if refill_first else (("page-2", True), ("refill", False))
        )
        queued = [asyncio.ensure_future(start(*first))]
        await asyncio.sleep(0.01)
        queued.append(asyncio.ensure_future(start(*second)))
        await asyncio.wait_for(asyncio.gather(busy, *queued), 5)
        return order

    assert run(scenario(refill_first=True)) == ["page-1", "refill", "page-2"]
    assert run(scenario(refill_first=False)) == ["page-1", "page-2", "refill"]

    async def refill_waits_past_the_page_limit() -> list[str]:
        gate = KernelGate(alive=5, starting=1, wait=0.1)
        order: list[str] = []

        async def start(name: str, page: bool, seconds: float) -> None:
            async with gate.turn(lambda: 0, page=page):
                order.append(name)
                await asyncio.sleep(seconds)

        busy = asyncio.ensure_future(start("page-1", True, 0.3))
        await asyncio.sleep(0.01)
        await start("refill", False, 0)  # waits 0.3 s, three times what a page may wait
        await busy
        return order

    assert run(refill_waits_past_the_page_limit()) == ["page-1", "refill"]


def test_a_kernel_no_page_has_connected_to_is_culled_only_after_the_page_has_had_time_to_load():
    """On a busy machine a browser took minutes to load Voilà's scripts before connecting to its page's kernel;
    culled after the 30 s idle timeout, the kernel left the page nothing to draw."""
    now = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
    idle = (now - dt.timedelta(seconds=179)).isoformat().replace("+00:00", "Z")  # as jupyter_server writes it
    assert not unconnected_may_go(idle, now, 180)
    longer = (now - dt.timedelta(seconds=181)).isoformat().replace("+00:00", "Z")
    assert unconnected_may_go(longer, now, 180)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")  # as jupyter_server writes a kernel's last activity


def test_the_idle_pool_kernel_to_give_way_is_the_longest_silent_one_no_page_has_connected_to():
    now = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
    pooled = {
        "ledger": (iso(now - dt.timedelta(seconds=300)), WAITING),
        "exports": (iso(now - dt.timedelta(seconds=900)), WAITING),  # connected: a page's now
        "tracker": (iso(now - dt.timedelta(seconds=600)), WAITING),
        "index": (
            iso(now - dt.timedelta(seconds=59)),
            "idle",
        ),  # handed to a page a moment ago: ran its notebook
    }
    assert idle_pool_kernel(pooled, {"exports"}, now, 60) == "tracker"
    assert idle_pool_kernel({"index": pooled["index"]}, set(), now, 60) is None
    assert idle_pool_kernel({"exports": pooled["exports"]}, {"exports"}, now, 60) is None


def test_a_pool_kernel_handed_to_a_page_whose_browser_has_not_connected_yet_never_gives_way():
    """A kernel handed to a page has run its notebook and is idle; on a busy machine its browser may connect
    minutes later. However long it has been silent, it is not taken; one just short of it, silent as long but
    still waiting for its request, is."""
    now = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
    long_ago = iso(now - dt.timedelta(seconds=900))
    assert idle_pool_kernel({"handed": (long_ago, "idle")}, set(), now, 60) is None
    assert (
        idle_pool_kernel({"handed": (long_ago, "idle"), "waiting": (long_ago, WAITING)}, set(), now, 60)
        == "waiting"
    )


def test_the_kernel_whose_page_has_left_gives_way_once_its_page_has_been_gone_longer_than_the_grace():
    """A page's kernel whose last connection closed (the page's request to shut it down lost on the way) gives its
    place to a page at the bound, the one left longest ago first; not while a page is connected to it, nor within
    the grace in which a page that reloads connects again."""
    now = 1000.0
    assert left_kernel({"a": now - 30}, {"a": 0}, now, 10) == "a"  # gone longer
    assert left_kernel({"a": now - 1}, {"a": 0}, now, 10) is None  # gone 1 s ago: may be reloading
    assert left_kernel({"a": now - 30}, {"a": 1}, now, 10) is None  # connected again
    assert left_kernel({"a": now - 30}, {"a": None}, now, 10) is None  # gone from the server already
    left = {"a": now - 20, "b": now - 40, "c": now - 60, "d": now - 5}
    assert left_kernel(left, {"a": 0, "b": 0, "c": 1, "d": 0}, now, 10) == "b"  # oldest of those still left


def test_a_kernel_shut_down_while_the_culler_goes_through_the_kernels_is_passed_over_quietly(tmp_path: Path):
    """The culler lists the kernels, then checks each in turn; one whose page closed meanwhile has gone, and
    jupyter_server's check logged a KeyError with its traceback for it."""

    async def scenario() -> None:
        manager = BoundedKernelManager(connection_dir=str(tmp_path))
        manager.notify_connect("gone")  # had a page
        for kernel_id in ("gone", "never-known"):
            # jupyter_server's own check raised KeyError here (looking the kernel up among those alive)
            assert await manager.cull_kernel_if_idle(kernel_id) is None
        assert manager.list_kernel_ids() == []  # nothing started or culled meanwhile

    run(scenario())


PREHEAT = {"VOILA_PREHEAT": "True"}


@pytest.mark.slow
def test_at_the_bound_a_page_takes_the_place_of_a_kernel_whose_page_left_and_never_of_a_connected_one(
    tmp_path: Path,
):
    """Two kernels at most, each a page's. One page leaves (its websocket closes and no shutdown comes): within
    the grace the next page is refused (503); after it, that kernel is shut down and the page starts. The page
    still connected keeps its kernel throughout."""

    async def scenario() -> None:
        manager = BoundedKernelManager(max_kernels=2, page_left_grace=1.5, connection_dir=str(tmp_path))
        try:
            leaving, staying = await manager.start_kernel(), await manager.start_kernel()
            for kernel_id in (leaving, staying):
                manager.notify_connect(kernel_id)
            manager.notify_disconnect(leaving)
            with pytest.raises(web.HTTPError) as refused:
                await manager.start_kernel()  # the page left a moment ago: it may be reloading
            assert refused.value.status_code == 503
            await asyncio.sleep(2)
            third = await manager.start_kernel()
            assert set(manager.list_kernel_ids()) == {staying, third}  # shut down, not handed to the third
            assert manager.left() == {}
            manager.notify_connect(third)
            manager.notify_disconnect(third)
            manager.notify_connect(third)  # reloaded within the grace: its page again
            await asyncio.sleep(2)
            with pytest.raises(web.HTTPError):
                await manager.start_kernel()
            assert set(manager.list_kernel_ids()) == {staying, third}
        finally:
            await manager.shutdown_all(now=True)

    run(scenario())


async def run_cell(manager: BoundedKernelManager, kernel_id: str, code: str, state: str = "idle") -> None:
    """Run ``code`` in the kernel, as Voilà runs a notebook's cell, until the server sees it ``state``."""
    client = manager.get_kernel(kernel_id).client()
    client.start_channels()
    await client.wait_for_ready(timeout=120)
    client.execute(code)
    deadline = time.monotonic() + 60
    while (activity := manager.activity(kernel_id)) is None or activity[1] != state:
        assert time.monotonic() < deadline, activity
        await asyncio.sleep(0.1)
    client.stop_channels()


async def wait_for_request(manager: BoundedKernelManager, kernel_id: str) -> None:
    """The pool kernel runs the cell that waits for its page request (as a preheated kernel does)."""
    await run_cell(manager, kernel_id, "import time\ntime.sleep(600)", state=WAITING)


@pytest.mark.slow
def test_at_the_bound_a_page_takes_the_place_of_an_idle_pool_kernel_whose_pool_fills_again_later(
    tmp_path: Path,
):
    """Two kernels at most: a pool kernel and a page's. The next page gets the place of the pool kernel waiting
    for its request (it is shut down); once a kernel ends, the pool that gave way is filled again. A page is
    refused when the pool kernel is a page's already: connected to, or handed to a page that has not connected
    yet (it has run its notebook)."""

    async def scenario() -> None:
        manager = BoundedKernelManager(max_kernels=2, pool_idle_wait=1, connection_dir=str(tmp_path))
        filled: list[str] = []
        manager.fill_if_needed = lambda notebook_name: filled.append(notebook_name)  # Voilà's, with a pool on
        try:
            pool_kernel = await manager.start_kernel(env={**os.environ, **PREHEAT})
            manager.notebook_data = {"tracker.ipynb": {"kernel_ids": {pool_kernel}}}
            await wait_for_request(manager, pool_kernel)
            first_page = await manager.start_kernel()
            await asyncio.sleep(3)  # the pool kernel has been silent long enough
            second_page = await manager.start_kernel()
            assert set(manager.list_kernel_ids()) == {first_page, second_page}  # the pool kernel gave way
            assert filled == []  # not while pages fill the server

            await manager.shutdown_kernel(first_page, now=True)
            assert filled == ["tracker.ipynb"]  # 1 alive of 2: the pool that gave way is filled again

            taken = await manager.start_kernel(env={**os.environ, **PREHEAT})
            await wait_for_request(manager, taken)
            manager.notify_connect(taken)  # a page took it
            await asyncio.sleep(3)
            with pytest.raises(web.HTTPError) as refused:
                await manager.start_kernel()
            assert refused.value.status_code == 503
            assert set(manager.list_kernel_ids()) == {second_page, taken}

            # handed to a page whose browser has not connected yet: its notebook has run, it is idle and silent
            await manager.shutdown_kernel(taken, now=True)
            handed = await manager.start_kernel(env={**os.environ, **PREHEAT})
            await run_cell(manager, handed, "1 + 1")
            await asyncio.sleep(3)
            with pytest.raises(web.HTTPError) as refused:
                await manager.start_kernel()
            assert refused.value.status_code == 503
            assert set(manager.list_kernel_ids()) == {second_page, handed}
            assert manager.last_activity(first_page) is None  # gone: nothing to cull or to give way
        finally:
            await manager.shutdown_all(now=True)

    run(scenario())


# -- a real server with room for one kernel ------------------------------------------------------------------

BLOCKED = "import time\nprint('已打开')\ntime.sleep(600)"


@pytest.mark.slow
def test_a_page_the_server_has_no_room_for_says_busy_in_chinese_and_retries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = tmp_path / "dashboards"
    folder.mkdir()
    for name, source in (("index", "print('首页')"), ("blocked", BLOCKED)):
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
        nbformat.write(notebook, folder / f"{name}.ipynb")
    monkeypatch.setenv("HAZARD_DASHBOARDS", str(folder))
    (tmp_path / "serve").mkdir()
    url = f"sqlite:///{tmp_path / 'w.db'}"
    with serving(url, tmp_path / "serve", pool=0, extra=["--max-kernels", "1"]) as served:
        # One page whose kernel never finishes takes the only room (its response never ends).
        blocked = urllib.request.urlopen(f"{served.base}voila/render/blocked.ipynb", timeout=60)
        try:
            assert any(b"kernelId" in line for line in blocked)  # its kernel has started
            start = time.monotonic()
            with pytest.raises(urllib.error.HTTPError) as busy:
                urllib.request.urlopen(f"{served.base}voila/render/index.ipynb", timeout=60)
            assert time.monotonic() - start < 30  # refused at once: no room, nothing to wait for
            page = busy.value.read().decode("utf-8")
            assert busy.value.code == 503
            assert "服务器繁忙，正在重试…" in page
            assert 'http-equiv="refresh"' in page and "location.reload()" in page  # it retries by itself
            assert "Service Unavailable" not in page and USER not in page
        finally:
            blocked.close()


@pytest.mark.slow
def test_a_page_that_left_without_its_shutdown_gives_its_kernel_place_to_the_next_page_after_the_grace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A real server with room for one kernel: a page is opened, its websocket connects and closes, and no
    shutdown comes (lost on the way). The next page is told busy within the grace (the first may be reloading),
    and served after it, long before the culler's idle timeout would have freed the place."""
    folder = tmp_path / "dashboards"
    folder.mkdir()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('首页')")])
    nbformat.write(notebook, folder / "index.ipynb")
    monkeypatch.setenv("HAZARD_DASHBOARDS", str(folder))
    (tmp_path / "serve").mkdir()
    url = f"sqlite:///{tmp_path / 'w.db'}"
    with serving(url, tmp_path / "serve", pool=0, extra=["--max-kernels", "1"]) as served:
        page = urllib.request.urlopen(f"{served.base}voila/render/index.ipynb", timeout=60).read().decode()
        kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"', page)
        assert kernel is not None

        async def visit() -> None:
            ws = await websocket_connect(
                f"{served.base.replace('http', 'ws')}api/kernels/{kernel.group(1)}/channels"
            )
            ws.close()

        run(visit())
        left = time.monotonic()
        with pytest.raises(urllib.error.HTTPError) as busy:
            urllib.request.urlopen(f"{served.base}voila/render/index.ipynb", timeout=60)
        assert busy.value.code == 503
        assert time.monotonic() - left < BoundedKernelManager.page_left_grace.default_value
        time.sleep(BoundedKernelManager.page_left_grace.default_value + 1)
        second = urllib.request.urlopen(f"{served.base}voila/render/index.ipynb", timeout=60).read().decode()
        assert (
            "首页" in second and kernel.group(1) not in second
        )  # a kernel of its own, the left one shut down
        assert time.monotonic() - left < 30  # before the culler's idle timeout (30 s, looked for every 10 s)
        assert "its page left" in served.log.read_text(encoding="utf-8")
