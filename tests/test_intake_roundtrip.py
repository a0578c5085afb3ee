"""Round trip: every template, filled with the demo campaign's records, imports into an empty store and
reproduces them (ledger history included), and importing it all again changes nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from hazardlib import schema, vocab
from hazardlib.demo import generate
from hazardlib.intake import KINDS, TEMPLATE_KINDS, import_file, write_template
from hazardlib.store import Store, open_store

from .intake_support import contents

AFTER_THE_CAMPAIGN = dt.date(2024, 12, 31)
HAZARD_KEY = ("enterprise_id", "found_date", "sub_product_code", "problem_code")
META = {"id", "created_at", "created_by", "updated_at", "updated_by", "version"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Store:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}", user="演示数据生成器")
    generate(store, seed=7, scale=0.02, progress=False)
    return store


class Keys:
    """A store's records named by their natural keys, so two stores can be compared row by row."""

    def __init__(self, store: Store):
        with store.read() as conn:
            self.rows = {
                t.name: [dict(r) for r in conn.execute(sa.select(t)).mappings()]
                for t in schema.metadata.sorted_tables
            }
        self.uscc = {e["id"]: e["uscc"] for e in self.rows["enterprises"]}
        self.inspection = {i["id"]: (self.uscc[i["enterprise_id"]], i["inspection_date"], i["sub_product_code"])
                           for i in self.rows["inspections"]}  # fmt: skip
        self.self_check = {
            s["id"]: (self.uscc[s["enterprise_id"]], s["campaign_year"]) for s in self.rows["self_checks"]
        }
        self.batch = {s["id"]: s["batch_no"] for s in self.rows["spot_checks"]}
        self.hazard = {
            h["id"]: (self.uscc[h["enterprise_id"]], *(h[k] for k in HAZARD_KEY[1:]))
            for h in self.rows["hazards"]
        }

    def hazards_from_templates(self) -> set[tuple[Any, ...]]:
        """Keys of the hazards the templates carry (found in inspections or self-reported in self-checks),
        less those the demo gives a key it shares with another hazard (the records' key cannot hold both)."""
        counts = Counter(self.hazard.values())
        return {
            self.hazard[h["id"]]
            for h in self.rows["hazards"]
            if h["source"] in ("inspection", "self_check") and counts[self.hazard[h["id"]]] == 1
        }

    def table(self, name: str, hazards: set[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """A table's business content, ids replaced by what they refer to, sorted."""
        out = []
        for r in self.rows[name]:
            row = {k: v for k, v in r.items() if k not in META}
            for k in ("enterprise_id", "producer_id", "seller_id"):
                if k in row:
                    row[k] = self.uscc.get(row[k])
            if "hazard_id" in row:
                row["hazard_id"] = self.hazard.get(row["hazard_id"])
                if name == "hazard_events" and row["hazard_id"] not in hazards:
                    continue
                if row["hazard_id"] not in hazards:
                    row["hazard_id"] = None  # a hazard no template carries (found in a spot check…)
            if name == "hazards":
                if self.hazard[r["id"]] not in hazards:
                    continue
                source = self.inspection if r["source"] == "inspection" else self.self_check
                row["source_id"] = source.get(r["source_id"])
            if name == "risk_control_items":
                row["self_check_id"] = self.self_check[row["self_check_id"]]
            if name == "spot_checks":
                row["follow_up_of"] = self.batch.get(row["follow_up_of"])
            if name == "hazard_events":
                row.pop("actor"), row.pop("recorded_at")
            out.append(tuple(sorted((k, repr(as_validated(v))) for k, v in row.items())))
        return sorted(out)


def as_validated(value: Any) -> Any:
    """Text as the models store it: every input passes vocab.clean_text (NFKC), which also folds Chinese
    punctuation (，（）：) to ASCII; the demo writes its texts without passing through the models."""
    return vocab.clean_text(value) if isinstance(value, str) else value


TEMPLATE_TABLES = (
    "enterprises", "self_checks", "risk_control_items", "inspections", "hazards", "hazard_events", "spot_checks",
    "enforcement_cases", "help_records", "risk_signals",
)  # fmt: skip


def remap_hazard_ids(path, kind, source: Keys, target: Store) -> None:
    """The hazard ids of the demo store, in the file, replaced by the ids the same hazards got in the new
    store (as the ledger export of the new store would print them); rows of hazards it lacks are cleared."""
    carried = source.hazards_from_templates()
    new = {key: hid for hid, key in Keys(target).hazard.items() if key in carried}
    book = load_workbook(path)
    sheet = book[KINDS[kind].sheet]
    optional = kind in ("enforcement", "interviews", "instruments")  # their hazard is optional
    col = [c.value for c in sheet[1]].index("隐患编号") + 1
    for row in range(3, sheet.max_row + 1):
        cell = sheet.cell(row, col)
        if cell.value is None:
            continue
        hid = new.get(source.hazard.get(int(cell.value)))
        if hid is not None:
            cell.value = hid
        elif optional:
            cell.value = None
        else:
            for c in sheet[row]:
                c.value = None
    book.save(path)


def remap_hazard_lists(path, source: Keys, target: Store) -> None:
    """The written reports' lists of hazard ids, remapped as :func:`remap_hazard_ids` does; the hazards the new
    store lacks are left out of each list, and a report left with none is cleared."""
    carried = source.hazards_from_templates()
    new = {key: hid for hid, key in Keys(target).hazard.items() if key in carried}
    book = load_workbook(path)
    sheet = book[KINDS["written-reports"].sheet]
    col = [c.value for c in sheet[1]].index("*涉及隐患编号") + 1
    for row in range(3, sheet.max_row + 1):
        cell = sheet.cell(row, col)
        if cell.value is None:
            continue
        ids = [new.get(source.hazard.get(int(i))) for i in str(cell.value).split("、")]
        kept = [str(i) for i in ids if i is not None]
        if kept:
            cell.value = "、".join(kept)
        else:
            for c in sheet[row]:
                c.value = None
    book.save(path)


def remap_task_ids(path, source: Keys, target: Store) -> None:
    """The tracing-task ids of the demo store, in the file, replaced by the ids the tasks of the same batch and
    role got in the new store (opened there by the spot-check import)."""
    key = {t["id"]: (source.batch[t["spot_check_id"]], t["role"]) for t in source.rows["tracing_tasks"]}
    copy = Keys(target)
    new = {(copy.batch[t["spot_check_id"]], t["role"]): t["id"] for t in copy.rows["tracing_tasks"]}
    book = load_workbook(path)
    sheet = book[KINDS["tracing-tasks"].sheet]
    col = [c.value for c in sheet[1]].index("*任务编号") + 1
    for row in range(3, sheet.max_row + 1):
        cell = sheet.cell(row, col)
        if cell.value is not None:
            cell.value = new[key[int(cell.value)]]
    book.save(path)


def test_every_template_filled_with_the_demo_campaign_reproduces_it_and_a_second_import_changes_nothing(
    demo, store, tmp_path
):
    source = Keys(demo)
    hazards = source.hazards_from_templates()
    shared = sum(n - 1 for n in Counter(source.hazard.values()).values() if n > 1)
    paths = {}
    # an interview names its 约谈通知书, which must be on the store first (as a clerk imports them)
    order = sorted(TEMPLATE_KINDS, key=lambda k: k == "interviews")
    for kind in order:
        paths[kind] = path = write_template(kind, tmp_path / f"{kind}.xlsx", store=demo)
        if kind in ("rectifications", "enforcement", "interviews", "instruments"):
            remap_hazard_ids(path, kind, source, store)
        if kind == "tracing-tasks":
            remap_task_ids(path, source, store)
        if kind == "written-reports":
            remap_hazard_lists(path, source, store)
        report = import_file(store, path, today=AFTER_THE_CAMPAIGN)
        if kind == "inspections":  # only the demo's hazards that share a key are refused, as duplicates
            assert {f.code for f in report.errors} <= {"duplicate"} and len(report.errors) == shared
        else:
            assert not report.errors, (kind, [str(f) for f in report.errors[:5]])
        assert report.inserted + report.updated > 0, kind

    copy = Keys(store)
    for table in TEMPLATE_TABLES:
        assert copy.table(table, hazards) == source.table(table, hazards), table

    once = contents(store, volatile=False)
    for kind, path in paths.items():
        again = import_file(store, path, today=AFTER_THE_CAMPAIGN)
        assert (again.inserted, again.updated) == (0, 0), kind
    assert contents(store, volatile=False) == once


def test_a_county_downloads_only_its_own_records(demo, tmp_path):
    county = Store(demo.url, user="都匀市局", county="522701")
    book = load_workbook(write_template("enterprises", tmp_path / "都匀.xlsx", store=county))
    counties = {row[3] for row in book["企业名录"].iter_rows(min_row=3, values_only=True)}
    assert counties == {"都匀市"}
