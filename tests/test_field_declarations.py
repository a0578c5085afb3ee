"""One declaration per field: every field of a record model that a template fills has its schema column,
its template column (or says the import works it out) and a value in the demo campaign.

A field added to a model without the rest fails here, naming what it lacks; the templates, the import's
field maps, the fill helper and the self-check duty list then follow from the model alone.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from pydantic import BaseModel

from hazardlib import figures, models, schema
from hazardlib.apps import selfcheck
from hazardlib.demo import generate
from hazardlib.fields import duties, entry_of, has_entry
from hazardlib.intake import KINDS
from hazardlib.store import Store, open_store

TABLES: dict[type[BaseModel], sa.Table] = {
    models.Enterprise: schema.enterprises,
    models.SelfCheck: schema.self_checks,
    models.RiskControlItem: schema.risk_control_items,
    models.Inspection: schema.inspections,
    models.Hazard: schema.hazards,
    models.HelpRecord: schema.help_records,
    models.SpotCheck: schema.spot_checks,
    models.EnforcementCase: schema.enforcement_cases,
    models.RiskSignal: schema.risk_signals,
    models.CountyPlan: schema.county_plans,
    models.Interview: schema.interviews,
    models.CountyOversight: schema.county_oversight,
    models.WrittenReport: schema.written_reports,
    models.Instrument: schema.instruments,
    models.TracingReport: schema.tracing_tasks,
}
"""The table each record model is stored in (a model a template fills must be named here)."""

STORED_ELSEWHERE = {
    (models.SelfCheck, "items"),  # the risk control list: rows of risk_control_items
    (models.SpotCheck, "producer"),  # the parties: producer_… and seller_… columns of spot_checks
    (models.SpotCheck, "seller"),
    (models.TracingReport, "task_id"),  # the task's id
    (models.TracingReport, "day"),  # done_date, or (passed on to a county) in the 办理情况
    (models.TracingReport, "recipient"),  # to_county, or (out of the prefecture) in the 办理情况
}

TEMPLATE_MODELS = sorted(
    {c.model for spec in KINDS.values() for c in spec.columns if c.model is not None},
    key=lambda m: m.__name__,
)


def _fields() -> list[tuple[type[BaseModel], str]]:
    return [(m, f) for m in TEMPLATE_MODELS for f in m.model_fields]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}", user="演示数据生成器")
    generate(store, seed=7, scale=0.1, progress=False)  # the smallest that lists and revokes
    return store


def test_every_model_a_template_fills_names_its_table():
    assert {m.__name__ for m in TEMPLATE_MODELS} - {m.__name__ for m in TABLES} == set()


@pytest.mark.parametrize(("model", "name"), _fields(), ids=lambda v: getattr(v, "__name__", v))
def test_a_model_field_has_its_schema_column_template_column_and_demo_value(
    demo: Store, model: type[BaseModel], name: str
):
    table = TABLES[model]
    stored = (model, name) not in STORED_ELSEWHERE
    if stored:
        assert name in table.c, f"{model.__name__}.{name} 在表 {table.name} 中没有列"
    assert has_entry(model, name), f"{model.__name__}.{name} 没有声明怎样填写（Entry 或 DERIVED）"
    columns = [
        (k, c) for k, spec in KINDS.items() for c in spec.columns if c.model is model and c.field == name
    ]
    if entry_of(model, name).on_template:
        assert columns, f"{model.__name__}.{name} 不在任何模板中"
    else:
        assert not columns, f"{model.__name__}.{name} 声明为导入时推算，却有模板列 {columns}"
    if stored:
        with demo.read() as conn:
            filled = conn.execute(sa.select(sa.func.count()).where(table.c[name].is_not(None))).scalar_one()
        assert filled, f"演示数据中没有 {model.__name__}.{name} 的值"


def test_the_self_check_duties_are_the_checklists_items_and_every_reader_takes_them_from_the_model():
    answered = duties(models.SelfCheck)
    assert list(answered) == ["S-01", "S-02", "S-03", "S-04", "S-05", "S-06"]
    assert answered == selfcheck.ITEM_FIELDS
    template = [c.key for c in KINDS["self-checks"].columns]
    assert all(field in template for field in answered.values())


def test_the_milestone_columns_are_declared_once_by_the_schema_and_read_by_the_figures():
    """The plain path's milestones (move, state, ``hazards`` column) are named in the schema, the lower
    layer; the columns the state indexes carry and the figures' milestones are that one declaration."""
    columns = [m.column for m in schema.MILESTONES]
    assert set(columns) <= set(schema.LEDGER_STATE)
    assert set(columns) <= set(schema.hazards.c.keys())
    assert not hasattr(figures, "MILESTONES"), (
        "the figures read schema.MILESTONES, they do not name them again"
    )
