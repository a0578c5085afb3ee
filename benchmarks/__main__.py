"""``python -m benchmarks``: time every province-scale figure against its baseline in the same run and
print the ratios, absolute times, peak memory and how they grow with the store.

    python -m benchmarks --scale tiny      # seconds; what CI runs so that the benchmarks keep working
    python -m benchmarks --scale small     # 10k hazards
    python -m benchmarks --scale full      # 10k, 100k and 1M hazards (the 1M store takes a while to build)
    python -m benchmarks --sizes 10k,100k --only results,export

Demo stores are built once with the demo generator and cached in ``--workdir`` (default
``~/.cache/hazardlib-bench`` or ``$HAZARD_BENCH_DIR``). Every timed part runs in a child process of its
own, so the peak memory printed is that part's alone. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIGURES = ("results", "export", "import", "tracker", "form", "memory", "pages", "capacity")
SCALES: dict[str, dict[str, Any]] = {
    "tiny": {"sizes": ["500"], "import_rows": [500], "repeat": 1, "sessions": 4},
    "small": {"sizes": ["10k"], "import_rows": [10_000], "repeat": 3, "sessions": 60},
    "full": {
        "sizes": ["10k", "100k", "1M"],
        "import_rows": [1_000, 10_000, 100_000],
        "repeat": 3,
        "sessions": 60,
    },
}
TARGETS: dict[str, tuple[str, str, float | None]] = {  # figure: (label, kind, bound; None: no target)
    "results_a": ("成果清单（全部县）vs pandas read_sql+groupby", "ratio", 1.0),
    "results_b": ("成果清单（全部县）vs DuckDB 内存聚合", "ratio", 1.5),
    "results_c": ("成果清单（全部县）vs DuckDB 按同样的台账形状（状态有效期）聚合", "ratio", 3.0),
    # The same work as the baselines: the list's six ledger figures alone, by the query the list runs for them.
    "results_b_ledger": ("成果清单的台账六项（同一查询，全部县）vs DuckDB 内存聚合", "ratio", 1.5),
    "results_c_ledger": ("成果清单的台账六项（同一查询，全部县）vs DuckDB 按同样的台账形状聚合", "ratio", 3.0),
    "export": ("整改台账 xlsx 导出 vs xlsxwriter constant_memory", "ratio", 1.5),
    "import": ("企业名录导入（含校验、写入）vs python-calamine 读取", "ratio", 3.0),
    "import_peer": (
        "企业名录导入 vs 同类流程（pandas read_excel calamine → pydantic → to_sql）",
        "ratio",
        1.0,
    ),
    "tracker": ("三阶段进度看板首个可见数据表格（首屏 HTML 或实时应用，先到者）vs 单按钮 Voilà", "ratio", 1.3),
    "tracker_live": ("三阶段进度看板实时应用的数据表格（可操作）vs 单按钮 Voilà", "ratio", None),
    "form": ("一次表单提交（校验、写入、审计）p99", "ms", 20.0),
    "memory": ("成果清单峰值内存", "MB", 1024.0),
    **{f"pages_{name}": (f"{name} 看板实时应用的首个数据（可操作；预启动内核池）vs 无内核池、每次新启内核的单按钮 Voilà", "ratio", 0.3)
       for name in ("index", "ledger", "inspection", "selfcheck", "spotchecks", "exports", "submissions", "tracker")},
    **{f"pages_first_{name}": (f"{name} 看板首个可见数据（首屏 HTML 或实时应用，先到者；预启动内核池）"
                               "vs 无内核池、每次新启内核的单按钮 Voilà", "ratio", 0.3)
       for name in ("index", "ledger", "inspection", "selfcheck", "spotchecks", "exports", "submissions", "tracker")},
    "capacity_median": ("齐发：并发会话首个数据中位数 vs 单人", "ratio", 2.0),
    "capacity_p90": ("齐发：并发会话首个数据 p90 vs 单人", "ratio", None),
    "capacity_memory": ("齐发：并发会话时整个服务的内存峰值", "MB", 8192.0),
    "capacity_blank": ("齐发：并发会话中的空白页面（含出错）", "页", 0.0),
    "capacity_failed_saves": ("齐发：并发会话中保存失败的表单", "次", 0.0),
    **{f"capacity_schedule_{stat}_{page}": (f"按日程：{page} 首个数据{'中位数' if stat == 'median' else ' p90'} vs 单人",
                                           "ratio", 2.0 if stat == "median" else None)
       for page in ("index", "ledger") for stat in ("median", "p90")},
    "capacity_schedule_memory": ("按日程：整个服务的内存峰值", "MB", 8192.0),
    "capacity_schedule_blank": ("按日程：空白页面（含出错）", "页", 0.0),
    "capacity_schedule_failed_saves": ("按日程：保存失败的表单", "次", 0.0),
    "capacity_wrong": ("写到错误县或错误隐患的记录（事后在数据库中核对）", "条", 0.0),
    "capacity_browsers": ("真实浏览器（每县一个）同时打开台账：首个数据中位数 vs 单个浏览器单独打开", "ratio", 2.0),
    "capacity_browsers_live": ("真实浏览器（每县一个）同时打开台账：应用界面中位数 vs 单个浏览器单独打开", "ratio", None),
    "capacity_browsers_vs_simulated": ("真实浏览器同时打开：首个数据中位数 vs 模拟单人", "ratio", None),
    "capacity_browsers_memory": ("真实浏览器同时打开期间整个服务的内存峰值", "MB", 8192.0),
}  # fmt: skip


PAGE_LIMIT_NOTE = "240 秒内没有收到控件状态，或像浏览器一样自动重开 5 次后仍显示“无法打开”，计为空白"


@dataclass
class Row:
    key: str
    size: str
    project: float
    baseline: float | None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return None if not self.baseline else self.project / self.baseline


def run_part(name: str, target: str, repeat: int) -> dict[str, Any]:
    """Run one timed part in a child process; its JSON result (seconds, peak_mb, ...)."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.parts", name, target, str(repeat)],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    from .pages import Schedule, capacity

    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default="tiny")
    parser.add_argument("--sizes", help="comma-separated store sizes: 500, 10k, 100k, 1M")
    parser.add_argument("--import-rows", help="comma-separated row counts of the import workbook")
    parser.add_argument("--only", help=f"comma-separated figures: {', '.join(FIGURES)}")
    parser.add_argument("--repeat", type=int, help="runs per timing (the median is kept)")
    parser.add_argument("--sessions", type=int, help="simulated sessions at once for the capacity figure")
    parser.add_argument(
        "--ramp",
        type=float,
        default=0.0,
        help="seconds within which the simulated sessions start (0: all at once)",
    )
    parser.add_argument(
        "--pool", type=int, default=1, help="preheated kernels per dashboard in pages and capacity"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=Schedule.rounds,
        help="capacity, after the burst: rounds of the working schedule per clerk (landing page, then the "
        "ledger with a step recorded; 0: no schedule)",
    )
    parser.add_argument(
        "--read",
        default=",".join(f"{t:g}" for t in Schedule.read),
        help="capacity schedule: seconds a clerk reads each page, drawn between MIN,MAX",
    )
    parser.add_argument(
        "--start",
        type=float,
        default=Schedule.start,
        help="capacity schedule: seconds after the logins within which each clerk's first page comes",
    )
    parser.add_argument(
        "--browsers", type=int, default=12, help="capacity: real Chromium sessions at the end"
    )
    parser.add_argument("--workdir", type=Path, help="cache folder for demo stores and workbooks")
    args = parser.parse_args(argv)

    from .stores import SIZES, copy_store, default_workdir, demo_store

    config = dict(SCALES[args.scale])
    sizes = args.sizes.split(",") if args.sizes else config["sizes"]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size {unknown}; choose from {', '.join(SIZES)}")
    import_rows = [int(n) for n in args.import_rows.split(",")] if args.import_rows else config["import_rows"]
    only = set(args.only.split(",")) if args.only else set(FIGURES)
    if only - set(FIGURES):
        parser.error(f"unknown figure {sorted(only - set(FIGURES))}; choose from {', '.join(FIGURES)}")
    repeat = args.repeat or config["repeat"]
    workdir = args.workdir or default_workdir()
    scratch = Path(tempfile.mkdtemp(prefix="hazardlib-bench-"))
    started = time.perf_counter()

    rows: list[Row] = []
    growth: list[tuple[str, str, float, float]] = []  # (figure, size, seconds, peak MB)
    for size in sizes:
        url, built = demo_store(workdir, size)
        if built:
            say(f"built the {size} demo store in {built:.0f} s")
        reps = 1 if size == "1M" else repeat
        if only & {"results", "memory"}:
            say(f"[{size}] results list")
            project = run_part("results_project", url, reps)
            growth.append(("results", size, project["seconds"], project["peak_mb"]))
            if size == sizes[-1]:
                pandas = run_part("results_pandas", url, reps)
                duck = run_part("results_duckdb", url, reps)
                shaped = run_part("results_duckdb_shape", url, reps)
                ledger = run_part("results_project_ledger", url, reps)
                same = project["figures"] == pandas["figures"] == duck["figures"] == shaped["figures"]
                same = same and ledger["figures"] == project["figures"]
                note = "同一口径核对一致" if same else "口径核对不一致！"
                if "results" in only:
                    rows.append(Row("results_a", size, project["seconds"], pandas["seconds"], note))
                    for key, mine, base in (("results_b", project, duck), ("results_c", project, shaped),
                                            ("results_b_ledger", ledger, duck), ("results_c_ledger", ledger, shaped)):  # fmt: skip
                        # CPU of the whole process (DuckDB's threads included), steadier on a shared machine
                        cpu = f"；CPU {mine['cpu']:.3f} s vs {base['cpu']:.3f} s（{mine['cpu'] / base['cpu']:.1f}x）"
                        rows.append(Row(key, size, mine["seconds"], base["seconds"], note + cpu))
                growth.append(("results (pandas)", size, pandas["seconds"], pandas["peak_mb"]))
                growth.append(("results (duckdb)", size, duck["seconds"], duck["peak_mb"]))
                growth.append(("results (duckdb, shape)", size, shaped["seconds"], shaped["peak_mb"]))
                if "memory" in only:
                    rows.append(Row("memory", size, project["peak_mb"], None, "子进程峰值 RSS"))
        if "export" in only:
            say(f"[{size}] ledger export")
            project = run_part("export_project", url, reps)
            growth.append(("export", size, project["seconds"], project["peak_mb"]))
            if size == sizes[-1]:
                base = run_part("export_xlsxwriter", url, reps)
                rows.append(
                    Row("export", size, project["seconds"], base["seconds"], f"{project['rows']:,} 行")
                )
        if "form" in only:
            say(f"[{size}] form submissions")
            copy = copy_store(url, scratch / f"form-{size}.db")
            project = run_part("form_project", copy, 200)
            Path(copy.removeprefix("sqlite:///")).unlink()
            growth.append(("form p99", size, project["seconds"], project["peak_mb"]))
            if size == sizes[-1]:
                rows.append(Row("form", size, project["seconds"] * 1000, None,
                                f"p50 {project['p50'] * 1000:.1f} ms，{project['submissions']} 次；"
                                f"CPU p50 {project['cpu_p50'] * 1000:.1f} ms，p99 {project['cpu_p99'] * 1000:.1f} ms"))  # fmt: skip
        if "tracker" in only and size == sizes[-1]:
            say(f"[{size}] tracker dashboard in the browser")
            from .tracker import measure

            t = measure(url, repeat)
            rows.append(
                Row(
                    "tracker",
                    size,
                    t["project"],
                    t["baseline"],
                    "首屏或实时应用的数据表格可见，先到者；无内核池",
                )
            )
            rows.append(
                Row("tracker_live", size, t["live"], t["baseline"], "实时应用的数据表格可见；无内核池")
            )
    if "pages" in only:
        say(f"[{sizes[-1]}] every dashboard from the kernel pool vs the one-button page without a pool")
        from .pages import FIRST_PAINT, first_data, iter_first_rows, iter_rows

        result = first_data(url, repeat, pool=args.pool)
        for name, project, base in iter_rows(result):
            rows.append(
                Row(
                    f"pages_{name}",
                    sizes[-1],
                    project,
                    base,
                    "浏览器中实时应用的首个数据可见；每个看板池 1 个内核",
                )
            )
        for name, project, base in iter_first_rows(result):
            how = "首屏 HTML 中的数据或实时应用，先到者" if name in FIRST_PAINT else "无首屏 HTML：即实时应用"
            rows.append(
                Row(f"pages_first_{name}", sizes[-1], project, base, f"浏览器中首个数据可见（{how}）")
            )
    if "capacity" in only:
        sessions = args.sessions or config["sessions"]
        say(
            f"[{sizes[-1]}] {sessions} simulated sessions (12 counties in turn) within {args.ramp:g} s, then {args.browsers} browsers"
        )
        logs = workdir / "capacity-logs" / time.strftime("%Y%m%d-%H%M%S")
        low, high = (float(t) for t in args.read.split(","))
        schedule = Schedule(rounds=args.rounds, read=(low, high), start=args.start) if args.rounds else None
        if schedule is not None:
            say(f"then the working schedule: {schedule.describe()}")
        cap = capacity(copy_store(url, scratch / "capacity.db"), sessions, pool=args.pool, ramp=args.ramp,
                       keep=logs, schedule=schedule, browsers=args.browsers)  # fmt: skip
        say(f"capacity: the server's log, the clerks' outcomes and what the browsers saw are in {logs}")
        page = "ledger"
        how = f"{cap['sessions']} 个模拟会话（12 县轮流）同时登录，在 {args.ramp:g} 秒内陆续打开台账并立即登记一步"
        rows.append(
            Row("capacity_median", sizes[-1], cap["median"], cap["single"], f"{how}；{outcomes_note(cap)}")
        )
        alone = (
            f"{cap['pages']} 页；单人基准：内核池补足后打开 3 次的中位数；单人连开两次的第二次 "
            f"{cap['single_cold'][page]:.2f} 秒（前几轮的基准，vs 它 {cap['median'] / cap['single_cold'][page]:.2f}x）"
        )
        rows.append(Row("capacity_p90", sizes[-1], cap["p90"], cap["single"], alone))
        rows.append(Row("capacity_memory", sizes[-1], cap["peak_pss_mb"], None, memory_note(cap)))
        rows.append(Row("capacity_blank", sizes[-1], float(cap["blank"]), None, f"{PAGE_LIMIT_NOTE}"))
        rows.append(
            Row("capacity_failed_saves", sizes[-1], float(cap["failed_saves"]), None, saves_note(cap))
        )
        if "schedule" in cap:
            sch = cap["schedule"]
            for page, part in sch["by_page"].items():
                single = cap["single_by_page"][page]
                note = f"{part['pages']} 页；单人 {single:.2f} 秒" + (
                    f"；{sch['describe']}" if page == "index" else ""
                )
                rows.append(Row(f"capacity_schedule_median_{page}", sizes[-1], part["median"], single, note))
                rows.append(
                    Row(f"capacity_schedule_p90_{page}", sizes[-1], part["p90"], single, outcomes_note(part))
                )
            note = f"登录 {sch['logins']:.0f} 秒，全程 {sch['seconds']:.0f} 秒；{memory_note(sch)}"
            rows.append(Row("capacity_schedule_memory", sizes[-1], sch["peak_pss_mb"], None, note))
            rows.append(
                Row("capacity_schedule_blank", sizes[-1], float(sch["blank"]), None, outcomes_note(sch))
            )
            rows.append(Row("capacity_schedule_failed_saves", sizes[-1], float(sch["failed_saves"]), None,
                            saves_note(sch)))  # fmt: skip
        wrong = cap["wrong"]
        written = f"写入 {wrong['written']} 条整改记录，丢失 {wrong['lost']} 条"
        rows.append(Row("capacity_wrong", sizes[-1], float(wrong["wrong"]), None, written))
        if "browsers" in cap:
            b = cap["browsers"]
            note = (
                f"{b['sessions']} 个 Chromium 会话（每县一个）同时登录并打开台账，首个数据（首屏或应用，先到者）；"
                f"单人为 1 个 Chromium 会话单独打开（{b['single']:.2f} 秒）；空白 {b['blank']} 个"
            )
            rows.append(Row("capacity_browsers", sizes[-1], b["median"], b["single"], note))
            note = f"应用界面出现的中位数；单人 {b['single_live']:.2f} 秒"
            rows.append(Row("capacity_browsers_live", sizes[-1], b["median_live"], b["single_live"], note))
            note = f"首个数据中位数 vs 模拟单人（{cap['single']:.2f} 秒，只取部件状态，不绘制页面）"
            rows.append(Row("capacity_browsers_vs_simulated", sizes[-1], b["median"], cap["single"], note))
            rows.append(
                Row(
                    "capacity_browsers_memory",
                    sizes[-1],
                    b["peak_pss_mb"],
                    None,
                    f"Chromium 会话期间；{memory_note(b)}",
                )
            )
    if "import" in only:
        from .workbooks import enterprises_workbook

        for n in import_rows:
            say(f"[{n} rows] import")
            path = enterprises_workbook(workdir, n)
            if n != import_rows[-1]:
                project = run_part("import_project", str(path), 1 if n >= 100_000 else repeat)
                growth.append(("import", f"{n:,} rows", project["seconds"], project["peak_mb"]))
                continue
            # the ratios: the import, the bare read and the peer pipeline in turn, each a run at a time (the
            # machine's speed drifts by a quarter within a minute), the median of each
            runs = [(run_part("import_project", str(path), 1), run_part("import_calamine", str(path), 1),
                     run_part("import_peer", str(path), 1)) for _ in range(repeat)]  # fmt: skip
            project = runs[0][0] | {"seconds": statistics.median(p["seconds"] for p, _b, _q in runs)}
            project["peak_mb"] = max(p["peak_mb"] for p, _b, _q in runs)
            base = statistics.median(b["seconds"] for _p, b, _q in runs)
            peer = runs[0][2] | {"seconds": statistics.median(q["seconds"] for _p, _b, q in runs)}
            growth.append(("import", f"{n:,} rows", project["seconds"], project["peak_mb"]))
            growth.append(
                ("import (peer)", f"{n:,} rows", peer["seconds"], max(q["peak_mb"] for *_r, q in runs))
            )
            # on a shared machine the wall time measures the queue for a core: the CPU time of each (every
            # thread of its process) beside it, medians of the same runs
            cpu = [statistics.median(r[i]["cpu"] for r in runs) for i in range(3)]
            note = (
                f"{project['rows']:,} 行写入，{project['rejected']} 行拒收；交替 {repeat} 轮取中位数；"
                f"CPU {cpu[0]:.2f} s vs {cpu[1]:.2f} s（{cpu[0] / cpu[1]:.1f}x）"
            )
            rows.append(Row("import", f"{n:,} rows", project["seconds"], base, note))
            note = (
                f"同类流程写入 {peer['rows']:,} 行（无审计、无问题清单、不按信用代码更新）；"
                f"CPU {cpu[0]:.2f} s vs {cpu[2]:.2f} s（{cpu[0] / cpu[2]:.2f}x）"
            )
            rows.append(Row("import_peer", f"{n:,} rows", project["seconds"], peer["seconds"], note))

    shutil.rmtree(scratch, ignore_errors=True)
    print_tables(rows, growth)
    print(f"\ntotal {time.perf_counter() - started:.0f} s; stores cached in {workdir}")
    return 0


