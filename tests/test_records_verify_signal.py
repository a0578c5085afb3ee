"""Verifying a risk signal is a domain step (:func:`hazardlib.records.verify_signal`), written in the
caller's one transaction: the form and any other caller get the same checks, scoped to the session's county."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from hazardlib import records, schema
from hazardlib.errors import NotFound, ValidationFailed
from hazardlib.store import Store

from .situations import Situation

D = dt.date(2024, 8, 5)


def _row(store: Store, sid: int) -> dict:
    with store.read() as conn:
        return dict(
            conn.execute(sa.select(schema.risk_signals).where(schema.risk_signals.c.id == sid))
            .mappings()
            .one()
        )


def test_a_signal_is_verified_in_the_callers_transaction(store):
    sid = Situation(store).signal("522701", dt.date(2024, 8, 1))
    with store.transaction("测试：风险信息核查") as tx:
        assert records.verify_signal(tx, sid, "dismissed", D, today=D) == "updated"
    row = _row(store, sid)
    assert (row["verification"], row["verified_date"]) == ("dismissed", D)


def test_a_verification_before_the_signal_arrived_or_of_another_county_changes_nothing(store):
    sid = Situation(store).signal("522701", dt.date(2024, 8, 1))
    before = _row(store, sid)
    with pytest.raises(ValidationFailed) as bad, store.transaction("测试") as tx:
        records.verify_signal(tx, sid, "confirmed", dt.date(2024, 7, 30), today=D)
    assert bad.value.findings[0].field == "核查日期" and "早于收到日期" in bad.value.findings[0].message
    libo = Store(store.url, user="荔波县", county="522722")
    with pytest.raises(NotFound), libo.transaction("测试") as tx:
        records.verify_signal(tx, sid, "confirmed", D, today=D)
    assert _row(store, sid) == before
