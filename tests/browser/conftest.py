"""The dashboards in a real browser: one demo store, one ``hazard serve`` and one Chromium for the session.

Debian's ``/usr/bin/chromium`` is driven by Playwright for Python (never ``playwright install``). Where
the browser is missing the tests skip with a reason — except in CI (``CI`` set), where they fail, so
that a CI run never passes without opening the dashboards.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hazardlib.store import Store

from ..situations import demo_copy

CHROMIUM = Path(os.environ.get("HAZARD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=zh-CN",  # a Chinese office's browser (Debian's Chromium has only en-US locale data: dates are text)
]
AS_OF = "2024-09-15"
DAY = dt.date.fromisoformat(AS_OF)
"""The session's date (``hazard serve --as-of``)."""
USER = "浏览器测试员"
DEMO_SCALE = float(os.environ.get("HAZARD_BROWSER_DEMO_SCALE", "0.25"))
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PAGE_TIMEOUT_MS = 60_000
LOCAL = ("http://127.0.0.1:", "data:", "blob:", "about:")

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    if os.environ.get("CI"):
        raise
    # Without Playwright the browser tests are not collected (never in CI, where the import fails the run);
    # the test modules and pages.py import it at their top.
    collect_ignore_glob = ["test_*.py", "pages.py"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"浏览器测试在 CI 中必须运行：{reason}", pytrace=False)
    pytest.skip(f"跳过浏览器测试：{reason}（CI 中不会跳过）")


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        _unavailable(f"没有 {CHROMIUM}；请安装：apt-get install -y chromium fonts-noto-cjk")
    return CHROMIUM


def hazard_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ``hazard`` command (this interpreter's) and return what it did."""
    cmd = [sys.executable, "-c", "from hazardlib.cli import main; main()", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, timeout=300)


@dataclass
class Served:
    """The running ``hazard serve``: its base URL, the store behind it, and its log files."""

    base: str
    url: str
    log: Path
    app_log: Path
    workdir: Path

    def store(self, county: str | None = None) -> Store:
        return Store(self.url, user=USER, county=county)

    def results_list_json(self) -> list[dict[str, Any]]:
        """``hazard report results-list --format json`` for the whole prefecture at the session's date."""
        out = self.workdir / f"results-{time.monotonic_ns()}.json"
        done = hazard_cli(
            "report", "results-list", "--db", self.url, "--as-of", AS_OF, "--format", "json", "-o", str(out)
        )
        assert done.returncode == 0, done.stderr
        return list(json.loads(out.read_text(encoding="utf-8")))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"hazard serve 已退出（{proc.returncode}）：\n{log.read_text(errors='replace')}"
            )
        try:
            with urllib.request.urlopen(base, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"hazard serve 在 {timeout} 秒内没有启动：\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def demo_url(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A demo campaign in a temporary SQLite store (one for the whole session)."""
    return demo_copy(tmp_path_factory, DEMO_SCALE)  # the tests write to it: a copy of the run's demo


@pytest.fixture(scope="session")
def served(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The demo store served for the prefecture by ``hazard serve`` on a free loopback port."""
    with serving(demo_url, tmp_path_factory.mktemp("served")) as s:
        yield s


@pytest.fixture(scope="session")
def served_duyun(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The same store served for one county (都匀市, 522701) by a second ``hazard serve``."""
    with serving(demo_url, tmp_path_factory.mktemp("served-duyun"), county="522701") as s:
        yield s


@contextlib.contextmanager
def serving(
    url: str,
    workdir: Path,
    county: str | None = None,
    login: bool = False,
    pool: int | None = None,
    extra: Sequence[str] = (),
    as_of: str = AS_OF,
) -> Iterator[Served]:
    """``hazard serve`` on a free loopback port for ``url`` (and ``county``; or, with ``login``, for whoever
    logs in), stopped afterwards; ``pool`` preheated kernels per dashboard (None: ``$HAZARD_TEST_POOL``, so
    the whole browser suite can be run against a kernel pool, else none); the session's date is ``as_of``;
    ``extra``: more options of the command."""
    pool = int(os.environ.get("HAZARD_TEST_POOL") or 0) if pool is None else pool
    port = _free_port()
    log, app_log = workdir / "serve.log", workdir / "dashboards.log"
    env = {**os.environ, "HAZARD_LOG": str(app_log), "PYTHONUNBUFFERED": "1"}
    args = [
        "serve",
        "--db",
        url,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--as-of",
        as_of,
        *(["--login"] if login else ["--user", USER]),
        "--pool",
        str(pool),
        *extra,
    ]
    if county:
        args += ["--county", county]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from hazardlib.cli import main; main()", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group: stopping it stops its kernels too
        )
    base = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(base, proc, log)
        yield Served(base, url, log, app_log, workdir)
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server's process group (Voilà and the kernels it started), politely first."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):  # kernels still in the group after Voilà stopped
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Any]:
    expect.set_options(timeout=PAGE_TIMEOUT_MS)  # a page takes ~3 s, more while other work shares the CPU
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
}
"""Chromium's mobile emulation of a 390×844 phone."""


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page (zh-CN, downloads allowed); JavaScript errors are collected on ``page.errors`` and
    requests that leave the machine (an intranet has no internet) on ``page.external``."""
    yield from _page(browser, DESKTOP)


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A fresh page like :func:`page` on a phone (:data:`PHONE`)."""
    yield from _page(browser, PHONE)


def _page(browser: Any, screen: dict[str, Any]) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", accept_downloads=True, **screen)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    pg = context.new_page()
    pg.errors = []
    pg.external = []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    pg.on("request", lambda req: None if req.url.startswith(LOCAL) else pg.external.append(req.url))
    try:
        yield pg
    finally:
        context.close()