def outcomes_note(part: dict[str, Any]) -> str:
    """What the pages of a capacity phase met on the way: busy retries, "unavailable" pages and errors."""
    again = (
        f"“暂时无法打开”后自动重开 {part['unavailable']} 次（{'；'.join(part['unavailable_why']) or '无'}）"
    )
    return f"繁忙重试 {part['retries']} 次；{again}；错误：{'；'.join(part['errors']) or '无'}"


def memory_note(part: dict[str, Any]) -> str:
    """The memory figures beside the one judged (the peak of the proportional memory, PSS: each page the server's
    processes share counted once in all, what they take from the machine together)."""
    return (
        f"Voilà、预加载进程与全部内核按比例分摊共享页（PSS）之和的峰值，其时 {part['kernels_at_peak']} 个内核、"
        f"每个内核独占（USS）{part['kernel_uss_mb']:.0f} MB；常驻内存（RSS）逐进程相加的峰值 "
        f"{part['peak_mb']:.0f} MB（共享页按进程重复计入，偏大）；整机可用内存（MemAvailable）"
        f"服务启动前 {part['available_before_mb']:.0f} MB，至此阶段最低点共减少 {part['machine_lost_mb']:.0f} MB"
        "（含本机其他程序与基准自身的客户端、浏览器）"
    )


