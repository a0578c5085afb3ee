"""Instant pages and capacity (issue 21 items 1 and 7), in one run:

* ``first_data``: in a real Chromium, the time from ``page.goto`` to each dashboard's first data, served from a pool
  of preheated kernels (``hazard serve --pool``), against the one-button Voilà page served by a second server
  without a pool (the ratio's target: at most 0.3).
* ``capacity``: ``sessions`` simulated clerks at once (12 counties in turn, each logged in with an account of its
  county), each a client that does what the browser does on the wire: log in, fetch the page, open the kernel's
  websocket and ask the widget manager for every widget's state (``jupyter.widget.control`` ``request_states``, as
  ipywidgets 8's frontend does). Its first data is the moment the states arrive; a page whose states never arrive,
  or whose app is the "unavailable" one, is blank. The server's memory (the resident memory of its process group:
  Voilà and every kernel) is sampled throughout.

Both are bounded: every wait has a limit, and a run stops itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import statistics
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from .tracker import BUTTON, CHROMIUM, CHROMIUM_ARGS, FIRST_DATA, _load, serving, warmed_up

# What shows each dashboard's first data from the store (the tracker paints its figures after its frame).
PAGES = {
    "index": ".hz-app:not(.hz-unavailable)",
    "ledger": ".hz-app:not(.hz-unavailable)",
    "inspection": ".hz-app:not(.hz-unavailable)",
    "selfcheck": ".hz-app:not(.hz-unavailable)",
    "spotchecks": ".hz-app:not(.hz-unavailable)",
    "exports": ".hz-app:not(.hz-unavailable)",
    "tracker": FIRST_DATA,
}
COUNTIES = ("522701", "522702", "522722", "522723", "522725", "522726",
            "522727", "522728", "522729", "522730", "522731", "522732")  # fmt: skip
PASSWORD = "bench-password-1"
PAGE_LIMIT = float(
    os.environ.get("HAZARD_BENCH_PAGE_LIMIT") or 240
)  # seconds a simulated page may take before it counts as blank


def first_data(url: str, repeat: int, pool: int = 1) -> dict[str, Any]:
    """Median seconds to each dashboard's first data from the pool, and to the one-button page without one."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError(f"没有 {CHROMIUM}：apt-get install -y chromium fonts-noto-cjk")
    plain_dir, pooled_dir = (Path(tempfile.mkdtemp(prefix=f"bench-pages-{k}-")) for k in ("plain", "pool"))
    times: dict[str, list[float]] = {k: [] for k in [*PAGES, "baseline"]}
    try:
        with (
            serving(url, plain_dir) as plain,
            serving(url, pooled_dir, pool=pool) as pooled,
            sync_playwright() as p,
        ):
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                _load(browser, f"{plain}voila/render/baseline.ipynb", BUTTON)  # warm-up: disk caches, imports
                filled = warmed_up(pooled_dir)
                for _ in range(max(1, repeat)):
                    times["baseline"].append(_load(browser, f"{plain}voila/render/baseline.ipynb", BUTTON))
                    for name, selector in PAGES.items():
                        # a clerk reads a page before opening the next: the pool has refilled by then
                        wait_until_filled(pooled_dir, filled)
                        times[name].append(_load(browser, f"{pooled}voila/render/{name}.ipynb", selector))
                        filled += 1
            finally:
                browser.close()
    finally:
        for folder in (plain_dir, pooled_dir):
            shutil.rmtree(folder, ignore_errors=True)
    return {k: statistics.median(v) for k, v in times.items()}


def wait_until_filled(workdir: Path, times: int, limit: float = 300) -> None:
    """Wait (at most ``limit`` seconds) until ``times`` preheated kernels have warmed up in all."""
    deadline = time.monotonic() + limit
    while warmed_up(workdir) < times and time.monotonic() < deadline:
        time.sleep(0.5)


# -- the simulated clerks ----------------------------------------------------------------------------------


def server_memory_mb(workdir: Path) -> float:
    """Resident memory of the server and every process under it (Voilà and its kernels, which jupyter_client
    starts in sessions of their own), in MB, from /proc."""
    root = int((workdir / "server.pid").read_text())
    parents: dict[int, int] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            parents[int(pid)] = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, grown = {root}, True
    while grown:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grown = bool(more)
    total = 0
    for pid in tree:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    return total / 2**20


