"""What follows a hazard once it is found: its ledger row and moves, the documents of 三书一函, interviews,
enforcement cases, immediate reports — and the help given to enterprises."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..immediate import MESSAGES as IMMEDIATE_MESSAGES
from ..immediate import immediate_kind
from ..instruments import kind_info, number_of
from ..vocab import VIOLATION
from . import texts
from .lifecycle import Life, choose_fate, live
from .rows import Block, Row
from .sampling import chance, day_between, days, pick
from .world import Profile, World

SEVERE = {"P01", "P02", "P05", "P06", "C01", "C06"}
GRADES = {True: {"general": 45, "larger": 35, "major": 20}, False: {"general": 80, "larger": 16, "major": 4}}
# Which violations a case opened on a hazard of each problem can be (知假售假 needs a seller, 3C a CCC product).
VIOLATIONS_FOR = {
    "P01": ("unlicensed",), "P02": ("beyond_scope",), "P03": ("other", "substandard"), "P04": ("other",),
    "P05": ("passing_off", "substandard"), "P06": ("passing_off", "counterfeit"), "P07": ("substandard", "passing_off"),
    "C01": ("mark_misuse", "other"), "C02": ("mark_misuse", "other"), "C03": ("passing_off", "substandard"),
    "C04": ("substandard",), "C05": ("knowingly_selling_fakes", "other"), "C06": ("counterfeit", "knowingly_selling_fakes"),
    "P08": ("other",), "P09": ("other", "substandard"), "P10": ("other",), "C07": ("other",), "C08": ("other",),
}  # fmt: skip
CASE_SHARE = {"severe": 0.12, "spot_check": 0.25, "other": 0.02}
"""Share of hazards on which a case is opened: severe problems, unqualified spot checks, the rest."""
ENFORCEMENT_FINDS = 0.1  # share of cases in which handling the case turns up another hazard


Key = tuple[int, dt.date, str, str]


@dataclass
class Draft:
    """A hazard found, before its life on the ledger is drawn."""

    profile: Profile
    year: int
    found: dt.date
    problem: str
    sub: str
    grade: str
    source: str
    description: str
    source_row: Row | None = None
    kind: str = "hazard"
    control: bool | None = None
    variant: str = "plain"
    fate: str | None = None
    open_state: str | None = None
    note: str | None = None
    may_open_case: bool = True
    back_refs: list[tuple[Row, str]] = field(default_factory=list)  # rows whose column names this hazard

    @property
    def key(self) -> Key:
        return hazard_key(self.profile, self.found, self.sub, self.problem)


def hazard_key(profile: Profile, found: dt.date, sub: str, problem: str) -> Key:
    """The ledger's key (enterprise, found date, product, problem type; ``hazardlib.ledger.HAZARD_KEY``):
    one hazard per key, as records.save_hazard keeps it. A second finding of the same key is the first one."""
    return (profile.id, found, sub, problem)


def grade_for(world: World, problem: str, profile: Profile) -> str:
    """A grade drawn for the problem; story enterprises get their major findings only where the story says."""
    grade = world.rng.choices(
        list(GRADES[problem in SEVERE]), weights=list(GRADES[problem in SEVERE].values())
    )[0]
    return "larger" if grade == "major" and profile.role else grade


def product_name(world: World, sub: str) -> str:
    return world.catalogue.sub_product(sub).name


def standard_of(world: World, sub: str) -> str:
    text = world.catalogue.sub_product(sub).standard
    return text.split("（")[0].split("；")[0].strip() or "相关标准"


def describe(world: World, problem: str, sub: str) -> str:
    item = world.rng.choice(texts.TEST_ITEMS[sub[:2]])
    return texts.PROBLEMS[problem].format(
        product=product_name(world, sub), standard=standard_of(world, sub), item=item
    )


class Aftermath:
    """Turns drafts into ledger rows and everything they call for, in one block."""

    def __init__(self, world: World, block: Block):
        self.w, self.block = world, block
        self.interviewed: set[tuple[int, dt.date]] = set()
        self.keys: set[Key] = set()  # the keys of the drafts being settled, and of those cases turn up

    # -- the ledger --------------------------------------------------------------------------------
    def settle(self, drafts: list[Draft]) -> list[tuple[Draft, Row]]:
        """Every draft (and any a case turns up) on the ledger; returns them with their rows."""
        out = []
        self.keys.update(d.key for d in drafts)
        i = 0
        while i < len(drafts):
            d = drafts[i]
            out.append((d, self._hazard(d, drafts)))
            i += 1
        return out

    def _hazard(self, d: Draft, drafts: list[Draft]) -> Row:
        w, rng = self.w, self.w.rng
        county = w.counties[d.profile.county]
        if d.variant == "plain" and d.kind == "hazard" and not d.fate:
            allowed: tuple[str, ...] = ("plain", "failed_reinspect", "refused_then_done")
            if d.grade != "general" and not d.profile.role:
                allowed += ("large_urgent", "large_urgent_sampling")
            d.variant = w.decks["variant"].draw(allowed)
        fate = d.fate or choose_fate(w, county, d.year, d.found)
        open_state = d.open_state
        if fate == "open" and open_state is None:
            weights = {"found": 40, "ordered": 30, "refused": 15} if county.lagging[d.year] else None
            open_state = w.decks["open_state"].draw(weights=weights)
        joint = d.kind == "risk" and d.grade == "major" and d.control is False
        # A major risk the enterprise reported without measures: it puts them in place in time, or the county
        # finds on the day that none are in place and handles it jointly at once.
        measures = w.decks["self_reported"].draw() if joint and d.source == "self_check" else None
        life = live(w, county, d.year, d.found, d.grade, fate=fate, variant=d.variant, open_state=open_state,
                    joint=joint and measures != "measures", measures=measures, kind=d.kind, note=d.note)  # fmt: skip
        row = self.block.add(
            "hazards",
            dict(
                enterprise_id=d.profile.id,
                county_code=d.profile.county,
                campaign_year=d.year,
                kind=d.kind,
                grade=d.grade,
                problem_code=d.problem,
                category_code=d.sub[:2],
                sub_product_code=d.sub,
                found_date=d.found,
                source=d.source,
                source_id=None,
                description=d.description,
                control_measures=d.control,
                large_urgent=d.variant.startswith("large_urgent"),
                **life.row(),
            ),
            source_id=d.source_row,
        )
        for other, column in d.back_refs:
            other.refs[column] = row
        actor = rng.choice(county.inspectors)
        self._events(row, life, actor)
        self._documents(d, row, life)
        if d.grade == "major":
            kind = immediate_kind(d.kind, d.source)
            what = d.description
            self.immediate(
                d.profile,
                kind,
                "hazards",
                row,
                d.found,
                IMMEDIATE_MESSAGES[kind].format(enterprise=d.profile.name, what=what),
            )
        if life.sampling is not None:
            spot_for_sampling(self, d, life.sampling)
        share = CASE_SHARE[
            "severe" if d.problem in SEVERE else d.source if d.source == "spot_check" else "other"
        ]
        if d.may_open_case and d.problem in VIOLATIONS_FOR and chance(rng, share):
            self.case(d, row, drafts)
        return row

    def _events(self, hazard: Row, life: Life, actor: str) -> None:
        rng = self.w.rng
        stamp = dt.datetime.combine(life.moves[0].day, dt.time(9)) + dt.timedelta(minutes=rng.randint(0, 420))
        for m in life.moves:
            at = max(dt.datetime.combine(m.day, dt.time(9)) + dt.timedelta(minutes=rng.randint(0, 480)),
                     stamp + dt.timedelta(minutes=5))  # fmt: skip
            stamp = at
            self.block.add(
                "hazard_events",
                dict(hazard_id=None, move=m.move, event_date=m.day, from_state=m.from_state, to_state=m.to_state,
                     deadline=m.deadline, outcome=m.outcome, note=m.note, actor=actor, recorded_at=at),
                hazard_id=hazard,
            )  # fmt: skip

    def _documents(self, d: Draft, hazard: Row, life: Life) -> None:
        rng, snapshot = self.w.rng, self.w.snapshot
        for m in life.moves:
            if m.move == "order" and (d.grade != "general" or chance(rng, 0.7)):
                note = texts.INSTRUMENT_NOTES["rectification_notice"].format(deadline=m.deadline)
                self.instrument(d.profile, d.year, "rectification_notice", m.day, note, hazard)
        if d.variant.startswith("large_urgent") and len(life.moves) > 1:
            day = life.moves[1].day
            self.instrument(d.profile, d.year, "listed_supervision_notice", day,
                            texts.INSTRUMENT_NOTES["listed_supervision_notice"], hazard)  # fmt: skip
            if hazard is not None:  # a hard problem: reported to the local Party committee and government
                values = dict(county_code=d.profile.county, campaign_year=d.year, report_date=day,
                              document_no=None, enterprise_id=d.profile.id, hazard_id=None,
                              summary=texts.LOCAL_REPORT.format(enterprise=d.profile.name, what=d.description))  # fmt: skip
                self.block.add("local_reports", values, hazard_id=hazard)
        deadline = next((m.deadline for m in reversed(life.moves) if m.deadline), None)
        for day in life.reminders:
            if day <= snapshot:
                note = texts.INSTRUMENT_NOTES["reminder_letter"].format(deadline=deadline)
                self.instrument(d.profile, d.year, "reminder_letter", day, note, hazard)
        for day in life.interviews:
            reason = texts.INTERVIEW_REASONS["refused"].format(what=d.description)
            self.interview(
                d.profile, d.year, day, reason, hazard, notice=max(d.found, day - days(rng.randint(3, 7)))
            )

    # -- documents, interviews, reports --------------------------------------------------------------
    def instrument(
        self, p: Profile, year: int, kind: str, day: dt.date, note: str, hazard: Row | None = None
    ) -> Row:
        serial = self.w.numbers.next(kind, p.county, day.year)
        number = number_of(p.county, kind, day.year, serial)
        # Its follow-up draws from a generator of its own (seeded by its number), so that the rest of the
        # demo is what it was before instruments were followed up.
        rng, snapshot = random.Random(number), self.w.snapshot
        due = day + days(kind_info(kind).reply_days)
        served = day + days(rng.randint(0, 3))
        replied = day + days(rng.randint(1, kind_info(kind).reply_days + 3)) if chance(rng, 0.985) else None
        values = dict(enterprise_id=p.id, county_code=p.county, campaign_year=year, kind=kind, number=number,
                      issue_date=day, hazard_id=None, note=note, issuer_code=p.county, serial=serial,
                      served_date=served if served <= snapshot else None, reply_due=due,
                      reply_date=replied if replied is not None and replied <= snapshot else None)  # fmt: skip
        return self.block.add("instruments", values, hazard_id=hazard)

    def interview(
        self,
        p: Profile,
        year: int,
        day: dt.date,
        reason: str,
        hazard: Row | None,
        notice: dt.date,
        trigger: str = "refused_rectification",
        batches: Sequence[Row] = (),
    ) -> None:
        """An interview with ``p`` (and its notice), naming the unqualified spot-check ``batches`` behind it."""
        if (p.id, day) in self.interviewed or day > self.w.snapshot:
            return
        self.interviewed.add((p.id, day))
        letter = self.instrument(
            p, year, "interview_notice", notice, texts.INSTRUMENT_NOTES["interview_notice"], hazard
        )
        county = self.w.regions.county(p.county).name
        finding = "interview_consecutive_unqualified" if trigger == "consecutive_unqualified" else None
        values = dict(enterprise_id=p.id, county_code=p.county, campaign_year=year, held_date=day, reason=reason,
                      hazard_id=None, trigger=trigger, finding=finding,
                      attendees=texts.INTERVIEW_ATTENDEES.format(county=county),
                      commitments=texts.INTERVIEW_COMMITMENTS, follow_up_date=day + days(30),
                      notice_no=letter.values["number"])  # fmt: skip
        row = self.block.add("interviews", values, hazard_id=hazard)
        if batches:
            row.many["spot_check_ids"] = list(batches)

    def immediate(self, p: Profile, kind: str, table: str, record: Row, day: dt.date, summary: str) -> None:
        """An immediate-report item, raised at 00:00 of the record's date (see :mod:`hazardlib.immediate`)."""
        w, rng = self.w, self.w.rng
        raised = dt.datetime.combine(day, dt.time())
        hours = int(
            w.param(day.year if day.year in w.campaigns else max(w.campaigns), "immediate_report_hours")
        )
        due = raised + dt.timedelta(hours=hours)
        how = w.decks["ack"].draw()
        ack: dt.datetime | None = None
        if how == "on_time":
            ack = raised + dt.timedelta(minutes=rng.randint(60, hours * 60 - 1))
        elif how == "late":
            ack = due + dt.timedelta(minutes=rng.randint(60, 72 * 60))
        if ack is not None and ack.date() > w.snapshot:
            ack = None
        values = dict(county_code=p.county, campaign_year=raised.year, kind=kind, record_table=table, record_id=None,
                      raised_at=raised, due_at=due, acknowledged_at=ack,
                      acknowledged_by=rng.choice(w.staff) if ack else None, summary=summary)  # fmt: skip
        self.block.add("immediate_reports", values, record_id=record)

    def help(self, p: Profile, year: int, kind: str, day: dt.date, sub: str | None = None) -> None:
        if day > self.w.snapshot or (p.id, kind, day) in self.w.helped:
            return
        self.w.helped.add((p.id, kind, day))
        c = self.w.regions.county(p.county)
        note = texts.HELP_NOTES[kind].format(
            product=product_name(self.w, sub or p.products[0]), county=c.name
        )
        values = dict(
            enterprise_id=p.id, county_code=p.county, campaign_year=year, kind=kind, help_date=day, note=note
        )
        self.block.add("help_records", values)

    # -- enforcement -------------------------------------------------------------------------------
    def case(self, d: Draft, hazard: Row | None, drafts: list[Draft], violation: str | None = None,
             what: str | None = None, day: dt.date | None = None) -> Row | None:  # fmt: skip
        """An enforcement case against the enterprise of ``d`` (None when it would be filed after the end)."""
        w, rng = self.w, self.w.rng
        filed = day or d.found + days(rng.randint(5, 30))
        if filed > w.snapshot:
            return None
        if violation is None:
            allowed = [v for v in VIOLATIONS_FOR[d.problem]
                       if v != "mark_misuse" or w.catalogue.regime_on(d.sub, filed) == "CCC"]  # fmt: skip
            violation = w.decks["violation"].draw(allowed or ["other"])
        p = d.profile
        c = w.regions.county(p.county)
        n_case = w.numbers.next("case", p.county, filed.year)
        case_no = texts.CASE_NO.format(short=c.short_name[0], year=filed.year, n=n_case)
        month = f"{filed.year}年{filed.month}月"
        facts = texts.CASE_FACTS[violation].format(month=month, county=c.name, enterprise=p.name,
                                                   product=product_name(w, d.sub), what=what or d.description)  # fmt: skip

        def later(lo: int, hi: int) -> dt.date | None:
            day_ = filed + days(rng.randint(lo, hi))
            return day_ if day_ <= w.snapshot else None

        transfer = None
        if violation == "knowingly_selling_fakes" or (violation == "counterfeit" and chance(rng, 0.4)):
            transfer = w.decks["transfer"].draw()
        transfer_date = later(2, 20) if transfer else None
        dishonesty_date = (
            later(30, 90)
            if violation in ("unlicensed", "counterfeit", "passing_off") and chance(rng, 0.4)
            else None
        )
        revoked_date = (
            later(20, 60)
            if p.licensed
            and p.makes
            and violation in ("beyond_scope", "passing_off", "substandard")
            and chance(rng, 0.25)
            else None
        )
        published = later(20, 60) if chance(rng, 0.15) else None
        # The outcomes that close the case's findings, drawn from the case's number (not the random stream, so
        # that the rest of the demo stays as it was): publicity of a listing a few days after it; a decision
        # not to list (one candidate in four, and the first of each campaign year, so that a small demo has
        # one too) or not to revoke (one licence holder's case in three).
        publicity = (
            dishonesty_date + days(3) if dishonesty_date and dishonesty_date + days(3) <= w.snapshot else None
        )
        decisions: dict[str, object] = {}
        decided = filed + days(25)
        if (
            decided <= w.snapshot
            and dishonesty_date is None
            and violation in ("unlicensed", "counterfeit", "passing_off")
            and (n_case % 4 == 0 or filed.year not in w.not_listed_years)
        ):
            w.not_listed_years.add(filed.year)
            decisions.update(
                not_listed_by=texts.DECIDED_BY,
                not_listed_date=decided,
                not_listed_reason=texts.NOT_LISTED_REASON,
            )
        if (
            decided <= w.snapshot
            and revoked_date is None
            and p.licensed
            and violation in ("beyond_scope", "counterfeit", "passing_off")
            and n_case % 3 == 0
        ):
            decisions.update(
                not_revoked_by=texts.DECIDED_BY,
                not_revoked_date=decided,
                not_revoked_reason=texts.NOT_REVOKED_REASON,
            )
        major = chance(rng, 0.1) or transfer == "police"
        gain, fine = rng.randint(1, 200) * 100, rng.randint(5, 300) * 1000
        values = dict(
            enterprise_id=p.id, county_code=p.county, campaign_year=d.year, case_no=case_no, filed_date=filed,
            violation=violation, sub_product_code=d.sub,
            facts=facts + (texts.CASE_TYPICAL if published else ""),
            penalty=texts.PENALTY.format(n=rng.randint(5, 500), gain=gain, fine=fine),
            persons_punished=rng.randint(1, 2) if transfer or violation == "knowingly_selling_fakes" else rng.randint(0, 1),
            transferred_to=transfer if transfer_date else None, transfer_date=transfer_date,
            dishonesty_listed=dishonesty_date is not None,
            dishonesty_date=dishonesty_date, licence_revoked=revoked_date is not None, revoked_date=revoked_date,
            major_case=major, typical_case=published is not None, published_date=published, hazard_id=None,
            publicity_date=publicity, publicity_ref=texts.PUBLICITY_REF.format(case=case_no) if publicity else None,
            **decisions,
        )  # fmt: skip
        chance(
            rng, 0.6
        )  # the draw of the retired yes/no 信用公示 (0019), kept so the rest of the demo stays as it was
        row = self.block.add("enforcement_cases", values, hazard_id=hazard)
        if major:
            what_ = f"{case_no}{texts_violation(violation)}"
            self.immediate(p, "major_case", "enforcement_cases", row, filed,
                           IMMEDIATE_MESSAGES["major_case"].format(enterprise=p.name, what=what_))  # fmt: skip
        if hazard is not None and chance(rng, ENFORCEMENT_FINDS):
            problem = "C05" if d.problem.startswith("C") else "P99"
            found = filed + days(rng.randint(3, 15))
            # A finding whose key the ledger already holds is that hazard (the 1M demo had one twice).
            if found <= w.snapshot and hazard_key(p, found, d.sub, problem) not in self.keys:
                self.keys.add(hazard_key(p, found, d.sub, problem))
                what_ = describe(w, problem, d.sub)
                drafts.append(Draft(p, d.year, found, problem, d.sub, grade_for(w, problem, p), "enforcement",
                                    texts.ENFORCEMENT_HAZARD.format(case=case_no, what=what_), source_row=row,
                                    may_open_case=False))  # fmt: skip
        return row


