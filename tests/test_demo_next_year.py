"""``hazard demo --year 2025``: the demo's next campaign, drawn on top of the 2024 demo once 2025 is made
from 2024 (issue 22); 2024's figures stay what they were, 2025 has its own findings and a carry-over."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from hazardlib import schema
from hazardlib.campaign import load_campaign
from hazardlib.campaign_files import new_campaign
from hazardlib.cli import main
from hazardlib.datafiles import ENV_VAR, data_dir
from hazardlib.demo import generate
from hazardlib.reports import results_list
from hazardlib.rules.supervision import supervision_classes
from hazardlib.store import open_store

D = dt.date


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(data_dir(), folder)
    monkeypatch.setenv(ENV_VAR, str(folder))
    return folder


def test_2025_is_drawn_on_top_of_the_2024_demo(data: Path, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    store = open_store(url, user="演示数据生成器")
    runner = CliRunner()
    early = runner.invoke(main, ["demo", "--db", url, "--year", "2025"])
    assert early.exit_code == 1 and "campaign-2025.toml" in early.output  # no calendar yet
    new_campaign(2025, 2024)
    empty = runner.invoke(main, ["demo", "--db", url, "--year", "2025"])
    assert empty.exit_code == 1 and "hazard demo" in empty.output  # no demo under it yet

    generate(store, seed=7, scale=0.05, progress=False)
    before = {day: results_list(store, day) for day in (D(2024, 8, 20), D(2024, 10, 20))}
    made = runner.invoke(main, ["demo", "--db", url, "--year", "2025", "--user", "演示数据生成器"])
    assert made.exit_code == 0, made.output
    assert "2025年" in made.output and "隐患" in made.output
    again = runner.invoke(main, ["demo", "--db", url, "--year", "2025", "--user", "演示数据生成器"])
    assert again.exit_code == 1 and "已有2025年" in again.output

    for day, frame in before.items():
        assert results_list(store, day).equals(frame), day
    total = results_list(store, D(2025, 10, 20)).iloc[-1]
    h = schema.hazards
    window = h.c.found_date.between(load_campaign(2025).start, D(2025, 10, 20))
    with store.read() as conn:
        found_2025 = conn.execute(sa.select(sa.func.count()).where(h.c.kind == "hazard", window)).scalar()
        years = set(conn.execute(sa.select(h.c.campaign_year).where(window)).scalars())
    assert total["hazards_found"] == found_2025 > 0 and years == {2025}
    assert total["hazards_carried_over"] > total["hazards_carried_over_closed"] > 0
    assert 0 < total["hazards_closed"] < total["hazards_found"]
    assert (supervision_classes(store, D(2025, 10, 20))["class"] == "special").any()