class Clerk:
    """One simulated browser: its cookies, speaking HTTP and the kernel websocket as the page's scripts do."""

    def __init__(self, base: str, name: str):
        self.base, self.name = base, name
        self.cookies: dict[str, str] = {}
        self.http = AsyncHTTPClient(max_clients=200)

    def _cookie_header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def _keep(self, headers: Any) -> None:
        for raw in headers.get_list("Set-Cookie"):
            for key, morsel in SimpleCookie(raw).items():
                self.cookies[key] = morsel.value

    async def fetch(self, path: str, **kw: Any) -> Any:
        request = HTTPRequest(self.base + path, headers=self._cookie_header(), follow_redirects=False,
                              request_timeout=PAGE_LIMIT, **kw)  # fmt: skip
        try:
            response = await self.http.fetch(request)
        except HTTPClientError as exc:
            if exc.response is None or exc.code not in (302, 303):
                raise
            response = exc.response
        self._keep(response.headers)
        return response

    async def log_in(self) -> None:
        await self.fetch("login")
        form = urllib.parse.urlencode(
            {"username": self.name, "password": PASSWORD, "_xsrf": self.cookies["_xsrf"]}
        )
        await self.fetch("login?next=/", method="POST", body=form)
        if "hazard-login" not in self.cookies:
            raise RuntimeError(f"{self.name} 登录失败")

    async def open_page(self, page: str) -> dict[str, Any]:
        """Fetch ``page`` and its widgets' states; seconds to first data, and whether the page was blank."""
        start = time.perf_counter()
        html = (await self.fetch(f"voila/render/{page}.ipynb")).body.decode()
        kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"', html)
        if not kernel:
            return {"seconds": time.perf_counter() - start, "blank": True, "why": "no kernel"}
        port = urllib.parse.urlsplit(self.base).port
        session = uuid.uuid4().hex
        ws = await websocket_connect(HTTPRequest(
            f"ws://127.0.0.1:{port}/api/kernels/{kernel.group(1)}/channels?session_id={session}",
            headers=self._cookie_header()))  # fmt: skip
        try:
            comm = uuid.uuid4().hex
            for msg_type, content in (
                ("comm_open", {"comm_id": comm, "target_name": "jupyter.widget.control", "data": {}}),
                ("comm_msg", {"comm_id": comm, "data": {"method": "request_states"}}),
            ):
                await ws.write_message(json.dumps(_message(session, msg_type, content)))
            states = await asyncio.wait_for(_states(ws, comm), PAGE_LIMIT)
        finally:
            ws.close()
        classes = [c for s in states.values() for c in s.get("state", {}).get("_dom_classes", [])]
        blank = "hz-app" not in classes or "hz-unavailable" in classes
        return {"seconds": time.perf_counter() - start, "blank": blank, "why": "unavailable" if blank else ""}


def _message(session: str, msg_type: str, content: dict[str, Any]) -> dict[str, Any]:
    # ipywidgets checks the control protocol's version in the comm_open's metadata, as its frontend sends it
    metadata = {"version": "1.0.0"} if msg_type == "comm_open" else {}
    header = {"msg_id": uuid.uuid4().hex, "username": "", "session": session, "msg_type": msg_type,
              "version": "5.3", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}  # fmt: skip
    return {"header": header, "parent_header": {}, "metadata": metadata, "content": content, "channel": "shell",
            "buffers": []}  # fmt: skip


async def _states(ws: Any, comm: str) -> dict[str, Any]:
    while True:
        raw = await ws.read_message()
        if raw is None:
            raise RuntimeError("内核连接已断开")
        msg = json.loads(_json_part(raw) if isinstance(raw, bytes) else raw)
        data = msg.get("content", {}).get("data", {})
        mine = msg.get("header", {}).get("msg_type") == "comm_msg" and msg["content"].get("comm_id") == comm
        if mine and data.get("method") == "update_states":
            return dict(data.get("states", {}))


def _json_part(frame: bytes) -> bytes:
    """The JSON message of a binary websocket frame (a message with buffers): jupyter_server's layout is the
    number of parts, their offsets (4-byte big-endian each), then the parts, the message first."""
    parts = int.from_bytes(frame[:4], "big")
    offsets = [int.from_bytes(frame[4 + 4 * i : 8 + 4 * i], "big") for i in range(parts)]
    return frame[offsets[0] : offsets[1] if parts > 1 else len(frame)]


def capacity(url: str, sessions: int, pool: int = 1, page: str = "ledger") -> dict[str, Any]:
    """``sessions`` simulated clerks (12 counties in turn) open ``page`` at once on a logged-in server; the
    single-clerk figure is measured on the same server first."""
    from hazardlib.accounts import add_user
    from hazardlib.store import open_store

    store = open_store(url, user="基准测试管理员")
    names = [f"基准{code}" for code in COUNTIES]
    existing = {row for row in names if _has_account(store, row)}
    for name, code in zip(names, COUNTIES, strict=True):
        if name not in existing:
            add_user(store, name, code, PASSWORD)
    store.dispose()
    workdir = Path(tempfile.mkdtemp(prefix="bench-capacity-"))
    try:
        with serving(url, workdir, pool=pool, login=True) as base:
            return asyncio.run(_capacity(base, workdir, names, sessions, page))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _has_account(store: Any, name: str) -> bool:
    from hazardlib.accounts import get_account

    return get_account(store, name) is not None


async def _capacity(base: str, workdir: Path, names: list[str], sessions: int, page: str) -> dict[str, Any]:
    single = Clerk(base, names[0])
    await single.log_in()
    alone = [await single.open_page(page) for _ in range(2)][-1]["seconds"]
    clerks = [Clerk(base, names[i % len(names)]) for i in range(sessions)]
    await asyncio.gather(*(c.log_in() for c in clerks))
    peak = server_memory_mb(workdir)
    running = True

    async def sample() -> None:
        nonlocal peak
        while running:
            peak = max(peak, server_memory_mb(workdir))
            await asyncio.sleep(1)

    sampler = asyncio.ensure_future(sample())
    outcomes = await asyncio.gather(*(c.open_page(page) for c in clerks), return_exceptions=True)
    running = False
    await sampler
    done = [o for o in outcomes if isinstance(o, dict)]
    return {
        "single": alone,
        "median": statistics.median(o["seconds"] for o in done) if done else float("nan"),
        "blank": sum(o["blank"] for o in done) + (len(outcomes) - len(done)),
        "errors": sorted({repr(o)[:200] for o in outcomes if not isinstance(o, dict)}),
        "peak_mb": peak,
        "sessions": sessions,
    }


def iter_rows(result: dict[str, Any]) -> Iterator[tuple[str, float, float]]:
    """(page, seconds from the pool, seconds of the one-button page without a pool)."""
    for name in PAGES:
        yield name, result[name], result["baseline"]
