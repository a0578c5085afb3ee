"""监督抽查: two-way tracing across counties and out of the prefecture, follow-up spot checks, and the
interview after two consecutive unqualified results with a major hazard."""

from __future__ import annotations

import datetime as dt

import pytest

from hazardlib import schema, tracing
from hazardlib.errors import HazardError, OutOfScope
from hazardlib.reports.tracing_report import tracing as tracing_report
from hazardlib.store import Store

from .situations import Situation, subjects

D = dt.date
AS_OF = D(2024, 9, 15)


@pytest.fixture
def s(store):
    return Situation(store)


@pytest.mark.engines
def test_an_unqualified_product_is_traced_to_its_producer_and_seller_wherever_they_are(s, store):
    seller = s.enterprise("522701", field="seller", name="都匀市某五金商店有限公司")
    producer = s.enterprise("522702", name="福泉市某电缆有限公司")
    local = s.spot_check(
        D(2024, 7, 1),
        "unqualified",
        enterprise_id=seller,
        product="04-01",
        producer={"enterprise_id": producer},
        seller={"enterprise_id": seller},
    )
    remote = s.spot_check(
        D(2024, 7, 2),
        "unqualified",
        enterprise_id=seller,
        product="04-01",
        producer={"name": "佛山某电线厂", "region": "广东省佛山市"},
        seller={"enterprise_id": seller},
    )
    named = s.spot_check(
        D(2024, 7, 3), "unqualified", producer={"name": "某水泥厂", "region": "贵州省黔南州瓮安县"}
    )
    s.spot_check(D(2024, 7, 4), "qualified", enterprise_id=seller)
    assert {f.records["spot_checks"] for f in s.findings("two_way_tracing", AS_OF)} == {
        (local,),
        (remote,),
        (named,),
    }
    assert {f.county_code for f in s.findings("two_way_tracing", AS_OF)} == {"522701"}

    for sc in (local, remote, named):
        tracing.create_tracing_tasks(store, sc, D(2024, 7, 5))
    assert tracing.create_tracing_tasks(store, local, D(2024, 7, 6)) == []  # idempotent
    assert s.findings("two_way_tracing", AS_OF) == []
    sent = tracing.tasks_sent(store, "522701", AS_OF)
    assert sorted(zip(sent["spot_check_id"], sent["role"], sent["to_county"], strict=True)) == sorted(
        [
            (local, "producer", "522702"),
            (local, "seller", "522701"),
            (remote, "producer", "522700"),
            (remote, "seller", "522701"),
            (named, "producer", "522725"),
        ]
    )
    assert set(sent["due"]) == {D(2024, 8, 5)}  # 30 days after creation: 8月4日星期日，顺延到星期一
    received = tracing.tasks_received(store, "522702", AS_OF)
    assert list(received["target_name"]) == ["福泉市某电缆有限公司"] and list(received["state_label"]) == [
        "待追查"
    ]

    open_tasks = {(f.county_code, f.action) for f in s.findings("tracing_task_open", AS_OF)}
    assert ("522702", "追查生产单位") in open_tasks and ("522700", "转办外地追查") in open_tasks


def test_the_prefecture_passes_an_outside_task_on_and_the_sender_follows_it(s, store):
    seller = s.enterprise("522701", field="seller")
    sc = s.spot_check(
        D(2024, 7, 2),
        "unqualified",
        enterprise_id=seller,
        producer={"name": "佛山某电线厂", "region": "广东省佛山市"},
    )
    (task,) = tracing.create_tracing_tasks(store, sc, D(2024, 7, 5))
    tracing.pass_on(store, task, D(2024, 7, 8), "广东省佛山市市场监督管理局")
    (row,) = tracing.tasks_sent(store, "522701", AS_OF).to_dict("records")
    assert (row["state"], row["done_date"]) == ("passed_on", D(2024, 7, 8)) and "佛山" in row["note"]
    before = tracing.tasks_sent(store, "522701", D(2024, 7, 7))
    assert before["state"].tolist() == ["open"] and before["note"].tolist() == [
        None
    ]  # before it was passed on
    assert s.findings("tracing_task_open", AS_OF) == []
    with pytest.raises(HazardError, match="已转办"):
        tracing.complete(store, task, D(2024, 7, 9))


def test_a_task_passed_to_a_county_moves_to_its_list_and_is_done_when_completed(s, store):
    sc = s.spot_check(
        D(2024, 7, 2), "unqualified", producer={"name": "某化肥厂", "region": "不详"}, sampled_by="522701"
    )
    (task,) = tracing.create_tracing_tasks(store, sc, D(2024, 7, 5))
    duyun = Store(store.url, user="都匀市局", county="522701")
    with pytest.raises(OutOfScope):  # the sender does not redirect a task it sent
        tracing.pass_on(duyun, task, D(2024, 7, 6), "522702")
    tracing.pass_on(store, task, D(2024, 7, 6), "522725")
    assert tracing.tasks_received(store, "522725", AS_OF)["id"].tolist() == [task]
    (f,) = s.findings("tracing_task_open", AS_OF, county="522725")
    assert f.due == D(2024, 8, 5) and f.records["tracing_tasks"] == (task,)
    weng_an = Store(store.url, user="瓮安县局", county="522725")
    tracing.complete(weng_an, task, D(2024, 7, 20), note="已约谈生产单位")
    assert store.get(schema.tracing_tasks, task)["state"] == "done"
    notes = {
        day: tracing.tasks_received(store, "522725", day)["note"].tolist() for day in (D(2024, 7, 19), AS_OF)
    }
    assert notes == {  # the 办理情况 as it stood at each date: the completion's note from its day on
        D(2024, 7, 19): ["2024-07-06 由州局转办至瓮安县"],
        AS_OF: ["2024-07-06 由州局转办至瓮安县；2024-07-20 办结：已约谈生产单位"],
    }
    reported = {day: tracing_report(store, day)["note"].tolist() for day in (D(2024, 7, 19), AS_OF)}
    assert reported == notes  # the tracing report (双向追查表) at each date says the same
    assert s.findings("tracing_task_open", AS_OF) == []


