"""The ``hazard`` command: a thin click layer over hazardlib.

Each command lives in a module of this package and registers itself on :data:`main`; the list of
modules below is the one place that says which commands exist.
"""

from __future__ import annotations

import importlib

from .root import main

# One module per command (or group of commands); importing it registers it on ``main``.
COMMAND_MODULES = (
    "store_cmds",
    "serve_cmd",
    "check_cmd",
    "intake_cmd",
    "report_cmd",
    "draft_cmd",
    "backup_cmd",
    "users_cmd",
    "campaign_cmd",
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"{__name__}.{_name}")

__all__ = ["main"]
