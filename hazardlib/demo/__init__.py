"""The deterministic demo campaign: the 2024 campaign and the one before it, at any scale.

``generate(store, seed=7, scale=1.0)`` fills a store with a prefecture of enterprises (about 2,000 per
unit of scale, in all 12 counties and all 24 product categories) and every kind of campaign record:
self-checks with risk control lists, inspections in both fields, hazards in every state with their
full ledger history, documents of 三书一函, interviews, spot checks on every channel with two-way
tracing and follow-ups, enforcement cases, risk signals, help, county plans and oversight, and
immediate reports. About 5,000 hazards per unit of scale; every count grows linearly with ``scale``.

The same seed and scale give the same content in any store (only audit times and created/updated
timestamps differ): one ``random.Random(seed)`` and one ``Faker("zh_CN")`` seeded with it draw
everything, and no date comes from the clock. The story it tells: most counties on track, one that
neither adopted a plan nor got its enterprises to self-check, one slow to close hazards, one a little
behind at the finish; repeat offenders (unqualified twice running with a major hazard open on
15 September 2024), enterprises with three major findings in two years, and the cases just short of
each (two majors; unqualified–qualified–unqualified); on 15 September most counties' packages for
20 August approved, one returned, one late and one missing. Records stop 15 days after the 2024 finish.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from tqdm import tqdm

from .. import schema
from ..campaign import load_campaign
from ..errors import HazardError, OutOfScope
from ..figures import is_open, ledger_at, mend_counties, mend_key_enterprise, mend_shape
from ..plan_files import PlanFile, check_plan_file
from ..store import PREFECTURE_CODE, Store, table_label
from . import texts
from .activity import build_block
from .rows import Block
from .sampling import chance, day_between, days
from .submitted import submit_demo_packages
from .world import ENTERPRISES_PER_SCALE, TAIL_DAYS, YEARS, World
from .writer import Writer, clear

__all__ = ["ENTERPRISES_PER_SCALE", "DemoExists", "DemoSummary", "generate"]

BLOCK = 2000  # enterprises whose records are drawn and written together
CHUNK = 5000  # enterprises per insert in the first pass
T = TypeVar("T")


class DemoExists(HazardError):
    """The store already holds a demo campaign; nothing was changed."""

    def __init__(self, seed: str, scale: str):
        self.seed, self.scale = seed, scale
        super().__init__(texts.DEMO_EXISTS.format(seed=seed, scale=scale))


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`generate` wrote: rows per table, counties, categories and campaign years."""

    seed: int
    scale: float
    years: tuple[int, ...]
    counts: dict[str, int]
    counties: int
    categories: int

    def text(self) -> str:
        """A short summary in Chinese, one line per record kind."""
        head = texts.SUMMARY_HEAD.format(seed=self.seed, scale=_scale_text(self.scale),
                                         years="、".join(map(str, self.years)), counties=self.counties,
                                         categories=self.categories)  # fmt: skip
        lines = [texts.SUMMARY_LINE.format(label=table_label(t.name), count=self.counts.get(t.name, 0))
                 for t in schema.RECORD_TABLES]  # fmt: skip
        return "\n".join([head, *lines])


def _scale_text(scale: float) -> str:
    return f"{scale:g}"


