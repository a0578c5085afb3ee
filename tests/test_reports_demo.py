"""The results list on the demo campaign: 20 August and 20 October give different figures, and each
agrees with the same count made independently in pandas from the raw tables."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from hazardlib import schema
from hazardlib.cli import main
from hazardlib.reports import results_list
from hazardlib.reports.definitions import COUNT_KEYS
from hazardlib.store import Store, open_store

from .situations import demo_url

AUGUST, OCTOBER = dt.date(2024, 8, 20), dt.date(2024, 10, 20)
START = dt.date(2024, 5, 15)
STOCKS = {"hazards_overdue", "key_supervision", "special_supervision"}


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return open_store(demo_url(tmp_path_factory, 0.25), user="测试员")  # read only


def table(store: Store, t: object) -> pd.DataFrame:
    with store.read() as conn:
        return pd.read_sql_table(t.name, conn)  # type: ignore[attr-defined]


def by_county(frame: pd.DataFrame, day: dt.date, date_column: str, enterprises: pd.DataFrame) -> pd.DataFrame:
    dates = pd.to_datetime(frame[date_column]).dt.date
    inside = frame[(dates >= START) & (dates <= day)]
    return inside.merge(
        enterprises[["id", "county_code"]].rename(columns={"id": "enterprise_id", "county_code": "home"})
    )


def independent(store: Store, day: dt.date) -> pd.DataFrame:
    """A few figures counted in pandas straight from the tables, per county."""
    ent = table(store, schema.enterprises)
    hz = by_county(table(store, schema.hazards), day, "found_date", ent)
    hz = hz[hz["kind"] == "hazard"]
    ev = table(store, schema.hazard_events)
    ev = ev[pd.to_datetime(ev["event_date"]).dt.date <= day].sort_values(["hazard_id", "event_date", "id"])
    state = ev.groupby("hazard_id")["to_state"].last()
    hz = hz.assign(state=hz["id"].map(state))
    sc = table(store, schema.spot_checks)
    sc["enterprise_id"] = sc["enterprise_id"].fillna(sc["seller_id"]).fillna(sc["producer_id"])
    sc = by_county(
        sc.dropna(subset=["enterprise_id"]).astype({"enterprise_id": int}), day, "sample_date", ent
    )
    iv = by_county(table(store, schema.interviews), day, "held_date", ent)
    cases = by_county(table(store, schema.enforcement_cases), day, "filed_date", ent)
    return (
        pd.DataFrame(
            {
                "hazards_found": hz.groupby("home").size(),
                "hazards_major": hz[hz["grade"] == "major"].groupby("home").size(),
                "hazards_closed": hz[hz["state"] == "closed"].groupby("home").size(),
                "spot_check_batches": sc.groupby("home").size(),
                "unqualified_batches": sc[sc["result"] == "unqualified"].groupby("home").size(),
                "enterprises_interviewed": iv.groupby("home")["enterprise_id"].nunique(),
                "cases_filed": cases.groupby("home").size(),
            }
        )
        .fillna(0)
        .astype("int64")
    )


@pytest.mark.slow
def test_august_and_october_give_different_correct_figures(demo_store: Store) -> None:
    august = results_list(demo_store, AUGUST).set_index("county_code")
    october = results_list(demo_store, OCTOBER).set_index("county_code")
    assert not august.equals(october)
    assert october.loc["522700", "hazards_found"] > august.loc["522700", "hazards_found"] > 0
    assert october.loc["522700", "closure_rate"] > august.loc["522700", "closure_rate"]
    for frame, day in ((august, AUGUST), (october, OCTOBER)):
        counties = frame.drop(index="522700")
        for key in COUNT_KEYS:
            assert frame.loc["522700", key] == counties[key].sum(), (day, key)
        expected = independent(demo_store, day)
        for key in expected.columns:
            got = counties[key]
            want = expected[key].reindex(counties.index, fill_value=0)
            assert (got == want).all(), (day, key, got[got != want], want[got != want])
    flows = [k for k in COUNT_KEYS if k not in STOCKS]
    grown = october[flows] - august[flows]
    assert (grown >= 0).all().all()  # everything counted from stage 1 on only accumulates


@pytest.mark.slow
def test_the_cli_writes_the_demo_results_list_for_both_report_dates(
    demo_store: Store, tmp_path: Path
) -> None:
    runner = CliRunner()
    out = {}
    for day in ("2024-08-20", "2024-10-20"):
        path = tmp_path / f"成果清单-{day}.json"
        result = runner.invoke(
            main, ["report", "results-list", "--db", demo_store.url, "--as-of", day, "-o", str(path)]
        )
        assert result.exit_code == 0, result.output
        out[day] = json.loads(path.read_text(encoding="utf-8"))
    assert out["2024-08-20"] != out["2024-10-20"]
    assert out["2024-10-20"][-1]["hazards_found"] == int(
        results_list(demo_store, OCTOBER).iloc[-1]["hazards_found"]
    )
