"""A large file is read and checked ahead in a forked child (:mod:`hazardlib.intake.ahead`): the items arrive
in order, the child's errors arrive as they were raised, and no process is ever left behind."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from hazardlib import schema
from hazardlib.intake import ahead, import_file, importer
from hazardlib.intake.safety import LIMITS, FileRefused
from hazardlib.store import open_store

from .intake_support import TODAY, contents, write_sheet
from .test_intake_columnar import EXAMPLE, HEADER_ROW, imported
from .test_intake_quick import VALID


def no_child_left() -> bool:
    return not [p for p in multiprocessing.active_children() if p.name == "hazard-ahead"]


def test_items_arrive_in_order_from_another_process():
    parent = os.getpid()

    def make() -> Iterator[tuple[int, int]]:
        for i in range(50):
            yield i, os.getpid()

    got = list(ahead.ahead(make))
    assert [i for i, _pid in got] == list(range(50))
    assert {pid for _i, pid in got} != {parent}  # made in the child
    assert no_child_left()


def test_the_childs_refusal_is_raised_as_it_was():
    def make() -> Iterator[int]:
        yield 1
        raise FileRefused("企业名录.xlsx", "工作表已损坏", "truncated")

    items = ahead.ahead(make)
    assert next(items) == 1
    with pytest.raises(FileRefused) as refused:
        next(items)
    assert (refused.value.file, refused.value.reason, refused.value.code) == (
        "企业名录.xlsx",
        "工作表已损坏",
        "truncated",
    )
    assert str(refused.value) == "文件“企业名录.xlsx”未导入：工作表已损坏"
    assert no_child_left()


class _Unpicklable(Exception):
    def __init__(self, a: int, b: int):
        super().__init__(f"{a}/{b}")


def test_an_error_that_cannot_be_sent_is_named():
    def make() -> Iterator[int]:
        raise _Unpicklable(1, 2)
        yield 0

    with pytest.raises(ahead.ChildFailed, match="_Unpicklable: 1/2"):
        list(ahead.ahead(make))
    assert no_child_left()


def test_a_child_that_dies_is_reported():
    def make() -> Iterator[int]:
        yield 1
        os._exit(3)

    with pytest.raises(ahead.ChildFailed, match="退出码 3"):
        list(ahead.ahead(make))
    assert no_child_left()


def test_stopping_early_stops_the_child():
    def make() -> Iterator[int]:
        yield from range(10**9)  # would never end

    items = ahead.ahead(make)
    assert [next(items) for _ in range(3)] == [0, 1, 2]
    items.close()
    assert no_child_left()


def test_no_fork_while_another_thread_runs():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not ahead.possible()
    finally:
        stop.set()
        other.join()


def _sheet() -> list[list[object]]:
    rows: list[list[object]] = [["序号", *HEADER_ROW]]
    for i, code in enumerate(VALID):
        shop = ["否", "是", "否", "否", "XK13-001-00001", "", "水泥、03-01", "张三 13800000000"]
        rows.append([i + 1, code, f"都匀市第{i}水泥有限公司", "都匀市", "生产单位", f"甲路{i}号", *shop])
    rows.append([None, VALID[0], "都匀市重复有限公司", "都匀市", "生产单位"])  # repeats row 2
    rows.append([None, "91520100MA6DKXX", "都匀市错码有限公司", "都匀市", "生产单位"])  # a bad code
    rows.append(["示例", *EXAMPLE])
    rows.append([None] * (len(HEADER_ROW) + 1))
    return rows


def _imported(path, url, monkeypatch, *, fork: bool):
    """What :func:`.test_intake_columnar.imported` finds (chunks of 3 rows, batches of 4), the file read and
    checked in a forked child or not; and how many times a child was started."""
    made = 0
    real = ahead.ahead

    def counted(make):
        nonlocal made
        made += 1
        return real(make)

    with monkeypatch.context() as patch:
        patch.setattr(importer, "AHEAD_MIN_BYTES", 0 if fork else 1 << 62)
        patch.setattr(importer.ahead, "possible", lambda: True)  # whatever threads other tests left
        patch.setattr(importer.ahead, "ahead", counted)
        found, taken = imported(path, url, True, monkeypatch)
    return found, taken, made


def test_a_large_file_imported_ahead_as_in_one_process(tmp_path, monkeypatch):
    """The same report, findings, records and audit whether the file is read and checked in the child, and
    the same rows taken column-wise."""
    path = write_sheet(tmp_path / "企业名录.xlsx", _sheet(), title="企业名录")
    forked, taken, made = _imported(path, f"sqlite:///{tmp_path / 'ahead.db'}", monkeypatch, fork=True)
    alone, taken_alone, none = _imported(path, f"sqlite:///{tmp_path / 'alone.db'}", monkeypatch, fork=False)
    assert (made, none) == (2, 0)
    assert forked == alone
    assert taken == taken_alone == 2 * len(VALID)  # inserted, then unchanged
    assert forked[0][0] == {"inserted": len(VALID), "rejected": 2}
    assert no_child_left()


def test_a_file_over_the_row_limit_stops_the_child(tmp_path, monkeypatch):
    path = write_sheet(tmp_path / "企业名录.xlsx", _sheet(), title="企业名录")
    store = open_store(f"sqlite:///{tmp_path / 's.db'}", user="测试员")
    monkeypatch.setattr(importer, "AHEAD_MIN_BYTES", 0)
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    with pytest.raises(FileRefused, match="上限"):
        import_file(store, path, today=TODAY, limits=dataclasses.replace(LIMITS, max_rows=3))
    assert contents(store)["enterprises"] == []
    assert no_child_left()


def test_the_import_progress_bar_starts_no_thread():
    """``hazard import`` shows a tqdm bar; tqdm's monitor thread would keep a large file from being read
    ahead (a process running another thread does not fork)."""
    from hazardlib.cli.intake_cmd import ProgressBar

    before = threading.active_count()
    bar = ProgressBar("企业名录.xlsx")
    bar(0, 100)
    bar(50, 100)
    assert bar.bar is not None and bar.bar.n == 50
    assert threading.active_count() == before
    bar.close()


@pytest.mark.engines
def test_the_parents_connection_outlives_the_child(store_url, tmp_path, monkeypatch):
    """The child is forked while the parent's transaction is open on either engine; it never touches the
    connection, so the parent writes, commits and reads back as without it."""
    path = write_sheet(tmp_path / "企业名录.xlsx", _sheet(), title="企业名录")
    store = open_store(store_url, user="测试员")
    made = []
    real = ahead.ahead
    monkeypatch.setattr(importer, "AHEAD_MIN_BYTES", 0)
    monkeypatch.setattr(importer.ahead, "possible", lambda: True)
    monkeypatch.setattr(importer.ahead, "ahead", lambda make: made.append(1) or real(make))
    first = import_file(store, path, today=TODAY)
    again = import_file(store, path, today=TODAY)
    assert len(made) == 2
    assert (first.inserted, first.rejected) == (len(VALID), 2)
    assert (again.unchanged, again.inserted, again.rejected) == (len(VALID), 0, 2)
    with store.read() as conn:
        assert sorted(conn.execute(sa.select(schema.enterprises.c.uscc)).scalars()) == sorted(VALID)
    assert no_child_left()
    store.dispose()
