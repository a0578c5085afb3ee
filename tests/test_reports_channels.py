"""持续加大流通领域、网络销售和农村市场抽查力度: the results list (JSON, CSV, the Excel form and its 指标说明
sheet) and the county comparison count spot checks by channel — production, circulation (shops and
wholesale markets), online and rural market — four figures that add up to the batches; a batch sampled the
day after the as-of date is in none of them."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import openpyxl

from hazardlib.exports import export
from hazardlib.exports.report_forms import DEFINITIONS_SHEET
from hazardlib.reports import county_comparison, results_list
from hazardlib.reports.definitions import figure

from .situations import Situation

D = dt.date
AS_OF = D(2024, 8, 20)
DUYUN, FUQUAN = "522701", "522702"
CHANNEL_KEYS = (
    "spot_checks_production",
    "spot_checks_circulation",
    "spot_checks_online",
    "spot_checks_rural_market",
)


def campaign(store) -> Situation:
    """都匀: one batch on each of the five sampling channels by 20 August, and a rural-market batch sampled
    on 21 August; 福泉: one online batch."""
    s = Situation(store)
    maker, shop = s.enterprise(DUYUN), s.enterprise(DUYUN, field="seller")
    s.spot_check(D(2024, 7, 1), "qualified", enterprise_id=maker, channel="production")
    for channel in ("shop", "wholesale_market", "online", "rural_market"):
        s.spot_check(D(2024, 7, 2), "qualified", enterprise_id=shop, channel=channel)
    s.spot_check(D(2024, 8, 21), "unqualified", enterprise_id=shop, channel="rural_market")
    s.spot_check(
        D(2024, 8, 20), "qualified", enterprise_id=s.enterprise(FUQUAN, field="seller"), channel="online"
    )
    return s


def test_the_results_list_counts_spot_checks_by_channel_and_the_four_add_up_to_the_batches(store):
    campaign(store)
    rows = results_list(store, AS_OF).set_index("county_code")
    duyun = rows.loc[DUYUN]
    assert duyun["spot_check_batches"] == 5
    assert [duyun[k] for k in CHANNEL_KEYS] == [1, 2, 1, 1]  # shop and wholesale market are circulation
    assert [rows.loc[FUQUAN][k] for k in CHANNEL_KEYS] == [0, 0, 1, 0]
    assert [rows.loc["522700"][k] for k in CHANNEL_KEYS] == [1, 2, 2, 1]
    assert (rows[list(CHANNEL_KEYS)].sum(axis=1) == rows["spot_check_batches"]).all()
    # The day after: the rural-market batch of 21 August counts.
    later = results_list(store, AS_OF + dt.timedelta(days=1)).set_index("county_code").loc[DUYUN]
    assert later["spot_checks_rural_market"] == 2 and later["spot_check_batches"] == 6


def test_the_county_comparison_shows_spot_checks_by_channel(store):
    campaign(store)
    rows = county_comparison(store, AS_OF).set_index("county_code")
    assert [rows.loc[DUYUN][k] for k in CHANNEL_KEYS] == [1, 2, 1, 1]
    assert (
        list(rows.columns).index("spot_checks_production")
        == list(rows.columns).index("spot_check_batches") + 1
    )


def test_the_exported_files_carry_the_channels_with_their_definitions(store, tmp_path: Path):
    campaign(store)
    data = json.loads(
        export("results-list", store, AS_OF, None, "json", tmp_path / "l.json").read_text("utf-8")
    )
    assert next(r for r in data if r["county_code"] == DUYUN)["spot_checks_online"] == 1
    with export("results-list", store, AS_OF, None, "csv", tmp_path / "l.csv").open(
        encoding="utf-8-sig"
    ) as fh:
        header = next(csv.reader(fh))
    assert any("网络销售" in h for h in header) and any("农村市场" in h for h in header)
    book = openpyxl.load_workbook(export("results-list", store, AS_OF, None, "xlsx", tmp_path / "l.xlsx"))
    # A figure's header shows its unit on a line of its own.
    form = [
        c.value.replace("\n", "")
        for row in book.worksheets[0].iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    for key in CHANNEL_KEYS:
        assert figure(key).header in form
    sheet = [c.value for row in book[DEFINITIONS_SHEET].iter_rows() for c in row if isinstance(c.value, str)]
    assert figure("spot_checks_circulation").definition in sheet
    comparison = openpyxl.load_workbook(
        export("county-comparison", store, AS_OF, None, "xlsx", tmp_path / "c.xlsx")
    )
    cells = [
        c.value.replace("\n", "")
        for row in comparison.worksheets[0].iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    assert "其中：农村市场（批次）" in cells
