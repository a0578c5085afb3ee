"""Instant pages and capacity (issue 21 items 1 and 7), in one run:

* ``first_data``: in a real Chromium, the time from ``page.goto`` to each dashboard's first data, served from a pool
  of preheated kernels (``hazard serve --pool``), against the one-button Voilà page served by a second server
  as Voilà serves a page: without a pool, each kernel started anew (``--no-fork-kernels``), the per-visit start
  the issue's target is measured against (at most 0.3). Kernels forked from the zygote are one of the
  workbook's ways to show pages sooner, as the pool is: the baseline has neither.
* ``capacity``: ``sessions`` simulated clerks at once (12 counties in turn, each logged in with an account of its
  county), each a client that does what the browser does on the wire: log in, fetch the page, open the kernel's
  websocket and ask the widget manager for every widget's state (``jupyter.widget.control`` ``request_states``, as
  ipywidgets 8's frontend does). Its first data is the moment the states arrive; a page whose states never arrive,
  whose app is the "unavailable" one, or whose HTML carries no widget (a browser would draw nothing), is blank
  once it has been reopened as the page template would. First all at once (the burst: every clerk opens the
  ledger within ``ramp`` seconds and records a step at once), then as a working office (:class:`Schedule`: logged
  in together, each clerk opening a page, reading it for tens of seconds, saving, opening the next), then
  ``browsers`` real Chromium sessions. The single-clerk figure of each page opened is measured first, on the same
  server. The server's memory (its process group: Voilà and every kernel; resident and proportional) is sampled
  throughout.

Both are bounded: every wait has a limit, and a run stops itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import statistics
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from hazardlib.serve import available_memory_mb

from .tracker import (
    BUTTON,
    CHROMIUM,
    CHROMIUM_ARGS,
    FIRST_DATA,
    FIRST_PAINT_DATA,
    WATCH,
    serving,
    time_to_first_data,
    times_to,
    warmed_up,
)

# What shows each dashboard's first data from the store (the tracker paints its figures after its frame).
PAGES = {
    "index": ".hz-app:not(.hz-unavailable)",
    "ledger": ".hz-app:not(.hz-unavailable)",
    "inspection": ".hz-app:not(.hz-unavailable)",
    "selfcheck": ".hz-app:not(.hz-unavailable)",
    "spotchecks": ".hz-app:not(.hz-unavailable)",
    "exports": ".hz-app:not(.hz-unavailable)",
    "submissions": ".hz-app:not(.hz-unavailable)",
    "tracker": FIRST_DATA,
}
# What shows a dashboard's first data in its first paint (the HTML the page's template writes in before any
# script: hazardlib.apps.base.Opening), on the pages that have one. The first data visible to the clerk is
# whichever shows first, this or the live app's (PAGES).
FIRST_PAINT = {
    "index": ".hz-first-paint .hz-todo-list li",
    "ledger": ".hz-first-paint table.hz-table td",
    "tracker": FIRST_PAINT_DATA,
    "inspection": ".hz-first-paint .hz-summary b",
    "selfcheck": ".hz-first-paint .hz-summary b",
    "spotchecks": ".hz-first-paint .hz-spot-batches td, .hz-first-paint .hz-spot-batches .hz-note",
    "exports": ".hz-first-paint table.hz-overview td",
    "submissions": ".hz-first-paint table.hz-sub-counties td, .hz-first-paint .hz-sub-current, "
    ".hz-first-paint .hz-note",
}
COUNTIES = ("522701", "522702", "522722", "522723", "522725", "522726",
            "522727", "522728", "522729", "522730", "522731", "522732")  # fmt: skip
PASSWORD = "bench-password-1"
AGAIN_MAX = 5  # the page template reloads an "unavailable" page this many times at most
# The widget output of a notebook's cell, in the page's HTML: without one a browser draws nothing.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# When the browser asked for the page it shows, in milliseconds of the epoch (the clock the page's frames are
# noted by): after a login's answer sent it there, the time its request for the page began.
SENT_FOR = "performance.timeOrigin + performance.getEntriesByType('navigation')[0].fetchStart"
PAGE_LIMIT = float(
    os.environ.get("HAZARD_BENCH_PAGE_LIMIT") or 240
)  # seconds a simulated page may take before it counts as blank


def first_data(url: str, repeat: int, pool: int = 1) -> dict[str, Any]:
    """Median seconds to each dashboard's first data from the pool, and to the one-button page without one:
    ``<page>``, to the live app's first data (:data:`PAGES`); ``<page>_first``, to the first data visible to
    the clerk, whichever comes first of the first paint (:data:`FIRST_PAINT`) and the live app's, in the same
    page loads."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError(f"没有 {CHROMIUM}：apt-get install -y chromium fonts-noto-cjk")
    plain_dir, pooled_dir = (Path(tempfile.mkdtemp(prefix=f"bench-pages-{k}-")) for k in ("plain", "pool"))
    times: dict[str, list[float]] = {k: [] for k in [*PAGES, *(f"{n}_first" for n in PAGES), "baseline"]}
    try:
        with (
            serving(url, plain_dir, fork_kernels=False) as plain,
            serving(url, pooled_dir, pool=pool) as pooled,
            sync_playwright() as p,
        ):
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                time_to_first_data(
                    browser, f"{plain}voila/render/baseline.ipynb", BUTTON
                )  # warm-up: disk caches, imports
                filled = warmed_up(pooled_dir)
                for _ in range(max(1, repeat)):
                    times["baseline"].append(
                        time_to_first_data(browser, f"{plain}voila/render/baseline.ipynb", BUTTON)
                    )
                    for name in PAGES:
                        # a clerk reads a page before opening the next: the pool has refilled by then
                        wait_until_filled(pooled_dir, filled)
                        first, live = load_both(browser, f"{pooled}voila/render/{name}.ipynb", name)
                        times[name].append(live)
                        times[f"{name}_first"].append(first)
                        filled += 1
            finally:
                browser.close()
    finally:
        for folder in (plain_dir, pooled_dir):
            shutil.rmtree(folder, ignore_errors=True)
    return {k: statistics.median(v) for k, v in times.items()}


