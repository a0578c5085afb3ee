"""The three-stage tracker: the stage of a date, each county's figures per stage, on track or not,
stage 2's proposed inspection lists, and the hazards still open after 31 October."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command

from hazardlib import stages
from hazardlib.campaign import campaign_at
from hazardlib.errors import CampaignNotFound
from hazardlib.regions import load_regions
from hazardlib.store import Store

from .situations import Situation

D = dt.date


@pytest.fixture
def s(store):
    return Situation(store)


@pytest.mark.parametrize(
    ("day", "no", "between", "days_left", "deadline", "label"),
    [
        (D(2024, 5, 10), None, [None, 1], None, "2024-08-20", "行动尚未开始（第一阶段 5月11日开始）"),
        (D(2024, 5, 15), 1, None, 37, "2024-08-20", "第一阶段：部署、自查自纠（剩余 37 天）"),
        (D(2024, 6, 18), 1, None, 3, "2024-08-20", "第一阶段：部署、自查自纠（剩余 3 天）"),
        (D(2024, 8, 20), 2, None, 12, "2024-08-20", "第二阶段：现场检查、隐患排查（剩余 12 天）"),
        (D(2024, 9, 15), 3, None, 47, "2024-10-20", "第三阶段：隐患治理、质量帮扶（剩余 47 天）"),
        (
            D(2024, 11, 5),
            None,
            [3, None],
            None,
            "2024-11-20",
            "行动已结束",
        ),  # the written report after October
    ],
)
def test_any_date_has_its_stage_days_left_and_next_report_deadline(
    day, no, between, days_left, deadline, label
):
    st = stages.stage_status(day)
    assert (st["no"], st["between"], st["days_left"], st["label"]) == (no, between, days_left, label)
    assert (st["next_deadline"] or {}).get("day") == deadline


def test_a_year_without_a_campaign_is_a_clear_error():
    with pytest.raises(CampaignNotFound, match="没有2031年度的行动日历"):
        stages.stage_status(D(2031, 6, 1))


@pytest.fixture
def duyun(s):
    """都匀市: 4 key enterprises and one with no key product; self-checks in stage 1, inspections in
    stage 2, four hazards of 2024 in different states, one of 2023; a plan adopted in May."""
    ids = [s.enterprise("522701") for _ in range(4)] + [s.enterprise("522701", products=())]
    s.plan("522701", D(2024, 5, 16))
    for eid in ids[:3]:
        s.self_check(eid, D(2024, 5, 20))
    s.self_check(ids[4], D(2024, 5, 20))  # not an enterprise of the key categories: not counted
    s.inspection(ids[0], D(2024, 7, 1))
    s.inspection(ids[1], D(2024, 7, 2))
    s.inspection(ids[2], D(2024, 7, 3), field="circulation")
    closed = s.hazard(ids[0], D(2024, 7, 1), ordered=D(2024, 7, 1), deadline=D(2024, 7, 20))
    s.moves(
        closed,
        ("rectify", D(2024, 7, 10)),
        ("reinspect", D(2024, 7, 11), {"outcome": "passed"}),
        ("close", D(2024, 9, 3)),
    )
    s.hazard(ids[1], D(2024, 7, 2), ordered=D(2024, 7, 2), deadline=D(2024, 8, 1))  # overdue from 2 August
    escalated = s.hazard(ids[2], D(2024, 7, 3), ordered=D(2024, 7, 3), deadline=D(2024, 9, 30))
    s.move(escalated, "escalate", D(2024, 7, 5), outcome="interview")
    s.hazard(ids[3], D(2024, 9, 2))
    s.hazard(ids[3], D(2023, 7, 1))  # last campaign: not counted in 2024's figures
    return ids


def row(frame, code="522701"):
    return frame.set_index("county_code").loc[code].to_dict()


@pytest.mark.engines
def test_county_progress_counts_the_campaign_so_far(store, duyun):
    r = row(stages.county_progress(store, D(2024, 9, 15)))
    assert {
        k: r[k]
        for k in (
            "key_enterprises",
            "self_checked",
            "inspections_production",
            "inspections_circulation",
            "hazards_found",
            "hazards_closed",
            "open_hazards",
            "overdue_hazards",
            "open_escalations",
        )
    } == {
        "key_enterprises": 4,
        "self_checked": 3,
        "inspections_production": 2,
        "inspections_circulation": 1,
        "hazards_found": 4,
        "hazards_closed": 1,
        "open_hazards": 3,
        "overdue_hazards": 1,
        "open_escalations": 1,
    }
    assert (r["self_check_coverage"], r["close_out_rate"], r["plan_adopted"]) == (0.75, 0.25, True)
    assert (r["on_track"], r["lagging_checks"]) == (False, ["closure"])
    assert r["lagging_reasons"] == "隐患销号率 25% 低于应达到的 50%"


@pytest.mark.engines
def test_progress_rows_count_only_the_figures_asked_for_and_the_judged_ones(store, duyun):
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", note)
    try:
        every = stages.county_progress_rows(store, D(2024, 9, 15))
        read_every = "\n".join(statements)
        statements.clear()
        few = stages.county_progress_rows(store, D(2024, 9, 15), figures=("overdue_hazards", "inspections"))
        read_few = "\n".join(statements)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", note)
    asked = {"overdue_hazards", "inspections", *stages.JUDGED}
    assert [sorted(set(r) & set(stages.COUNT_COLUMNS)) for r in few] == [sorted(asked)] * len(every)
    derived = ["self_check_coverage", "close_out_rate", "on_track", "lagging_reasons", "plan_adopted"]
    assert [{k: r[k] for k in [*asked, *derived]} for r in few] == [
        {k: r[k] for k in [*asked, *derived]} for r in every
    ]
    assert every[0]["hazards_closed"] == 1 and every[0]["open_escalations"] == 1  # counted when asked for
    # the closings and escalations in the window are sets of events read in full: not when not asked for
    assert "any_close" in read_every and "any_escalate" in read_every
    assert "any_close" not in read_few and "any_escalate" not in read_few
    with pytest.raises(ValueError, match="overdue"):
        stages.county_progress_rows(store, D(2024, 9, 15), figures=("overdue",))


def index_columns(store: Store, table: str, name: str) -> list[str | None]:
    (index,) = [i for i in sa.inspect(store.engine).get_indexes(table) if i["name"] == name]
    return list(index["column_names"])


def sqlite_plan(store: Store, stmt: sa.Select) -> str:
    """SQLite's plan of ``stmt`` (EXPLAIN QUERY PLAN), one line per step."""
    with store.read() as conn:
        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
        return "\n".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))


