"""Kernels forked from the zygote (hazardlib.zygote, hazardlib.forking, hazardlib.kernels.ZygoteProvisioner):
they behave as kernels started the plain way (their own environment and folder, interrupt, restart, shutdown),
and without a zygote kernels start the plain way and the operator is told."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager

from hazardlib import forking
from hazardlib.apps.session import Session
from hazardlib.kernels import ZygoteProvisioner
from hazardlib.serve import FORKED_KERNELS, ServeConfig, template_root, voila_env

from .browser.conftest import serving
from .own_loop import run

pytestmark = pytest.mark.slow


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_only_ipykernels_command_is_forked_and_its_arguments_are_passed_on():
    cmd = ["/venv/bin/python", "-m", "ipykernel_launcher", "-f", "/run/kernel-1.json"]
    assert forking.kernel_arguments(cmd) == ["-f", "/run/kernel-1.json"]
    assert forking.kernel_arguments(["/venv/bin/python", "-m", "other_kernel", "-f", "k.json"]) is None
    assert forking.kernel_arguments(["/usr/bin/R", "--slave"]) is None


def test_the_server_environment_names_the_forking_kernel_spec_only_with_a_zygote(tmp_path: Path):
    session = Session(url="sqlite:///store.db", county="522701", as_of=dt.date(2024, 8, 20), user="测试员")
    config = ServeConfig(session, log_file=tmp_path / "d.log")
    forked = voila_env(config, base={}, zygote=tmp_path)
    assert forked[forking.ENV_ZYGOTE] == str(tmp_path / forking.SOCKET_NAME)
    assert forked["JUPYTER_PATH"].split(os.pathsep)[0] == str(template_root() / FORKED_KERNELS)
    plain = voila_env(config, base={forking.ENV_ZYGOTE: "/old/zygote.sock"})
    assert forking.ENV_ZYGOTE not in plain
    assert str(template_root() / FORKED_KERNELS) not in plain["JUPYTER_PATH"]


KERNEL_START = """
import json, sys, tempfile
import jupyter_client
from hazardlib import zygote
if sys.argv[1] == "preloaded":
    zygote.preload()
else:  # what the zygote imported before it imported what a kernel imports as it starts
    zygote.KERNEL_MODULES = ()
    zygote.preload()
