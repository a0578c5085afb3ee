"""Keep the committed notebooks clean: no outputs except the pinned ones, no execution counts, no noisy
metadata — the nbstripout rules, plus one exception for nbval.

A code cell with a comment line ``# NBVAL_CHECK_OUTPUT`` pins its output: ``pytest --nbval-lax`` compares
what the cell prints now with what is saved, so a changed definition shows up as a failing notebook.
Those cells keep their outputs (without output metadata) and the execution count 1 — nbval refuses a
saved output whose cell looks unrun; every other output and count goes.

    python -m devtools.strip_notebooks                    # clean notebooks/*.ipynb in place
    python -m devtools.strip_notebooks --check            # list what is not clean; exit 1 if any
    python -m devtools.strip_notebooks --execute [FILES]  # run them on a fresh demo store, keep
                                                          # the pinned outputs, strip the rest

``--execute`` uses ``HAZARD_DB`` when set, else builds a temporary demo store (seed 7, scale 1).
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat

MARKER = "NBVAL_CHECK_OUTPUT"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
KEPT_CELL_METADATA = ("tags",)
PINNED_COUNT = 1
"""The execution count a pinned cell keeps (nbval treats a cell with outputs and no count as an error)."""
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

MESSAGES = {
    "count": "第 {n} 个单元格的执行序号为 {count}（应为{want}）",
    "output": "第 {n} 个单元格有输出，但没有标记 # NBVAL_CHECK_OUTPUT",
    "pinned_empty": "第 {n} 个单元格标记了 # NBVAL_CHECK_OUTPUT，但没有保存输出（用 --execute 重新生成）",
    "output_noise": "第 {n} 个单元格保存的输出带有执行序号或元数据",
    "cell_metadata": "第 {n} 个单元格的元数据不干净：{keys}",
    "cell_id": "第 {n} 个单元格的编号“{id}”应为“{want}”",
    "metadata": "笔记本元数据应只有 kernelspec（python3），现有：{keys}",
    "kernelspec": "笔记本的 kernelspec 应为 python3",
    "format": "文件格式与规范写法不同（缩进、键的顺序或换行）",
    "dirty": "{path}：\n  {problems}",
    "hint": "运行 python -m devtools.strip_notebooks 整理后再提交。",
    "cleaned": "已整理：{path}",
    "clean": "无需整理：{path}",
    "executing": "运行：{path}",
    "store": "演示数据库：{url}",
}


def is_pinned(cell: dict[str, Any]) -> bool:
    """True for a code cell whose output nbval checks: a comment line ``# NBVAL_CHECK_OUTPUT`` (read as
    nbval reads its comment markers)."""
    if cell.get("cell_type") != "code":
        return False
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else source
    return any(
        line.strip().startswith("#") and line.strip().lstrip("#").strip() == MARKER
        for line in text.splitlines()
    )


def _cell_id(index: int) -> str:
    return f"c{index + 1:02d}"


def _clean_output(output: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in output.items() if k != "transient"}
    if "execution_count" in out:
        out["execution_count"] = PINNED_COUNT
    if "metadata" in out:
        out["metadata"] = {}
    return out


def clean(nb: dict[str, Any]) -> dict[str, Any]:
    """A clean copy of notebook ``nb`` (as nbformat's dict): outputs only in pinned cells, no execution
    counts (a pinned cell with outputs: 1), cell ids c01, c02…, cell metadata only ``tags``, notebook metadata only the python3 kernelspec."""
    out = copy.deepcopy(nb)
    out["metadata"] = {"kernelspec": dict(KERNELSPEC)}
    out["nbformat"], out["nbformat_minor"] = 4, 5
    for index, cell in enumerate(out.get("cells", [])):
        cell["id"] = _cell_id(index)
        cell["metadata"] = {k: v for k, v in cell.get("metadata", {}).items() if k in KEPT_CELL_METADATA}
        if cell.get("cell_type") == "code":
            pinned = is_pinned(cell)
            cell["outputs"] = [_clean_output(o) for o in cell.get("outputs", [])] if pinned else []
            cell["execution_count"] = PINNED_COUNT if pinned and cell["outputs"] else None
    return out


def render(nb: dict[str, Any]) -> str:
    """The notebook as nbformat writes it (indent 1, sorted keys, sources split in lines), newline-ended."""
    text = nbformat.writes(nbformat.from_dict(nb), version=4)
    return text if text.endswith("\n") else text + "\n"


def problems(text: str) -> list[str]:
    """What is not clean in a notebook file's text, in Chinese; empty when it is clean."""
    nb = nbformat.reads(text, as_version=4)
    found = []
    extra = sorted(set(nb.get("metadata", {})) - {"kernelspec"})
    if extra:
        found.append(MESSAGES["metadata"].format(keys="、".join(extra)))
    if nb.get("metadata", {}).get("kernelspec", {}).get("name") != "python3":
        found.append(MESSAGES["kernelspec"])
    for index, cell in enumerate(nb.get("cells", [])):
        n = index + 1
        if cell.get("id") != _cell_id(index):
            found.append(MESSAGES["cell_id"].format(n=n, id=cell.get("id"), want=_cell_id(index)))
        noisy = sorted(set(cell.get("metadata", {})) - set(KEPT_CELL_METADATA))
        if noisy:
            found.append(MESSAGES["cell_metadata"].format(n=n, keys="、".join(noisy)))
        if cell.get("cell_type") != "code":
            continue
        outputs = cell.get("outputs", [])
        want = PINNED_COUNT if is_pinned(cell) and outputs else None
        if cell.get("execution_count") != want:
            found.append(MESSAGES["count"].format(n=n, count=cell.get("execution_count"), want=want or "空"))
        if is_pinned(cell):
            if not outputs:
                found.append(MESSAGES["pinned_empty"].format(n=n))
            elif any(_clean_output(o) != o for o in outputs):
                found.append(MESSAGES["output_noise"].format(n=n))
        elif outputs:
            found.append(MESSAGES["output"].format(n=n))
    if not found and render(clean(nb)) != text:
        found.append(MESSAGES["format"])
    return found


def strip_file(path: str | Path) -> bool:
    """Clean the notebook at ``path`` in place; True when the file changed."""
    target = Path(path)
    text = target.read_text(encoding="utf-8")
    cleaned = render(clean(nbformat.reads(text, as_version=4)))
    if cleaned == text:
        return False
    target.write_text(cleaned, encoding="utf-8")
    return True


def execute_file(path: str | Path, *, timeout: int = 600) -> None:
    """Run the notebook at ``path`` top to bottom in a python3 kernel (working folder: its own), then
    clean it, keeping the outputs of its pinned cells. Raises on the first failing cell."""
    from nbclient import NotebookClient  # noqa: PLC0415 -- optional heavy: only --execute runs a kernel

    target = Path(path)
    nb = nbformat.read(target, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(target.parent)}}
    )
    client.execute()
    target.write_text(render(clean(nb)), encoding="utf-8")


