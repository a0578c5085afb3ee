"""The tracker dashboard in a real browser: time from ``page.goto`` to its first table of figures from the
store, against a one-button Voilà notebook served by the same ``hazard serve``.

Debian's ``/usr/bin/chromium`` is driven by Playwright (never ``playwright install``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from hazardlib.serve import dashboards_dir

CHROMIUM = Path(os.environ.get("HAZARD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
BASELINE = {
    "cells": [
        {"cell_type": "markdown", "id": "t", "metadata": {}, "source": ["# 基准"]},
        {"cell_type": "code", "execution_count": None, "id": "b", "metadata": {}, "outputs": [],
         "source": ["import ipywidgets as widgets\n", "widgets.Button(description='确定')"]},
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}  # fmt: skip
FIRST_DATA = ".hz-progress-table table"  # the tracker's first widget with figures from the store
FIRST_PAINT_DATA = (
    ".hz-first-paint table.hz-table td"  # its first paint's table (hazardlib.apps.base.Opening)
)
BUTTON = "button.jupyter-button"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(
    url: str, workdir: Path, pool: int = 0, login: bool = False, fork_kernels: bool = True
) -> Iterator[str]:
    """``hazard serve`` for ``url`` over the dashboards plus the baseline notebook, with ``pool`` preheated
    kernels per notebook (and with login, for whoever logs in), its kernels forked from the zygote unless
    ``fork_kernels`` is false (each started anew, as Voilà starts them); yields its base URL."""
    folder = workdir / "dashboards"
    shutil.copytree(dashboards_dir(), folder, dirs_exist_ok=True)
    (folder / "baseline.ipynb").write_text(json.dumps(BASELINE, ensure_ascii=False), encoding="utf-8")
    port = _free_port()
    # the server's own log with the time of every line, to read beside the dashboards' log and the clients' outcomes
    config = workdir / "config"
    config.mkdir(exist_ok=True)
    (config / "voila.py").write_text(
        'c = get_config()  # noqa: F821\nc.Voila.log_format = "[%(name)s %(asctime)s.%(msecs)03d]%(highlevel)s %(message)s"\n'
        'c.Voila.log_datefmt = "%H:%M:%S"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "HAZARD_DASHBOARDS": str(folder), "HAZARD_LOG": str(workdir / "app.log"),
           "JUPYTER_CONFIG_PATH": os.pathsep.join([str(config), *filter(None, [os.environ.get("JUPYTER_CONFIG_PATH")])])}  # fmt: skip
    args = ["serve", "--db", url, "--host", "127.0.0.1", "--port", str(port), "--as-of", "2024-09-15",
            "--pool", str(pool), *(["--login"] if login else ["--user", "基准测试", "--no-login"]),
            *([] if fork_kernels else ["--no-fork-kernels"])]  # fmt: skip
    with open(workdir / "serve.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from hazardlib.cli import main; main()", *args],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )  # fmt: skip
    (workdir / "server.pid").write_text(str(proc.pid))  # its process group: Voilà and every kernel
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((workdir / "serve.log").read_text(errors="replace"))
            try:
                with urllib.request.urlopen(base, timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        if (
            pool
        ):  # every notebook's pool is full, and every dashboard's kernel warmed up, before anything is timed
            notebooks = len(list(folder.glob("*.ipynb")))
            dashboards = len(list(dashboards_dir().glob("*.ipynb")))
            while (workdir / "serve.log").read_text(errors="replace").count("is filled with") < notebooks or (
                warmed_up(workdir) < dashboards * pool
            ):
                if proc.poll() is not None or time.monotonic() > deadline + 600:
                    raise RuntimeError((workdir / "serve.log").read_text(errors="replace")[-3000:])
                time.sleep(1)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def warmed_up(workdir: Path) -> int:
    """How many preheated kernels of the server in ``workdir`` have warmed up so far (each logs it once)."""
    log = workdir / "app.log"
    return log.read_text(errors="replace").count("warmed up in") if log.exists() else 0


def time_to_first_data(browser: Any, url: str, selector: str) -> float:
    """Seconds from opening ``url`` in a new page of ``browser`` until ``selector`` (its first data) shows."""
    return times_to(browser, url, [selector])[0]


# Notes, in the page itself and from its first moment (an init script), the first animation frame in which the
# first element each selector of ``window.hzWatch`` matches is visible as Playwright judges it (laid out, with a box,
# not hidden): ``window.hzSeen[selector]``, in milliseconds since the epoch.
WATCH = """
window.hzSeen = {};
(function check() {
  for (const selector of window.hzWatch) {
    if (window.hzSeen[selector] !== undefined) { continue; }
    const element = document.querySelector(selector);
    if (element === null || !element.checkVisibility()) { continue; }
    const box = element.getBoundingClientRect();
    if (box.width > 0 && box.height > 0 && window.getComputedStyle(element).visibility === "visible") {
      window.hzSeen[selector] = performance.timeOrigin + performance.now();
    }
  }
  if (window.hzWatch.some((selector) => window.hzSeen[selector] === undefined)) {
    window.requestAnimationFrame(check);
  }
})();
"""


def times_to(browser: Any, url: str, selectors: Sequence[str]) -> list[float]:
    """Seconds from opening ``url`` in a new page of ``browser`` until each of ``selectors`` shows, in turn.

    The page notes the animation frame that first shows each (:data:`WATCH`): the moment the clerk could see it.
    Playwright's own wait for a selector asked at 0, 20, 70, 170 and 270 ms and then every 500 ms, and each of
    its checks waited behind the page's long tasks (Voilà's script loading), so that a first paint drawn at
    0.25 s was read as 0.4-1.7 s (docs/benchmarks.md, "The first page after a start, and first data timed by
    the page")."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.add_init_script(f"window.hzWatch = {json.dumps(list(selectors))};\n{WATCH}")
    page = context.new_page()
    try:
        start = time.time()  # the page's clock is the epoch's too
        page.goto(url, wait_until="commit", timeout=300_000)  # the first data is what counts, not "load"
        shown = []
        for selector in selectors:
            seen = page.wait_for_function("(s) => window.hzSeen[s]", arg=selector, timeout=300_000)
            shown.append(float(seen.json_value()) / 1000 - start)
        return shown
    finally:
        context.close()


def measure(url: str, repeat: int) -> dict[str, Any]:
    """Median seconds from ``page.goto`` to the tracker's first figures visible to the clerk (``project``:
    its first paint's table, written into the page's HTML, or the live app's, whichever shows first), to
    the live app's table (``live``), and to the baseline's button (after one warm-up each)."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError(f"没有 {CHROMIUM}：apt-get install -y chromium fonts-noto-cjk")
    workdir = Path(tempfile.mkdtemp(prefix="bench-tracker-"))
    try:
        with serving(url, workdir) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                pages = {"project": (f"{base}voila/render/tracker.ipynb", [f"{FIRST_PAINT_DATA}, {FIRST_DATA}", FIRST_DATA]),
                         "baseline": (f"{base}voila/render/baseline.ipynb", [BUTTON])}  # fmt: skip
                times: dict[str, list[float]] = {"project": [], "live": [], "baseline": []}
                for u, selectors in pages.values():
                    times_to(browser, u, selectors)  # warm-up: disk caches, first imports
                for _ in range(max(1, repeat)):
                    first, live = times_to(browser, *pages["project"])
                    times["project"].append(first)
                    times["live"].append(live)
                    times["baseline"].append(times_to(browser, *pages["baseline"])[0])
            finally:
                browser.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {k: statistics.median(v) for k, v in times.items()}