def load_both(browser: Any, url: str, name: str) -> tuple[float, float]:
    """Open dashboard ``name`` at ``url`` in a fresh browser context: seconds from ``page.goto`` to the first data
    visible to the clerk (the first paint's or the live app's, whichever first) and to the live app's."""
    shown = ", ".join(filter(None, (FIRST_PAINT.get(name), PAGES[name])))
    first, live = times_to(browser, url, [shown, PAGES[name]])
    return first, live


def wait_until_filled(workdir: Path, times: int, limit: float = 300) -> None:
    """Wait (at most ``limit`` seconds) until ``times`` preheated kernels have warmed up in all."""
    deadline = time.monotonic() + limit
    while warmed_up(workdir) < times and time.monotonic() < deadline:
        time.sleep(0.5)


# -- the simulated clerks ----------------------------------------------------------------------------------


def server_processes(workdir: Path) -> set[int]:
    """The server and every process under it (Voilà and its kernels, which jupyter_client starts in sessions of
    their own), from /proc."""
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
    return tree


def server_memory_mb(workdir: Path) -> float:
    """Resident memory of the server and every process under it, in MB: each process's resident set summed, so
    pages the processes share (the Python interpreter's, the libraries') count once per process. An upper bound."""
    total = 0
    for pid in server_processes(workdir):
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    return total / 2**20


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    except OSError:
        return ""


def is_forked(pid: int) -> bool:
    """Whether ``pid`` is a kernel forked from the zygote (its parent's command line is the zygote's, as its own)."""
    try:
        parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return False
    return "hazardlib.zygote" in command_line(parent)


def server_pss_mb(workdir: Path) -> tuple[float, int, float]:
    """The proportional memory of the server and every process under it (each shared page divided among the
    processes sharing it: what they take from the machine together), in MB; how many kernels there are; and their
    private memory summed (USS: the pages of a kernel no other process shares, what shutting it down gives back),
    in MB."""
    total, kernels, private = 0, 0, 0
    processes = server_processes(workdir)
    zygotes = {pid for pid in processes if "hazardlib.zygote" in command_line(pid) and not is_forked(pid)}
    for pid in processes:
        try:
            rollup = dict(
                line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
            )
        except (OSError, ValueError):
            continue
        size = {key: int(value.split()[0]) for key, value in rollup.items()}
        total += size.get("Pss", 0)
        # A kernel forked from the zygote keeps the zygote's command line; the zygote itself is no kernel.
        if "ipykernel" in command_line(pid) or (pid not in zygotes and is_forked(pid)):
            kernels += 1
            private += size.get("Private_Clean", 0) + size.get("Private_Dirty", 0)
    return total / 1024, kernels, private / 1024


