"""The layout of the package: no module name is used twice inside ``hazardlib`` for different things.

Two modules of the same name (``intake/xlsx_stream.py`` and ``exports/xlsx_stream.py``) make every mention
of one ambiguous — in a traceback, a docstring, a review or a search — so each module's name says what it
is, once. Left out: ``__init__.py`` (every package has one), the migrations' revision files (named by
number) and the Jupyter configuration files the dashboards' server reads under ``apps/share/``.
"""

from __future__ import annotations

import ast
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


def imports_of_package_modules(root: Path, package: str) -> list[str]:
    """Where a module outside ``package`` (a subpackage of ``root``) imports one of its modules instead of the
    package itself: ``from ..stages.progress import x`` or ``import hazardlib.stages.progress``."""
    inside = root / package
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.is_relative_to(inside):
            continue
        for tree_node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(tree_node, ast.ImportFrom):
                names = [tree_node.module or ""]
            elif isinstance(tree_node, ast.Import):
                names = [alias.name for alias in tree_node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if package in parts[:-1]:
                    found.append(f"{path.relative_to(root)}:{tree_node.lineno} {name}")
    return found


def test_stages_is_imported_as_one_package() -> None:
    """``hazardlib.stages`` is split into modules for its reader; every caller imports the package itself."""
    assert imports_of_package_modules(ROOT, "stages") == []
    assert imports_of_package_modules(ROOT.parent / "tests", "stages") == []


def test_models_is_imported_as_one_package() -> None:
    """``hazardlib.models`` is split into modules by concern; every caller imports the package itself."""
    assert imports_of_package_modules(ROOT, "models") == []
    assert imports_of_package_modules(ROOT.parent / "tests", "models") == []


def test_an_import_of_a_package_module_is_found(tmp_path: Path) -> None:
    (tmp_path / "stages").mkdir()
    (tmp_path / "stages" / "progress.py").write_text("from .windows import window\n", encoding="utf-8")
    (tmp_path / "rules.py").write_text("from .stages.progress import county_progress\n", encoding="utf-8")
    (tmp_path / "apps.py").write_text("from .stages import county_progress\n", encoding="utf-8")
    assert imports_of_package_modules(tmp_path, "stages") == ["rules.py:1 stages.progress"]


def private_imports(root: Path) -> list[str]:
    """Where a module uses another module's private name: imports it (``from .docx import _para``) or reaches
    it through a name it imported (``xlsx_stream._cell(...)``, ``accounts._hasher``). A helper used across
    modules is public, named without the leading underscore; a test uses what the code it tests offers."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported: set[str] = set()
        for tree_node in ast.walk(tree):
            if isinstance(tree_node, ast.ImportFrom):
                for alias in tree_node.names:
                    if is_private(alias.name):
                        found.append(f"{path.relative_to(root)}:{tree_node.lineno} {alias.name}")
                    imported.add(alias.asname or alias.name)
            elif isinstance(tree_node, ast.Import):
                imported.update(alias.asname or alias.name.split(".")[0] for alias in tree_node.names)
        for tree_node in ast.walk(tree):
            if (
                isinstance(tree_node, ast.Attribute)
                and isinstance(tree_node.value, ast.Name)
                and tree_node.value.id in imported
                and is_private(tree_node.attr)
            ):
                found.append(
                    f"{path.relative_to(root)}:{tree_node.lineno} {tree_node.value.id}.{tree_node.attr}"
                )
    return sorted(found)


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_module_imports_another_ones_private_name() -> None:
    assert private_imports(ROOT) == []


def test_no_test_or_benchmark_uses_another_modules_private_name() -> None:
    for folder in ("tests", "benchmarks"):
        assert private_imports(ROOT.parent / folder) == [], folder


def test_a_private_import_is_found(tmp_path: Path) -> None:
    (tmp_path / "draft.py").write_text(
        "from __future__ import annotations\nfrom .docx import _para, grid_table\n", encoding="utf-8"
    )
    (tmp_path / "test_stream.py").write_text(
        "import hazardlib.accounts\nfrom hazardlib.exports import xlsx_stream\n\n"
        "def test(row, _cell):\n"
        "    assert xlsx_stream._cell(row) == xlsx_stream.writable_cell(row) == row._cell == _cell\n"
        "    assert hazardlib._version and xlsx_stream.__name__\n",
        encoding="utf-8",
    )
    assert private_imports(tmp_path) == [
        "draft.py:2 _para",
        "test_stream.py:5 xlsx_stream._cell",  # not a private name of an argument or of an object
        "test_stream.py:6 hazardlib._version",
    ]
