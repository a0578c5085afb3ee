"""The demo campaign generator: deterministic, complete, valid, consistent with the ledger, and telling
the campaign's story (lagging counties, repeat offenders, special supervision and the cases just short)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from stdnum.cn import uscc as stdnum_uscc

from hazardlib import models, schema, stages, vocab
from hazardlib.campaign import load_campaign
from hazardlib.catalogue import load_catalogue
from hazardlib.cli import main
from hazardlib.demo import DemoExists, generate
from hazardlib.demo.ids import org_code_check
from hazardlib.demo.world import YEARS
from hazardlib.ledger import allowed_moves, state_at
from hazardlib.regions import load_regions
from hazardlib.store import Store, open_store

from .situations import demo_copy, demo_url

SMALL = 0.05
STORY_DAY = dt.date(2024, 9, 15)
WALL_CLOCK = {"created_at", "updated_at"}


def fresh(path: Path, name: str) -> Store:
    return open_store(f"sqlite:///{path / name}", user="演示数据生成器")


def content(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows without wall-clock columns (audit entries without their time)."""
    out = {}
    with store.read() as conn:
        for table in schema.metadata.sorted_tables:
            cols = [
                c
                for c in table.c
                if c.name not in WALL_CLOCK and not (table is schema.audit_log and c.name == "at")
            ]
            rows = conn.execute(sa.select(*cols).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(_timeless(v) for v in r) for r in rows]
    return out


