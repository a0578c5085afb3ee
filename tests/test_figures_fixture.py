"""Every figure of the results list, the tracker and the rules on the demo campaign (seed 7, scale 1) at
2024-08-20 and 2024-10-20, prefecture scope, equals what the workbook gave before the figures were
redesigned (issue 17: one definition per figure): the JSON in ``tests/fixtures/figures/`` was written by
the code that kept running counts, and is compared figure by figure on SQLite and PostgreSQL.

``python -m tests.test_figures_fixture STORE_URL`` writes the fixture again from a demo store (only when a
figure's definition changes on purpose).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools.postgres import create_database, drop_database
from hazardlib.cli.check_cmd import build_report
from hazardlib.demo import generate
from hazardlib.exports.tabular import json_value
from hazardlib.reports import results_list
from hazardlib.store import Store, open_store

from .pg_plugin import selected_engines
from .situations import demo_url

FIXTURES = Path(__file__).parent / "fixtures" / "figures"
DATES = (dt.date(2024, 8, 20), dt.date(2024, 10, 20))


def figures(store: Store, as_of: dt.date) -> dict[str, Any]:
    """The results list (every county row and the total) and ``hazard check``'s JSON (the tracker's
    progress for the campaign so far and each stage, and every rule's findings) at ``as_of``."""
    frame = results_list(store, as_of)
    rows = [{k: json_value(v) for k, v in r.items()} for r in frame.to_dict("records")]
    check = json.loads(json.dumps(build_report(store, as_of, None), ensure_ascii=False, default=json_value))
    return {"as_of": as_of.isoformat(), "results_list": rows, "check": check}


def fixture_path(as_of: dt.date) -> Path:
    return FIXTURES / f"demo-seed7-{as_of.isoformat()}.json"


@pytest.fixture(scope="module", params=selected_engines())
def demo_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The demo campaign (seed 7, scale 1) in a fresh store of each engine (``HAZARD_TEST_ENGINES``)."""
    admin, name = "", ""
    if request.param == "sqlite":  # the run's shared demo store (read only)
        store = open_store(demo_url(tmp_path_factory), user="演示数据生成器")
    else:
        admin, name = request.getfixturevalue("pg_url"), f"t_{uuid.uuid4().hex[:20]}"
        store = open_store(create_database(admin, name), user="演示数据生成器")
        generate(store, seed=7, scale=1.0, progress=False)
    yield store
    store.dispose()
    if name:
        drop_database(admin, name)


@pytest.mark.parametrize("as_of", DATES, ids=str)
def test_every_figure_equals_the_fixture(demo_store: Store, as_of: dt.date) -> None:
    expected = json.loads(fixture_path(as_of).read_text(encoding="utf-8"))
    got = figures(demo_store, as_of)
    assert got["results_list"] == expected["results_list"]
    assert got["check"]["counties"] == expected["check"]["counties"]
    assert got["check"]["stage"] == expected["check"]["stage"]
    assert got["check"]["findings"] == expected["check"]["findings"]


def write_fixtures(url: str) -> None:
    store = open_store(url, user="演示数据生成器")
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for as_of in DATES:
        text = json.dumps(figures(store, as_of), ensure_ascii=False, indent=1, sort_keys=True)
        fixture_path(as_of).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_fixtures(sys.argv[1])
