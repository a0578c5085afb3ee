"""The province-scale benchmarks keep working: the tiny suite runs end to end and prints every figure.

Only that it ran is checked; the times it prints are never asserted (see ``docs/benchmarks.md``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.pages import json_part, kernel_message

ROOT = Path(__file__).resolve().parents[1]
FIGURES = (
    "vs pandas",
    "vs DuckDB",
    "峰值内存",
    "xlsx 导出",
    "表单提交",
    "导入",
    "同类流程",
    "看板首个可见数据表格",
    "看板实时应用的数据表格",
)


@pytest.mark.browser
@pytest.mark.slow
def test_the_tiny_benchmark_suite_runs_and_prints_every_figure(tmp_path: Path) -> None:
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("跳过：没有 /usr/bin/chromium（看板基准需要浏览器）")
    done = subprocess.run(
        # the kernel-pool and capacity figures start servers for minutes: `./workbook bench` only
        [sys.executable, "-m", "benchmarks", "--scale", "tiny", "--workdir", str(tmp_path),
         "--only", "results,export,import,tracker,form,memory"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    table = [line for line in done.stdout.splitlines() if " | " in line]
    for figure in FIGURES:
        assert any(figure in line for line in table), f"{figure} missing from:\n{done.stdout}"
    assert any(line.startswith("results | 500 |") for line in table)  # the growth table


def test_the_simulated_clerk_reads_a_message_with_buffers_as_the_browser_does() -> None:
    """A widget message with buffers comes as one binary frame: part count, offsets, then the JSON first."""
    msg = json.dumps(
        kernel_message("s", "comm_msg", {"comm_id": "c", "data": {"method": "update_states"}})
    ).encode()
    buffer = b"\x00\x01binary"
    header = (2).to_bytes(4, "big") + (12).to_bytes(4, "big") + (12 + len(msg)).to_bytes(4, "big")
    assert json.loads(json_part(header + msg + buffer))["content"]["data"]["method"] == "update_states"
    opened = kernel_message("s", "comm_open", {"target_name": "jupyter.widget.control"})
    assert opened["metadata"] == {"version": "1.0.0"}  # ipywidgets refuses the control comm without it