def available_mb() -> float:
    """The machine's MemAvailable (/proc/meminfo), in MB: what it could still give programs without swapping (as
    ``hazard serve`` reads it for its kernel bound); NaN where it is not known."""
    available = available_memory_mb()
    return float("nan") if available is None else available


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
        headers = {**self._cookie_header(), **kw.pop("headers", {})}
        request = HTTPRequest(self.base + path, headers=headers, follow_redirects=False,
                              request_timeout=PAGE_LIMIT, **kw)  # fmt: skip
        try:
            response = await self.http.fetch(request)
        except HTTPClientError as exc:
            if exc.response is None or exc.code not in (302, 303, 503):
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

    async def open_page(self, page: str, save: int | None = None, read: float = 0.0) -> dict[str, Any]:
        """Open ``page`` as the browser does (:meth:`open_once`), and again, as the page template does, while it
        is the "unavailable" page (at most :data:`AGAIN_MAX` times, waiting 5 s more each time): seconds to first
        data from the first try, whether the page stayed blank, and why each try was unavailable. ``read``:
        seconds the clerk reads the page once its data shows, before saving (``save``) and closing it."""
        start = time.perf_counter()
        reasons: list[str] = []
        while True:
            tried = time.perf_counter() - start
            outcome = await self.open_once(page, save, read)
            if outcome["why"] not in ("unavailable", "no widget"):
                break
            reasons.append(outcome["said"])
            if len(reasons) > AGAIN_MAX or time.perf_counter() - start > PAGE_LIMIT:
                break
            await asyncio.sleep(min(30, 5 * len(reasons)))
        # first data counted from the first try, without the reading and the save that follow it ("closed")
        return {**outcome, "seconds": tried + outcome["seconds"], "closed": time.perf_counter() - start,
                "unavailable": reasons}  # fmt: skip

    async def open_once(self, page: str, save: int | None = None, read: float = 0.0) -> dict[str, Any]:
        """Fetch ``page`` (again while the server says it is busy, as the page itself does) and its widgets'
        states: seconds to first data, and whether the page was blank; with ``save``, then record a ledger
        step on the ``save``-th hazard of the list (:class:`LedgerStep`). The kernel is shut down at the end,
        as the browser asks when a page closes."""
        start = time.perf_counter()
        began = time.strftime("%H:%M:%S")  # to find the page in the server's logs
        retries = 0
        while True:
            response = await self.fetch(f"voila/render/{page}.ipynb")
            if response.code != 503 or time.perf_counter() - start > PAGE_LIMIT:
                break
            retries += 1
            await asyncio.sleep(3)  # the busy page waits a few seconds, then loads itself again
        html = response.body.decode()
        fetched = time.perf_counter() - start  # the page's HTML complete: the notebook has run in its kernel
        kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"', html)
        if kernel and WIDGET_VIEW not in html:
            # the notebook ran, but no widget reached the page: a browser draws nothing (and the page template
            # loads it again); the kernel, which has its widgets, is released as the page does
            with contextlib.suppress(Exception):
                await self.fetch(f"voila/api/shutdown/{kernel.group(1)}", method="POST", body="",
                                 headers={"X-XSRFToken": self.cookies.get("_xsrf", "")})  # fmt: skip
            return {"seconds": time.perf_counter() - start, "blank": True, "why": "no widget", "retries": retries,
                    "began": began, "html": fetched, "kernel": kernel.group(1)[:8],
                    "said": "页面中没有控件（其输出未及时送到服务器）"}  # fmt: skip
        if not kernel:
            return {"seconds": time.perf_counter() - start, "blank": True, "why": f"no kernel ({response.code})",
                    "retries": retries, "began": began, "html": fetched}  # fmt: skip
        port = urllib.parse.urlsplit(self.base).port
        widgets = Widgets(uuid.uuid4().hex)
        ws = await websocket_connect(HTTPRequest(
            f"ws://127.0.0.1:{port}/api/kernels/{kernel.group(1)}/channels?session_id={widgets.session}",
            headers=self._cookie_header()))  # fmt: skip
        connected = time.perf_counter() - start
        try:
            states = await asyncio.wait_for(widgets.request_states(ws), PAGE_LIMIT)
            seconds = time.perf_counter() - start
            classes = [c for s in states.values() for c in s.get("_dom_classes", [])]
            blank = "hz-app" not in classes or "hz-unavailable" in classes
            said = [re.sub(r"<[^>]+>", "", str(s.get("value", ""))) for s in states.values()]
            outcome: dict[str, Any] = {"seconds": seconds, "blank": blank, "why": "unavailable" if blank else "",
                                       "retries": retries, "began": began, "html": fetched, "ws": connected,
                                       "kernel": kernel.group(1)[:8],
                                       "said": next((t for t in said if "无法打开" in t), "")[:160]}  # fmt: skip
            if read and not blank:
                await asyncio.sleep(read)
            if save is not None and not blank:
                outcome["saved"] = await asyncio.wait_for(LedgerStep(widgets, ws).record(save), PAGE_LIMIT)
            return outcome
        finally:
            ws.close()
            with contextlib.suppress(Exception):
                await self.fetch(f"voila/api/shutdown/{kernel.group(1)}", method="POST", body="",
                                 headers={"X-XSRFToken": self.cookies.get("_xsrf", "")})  # fmt: skip


class Widgets:
    """The widget models of one page as its frontend knows them: their states, kept up to date from the
    kernel's messages, and messages to the kernel as the widgets' views send them."""

    def __init__(self, session: str):
        self.session = session
        self.states: dict[str, dict[str, Any]] = {}

    def _apply(self, msg: dict[str, Any]) -> None:
        kind, content = msg.get("header", {}).get("msg_type"), msg.get("content", {})
        data = content.get("data", {})
        if kind == "comm_open" and "state" in data:
            self.states[content["comm_id"]] = dict(data["state"])
        elif kind == "comm_msg" and data.get("method") == "update":
            self.states.setdefault(content["comm_id"], {}).update(data.get("state", {}))

    async def _read(self, ws: Any) -> dict[str, Any]:
        raw = await ws.read_message()
        if raw is None:
            raise RuntimeError("内核连接已断开")
        msg: dict[str, Any] = json.loads(json_part(raw) if isinstance(raw, bytes) else raw)
        self._apply(msg)
        return msg

    async def request_states(self, ws: Any) -> dict[str, dict[str, Any]]:
        comm = uuid.uuid4().hex
        for msg_type, content in (
            ("comm_open", {"comm_id": comm, "target_name": "jupyter.widget.control", "data": {}}),
            ("comm_msg", {"comm_id": comm, "data": {"method": "request_states"}}),
        ):
            await ws.write_message(json.dumps(kernel_message(self.session, msg_type, content)))
        while True:
            msg = await self._read(ws)
            data = msg.get("content", {}).get("data", {})
            mine = (
                msg.get("header", {}).get("msg_type") == "comm_msg" and msg["content"].get("comm_id") == comm
            )
            if mine and data.get("method") == "update_states":
                for model, state in data.get("states", {}).items():
                    self.states[model] = dict(state.get("state", {}))
                return self.states

    async def send(self, ws: Any, model: str, data: dict[str, Any]) -> None:
        """Send ``data`` to widget ``model`` and wait until the kernel has handled it (its idle status), every
        update it caused applied."""
        msg = kernel_message(self.session, "comm_msg", {"comm_id": model, "data": data})
        await ws.write_message(json.dumps(msg))
        while True:
            reply = await self._read(ws)
            idle = reply.get("header", {}).get("msg_type") == "status" and (
                reply["content"].get("execution_state") == "idle"
            )
            if idle and reply.get("parent_header", {}).get("msg_id") == msg["header"]["msg_id"]:
                return

    def find(self, css: str) -> str:
        """The model id of the one widget with the class ``css``."""
        found = [m for m, s in self.states.items() if css in s.get("_dom_classes", [])]
        if len(found) != 1:
            raise RuntimeError(f"页面上有 {len(found)} 个 {css}")
        return found[0]


