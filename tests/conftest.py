"""Shared fixtures: a fresh store per test, and a demo store built once per session."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import uscc as stdnum_uscc

from hazardlib.store import Store, open_store

pytest_plugins = ["tests.pg_plugin"]


def make_uscc(county_code: str, serial: int) -> str:
    """A valid 统一社会信用代码 registered in ``county_code`` (for hand-built test situations)."""
    org = f"{serial:08d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(org, weights, strict=True)) % 11
    org += {10: "X", 11: "0"}.get(check, str(check))
    base = f"91{county_code}{org}"
    return base + stdnum_uscc.calc_check_digit(base)


@pytest.fixture
def store(store_url: str) -> Store:
    """An empty store acting as the prefecture: a temporary SQLite file, or a fresh PostgreSQL database in
    tests marked ``engines`` (see tests/pg_plugin.py)."""
    return open_store(store_url, user="测试员")


@pytest.fixture
def today() -> dt.date:
    return dt.date(2024, 9, 15)
