"""The committed notebooks are clean (only pinned outputs, no execution counts, no noisy metadata), short
and logic-free, each opening with what it answers; the strip tool and the nbval store behave.

The notebooks themselves run under nbval, a separate pytest invocation (see docs/notebooks.md)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat
import pytest

from devtools import nbval_store, strip_notebooks
from devtools.strip_notebooks import clean, is_pinned, problems, render

from .situations import Situation

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
CJK = re.compile(r"[\u4e00-\u9fff]")
MAX_LINES = 12  # cells stay short: a call, a selection of columns, a chart


def test_there_are_eight_notebooks():
    assert [p.name[:3] for p in NOTEBOOKS] == [f"0{i}_" for i in range(1, 9)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_committed_notebook_is_clean(path):
    assert problems(path.read_text(encoding="utf-8")) == [], strip_notebooks.MESSAGES["hint"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_says_what_it_answers_and_only_calls_hazardlib(path):
    nb = nbformat.read(path, as_version=4)
    first, setup = nb.cells[0], nb.cells[1]
    assert first.cell_type == "markdown" and first.source.startswith("# ") and CJK.search(first.source)
    assert "本笔记本回答" in first.source
    assert "AS_OF = dt.date(" in setup.source and "explore.open_workbook()" in setup.source
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert any(is_pinned(c) for c in code)
    for cell in code:
        assert len(cell.source.splitlines()) <= MAX_LINES, cell.source
        assert not re.search(r"^\s*(def|class|import sqlalchemy|from sqlalchemy)\b", cell.source, re.M), (
            cell.source
        )
        assert "HAZARD_DB" not in cell.source  # the store comes from explore.open_workbook()


def dirty_notebook() -> dict:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# 标题"),
            nbformat.v4.new_code_cell(
                "x = 1\nx", execution_count=3, metadata={"collapsed": True, "tags": ["t"]}
            ),
            nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(x)", execution_count=4),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3"},
            "language_info": {"name": "python", "version": "3.11"},
        },
    )
    nb.cells[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=3)]
    nb.cells[2].outputs = [
        nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=4, metadata={"a": 1})
    ]
    return nb


def test_the_strip_tool_lists_every_problem_and_keeps_only_the_pinned_output():
    nb = dirty_notebook()
    found = problems(render(nb))
    assert any("language_info" in p for p in found)
    assert any("第 2 个单元格有输出" in p for p in found)
    assert any("第 2 个单元格的执行序号为 3" in p for p in found)
    assert any("第 2 个单元格的元数据不干净：collapsed" in p for p in found)
    assert any("第 3 个单元格保存的输出带有执行序号或元数据" in p for p in found)

    cleaned = clean(nb)
    assert problems(render(cleaned)) == []
    assert cleaned["metadata"] == {"kernelspec": strip_notebooks.KERNELSPEC}
    assert [c["id"] for c in cleaned["cells"]] == ["c01", "c02", "c03"]
    _, plain, pinned = cleaned["cells"]
    assert (
        plain["outputs"] == [] and plain["execution_count"] is None and plain["metadata"] == {"tags": ["t"]}
    )
    assert pinned["execution_count"] == 1  # nbval refuses saved outputs of a cell that looks unrun
    assert pinned["outputs"][0]["data"] == {"text/plain": "1"} and pinned["outputs"][0]["metadata"] == {}
    assert nb["cells"][1]["outputs"]  # the original is not changed


def test_a_pinned_cell_without_a_saved_output_is_reported():
    nb = dirty_notebook()
    nb.cells[2].outputs = []
    assert any("没有保存输出" in p for p in problems(render(clean(nb))))


def test_the_command_checks_and_strips_files_in_place(tmp_path, capsys):
    path = tmp_path / "脏.ipynb"
    path.write_text(json.dumps(dirty_notebook(), ensure_ascii=False), encoding="utf-8")
    assert strip_notebooks.main(["--check", str(path)]) == 1
    assert "脏.ipynb" in capsys.readouterr().err
    assert strip_notebooks.main([str(path)]) == 0
    assert strip_notebooks.main(["--check", str(path)]) == 0
    assert not strip_notebooks.strip_file(path)  # idempotent
    kept = nbformat.read(path, as_version=4)
    assert [len(c.get("outputs", [])) for c in kept.cells] == [0, 0, 1]


def test_is_pinned_reads_the_marker_as_nbval_does():
    cell = nbformat.v4.new_code_cell("##  NBVAL_CHECK_OUTPUT  \nprint(1)")
    assert is_pinned(cell)
    assert not is_pinned(nbformat.v4.new_code_cell("print('# NBVAL_CHECK_OUTPUT')"))
    assert not is_pinned(nbformat.v4.new_markdown_cell("# NBVAL_CHECK_OUTPUT"))


def test_the_nbval_store_is_the_demo_and_another_store_is_refused(tmp_path, monkeypatch, store, capsys):
    monkeypatch.setattr(nbval_store, "DEMO_SCALE", 0.02)
    path = tmp_path / "nb.db"
    url = nbval_store.build(path)
    assert url == f"sqlite:///{path.resolve()}"
    assert nbval_store.build(path) == url  # reused as it is
    Situation(store).enterprise("522701")
    other = Path(store.url.removeprefix("sqlite:///"))
    assert nbval_store.main([str(other)]) == 1
    assert "不是种子 7" in capsys.readouterr().err


def test_clean_does_not_touch_its_argument():
    nb = dirty_notebook()
    before = copy.deepcopy(nb)
    clean(nb)
    assert nb == before


def test_without_paths_the_tool_works_on_every_notebook_of_the_repository():
    """``python -m devtools.strip_notebooks --check`` with no paths checks the notebooks/ folder (the tool
    moved out of the package once and silently checked nothing)."""
    assert Path(__file__).resolve().parents[1] / "notebooks" == strip_notebooks.NOTEBOOKS
    assert sorted(strip_notebooks.NOTEBOOKS.glob("*.ipynb")) == NOTEBOOKS and NOTEBOOKS
