"""The layout of the package: no module name is used twice inside ``hazardlib`` for different things.

Two modules of the same name (``intake/xlsx_stream.py`` and ``exports/xlsx_stream.py``) make every mention
of one ambiguous — in a traceback, a docstring, a review or a search — so each module's name says what it
is, once. Left out: ``__init__.py`` (every package has one), the migrations' revision files (named by
number) and the Jupyter configuration files the dashboards' server reads under ``apps/share/``.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import hazardlib

ROOT = Path(hazardlib.__file__).parent
EXEMPT_DIRS = (Path("migrations", "versions"), Path("apps", "share"))  # relative to the package


def duplicated_names(root: Path) -> dict[str, list[str]]:
    """Module basenames found more than once under ``root``, each with the paths that carry it."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if path.name == "__init__.py" or any(relative.is_relative_to(d) for d in EXEMPT_DIRS):
            continue
        found[path.stem].append(str(relative))
    return {name: paths for name, paths in found.items() if len(paths) > 1}


def test_no_module_name_is_used_twice() -> None:
    assert duplicated_names(ROOT) == {}


def test_a_name_used_twice_is_found(tmp_path: Path) -> None:
    for folder in ("intake", "exports", "migrations/versions", "apps/share/config"):
        (tmp_path / folder).mkdir(parents=True)
    for path in (
        "intake/xlsx_stream.py",
        "exports/xlsx_stream.py",
        "intake/__init__.py",
        "exports/__init__.py",
        "migrations/versions/0001_initial.py",
        "exports/0001_initial.py",
        "apps/share/config/jupyter_server_config.py",
        "exports/jupyter_server_config.py",
    ):
        (tmp_path / path).write_text("")
    assert duplicated_names(tmp_path) == {"xlsx_stream": ["exports/xlsx_stream.py", "intake/xlsx_stream.py"]}
