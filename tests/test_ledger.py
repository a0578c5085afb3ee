"""The rectification ledger: moves, refusals with Chinese reasons, deadlines, the state at any date."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from hazardlib import ledger, schema
from hazardlib.errors import CalendarOutOfRange, IllegalMove, NotFound, StaleRecord
from hazardlib.immediate import feed
from hazardlib.store import Store, count

from .situations import Situation

D = dt.date


@pytest.fixture
def s(store):
    return Situation(store)


def snapshot(store, hid):
    with store.read() as conn:
        return (
            store.get(schema.hazards, hid, conn),
            count(conn, schema.hazard_events, schema.hazard_events.c.hazard_id == hid),
            count(conn, schema.audit_log),
        )


def test_a_hazard_goes_from_found_to_closed_out_and_every_move_is_dated_signed_and_audited(s, store):
    hid = s.hazard(s.enterprise(), D(2024, 7, 1))
    s.moves(
        hid,
        ("order", D(2024, 7, 2), {"deadline": D(2024, 7, 31)}),
        ("rectify", D(2024, 7, 20)),
        ("reinspect", D(2024, 7, 25), {"outcome": "passed"}),
        ("close", D(2024, 7, 26)),
        ("look_back", D(2024, 9, 1), {"outcome": "upheld"}),
    )
    h = store.get(schema.hazards, hid)
    assert (h["state"], h["ordered_date"], h["deadline"], h["rectified_date"], h["closed_date"]) == (
        "closed",
        D(2024, 7, 2),
        D(2024, 7, 31),
        D(2024, 7, 20),
        D(2024, 7, 26),
    )
    hist = ledger.history(store, hid)
    assert list(hist["move"]) == ["found", "order", "rectify", "reinspect", "close", "look_back"]
    assert list(hist["to_label"]) == ["已发现", "责令整改中", "企业已整改", "复查合格", "已销号", "已销号"]
    assert set(hist["actor"]) == {"测试员"} and hist["outcome_label"].iloc[-1] == "整改成效巩固"
    with store.read() as conn:
        audited = conn.execute(
            sa.select(sa.func.count()).where(schema.audit_log.c.table_name == "hazard_events")
        ).scalar_one()
    assert audited == 6 and h["version"] == 5  # an upheld look-back changes no field of the hazard


@pytest.mark.parametrize(
    ("steps", "move", "kwargs", "reason"),
    [
        ([], "close", {}, "尚未整改和复查，不能销号"),
        ([("order", D(2024, 7, 2))], "close", {}, "尚未复查，不能销号"),
        ([("order", D(2024, 7, 2)), ("rectify", D(2024, 7, 9))], "close", {}, "未经复查，不能销号"),
        ([], "reinspect", {"outcome": "passed"}, "尚未责令限期整改，不能复查"),
        ([], "order", {"deadline": D(2024, 6, 30)}, "整改期限 2024-06-30 早于责令整改日期 2024-07-03"),
        ([("order", D(2024, 7, 2))], "rectify", {"day": D(2024, 7, 1)}, "早于该隐患上一环节的日期"),
        (
            [("order", D(2024, 7, 2)), ("rectify", D(2024, 7, 9))],
            "reinspect",
            {},
            "“复查”须注明结论：复查合格、复查不合格",
        ),
        ([("order", D(2024, 7, 2))], "escalate", {}, "约谈、集中整治、执法抽检、联合相关部门依法处理"),
        ([("order", D(2024, 7, 2))], "rectify", {"deadline": D(2024, 8, 1)}, "“企业整改完成”不设整改期限"),
        ([], "order", {"day": D(2099, 1, 1)}, "晚于今天"),
        ([], "fly", {}, "不是有效的整改环节"),
    ],
)
def test_an_illegal_move_is_refused_in_chinese_and_leaves_the_ledger_unchanged(
    s, store, steps, move, kwargs, reason
):
    hid = s.hazard(s.enterprise(), D(2024, 7, 1))
    s.moves(hid, *steps)
    before = snapshot(store, hid)
    day = kwargs.pop("day", D(2024, 7, 3) if not steps else D(2024, 7, 10))
    with pytest.raises(IllegalMove, match=reason):
        ledger.move(store, hid, move, day=day, **kwargs)
    assert snapshot(store, hid) == before


def test_a_refused_move_names_a_risk_as_a_risk_and_a_hazard_as_a_hazard(s, store):
    eid = s.enterprise()
    risk = s.hazard(eid, D(2024, 7, 1), kind="risk", control_measures=True, ordered=D(2024, 7, 1),
                    deadline=D(2024, 7, 20))  # fmt: skip
    hazard = s.hazard(eid, D(2024, 7, 1), problem="P01", ordered=D(2024, 7, 1), deadline=D(2024, 7, 20))
    for hid in (risk, hazard):
        s.move(hid, "refuse", D(2024, 7, 21))
    with pytest.raises(IllegalMove, match=f"^风险 {risk} 当前状态.*拒不整改的风险未经整改和复查"):
        ledger.move(store, risk, "close", day=D(2024, 7, 22))
    with pytest.raises(IllegalMove, match=f"^隐患 {hazard} 当前状态.*拒不整改的隐患未经整改和复查"):
        ledger.move(store, hazard, "close", day=D(2024, 7, 22))
    with pytest.raises(IllegalMove, match="早于该风险上一环节"):
        ledger.move(store, s.hazard(eid, D(2024, 7, 10), kind="risk", problem="P02", control_measures=True),
                    "order", day=D(2024, 7, 9))  # fmt: skip


def test_a_major_risk_found_on_inspection_is_reported_as_a_risk_not_a_hazard(s, store):
    eid = s.enterprise()
    risk = s.hazard(eid, D(2024, 7, 1), grade="major", kind="risk", control_measures=True)
    hazard = s.hazard(eid, D(2024, 7, 1), grade="major", problem="P01")
    items = feed(store, D(2024, 7, 3)).set_index("record_id")
    assert items.loc[risk, "kind"] == "major_risk" and "发现重大风险" in items.loc[risk, "summary"]
    assert items.loc[hazard, "kind"] == "major_hazard" and "发现重大隐患" in items.loc[hazard, "summary"]


def test_allowed_moves_are_what_the_ledger_accepts():
    assert ledger.allowed_moves("found") == ("order", "escalate")
    assert ledger.allowed_moves("ordered") == ("rectify", "refuse", "escalate")
    assert ledger.allowed_moves("rectified") == ("reinspect",)
    assert ledger.allowed_moves("reinspected") == ("close",)
    assert ledger.allowed_moves("closed") == ("look_back",)
    assert ledger.allowed_moves("refused") == ("order", "rectify", "escalate")
    assert ledger.allowed_moves("nonsense") == ()


def test_a_failed_reinspection_orders_again_with_the_campaigns_default_deadline(s, store):
    hid = s.hazard(s.enterprise(), D(2024, 7, 1), ordered=D(2024, 7, 1), deadline=D(2024, 7, 15))
    s.moves(hid, ("rectify", D(2024, 7, 10)), ("reinspect", D(2024, 7, 16), {"outcome": "failed"}))
    h = store.get(schema.hazards, hid)
    assert (h["state"], h["ordered_date"], h["deadline"], h["rectified_date"]) == (
        "ordered",
        D(2024, 7, 16),
        D(2024, 8, 15),
        None,  # default_rectification_days = 30 calendar days
    )


def test_a_deadline_in_working_days_skips_the_national_day_holiday_and_counts_the_make_up_sunday(s, store):
    hid = s.hazard(s.enterprise(), D(2024, 9, 27))
    after = s.move(hid, "order", D(2024, 9, 27), deadline_days=5, deadline_unit="working")
    # 9月29日（星期日）调休上班；10月1日—7日放假：9/29, 9/30, 10/8, 10/9, 10/10
    assert after["deadline"] == D(2024, 10, 10)
    # 自然日：10月2日在国庆假期中，期间顺延到假期结束后的第一个工作日（民法典 第二百零三条）
    assert s.move(s.hazard(s.enterprise(), D(2024, 9, 27)), "order", D(2024, 9, 27), deadline_days=5)[
        "deadline"
    ] == D(2024, 10, 8)
    assert s.move(s.hazard(s.enterprise(), D(2024, 9, 27)), "order", D(2024, 9, 27), deadline_days=3)[
        "deadline"
    ] == D(2024, 9, 30)


def test_a_working_day_deadline_outside_the_holiday_calendar_is_a_clear_error(s, store):
    hid = s.hazard(s.enterprise(), D(2003, 6, 2))
    before = snapshot(store, hid)
    with pytest.raises(CalendarOutOfRange, match="超出了法定节假日日历的已知年份"):
        s.move(hid, "order", D(2003, 6, 2), deadline_days=5, deadline_unit="working")
    assert snapshot(store, hid) == before


def test_refusal_escalation_and_a_reopening_look_back(s, store):
    hid = s.hazard(s.enterprise(), D(2024, 7, 1), ordered=D(2024, 7, 1), deadline=D(2024, 7, 15))
    s.moves(
        hid,
        ("refuse", D(2024, 7, 5)),
        ("escalate", D(2024, 7, 8), {"outcome": "interview"}),
        ("order", D(2024, 7, 9), {"deadline": D(2024, 7, 20)}),
        ("rectify", D(2024, 7, 18)),
        ("reinspect", D(2024, 7, 19), {"outcome": "passed"}),
        ("close", D(2024, 7, 19)),
        ("look_back", D(2024, 9, 10), {"outcome": "reopened", "deadline": D(2024, 9, 30)}),
    )
    h = store.get(schema.hazards, hid)
    assert (h["state"], h["deadline"], h["closed_date"]) == ("ordered", D(2024, 9, 30), None)
    hist = ledger.history(store, hid)
    assert hist.loc[
        hist["move"] == "escalate", ["from_state", "to_state", "outcome_label"]
    ].values.tolist() == [["refused", "refused", "约谈"]]
    other = s.hazard(s.enterprise(), D(2024, 7, 1), ordered=D(2024, 7, 1), deadline=D(2024, 7, 15))
    s.moves(
        other,
        ("rectify", D(2024, 7, 2)),
        ("reinspect", D(2024, 7, 3), {"outcome": "passed"}),
        ("close", D(2024, 7, 3)),
    )
    assert s.move(other, "look_back", D(2024, 9, 1), outcome="reopened")["state"] == "found"


def test_a_stale_version_and_another_countys_hazard_are_refused(s, store):
    hid = s.hazard(s.enterprise("522702"), D(2024, 7, 1))
    seen = store.get(schema.hazards, hid)["version"]
    s.move(hid, "order", D(2024, 7, 2), deadline=D(2024, 7, 30))
    with pytest.raises(StaleRecord):
        ledger.move(store, hid, "rectify", day=D(2024, 7, 3), expected_version=seen)
    duyun = Store(store.url, user="都匀市局", county="522701")
    with pytest.raises(NotFound):
        ledger.move(duyun, hid, "rectify", day=D(2024, 7, 3))
    assert store.get(schema.hazards, hid)["state"] == "ordered"


@pytest.mark.engines
def test_the_state_at_a_date_ignores_later_events_and_breaks_ties_by_event_order(s, store):
    hid = s.hazard(s.enterprise(), D(2024, 6, 1), ordered=D(2024, 6, 1), deadline=D(2024, 6, 30))
    s.moves(hid, ("rectify", D(2024, 7, 10)), ("reinspect", D(2024, 7, 10), {"outcome": "passed"}))
    with store.read() as conn:
        at = {
            day: ledger.state_at(conn, [hid], day)
            for day in (D(2024, 5, 31), D(2024, 6, 30), D(2024, 7, 1), D(2024, 7, 10))
        }
    assert at[D(2024, 5, 31)].empty  # not found yet
    assert at[D(2024, 6, 30)][["state", "overdue"]].values.tolist() == [["ordered", False]]
    assert at[D(2024, 7, 1)][["state", "state_label", "overdue"]].values.tolist() == [
        ["ordered", "责令整改中", True]
    ]
    assert at[D(2024, 7, 10)]["state"].tolist() == ["reinspected"]  # same-day moves: the later one wins


@pytest.mark.engines
def test_a_major_risk_in_a_self_check_goes_on_the_countys_ledger_once_and_is_reported_at_once(s, store):
    eid = s.enterprise("522725", products=("10-01",))
    data = dict(
        major_risk_reported=True,
        major_risk_description="灭火器压力容器焊接工序无人检验",
        items=[{"point_code": "R-02", "risk_point": "焊缝检验", "grade": "重大", "measures_in_place": False}],
    )
    sid = s.self_check(eid, D(2024, 5, 20), **data)
    s.self_check(eid, D(2024, 5, 20), **data)  # submitted again: nothing new
    with store.read() as conn:
        (risk,) = conn.execute(sa.select(schema.hazards)).mappings().all()
    assert (risk["kind"], risk["grade"], risk["source"], risk["source_id"], risk["county_code"]) == (
        "risk",
        "major",
        "self_check",
        sid,
        "522725",
    )
    assert (risk["control_measures"], risk["sub_product_code"], risk["state"]) == (False, "10-01", "found")
    items = feed(store, D(2024, 5, 20))
    assert items[["kind", "record_table", "record_id", "county_code", "state"]].values.tolist() == [
        ["major_risk_self_reported", "hazards", risk["id"], "522725", "pending"]
    ]
    assert "灭火器压力容器焊接工序无人检验" in items["summary"].iloc[0]


def test_a_major_hazard_saved_raises_an_immediate_report_and_a_general_one_does_not(s, store):
    eid = s.enterprise()
    major = s.hazard(eid, D(2024, 7, 1), grade="major")
    s.hazard(eid, D(2024, 7, 2), grade="general")
    items = feed(store, D(2024, 7, 3))
    assert items[["kind", "record_id", "state_label"]].values.tolist() == [
        ["major_hazard", major, "逾期未报告"]
    ]
    assert items["due_at"].iloc[0] == dt.datetime(2024, 7, 2, 0, 0)  # immediate_report_hours = 24


def test_control_measures_are_a_dated_audited_move_on_a_risk_in_its_county_and_refused_on_a_hazard(s, store):
    """对存在重大质量安全风险未采取管控措施…: whether a risk's measures are in place is recorded on the ledger
    from a date (the record keeps what was found), through the one write gate; a hazard takes no such move."""
    eid = s.enterprise("522702")
    risk = s.hazard(eid, D(2024, 7, 1), kind="risk", grade="major", control_measures=False)
    hazard = s.hazard(eid, D(2024, 7, 1), grade="major", problem="P05")  # another key than the risk's
    assert "measures" in ledger.allowed_moves("found", "risk")
    assert "measures" not in ledger.allowed_moves("found", "hazard")
    assert "measures" not in ledger.allowed_moves("closed", "risk")
    before = snapshot(store, risk)
    after = s.move(risk, "measures", D(2024, 7, 3), outcome="in_place", note="已停用并隔离")
    assert after["state"] == "found" and after["control_measures"] is False  # the record keeps what was found
    with store.read() as conn:
        assert ledger.measures_at(conn, risk, D(2024, 7, 2)) == (False, None)
        assert ledger.measures_at(conn, risk, D(2024, 7, 3)) == (True, D(2024, 7, 3))
    _, events, audits = snapshot(store, risk)
    assert events == before[1] + 1 and audits > before[2]
    last = ledger.history(store, risk).iloc[-1]
    assert (last["move_label"], last["outcome_label"], last["actor"]) == (
        "登记管控措施",
        "已采取管控措施",
        "测试员",
    )
    with pytest.raises(IllegalMove, match="管控措施登记在风险上"):
        s.move(hazard, "measures", D(2024, 7, 3), outcome="in_place")
    with pytest.raises(IllegalMove, match="须注明结论"):
        s.move(risk, "measures", D(2024, 7, 4))
    duyun = Store(store.url, user="都匀市局", county="522701")
    with pytest.raises(NotFound):
        ledger.move(duyun, risk, "measures", day=D(2024, 7, 5), outcome="not_in_place")
    assert snapshot(store, risk)[1] == events and ledger.history(store, hazard)["move"].tolist() == ["found"]
