"""No private attribute of another library is read or written anywhere in ``hazardlib``, and nothing is
imported from another library's private module (issue 17, item 5: "public APIs only").

The package's source is scanned with :mod:`ast`: an attribute ``x._name`` (not a dunder) is the
project's own only when ``x`` is ``self`` or ``cls``, or a name the module binds to the project's own
classes and modules (a class it defines, a name it imports from ``hazardlib`` or relatively);
``getattr``/``setattr``/``hasattr``/``delattr`` with a literal ``"_name"`` count the same. Every other
such access is a finding unless :data:`ALLOWED` names it, and every entry there must still be needed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import hazardlib

PACKAGE = Path(hazardlib.__file__).resolve().parent
REFLECTION = {"getattr", "setattr", "hasattr", "delattr"}

# Attributes another library documents as public though their names start with "_".
PUBLIC_UNDERSCORED = {
    "_mapping": "SQLAlchemy's Row._mapping (documented; underscored so as not to clash with column names)",
}
# Findings left alone for now, by file and expression; each entry must still match something.
ALLOWED: dict[tuple[str, str], str] = {}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _own_names(tree: ast.Module) -> set[str]:
    """``self``, ``cls`` and the names the module binds to the project's own classes and modules."""
    own = {"self", "cls"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            own.add(node.name)
        elif isinstance(node, ast.ImportFrom) and (node.level > 0 or _ours(node.module)):
            own.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            own.update((a.asname or a.name).split(".")[0] for a in node.names if _ours(a.name))
    return own


def _ours(module: str | None) -> bool:
    return module is not None and (module == "hazardlib" or module.startswith("hazardlib."))


def findings(root: Path) -> list[tuple[str, int, str]]:
    """Every access to another library's private attribute or module under ``root``: (file relative to
    ``root``, line, the expression)."""
    out: list[tuple[str, int, str]] = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        own = _own_names(tree)

        def foreign(base: ast.expr, own: set[str] = own) -> bool:
            return not (isinstance(base, ast.Name) and base.id in own)

        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                if node.attr not in PUBLIC_UNDERSCORED and foreign(node.value):
                    out.append((rel, node.lineno, ast.unparse(node)))
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in REFLECTION
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
                and _private(node.args[1].value)
                and foreign(node.args[0])
            ):
                out.append((rel, node.lineno, ast.unparse(node)))
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and not _ours(node.module):
                if any(_private(part) for part in (node.module or "").split(".")):
                    out.append((rel, node.lineno, f"from {node.module} import ..."))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if not _ours(alias.name) and any(_private(p) for p in alias.name.split(".")):
                        out.append((rel, node.lineno, f"import {alias.name}"))
    return out


def test_no_private_attribute_or_module_of_another_library_is_used():
    found = [(rel, line, expr) for rel, line, expr in findings(PACKAGE) if (rel, expr) not in ALLOWED]
    assert found == [], "\n".join(f"hazardlib/{rel}:{line}: {expr}" for rel, line, expr in found)


def test_every_allowed_exception_is_still_needed():
    seen = {(rel, expr) for rel, _line, expr in findings(PACKAGE)}
    assert set(ALLOWED) <= seen, f"drop these entries of ALLOWED: {sorted(set(ALLOWED) - seen)}"


SAMPLE = """
import openpyxl
import xlsxwriter._private
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from hazardlib.models import _Dated
from .xlsx import _value

class Mine:
    def go(self, ws, c):
        self._x = _Dated._not_future
        c._style = ws._style
        getattr(ws, "_write_string", None)
        getattr(self, "_was", None)
        return _value, row._mapping, openpyxl.__version__
"""


def test_the_scan_finds_what_it_looks_for(tmp_path):
    (tmp_path / "sample.py").write_text(SAMPLE, encoding="utf-8")
    assert [(line, expr) for _rel, line, expr in findings(tmp_path)] == [
        (3, "import xlsxwriter._private"),
        (4, "from openpyxl.worksheet._write_only import ..."),
        (11, "c._style"),
        (11, "ws._style"),
        (12, "getattr(ws, '_write_string', None)"),
    ]
