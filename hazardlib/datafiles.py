"""Where the reference data lives: the `data/` folder, or `$HAZARD_DATA` when set."""

from __future__ import annotations

import functools
import os
from pathlib import Path

ENV_VAR = "HAZARD_DATA"


def data_dir() -> Path:
    """The reference-data folder: `$HAZARD_DATA` if set, else `data/` at the repository root."""
    override = os.environ.get(ENV_VAR) or None
    return _resolved(override, os.getcwd() if override else "")


@functools.lru_cache(maxsize=64)
def _resolved(override: str | None, _cwd: str) -> Path:
    # Resolving a path asks the file system for every part of it; the loaders call this per record
    # validated, so the answer is kept (per setting and, for a relative setting, per working folder).
    if override:
        return Path(override).expanduser().resolve()
    return Path(__file__).resolve().parent.parent / "data"


def resolve(folder: str | os.PathLike[str] | None) -> Path:
    """The folder given, resolved, or `data_dir()` when none is given."""
    return Path(folder).expanduser().resolve() if folder is not None else data_dir()