@pytest.mark.engines
def test_the_tracker_counts_by_county_in_index_order_before_and_after_migration_0028(s, store, duyun):
    other = s.enterprise("522702")
    s.inspection(other, D(2024, 7, 4))
    s.hazard(other, D(2024, 7, 4), ordered=D(2024, 7, 4), deadline=D(2024, 7, 10))  # overdue
    day = D(2024, 9, 15)
    expected = stages.county_progress_rows(store, day)
    assert [(r["inspections"], r["hazards_found"], r["overdue_hazards"]) for r in expected[:2]] == [
        (3, 4, 1),
        (1, 1, 1),
    ]
    span = ["span_date", "span_state", "span_deadline"]
    plain = ["plain_path", "ordered_date", "deadline", "rectified_date", "reinspected_date", "closed_date"]
    hazards = ["campaign_year", "county_code", "found_date", *span, *plain]
    inspections = ["campaign_year", "county_code", "inspection_date", "field"]
    assert index_columns(store, "hazards", "ix_hazards_year_county_found") == hazards
    assert index_columns(store, "inspections", "ix_inspections_progress") == inspections
    if store.engine.dialect.name == "sqlite":
        campaign = campaign_at(day)
        codes = [c.code for c in load_regions().counties]
        plan = sqlite_plan(store, stages.ledger_counts(campaign, campaign.start, day, codes))
        # each arm one range of the index per county, grouped in its order: no sort but the added parts'
        assert (
            plan.count("COVERING INDEX ix_hazards_year_county_found (campaign_year=? AND county_code=?") == 2
        )
        assert plan.count("TEMP B-TREE") == 1
    cfg = store.alembic_config()
    command.downgrade(cfg, "0027")
    store.engine.dispose()  # connections (and their cached statements) of the schema before the migration
    assert index_columns(store, "hazards", "ix_hazards_year_found_county") == [
        "campaign_year",
        "found_date",
        "county_code",
        *span,
    ]
    assert index_columns(store, "inspections", "ix_inspections_progress")[1] == "inspection_date"
    if store.engine.dialect.name == "sqlite":  # before: each arm read in date order and sorted by county
        assert (
            sqlite_plan(store, stages.ledger_counts(campaign, campaign.start, day, codes)).count(
                "TEMP B-TREE"
            )
            == 3
        )
    assert stages.county_progress_rows(store, day) == expected
    command.upgrade(cfg, "head")
    assert index_columns(store, "hazards", "ix_hazards_year_county_found") == hazards
    assert stages.county_progress_rows(store, day) == expected