def texts_violation(code: str) -> str:
    return VIOLATION.label(code)


def day_in_stage3(world: World, year: int) -> dt.date:
    s3, e3 = world.stage(year, 3)
    return day_between(world.rng, s3, min(e3, world.snapshot))


def help_for_year(
    after: Aftermath, profiles: list[Profile], year: int, with_hazards: set[int], serious: set[int]
) -> None:
    """Training for some enterprises; quality clinics and analyses for some with hazards (stage 3), most of
    those with a larger or major finding (聚焦隐患排查治理中发现质量问题的企业) among them."""
    w, rng = after.w, after.w.rng
    for p in profiles:
        if chance(rng, 0.15):
            after.help(p, year, "training", rng.choice(w.counties[p.county].training[year]))
        if p.index in with_hazards:
            if chance(rng, 0.6 if p.role or p.index in serious else 0.2):
                after.help(p, year, "quality_clinic", day_in_stage3(w, year))
            if p.produces and chance(rng, 0.3 if p.index in serious else 0.15):
                after.help(p, year, "quality_analysis", day_in_stage3(w, year))


def hazards_of(settled: list[tuple[Draft, Row]], year: int, *, serious: bool = False) -> set[int]:
    """The enterprises (profile indexes) with findings of ``year`` (``serious``: larger or major ones)."""
    return {d.profile.index for d, _ in settled if d.year == year and (not serious or d.grade != "general")}


def spot_for_sampling(after: Aftermath, d: Draft, day: dt.date) -> None:
    """The enforcement sampling (执法抽检) of a large and urgent hazard (here, with the aftermath that
    asks for it, so that :mod:`.activity` and this module do not import each other)."""
    w, rng = after.w, after.w.rng
    p = d.profile
    channel = "production" if d.sub in p.makes else "shop"
    values = dict(
        batch_no=w.numbers.batch_no(p.county, day.year), county_code=p.county, campaign_year=d.year,
        sampled_by_county=p.county, sample_date=day, category_code=d.sub[:2], sub_product_code=d.sub,
        channel=channel, result=pick(rng, {"qualified": 60, "unqualified": 40}), enterprise_id=p.id,
        producer_id=p.id if channel == "production" else None, producer_name=p.name if channel == "production" else None,
        producer_uscc=p.uscc if channel == "production" else None, producer_region=None,
        seller_id=p.id if channel == "shop" else None, seller_name=p.name if channel == "shop" else None,
        seller_uscc=p.uscc if channel == "shop" else None, seller_region=None, follow_up_of=None,
        enforcement_sampling=True, note=texts.ENFORCEMENT_SAMPLING_NOTE,
    )  # fmt: skip
    after.block.add("spot_checks", values)