from ipykernel.kernelapp import IPKernelApp
connection = tempfile.mktemp(suffix=".json")
jupyter_client.write_connection_file(connection, key=b"k")
before = set(sys.modules)
IPKernelApp.instance().initialize(["-f", connection])
new = sorted(set(sys.modules) - before)
sys.__stdout__.write(json.dumps(new) + "\\n")
sys.__stdout__.flush()
"""


@pytest.mark.parametrize("zygote_imports", ["preloaded", "without the kernel's modules"])
def test_a_kernel_forked_from_the_zygote_imports_no_debugger_as_it_starts(zygote_imports: str):
    out = subprocess.run(
        [sys.executable, "-c", KERNEL_START, zygote_imports], capture_output=True, text=True, timeout=120
    )
    started = json.loads(out.stdout.strip().splitlines()[-1])
    debugger = [m for m in started if m.startswith(("debugpy", "_pydevd", "pydevd"))]
    if zygote_imports == "preloaded":
        assert debugger == [] and len(started) < 40
    else:  # the situation just short: the kernel's start imports the debugger, over a hundred modules
        assert len(debugger) > 20 and len(started) > 100


@pytest.fixture
def zygote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[subprocess.Popen[bytes]]:
    """A zygote as ``hazard serve`` starts it, and this process's environment as Voilà's with it."""
    folder = tmp_path / "zygote"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv(forking.ENV_ZYGOTE, str(forking.socket_path(folder)))
    monkeypatch.setenv("JUPYTER_PATH", str(template_root() / FORKED_KERNELS))
    process = forking.start(folder, os.environ)
    yield process
    process.terminate()
    process.wait(timeout=30)


def manager() -> AsyncKernelManager:
    return AsyncKernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager())


async def output_of(km: AsyncKernelManager, code: str) -> str:
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=120)
        out: list[str] = []

        def keep(msg: dict) -> None:
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])

        reply = await kc.execute_interactive(code, timeout=120, output_hook=keep)
        return "".join(out) if reply["content"]["status"] == "ok" else reply["content"]["ename"]
    finally:
        kc.stop_channels()


def test_a_forked_kernel_has_its_own_environment_and_folder_is_interrupted_restarted_and_shut_down(
    zygote: subprocess.Popen[bytes], tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    async def scenario() -> None:
        km = manager()
        await km.start_kernel(cwd=str(tmp_path), env={**os.environ, "HAZARD_TEST_MARK": "甲"})
        assert isinstance(km.provisioner, ZygoteProvisioner)
        first = km.provisioner.pid
        assert parent_of(first) == zygote.pid  # forked, not started by this process
        code = "import os, sys; print(os.environ['HAZARD_TEST_MARK'], os.getcwd(), 'pandas' in sys.modules)"
        assert (await output_of(km, code)).split() == ["甲", str(tmp_path), "True"]
        # ipywidgets was imported in the zygote before any kernel: its comm targets must be there all the same,
        # or a page could not ask for its widgets' state.
        targets = "import comm; print(*sorted(comm.get_comm_manager().targets))"
        assert {"jupyter.widget", "jupyter.widget.control"} <= set((await output_of(km, targets)).split())

        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=60)
        kc.execute("import time; time.sleep(60)")
        await asyncio.sleep(1)
        await km.interrupt_kernel()
        reply = await kc.get_shell_msg(timeout=30)
        kc.stop_channels()
        assert reply["content"]["ename"] == "KeyboardInterrupt"

        await km.restart_kernel(now=True)
        second = km.provisioner.pid
        assert second != first and parent_of(second) == zygote.pid
        assert not Path(f"/proc/{first}").exists()  # reaped by the zygote, not left a zombie
        assert (await output_of(km, "print(1 + 1)")).strip() == "2"

        await km.shutdown_kernel()
        assert not Path(f"/proc/{second}").exists()

    with caplog.at_level(logging.ERROR, logger="hazardlib.kernels"):
        run(scenario())
    assert not caplog.records  # the zygote served every start


def test_without_a_zygote_kernels_start_the_plain_way_and_the_operator_is_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    monkeypatch.setenv(forking.ENV_ZYGOTE, str(tmp_path / "gone" / forking.SOCKET_NAME))
    monkeypatch.setenv("JUPYTER_PATH", str(template_root() / FORKED_KERNELS))

    async def scenario() -> None:
        km = manager()
        await km.start_kernel(cwd=str(tmp_path))
        try:
            assert parent_of(km.provisioner.pid) == os.getpid()  # a process of its own, as before
            assert (await output_of(km, "print(6 * 7)")).strip() == "42"
        finally:
            await km.shutdown_kernel(now=True)

    with caplog.at_level(logging.ERROR, logger="hazardlib.kernels"):
        run(scenario())
    assert any("内核预加载进程" in r.getMessage() and "plain way" in r.getMessage() for r in caplog.records)


def test_when_the_zygote_dies_its_kernels_end_the_server_sees_it_and_the_next_kernel_starts_plain(
    zygote: subprocess.Popen[bytes], tmp_path: Path
):
    async def scenario() -> None:
        km = manager()
        await km.start_kernel(cwd=str(tmp_path))
        assert (await output_of(km, "print('up')")).strip() == "up"
        assert await km.is_alive()
        os.kill(zygote.pid, signal.SIGKILL)
        zygote.wait(timeout=30)
        deadline = time.monotonic() + 30
        while await km.is_alive() and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert not await km.is_alive()  # ended with its parent, as a kernel ends with its server
        await km.shutdown_kernel(now=True)

        again = manager()
        await again.start_kernel(cwd=str(tmp_path))
        try:
            assert parent_of(again.provisioner.pid) == os.getpid()
            assert (await output_of(again, "print('plain')")).strip() == "plain"
        finally:
            await again.shutdown_kernel(now=True)

    run(scenario())


def test_a_request_that_is_not_a_kernel_is_refused_and_the_zygote_forks_the_next_with_no_thread_but_its_own(
    zygote: subprocess.Popen[bytes], tmp_path: Path
):
    path = os.environ[forking.ENV_ZYGOTE]
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as bad:
        bad.connect(path)
        bad.sendall(b'{"argv": "not a list"}\n')
        bad.settimeout(120)
        assert bad.recv(100) == b""  # closed without a pid
    assert zygote.poll() is None
    assert os.listdir(f"/proc/{zygote.pid}/task") == [str(zygote.pid)]  # nothing but its own thread to fork

    async def scenario() -> None:
        km = manager()
        await km.start_kernel(cwd=str(tmp_path))
        try:
            assert parent_of(km.provisioner.pid) == zygote.pid
        finally:
            await km.shutdown_kernel(now=True)

    run(scenario())


PARENT = "import os\nprint('父进程：' + open(f'/proc/{os.getppid()}/cmdline').read().replace(chr(0), ' '))"


@pytest.mark.parametrize("fork", [True, False])
def test_hazard_serve_forks_its_pages_kernels_from_the_zygote_unless_told_not_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: bool
):
    folder = tmp_path / "dashboards"
    folder.mkdir()
    for name in ("index", "parent"):
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PARENT)])
        notebook.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(notebook, folder / f"{name}.ipynb")
    monkeypatch.setenv("HAZARD_DASHBOARDS", str(folder))
    (tmp_path / "serve").mkdir()
    url = f"sqlite:///{tmp_path / 'w.db'}"
    extra = [] if fork else ["--no-fork-kernels"]
    with (
        serving(url, tmp_path / "serve", pool=0, extra=extra) as served,
        urllib.request.urlopen(f"{served.base}voila/render/parent.ipynb", timeout=240) as page,
    ):
        html = page.read().decode("utf-8")
    parent = html.split("父进程：", 1)[1].split("\n", 1)[0]
    assert ("hazardlib.zygote" in parent) == fork
    assert ("voila" in parent) != fork
