"""Who held a tracing task when (双向追查): each pass-on is a dated record written with the task's change in one
audited transaction, and the task lists, the rules, the tracing report (双向追查表) and the 双向追查 tab show
the holder at their as-of date — the county that had the task the day before it was passed on, the new one
from that day; only the holder acts on a task; ``hazard verify`` finds passes that disagree with their task."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from hazardlib import schema, tracing
from hazardlib.apps import SpotCheckApp
from hazardlib.cli import main
from hazardlib.errors import HazardError, NotFound, OutOfScope
from hazardlib.reports.tracing_report import tracing as tracing_report
from hazardlib.store import PREFECTURE_CODE, Store, count

from .situations import Situation

D = dt.date
PASSED = D(2024, 7, 10)
BEFORE = PASSED - dt.timedelta(days=1)
AS_OF = D(2024, 9, 15)
DUYUN, FUQUAN, WENGAN = "522701", "522702", "522725"


@pytest.fixture
def task(store: Store) -> int:
    """A task of 都匀市's unqualified batch whose producer cannot be placed: on the prefecture's list from
    2024-07-05."""
    s = Situation(store)
    sc = s.spot_check(D(2024, 7, 2), "unqualified", producer={"name": "某化肥厂", "region": "不详"})
    (made,) = tracing.create_tracing_tasks(store, sc, D(2024, 7, 5))
    return made


def written(store: Store) -> tuple[int, int, int]:
    with store.read() as conn:
        return tuple(count(conn, t) for t in (schema.tracing_passes, schema.tracing_tasks, schema.audit_log))


def received(store: Store, county: str, day: dt.date) -> list[int]:
    return tracing.tasks_received(store, county, day)["id"].tolist()


@pytest.mark.engines
def test_a_task_passed_on_at_d_is_held_by_the_first_county_at_d_minus_1_and_by_the_second_at_d(store, task):
    tracing.pass_on(store, task, PASSED, WENGAN, "生产单位在瓮安县")
    # the list of each: the day before, the prefecture holds it (passed on after that date, not to act on then)
    assert received(store, PREFECTURE_CODE, BEFORE) == [task] and received(store, WENGAN, BEFORE) == []
    (then,) = tracing.tasks_received(store, PREFECTURE_CODE, BEFORE).to_dict("records")
    assert (then["to_county"], then["state"], then["later_state"], then["later_date"]) == (
        PREFECTURE_CODE, "open", "passed_on", PASSED,
    )  # fmt: skip
    assert received(store, PREFECTURE_CODE, PASSED) == [] and received(store, WENGAN, PASSED) == [task]
    (now,) = tracing.tasks_received(store, WENGAN, PASSED).to_dict("records")
    assert (now["to_county_name"], now["later_state"]) == ("瓮安县", None)
    # the sender follows it: where it was at each date
    sent = {day: tracing.tasks_sent(store, DUYUN, day)["to_county"].tolist() for day in (BEFORE, PASSED)}
    assert sent == {BEFORE: [PREFECTURE_CODE], PASSED: [WENGAN]}
    # the rule names the holder then
    rule = {
        day: [(f.county_code, f.action) for f in Situation(store).findings("tracing_task_open", day)]
        for day in (BEFORE, PASSED)
    }
    assert rule == {BEFORE: [(PREFECTURE_CODE, "转办外地追查")], PASSED: [(WENGAN, "追查生产单位")]}
    # the tracing report (双向追查表): 承办单位 at its date, and a county's form lists the tasks it held then
    report = {day: tracing_report(store, day)["to_county"].tolist() for day in (BEFORE, PASSED)}
    assert report == {BEFORE: [PREFECTURE_CODE], PASSED: [WENGAN]}
    assert tracing_report(store, BEFORE, WENGAN).empty and tracing_report(store, PASSED, WENGAN)[
        "task_id"
    ].tolist() == [task]


@pytest.mark.engines
def test_the_pass_is_a_record_written_and_audited_with_the_tasks_change_or_not_at_all(store, task):
    before = written(store)
    with pytest.raises(
        HazardError, match="早于任务下达日期"
    ):  # refused: neither the pass nor the task written
        tracing.pass_on(store, task, D(2024, 7, 1), WENGAN)
    assert written(store) == before
    tracing.pass_on(store, task, PASSED, WENGAN, "生产单位在瓮安县")
    with store.read() as conn:
        (passed,) = conn.execute(sa.select(schema.tracing_passes)).mappings().all()
        audit = conn.execute(
            sa.select(schema.audit_log.c.table_name, schema.audit_log.c.action, schema.audit_log.c.context)
            .where(schema.audit_log.c.id > before[2])
            .order_by(schema.audit_log.c.id)
        ).all()
    assert (passed["task_id"], passed["pass_date"], passed["from_county"], passed["to_county"]) == (
        task, PASSED, PREFECTURE_CODE, WENGAN,
    )  # fmt: skip
    assert (passed["recipient"], passed["note"]) == (None, "生产单位在瓮安县")
    assert [tuple(a) for a in audit] == [
        ("tracing_passes", "insert", "转办追查任务"),
        ("tracing_tasks", "update", "转办追查任务"),
    ]
    with pytest.raises(HazardError, match="早于该任务上次转办的日期"):  # not again before the last pass
        tracing.pass_on(store, task, D(2024, 7, 8), FUQUAN)
    # passed on again, by the prefecture, out of the prefecture: the record names whom it went to
    tracing.pass_on(store, task, D(2024, 7, 20), "广东省佛山市市场监督管理局")
    with store.read() as conn:
        last = (
            conn.execute(sa.select(schema.tracing_passes).order_by(schema.tracing_passes.c.id.desc()))
            .mappings()
            .first()
        )
    assert last is not None
    assert (last["from_county"], last["to_county"], last["recipient"]) == (
        WENGAN,
        None,
        "广东省佛山市市场监督管理局",
    )
    # out of the prefecture, it stays on the list of the county that passed it, as passed on from that day
    states = {
        d: tracing.tasks_received(store, WENGAN, d)["state"].tolist()
        for d in (D(2024, 7, 19), D(2024, 7, 20))
    }
    assert states == {D(2024, 7, 19): ["open"], D(2024, 7, 20): ["passed_on"]}


@pytest.mark.engines
def test_only_the_holder_passes_a_task_on_or_completes_it(store, task):
    duyun = Store(store.url, user="都匀市局", county=DUYUN)  # sent it, never held it
    wengan = Store(store.url, user="瓮安县局", county=WENGAN)
    before = written(store)
    with pytest.raises(NotFound):
        tracing.pass_on(wengan, task, PASSED, FUQUAN)  # not yet its task: not even seen
    with pytest.raises(OutOfScope):
        tracing.complete(duyun, task, PASSED)
    assert written(store) == before
    tracing.pass_on(store, task, PASSED, WENGAN)
    for other, refused in ((duyun, OutOfScope), (Store(store.url, user="福泉市局", county=FUQUAN), NotFound)):
        with pytest.raises(refused):
            tracing.complete(other, task, AS_OF)
        with pytest.raises(refused):
            tracing.pass_on(other, task, AS_OF, "广东省佛山市市场监督管理局")
    assert written(store)[0] == 1
    # the holder passes it on out of the prefecture, not to another county (that is the prefecture's)
    with pytest.raises(HazardError, match="转给州内其他县（市）须由州局办理"):
        tracing.pass_on(wengan, task, D(2024, 7, 12), FUQUAN)
    assert written(store)[0] == 1
    tracing.pass_on(wengan, task, D(2024, 7, 12), "广东省佛山市市场监督管理局", "生产单位已迁往佛山")
    assert store.get(schema.tracing_tasks, task)["state"] == "passed_on"
    with pytest.raises(HazardError, match="已转办"):
        tracing.complete(wengan, task, AS_OF)


@pytest.mark.engines
def test_a_county_sees_the_tasks_it_held_and_the_passes_it_made_or_received_and_no_other(store, task):
    tracing.pass_on(store, task, PASSED, WENGAN)
    tracing.pass_on(store, task, D(2024, 7, 20), FUQUAN)  # the prefecture moves it on again
    wengan, libo = (
        Store(store.url, user="瓮安县局", county=WENGAN),
        Store(store.url, user="荔波县局", county="522722"),
    )
    assert received(wengan, WENGAN, D(2024, 7, 15)) == [task]  # held it then: still on its list at that date
    assert received(wengan, WENGAN, AS_OF) == [] and received(store, FUQUAN, AS_OF) == [task]
    with wengan.read() as conn:
        passes = conn.execute(
            wengan.scoped(sa.select(schema.tracing_passes.c.to_county), schema.tracing_passes)
        )
        assert sorted(passes.scalars()) == [FUQUAN, WENGAN]  # to it, and from it
    assert received(libo, "522722", D(2024, 7, 15)) == []
    with libo.read() as conn:
        assert (
            conn.execute(libo.scoped(sa.select(schema.tracing_passes.c.id), schema.tracing_passes)).all()
            == []
        )


# on SQLite only: the page fills its rules' findings in a thread of its own, still at work when a test's
# PostgreSQL database is dropped
def test_the_tracing_tab_shows_the_holder_at_its_date_and_says_a_later_pass_keeps_it_from_acting(store, task):
    tracing.pass_on(store, task, PASSED, WENGAN)
    prefecture = SpotCheckApp(store, BEFORE)
    tab = prefecture.tracing
    assert "承办单位" in tab.received.text and "黔南布依族苗族自治州" in tab.received.text
    assert [v for _, v in tab.pick.options] == []  # passed on since: nothing to act on at that date
    assert tab.pick.layout.display == "none"  # and no empty list shown
    tab.open_task(task)
    assert "在统计日期之后（2024年7月10日）已转办，不能在此日期办理" in prefecture.status.value
    wengan = SpotCheckApp(Store(store.url, user="瓮安县局", county=WENGAN), BEFORE).tracing
    assert wengan.got.empty
    now = SpotCheckApp(Store(store.url, user="瓮安县局", county=WENGAN), PASSED).tracing
    assert now.got["id"].tolist() == [task] and task in [v for _, v in now.pick.options]
    # a county is offered what it may do: pass a task out of the prefecture, not to another county
    assert [label for label, _ in now.to.options] == ["（转办给）", "州外（已移交外地）"]
    assert "福泉市" in [label for label, _ in tab.to.options]  # the prefecture passes to its counties


@pytest.mark.engines
def test_verify_finds_passes_that_disagree_with_their_task(store, task, tmp_path):
    tracing.pass_on(store, task, PASSED, WENGAN)
    verify = CliRunner().invoke(main, ["verify", "--db", store.url])
    assert verify.exit_code == 0, verify.output
    with store.transaction("测试：改乱承办单位") as tx:  # the task moved on without a pass recorded
        tx.conn.execute(schema.tracing_tasks.update().values(to_county=FUQUAN))
    verify = CliRunner().invoke(main, ["verify", "--db", store.url])
    assert verify.exit_code == 1
    assert f"追查任务 {task} 最后一次转办给瓮安县，而任务现在的承办单位是福泉市" in verify.output
    with store.transaction("测试：不接续的转办") as tx:
        tx.conn.execute(schema.tracing_tasks.update().values(to_county=WENGAN))
        tx.insert(schema.tracing_passes, dict(task_id=task, pass_date=D(2024, 7, 20), from_county=FUQUAN,
                                              to_county=WENGAN))  # fmt: skip
    verify = CliRunner().invoke(main, ["verify", "--db", store.url])
    assert (
        verify.exit_code == 1
        and f"追查任务 {task} 的转办记录不接续：2024-07-20 由福泉市转出，而此前任务在瓮安县" in verify.output
    )
    assert "最后一次转办" not in verify.output  # the last pass now agrees with the task