def _paths(given: Sequence[str]) -> list[Path]:
    return [Path(p) for p in given] if given else sorted(NOTEBOOKS.glob("*.ipynb"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.strip_notebooks",
        description="整理笔记本：只保留标记 # NBVAL_CHECK_OUTPUT 的单元格的输出，去掉执行序号和多余的元数据。",
    )
    parser.add_argument("paths", nargs="*", help="笔记本文件（默认 notebooks/*.ipynb）")
    parser.add_argument("--check", action="store_true", help="只检查，列出不干净的笔记本；有则退出码为 1")
    parser.add_argument(
        "--execute", action="store_true", help="先在演示数据库上运行，再整理（重新生成固定的输出）"
    )
    args = parser.parse_args(argv)
    paths = _paths(args.paths)
    if args.check:
        dirty = [(p, problems(p.read_text(encoding="utf-8"))) for p in paths]
        dirty = [(p, found) for p, found in dirty if found]
        for p, found in dirty:
            print(MESSAGES["dirty"].format(path=p, problems="\n  ".join(found)), file=sys.stderr)
        if dirty:
            print(MESSAGES["hint"], file=sys.stderr)
        return 1 if dirty else 0
    if args.execute:
        _ensure_store()
        for p in paths:
            print(MESSAGES["executing"].format(path=p), file=sys.stderr)
            execute_file(p)
        return 0
    for p in paths:
        print(MESSAGES["cleaned" if strip_file(p) else "clean"].format(path=p), file=sys.stderr)
    return 0


def _ensure_store() -> None:
    if os.environ.get("HAZARD_DB"):
        return
    from .nbval_store import build  # noqa: PLC0415 -- optional heavy (demo, pandas): only --execute

    url = build(Path(tempfile.mkdtemp(prefix="hazard-nb-")) / "demo.db")
    os.environ["HAZARD_DB"] = url  # the kernels inherit it
    print(MESSAGES["store"].format(url=url), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
