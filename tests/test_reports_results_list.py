"""The action results list on a small hand-built campaign: every figure equals the count worked out by hand.

The campaign (2024, stage 1 starts 15 May; reports as of 20 August) has enterprises in 都匀市 (A),
福泉市 (B) and 荔波县 (C) and parties outside the prefecture. It holds records on the as-of date
(counted), the day after (not counted) and before stage 1's start (not counted), a refused batch,
two interviews of one enterprise, and records kept by one county about an enterprise of another.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hazardlib import instruments, ledger, models, records, schema
from hazardlib.exports import export
from hazardlib.reports import results_list
from hazardlib.reports.definitions import COUNT_KEYS, FIGURE_KEYS, FIGURES, RATE_KEYS
from hazardlib.store import Store, open_store
from hazardlib.tracing import create_tracing_tasks
from tests.conftest import make_uscc

A, B, C = "522701", "522702", "522722"
AS_OF = dt.date(2024, 8, 20)
D = dt.date.fromisoformat


class Campaign:
    """Writes the hand-built campaign through the same functions intake and the dashboards use."""

    def __init__(self, store: Store):
        self.store = store
        self.ids: dict[str, int] = enterprise_ids(store)
        self.serial = 100 + len(self.ids)

    def save(self, saver: Any, model: type, **data: Any) -> int:
        with self.store.transaction("测试") as tx:
            rid, _ = saver(tx, models.validate(model, data))
        return rid

    def enterprise(self, tag: str, county: str, field: str, **extra: Any) -> int:
        self.serial += 1
        self.ids[tag] = self.save(
            records.save_enterprise,
            models.Enterprise,
            uscc=make_uscc(county, self.serial),
            name=f"测试{tag}有限公司",
            county_code=county,
            field=field,
            products=["15-01"],
            **extra,
        )
        return self.ids[tag]

    def self_check(self, tag: str, day: str, major: bool = False) -> int:
        return self.save(
            records.save_self_check,
            models.SelfCheck,
            enterprise_id=self.ids[tag],
            campaign_year=D(day).year,
            check_date=day,
            management_system=True,
            quality_director=True,
            quality_officer=True,
            daily_control=True,
            weekly_check=True,
            monthly_review=False,
            major_risk_reported=major,
            major_risk_description="储罐区未设置泄漏报警" if major else None,
        )

    def inspection(self, tag: str, day: str, field: str, product: str = "15-01") -> int:
        return self.save(
            records.save_inspection,
            models.Inspection,
            enterprise_id=self.ids[tag],
            campaign_year=2024,
            inspection_date=day,
            field=field,
            sub_product_code=product,
        )

    def hazard(
        self, tag: str, day: str, grade: str, deadline: str | None = None, kind: str = "hazard", **extra: Any
    ) -> int:
        return self.save(
            records.save_hazard,
            models.Hazard,
            enterprise_id=self.ids[tag],
            campaign_year=D(day).year,
            kind=kind,
            grade=grade,
            problem_code=extra.pop("problem", "P03"),
            sub_product_code=extra.pop("product", "15-01"),
            found_date=day,
            source=extra.pop("source", "inspection"),
            deadline=deadline,
            description=extra.pop("description", "出厂检验记录不全"),
            **extra,
        )

    def move(self, hazard_id: int, move: str, day: str, **kw: Any) -> None:
        ledger.move(self.store, hazard_id, move, day=D(day), **kw)

    def close(self, hazard_id: int, rectified: str, closed: str) -> None:
        self.move(hazard_id, "rectify", rectified)
        self.move(hazard_id, "reinspect", closed, outcome="passed")
        self.move(hazard_id, "close", closed)

    def spot_check(self, batch: str, day: str, result: str, sampled_by: str = A, **parties: Any) -> int:
        data: dict[str, Any] = dict(
            batch_no=batch,
            sampled_by_county=sampled_by,
            sample_date=day,
            sub_product_code="15-01",
            channel=parties.pop("channel", "shop"),
            result=result,
        )
        for key in ("enterprise", "producer", "seller"):
            value = parties.pop(key, None)
            if isinstance(value, str) and value in self.ids:
                value = {"enterprise_id": self.ids[value]} if key != "enterprise" else self.ids[value]
            if value is not None:
                data["enterprise_id" if key == "enterprise" else key] = value
        data.update(parties)
        return self.save(records.save_spot_check, models.SpotCheck, **data)

    def instrument(self, kind: str, day: str, tag: str | None = None, county: str | None = None) -> int:
        with self.store.transaction("测试") as tx:
            rid, _ = instruments.save_instrument(
                tx,
                models.validate(
                    models.Instrument,
                    dict(
                        kind=kind,
                        enterprise_id=self.ids[tag] if tag else None,
                        campaign_year=2024,
                        issue_date=day,
                    ),
                ),
                county_code=county,
            )
        return rid

    def interview(self, tag: str, day: str) -> int:
        return self.save(
            records.save_interview,
            models.Interview,
            enterprise_id=self.ids[tag],
            campaign_year=2024,
            held_date=day,
            reason="拒不整改",
        )

    def case(self, tag: str, filed: str, violation: str, **extra: Any) -> int:
        return self.save(
            records.save_enforcement_case,
            models.EnforcementCase,
            enterprise_id=self.ids[tag],
            campaign_year=2024,
            filed_date=filed,
            violation=violation,
            facts=extra.pop("facts", "销售不合格电动自行车"),
            **extra,
        )

    def help(self, tag: str, kind: str, day: str) -> int:
        return self.save(
            records.save_help,
            models.HelpRecord,
            enterprise_id=self.ids[tag],
            campaign_year=2024,
            kind=kind,
            help_date=day,
        )


def enterprise_ids(store: Store) -> dict[str, int]:
    """The hand-built campaign's enterprises by tag (A1, B2…), read back from a store holding it."""
    with store.read() as conn:
        rows = conn.execute(sa.select(schema.enterprises.c.id, schema.enterprises.c.name)).all()
    return {name.removeprefix("测试").removesuffix("有限公司"): rid for rid, name in rows}