def _timeless(value: Any) -> Any:
    """An audit entry's before/after without the wall-clock columns it records (the demo's packages are
    submitted and reviewed move by move, each audited with the record's created and updated times)."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in WALL_CLOCK}
    return value


def counts(store: Store) -> dict[str, int]:
    with store.read() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in schema.metadata.sorted_tables
        }


def rows(store: Store, table: sa.Table, *where: Any) -> list[dict[str, Any]]:
    with store.read() as conn:
        return [dict(r) for r in conn.execute(sa.select(table).where(*where).order_by(table.c.id)).mappings()]


def distinct(store: Store, column: sa.Column) -> set[Any]:
    with store.read() as conn:
        return set(conn.execute(sa.select(column).distinct()).scalars())


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The demo at scale 0.05, built once for the test run (read only)."""
    return open_store(demo_url(tmp_path_factory, SMALL), user="演示数据生成器")


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The demo at scale 1 (about 2,000 enterprises), built once for the test run (read only)."""
    return open_store(demo_url(tmp_path_factory), user="测试员")


# -- determinism and replacement -------------------------------------------------------------------


def test_same_seed_gives_the_same_campaign_in_another_store_and_another_seed_does_not(small, tmp_path):
    again = fresh(tmp_path, "again.db")
    generate(again, seed=7, scale=SMALL, progress=False)
    assert content(again) == content(small)
    other = fresh(tmp_path, "other.db")
    generate(other, seed=8, scale=SMALL, progress=False)
    assert content(other)["enterprises"] != content(small)["enterprises"]


def test_a_second_demo_is_refused_and_changes_nothing(tmp_path_factory):
    store = open_store(demo_copy(tmp_path_factory, SMALL), user="演示数据生成器")  # a demo of its own
    before = counts(store)
    with pytest.raises(DemoExists, match=r"种子 7，规模 0\.05.*--replace"):
        generate(store, seed=9, scale=1, progress=False)
    assert counts(store) == before


def test_replace_regenerates_the_same_campaign(small, tmp_path):
    store = fresh(tmp_path, "replace.db")
    generate(store, seed=3, scale=SMALL, progress=False)
    generate(store, seed=7, scale=SMALL, replace=True, progress=False)
    ours, theirs = content(store), content(small)
    assert {k: v for k, v in ours.items() if k != "audit_log"} == {
        k: v for k, v in theirs.items() if k != "audit_log"
    }
    deletes = rows(store, schema.audit_log, schema.audit_log.c.action == "bulk_delete")
    assert sorted(d["table_name"] for d in deletes) == sorted(t.name for t in schema.RECORD_TABLES)
    assert store.meta("demo_seed") == "7" and store.meta("demo_scale") == "0.05"


def test_the_demo_command_fills_a_store_and_a_second_run_says_so(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    args = ["demo", "--db", url, "--seed", "7", "--scale", "0.05", "--quiet"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "已生成演示行动数据" in first.output and "隐患：" in first.output
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0 and "已有演示行动数据" in second.output and "--replace" in second.output


def test_the_volume_grows_linearly_with_the_scale(tmp_path, tmp_path_factory):
    # at 200 enterprises one story enterprise more or less moves the ratio; the run's demo at 0.25 is one of two
    sizes = {0.25: counts(open_store(demo_url(tmp_path_factory, 0.25), user="测试员"))}
    sizes[0.5] = generate(fresh(tmp_path, "s0.5.db"), seed=7, scale=0.5, progress=False).counts
    assert (sizes[0.25]["enterprises"], sizes[0.5]["enterprises"]) == (500, 1000)
    assert 1.7 < sizes[0.5]["hazards"] / sizes[0.25]["hazards"] < 2.3


# -- completeness ----------------------------------------------------------------------------------


def test_every_county_category_state_document_result_and_channel_is_there(small):
    counties = {c.code for c in schema_regions()}
    assert distinct(small, schema.enterprises.c.county_code) == counties
    assert distinct(small, schema.hazards.c.category_code) == {c.code for c in load_catalogue().categories}
    assert distinct(small, schema.hazards.c.state) == set(vocab.HAZARD_STATE.codes)
    assert distinct(small, schema.instruments.c.kind) == set(vocab.INSTRUMENT_KIND.codes)
    assert distinct(small, schema.spot_checks.c.result) == set(vocab.SPOT_RESULT.codes)
    assert distinct(small, schema.spot_checks.c.channel) == set(vocab.CHANNEL.codes)
    assert distinct(small, schema.hazard_events.c.move) == set(vocab.HAZARD_MOVE.codes)
    assert distinct(small, schema.help_records.c.kind) == set(vocab.HELP_KIND.codes)
    for table in schema.RECORD_TABLES:
        assert counts(small)[table.name] > 0, table.name


def schema_regions():
    return load_regions().counties


def test_every_code_comes_from_its_vocabulary(full):
    checks = [
        (schema.hazard_events.c.outcome, {*(c for words in vocab.MOVE_OUTCOME.values() for c in words.codes),
                                          None}),
        (schema.enforcement_cases.c.violation, set(vocab.VIOLATION.codes)),
        (schema.enforcement_cases.c.transferred_to, {*vocab.TRANSFER.codes, None}),
        (schema.risk_signals.c.source, set(vocab.SIGNAL_SOURCE.codes)),
        (schema.risk_signals.c.verification, set(vocab.SIGNAL_STATE.codes)),
        (schema.tracing_tasks.c.state, set(vocab.TRACING_STATE.codes)),
        (schema.tracing_tasks.c.role, set(vocab.PARTY_ROLE.codes)),
        (schema.county_oversight.c.kind, set(vocab.OVERSIGHT_KIND.codes)),
        (schema.immediate_reports.c.kind, set(vocab.IMMEDIATE_KIND.codes)),
        (schema.hazards.c.source, set(vocab.HAZARD_SOURCE.codes)),
        (schema.hazards.c.kind, set(vocab.FINDING_KIND.codes)),
        (schema.enterprises.c.field, set(vocab.ENTERPRISE_FIELD.codes)),
    ]  # fmt: skip
    for column, codes in checks:
        assert distinct(full, column) == codes, column
    assert {p for e in rows(full, schema.enterprises) for p in e["products"]} == set(
        load_catalogue().sub_products
    )


def test_samples_of_every_kind_pass_the_models(small):
    kinds = {
        schema.enterprises: models.Enterprise, schema.inspections: models.Inspection, schema.hazards: models.Hazard,
        schema.instruments: models.Instrument, schema.interviews: models.Interview,
        schema.enforcement_cases: models.EnforcementCase, schema.risk_signals: models.RiskSignal,
        schema.help_records: models.HelpRecord, schema.county_plans: models.CountyPlan,
        schema.county_oversight: models.CountyOversight,
    }  # fmt: skip
    for table, model in kinds.items():
        for row in rows(small, table)[:25]:
            models.validate(model, {k: v for k, v in row.items() if k in model.model_fields})
    items = defaultdict(list)
    for item in rows(small, schema.risk_control_items):
        items[item["self_check_id"]].append({k: item[k] for k in models.RiskControlItem.model_fields})
    for sc in rows(small, schema.self_checks)[:25]:
        data = {k: v for k, v in sc.items() if k in models.SelfCheck.model_fields}
        assert models.validate(models.SelfCheck, {**data, "items": items[sc["id"]]}).items
    for sc in rows(small, schema.spot_checks)[:40]:
        data = {k: v for k, v in sc.items() if k in models.SpotCheck.model_fields}
        for role in ("producer", "seller"):
            data[role] = {"enterprise_id": sc[f"{role}_id"], "name": sc[f"{role}_name"],
                          "uscc": sc[f"{role}_uscc"], "region": sc[f"{role}_region"]}  # fmt: skip
        models.validate(models.SpotCheck, data)


def test_credit_codes_licences_and_certificates_are_well_formed(full):
    enterprises = rows(full, schema.enterprises)
    codes = [e["uscc"] for e in enterprises]
    assert len(set(codes)) == len(codes)
    catalogue, finish = load_catalogue(), dt.date(2024, 10, 31)
    for e in enterprises:
        code = e["uscc"]
        assert stdnum_uscc.is_valid(code) and code[2:8] == e["county_code"]
        assert code[16] == org_code_check(code[8:16])
        regimes = {catalogue.regime_on(p, finish) for p in e["products"]}
        if e["licence_no"]:
            assert re.fullmatch(r"(\(黔\))?XK\d{2}-\d{3}-\d{5}", e["licence_no"]) and "生产许可证" in regimes
            assert e["field"] != "seller"
        assert all(re.fullmatch(r"\d{16}", c) for c in e["ccc_certificates"])
        assert not e["ccc_certificates"] or "CCC" in regimes
    assert sum(bool(e["licence_no"]) for e in enterprises) > 50
    assert any(e["licence_no"].startswith("(黔)") for e in enterprises if e["licence_no"])
    outside = [s for s in rows(full, schema.spot_checks) if s["producer_region"]]
    assert outside and all(
        stdnum_uscc.is_valid(s["producer_uscc"]) and s["producer_id"] is None for s in outside
    )


def test_licence_and_certification_findings_only_concern_products_that_need_them(full):
    catalogue = load_catalogue()
    needing = {"P01", "P02", "C01", "C02"}
    found = [h for h in rows(full, schema.hazards) if h["problem_code"] in needing]
    assert found and all(catalogue.regime_on(h["sub_product_code"], h["found_date"]) != "无" for h in found)
    misuse = rows(full, schema.enforcement_cases, schema.enforcement_cases.c.violation == "mark_misuse")
    assert all(catalogue.regime_on(c["sub_product_code"], c["filed_date"]) == "CCC" for c in misuse)


def test_org_code_check_character_follows_gb_11714():
    assert org_code_check("60003734") == "1"  # 91110000600037341L, python-stdnum's example
    assert org_code_check("MA6DL0U3") in "0123456789X"


def test_names_and_addresses_read_like_the_trade_and_county(small):
    counties = {c.code: c.name for c in schema_regions()}
    for e in rows(small, schema.enterprises):
        assert counties[e["county_code"]] in e["address"]
        assert re.search(r"(有限公司|有限责任公司|店|部|行|站|超市)$", e["name"]), e["name"]
        assert re.fullmatch(r"\S{2,4} 1\d{10}", e["contact"]), e["contact"]


# -- the ledger ------------------------------------------------------------------------------------


def replay(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The hazard row :func:`hazardlib.ledger.apply_move` leaves after these events."""
    row: dict[str, Any] = dict(state="found", ordered_date=None, deadline=None, rectified_date=None,
                               reinspected_date=None, closed_date=None)  # fmt: skip
    for e in events[1:]:
        row["state"] = e["to_state"]
        if e["to_state"] == "ordered" and e["deadline"] is not None:
            row.update(ordered_date=e["event_date"], deadline=e["deadline"], rectified_date=None)
        if e["move"] in ("rectify", "reinspect", "close"):
            row[
                {"rectify": "rectified_date", "reinspect": "reinspected_date", "close": "closed_date"}[
                    e["move"]
                ]
            ] = e["event_date"]
        if e["move"] == "look_back" and e["outcome"] == "reopened":
            row.update(closed_date=None, reinspected_date=None, rectified_date=None)
    return row


