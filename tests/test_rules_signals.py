"""消除质量安全风险隐患: a risk signal is verified, and once confirmed becomes a hazard or an inspection."""

from __future__ import annotations

import datetime as dt

import pytest

from .situations import Situation

D = dt.date
AS_OF = D(2024, 9, 15)


@pytest.fixture
def s(store):
    return Situation(store)


def test_a_signal_not_yet_verified_is_to_be_analysed_and_verified(s):
    pending = s.signal("522701", D(2024, 8, 1), "public_opinion", description="网传某品牌电动自行车电池起火")
    s.signal("522701", D(2024, 8, 1), "recall", verification="dismissed", verified_date=D(2024, 8, 3))
    later = s.signal(
        "522701", D(2024, 8, 2), "complaint", verification="confirmed", verified_date=D(2024, 9, 20)
    )
    got = {f.records["risk_signals"][0]: f for f in s.findings("risk_signal_to_verify", AS_OF)}
    assert set(got) == {pending, later}  # confirmed only after the as-of date
    assert got[pending].action == "分析研判、核查" and "舆情事件" in got[pending].message


def test_a_confirmed_signal_must_become_a_hazard_or_an_inspection(s):
    eid = s.enterprise(products=("18-01",))
    bare = s.signal(
        "522701",
        D(2024, 8, 1),
        "complaint",
        enterprise_id=eid,
        sub_product_code="18-01",
        verification="confirmed",
        verified_date=D(2024, 8, 5),
    )
    other = s.enterprise()
    inspected = s.signal(
        "522701",
        D(2024, 8, 1),
        "licensing",
        enterprise_id=other,
        verification="confirmed",
        verified_date=D(2024, 8, 5),
    )
    hazard_made = s.signal(
        "522701", D(2024, 8, 1), "spot_check", verification="confirmed", verified_date=D(2024, 8, 5)
    )
    s.inspection(other, D(2024, 8, 6))
    s.hazard(eid, D(2024, 8, 7), source="risk_signal", source_id=hazard_made)
    (f,) = s.findings("risk_signal_to_handle", AS_OF)
    assert f.records["risk_signals"] == (bare,) and f.enterprise_id == eid
    assert "燃气灶具" in f.message and f.action == "登记隐患或安排现场检查"
    assert {x.records["risk_signals"][0] for x in s.findings("risk_signal_to_handle", D(2024, 8, 5))} == {
        bare,
        inspected,
        hazard_made,
    }
