"""Shared fixtures: a fresh store per test, and a demo store built once per session."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from devtools.workload import make_uscc  # noqa: F401  (tests import it from here)
from hazardlib import schema
from hazardlib.store import MIGRATIONS, Store, open_store

pytest_plugins = ["tests.pg_plugin"]


@pytest.fixture
def store(store_url: str) -> Store:
    """An empty store acting as the prefecture: a temporary SQLite file, or a fresh PostgreSQL database in
    tests marked ``engines`` (see tests/pg_plugin.py)."""
    return open_store(store_url, user="测试员")


@pytest.fixture
def today() -> dt.date:
    return dt.date(2024, 9, 15)


def contents(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table, in id order, as comparable tuples (JSON compared by value)."""
    out = {}
    with store.read() as conn:
        for table in schema.metadata.sorted_tables:
            pk = list(table.primary_key.columns)
            rows = conn.execute(sa.select(table).order_by(*pk)).all()
            out[table.name] = [tuple(json.dumps(v, sort_keys=True, default=str) for v in r) for r in rows]
    return out


EVENT = (
    "INSERT INTO hazard_events (hazard_id, move, event_date, to_state, actor, recorded_at) "
    "VALUES ({hazard_id}, 'order', '2024-06-03', 'ordered', '测试员', '2024-06-03 00:00:00')"
)
MISSING_HAZARD = 999999  # no test store holds this many hazards


def add_dangling_event(path: Path) -> None:
    """A ledger event of a hazard that is not there, written into the SQLite file at ``path`` with foreign
    keys off (sqlite3's default), as a store damaged by hand or by an old bug would hold it."""
    with closing(sqlite3.connect(path)) as db:
        db.execute(EVENT.format(hazard_id=MISSING_HAZARD))
        db.commit()


def dangling_rows(store: Store) -> list[tuple[Any, ...]]:
    with store.read() as conn:
        return [tuple(r) for r in conn.exec_driver_sql("PRAGMA foreign_key_check").all()]


EXTRA_MIGRATION = '''"""A throwaway migration of a test: a column more and a ledger event of hazard {hazard_id}."""

import sqlalchemy as sa
from alembic import op

revision = "extra"
down_revision = {head!r}


def upgrade() -> None:
    op.add_column("enterprises", sa.Column("scratch", sa.Text, nullable=True))
    op.execute({event!r})


def downgrade() -> None:
    op.drop_column("enterprises", "scratch")
'''


class ExtraMigrationStore(Store):
    """A store whose migrations are the workbook's and, after its head, one written into ``folder`` by
    :meth:`add_migration` (Alembic's ``version_locations``: the seam a project uses to keep migrations in
    more than one folder)."""

    def __init__(self, url: str, folder: Path, **kw: Any):
        super().__init__(url, **kw)
        self.folder = folder

    def alembic_config(self) -> Any:
        cfg = super().alembic_config()
        cfg.set_main_option("path_separator", "os")
        cfg.set_main_option(
            "version_locations", os.pathsep.join([str(MIGRATIONS / "versions"), str(self.folder)])
        )
        return cfg

    def add_migration(self, hazard_id: int) -> None:
        """The migration ``extra`` after the workbook's head: adds a column to enterprises and a ledger event
        of ``hazard_id`` (one that is there, or :data:`MISSING_HAZARD`)."""
        head = ScriptDirectory.from_config(Store.alembic_config(self)).get_current_head()
        self.folder.mkdir(parents=True, exist_ok=True)
        text = EXTRA_MIGRATION.format(hazard_id=hazard_id, head=head, event=EVENT.format(hazard_id=hazard_id))
        (self.folder / "extra_migration.py").write_text(text, encoding="utf-8")
