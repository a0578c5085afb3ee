"""A dashboard kernel's start, plain against forked from the zygote: CPU, wall time and memory per kernel.

    python -m benchmarks.kernel_starts --db /tmp/store.db --kernels 4 --rounds 3

Each round starts ``--kernels`` kernels the plain way (jupyter_client's local provisioner: a new process that
imports everything) and as many forked from the zygote (``hazard serve``'s provisioner), the two alternated in the
same minutes, and runs the ledger dashboard's cells in each (``from hazardlib.apps import LedgerApp``,
``LedgerApp.opening()``, ``page.app.widget``) for the store given. Printed per kernel: the CPU its process used
until the page's cells were done (for a forked kernel, plus its share of the zygote's CPU during the round, the
forks), the wall time from the start to the cells' end, and with all of the round's kernels alive, resident (RSS)
and proportional (PSS) memory, the zygote's PSS divided among its kernels. The zygote's own start (its imports,
once per server) is printed apart. Nothing here asserts a time; the ratio forked / plain is the figure.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager

from hazardlib import forking
from hazardlib.apps.session import Session
from hazardlib.serve import FORKED_KERNELS, template_root

CELLS = ("from hazardlib.apps import LedgerApp", "page = LedgerApp.opening()", "page.app.widget")
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of one process in MB."""
    rollup = dict(
        (line.split(":")[0], int(line.split()[1]))
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    )
    return rollup["Rss"] / 1024, rollup["Pss"] / 1024


async def open_page(km: AsyncKernelManager, cwd: str) -> tuple[float, int]:
    """Start a kernel and run the ledger's cells in it; (wall seconds, the kernel's pid)."""
    start = time.perf_counter()
    await km.start_kernel(cwd=cwd)
    kc = km.client()
    kc.start_channels()
    await kc.wait_for_ready(timeout=300)
    for cell in CELLS:
        reply = await kc.execute_interactive(cell, timeout=300, output_hook=lambda _msg: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"{cell}: {reply['content']}")
    kc.stop_channels()
    pid = km.provisioner.pid if km.provisioner else None
    assert pid is not None
    return time.perf_counter() - start, int(pid)


async def one_round(kind: str, kernels: int, env: dict[str, str], zygote: int | None) -> dict[str, float]:
    os.environ.clear()
    os.environ.update(env)
    if kind == "forked":
        os.environ["JUPYTER_PATH"] = str(template_root() / FORKED_KERNELS)
    else:
        os.environ.pop(forking.ENV_ZYGOTE, None)
    ksm = KernelSpecManager()
    managers = [AsyncKernelManager(kernel_name="python3", kernel_spec_manager=ksm) for _ in range(kernels)]
    zygote_cpu = cpu_seconds(zygote) if zygote else 0.0
    opened = await asyncio.gather(*(open_page(km, tempfile.gettempdir()) for km in managers))
    zygote_share = ((cpu_seconds(zygote) - zygote_cpu) / kernels) if zygote else 0.0
    cpu = [cpu_seconds(pid) + zygote_share for _, pid in opened]
    memory = [memory_mb(pid) for _, pid in opened]
    zygote_pss = memory_mb(zygote)[1] / kernels if zygote else 0.0
    for km in managers:
        await km.shutdown_kernel(now=True)
    return {
        "cpu": statistics.median(cpu),
        "wall": statistics.median(w for w, _ in opened),
        "rss": statistics.median(r for r, _ in memory),
        "pss": statistics.median(p for _, p in memory) + zygote_pss,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, help="a store to open the ledger on (copy a shared one first)")
    parser.add_argument("--kernels", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    session = Session(url=f"sqlite:///{args.db}", county=None, as_of=dt.date(2024, 8, 20), user="基准")
    env = {**os.environ, **session.environ(Path(tempfile.gettempdir()) / "kernel-starts.log")}
    folder = Path(tempfile.mkdtemp(prefix="hazard-zygote-"))
    env[forking.ENV_ZYGOTE] = str(forking.socket_path(folder))
    began, load = time.perf_counter(), os.getloadavg()[0]
    zygote = forking.start(folder, env)
    while not forking.socket_path(folder).exists():
        await asyncio.sleep(0.01)
    results: dict[str, list[dict[str, float]]] = {"plain": [], "forked": []}
    try:
        for number in range(args.rounds):
            for kind in ("plain", "forked") if number % 2 == 0 else ("forked", "plain"):
                results[kind].append(await one_round(kind, args.kernels, env, zygote.pid))
                print(
                    f"round {number + 1} {kind}: {results[kind][-1]}  load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
            if number == 0:
                print(
                    f"zygote: CPU {cpu_seconds(zygote.pid):.2f} s after the first round (its imports included)"
                )
    finally:
        zygote.terminate()
        zygote.wait()
    print(f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; "
          f"{time.perf_counter() - began:.0f} s")  # fmt: skip
    for figure in ("cpu", "wall", "rss", "pss"):
        plain = statistics.median(r[figure] for r in results["plain"])
        forked = statistics.median(r[figure] for r in results["forked"])
        print(
            f"{figure:5s} per kernel: plain {plain:8.2f}  forked {forked:8.2f}  forked/plain {forked / plain:.2f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