class LedgerStep:
    """A clerk records the next step of one hazard on the ledger page, as in the browser: pick it in the list,
    open it, choose the first step offered (and its first outcome), and click 登记."""

    def __init__(self, widgets: Widgets, ws: Any):
        self.w, self.ws = widgets, ws

    def control(self, css: str) -> str:
        """The model id of the control with the class ``css`` that takes a choice: a list of choices
        (``ui.choice_list``, a box) shows its options in the one radio list it holds now; a dropdown is its own."""
        found = self.w.find(css)
        held = [c.removeprefix("IPY_MODEL_") for c in self.w.states[found].get("children", [])]
        radios = [c for c in held if "hz-choices" in self.w.states.get(c, {}).get("_dom_classes", [])]
        return radios[-1] if radios else found

    def labels(self, css: str) -> list[str]:
        return list(self.w.states[self.control(css)].get("_options_labels", []))

    async def choose(self, css: str, index: int) -> None:
        await self.w.send(self.ws, self.control(css), {"method": "update", "state": {"index": index},
                                                       "buffer_paths": []})  # fmt: skip

    async def click(self, css: str) -> None:
        await self.w.send(self.ws, self.w.find(css), {"method": "custom", "content": {"event": "click"}})

    async def record(self, which: int, stride: int = 5) -> dict[str, Any]:
        """Record a step on the ``which``-th hazard of the list, or if it has no step to record now (closed),
        on the ``which + stride``-th and so on, then from the first of those (``which % stride``): the clerks of
        one county each take hazards of their own. A clerk none of whose hazards has a step to record saves
        nothing (``none``): not a failed save, the list is too short for that many saves; a list with no hazard at
        all is a failed save (every county of the demo has hazards)."""
        labels = self.labels("hz-input-pick")
        # every county of the demo has hazards: a list without any is a page that failed the clerk
        if not labels:
            return {"ok": False, "why": "台账的隐患列表是空的", "hazard": None}
        for index in [
            *range(which, len(labels), stride),
            *range(which % stride, min(which, len(labels)), stride),
        ]:
            hazard = int(re.sub(r"\D", "", labels[index].split()[1]))
            await self.choose("hz-input-pick", index)
            await self.click("hz-btn-open")
            if len(self.labels("hz-input-move")) < 2:
                continue
            await self.choose("hz-input-move", 1)
            if len(self.labels("hz-input-outcome")) > 1:
                await self.choose("hz-input-outcome", 1)
            await self.click("hz-btn-move")
            said = str(self.w.states[self.w.find("hz-status")].get("value", ""))
            return {"ok": "已登记" in said, "why": re.sub(r"<[^>]+>", "", said)[:120], "hazard": hazard}
        return {"ok": False, "none": True, "why": f"列表的 {len(labels)} 条中没有可登记的", "hazard": None}


def kernel_message(session: str, msg_type: str, content: dict[str, Any]) -> dict[str, Any]:
    """A shell-channel message of the kernel protocol, as a page's script sends it over the websocket."""
    # ipywidgets checks the control protocol's version in the comm_open's metadata, as its frontend sends it
    metadata = {"version": "1.0.0"} if msg_type == "comm_open" else {}
    header = {"msg_id": uuid.uuid4().hex, "username": "", "session": session, "msg_type": msg_type,
              "version": "5.3", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}  # fmt: skip
    return {"header": header, "parent_header": {}, "metadata": metadata, "content": content, "channel": "shell",
            "buffers": []}  # fmt: skip


def json_part(frame: bytes) -> bytes:
    """The JSON message of a binary websocket frame (a message with buffers): jupyter_server's layout is the
    number of parts, their offsets (4-byte big-endian each), then the parts, the message first."""
    parts = int.from_bytes(frame[:4], "big")
    offsets = [int.from_bytes(frame[4 + 4 * i : 8 + 4 * i], "big") for i in range(parts)]
    return frame[offsets[0] : offsets[1] if parts > 1 else len(frame)]


def clerk_names(sessions: int) -> list[tuple[str, str]]:
    """(account, county) of each simulated clerk: the 12 counties in turn, each clerk an account of their own."""
    return [(f"基准{COUNTIES[i % 12]}-{i // 12 + 1}", COUNTIES[i % 12]) for i in range(sessions)]