def generate(
    store: Store, *, seed: int = 7, scale: float = 1.0, replace: bool = False, progress: bool = True
) -> DemoSummary:
    """Fill ``store`` with the demo campaign, in one transaction.

    Raises DemoExists (and changes nothing) when the store holds a demo already and ``replace`` is
    False; with ``replace`` every campaign record is deleted first. Raises OutOfScope for a county
    session: the demo covers the whole prefecture. A tqdm bar on stderr shows progress if asked.
    """
    if store.county is not None:
        raise OutOfScope(store.county, PREFECTURE_CODE)
    meta = schema.store_meta
    with store.transaction(f"生成演示数据（种子 {seed}，规模 {_scale_text(scale)}）") as tx:
        old = dict(
            tx.conn.execute(sa.select(meta.c.key, meta.c.value).where(meta.c.key.like("demo_%"))).all()
        )
        if "demo_seed" in old and not replace:
            raise DemoExists(old["demo_seed"], old.get("demo_scale", "?"))
        if replace:
            clear(tx)
        world = World(seed, scale)
        writer = Writer(tx, stride=math.ceil(scale))
        bar = tqdm(total=world.size, desc=texts.PROGRESS["enterprises"], unit=texts.PROGRESS["unit"],
                   file=sys.stderr, disable=not progress)  # fmt: skip
        for chunk in _chunks(world.enterprises(), CHUNK):
            writer.enterprises(chunk)
            bar.update(len(chunk))
        bar.close()
        world.assign_story()
        writer.write(county_records(world))
        bar = tqdm(total=world.size, desc=texts.PROGRESS["records"], unit=texts.PROGRESS["unit"],
                   file=sys.stderr, disable=not progress)  # fmt: skip
        for start in range(0, world.size, BLOCK):
            block = world.profiles[start : start + BLOCK]
            writer.write(build_block(world, block))
            bar.update(len(block))
        bar.close()
        mend_shape(tx.conn)  # the events were written in bulk, not move by move: their shape is made here
        mend_counties(tx.conn)  # and the records' counted county, from the enterprises written above
        mend_key_enterprise(tx.conn)  # and the self-checks' key enterprise
        writer.counts["written_reports"] = written_reports(tx, world)
        tx.set_meta("demo_seed", str(seed))
        tx.set_meta("demo_scale", _scale_text(scale))
        tx.set_meta("demo_generated_by", store.user)
    # The packages are submitted by each county's own session and reviewed by the prefecture's (the one path
    # of a submission), so after the demo's transaction, each move its own.
    packages = submit_demo_packages(store, world)
    store.analyze()  # a bulk load: the planner's statistics from the rows written
    counts = dict(writer.counts)
    counts["submissions"] = counts.get("submissions", 0) + packages
    return DemoSummary(
        seed=seed,
        scale=scale,
        years=YEARS,
        counts=counts,
        counties=len({p.county for p in world.profiles}),
        categories=len({code[:2] for p in world.profiles for code in p.products}),
    )


