"""A long ledger is read and written in chunks: on SQLite and PostgreSQL the chunks give exactly the rows
of the whole ledger, and the exports written from them (xlsx, CSV, JSON) are the files the whole frame
gives, continuation sheets included."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from hazardlib import vocab
from hazardlib.demo import generate
from hazardlib.exports import book_writer, export, xlsx
from hazardlib.exports.report_forms import TABLES, sheet_for
from hazardlib.exports.tabular import write_csv, write_json_rows
from hazardlib.ledger import E
from hazardlib.reports import ledgers
from hazardlib.reports.labels import bureau
from hazardlib.reports.scope import scope_for
from hazardlib.store import Store

pytestmark = pytest.mark.engines
AS_OF = dt.date(2024, 9, 15)
FILTERS = ({}, {"kind": "hazard", "overdue_only": True}, {"kind": "hazard", "open_only": True})


@pytest.fixture
def demo_store(store_url: str) -> Store:
    store = Store(store_url, user="演示数据生成器")
    generate(store, seed=11, scale=0.05, progress=False)
    return store


def test_the_ledger_in_chunks_is_exactly_the_whole_ledger(demo_store: Store) -> None:
    for as_of, county in ((AS_OF, None), (dt.date(2024, 7, 20), None), (AS_OF, "522701")):
        scope = scope_for(demo_store, as_of, county)
        for filters in FILTERS:
            whole = ledgers.ledger_frame(demo_store, scope, **filters)
            chunks = list(ledgers.ledger_chunks(demo_store, scope, chunk_rows=7, **filters))
            assert all(len(c) <= 7 for c in chunks) and len(chunks) >= len(whole) / 7
            pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)
    # Every hazard of the window has a history, the same read whole or in chunks.
    scope = scope_for(demo_store, AS_OF)
    whole = ledgers.ledger_frame(demo_store, scope)
    assert len(whole) > 100 and (whole["history"] != "").all()
    chunked = pd.concat(ledgers.ledger_chunks(demo_store, scope, chunk_rows=7), ignore_index=True)
    pd.testing.assert_frame_equal(chunked, whole)


def test_the_dates_of_the_moves_are_the_latest_of_each_move_up_to_the_as_of_date(demo_store: Store) -> None:
    # The ledger takes them from each hazard's events read with its row; a GROUP BY in SQL gives the same.
    with demo_store.read() as conn:
        repeated = conn.execute(
            sa.select(E.c.hazard_id).group_by(E.c.hazard_id, E.c.move).having(sa.func.count() > 1)
        ).all()
    assert repeated  # hazards rectified and reinspected again after a failed reinspection
    for as_of in (AS_OF, dt.date(2024, 7, 20)):
        scope = scope_for(demo_store, as_of)
        latest = sa.select(
            E.c.hazard_id,
            *(
                sa.func.max(sa.case((E.c.move == move, E.c.event_date))).label(name)
                for name, move in ledgers.MOVE_DATES.items()
            ),
        )
        stmt = latest.where(E.c.event_date <= as_of).group_by(E.c.hazard_id)
        ordered = (
            sa.select(E.c.hazard_id, E.c.event_date, E.c.move)
            .where(E.c.event_date <= as_of)
            .order_by(E.c.hazard_id, E.c.event_date, E.c.id)
        )
        with demo_store.read() as conn:
            expected = {row[0]: row[1:] for row in conn.execute(stmt)}
            moves: dict[int, list[str]] = {}
            for hazard_id, day, move in conn.execute(ordered):
                moves.setdefault(hazard_id, []).append(f"{day} {vocab.HAZARD_MOVE.label(move)}")
        for frame in (ledgers.ledger_frame(demo_store, scope), *ledgers.ledger_chunks(demo_store, scope)):
            assert len(frame) > 0
            for row in frame.to_dict("records"):
                want = dict(zip(ledgers.MOVE_DATES, expected[row["hazard_id"]], strict=True))
                if row["state"] != "closed":
                    want["closed_date"] = None
                assert {name: row[name] for name in ledgers.MOVE_DATES} == want, row["hazard_id"]
                # The history lists the moves oldest first, as recorded (each line: date, move, details).
                lines = row["history"].split("；")
                assert [line.split("（")[0] for line in lines] == moves[row["hazard_id"]], row["hazard_id"]


def test_an_empty_ledger_is_one_empty_chunk_with_the_columns(demo_store: Store) -> None:
    scope = scope_for(demo_store, dt.date(2023, 1, 10))  # before anything was found
    chunks = list(ledgers.ledger_chunks(demo_store, scope, chunk_rows=7))
    assert len(chunks) == 1 and chunks[0].empty and list(chunks[0].columns) == ledgers.LEDGER_COLUMNS


def _sheets(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as book:
        return {n: book.read(n) for n in book.namelist() if not n.endswith("core.xml")}


def test_ledger_exports_streamed_in_chunks_are_the_files_of_the_whole_frame(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Chunks of 7 rows, streamed beyond 20 rows, a sheet continued after 60 rows: every boundary is crossed.
    monkeypatch.setattr(ledgers, "CHUNK_ROWS", 7)
    monkeypatch.setattr(xlsx, "WRITE_ONLY_ROWS", 20)
    monkeypatch.setattr(xlsx, "EXCEL_MAX_ROWS", 67)
    scope = scope_for(demo_store, AS_OF)
    heading = xlsx.Heading(bureau(scope.unit_code), scope.as_of, demo_store.user)
    for name in ("ledger", "overdue", "unrectified"):
        spec = TABLES[name]
        frame = spec.build(demo_store, scope)
        assert len(frame) > 20 or name == "overdue"  # the short list is written as the small form
        whole = book_writer.write_workbook(
            tmp_path / f"{name}-whole.xlsx", [sheet_for(name, frame, scope)], heading
        )
        streamed = export(
            name, demo_store, AS_OF, None, "xlsx", tmp_path / f"{name}.xlsx", preparer=demo_store.user
        )
        assert _sheets(streamed) == _sheets(whole)
        if len(frame) > 60:
            assert "xl/worksheets/sheet2.xml" in _sheets(streamed)
        csv = write_csv(frame, spec.columns(scope), tmp_path / f"{name}-whole.csv")
        assert export(name, demo_store, AS_OF, None, "csv", tmp_path / f"{name}.csv").read_bytes() == (
            csv.read_bytes()
        )
        json = write_json_rows(frame.drop(columns=list(spec.display_only)), tmp_path / f"{name}-whole.json")
        assert export(name, demo_store, AS_OF, None, "json", tmp_path / f"{name}.json").read_bytes() == (
            json.read_bytes()
        )
