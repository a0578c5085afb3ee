"""Demo stores of a given size, built once with the demo generator and cached as SQLite files."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from pathlib import Path

from hazardlib.demo import generate
from hazardlib.store import open_store

SEED = 7
# Store sizes by name: the demo scale that writes about that many hazards and risks (4,880 per unit).
SIZES: dict[str, float] = {"500": 0.1, "10k": 2.05, "100k": 20.5, "1M": 205.0}


def default_workdir() -> Path:
    return Path(os.environ.get("HAZARD_BENCH_DIR") or Path.home() / ".cache" / "hazardlib-bench")


def demo_store(workdir: Path, size: str, *, progress: bool = True) -> tuple[str, float]:
    """The URL of a cached demo store of ``size`` (a key of :data:`SIZES`; built if missing) and the
    seconds spent building it now (0 when it was cached)."""
    workdir.mkdir(parents=True, exist_ok=True)
    scale = SIZES[size]
    path = workdir / f"demo-seed{SEED}-scale{scale:g}.db"
    if path.exists():
        return f"sqlite:///{path}", 0.0
    partial = path.with_suffix(".partial.db")
    for p in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        p.unlink(missing_ok=True)
    start = time.perf_counter()
    store = open_store(f"sqlite:///{partial}", user="基准测试")
    generate(store, seed=SEED, scale=scale, progress=progress)
    store.dispose()
    _checkpoint(partial)
    partial.rename(path)
    return f"sqlite:///{path}", time.perf_counter() - start


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the file so that the store is one file that can be copied."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()


def copy_store(url: str, target: Path) -> str:
    """A private copy of a cached store (for figures that write)."""
    source = Path(url.removeprefix("sqlite:///"))
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"