def _chunks(items: Iterator[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def county_records(world: World) -> Block:
    """Each county's work plan per campaign (most adopted in May; one late, one missing in 2024) and
    the prefecture's oversight of the lagging counties (约谈、通报、挂牌督办)."""
    rng, block = world.rng, Block()
    for year in YEARS:
        s1, e1 = world.stage(year, 1)
        for code, county in world.counties.items():
            c = county.county
            when = county.plan[year]
            if when == "missing":
                continue
            adopted = (
                day_between(rng, e1 + days(3), e1 + days(20))
                if when == "late"
                else day_between(rng, s1 - days(5), s1 + days(12))
            )
            n = world.numbers.next("plan", code, year)
            number = texts.PLAN_NUMBER.format(short=c.short_name[0], year=year, n=n + rng.randint(10, 60))
            document = texts.PLAN_DOCUMENT.format(county=c.name, year=year)
            block.add(
                "county_plans",
                dict(county_code=code, campaign_year=year, adopted_date=adopted, document=document,
                     document_no=number, responsible=texts.PLAN_RESPONSIBLE.format(county=c.name),
                     **demo_plan_file(f"{c.name}{year}{document}", number).row()),
            )  # fmt: skip
    last, first = YEARS[-1], YEARS[0]
    report_day = world.campaigns[last].deadlines[0].day
    actions = [
        # Interviewed within stage 2 (the days after the August report): still lagging in stage 3, the county is
        # due an interview or circular again; the circular in stage 3 (from 1 September), when the county's
        # close-out rate is already judged.
        (world.lag["coverage"], last, "interview", report_day + days(rng.randint(5, 10)), True),
        (world.lag["closure"], last, "circular", report_day + days(rng.randint(12, 20)), False),
        (rng.choice([c for c in world.counties if c not in (world.lag["coverage"], world.lag["closure"])]), last,
         "listed_supervision", report_day + days(rng.randint(20, 40)), chance(rng, 0.5)),
        (world.lag["2023"], first, "circular", world.campaigns[first].deadlines[0].day + days(rng.randint(10, 25)), False),
    ]  # fmt: skip
    for k, (code, year, kind, day, reported) in enumerate(actions, start=1):
        name = world.regions.county(code).name
        acted = min(day, world.snapshot)
        due = acted + days(texts.OVERSIGHT_DUE_DAYS)
        replied = acted + days(texts.OVERSIGHT_DUE_DAYS - 3)
        response = (
            dict(response=texts.OVERSIGHT_RESPONSE, response_date=replied, responded_by=f"{name}市场监管局")
            if replied <= world.snapshot and k % 2
            else {}
        )
        block.add(
            "county_oversight",
            dict(county_code=code, campaign_year=year, kind=kind, action_date=acted,
                 reason=texts.OVERSIGHT_REASONS[kind].format(county=name), reported_to_local_government=reported,
                 number=texts.OVERSIGHT_NUMBER.format(year=year, n=k), due_date=due, **response),
        )  # fmt: skip
    return block


def demo_plan_file(title: str, number: str) -> PlanFile:
    """A county plan's file for the demo: a one-page PDF naming the plan (its title in the document's
    information, as PDF text strings take it: UTF-16 with a byte-order mark)."""
    text = (title + " " + number).encode("utf-16-be").hex().upper()
    body = (
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        f"4 0 obj<</Title<FEFF{text}>>>endobj\n"
        "trailer<</Root 1 0 R/Info 4 0 R>>\n%%EOF\n"
    )
    return check_plan_file("工作方案.pdf", body.encode("ascii"))


def written_reports(tx: Any, world: World) -> int:
    """After each campaign's finish, every county with hazards still open sends written reports on them
    (plan 四(三)): the first ten days after the finish, then every ``written_report_interval_days``, until the
    next campaign starts or the demo ends; each names the county's hazards open on its date. Written after
    the ledger's shape is made, since it reads the ledger at each date."""
    rows = []
    for year in YEARS:
        campaign = world.campaigns[year]
        every = days(int(campaign.parameter("written_report_interval_days")))
        nxt = world.campaigns.get(year + 1)
        end = min(world.snapshot, nxt.start - days(1)) if nxt is not None else world.snapshot
        day, k = campaign.finish + days(10), 1
        while day <= end:
            led = ledger_at(day)
            stmt = (
                sa.select(led.c.county_code, led.c.id)
                .where(is_open(led))
                .order_by(led.c.county_code, led.c.id)
            )
            open_by_county: dict[str, list[int]] = {}
            for county, hid in tx.conn.execute(stmt).all():
                open_by_county.setdefault(county, []).append(int(hid))
            for county, ids in open_by_county.items():
                c = world.regions.county(county)
                number = texts.WRITTEN_REPORT_NO.format(short=c.short_name[0], year=day.year,
                                                        n=world.numbers.next("written_report", county, day.year))  # fmt: skip
                rows.append(dict(county_code=county, campaign_year=year, report_date=day, number=number,
                                 hazard_ids=ids, note=texts.WRITTEN_REPORT_NOTE.format(county=c.name, k=k)))  # fmt: skip
            day, k = day + every, k + 1
    if rows:
        tx.insert_many(schema.written_reports, rows, audit="summary")
    return len(rows)


def demo_as_of() -> dt.date:
    """The demo's last day (its records stop here): 15 days after the 2024 campaign's finish."""
    return load_campaign(YEARS[-1]).finish + days(TAIL_DAYS)
