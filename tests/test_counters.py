"""The results list's running counts (``figure_counts``) give exactly the figures of the plain definitions
after every kind of write, on SQLite and PostgreSQL; what a transaction keeps equals counting the store
afresh; a write undone (a failed transaction, a savepoint rolled back) leaves the counts as they were."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from hazardlib import counters, models, records, schema
from hazardlib.counters.marks import once_per_window
from hazardlib.demo import generate
from hazardlib.errors import IllegalMove
from hazardlib.ledger import apply_move
from hazardlib.reports.common import scope_for
from hazardlib.reports.results_list import results_frame
from hazardlib.stages import county_progress
from hazardlib.store import Store, open_store
from hazardlib.tracing import create_tracing_tasks

from .situations import Situation

pytestmark = pytest.mark.engines
D = dt.date
DATES = (D(2023, 9, 15), D(2024, 6, 1), D(2024, 7, 5), D(2024, 7, 20), D(2024, 8, 20), D(2024, 9, 15),
         D(2024, 11, 15))  # fmt: skip


def kept(conn: sa.Connection) -> dict[tuple[object, ...], int]:
    c = schema.figure_counts
    rows = conn.execute(sa.select(c.c.county_code, c.c.figure, c.c.anchor, c.c.day, c.c.n)).all()
    return {tuple(r[:4]): int(r[4]) for r in rows if r[4]}


def afresh(store: Store) -> dict[tuple[object, ...], int]:
    """``figure_counts`` as counting every record afresh makes it (in a transaction rolled back)."""
    with store.engine.connect() as conn:
        conn.info["write"] = True
        trans = conn.begin()
        try:
            counters.rebuild(conn)
            return kept(conn)
        finally:
            trans.rollback()


def assert_counts_hold(
    store: Store, dates: tuple[dt.date, ...] = DATES, counties: tuple[str, ...] = ()
) -> None:
    """At every date (and for every county asked), the list from the counts is the list by definition;
    the counts are what counting afresh gives."""
    for as_of in dates:
        for county in (None, *counties):
            scope = scope_for(store, as_of, county)
            fast, plain = results_frame(store, scope), results_frame(store, scope, plain=True)
            pd.testing.assert_frame_equal(fast, plain, obj=f"{as_of} {county or '全州'}")
            for stage in (None, 1, 2, 3):  # the tracker's progress, for the campaign so far and by stage
                pd.testing.assert_frame_equal(
                    county_progress(store, as_of, county, stage),
                    county_progress(store, as_of, county, stage, plain=True),
                    obj=f"进度 {as_of} {county or '全州'} 第{stage}阶段",
                )
    with store.read() as conn:
        assert kept(conn) == afresh(store)


def test_the_demo_campaign_is_counted_as_defined(store_url: str) -> None:
    store = Store(store_url, user="演示数据生成器")
    generate(store, seed=5, scale=0.05, progress=False)
    with store.read() as conn:
        assert kept(conn), "the demo's records are counted"
    assert_counts_hold(store, counties=("522701", "522732"))
    generate(store, seed=6, scale=0.05, progress=False, replace=True)  # replaced: counted anew
    assert_counts_hold(store, dates=(D(2024, 9, 15),))


def test_every_kind_of_write_keeps_the_counts(store_url: str) -> None:
    store = Store(store_url, user="测试员")
    s = Situation(store)
    a, b = s.enterprise("522701"), s.enterprise("522702", field="seller")
    mover = s.enterprise("522701")
    # the ledger: closed, reopened, failed re-inspection, refused and escalated, a reported risk
    story = s.ledger_story(a, b, mover, mover)
    failed, refused = story["failed"], story["refused"]
    s.hazard(a, D(2024, 5, 1), problem="P03")  # before stage 1: in no window
    # self-checks (one reports a major risk, which goes on the ledger), inspections, interviews, help
    s.self_check(a, D(2024, 6, 3))
    s.self_check(a, D(2024, 7, 3), major_risk_reported=True, major_risk_description="燃气泄漏风险")
    s.self_check(mover, D(2024, 6, 10))
    for day, field in (
        (D(2024, 6, 5), "production"),
        (D(2024, 6, 5), "production"),
        (D(2024, 7, 6), "production"),
    ):
        s.inspection(a, day, field=field, product="03-01" if day.month == 6 else "01-01")
    s.inspection(b, D(2024, 6, 7), field="circulation")
    s.interview(mover, D(2024, 7, 16))
    s.interview(mover, D(2024, 8, 16))
    s.help(a, D(2024, 6, 12), "quality_clinic")
    s.help(a, D(2024, 8, 12), "guidance_letter")
    # enforcement: filed, transferred, listed, revoked, published
    s.case(mover, D(2024, 7, 18), "unlicensed", transferred_to="police", transfer_date=D(2024, 7, 25),
           dishonesty_listed=True, dishonesty_date=D(2024, 8, 2))  # fmt: skip
    s.case(
        mover,
        D(2024, 8, 5),
        "unlicensed",
        dishonesty_listed=True,
        dishonesty_date=D(2024, 8, 9),
        licence_revoked=True,
        revoked_date=D(2024, 8, 20),
        typical_case=True,
        published_date=D(2024, 8, 21),
    )
    # spot checks, a follow-up, the tracing tasks of the unqualified one; instruments with and without
    # an enterprise
    bad = s.spot_check(D(2024, 6, 18), "unqualified", enterprise_id=b,
                       producer={"name": "外省某燃气具厂", "region": "广东省中山市"})  # fmt: skip
    s.spot_check(D(2024, 7, 18), "qualified", enterprise_id=b, follow_up_of=bad)
    s.spot_check(D(2024, 7, 19), "refused", enterprise_id=a)
    create_tracing_tasks(store, bad, D(2024, 6, 25))
    with store.transaction("测试") as tx:
        for kind, enterprise, day in (("rectification_notice", a, D(2024, 6, 21)),
                                      ("reminder_letter", None, D(2024, 7, 21))):  # fmt: skip
            data = {"kind": kind, "enterprise_id": enterprise, "campaign_year": 2024, "issue_date": day}
            records.save_instrument(tx, models.validate(models.Instrument, data), "522702")
    # classified supervision: three majors within two years put b under special supervision from the
    # third until the first leaves the window (on 2024-08-01)
    for i, day in enumerate((D(2022, 8, 1), D(2022, 10, 1), D(2024, 7, 1))):
        s.hazard(b, day, grade="major", kind="risk", problem=f"P0{i + 5}")
    later = (D(2024, 6, 30), D(2024, 7, 1), D(2024, 7, 31), D(2024, 8, 1))
    assert_counts_hold(store, dates=DATES + later, counties=("522701", "522702"))
    special = [
        int(results_frame(store, scope_for(store, d, "522702"))["special_supervision"].iloc[0]) for d in later
    ]
    assert special == [0, 1, 1, 0]

    # an enterprise moves county: everything it has counted moves with it
    with store.transaction("测试") as tx:
        tx.update(schema.enterprises, mover, {"county_code": "522702"})
    assert_counts_hold(store, dates=(D(2024, 7, 20), D(2024, 9, 15)), counties=("522701", "522702"))

    # a hazard changes grade, then is deleted with its events; a self-check's date moves
    with store.transaction("测试") as tx:
        tx.update(schema.hazards, refused, {"grade": "major"})
    with store.transaction("测试") as tx:
        tx.delete(schema.hazards, failed)  # its events go with it
    sc = schema.self_checks
    with store.read() as conn:
        first_check = conn.execute(
            sa.select(sc.c.id).where(sc.c.enterprise_id == a).order_by(sc.c.id)
        ).scalar()
    with store.transaction("测试") as tx:
        tx.update(sc, int(first_check), {"check_date": D(2024, 7, 30)})
    assert_counts_hold(store, dates=(D(2024, 7, 20), D(2024, 8, 1), D(2024, 9, 15)))


def test_writes_undone_leave_the_counts_as_they_were(store_url: str) -> None:
    store = Store(store_url, user="测试员")
    s = Situation(store)
    a = s.enterprise("522701")
    h = s.hazard(a, D(2024, 6, 20), ordered=D(2024, 6, 20), deadline=D(2024, 7, 10))
    with store.read() as conn:
        before = kept(conn)

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), store.transaction("测试") as tx:
        apply_move(tx, h, "rectify", day=D(2024, 7, 1), today=D(2024, 9, 15))
        tx.update(schema.enterprises, a, {"county_code": "522702"})
        raise Abandon
    with store.read() as conn:
        assert kept(conn) == before

    # a savepoint rolled back inside a transaction that commits: only the kept write counts
    with store.transaction("测试") as tx:
        with pytest.raises(IllegalMove), tx.conn.begin_nested():
            apply_move(tx, h, "rectify", day=D(2024, 7, 1), today=D(2024, 9, 15))
            apply_move(tx, h, "close", day=D(2024, 7, 2), today=D(2024, 9, 15))  # refused: not re-inspected
        apply_move(tx, h, "refuse", day=D(2024, 7, 12), today=D(2024, 9, 15))
    with store.read() as conn:
        assert kept(conn) != before
    assert_counts_hold(store, dates=(D(2024, 7, 1), D(2024, 7, 11), D(2024, 7, 12), D(2024, 9, 15)))
    state = results_frame(store, scope_for(store, D(2024, 9, 15))).set_index("county_code")
    assert int(state.loc["522701", "hazards_overdue"]) == 0  # refused, not ordered: not overdue


STAGE_1 = D(2024, 4, 1)


def test_overdue_and_closed_spans_of_one_hazard() -> None:
    """One hazard's marks: overdue from the day after its deadline until it is rectified, closed from its
    closing day until it is reopened; each figure sums to 1 inside its span and 0 outside."""
    marks: counters.Marks = {}
    hazard = {"kind": "hazard", "grade": "larger", "source": "inspection", "found_date": D(2024, 6, 1),
              "county_code": "522701", "campaign_year": 2024}  # fmt: skip
    events = [
        (D(2024, 6, 1), "found", "found", None),
        (D(2024, 6, 2), "order", "ordered", D(2024, 6, 10)),
        (D(2024, 6, 20), "rectify", "rectified", None),
        (D(2024, 6, 21), "reinspect", "reinspected", None),
        (D(2024, 6, 21), "close", "closed", None),  # two events on one day: the later one holds
        (D(2024, 8, 1), "look_back", "ordered", None),  # reopened with the old deadline, long passed
    ]
    counters.hazard_marks(marks, "522701", hazard, events)

    def figure(name: str, as_of: dt.date, start: dt.date = STAGE_1) -> int:
        return sum(
            n for (_, f, anchor, day), n in marks.items() if f == name and anchor >= start and day <= as_of
        )

    assert [figure("hazards_overdue", d) for d in (D(2024, 6, 10), D(2024, 6, 11), D(2024, 6, 19),
                                                    D(2024, 6, 20), D(2024, 7, 31), D(2024, 8, 1))] == [0, 1, 1, 0, 0, 1]  # fmt: skip
    assert [figure("hazards_closed", d) for d in (D(2024, 6, 20), D(2024, 6, 21), D(2024, 7, 31), D(2024, 8, 1))] == [0, 1, 1, 0]  # fmt: skip
    assert figure("hazards_found", D(2024, 5, 31)) == 0
    assert figure("hazards_found", D(2024, 6, 1)) == figure("hazards_larger", D(2024, 6, 1)) == 1
    assert figure("hazards_found", D(2024, 9, 1), start=D(2024, 6, 2)) == 0  # found before the window


def test_an_enterprise_counts_once_per_window_however_many_dates() -> None:
    marks: counters.Marks = {}
    dates = [D(2024, 6, 1), D(2024, 6, 1), D(2024, 7, 1), D(2024, 9, 1)]
    once_per_window(marks, "522701", "self_checks", dates)
    for start in (D(2024, 5, 1), D(2024, 6, 2), D(2024, 7, 2), D(2024, 9, 2)):
        for as_of in (D(2024, 5, 31), D(2024, 6, 1), D(2024, 8, 1), D(2024, 12, 31)):
            want = int(any(start <= d <= as_of for d in dates))
            got = sum(n for (_, _, anchor, day), n in marks.items() if anchor >= start and day <= as_of)
            assert got == want, (start, as_of)


def test_hazard_recount_finds_and_mends_counts_gone_wrong(tmp_path) -> None:
    from click.testing import CliRunner

    from hazardlib.cli import main

    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = open_store(url, user="演示数据生成器")
    generate(store, seed=3, scale=0.02, progress=False)
    runner = CliRunner()
    args = ["recount", "--db", url, "--as-of", "2024-09-15"]
    ok = runner.invoke(main, [*args, "--check"])
    assert ok.exit_code == 0 and "一致" in ok.output, ok.output
    c = schema.figure_counts
    with store.engine.begin() as conn:  # counts gone wrong behind the workbook's back
        wrong = c.c.figure.in_(["hazards_found", counters.progress_figure("open_hazards", 2024)])
        conn.execute(c.update().where(wrong).values(n=c.c.n + 1))
    bad = runner.invoke(main, [*args, "--check"])
    assert bad.exit_code == 1 and "「发现隐患」：计数表" in bad.output, bad.output
    assert "进度（行动至今）" in bad.output and "「未销号隐患（项）」" in bad.output, bad.output
    mended = runner.invoke(main, args)
    assert mended.exit_code == 0 and "已重算" in mended.output and "一致" in mended.output, mended.output
    audit = schema.audit_log
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).where(audit.c.action == "recount")).scalar() == 1


def test_a_changed_calendar_counts_supervision_from_the_records(store_url: str) -> None:
    store = Store(store_url, user="测试员")
    s = Situation(store)
    b = s.enterprise("522702")
    for i, day in enumerate((D(2023, 6, 1), D(2023, 9, 1), D(2024, 7, 1))):
        s.hazard(b, day, grade="major", kind="risk", problem=f"P0{i + 5}")
    meta = schema.store_meta
    with store.transaction("测试") as tx:  # as if the counts were made by other calendars
        tx.conn.execute(meta.update().where(meta.c.key == counters.TERMS_KEY).values(value="{}"))
    with store.read() as conn:
        assert not counters.terms_current(conn)
    assert_counts_hold(store, dates=(D(2024, 7, 1), D(2024, 9, 15)))
    frame = results_frame(store, scope_for(store, D(2024, 9, 15), "522702"))
    assert int(frame["special_supervision"].iloc[0]) == 1


@settings(max_examples=200, deadline=None)
@given(units=st.sets(st.integers(min_value=1, max_value=400), max_size=300))
def test_the_units_counted_are_picked_exactly(units: set[int]) -> None:
    """The conditions a set of ids is counted by (runs of consecutive ids as ranges, the others listed)
    pick exactly those ids, each once."""
    ids = sa.Table("ids", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))
    engine = sa.create_engine("sqlite://")
    ids.create(engine)
    with engine.begin() as conn:
        conn.execute(ids.insert(), [{"id": i} for i in range(0, 402)])
        picked = [
            i
            for where in counters._in(list(units))
            for (i,) in conn.execute(sa.select(ids.c.id).where(where(ids.c.id)))
        ]
    assert sorted(picked) == sorted(units)
