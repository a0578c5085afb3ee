"""Shared fixtures: a fresh store per test, and a demo store built once per session."""

from __future__ import annotations

import datetime as dt

import pytest

from devtools.workload import make_uscc  # noqa: F401  (tests import it from here)
from hazardlib.store import Store, open_store

pytest_plugins = ["tests.pg_plugin"]


@pytest.fixture
def store(store_url: str) -> Store:
    """An empty store acting as the prefecture: a temporary SQLite file, or a fresh PostgreSQL database in
    tests marked ``engines`` (see tests/pg_plugin.py)."""
    return open_store(store_url, user="测试员")


@pytest.fixture
def today() -> dt.date:
    return dt.date(2024, 9, 15)