def postgresql_plan(store: Store, stmt: sa.Select, *, index_only: bool = False) -> str:
    """PostgreSQL's plan of ``stmt`` with scans of the table itself ruled out (the test store is too small for
    the planner to prefer an index): what the indexes allow. With ``index_only``, index scans that read the
    table for a row are ruled out too: which index gives the statement's rows alone (on a store this small the
    planner otherwise picks among indexes by ties of cost, any of them, the table read for the rest)."""
    settings = ("enable_seqscan", "enable_bitmapscan", *(("enable_indexscan",) if index_only else ()))
    with store.read() as conn:
        for setting in settings:
            conn.exec_driver_sql(f"SET LOCAL {setting} = off")
        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
        return "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))


@pytest.mark.engines
def test_the_trackers_hazards_are_read_from_their_index_alone_on_postgresql_since_migration_0032(
    s, store, duyun
):
    """The tracker reads each hazard's id (its close and escalation events): a PostgreSQL index holds it only when
    included (migration 0032), a SQLite index always (the rowid). Before the migration, PostgreSQL had to read
    the table for it; the counts are the same either way."""
    day = D(2024, 9, 15)
    campaign = campaign_at(day)
    codes = [c.code for c in load_regions().counties]
    expected = stages.county_progress_rows(store, day)
    index_only = "Index Only Scan using ix_hazards_year_county_found"
    cfg = store.alembic_config()
    if store.engine.dialect.name == "postgresql":
        plan = postgresql_plan(store, stages.ledger_counts(campaign, campaign.start, day, codes))
        assert plan.count(index_only) == 2, plan  # both arms
        command.downgrade(cfg, "0031")
        store.engine.dispose()
        plan = postgresql_plan(store, stages.ledger_counts(campaign, campaign.start, day, codes))
        assert index_only not in plan and "ix_hazards_year_county_found" in plan, plan
    else:
        before = index_columns(store, "hazards", "ix_hazards_year_county_found")
        command.downgrade(cfg, "0031")
        store.engine.dispose()
        assert (
            index_columns(store, "hazards", "ix_hazards_year_county_found") == before
        )  # unchanged on SQLite
    assert stages.county_progress_rows(store, day) == expected
    command.upgrade(cfg, "head")
    store.engine.dispose()
    assert stages.county_progress_rows(store, day) == expected


def test_county_progress_per_stage_counts_flows_in_the_stage_and_stocks_at_its_end(store, duyun):
    by_stage = {n: row(stages.county_progress(store, D(2024, 9, 15), stage=n)) for n in (1, 2, 3)}
    assert [by_stage[n]["self_checks_in_window"] for n in (1, 2, 3)] == [3, 0, 0]
    assert [by_stage[n]["inspections"] for n in (1, 2, 3)] == [0, 3, 0]
    assert [by_stage[n]["hazards_found"] for n in (1, 2, 3)] == [0, 3, 1]
    assert [by_stage[n]["hazards_closed"] for n in (1, 2, 3)] == [0, 0, 1]
    assert (by_stage[2]["window_start"], by_stage[2]["window_end"]) == (D(2024, 6, 21), D(2024, 8, 31))
    assert (by_stage[2]["overdue_hazards"], by_stage[2]["open_escalations"], by_stage[2]["on_track"]) == (
        1,
        1,
        True,
    )
    assert (by_stage[3]["window_end"], by_stage[3]["close_out_rate"]) == (D(2024, 9, 15), 0.25)


def test_the_prefecture_row_adds_up_the_counties_and_is_on_track_only_if_every_plan_is_adopted(
    s, store, duyun
):
    s.enterprise("522702")
    frame = stages.county_progress(store, D(2024, 6, 20))
    assert list(frame["county_code"])[-1] == "522700" and len(frame) == 13
    total = row(frame, "522700")
    assert (total["key_enterprises"], total["self_checked"], total["self_check_coverage"]) == (5, 3, 0.6)
    assert (total["plan_adopted"], total["on_track"]) == (False, False)
    fuquan = row(frame, "522702")
    assert (
        fuquan["lagging_checks"] == ["plan", "coverage"]
        and "第一阶段结束仍未制定本地工作方案" in fuquan["lagging_reasons"]
    )


