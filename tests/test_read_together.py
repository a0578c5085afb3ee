"""Reading side by side in one snapshot (:meth:`hazardlib.store.Store.read_together`): the results list reads
its parts on two connections at once, and each must see the store as the others do, on SQLite and
PostgreSQL, even when a write is committed while they start or while they read."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from hazardlib import schema
from hazardlib.store import SNAPSHOT_TRIES, Store

from .situations import Situation

FIRST_READ = "SELECT 1 FROM sqlite_master LIMIT 1"


def enterprises(conn: sa.Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(schema.enterprises)).scalar_one())


@pytest.mark.engines
def test_readers_side_by_side_see_one_snapshot_and_a_write_after_they_start_in_none(store: Store) -> None:
    s = Situation(store)
    s.enterprise("522701")
    with store.read_together(2) as conns:
        assert len(conns) == 2
        s.enterprise("522702")  # committed after the readers started
        assert [enterprises(c) for c in conns] == [1, 1]
    with store.read() as conn:  # a reader started after the write sees it
        assert enterprises(conn) == 2


def writes_while_readers_start(store: Store, every: int) -> list[int]:
    """One enterprise in the store, and another committed while the SQLite readers of
    :meth:`Store.read_together` take their first read: at the second reader's first read of the first try
    (``every`` 0), or at every try's. The count of first reads so far."""
    if store.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's readers take the first one's exported snapshot: nothing to race")
    s = Situation(store)
    s.enterprise("522701")
    calls = [0]

    def write(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement != FIRST_READ:
            return
        calls[0] += 1
        if calls[0] == 2 or (every and calls[0] % 2 == 0):
            s.enterprise("522702")

    sa.event.listen(store.engine, "before_cursor_execute", write)
    return calls


def test_a_write_committed_while_the_sqlite_readers_start_is_seen_by_all_of_them_or_none(
    store: Store,
) -> None:
    calls = writes_while_readers_start(store, every=0)
    with store.read_together(2) as conns:
        # The first try's readers saw 1 and 2 enterprises; the second try's both see 2.
        assert calls[0] == 4
        assert [enterprises(c) for c in conns] == [2, 2]


def test_sqlite_readers_raced_by_writes_at_every_try_are_one_connection(store: Store) -> None:
    calls = writes_while_readers_start(store, every=1)
    with store.read_together(2) as conns:
        assert calls[0] == 2 * SNAPSHOT_TRIES
        assert len(conns) == 1
        assert enterprises(conns[0]) == 1 + SNAPSHOT_TRIES  # its snapshot starts at this read: every write
