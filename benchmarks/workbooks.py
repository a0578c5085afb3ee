"""The enterprises workbook an import benchmark reads, written once per row count and cached."""

from __future__ import annotations

from pathlib import Path

from .intake_big import generate


def enterprises_workbook(workdir: Path, rows: int) -> Path:
    """An N-row enterprises list as a county would send it (cached in ``workdir``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"enterprises-{rows}.xlsx"
    if not path.exists():
        partial = path.with_suffix(".partial.xlsx")
        generate(partial, rows)
        partial.rename(path)
    return path