def test_each_hazard_row_is_what_its_moves_leave(small):
    events = defaultdict(list)
    for e in rows(small, schema.hazard_events):
        events[e["hazard_id"]].append(e)
    end = dt.date(2024, 11, 15)
    with small.read() as conn:
        ledger = state_at(conn, None, end).set_index("hazard_id")
    for h in rows(small, schema.hazards):
        history = sorted(events[h["id"]], key=lambda e: (e["event_date"], e["id"]))
        assert history[0]["move"] == "found" and history[0]["from_state"] is None
        assert history[0]["event_date"] == h["found_date"]
        for before, after in itertools.pairwise(history):
            assert after["from_state"] == before["to_state"] and after["move"] in allowed_moves(
                before["to_state"], h["kind"]
            )
        assert all(e["event_date"] <= end and e["actor"] for e in history)
        assert {k: h[k] for k in replay(history)} == replay(history)
        assert ledger.loc[h["id"], "state"] == h["state"]


# -- the story at scale 1 --------------------------------------------------------------------------


def spot_history(store: Store) -> dict[int, list[dict[str, Any]]]:
    by_enterprise = defaultdict(list)
    for s in rows(store, schema.spot_checks):
        owner = s["enterprise_id"] or s["seller_id"] or s["producer_id"]
        if owner:
            by_enterprise[owner].append(s)
    return {k: sorted(v, key=lambda s: (s["sample_date"], s["id"])) for k, v in by_enterprise.items()}