def test_tracing_is_only_for_unqualified_products(s, store):
    sc = s.spot_check(D(2024, 7, 1), "qualified", enterprise_id=s.enterprise())
    with pytest.raises(HazardError, match="只有不合格产品才开展双向追查"):
        tracing.create_tracing_tasks(store, sc, D(2024, 7, 2))


def test_unqualified_and_refusing_enterprises_get_a_follow_up_spot_check(s):
    bad, refusing, followed, linked = (s.enterprise() for _ in range(4))
    s.spot_check(D(2024, 7, 1), "unqualified", enterprise_id=bad)
    s.spot_check(D(2024, 7, 1), "refused", enterprise_id=refusing)
    s.spot_check(D(2024, 7, 1), "unqualified", enterprise_id=followed)
    s.spot_check(D(2024, 8, 1), "qualified", enterprise_id=followed)
    first = s.spot_check(D(2024, 7, 1), "unqualified", enterprise_id=linked)
    s.spot_check(D(2024, 8, 2), "qualified", enterprise_id=s.enterprise(), follow_up_of=first)
    assert subjects(s.findings("follow_up_spot_check", AS_OF)) == {bad, refusing}
    assert subjects(s.findings("follow_up_spot_check", D(2024, 7, 31))) == {bad, refusing, followed, linked}
    assert {f.action for f in s.findings("follow_up_spot_check", AS_OF)} == {"跟踪抽查"}


def results(s, eid, *seq, start=None):
    start = start or D(2024, 6, 1)
    return [s.spot_check(start + dt.timedelta(days=10 * i), r, enterprise_id=eid) for i, r in enumerate(seq)]


def major_hazard(s, eid, **kw):
    return s.hazard(eid, D(2024, 6, 20), grade="major", ordered=D(2024, 6, 20), deadline=D(2024, 9, 30), **kw)


@pytest.mark.engines
def test_two_consecutive_unqualified_results_and_a_major_hazard_call_for_an_interview(s):
    eid = s.enterprise(name="惠水某安全帽有限公司")
    checks = results(s, eid, "qualified", "unqualified", "unqualified")
    hid = major_hazard(s, eid)
    (f,) = s.findings("interview_consecutive_unqualified", AS_OF)
    assert (f.enterprise_id, f.records["spot_checks"], f.records["hazards"]) == (
        eid,
        tuple(checks[1:]),
        (hid,),
    )
    assert "连续2次抽查不合格" in f.message


@pytest.mark.parametrize(
    ("seq", "fires"),
    [
        (("unqualified",), False),  # one unqualified check is not two
        (("unqualified", "qualified", "unqualified"), False),  # not consecutive
        (("unqualified", "unqualified", "qualified"), False),  # the last two are not both unqualified
        (("unqualified", "refused", "unqualified"), True),  # refusals are left out
    ],
)
def test_consecutive_means_the_last_two_results_in_sampling_order_without_refusals(s, seq, fires):
    eid = s.enterprise()
    results(s, eid, *seq)
    major_hazard(s, eid)
    assert subjects(s.findings("interview_consecutive_unqualified", AS_OF)) == ({eid} if fires else set())


def test_without_an_open_major_hazard_or_after_an_interview_there_is_no_finding(s):
    no_major, closed_major, risk_only, interviewed = (s.enterprise() for _ in range(4))
    for eid in (no_major, closed_major, risk_only, interviewed):
        results(s, eid, "unqualified", "unqualified")
    s.hazard(no_major, D(2024, 6, 20), grade="larger")
    h = major_hazard(s, closed_major)
    s.moves(
        h,
        ("rectify", D(2024, 7, 1)),
        ("reinspect", D(2024, 7, 2), {"outcome": "passed"}),
        ("close", D(2024, 7, 3)),
    )
    s.hazard(risk_only, D(2024, 6, 20), grade="major", kind="risk")
    major_hazard(s, interviewed)
    s.interview(interviewed, D(2024, 6, 15))  # after the second check (11 June)
    assert s.findings("interview_consecutive_unqualified", AS_OF) == []
    assert subjects(s.findings("interview_consecutive_unqualified", D(2024, 7, 2))) == {closed_major}


def test_a_result_after_the_as_of_date_does_not_count(s):
    eid = s.enterprise()
    results(s, eid, "unqualified", "unqualified", "qualified")  # 1 June, 11 June, 21 June
    major_hazard(s, eid)
    assert subjects(s.findings("interview_consecutive_unqualified", D(2024, 6, 20))) == {eid}
    assert s.findings("interview_consecutive_unqualified", D(2024, 6, 21)) == []