def capacity(
    url: str,
    sessions: int,
    pool: int = 1,
    page: str = "ledger",
    ramp: float = 0.0,
    browsers: int = 12,
    keep: Path | None = None,
    schedule: Schedule | None = None,
) -> dict[str, Any]:
    """``sessions`` simulated clerks (12 counties in turn, each with an account of their own) open ``page`` and
    record a ledger step, starting within ``ramp`` seconds (0: all at once: the burst), on a logged-in server;
    then, with ``schedule``, the same clerks log in again together and work through it (:class:`Schedule`); then
    ``browsers`` real Chromium sessions (one per county) open ``page`` at once. The single-clerk figure of every
    page opened is measured on the same server first. Afterwards every step recorded is checked in the store: by
    the clerk who meant it, on the hazard they picked, in their own county. ``keep``: a folder that receives the
    server's log, the dashboards' log, every clerk's outcome and what each browser saw (console, page errors,
    loads, screenshot)."""
    from hazardlib.accounts import add_user, get_account
    from hazardlib.store import open_store

    clerks = clerk_names(max(sessions, browsers))
    store = open_store(url, user="基准测试管理员")
    for name, code in clerks:
        if get_account(store, name) is None:
            add_user(store, name, code, PASSWORD)
    store.dispose()
    workdir = Path(tempfile.mkdtemp(prefix="bench-capacity-"))
    before = available_mb()
    try:
        with serving(url, workdir, pool=pool, login=True) as base:
            result = asyncio.run(_capacity(base, workdir, clerks[:sessions], page, ramp, schedule))
            if browsers:
                asyncio.run(settle(workdir))
                _mark(workdir, "the simulated clerks are done; the browsers start")
                result["browsers"] = asyncio.run(_browsers(base, workdir, clerks[:browsers], page))
        # What the machine lost from before the server started to the lowest point of each phase: the server's
        # memory as the machine sees it, with whatever else changed on it meanwhile (the benchmark's own client
        # and browsers, other programs).
        for part in (result, result.get("schedule"), result.get("browsers")):
            if part is not None:
                part.update(available_before_mb=before, machine_lost_mb=before - part["available_lowest_mb"])
        result["wrong"] = wrong_records(url, result.pop("steps"))
        return result
    finally:
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            for name in (
                "serve.log",
                "app.log",
                "phases.log",
                "clerks.json",
                "schedule.json",
                "browsers.json",
            ):
                if (workdir / name).exists():
                    shutil.copy2(workdir / name, keep / name)
            for shot in workdir.glob("browser-*.png"):
                shutil.copy2(shot, keep / shot.name)
        shutil.rmtree(workdir, ignore_errors=True)


def _mark(workdir: Path, text: str) -> None:
    """When a phase began, in ``phases.log`` (the server's own log has no times on most lines, and its writer
    would overwrite lines appended to it)."""
    with open(workdir / "phases.log", "a", encoding="utf-8") as log:
        log.write(f"=== {time.strftime('%H:%M:%S')} benchmark: {text}\n")


class MemorySampler:
    """The server's peak memory while in use (``async with``): resident memory summed each second, proportional
    memory (and the kernels alive then, with their private memory) every fifth second, reading it costing more;
    and the lowest MemAvailable of the machine seen meanwhile (:func:`capacity` compares it with the value before
    the server started)."""

    def __init__(self, workdir: Path):
        self.workdir, self.peak, self._running = workdir, server_memory_mb(workdir), True
        self.peak_pss, self.kernels, self.private = 0.0, 0, 0.0
        self.lowest = available_mb()

    async def _sample(self) -> None:
        tick = 0
        while self._running:
            self.peak = max(self.peak, server_memory_mb(self.workdir))
            self.lowest = min(self.lowest, available_mb())
            if tick % 5 == 0:
                pss, kernels, private = server_pss_mb(self.workdir)
                if pss > self.peak_pss:
                    self.peak_pss, self.kernels, self.private = pss, kernels, private
            tick += 1
            await asyncio.sleep(1)

    async def __aenter__(self) -> MemorySampler:
        self._task = asyncio.ensure_future(self._sample())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._running = False
        await self._task

    def figures(self) -> dict[str, float]:
        return {"peak_mb": self.peak, "peak_pss_mb": self.peak_pss, "kernels_at_peak": self.kernels,
                "kernel_uss_mb": self.private / self.kernels if self.kernels else float("nan"),
                "available_lowest_mb": self.lowest}  # fmt: skip