def build_campaign(store: Store) -> Campaign:
    """The hand-built campaign; see the expected figures below for the count worked out for each."""
    c = Campaign(store)
    c.enterprise("A1", A, "producer")
    c.enterprise("A2", A, "seller")
    c.enterprise("A3", A, "both")
    c.enterprise("B1", B, "producer")
    c.enterprise("B2", B, "seller")
    c.enterprise("C1", C, "seller")

    # Self-checks: A1 reports a major risk (put on the ledger as a risk); A2 before stage 1; B1 on the
    # as-of date, also with a major risk; B2 the day after.
    c.self_check("A1", "2024-05-20", major=True)
    c.self_check("A2", "2024-05-10")
    c.self_check("B1", "2024-08-20", major=True)
    c.self_check("B2", "2024-08-21", major=True)

    # Inspections: A1 twice in production (two products on 1 July = one visit); A3 both fields on one
    # day; A2 in circulation; B2 after the as-of date; C1 before stage 1 and on the as-of date.
    c.inspection("A1", "2024-07-01", "production", "15-01")
    c.inspection("A1", "2024-07-01", "production", "16-01")
    c.inspection("A1", "2024-07-15", "production")
    c.inspection("A3", "2024-07-02", "production")
    c.inspection("A3", "2024-07-02", "circulation", "16-01")
    c.inspection("A2", "2024-06-21", "circulation")
    c.inspection("B2", "2024-08-21", "circulation")
    c.inspection("C1", "2024-05-10", "circulation")
    c.inspection("C1", "2024-08-20", "circulation")

    # Hazards.
    h1 = c.hazard("A1", "2024-06-25", "general", "2024-07-25")
    c.close(h1, "2024-07-20", "2024-07-23")  # closed
    c.hazard("A1", "2024-07-01", "larger", "2024-07-31", problem="P05")  # overdue
    c.hazard("A2", "2024-08-20", "major", "2024-09-19", problem="C06")  # found on the as-of date
    h4 = c.hazard("A2", "2024-05-10", "general", "2024-05-30", problem="C02")  # before stage 1
    c.close(h4, "2024-05-25", "2024-06-01")
    h5 = c.hazard("A3", "2024-07-10", "general", "2024-08-10", problem="P01")
    c.move(h5, "rectify", "2024-08-05")  # rectified, awaiting re-inspection: not overdue
    h6 = c.hazard("A3", "2024-07-10", "general", "2024-08-19", problem="P04")
    c.close(h6, "2024-08-21", "2024-08-21")  # closed after the as-of date: overdue on 20 August
    c.hazard("B1", "2024-07-05", "major", "2024-08-20")  # deadline on the as-of date: not overdue
    c.hazard("B1", "2024-08-21", "larger", "2024-09-20")  # after the as-of date
    c.hazard("B1", "2024-06-10", "general", "2024-07-15", problem="P02")  # overdue
    h10 = c.hazard("B2", "2024-06-12", "general", "2024-06-30", problem="C01")
    c.move(h10, "refuse", "2024-07-01")  # refused: not counted as overdue
    c.hazard("C1", "2024-08-01", "general", "2024-08-31", problem="C03")
    c.hazard("B2", "2024-07-10", "larger", kind="risk", problem="C05")  # a risk, not a hazard
    # B1's major findings of the 2023 campaign (two) plus 2024's one: special supervision.
    c.hazard("B1", "2023-07-01", "major", "2023-08-01", problem="P05", description="2023年行动发现")
    c.hazard("B1", "2023-07-02", "major", "2023-08-01", problem="P06", description="2023年行动发现")

    # Spot checks (A sampled them unless said otherwise).
    c.spot_check("S1", "2024-06-25", "qualified", enterprise="A2")
    s2 = c.spot_check(
        "S2",
        "2024-07-01",
        "unqualified",
        enterprise="A2",
        seller="A2",
        producer={"name": "广东某电动车厂", "region": "广东省佛山市"},
    )
    s3 = c.spot_check("S3", "2024-07-05", "refused", enterprise="A1", channel="production")
    c.spot_check("S4", "2024-08-01", "unqualified", enterprise="A1", channel="production", follow_up_of=s3)
    s5 = c.spot_check("S5", "2024-08-20", "unqualified", sampled_by=B, seller="B2", producer="B1")
    s6 = c.spot_check(
        "S6",
        "2024-07-10",
        "unqualified",
        channel="online",
        seller={"name": "某网店", "region": "浙江省杭州市"},
    )
    c.spot_check("S7", "2024-05-10", "qualified", enterprise="A1")
    s8 = c.spot_check("S8", "2024-08-21", "unqualified", sampled_by=B, enterprise="B2", seller="B2")
    create_tracing_tasks(store, s2, D("2024-07-05"))  # A2 (counted for A); the producer is outside
    create_tracing_tasks(store, s5, D("2024-08-20"))  # B1 and B2, on the as-of date
    create_tracing_tasks(store, s6, D("2024-07-12"))  # outside the prefecture: tracing report only
    create_tracing_tasks(store, s8, D("2024-08-21"))  # after the as-of date

    # Interviews: A1 twice (one enterprise); A2 before stage 1; B1 recorded by A's staff.
    c.interview("A1", "2024-07-10")
    c.interview("A1", "2024-08-15")
    c.interview("A2", "2024-05-10")
    with store.transaction("测试") as tx:
        # Written round records.save_interview (which would file it under B), so every column is given:
        # kept by A, about an enterprise registered in B (registered_county, hazardlib.figures).
        tx.insert(
            schema.interviews,
            dict(enterprise_id=c.ids["B1"], county_code=A, registered_county=B, campaign_year=2024,
                 held_date=D("2024-08-01")),
        )  # fmt: skip

    # Instruments.
    c.instrument("rectification_notice", "2024-06-25", "A1")
    c.instrument("rectification_notice", "2024-07-01", "A1")
    c.instrument("interview_notice", "2024-07-05", "A1")
    c.instrument("reminder_letter", "2024-08-20", "A2")
    c.instrument("listed_supervision_notice", "2024-08-21", "B1")
    c.instrument("reminder_letter", "2024-07-01", county=C)  # to no enterprise: counts for C

    # Enforcement: each figure by its own date.
    c.case(
        "A2",
        "2024-07-15",
        "knowingly_selling_fakes",
        case_no="黔南都市监罚〔2024〕1号",
        transferred_to="police",
        transfer_date="2024-07-20",
        dishonesty_listed=True,
        dishonesty_date="2024-07-25",
        typical_case=True,
        published_date="2024-08-10",
        penalty="没收违法所得并处罚款",
    )
    c.case("A2", "2024-08-01", "counterfeit", dishonesty_listed=True, dishonesty_date="2024-08-05")
    c.case("B1", "2024-05-01", "unlicensed", licence_revoked=True, revoked_date="2024-06-01")
    c.case("B1", "2024-08-10", "substandard", typical_case=True, published_date="2024-08-21")

    # Help.
    c.help("A1", "quality_clinic", "2024-07-20")
    c.help("A1", "guidance_letter", "2024-07-25")
    c.help("A2", "training", "2024-08-01")
    c.help("B1", "quality_clinic", "2024-08-21")
    return c


