"""The demo's next campaign: a year made by ``hazard campaign new YEAR --from EARLIER``, drawn on top of the
demo already in the store, so that the carry-over has something to carry.

``generate_year(store, 2025, seed=7)`` reads the enterprises the demo wrote and, for the campaign of 2025
(its calendar and its catalogue), draws the key enterprises' self-checks in stage 1, inspections in stage 2
with the hazards they find (only products of 2025's catalogue), unqualified and qualified spot checks, and
the close-out of most of 2025's own hazards and of about half of those the earlier campaigns left open (all
of which stay carried over, closed or not). Enterprises with major findings on two days of the last campaign get one more in
this one: special supervision across the two campaigns of the plan's window.

Every record goes through its model and the one path of its kind (``records.save_*``, the ledger's
:func:`~hazardlib.ledger.apply_move`) in one transaction; nothing of the earlier years is changed except by
ledger moves dated in the new year. The same seed, year and store give the same records. Volumes follow
the demo's scale (shares of the stored enterprises).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import sqlalchemy as sa

from .. import models, records, schema
from ..campaign import Campaign, load_campaign
from ..catalogue import catalogue_of
from ..checklists import load_problems
from ..errors import HazardError, OutOfScope
from ..fields import duties
from ..figures import is_open, ledger_at
from ..ledger import apply_move
from ..stages import campaign_years
from ..store import PREFECTURE_CODE, Store, Tx
from . import texts
from .sampling import chance, day_between, days

E, H = schema.enterprises, schema.hazards
SELF_CHECK_SHARE = 0.8  # of the key enterprises
INSPECTED_SHARE = 0.35
HAZARD_SHARE = 0.45  # of the inspections
GRADES = {"general": 70, "larger": 22, "major": 8}
SPOT_SHARE = 0.06
UNQUALIFIED_SHARE = 0.15
CLOSED_SHARE = 0.5  # of the hazards carried over, closed out during the year
FIXED_SHARE = 0.75  # of the year's own hazards, taken to close-out (some still on their way at the finish)
SPECIAL_STORY = 3  # enterprises with two major days last campaign given one more this campaign
NEXT_MOVE = {"found": "order", "ordered": "rectify", "rectified": "reinspect", "reinspected": "close"}


class YearNotDrawable(HazardError):
    """The year cannot be drawn on this store (no demo under it, drawn already, or no calendar)."""


def _enterprises(tx: Tx) -> list[dict[str, Any]]:
    stmt = sa.select(E.c.id, E.c.county_code, E.c.field, E.c.products).order_by(E.c.id)
    return [dict(r) for r in tx.conn.execute(stmt).mappings()]


def _two_major_days(tx: Tx, campaign: Campaign) -> list[int]:
    """Enterprises with major findings on exactly two days in the campaigns of the window before this one."""
    earlier = [y for y in campaign_years(campaign) if y < campaign.year]
    stmt = (
        sa.select(H.c.enterprise_id)
        .where(H.c.grade == "major", H.c.campaign_year.in_(earlier))
        .group_by(H.c.enterprise_id)
        .having(sa.func.count(sa.distinct(H.c.found_date)) == 2)
        .order_by(H.c.enterprise_id)
    )
    return [int(i) for i in tx.conn.execute(stmt).scalars()]


def _carried(tx: Tx, campaign: Campaign) -> list[tuple[int, str]]:
    """The hazards (not the risks) open when the campaign's window opens (id, state), in id order."""
    before = ledger_at(campaign.start - dt.timedelta(days=1))
    stmt = (
        sa.select(before.c.id, before.c.state)
        .where(is_open(before), before.c.kind == "hazard")
        .order_by(before.c.id)
    )
    return [(int(i), str(s)) for i, s in tx.conn.execute(stmt).all()]


