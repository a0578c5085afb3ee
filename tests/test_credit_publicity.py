"""Credit publicity (信用信息公示) is declared once: the publicity's date and reference in 国家企业信用信息公示系统
（贵州）, which the dishonesty-list rule reads. The yes/no that no rule read is retired by migration 0019, keeping
a case marked 是 without a date visible in its reference."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import command

from hazardlib import models, schema
from hazardlib.intake import KINDS
from hazardlib.store import open_store

from .situations import Situation, subjects

D = dt.date
MARKED = "已公示（迁移前仅登记“是”，公示日期待补）"


def test_publicity_is_one_declaration_its_date_and_reference_on_the_case_model_schema_and_template():
    assert "credit_publicity" not in models.EnforcementCase.model_fields
    assert "credit_publicity" not in schema.enforcement_cases.c
    headers = [c.header for c in KINDS["enforcement"].columns]
    assert "公示日期" in headers and "公示信息编号" in headers
    assert not [h for h in headers if h.startswith("通过国家企业信用信息公示系统")]


def test_the_dishonesty_rule_closes_on_the_publicity_date_and_not_the_day_before(store):
    s = Situation(store)
    listed = s.enterprise()
    s.case(listed, D(2024, 7, 1), "unlicensed", dishonesty_listed=True, dishonesty_date=D(2024, 8, 1),
           publicity_date=D(2024, 8, 3), publicity_ref="GZ-2024-0007")  # fmt: skip
    assert subjects(s.findings("dishonesty_list_candidate", D(2024, 8, 3))) == set()
    assert subjects(s.findings("dishonesty_list_candidate", D(2024, 8, 2))) == {listed}


def test_migration_0019_keeps_a_yes_without_a_date_in_the_reference_and_the_downgrade_restores_it(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'w.db'}", user="测试员")
    s = Situation(store)
    dated, marked, plain = s.enterprise(), s.enterprise(), s.enterprise()
    c_dated = s.case(dated, D(2024, 7, 1), "unlicensed", publicity_date=D(2024, 8, 3), publicity_ref="GZ-1")
    c_marked = s.case(marked, D(2024, 7, 1), "counterfeit")
    c_plain = s.case(plain, D(2024, 7, 1), "passing_off")
    cfg = store.alembic_config()
    command.downgrade(cfg, "0018")
    with store.engine.begin() as conn:
        flags = dict(conn.execute(sa.text("SELECT id, credit_publicity FROM enforcement_cases")).all())
        assert flags == {c_dated: 1, c_marked: 0, c_plain: 0}  # the downgrade sets it from the date
        conn.execute(
            sa.text("UPDATE enforcement_cases SET credit_publicity = 1 WHERE id = :i"), {"i": c_marked}
        )
    command.upgrade(cfg, "head")
    assert "credit_publicity" not in {
        c["name"] for c in sa.inspect(store.engine).get_columns("enforcement_cases")
    }
    with store.read() as conn:
        refs = dict(
            conn.execute(
                sa.select(schema.enforcement_cases.c.id, schema.enforcement_cases.c.publicity_ref)
            ).all()
        )
    assert refs == {c_dated: "GZ-1", c_marked: MARKED, c_plain: None}