# The figures worked out by hand from the campaign above (absent keys are 0).
EXPECTED: dict[str, dict[str, Any]] = {
    A: dict(
        producers_inspected=3,  # A1 1 July, A1 15 July, A3 2 July
        sellers_inspected=2,  # A3 2 July, A2 21 June
        self_checks=1,  # A1 (A2's is before stage 1)
        major_risks_self_reported=1,  # A1's, on the ledger once
        hazards_found=5,  # h1, h2, h3, h5, h6 (h4 before stage 1)
        hazards_general=3,
        hazards_larger=1,
        hazards_major=1,
        hazards_closed=1,  # h1 (h6 closed on 21 August)
        closure_rate=20.0,
        hazards_overdue=2,  # h2, h6
        spot_check_batches=4,  # S1–S4 (S7 before stage 1, S6 is about no enterprise of the prefecture)
        spot_checks_production=2,  # S3, S4
        spot_checks_circulation=2,  # S1, S2 in shops
        unqualified_batches=2,
        refused_batches=1,
        unqualified_rate=66.7,  # 2 / (4 − 1)
        two_way_traces=1,  # S2's seller A2 (its producer is outside the prefecture)
        follow_up_checks=1,
        enterprises_interviewed=1,  # A1 twice
        interview_notices=1,
        rectification_notices=2,
        reminder_letters=1,
        cases_filed=2,
        transfers=1,
        dishonesty_listed=1,  # A2 twice
        typical_cases_published=1,
        enterprises_helped=2,
        quality_clinics=1,
        guidance_letters=1,
        key_supervision=2,  # A1 (larger hazard), A2 (major hazard)
    ),
    B: dict(
        self_checks=1,  # B1 on the as-of date (B2 the day after)
        major_risks_self_reported=1,
        hazards_found=3,  # B1 major (deadline on the as-of date), B1 general, B2 refused
        hazards_general=2,
        hazards_major=1,
        closure_rate=0.0,
        hazards_overdue=1,  # B1 general; the refused one is not overdue
        spot_check_batches=1,  # S5 (S8 the day after)
        spot_checks_circulation=1,  # S5 in a shop
        unqualified_batches=1,
        unqualified_rate=100.0,
        two_way_traces=2,  # S5's producer B1 and seller B2
        enterprises_interviewed=1,  # recorded by A's staff, counted where B1 is registered
        cases_filed=1,  # the other case was filed before stage 1 …
        licences_revoked=1,  # … but its licence was revoked within the window
        key_supervision=1,  # B2's larger risk
        special_supervision=1,  # B1: 3 major findings in 2023–2024
    ),
    C: dict(
        sellers_inspected=1,
        hazards_found=1,
        hazards_general=1,
        closure_rate=0.0,
        reminder_letters=1,
    ),
}


