"""整改台账 without a browser: filters and pages in the database, a hazard's history, only the moves the
ledger allows, each move recorded, and a county session sees only its county."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from hazardlib import figures, ledger, schema
from hazardlib.apps import LedgerApp
from hazardlib.apps.ledger_page import LedgerFilter, ledger_page
from hazardlib.store import Store

from .situations import Situation

D = dt.date(2024, 9, 15)


def options(dropdown) -> list:
    return [v for _, v in dropdown.options if v is not None]


def test_a_hazard_moves_from_ordered_to_closed_through_reinspection_and_the_history_shows_each_step(store):
    s = Situation(store)
    hid = s.hazard(
        s.enterprise("522701"), dt.date(2024, 7, 1), ordered=dt.date(2024, 7, 2), deadline=dt.date(2024, 8, 1)
    )
    app = LedgerApp(store, D)
    app.pick.value = hid
    app.open_btn.click()
    assert options(app.move) == ["rectify", "refuse", "escalate"] and "已超期" in app.detail.value
    assert "隐患逾期未整改" in app.findings.value  # the rules' findings for this hazard
    for move, outcome in (("rectify", None), ("reinspect", "passed"), ("close", None)):
        app.move.value = move
        if outcome:
            assert app.move_fields["outcome"].widget.layout.display == ""
            app.outcome.value = outcome
        app.move_btn.click()
        assert "已登记" in app.status.value, app.status.value
    assert options(app.move) == ["look_back"] and "已销号" in app.detail.value
    assert "隐患逾期未整改" not in app.findings.value  # asked again after the move
    steps = ledger.history(store, hid)
    assert list(steps["move"]) == ["found", "order", "rectify", "reinspect", "close"]
    assert steps["actor"].iloc[-1] == "测试员" and steps["event_date"].iloc[-1] == D
    for label in ("企业整改完成", "复查", "复查合格", "销号"):
        assert label in app.history.value


def test_a_move_the_ledger_refuses_shows_its_reason_and_changes_nothing(store):
    s = Situation(store)
    hid = s.hazard(s.enterprise("522701"), dt.date(2024, 9, 1))
    app = LedgerApp(store, D)
    app.open_hazard(hid)
    assert options(app.move) == ["order", "escalate"]
    app.move.value = "order"
    assert app.move_fields["deadline"].widget.layout.display == "" and app.deadline.value == dt.date(
        2024, 10, 15
    )
    app.deadline.value = dt.date(2024, 9, 10)
    app.move_btn.click()
    assert "早于" in app.status.value and ledger.history(store, hid)["move"].tolist() == ["found"]


def test_filters_and_pages_are_answered_by_the_database(store):
    s = Situation(store)
    duyun, libo = s.enterprise("522701"), s.enterprise("522722")
    for day in range(1, 56):
        s.hazard(
            duyun,
            dt.date(2024, 7, 1) + dt.timedelta(days=day % 40),
            problem="P07" if day % 2 else "P05",
            product="03-01" if day < 40 else "04-01",
        )
    s.hazard(libo, dt.date(2024, 7, 3), grade="major")
    app = LedgerApp(store, D)
    assert app.table.total == 56 and len(app.table.frame) == 50 and app.table.pages == 2
    app.table.next_btn.click()
    assert len(app.table.frame) == 6 and "显示第 51–56 条，共 56 条" in app.table.info.value
    app.f_county.value = "522722"
    app.search_btn.click()
    assert app.table.total == 1 and app.table.page == 0 and "荔波县" in app.table.text
    frame, total = ledger_page(store, D, LedgerFilter(grade="major", year=2024))
    assert total == 1 and frame["county_code"].tolist() == ["522722"]


def test_a_county_session_sees_and_moves_only_its_county(store):
    s = Situation(store)
    s.hazard(s.enterprise("522701"), dt.date(2024, 7, 1))
    other = s.hazard(s.enterprise("522722"), dt.date(2024, 7, 1))
    duyun = LedgerApp(Store(store.url, user="都匀录入员", county="522701"), D)
    assert duyun.table.total == 1 and "荔波县" not in duyun.table.text
    assert options(duyun.f_county) == ["522701"]
    duyun.guard(duyun.open_hazard)(other)
    assert "找不到隐患" in duyun.status.value and duyun.panel.layout.display == "none"


def test_the_ledger_page_shows_the_ledgers_state_not_the_cached_one(store):
    """The page reads the ledger's definition of state (:func:`hazardlib.figures.ledger_at`, from the
    moves): a ``hazards`` row whose cached state is out of step with its moves does not change the page."""
    s = Situation(store)
    eid = s.enterprise("522701")
    ids = [
        s.hazard(eid, dt.date(2024, 7, day), ordered=dt.date(2024, 7, day), deadline=dt.date(2024, 8, 1))
        for day in (1, 2, 3)
    ]
    s.move(ids[0], "rectify", dt.date(2024, 8, 5))
    flt = LedgerFilter(year=2024, overdue=True)
    before = ledger_page(store, D, flt)
    assert before[1] == 2 and set(before[0]["id"]) == set(ids[1:])
    with store.engine.begin() as conn:  # the cache out of step (as after a hand edit or an old restore)
        conn.execute(sa.update(schema.hazards).where(schema.hazards.c.id == ids[1]).values(state="closed"))
    after = ledger_page(store, D, flt)
    assert after[1] == 2 and after[0].equals(before[0])
    with store.read() as conn:
        led = figures.ledger_at(D)
        states = dict(conn.execute(sa.select(led.c.id, led.c.state)).all())
    assert list(after[0]["state"]) == [states[i] for i in after[0]["id"]]


def test_a_hazard_with_moves_after_the_sessions_date_offers_no_move(store):
    s = Situation(store)
    hid = s.hazard(
        s.enterprise("522701"), dt.date(2024, 7, 1), ordered=dt.date(2024, 7, 1), deadline=dt.date(2024, 8, 1)
    )
    s.move(hid, "rectify", dt.date(2024, 9, 20))
    app = LedgerApp(store, D)
    app.open_hazard(hid)
    assert options(app.move) == [] and "统计日期之后已有整改记录" in app.no_moves.value
    assert "责令整改中" in app.detail.value  # its state on the session's date, not the later one
    frame, total = ledger_page(store, D, LedgerFilter(state="ordered"))
    assert total == 1 and frame["state"].tolist() == ["ordered"]


def test_a_risks_control_measures_are_recorded_on_the_ledger_page_and_answer_joint_handling(store):
    """对存在重大质量安全风险未采取管控措施……要联合相关部门依法严肃处理: the page shows whether a risk's measures
    are in place and the enterprise's deadline to resolve one it reported; recording measures in place
    (dated, signed, audited) ends the call for joint handling. A hazard is offered no such move."""
    s = Situation(store)
    eid = s.enterprise("522701")
    risk = s.hazard(
        eid, dt.date(2024, 7, 1), kind="risk", grade="major", control_measures=False, source="self_check"
    )
    hazard = s.hazard(eid, dt.date(2024, 7, 1), grade="major", problem="P05")  # another key than the risk's
    after_deadline = dt.date(2024, 7, 16)  # the enterprise had until 15 July (ten working days)
    app = LedgerApp(store, after_deadline)
    app.open_hazard(hazard)
    assert "measures" not in options(app.move) and "管控措施" not in app.detail.value
    app.open_hazard(risk)
    assert "measures" in options(app.move)
    assert "管控措施：" in app.detail.value and "未采取" in app.detail.value
    assert "企业积极化解期限：2024年7月15日" in app.detail.value
    assert "重大风险未管控或重大隐患拒不整改须联合处理" in app.findings.value
    app.move.value = "measures"
    assert app.move_fields["outcome"].widget.layout.display == ""
    assert app.move_fields["deadline"].widget.layout.display == "none"
    app.move_btn.click()  # no outcome chosen: nothing recorded
    assert "未登记" in app.status.value and ledger.history(store, risk)["move"].tolist() == ["found"]
    app.outcome.value = "in_place"
    app.move_btn.click()
    assert "已登记" in app.status.value and "已采取管控措施" in app.status.value, app.status.value
    assert "已采取" in app.detail.value and "2024年7月16日 登记" in app.detail.value
    assert "重大风险未管控或重大隐患拒不整改须联合处理" not in app.findings.value
    assert "登记管控措施" in app.history.value
    steps = ledger.history(store, risk)
    assert steps["move"].tolist() == ["found", "measures"] and steps["actor"].iloc[-1] == "测试员"
    with store.read() as conn:
        audited = conn.execute(
            sa.select(schema.audit_log.c.context).where(
                schema.audit_log.c.table_name == "hazard_events",
                schema.audit_log.c.record_id == int(steps["id"].iloc[-1]),
            )
        ).scalar_one()
    assert "登记管控措施" in audited
    # A county session of another county cannot open the risk, let alone record its measures.
    libo = LedgerApp(Store(store.url, user="荔波录入员", county="522722"), after_deadline)
    libo.guard(libo.open_hazard)(risk)
    assert "找不到" in libo.status.value and libo.panel.layout.display == "none"
