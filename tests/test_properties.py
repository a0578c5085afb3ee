"""Property-based tests (hypothesis) over every validator: whatever is typed into a form or a cell, the
validators never crash — a value is accepted, or refused with findings that each name a field and give a
reason in Chinese. More than 10,000 generated inputs in all (see BUDGET)."""

from __future__ import annotations

import csv
import datetime as dt
import re
import typing
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from devtools.workload import make_uscc
from hazardlib import models, vocab
from hazardlib.errors import ValidationFailed
from hazardlib.fields import examples
from hazardlib.intake import normalise
from hazardlib.intake.importer import import_file
from hazardlib.intake.kinds import KINDS
from hazardlib.intake.safety import FileRefused
from hazardlib.store import open_store

TODAY = dt.date(2024, 9, 15)
CJK = re.compile(r"[\u4e00-\u9fff]")
MODELS = [
    models.Enterprise,
    models.RiskControlItem,
    models.SelfCheck,
    models.Inspection,
    models.Hazard,
    models.Instrument,
    models.Interview,
    models.Party,
    models.SpotCheck,
    models.EnforcementCase,
    models.RiskSignal,
    models.HelpRecord,
    models.CountyPlan,
    models.CountyOversight,
]
VOCABULARIES = [v for v in vars(vocab).values() if isinstance(v, vocab.Vocabulary)]
PER_MODEL, PER_VOCABULARY_RUN, PER_CELL_PARSER = 600, 1500, 400
CELL_PARSERS: list[Callable[[Any], Any]] = [
    normalise.date,
    normalise.integer,
    normalise.text,
    normalise.uscc,
    normalise.name,
    normalise.code,
]
BUDGET = (
    PER_MODEL * len(MODELS) + PER_VOCABULARY_RUN + PER_CELL_PARSER * len(CELL_PARSERS)
)  # + the importer runs

# Words people actually write: every code, label and variant, and typical values of the other fields.
WORDS = sorted(
    {
        w
        for v in VOCABULARIES
        for w in (*v.labels, *v.labels.values(), *(x for vs in v.variants.values() for x in vs))
    }
    | {"18-01", "15-01", "P01", "C01", "522701", "522722", "522700", "都匀市", make_uscc("522701", 1)}
    | {"2024-06-03", "2024/6/3", "2024年6月3日", "20240603", "45446", "XK13-001-00001", "1234567890123456"}
)
cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
    st.sampled_from(WORDS),
    st.text(max_size=30),
    st.text(alphabet="是否一般较大重大生产流通０１２３0123456789-/.年月日 \t", max_size=14),
    st.text(min_size=1990, max_size=2010, alphabet="质量安全"),
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=6)), max_size=3),
    st.dictionaries(st.text(max_size=6), st.one_of(st.booleans(), st.text(max_size=3)), max_size=3),
)