def test_the_full_demo_has_the_promised_volume_and_dates(full):
    n = counts(full)
    assert n["enterprises"] == 2000 and 4000 < n["hazards"] < 6000
    with full.read() as conn:

        def found_by(day: dt.date) -> int:
            h = schema.hazards
            return conn.execute(
                sa.select(sa.func.count()).where(h.c.campaign_year == 2024, h.c.found_date <= day)
            ).scalar_one()

        assert found_by(dt.date(2024, 8, 20)) < found_by(dt.date(2024, 10, 20))
        open_after = state_at(conn, None, dt.date(2024, 11, 1))
    assert (open_after["state"] != "closed").sum() > 0 and open_after["overdue"].sum() > 0
    for year in YEARS:
        c = load_campaign(year)
        (s1, e1), (s2, e2) = ((s.start, s.end) for s in c.stages[:2])
        checks = [
            r["check_date"]
            for r in rows(full, schema.self_checks, schema.self_checks.c.campaign_year == year)
        ]
        assert sum(s1 <= d <= e1 for d in checks) / len(checks) > 0.9
        visits = [
            r["inspection_date"]
            for r in rows(full, schema.inspections, schema.inspections.c.campaign_year == year)
        ]
        assert sum(s2 <= d <= e2 for d in visits) / len(visits) > 0.8
        assert all(s1 <= d <= c.finish for d in visits)


def test_most_counties_are_on_track_and_some_lag(full):
    for day in (dt.date(2024, 9, 1), dt.date(2024, 10, 31)):
        progress = stages.county_progress(full, day)
        counties = progress[progress["county_code"] != "522700"]
        assert 8 <= counties["on_track"].sum() <= 11, day
    reasons = "".join(stages.county_progress(full, dt.date(2024, 9, 1))["lagging_reasons"])
    assert "自查覆盖率" in reasons and "隐患销号率" in reasons and "工作方案" in reasons


def test_repeat_offenders_and_the_ones_just_short(full):
    with full.read() as conn:
        at_story = state_at(conn, None, STORY_DAY).set_index("hazard_id")
    open_major = {h["enterprise_id"] for h in rows(full, schema.hazards, schema.hazards.c.grade == "major")
                  if h["id"] in at_story.index and at_story.loc[h["id"], "state"] != "closed"}  # fmt: skip
    twice, u_q_u = set(), set()
    for owner, history in spot_history(full).items():
        results = [s["result"] for s in history if s["sample_date"] <= STORY_DAY]
        pairs = list(itertools.pairwise(results))
        if ("unqualified", "unqualified") in pairs:
            twice.add(owner)
        elif any(
            results[i : i + 3] == ["unqualified", "qualified", "unqualified"] for i in range(len(results))
        ):
            u_q_u.add(owner)
    assert len(twice & open_major) >= 5
    assert len(u_q_u & open_major) >= 3
    interviewed = {
        i["enterprise_id"] for i in rows(full, schema.interviews, schema.interviews.c.held_date > STORY_DAY)
    }
    assert twice & open_major & interviewed and (twice & open_major) - interviewed