def expected_row(county: str) -> dict[str, Any]:
    row: dict[str, Any] = {k: 0 for k in COUNT_KEYS}
    row.update({k: None for k in RATE_KEYS})
    row.update(EXPECTED.get(county, {}))
    return row


_TEMPLATE: dict[str, Path] = {}


def hand_built(store: Store, engine_name: str, tmp_path: Path) -> Store:
    """A store holding the hand-built campaign: on SQLite a copy of one built once per test session
    (building takes seconds), on PostgreSQL built afresh in ``store``."""
    if engine_name != "sqlite":
        build_campaign(store)
        return store
    if "db" not in _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="hand-built-"))
        atexit.register(shutil.rmtree, folder, True)
        template = open_store(f"sqlite:///{folder / 'campaign.db'}", user="测试员")
        build_campaign(template)
        with template.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        template.dispose()
        _TEMPLATE["db"] = folder / "campaign.db"
    copy = tmp_path / "campaign.db"
    shutil.copyfile(_TEMPLATE["db"], copy)
    return open_store(f"sqlite:///{copy}", user="测试员")


@pytest.fixture
def campaign_store(store: Store, engine_name: str, tmp_path: Path) -> Store:
    return hand_built(store, engine_name, tmp_path)


@pytest.mark.engines
def test_results_list_every_figure_equals_the_hand_count(campaign_store: Store) -> None:
    frame = results_list(campaign_store, AS_OF)
    assert list(frame.columns) == ["county_code", "county_name", *FIGURE_KEYS]
    by_code = {r["county_code"]: r for r in frame.to_dict("records")}
    for code in (A, B, C, "522723"):
        got = {k: by_code[code][k] for k in FIGURE_KEYS}
        assert got == expected_row(code), code


