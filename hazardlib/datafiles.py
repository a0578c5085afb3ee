"""Where the reference data lives: the `data/` folder, or `$HAZARD_DATA` when set."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "HAZARD_DATA"


def data_dir() -> Path:
    """The reference-data folder: `$HAZARD_DATA` if set, else `data/` at the repository root."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser().resolve()
    return Path(__file__).resolve().parent.parent / "data"


def resolve(folder: str | os.PathLike[str] | None) -> Path:
    """The folder given, resolved, or `data_dir()` when none is given."""
    return Path(folder).expanduser().resolve() if folder is not None else data_dir()