def test_special_supervision_and_the_ones_just_short(full):
    """Major findings on three days (special), on two days, and three majors on two dates."""
    majors: dict[int, int] = defaultdict(int)
    days: dict[int, set[dt.date]] = defaultdict(set)
    for h in rows(full, schema.hazards, schema.hazards.c.grade == "major"):
        majors[h["enterprise_id"]] += 1
        days[h["enterprise_id"]].add(h["found_date"])
    assert sum(len(d) >= 3 for d in days.values()) >= 5
    assert sum(n == 2 for n in majors.values()) >= 5
    assert sum(majors[e] == 3 and len(d) == 2 for e, d in days.items()) >= 3


def test_the_demo_respects_the_hazard_key(full):
    """One ledger record per (enterprise, found date, product, problem type); ``hazard verify`` agrees."""
    keys = Counter(
        (h["enterprise_id"], h["found_date"], h["sub_product_code"], h["problem_code"])
        for h in rows(full, schema.hazards)
    )
    assert keys and max(keys.values()) == 1
    verified = CliRunner().invoke(main, ["verify", "--db", full.url])
    assert verified.exit_code == 0 and "无隐患键重复" in verified.output


def test_major_findings_and_cases_are_reported_at_once(full):
    reports = rows(full, schema.immediate_reports)
    reported = {(r["record_table"], r["record_id"]) for r in reports}
    for h in rows(full, schema.hazards, schema.hazards.c.grade == "major"):
        assert ("hazards", h["id"]) in reported
    for c in rows(full, schema.enforcement_cases, schema.enforcement_cases.c.major_case.is_(True)):
        assert ("enforcement_cases", c["id"]) in reported
    assert {r["acknowledged_at"] is None for r in reports} == {True, False}
    hours = load_campaign(2024).parameter("immediate_report_hours")
    assert all(r["due_at"] - r["raised_at"] == dt.timedelta(hours=hours) for r in reports)


def test_enforcement_tracing_signals_and_plans_tell_the_plan(full):
    cases = rows(full, schema.enforcement_cases)
    assert any(c["dishonesty_listed"] for c in cases) and any(c["licence_revoked"] for c in cases)
    assert any(c["typical_case"] and "典型案例" in c["facts"] for c in cases) and any(
        c["major_case"] for c in cases
    )
    tasks = rows(full, schema.tracing_tasks)
    assert any(t["to_county"] == "522700" for t in tasks) and any(
        t["from_county"] != t["to_county"] != "522700" for t in tasks
    )
    signals = rows(full, schema.risk_signals)
    assert all(s["hazard_id"] for s in signals if s["verification"] == "confirmed")
    assert not any(s["hazard_id"] for s in signals if s["verification"] != "confirmed")
    plans = rows(full, schema.county_plans, schema.county_plans.c.campaign_year == 2024)
    assert 10 <= sum(p["adopted_date"].month == 5 for p in plans) < 12
    follow_ups = rows(full, schema.spot_checks, schema.spot_checks.c.follow_up_of.is_not(None))
    assert follow_ups and all(f["sample_date"] > dt.date(2023, 5, 1) for f in follow_ups)
    letters = rows(full, schema.help_records, schema.help_records.c.kind == "guidance_letter")
    makers = {e["id"] for e in rows(full, schema.enterprises) if e["field"] != "seller"}
    assert letters and all(h["enterprise_id"] in makers for h in letters)


def test_every_demo_interview_names_an_interview_notice_issued_to_its_enterprise_by_the_day_held(small):
    """The demo's interviews are what the interviews' one write accepts: each 约谈通知书 number is an
    instrument of that kind, of the same enterprise and county, issued on or before the interview."""
    iv, ins = schema.interviews, schema.instruments
    with small.read() as conn:
        pairs = conn.execute(
            sa.select(iv.c.enterprise_id, iv.c.county_code, iv.c.held_date, ins.c.kind, ins.c.enterprise_id,
                      ins.c.county_code, ins.c.issue_date)
            .select_from(iv.outerjoin(ins, ins.c.number == iv.c.notice_no))
        ).all()  # fmt: skip
    assert pairs
    for ent, county, held, kind, notice_ent, notice_county, issued in pairs:
        assert (kind, notice_ent, notice_county) == ("interview_notice", ent, county)
        assert issued <= held