def test_results_list_has_twelve_counties_in_code_order_and_the_prefecture_total(
    campaign_store: Store,
) -> None:
    frame = results_list(campaign_store, AS_OF)
    codes = list(frame["county_code"])
    assert len(codes) == 13 and codes[:12] == sorted(codes[:12]) and codes[-1] == "522700"
    counties, total = frame.iloc[:12], frame.iloc[12]
    for key in COUNT_KEYS:
        assert total[key] == counties[key].sum(), key
    assert total["closure_rate"] == 11.1  # 1 closed of 9 found
    assert total["unqualified_rate"] == 75.0  # 3 unqualified of (5 − 1 refused)
    assert total["county_name"] == "黔南布依族苗族自治州"


def test_results_list_for_a_county_session_shows_only_that_county(campaign_store: Store) -> None:
    county_store = Store(campaign_store.url, user="福泉", county=B)
    frame = results_list(county_store, AS_OF)
    assert list(frame["county_code"]) == [B]
    assert frame.iloc[0]["hazards_found"] == 3


def test_results_list_json_is_a_list_of_rows_with_string_codes(campaign_store: Store, tmp_path: Any) -> None:
    path = export("results-list", campaign_store, AS_OF, None, "json", tmp_path / "list.json")
    rows = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(rows, list) and len(rows) == 13
    assert rows[-1]["county_code"] == "522700" and isinstance(rows[0]["county_code"], str)
    assert all(set(r) == {"county_code", "county_name", *FIGURE_KEYS} for r in rows)
    dushan = next(r for r in rows if r["county_code"] == "522726")
    assert dushan["closure_rate"] is None and dushan["hazards_found"] == 0
    first = next(r for r in rows if r["county_code"] == A)
    assert first["unqualified_rate"] == 66.7 and first["hazards_found"] == 5


def test_every_figure_is_defined_with_a_label_and_a_deciding_date() -> None:
    assert len({f.key for f in FIGURES}) == len(FIGURES)
    for f in FIGURES:
        assert f.label and f.unit and f.definition and f.deciding_date, f.key


def test_figures_before_the_campaign_starts_are_all_zero(campaign_store: Store) -> None:
    frame = results_list(campaign_store, dt.date(2024, 5, 10))
    assert (frame[list(COUNT_KEYS)].drop(columns=["key_supervision", "special_supervision"]) == 0).all().all()


def test_a_later_as_of_date_counts_the_records_of_the_days_between(campaign_store: Store) -> None:
    later = results_list(campaign_store, dt.date(2024, 8, 21)).set_index("county_code")
    assert later.loc[B, "hazards_found"] == 4 and later.loc[A, "hazards_closed"] == 2
    assert later.loc[B, "self_checks"] == 2 and later.loc[B, "spot_check_batches"] == 2
    assert later.loc[B, "listed_supervision_notices"] == 1  # issued on 21 August


def test_records_kept_by_another_county_count_where_the_enterprise_is_registered(
    campaign_store: Store,
) -> None:
    with campaign_store.read() as conn:
        kept_by = conn.execute(
            sa.select(schema.interviews.c.county_code).where(schema.interviews.c.held_date == D("2024-08-01"))
        ).scalar()
    assert kept_by == A
    frame = results_list(campaign_store, AS_OF).set_index("county_code")
    assert frame.loc[B, "enterprises_interviewed"] == 1 and frame.loc[A, "enterprises_interviewed"] == 1