def _nested(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The record model inside a field's type, and whether it is a list of them."""
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg, False
        if typing.get_origin(arg) is list:
            inner = typing.get_args(arg)[0]
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner, True
    return None, False


def records_of(model: type[BaseModel], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts with any subset of the model's fields (nested records for nested models), sometimes with a
    field it does not have."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, info in model.model_fields.items():
        inner, many = _nested(info.annotation)
        if inner is not None and depth == 0:
            sub = records_of(inner, depth + 1)
            fields[name] = st.one_of(st.lists(sub, max_size=3) if many else sub, cells)
        else:
            fields[name] = cells
    base = st.fixed_dictionaries({}, optional=fields)
    return st.one_of(
        base, st.builds(lambda d, k, v: d | {k: v}, base, st.text(min_size=1, max_size=8), cells)
    )


# A valid record of each model, to change one or two fields of: reaching the checks that run only once
# the other fields are sound.
VALID: dict[type[BaseModel], dict[str, Any]] = {
    models.Enterprise: {
        "uscc": make_uscc("522701", 1),
        "name": "都匀市某某建材有限公司",
        "county_code": "522701",
        "field": "生产",
    },
    models.RiskControlItem: {"point_code": "R-01", "risk_point": "进货查验记录不全"},
    models.SelfCheck: {
        "enterprise_id": 1,
        "campaign_year": 2024,
        **examples(models.SelfCheck),
        "major_risk_reported": "否",
    },
    models.Inspection: {
        "enterprise_id": 1,
        "campaign_year": 2024,
        "inspection_date": "2024-06-03",
        "field": "生产",
        "sub_product_code": "18-01",
    },
    models.Hazard: {
        "enterprise_id": 1,
        "campaign_year": 2024,
        "grade": "一般",
        "problem_code": "P01",
        "sub_product_code": "18-01",
        "found_date": "2024-06-03",
        "source": "现场检查",
        "deadline": "2024-07-03",
    },
    models.Instrument: {
        "kind": "整改通知书",
        "enterprise_id": 1,
        "campaign_year": 2024,
        "issue_date": "2024-06-03",
    },
    models.Interview: {"enterprise_id": 1, "campaign_year": 2024, "held_date": "2024-06-03"},
    models.Party: {"name": "贵阳某某电器有限公司", "uscc": make_uscc("522701", 2)},
    models.SpotCheck: {
        "batch_no": "SC-2024-0001",
        "sampled_by_county": "522701",
        "sample_date": "2024-06-03",
        "sub_product_code": "18-01",
        "channel": "生产",
        "result": "合格",
        "enterprise_id": 1,
    },
    models.EnforcementCase: {
        "enterprise_id": 1,
        "campaign_year": 2024,
        "filed_date": "2024-06-03",
        "violation": "无证生产",
        "typical_case": "是",
        "published_date": "2024-07-01",
    },
    models.RiskSignal: {
        "county_code": "522701",
        "campaign_year": 2024,
        "received_date": "2024-06-03",
        "source": "投诉举报",
        "description": "反映某电动自行车充电器发烫",
    },
    models.HelpRecord: {
        "enterprise_id": 1,
        "campaign_year": 2024,
        "kind": "质量问诊",
        "help_date": "2024-06-03",
    },
    models.CountyPlan: {"county_code": "522701", "campaign_year": 2024, "adopted_date": "2024-05-20"},
    models.CountyOversight: {
        "county_code": "522701",
        "campaign_year": 2024,
        "kind": "约谈",
        "action_date": "2024-08-01",
    },
}


def changed(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    names = sorted(model.model_fields)
    return st.builds(
        lambda a, b, va, vb: VALID[model] | {a: va, b: vb},
        st.sampled_from(names),
        st.sampled_from(names),
        cells,
        cells,
    )


def count_runs(strategy: st.SearchStrategy[Any], check: Callable[[Any], None], n: int) -> int:
    """Run ``check`` on ``n`` generated inputs; how many it was run on."""
    runs = 0

    @settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def prop(value: Any) -> None:
        nonlocal runs
        runs += 1
        check(value)

    prop()
    return runs


def assert_refused_well(exc: ValidationFailed) -> None:
    assert exc.findings, "a refusal without findings"
    for f in exc.findings:
        assert f.field, f"a finding that names no field: {f!r}"
        # a field is named by its Chinese title; a column the form does not have, as it was written
        assert f.code == "extra_forbidden" or CJK.search(f.field), f"a field not named in Chinese: {f!r}"
        assert CJK.search(f.message), f"a finding whose reason is not in Chinese: {f!r}"


def test_the_valid_records_used_here_are_valid():
    for model, data in VALID.items():
        models.validate(model, data, today=TODAY)
    assert BUDGET >= 10_000


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_model_accepts_or_refuses_anything_with_located_chinese_findings(model):
    def check(data: dict[str, Any]) -> None:
        try:
            models.validate(model, data, today=TODAY)
        except ValidationFailed as exc:
            assert_refused_well(exc)

    assert count_runs(st.one_of(records_of(model), changed(model)), check, PER_MODEL) >= PER_MODEL * 0.9


def test_vocabulary_lookups_never_fail_and_every_label_and_variant_finds_its_code():
    for v in VOCABULARIES:
        for code, label in v.labels.items():
            assert v.lookup(code) == code and v.lookup(label) == code and v.lookup(f" {label}\u3000") == code
        for code, words in v.variants.items():
            assert all(v.lookup(w) == code for w in words), v.name

    def check(pair: tuple[vocab.Vocabulary, Any]) -> None:
        v, value = pair
        found = v.lookup(value)
        assert found is None or found in v.codes
        assert isinstance(v.label(found), str)

    strategy = st.tuples(st.sampled_from(VOCABULARIES), cells)
    assert count_runs(strategy, check, PER_VOCABULARY_RUN) >= PER_VOCABULARY_RUN * 0.9


@pytest.mark.parametrize("parse", CELL_PARSERS, ids=lambda f: f.__name__)
def test_reading_a_cell_gives_a_value_or_a_chinese_reason(parse):
    def check(value: Any) -> None:
        try:
            parse(value)
        except normalise.BadCell as exc:
            assert CJK.search(str(exc)), repr(exc)

    assert count_runs(cells, check, PER_CELL_PARSER) >= PER_CELL_PARSER * 0.9


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)))
@settings(max_examples=300, deadline=None, database=None)
def test_a_date_written_any_usual_way_reads_back_as_itself(day):
    for written in (
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        day.strftime("%Y%m%d"),
    ):
        assert normalise.date(written) == day


PER_IMPORT = 120
IMPORT_KINDS = ("enterprises", "inspections", "self-checks", "rectifications")


def test_an_imported_sheet_of_anything_gives_rows_or_located_chinese_findings(tmp_path_factory):
    """The importer, fed rows of generated cells under its own headers (written to a real CSV file, imported
    as a dry run): it never crashes, and every refused row has findings naming its row and column in
    Chinese."""
    base = tmp_path_factory.mktemp("imports")
    store = open_store(f"sqlite:///{base / 'store.db'}", user="测试员")
    printable = st.one_of(cells, st.sampled_from(WORDS)).map(lambda v: "" if v is None else str(v)[:200])
    sheets = st.sampled_from(IMPORT_KINDS).flatmap(
        lambda kind: st.tuples(
            st.just(kind),
            st.lists(
                st.lists(printable, min_size=len(KINDS[kind].columns), max_size=len(KINDS[kind].columns)),
                min_size=1,
                max_size=4,
            ),
        )
    )
    files = iter(range(10**6))

    def check(sheet: tuple[str, list[list[str]]]) -> None:
        kind, rows = sheet
        path = base / f"{next(files)}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow([c.header for c in KINDS[kind].columns])
            out.writerows([[v.replace("\x00", "") for v in row] for row in rows])
        try:
            report = import_file(store, path, kind=kind, dry_run=True, today=TODAY)
        except FileRefused as exc:
            assert CJK.search(str(exc))
            return
        assert (
            report.inserted
            + report.updated
            + report.unchanged
            + report.rejected
            + report.blank_rows
            + report.example_rows
            >= 1
        )
        for f in report.findings:
            assert CJK.search(f.message), f
            if f.severity == "error" and f.code not in ("header", "file"):
                assert f.row is not None and f.row >= 2 and f.field, f
        refused_rows = {f.row for f in report.findings if f.severity == "error" and f.row is not None}
        assert report.rejected <= len(refused_rows)  # no row refused without saying why

    assert count_runs(sheets, check, PER_IMPORT) >= PER_IMPORT * 0.9