def saves_note(part: dict[str, Any]) -> str:
    none = part["nothing_to_record"]
    left = f"；{none} 人的列表中已没有可登记的隐患（演示库较小，未计为失败）" if none else ""
    return f"{part['saves']} 次登记；失败原因：{'；'.join(part['save_errors']) or '无'}{left}"


def print_tables(rows: list[Row], growth: list[tuple[str, str, float, float]]) -> None:
    print("\nfigure | store | project | baseline | ratio | target | met? | note")
    print("---|---|---|---|---|---|---|---")
    for r in rows:
        label, kind, bound = TARGETS[r.key]
        if bound is None:  # shown beside a figure with a target, none of its own
            value = r.ratio
            shown = f"{value:.2f}x" if value is not None and kind == "ratio" else "—"
            print(f"{label} | {r.size} | {r.project:.3f} s | {f'{r.baseline:.3f} s' if r.baseline else '—'} | "
                  f"{shown} | — | — | {r.note}")  # fmt: skip
            continue
        if kind == "ratio":
            value = r.ratio
            shown = f"{value:.2f}x" if value is not None else "—"
            faster = r.key in ("results_a", "import_peer")  # to be faster than the baseline
            target = f"<= {bound:g}x" if not faster else "< 1x"
            met = value is not None and (value < bound if faster else value <= bound)
            project, baseline = f"{r.project:.3f} s", f"{r.baseline:.3f} s" if r.baseline else "—"
        else:
            shown, met = "—", r.project <= bound
            target = f"<= {bound:g} {kind}"
            project, baseline = f"{r.project:.1f} {kind}", "—"
        print(
            f"{label} | {r.size} | {project} | {baseline} | {shown} | {target} | {'是' if met else '否'} | {r.note}"
        )
    if growth:
        print("\ngrowth: figure | size | seconds | peak MB")
        print("---|---|---|---")
        for figure, size, seconds, peak in growth:
            print(f"{figure} | {size} | {seconds:.3f} | {peak:.0f}")


if __name__ == "__main__":
    sys.exit(main())