@dataclass(frozen=True)
class Schedule:
    """A working office rather than a burst: every clerk logs in at the same moment, then works through ``rounds``
    rounds of opening the landing page and reading it, then the ledger, reading it and recording a step there
    (closing each page before opening the next, as a browser does when the clerk follows a link).

    ``read``: seconds a clerk spends on a page once its data shows, drawn uniformly between the two bounds for
    every page: on the landing page, reading the to-do list; on the ledger, finding the hazard in the paperwork,
    picking it and choosing its next step before clicking 登记. Half a minute is quick for that, a minute and a
    half ordinary; the brief asked for tens of seconds. ``start``: each clerk's first page comes at a moment
    drawn uniformly within this many seconds after the logins, because clerks who logged in together are not
    all at the same point of their work a moment later (they start with another task, a phone call, a paper
    file). The draws come from ``seed``, so every run has the same schedule."""

    rounds: int = 2
    read: tuple[float, float] = (30.0, 90.0)
    start: float = 60.0
    seed: int = 7
    pages: tuple[str, ...] = ("index", "ledger")  # the last one is where the clerk saves

    def describe(self) -> str:
        return (
            f"同时登录后，每人首个页面在 0–{self.start:g} 秒内随机开始；每轮打开{'、'.join(self.pages)}，"
            f"每页阅读 {self.read[0]:g}–{self.read[1]:g} 秒（均匀随机，种子 {self.seed}），"
            f"在 {self.pages[-1]} 上登记一步；共 {self.rounds} 轮"
        )


def p90(values: list[float]) -> float:
    """The 90th percentile (statistics' exclusive method; the largest value below ten values)."""
    if len(values) < 10:
        return max(values) if values else float("nan")
    return statistics.quantiles(values, n=10)[-1]


def summary(outcomes: list[Any], named: list[tuple[str, str]]) -> dict[str, Any]:
    """Medians, counts and reasons over page outcomes (dicts from :meth:`Clerk.open_page`, or exceptions), each
    with the (account, county) of its clerk in ``named``."""
    done = [o for o in outcomes if isinstance(o, dict)]
    meant = [o for o in done if o.get("meant_save")]
    saved = [o.get("saved") or {"ok": False, "why": o["why"] or "页面空白", "hazard": None} for o in meant]
    steps = [(name, county, s["hazard"]) for (name, county), o in zip(named, outcomes, strict=True)
             if isinstance(o, dict) and (s := o.get("saved")) and s["ok"]]  # fmt: skip
    seconds = [o["seconds"] for o in done]
    failed = [s for s in saved if not s["ok"] and not s.get("none")]
    return {
        "pages": len(outcomes),
        "median": statistics.median(seconds) if seconds else float("nan"),
        "p90": p90(seconds),
        "blank": sum(o["blank"] for o in done) + (len(outcomes) - len(done)),
        "saves": len(meant) + sum(isinstance(o, BaseException) for o in outcomes),
        "failed_saves": len(failed) + sum(isinstance(o, BaseException) for o in outcomes),
        "nothing_to_record": sum(bool(s.get("none")) for s in saved),
        "save_errors": sorted({s["why"] for s in failed})[:5],
        "retries": sum(o.get("retries", 0) for o in done),
        "unavailable": sum(len(o.get("unavailable", [])) for o in done),
        "unavailable_why": sorted(
            {re.sub(r"（记录号 \w+）", "", w) for o in done for w in o.get("unavailable", [])}
        )[:5],
        "errors": sorted({repr(o)[:200] for o in outcomes if not isinstance(o, dict)}),
        "steps": steps,
    }


def _dump(workdir: Path, name: str, outcomes: list[Any]) -> None:
    (workdir / name).write_text(
        json.dumps([o if isinstance(o, dict) else repr(o) for o in outcomes], ensure_ascii=False, indent=1),
        encoding="utf-8",
    )


async def _capacity(
    base: str, workdir: Path, clerks: list[tuple[str, str]], page: str, ramp: float, schedule: Schedule | None
) -> dict[str, Any]:
    single = Clerk(base, clerks[0][0])
    await single.log_in()
    _mark(workdir, "one clerk alone")
    alone, cold = {}, {}
    for name in dict.fromkeys([page, *(schedule.pages if schedule else ())]):
        alone[name], cold[name] = await _alone(single, workdir, name)
    result = {"single": alone[page], "single_by_page": alone, "single_cold": cold, "sessions": len(clerks),
              "ramp": ramp}  # fmt: skip
    result.update(await _burst(base, workdir, clerks, page, ramp))
    if schedule is not None:
        await settle(workdir)
        result["schedule"] = await _scheduled(base, workdir, clerks, schedule)
        result["steps"] += result["schedule"].pop("steps")
    return result


async def _alone(clerk: Clerk, workdir: Path, page: str, times: int = 3) -> tuple[float, float]:
    """One clerk alone on the server: the median seconds to ``page``'s first data over ``times`` opens, each once
    the page's pool has a warm kernel again (a clerk reads a page before opening the next, as in ``first_data``),
    and the seconds of an open right after another (the first round's figure: the pool's next kernel was then
    still starting)."""
    target = warmed_up(workdir)
    ready = []
    for _ in range(times):
        deadline = time.monotonic() + PAGE_LIMIT
        while warmed_up(workdir) < target and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        ready.append(await clerk.open_page(page))
        target += 1  # the page took the pool's kernel: one more warms up behind it
    back_to_back = [await clerk.open_page(page) for _ in range(2)]
    with open(workdir / "alone.json", "a", encoding="utf-8") as log:
        log.write(
            json.dumps({"page": page, "ready": ready, "back_to_back": back_to_back}, ensure_ascii=False)
            + "\n"
        )
    deadline = time.monotonic() + PAGE_LIMIT
    while warmed_up(workdir) < target + 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    return statistics.median(o["seconds"] for o in ready), back_to_back[-1]["seconds"]