def test_after_stage_3_a_county_is_on_track_only_at_the_final_close_out_rate(s, store):
    eid = s.enterprise("522722")
    s.plan("522722", D(2024, 5, 20))
    s.self_check(eid, D(2024, 5, 21))
    for i in range(1, 5):
        h = s.hazard(eid, D(2024, 7, 1), problem=f"P0{i}", ordered=D(2024, 7, 1), deadline=D(2024, 7, 30))
        if i > 1:
            s.moves(
                h,
                ("rectify", D(2024, 7, 2)),
                ("reinspect", D(2024, 7, 3), {"outcome": "passed"}),
                ("close", D(2024, 7, 4)),
            )
    assert row(stages.county_progress(store, D(2024, 10, 31)), "522722")["on_track"]  # 75% ≥ 50% in stage 3
    late = row(stages.county_progress(store, D(2024, 11, 1)), "522722")
    assert late["lagging_reasons"] == "隐患销号率 75% 低于应达到的 95%"


def test_a_county_session_sees_only_its_own_row(store, duyun):
    duyun_session = Store(store.url, user="都匀市局", county="522701")
    assert list(stages.county_progress(duyun_session, D(2024, 9, 15))["county_code"]) == ["522701"]


def test_stage_2_inspection_list_is_ranked_by_stage_1_findings_with_the_reason_shown(s, store):
    quiet = s.enterprise("522730", name="龙里甲有限公司")
    flagged = s.enterprise(
        "522730", name="龙里乙有限公司", rural_or_fringe_shop=True, concentrated_complaints=True
    )
    risky = s.enterprise("522730", name="龙里丙有限公司")
    failing = s.enterprise("522730", name="龙里丁有限公司")
    s.self_check(quiet, D(2024, 5, 20))
    s.self_check(flagged, D(2024, 5, 20))
    s.self_check(
        risky,
        D(2024, 5, 20),
        gaps=("weekly_check",),
        major_risk_reported=True,
        major_risk_description="无出厂检验",
        items=[{"point_code": "R-1", "risk_point": "出厂检验", "measures_in_place": False, "grade": "重大"}],
    )
    s.spot_check(D(2023, 7, 1), "unqualified", enterprise_id=failing)
    s.spot_check(D(2024, 5, 25), "refused", enterprise_id=failing)
    s.signal("522730", D(2024, 6, 1), "complaint", enterprise_id=flagged)
    s.inspection(risky, D(2024, 6, 25))
    frame = stages.inspection_proposals(store, "522730", D(2024, 6, 20))
    assert frame["name"].tolist() == ["龙里丙有限公司", "龙里丁有限公司", "龙里乙有限公司", "龙里甲有限公司"]
    # The major risk 丙 reported is on the ledger: 丙 is under key supervision (重点监管), a standing class.
    assert frame["score"].tolist() == [11, 8, 5, 0] and frame["rank"].tolist() == [1, 2, 3, 4]
    reasons = frame.set_index("name")["reason"]
    assert reasons["龙里丙有限公司"] == (
        "实施重点监管（+3）；自查报告重大风险（+5）；主体责任自查未落实1项（+1）；风险管控清单1项措施未落实（+2）"
    )
    assert reasons["龙里丁有限公司"] == "未开展自查（+2）；监督抽查不合格或拒检2次（+6）"
    assert (
        reasons["龙里乙有限公司"]
        == "城乡结合部或农村市场门店（+1）；舆情反映集中、投诉较多（+2）；投诉举报、舆情1条（+2）"
    )
    assert reasons["龙里甲有限公司"].startswith("无") and not frame["inspected"].any()
    assert stages.inspection_proposals(store, "522730", D(2024, 7, 1)).set_index("name")["inspected"][
        "龙里丙有限公司"
    ]


def test_after_31_october_every_open_hazard_is_listed_by_county(s, store):
    a, b = s.enterprise("522732"), s.enterprise("522701")
    h1 = s.hazard(a, D(2024, 9, 1), ordered=D(2024, 9, 1), deadline=D(2024, 10, 15), grade="larger")
    h2 = s.hazard(b, D(2023, 9, 1))
    done = s.hazard(b, D(2024, 9, 1), ordered=D(2024, 9, 1), deadline=D(2024, 10, 15))
    s.moves(
        done,
        ("rectify", D(2024, 9, 2)),
        ("reinspect", D(2024, 9, 3), {"outcome": "passed"}),
        ("close", D(2024, 9, 4)),
    )
    frame = stages.open_hazards(store, D(2024, 11, 1))
    assert frame[["hazard_id", "county_code", "campaign_year", "state", "overdue"]].values.tolist() == [
        [h2, "522701", 2023, "found", False],
        [h1, "522732", 2024, "ordered", True],
    ]
    assert frame["grade_label"].tolist() == ["一般", "较大"] and frame["county_name"].tolist() == [
        "都匀市",
        "三都水族自治县",
    ]
