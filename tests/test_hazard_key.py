"""The hazard key (enterprise, found date, product, problem type): one ledger record per key.
``hazard verify`` reports records that share a key; the demo generator makes none."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from hazardlib import schema
from hazardlib.catalogue import product_name
from hazardlib.cli import main
from hazardlib.errors import ValidationFailed
from hazardlib.records import HAZARD_KEY, hazard_key_duplicates

from .situations import Situation

D = dt.date
H = schema.hazards


def test_hazard_verify_reports_two_records_with_one_key_and_passes_one_problem_type_apart(store) -> None:
    s = Situation(store)
    e = s.enterprise()
    first = s.hazard(e, D(2024, 7, 1), problem="P01")
    s.hazard(e, D(2024, 7, 1), problem="P02")  # just short: same enterprise, day and product
    runner = CliRunner()
    passed = runner.invoke(main, ["verify", "--db", store.url])
    assert passed.exit_code == 0 and "无隐患键重复" in passed.output
    with store.engine.begin() as conn:  # a writer that went round records.save_hazard
        row = dict(conn.execute(sa.select(H).where(H.c.id == first)).mappings().one())
        row.pop("id")
        second = conn.execute(H.insert().values(**row)).inserted_primary_key[0]
        assert hazard_key_duplicates(conn) == [
            f"隐患键重复：企业 {e}、发现日期 2024-07-01、产品 03-01、问题类型 P01 有 2 条整改台账记录（最早的编号 {first}）"
        ]
    found = runner.invoke(main, ["verify", "--db", store.url])
    assert found.exit_code == 1 and "隐患键重复" in found.output and second != first


def test_saving_a_hazard_twice_keeps_one_record_per_key(store) -> None:
    s = Situation(store)
    e = s.enterprise()
    assert s.hazard(e, D(2024, 7, 1)) == s.hazard(e, D(2024, 7, 1), description="改写的描述")
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(H)).scalar() == 1
        assert hazard_key_duplicates(conn) == []
    assert HAZARD_KEY == ("enterprise_id", "found_date", "sub_product_code", "problem_code")


def test_a_self_reported_major_risk_with_a_held_key_refuses_the_self_check_and_one_day_apart_is_kept(
    store,
) -> None:
    s = Situation(store)
    e = s.enterprise()  # a producer of 03-01: its reported risk is keyed P99 on 03-01 at the check date
    s.hazard(e, D(2024, 6, 3), problem="P99")
    risk = {"major_risk_reported": True, "major_risk_description": "气密性检测设备失效"}
    s.hazard(e, D(2024, 6, 4), problem="P99")  # just short: held a day later, the self-check is kept
    s.self_check(e, D(2024, 6, 5), **risk)
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(H)).scalar() == 3
        assert hazard_key_duplicates(conn) == []
    e2 = s.enterprise()
    held = s.hazard(e2, D(2024, 6, 3), problem="P99")
    with pytest.raises(ValidationFailed) as refused:
        s.self_check(e2, D(2024, 6, 3), **risk)
    (finding,) = refused.value.findings
    assert finding.field == "自查日期" and finding.value == D(2024, 6, 3)
    assert finding.message.startswith(
        f"企业自查报告的重大风险与整改台账中隐患编号 {held} 的记录相同（同一企业、发现日期 2024年6月3日、"
        f"产品“{product_name('03-01')}”、问题类型“其他”）"
    )
    with store.read() as conn:  # one transaction: neither the self-check nor a second record
        assert conn.execute(sa.select(sa.func.count()).select_from(H)).scalar() == 4
        sc = schema.self_checks
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(sc).where(sc.c.enterprise_id == e2)).scalar()
            == 0
        )
        assert hazard_key_duplicates(conn) == []