async def settle(workdir: Path, seconds: float = 45.0) -> None:
    """Between phases: the kernels of closed pages culled (idle 30 s, looked for every 10 s), the pools refilled."""
    _mark(workdir, f"settling for {seconds:g} s")
    await asyncio.sleep(seconds)


async def _burst(
    base: str, workdir: Path, clerks: list[tuple[str, str]], page: str, ramp: float
) -> dict[str, Any]:
    """Every clerk logs in at once, then opens ``page`` within ``ramp`` seconds and records a ledger step at once."""
    people = [Clerk(base, name) for name, _ in clerks]
    await asyncio.gather(*(c.log_in() for c in people))

    async def one(i: int, clerk: Clerk) -> dict[str, Any]:
        await asyncio.sleep(ramp * i / max(1, len(people)))
        outcome = await clerk.open_page(page, save=i // 12)  # the clerks of a county each take another hazard
        return {**outcome, "meant_save": True}

    _mark(workdir, f"{len(people)} simulated clerks start (burst)")
    async with MemorySampler(workdir) as memory:
        outcomes = await asyncio.gather(*(one(i, c) for i, c in enumerate(people)), return_exceptions=True)
    _dump(workdir, "clerks.json", outcomes)
    return {**summary(outcomes, clerks), **memory.figures()}


async def _scheduled(
    base: str, workdir: Path, clerks: list[tuple[str, str]], schedule: Schedule
) -> dict[str, Any]:
    """The clerks work through ``schedule`` (:class:`Schedule`): each page's outcome, with its page's name."""
    rng = random.Random(schedule.seed)
    people = [Clerk(base, name) for name, _ in clerks]
    first = [rng.uniform(0, schedule.start) for _ in people]
    reads = [
        [rng.uniform(*schedule.read) for _ in range(schedule.rounds * len(schedule.pages))] for _ in people
    ]
    _mark(workdir, f"{len(people)} simulated clerks log in together (schedule)")
    began = time.perf_counter()
    async with MemorySampler(workdir) as memory:
        await asyncio.gather(*(c.log_in() for c in people))
        logins = time.perf_counter() - began

        async def one(i: int, clerk: Clerk) -> list[Any]:
            await asyncio.sleep(first[i])
            outcomes: list[Any] = []
            for r in range(schedule.rounds):
                for k, name in enumerate(schedule.pages):
                    saves = k == len(schedule.pages) - 1
                    # the burst took the clerk's first hazard; each round the next of its own
                    which = i // 12 + 5 * (r + 1) if saves else None
                    try:
                        outcome = await clerk.open_page(
                            name, save=which, read=reads[i][r * len(schedule.pages) + k]
                        )
                    except Exception as exc:  # a clerk's failure is counted; the others go on
                        outcomes.append(exc)
                        continue
                    outcomes.append({**outcome, "page": name, "meant_save": saves,
                                     "at": round(time.perf_counter() - began, 1)})  # fmt: skip
            return outcomes

        per_clerk = await asyncio.gather(*(one(i, c) for i, c in enumerate(people)))
    outcomes = [o for mine in per_clerk for o in mine]
    named = [clerks[i] for i, mine in enumerate(per_clerk) for _ in mine]
    _dump(workdir, "schedule.json", outcomes)
    by_page = {name: summary([o for o in outcomes if isinstance(o, dict) and o["page"] == name],
                             [n for n, o in zip(named, outcomes, strict=True) if isinstance(o, dict) and o["page"] == name])
               for name in schedule.pages}  # fmt: skip
    for part in by_page.values():
        part.pop("steps")
    return {**summary(outcomes, named), "by_page": by_page, **memory.figures(), "logins": logins,
            "seconds": time.perf_counter() - began, "describe": schedule.describe()}  # fmt: skip


async def _browsers(
    base: str, workdir: Path, clerks: list[tuple[str, str]], page: str, alone: int = 3
) -> dict[str, Any]:
    """Real Chromium sessions, one per clerk, open ``page`` at once, each logging in on the way (the server's login
    form, then the page: a clerk following a bookmark): seconds to first data each, from the page's request. As in
    ``first_data``, a session's first data is the first frame that shows the store's data to the clerk, the first
    paint's or the live app's, whichever comes first (:data:`FIRST_PAINT`, :data:`PAGES`, timed by the page itself:
    :data:`WATCH`); a session whose live app never shows is blank. The single-user figure they are compared with
    is one Chromium session alone on the same server, ``alone`` times, each once the page's pool has a warm
    kernel again (as :func:`_alone`). What each saw (its loads of the page, console messages, page errors, and the
    page's text and a screenshot if no data showed) goes to ``browsers.json`` and ``browser-<n>.png`` in
    ``workdir``."""
    from playwright.async_api import async_playwright

    seen: list[dict[str, Any]] = []
    watch = [s for s in (FIRST_PAINT.get(page), PAGES[page]) if s is not None]

    async def one(browser: Any, n: int, name: str) -> tuple[float, float] | None:
        context = await browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
        context.set_default_timeout(PAGE_LIMIT * 1000)
        await context.add_init_script(f"window.hzWatch = {json.dumps(watch)};\n{WATCH}")
        record: dict[str, Any] = {"clerk": name, "loads": [], "console": [], "errors": []}
        seen.append(record)
        began = time.perf_counter()
        try:
            tab = await context.new_page()
            tab.on(
                "console",
                lambda m: record["console"].append(
                    f"{time.perf_counter() - began:.0f}s {m.type}: {m.text[:200]}"
                ),
            )
            tab.on(
                "pageerror",
                lambda e: record["errors"].append(f"{time.perf_counter() - began:.0f}s {str(e)[:200]}"),
            )
            tab.on("load", lambda _t: record["loads"].append(round(time.perf_counter() - began)))
            # The clerk opens the page's address (a bookmark, a link): the server asks who is there and, once
            # logged in, goes on to that page. (Logging in at the front page and then opening the page at once,
            # as this did before 8 December 2026, asked for the landing page too, by the front page's refresh,
            # and left it: twelve pages more at once that no clerk asks for.)
            target = f"{base}voila/render/{page}.ipynb"
            await tab.goto(target)
            await tab.fill("#hz-username", name)
            await tab.fill("#hz-password", PASSWORD)
            async with tab.expect_navigation(url=f"{target}*", wait_until="commit"):
                await tab.click("button.hz-login-submit")
            # The page's own clock: when the browser asked for the page, after the login's answer sent it there.
            start = await tab.evaluate(SENT_FOR) / 1000
            try:
                await tab.wait_for_function(
                    "(s) => window.hzSeen[s]", arg=PAGES[page], timeout=PAGE_LIMIT * 1000
                )
                shown = await tab.evaluate("window.hzSeen")
            except Exception as exc:
                record["failed"] = str(exc)[:200]
                with contextlib.suppress(Exception):
                    record["text"] = (await tab.locator("body").inner_text())[:400]
                    await tab.screenshot(path=str(workdir / f"browser-{n}.png"))
                return None
            first = min(float(shown[s]) for s in watch if s in shown) / 1000 - start
            live = float(shown[PAGES[page]]) / 1000 - start
            record["seconds"], record["live_seconds"] = round(first, 2), round(live, 2)
            return first, live
        finally:
            await context.close()

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            single: list[tuple[float, float]] = []
            target = warmed_up(workdir)
            for _ in range(alone):
                deadline = time.monotonic() + PAGE_LIMIT
                while warmed_up(workdir) < target and time.monotonic() < deadline:
                    await asyncio.sleep(0.5)
                shown = await one(browser, len(seen), clerks[0][0])
                if shown is not None:
                    single.append(shown)
                target += 1  # the page took the pool's kernel: one more warms up behind it
            await settle(workdir, 15.0)
            _mark(workdir, f"{len(clerks)} browsers at once")
            async with MemorySampler(workdir) as memory:
                times = await asyncio.gather(*(one(browser, n, name) for n, (name, _) in enumerate(clerks)))
        finally:
            await browser.close()
    (workdir / "browsers.json").write_text(json.dumps(seen, ensure_ascii=False, indent=1), encoding="utf-8")
    shown_all = [t for t in times if t is not None]
    nan = float("nan")
    return {
        "median": statistics.median(t[0] for t in shown_all) if shown_all else nan,
        "median_live": statistics.median(t[1] for t in shown_all) if shown_all else nan,
        "single": statistics.median(t[0] for t in single) if single else nan,
        "single_live": statistics.median(t[1] for t in single) if single else nan,
        "blank": len(times) - len(shown_all),
        **memory.figures(),
        "sessions": len(times),
    }


def wrong_records(url: str, steps: list[tuple[str, str, int]]) -> dict[str, int]:
    """Check the ledger steps recorded in the run against what each clerk did: a step by a clerk on a hazard
    they did not pick, or in a county not theirs, is wrong; a step a clerk saw saved but the store lacks, lost."""
    import sqlalchemy as sa

    from hazardlib import schema
    from hazardlib.store import Store

    store = Store(url, user="基准测试管理员")
    events, hazards = schema.hazard_events, schema.hazards
    names = {name for name, _, _ in steps}
    counties = {name: county for name, county, _ in steps}
    with store.read() as conn:
        rows = conn.execute(
            sa.select(events.c.actor, events.c.hazard_id, hazards.c.county_code)
            .join(hazards, hazards.c.id == events.c.hazard_id)
            .where(events.c.actor.like("基准%"))
        ).all()
    store.dispose()
    picked = {(name, hazard) for name, _, hazard in steps}
    wrong = sum(1 for actor, hazard, county in rows
                if actor not in names or (actor, hazard) not in picked or county != counties[actor])  # fmt: skip
    found = {(actor, hazard) for actor, hazard, _ in rows}
    return {"written": len(rows), "wrong": wrong, "lost": len(picked - found)}


def iter_rows(result: dict[str, Any]) -> Iterator[tuple[str, float, float]]:
    """(page, seconds to the live app's first data from the pool, seconds of the one-button page without a
    pool)."""
    for name in PAGES:
        yield name, result[name], result["baseline"]


def iter_first_rows(result: dict[str, Any]) -> Iterator[tuple[str, float, float]]:
    """(page, seconds to the first data visible to the clerk, first paint or live app, from the pool, seconds of
    the one-button page without a pool)."""
    for name in PAGES:
        yield name, result[f"{name}_first"], result["baseline"]