class _Year:
    """Draws and saves one campaign year's records."""

    def __init__(self, tx: Tx, campaign: Campaign, rng: random.Random):
        self.tx, self.campaign, self.rng = tx, campaign, rng
        self.year = campaign.year
        self.products = set(catalogue_of(self.year).sub_products)
        self.problems: dict[str, list[str]] = {}
        for p in load_problems():
            if not p.code.endswith("99"):
                self.problems.setdefault(p.field, []).append(p.code)
        self.counts: Counter[str] = Counter()
        self.batch = 0

    def stage(self, no: int) -> tuple[dt.date, dt.date]:
        s = next(s for s in self.campaign.stages if s.no == no)
        return s.start, s.end

    def save(self, table: str, save: Any, model: Any, data: dict[str, Any]) -> int:
        record_id, outcome = save(self.tx, models.validate(model, data, today=self.campaign.finish))
        self.counts[table] += outcome == "inserted"
        return int(record_id)

    def self_check(self, e: dict[str, Any]) -> None:
        s1, e1 = self.stage(1)
        gaps = {d for d in duties(models.SelfCheck).values() if chance(self.rng, 0.08)}
        data: dict[str, Any] = {d: d not in gaps for d in duties(models.SelfCheck).values()}
        data.update(enterprise_id=e["id"], campaign_year=self.year, check_date=day_between(self.rng, s1, e1))
        self.save("self_checks", records.save_self_check, models.SelfCheck, data)

    def inspection(self, e: dict[str, Any], product: str, grade: str | None = None) -> None:
        s2, e2 = self.stage(2)
        day = day_between(self.rng, s2, e2)
        field = {"producer": "production", "seller": "circulation"}.get(e["field"]) or self.rng.choice(
            ("production", "circulation")
        )
        data = {"enterprise_id": e["id"], "campaign_year": self.year, "inspection_date": day, "field": field,
                "sub_product_code": product}  # fmt: skip
        inspection = self.save("inspections", records.save_inspection, models.Inspection, data)
        if grade is None and not chance(self.rng, HAZARD_SHARE):
            return
        grade = grade or self.rng.choices(list(GRADES), weights=list(GRADES.values()))[0]
        found = {"enterprise_id": e["id"], "campaign_year": self.year, "kind": "hazard", "grade": grade,
                 "problem_code": self.rng.choice(self.problems[field]), "sub_product_code": product,
                 "found_date": day, "source": "inspection", "source_id": inspection,
                 "ordered_date": day, "deadline": self.campaign.default_deadline(day)}  # fmt: skip
        hazard = self.save("hazards", records.save_hazard, models.Hazard, found)
        if chance(self.rng, FIXED_SHARE):
            self.close_out(hazard, "ordered", day + days(self.rng.randint(3, 25)))

    def spot_check(self, e: dict[str, Any], product: str) -> None:
        self.batch += 1
        s2, end = self.stage(2)[0], self.stage(3)[1]
        day = day_between(self.rng, s2, end)
        maker = e["field"] != "seller"
        data = {"batch_no": f"CC{self.year}{e['county_code'][-2:]}{self.batch:05d}",
                "sampled_by_county": e["county_code"], "sample_date": day, "sub_product_code": product,
                "channel": "production" if maker else self.rng.choice(("shop", "rural_market", "online")),
                "result": "unqualified" if chance(self.rng, UNQUALIFIED_SHARE) else "qualified",
                "enterprise_id": e["id"], "producer": {"enterprise_id": e["id"]} if maker else {},
                "seller": {} if maker else {"enterprise_id": e["id"]}}  # fmt: skip
        self.save("spot_checks", records.save_spot_check, models.SpotCheck, data)

    def close_out(self, hazard_id: int, state: str, start: dt.date) -> None:
        """Move a hazard to close-out from ``start``, one move after another a few days apart."""
        day = start
        while state in NEXT_MOVE and day <= self.campaign.finish:
            move = NEXT_MOVE[state]
            deadline = self.campaign.default_deadline(day) if move == "order" else None
            outcome = "passed" if move == "reinspect" else None
            after = apply_move(
                self.tx,
                hazard_id,
                move,
                day=day,
                deadline=deadline,
                outcome=outcome,
                today=self.campaign.finish,
            )
            state = after["state"]
            self.counts["hazard_events"] += 1
            day += days(self.rng.randint(1, 10))


def generate_year(store: Store, year: int, *, seed: int = 7) -> dict[str, int]:
    """Draw campaign ``year`` on top of the demo in ``store`` (one transaction); returns rows written by table.

    Raises YearNotDrawable (Chinese message; nothing written) when the store holds no demo, the year is
    drawn already or is not after the demo's years, and CampaignNotFound when the year has no calendar
    (``hazard campaign new YEAR --from EARLIER`` first); OutOfScope for a county session."""
    if store.county is not None:
        raise OutOfScope(store.county, PREFECTURE_CODE)
    campaign = load_campaign(year)
    rng = random.Random(f"{seed}:{year}")
    meta = schema.store_meta
    with store.transaction(f"生成{year}年演示数据（种子 {seed}）") as tx:
        known = dict(
            tx.conn.execute(sa.select(meta.c.key, meta.c.value).where(meta.c.key.like("demo_%"))).all()
        )
        if "demo_seed" not in known:
            raise YearNotDrawable(texts.NEXT_YEAR["no_demo"].format(year=year))
        if f"demo_year_{year}" in known:
            raise YearNotDrawable(texts.NEXT_YEAR["drawn"].format(year=year))
        latest = tx.conn.execute(sa.select(sa.func.max(H.c.campaign_year))).scalar() or 0
        if year <= latest:
            raise YearNotDrawable(texts.NEXT_YEAR["not_after"].format(year=year, latest=latest))
        y = _Year(tx, campaign, rng)
        special = set(_two_major_days(tx, campaign)[:SPECIAL_STORY])
        for e in _enterprises(tx):
            products = [p for p in e["products"] if p in y.products]
            if not products:
                continue  # none of its products is a key product this year
            if chance(rng, SELF_CHECK_SHARE):
                y.self_check(e)
            if e["id"] in special:
                y.inspection(e, products[0], grade="major")
            elif chance(rng, INSPECTED_SHARE):
                y.inspection(e, rng.choice(products))
            if chance(rng, SPOT_SHARE):
                y.spot_check(e, rng.choice(products))
        for hazard_id, state in _carried(tx, campaign):
            if chance(rng, CLOSED_SHARE):
                y.close_out(hazard_id, state, day_between(rng, y.stage(2)[0], y.stage(3)[0]))
        tx.set_meta(f"demo_year_{year}", str(seed))
    return dict(y.counts)
