"""The timed parts of every figure. Each part runs alone in a child process (``python -m benchmarks.parts
NAME ARGS...``) so that the peak resident memory it reports is its own; it prints one JSON line."""

from __future__ import annotations

import datetime as dt
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

AS_OF = dt.date(2024, 9, 15)
PARTS: dict[str, Callable[..., dict[str, Any]]] = {}


def part(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    PARTS[fn.__name__] = fn
    return fn


CPU: list[float] = []  # the CPU time of each run of the last timed() call


def timed(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The median wall time of ``repeat`` runs of ``run``, and what the last run returned. The CPU time of
    each run (every thread of this process: SQLite runs in it, DuckDB in threads of it) is kept in
    :data:`CPU`: on a machine shared with other jobs the wall time measures the load more than the code."""
    times, out = [], None
    CPU.clear()
    for _ in range(max(1, repeat)):
        start, cpu = time.perf_counter(), time.process_time()
        out = run()
        times.append(time.perf_counter() - start)
        CPU.append(time.process_time() - cpu)
    return statistics.median(times), out


def _cpu() -> float:
    """The median CPU time of the runs of the last :func:`timed` call."""
    return statistics.median(CPU)


# -- results list -------------------------------------------------------------------------------
HAZARD_FIGURES = (
    "hazards_found", "hazards_general", "hazards_larger", "hazards_major", "hazards_closed", "hazards_overdue",
)  # fmt: skip


def _hazard_rows(url: str) -> tuple[Any, Any, dt.date]:
    """The rows an analyst reads for the ledger figures: hazards with their enterprise's county, events."""
    import pandas as pd
    import sqlalchemy as sa

    from hazardlib.reports.scope import campaign_for

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        hazards = pd.read_sql(
            "SELECT h.id, h.kind, h.grade, h.found_date, e.county_code FROM hazards h "
            "JOIN enterprises e ON e.id = h.enterprise_id",
            conn,
        )
        events = pd.read_sql("SELECT id, hazard_id, event_date, to_state, deadline FROM hazard_events", conn)
    engine.dispose()
    return hazards, events, campaign_for(AS_OF).start


def _pandas_figures(hazards: Any, events: Any, start: dt.date) -> Any:
    """The ledger figures of the results list per county, the way an analyst writes them in pandas."""
    as_of = AS_OF.isoformat()
    h = hazards[(hazards["found_date"] >= start.isoformat()) & (hazards["found_date"] <= as_of)]
    ev = events[events["event_date"] <= as_of].sort_values(["hazard_id", "event_date", "id"])
    state = ev.groupby("hazard_id")["to_state"].last()
    deadline = ev.dropna(subset=["deadline"]).groupby("hazard_id")["deadline"].last()
    h = h.assign(state=h["id"].map(state).fillna("found"), deadline=h["id"].map(deadline))
    hz = h[h["kind"] == "hazard"]
    out = hz.groupby("county_code").agg(
        hazards_found=("id", "size"),
        hazards_general=("grade", lambda g: int((g == "general").sum())),
        hazards_larger=("grade", lambda g: int((g == "larger").sum())),
        hazards_major=("grade", lambda g: int((g == "major").sum())),
        hazards_closed=("state", lambda s: int((s == "closed").sum())),
    )
    overdue = hz[(hz["state"] == "ordered") & (hz["deadline"] < as_of)].groupby("county_code").size()
    out["hazards_overdue"] = overdue.reindex(out.index).fillna(0).astype("int64")
    return out


DUCK_SQL = """
WITH ev AS (SELECT * FROM events WHERE event_date <= $as_of),
last_state AS (
  SELECT hazard_id, arg_max(to_state, event_date * 1000000000 + id) AS state FROM ev GROUP BY hazard_id),
last_deadline AS (
  SELECT hazard_id, arg_max(deadline, event_date * 1000000000 + id) AS deadline
  FROM ev WHERE deadline IS NOT NULL GROUP BY hazard_id),
led AS (
  SELECT h.county_code, h.grade, coalesce(s.state, 'found') AS state, d.deadline
  FROM hazards h LEFT JOIN last_state s ON s.hazard_id = h.id LEFT JOIN last_deadline d ON d.hazard_id = h.id
  WHERE h.kind = 'hazard' AND h.found_date BETWEEN $start AND $as_of)
SELECT county_code, count(*) AS hazards_found,
  count(*) FILTER (grade = 'general') AS hazards_general,
  count(*) FILTER (grade = 'larger') AS hazards_larger,
  count(*) FILTER (grade = 'major') AS hazards_major,
  count(*) FILTER (state = 'closed') AS hazards_closed,
  count(*) FILTER (state = 'ordered' AND deadline < $as_of) AS hazards_overdue
FROM led GROUP BY county_code ORDER BY county_code
"""


def _day_number(column: Any) -> Any:
    import pandas as pd

    return (pd.to_datetime(column) - pd.Timestamp("1970-01-01")).dt.days.astype("Int64")


@part
def results_project(url: str, repeat: int) -> dict[str, Any]:
    """The results list for all counties at the as-of date, as the workbook computes it."""
    from hazardlib.reports import results_list
    from hazardlib.store import open_store

    store = open_store(url, user="基准测试")
    results_list(store, AS_OF)  # warm: the first call loads the catalogue, calendars and regions
    took, frame = timed(lambda: results_list(store, AS_OF), repeat)
    figures = frame[frame["county_code"] != "522700"].set_index("county_code")[list(HAZARD_FIGURES)]
    return {"seconds": took, "cpu": _cpu(), "figures": figures.astype(int).to_dict()}


@part
def results_project_ledger(url: str, repeat: int) -> dict[str, Any]:
    """The same work as the baselines: the results list's six ledger figures alone, for all counties at the
    as-of date, by the very query the list runs for them (its hazards' arm,
    :func:`hazardlib.reports.results_list.ledger_select`), read into a frame."""
    from hazardlib.reports.results_list import ledger_select
    from hazardlib.reports.scope import frame_of, scope_for
    from hazardlib.store import open_store

    store = open_store(url, user="基准测试")
    scope = scope_for(store, AS_OF)

    def run() -> Any:
        stmt = ledger_select(scope)
        with store.read() as conn:
            rows = conn.execute(stmt).all()
        return frame_of(rows, [c.name for c in stmt.selected_columns]).set_index("county_code")

    run()  # warm, as results_project
    took, frame = timed(run, repeat)
    return {"seconds": took, "cpu": _cpu(), "figures": frame[list(HAZARD_FIGURES)].astype(int).to_dict()}


@part
def results_pandas(url: str, repeat: int) -> dict[str, Any]:
    """Baseline (a): pandas.read_sql of the rows, then groupby."""

    def run() -> Any:
        hazards, events, start = _hazard_rows(url)
        return _pandas_figures(hazards, events, start)

    took, out = timed(run, repeat)
    return {"seconds": took, "cpu": _cpu(), "figures": out.astype(int).to_dict()}


def _in_duckdb(
    hazards: Any, events: Any, start: dt.date, event_dates: tuple[str, ...]
) -> tuple[Any, dict[str, int]]:
    """The hazards and events frames as DuckDB tables in memory (dates as day numbers), and the query's
    parameters for the window ``start``…``AS_OF``."""
    import duckdb

    hazards["found_date"] = _day_number(hazards["found_date"])
    for column in event_dates:
        events[column] = _day_number(events[column])
    db = duckdb.connect(":memory:")
    db.register("h_df", hazards)
    db.register("e_df", events)
    db.execute("CREATE TABLE hazards AS SELECT * FROM h_df")
    db.execute("CREATE TABLE events AS SELECT * FROM e_df")
    epoch = dt.date(1970, 1, 1)
    return db, {"as_of": (AS_OF - epoch).days, "start": (start - epoch).days}


@part
def results_duckdb(url: str, repeat: int) -> dict[str, Any]:
    """Baseline (b): the same aggregation in DuckDB over the rows already in DuckDB's memory."""
    hazards, events, start = _hazard_rows(url)
    db, params = _in_duckdb(hazards, events, start, ("event_date", "deadline"))

    def run() -> Any:
        return db.execute(DUCK_SQL, params).df().set_index("county_code")

    took, out = timed(run, repeat)
    return {"seconds": took, "cpu": _cpu(), "figures": out.astype(int).to_dict()}


DUCK_SHAPE_SQL = """
SELECT h.county_code, count(*) AS hazards_found,
  count(*) FILTER (h.grade = 'general') AS hazards_general,
  count(*) FILTER (h.grade = 'larger') AS hazards_larger,
  count(*) FILTER (h.grade = 'major') AS hazards_major,
  count(*) FILTER (e.to_state = 'closed') AS hazards_closed,
  count(*) FILTER (e.to_state = 'ordered' AND e.held_deadline < $as_of) AS hazards_overdue
FROM hazards h LEFT JOIN events e
  ON e.hazard_id = h.id AND e.event_date <= $as_of AND (e.until_date IS NULL OR e.until_date > $as_of)
WHERE h.kind = 'hazard' AND h.found_date BETWEEN $start AND $as_of
GROUP BY h.county_code ORDER BY h.county_code
"""


@part
def results_duckdb_shape(url: str, repeat: int) -> dict[str, Any]:
    """Baseline (c): the same figures in DuckDB over the same rows with the ledger's shape (each event's
    ``until_date`` and ``held_deadline``, :mod:`hazardlib.figures`) already in DuckDB's memory: the
    state at the date is a range predicate there too."""
    import pandas as pd
    import sqlalchemy as sa

    from hazardlib.store import open_store

    open_store(url, user="基准测试").dispose()  # the store at the newest revision (it has the shape)
    hazards, _, start = _hazard_rows(url)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        events = pd.read_sql(
            "SELECT hazard_id, event_date, until_date, to_state, held_deadline FROM hazard_events", conn
        )
    engine.dispose()
    db, params = _in_duckdb(hazards, events, start, ("event_date", "until_date", "held_deadline"))

    def run() -> Any:
        return db.execute(DUCK_SHAPE_SQL, params).df().set_index("county_code")

    took, out = timed(run, repeat)
    return {"seconds": took, "cpu": _cpu(), "figures": out.astype(int).to_dict()}


# -- ledger export ------------------------------------------------------------------------------
def _ledger_frame(url: str) -> tuple[Any, Any]:
    from hazardlib.exports.report_forms import TABLES, sheet_for
    from hazardlib.reports.scope import scope_for
    from hazardlib.store import open_store

    store = open_store(url, user="基准测试")
    scope = scope_for(store, AS_OF)
    frame = TABLES["ledger"].build(store, scope)
    return frame, sheet_for("ledger", frame, scope)


@part
def export_project(url: str, repeat: int) -> dict[str, Any]:
    """The ledger as xlsx, query and formatting included."""
    from python_calamine import CalamineWorkbook

    from hazardlib.exports import export
    from hazardlib.store import open_store

    store = open_store(url, user="基准测试")
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        out = Path(tmp) / "ledger.xlsx"
        took, _ = timed(lambda: export("ledger", store, AS_OF, None, "xlsx", out), repeat)
        # The export's own peak, taken before the check below reads the whole sheet back into memory.
        peak = _peak_mb()
        rows = len(CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()) - 4
        return {"seconds": took, "rows": rows, "bytes": out.stat().st_size, "peak_mb": peak}


@part
def export_xlsxwriter(url: str, repeat: int) -> dict[str, Any]:
    """Baseline: xlsxwriter in constant_memory mode writing the same cell values, already in memory."""
    import xlsxwriter

    from hazardlib.exports.xlsx import cell_value

    frame, sheet = _ledger_frame(url)
    keys = [c.key for c in sheet.columns]
    kinds = [c.kind for c in sheet.columns]
    values = [
        [i, *(cell_value(k, v) for k, v in zip(kinds, row, strict=True))]
        for i, row in enumerate(frame.reindex(columns=keys).itertuples(index=False, name=None), start=1)
    ]
    with tempfile.TemporaryDirectory(prefix="bench-xlsxwriter-") as tmp:
        out = Path(tmp) / "ledger.xlsx"

        def run() -> None:
            book = xlsxwriter.Workbook(str(out), {"constant_memory": True})
            ws = book.add_worksheet("台账")
            for r, row in enumerate(values):
                ws.write_row(r, 0, row)
            book.close()

        took, _ = timed(run, repeat)
        return {"seconds": took, "rows": len(values), "bytes": out.stat().st_size}


# -- import -------------------------------------------------------------------------------------
@part
def import_project(path: str, repeat: int) -> dict[str, Any]:
    """Import an enterprises workbook into a fresh store: reading, validation and writing included."""
    from hazardlib.intake import import_file
    from hazardlib.store import open_store

    times, cpu = [], []
    report = None
    for _ in range(max(1, repeat)):
        with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
            store = open_store(f"sqlite:///{Path(tmp) / 'store.db'}", user="基准测试")
            start, start_cpu = time.perf_counter(), time.process_time()
            report = import_file(store, path, today=AS_OF)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            store.dispose()
    assert report is not None
    return {
        "seconds": statistics.median(times),
        "cpu": statistics.median(cpu),
        "rows": report.inserted,
        "rejected": report.rejected,
    }


# the generated workbook's headers (row 2) and the model's fields they hold
PEER_COLUMNS = {
    "统一社会信用代码": "uscc", "企业名称": "name", "所属县（市）": "county_code", "企业类型": "field",
    "地址": "address", "位于生产销售企业集聚区": "in_cluster_area", "生产许可证编号": "licence_no",
    "生产或销售的产品": "products", "联系人及电话": "contact",
}  # fmt: skip


@part
def import_peer(path: str, repeat: int) -> dict[str, Any]:
    """Peer pipeline: pandas ``read_excel(engine="calamine")``, each row validated by the same pydantic model
    (``models.Enterprise``), the valid rows written by ``DataFrame.to_sql`` into a fresh store on the same
    engine (no audit, no findings, no upsert by the credit code, no duplicate check)."""
    import json

    import pandas as pd
    from pydantic import ValidationError

    from hazardlib import models
    from hazardlib.store import open_store

    times, cpu, written, rejected = [], [], 0, 0
    for _ in range(max(1, repeat)):
        with tempfile.TemporaryDirectory(prefix="bench-peer-") as tmp:
            store = open_store(f"sqlite:///{Path(tmp) / 'store.db'}", user="基准测试")
            start, start_cpu = time.perf_counter(), time.process_time()
            frame = pd.read_excel(path, engine="calamine", header=1, dtype=str)
            frame = frame[list(PEER_COLUMNS)].rename(columns=PEER_COLUMNS)
            frame = frame.astype(object).where(frame.notna(), None)
            valid, rejected = [], 0
            for data in frame.to_dict("records"):
                try:
                    record = models.Enterprise.model_validate(
                        {k: v for k, v in data.items() if v is not None}
                    )
                except ValidationError:
                    rejected += 1
                    continue
                valid.append(record.row())
            out = pd.DataFrame(valid)
            for column in ("ccc_certificates", "products"):
                out[column] = [json.dumps(v, ensure_ascii=False) for v in out[column]]
            now = dt.datetime.now().replace(microsecond=0)
            out = out.assign(
                created_at=now, created_by="基准测试", updated_at=now, updated_by="基准测试", version=1
            )
            written = int(
                out.to_sql("enterprises", store.engine, if_exists="append", index=False, chunksize=2000) or 0
            )
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            store.dispose()
    return {
        "seconds": statistics.median(times),
        "cpu": statistics.median(cpu),
        "rows": written,
        "rejected": rejected,
    }


@part
def import_calamine(path: str, repeat: int) -> dict[str, Any]:
    """Baseline: python-calamine reading the same file bare."""
    from python_calamine import CalamineWorkbook

    took, rows = timed(lambda: CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python(), repeat)
    return {"seconds": took, "cpu": _cpu(), "rows": len(rows)}


# -- one form submission ------------------------------------------------------------------------
@part
def form_project(url: str, repeat: int) -> dict[str, Any]:
    """Submissions of the hazard form (validate, write, audit), each in its own transaction."""
    import sqlalchemy as sa

    from hazardlib import models, records, schema
    from hazardlib.store import Store

    store = Store(url, user="基准测试")
    h = schema.hazards
    with store.read() as conn:
        samples = conn.execute(
            sa.select(h.c.enterprise_id, h.c.problem_code, h.c.sub_product_code)
            .where(h.c.source == "inspection", h.c.kind == "hazard")
            .order_by(h.c.id)
            .limit(50)
        ).all()
    n, warm = max(20, repeat), 5
    times, cpu = [], []
    for i in range(n + warm):
        eid, problem, product = samples[i % len(samples)]
        data = {
            "enterprise_id": eid,
            "campaign_year": 2024,
            "grade": "general",
            "problem_code": problem,
            "sub_product_code": product,
            "found_date": AS_OF - dt.timedelta(days=i % 90),
            "source": "inspection",
            "description": f"基准测试提交 {i}",
        }
        start, start_cpu = time.perf_counter(), time.process_time()
        hazard = models.validate(models.Hazard, data, today=AS_OF)
        with store.transaction("基准测试：表单提交") as tx:
            records.save_hazard(tx, hazard)
        if i >= warm:  # the first submissions open the connection and load the calendars
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    # The CPU time too: on a shared machine the wall time's tail is the other jobs' and the disk's.
    return {
        "seconds": _p99(times),
        "p50": statistics.median(times),
        "cpu_p99": _p99(cpu),
        "cpu_p50": statistics.median(cpu),
        "submissions": n,
    }


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> None:
    name, target, repeat = argv[0], argv[1], int(argv[2])
    out = PARTS[name](target, repeat)
    out.setdefault("peak_mb", _peak_mb())
    print(json.dumps(out, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
