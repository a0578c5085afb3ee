"""Shared fixtures: a fresh store per test, and a demo store built once per session."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from stdnum.cn import uscc as stdnum_uscc

from hazardlib.store import Store, open_store


def make_uscc(county_code: str, serial: int) -> str:
    """A valid 统一社会信用代码 registered in ``county_code`` (for hand-built test situations)."""
    org = f"{serial:08d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(org, weights, strict=True)) % 11
    org += {10: "X", 11: "0"}.get(check, str(check))
    base = f"91{county_code}{org}"
    return base + stdnum_uscc.calc_check_digit(base)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """An empty store in a temporary SQLite file, acting as the prefecture."""
    return open_store(f"sqlite:///{tmp_path / 'test.db'}", user="测试员")


@pytest.fixture
def today() -> dt.date:
    return dt.date(2024, 9, 15)
