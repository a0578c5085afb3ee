"""A block of enterprises through both campaigns: self-checks, inspections, spot checks with their
tracing and follow-ups, risk signals, and the story's repeat offenders and special cases."""

from __future__ import annotations

import datetime as dt
import re

from ..store import PREFECTURE_CODE
from ..vocab import clean_text
from . import texts
from .aftermath import (
    Aftermath,
    Draft,
    Key,
    describe,
    grade_for,
    hazard_key,
    hazards_of,
    help_for_year,
    product_name,
)
from .ids import make_uscc
from .rows import Block, Row
from .sampling import chance, day_between, days, pick, sample_upto
from .world import YEARS, Profile, World

INSPECTIONS = {2023: {0: 20, 1: 60, 2: 20}, 2024: {0: 15, 1: 60, 2: 25}}
"""How many on-site inspections an enterprise gets in a campaign (weights)."""
FAILED_ITEMS = {0: 38, 1: 33, 2: 17, 3: 8, 4: 4}
SPOT_RATE = {2023: 0.12, 2024: 0.14}
"""Spot checks per enterprise and campaign (besides follow-ups and enforcement sampling)."""
SIGNAL_RATE = 0.03
LICENCE_PROBLEMS = {
    "P01",
    "P02",
    "C01",
    "C02",
}  # checklist items that only apply to licensed or certified products
OTHER_SOURCE_RATE = 0.01
SELF_REPORTED_MAJOR = 0.03
RISK_KIND_SHARE = 0.08  # of inspection findings recorded as risks (风险) rather than hazards (隐患)
DUTIES = {"management_system": 0.95, "quality_director": 0.6, "quality_officer": 0.9, "daily_control": 0.85,
          "weekly_check": 0.8, "monthly_review": 0.75}  # fmt: skip


def build_block(world: World, profiles: list[Profile]) -> Block:
    """Every record of the block's enterprises over both campaigns."""
    block = Block()
    b = _Builder(world, block, profiles)
    for year in YEARS:
        for p in profiles:
            b.self_check(p, year)
            b.inspections(p, year)
            if chance(world.rng, OTHER_SOURCE_RATE):
                b.other_source(p, year)
        b.spot_checks(year)
        b.signals(year)
    for p in profiles:
        if p.role in ("repeat_offender", "uqu"):
            b.story_spot_checks(p)
    settled = b.after.settle(b.drafts)
    for year in YEARS:
        help_for_year(
            b.after, profiles, year, hazards_of(settled, year), hazards_of(settled, year, serious=True)
        )
    for p, day, batches in b.interviews:
        major = next((row for d, row in settled if d.profile is p and d.grade == "major"), None)
        b.after.interview(
            p, YEARS[-1], day, texts.INTERVIEW_REASONS["repeat"], major, notice=day - days(3),
            trigger="consecutive_unqualified", batches=batches,
        )  # fmt: skip
    return block


class _Builder:
    def __init__(self, world: World, block: Block, profiles: list[Profile]):
        self.w, self.rng, self.block, self.profiles = world, world.rng, block, profiles
        self.after = Aftermath(world, block)
        self.drafts: list[Draft] = []
        self.keys: dict[Key, Draft] = {}
        self.interviews: list[tuple[Profile, dt.date, list[Row]]] = []  # with the unqualified batches
        self.free = [p for p in profiles if not p.role]  # enterprises drawn at random for spot checks

    def draft(self, p: Profile, year: int, found: dt.date, problem: str, sub: str, source: str,
              description: str, source_row: Row | None, *, grade: str | None = None, kind: str = "hazard",
              control: bool | None = None, fate: str | None = None, open_state: str | None = None,
              note: str | None = None) -> Draft | None:  # fmt: skip
        if found > self.w.snapshot:
            return None
        grade = grade or grade_for(self.w, problem, p)
        key = hazard_key(p, found, sub, problem)  # one hazard per key: a second finding is the first one
        if key in self.keys:
            return self.keys[key]
        description = clean_text(description)
        d = Draft(p, year, found, problem, sub, grade, source, description,
                  source_row, kind=kind, control=control, fate=fate, open_state=open_state, note=note)  # fmt: skip
        self.drafts.append(d)
        self.keys[key] = d
        return d

    # -- stage 1: self-checks ----------------------------------------------------------------------
    def self_check(self, p: Profile, year: int) -> None:
        w, rng = self.w, self.rng
        if year not in p.self_checks:
            if year == YEARS[-1] and chance(rng, 0.3):
                s1, e1 = w.stage(year, 1)
                self.after.instrument(p, year, "reminder_letter", day_between(rng, e1 - days(5), e1 + days(10)),
                                      texts.INSTRUMENT_NOTES["reminder_self_check"])  # fmt: skip
            return
        county = w.counties[p.county]
        s1, e1 = w.stage(year, 1)
        late = w.lag["coverage"] == p.county and year == YEARS[-1] and chance(rng, 0.4)
        day = day_between(rng, e1 + days(1), e1 + days(25)) if late else day_between(rng, s1, e1)
        slack = 0.15 if county.lagging[year] else 0.0
        duties = {k: chance(rng, v - slack) for k, v in DUTIES.items()}
        if p.produces:
            duties["quality_director"] = chance(rng, 0.75 - slack)
        fields = (["production"] if p.produces else []) + (["circulation"] if p.sells else [])
        points = []
        for f in fields:
            options = w.checklists.risk_points(f)
            points += sample_upto(rng, options, rng.randint(3, 5) if f == "production" else rng.randint(1, 2))
        major = (p.role == "special" and year == YEARS[-1]) or (
            not p.role and chance(rng, SELF_REPORTED_MAJOR)
        )
        sub = p.products[0]
        items = []
        for point in points:
            risk, measure = texts.RISK_POINTS[point.code]
            grade = "larger" if chance(rng, 0.1) else "general"
            items.append(dict(point_code=point.code, risk_point=risk.format(product=product_name(w, sub)),
                              measure=measure, measures_in_place=chance(rng, 0.92), grade=grade))  # fmt: skip
        description = None
        if major:
            items[0].update(grade="major", measures_in_place=chance(rng, 0.6))
            description = texts.MAJOR_RISK[fields[0]].format(product=product_name(w, sub))
        row = self.block.add(
            "self_checks",
            dict(enterprise_id=p.id, county_code=p.county, campaign_year=year, check_date=day, **duties,
                 major_risk_reported=major, major_risk_description=description,
                 note=texts.SELF_CHECK_NOTE.format(n=len(items))),
        )  # fmt: skip
        self.block.items_of[id(row)] = items
        for item in items:
            self.block.add("risk_control_items", dict(item, self_check_id=None), self_check_id=row)
        if major and description:
            control = all(i["measures_in_place"] for i in items if i["grade"] == "major")
            self.draft(p, year, day, "C99" if p.field == "seller" else "P99", sub, "self_check", description, row,
                       grade="major", kind="risk", control=control, note=texts.MOVE_NOTES["self_reported"])  # fmt: skip

    # -- stage 2: on-site inspections --------------------------------------------------------------
    def inspections(self, p: Profile, year: int) -> None:
        w, rng = self.w, self.rng
        n = pick(rng, INSPECTIONS[year])
        forced = 1 if p.role in ("special", "two_majors", "same_day_majors") else 0
        # Three major findings on two dates: last year's one, and two (of different problem types) on
        # one day of this year's first inspection — two occasions, just short of special supervision.
        same_day = 2 if p.role == "same_day_majors" and year == YEARS[-1] else 1
        cover = p.cover if year == YEARS[-1] else None
        n = max(n, forced, 1 if cover else 0)
        s2, e2 = w.stage(year, 2)
        s3, e3 = w.stage(year, 3)
        seen: set[tuple[dt.date, str]] = set()
        for k in range(n):
            if cover and k == 0:
                field_ = "production" if cover in p.makes else "circulation"
                sub = cover
            else:
                field_ = "production" if p.produces and (not p.sells or chance(rng, 0.5)) else "circulation"
                sub = rng.choice(p.makes if field_ == "production" else p.products)
            day = day_between(rng, s2, e2) if chance(rng, 0.85) else day_between(rng, s3, min(e3, w.snapshot))
            if (day, sub) in seen:
                continue
            seen.add((day, sub))
            items = w.checklists.inspection(field_)
            fails = pick(rng, FAILED_ITEMS)
            if (cover and k == 0) or (forced and k == 0):
                fails = max(fails, same_day if forced else 1)
            regime = w.catalogue.regime_on(sub, day)
            applicable = [i for i in items if regime != "无" or i.problem not in LICENCE_PROBLEMS]
            failed = sample_upto(rng, applicable, fails)
            if field_ == "production" and not p.licensed and regime == "生产许可证" and chance(rng, 0.8):
                licence_item = next(i for i in items if i.problem == "P01")
                failed = [licence_item, *[i for i in failed if i is not licence_item]]
            if forced and k == 0 and len({i.problem for i in failed}) < same_day:
                other = next(i for i in applicable if i.problem not in {f.problem for f in failed})
                failed = [*failed[:1], other, *failed[1:]]
            county = w.counties[p.county]
            row = self.block.add(
                "inspections",
                dict(enterprise_id=p.id, county_code=p.county, campaign_year=year, inspection_date=day,
                     field=field_, sub_product_code=sub, inspectors="、".join(rng.sample(county.inspectors, 2)),
                     results={i.code: i not in failed for i in items},
                     note=texts.INSPECTION_NOTE[not failed].format(n=len(failed))),
            )  # fmt: skip
            if same_day > 1 and forced and k == 0:  # the two majors first, of two problem types
                second = next(i for i in failed if i.problem != failed[0].problem)
                failed = [failed[0], second, *[i for i in failed[1:] if i is not second]]
            # Items of one problem type failed in one inspection are one finding (draft keeps the key).
            for j, item in enumerate(failed):
                grade = "major" if forced and k == 0 and j < same_day else None
                kind = "risk" if grade is None and chance(rng, RISK_KIND_SHARE) else "hazard"
                control = chance(rng, 0.6) if kind == "risk" else None
                self.draft(p, year, day, item.problem, sub, "inspection", describe(w, item.problem, sub), row,
                           grade=grade, kind=kind, control=control)  # fmt: skip

    def other_source(self, p: Profile, year: int) -> None:
        w, rng = self.w, self.rng
        problem = rng.choice(("C03", "C05", "C99") if p.field == "seller" else ("P03", "P05", "P99"))
        sub = rng.choice(p.products)
        day = day_between(rng, w.stage(year, 2)[0], w.campaigns[year].finish)
        self.draft(
            p,
            year,
            day,
            problem,
            sub,
            "other",
            texts.OTHER_HAZARD.format(what=describe(w, problem, sub)),
            None,
        )

    # -- spot checks -------------------------------------------------------------------------------
    def spot_checks(self, year: int) -> None:
        w, rng = self.w, self.rng
        pools = {
            "production": [p for p in self.free if p.makes],
            "shop": [p for p in self.free if p.sells],
            "rural_market": [p for p in self.free if p.rural],
            "wholesale_market": [p for p in self.free if p.wholesale],
            "online": [p for p in self.free if p.sells] or self.free,
        }
        s1, _ = w.stage(year, 1)
        s2, _ = w.stage(year, 2)
        finish = w.campaigns[year].finish
        for _ in range(round(SPOT_RATE[year] * len(self.profiles))):
            allowed = [c for c, pool in pools.items() if pool]
            if not allowed:
                return
            channel = w.decks["channel"].draw(allowed)
            p = rng.choice(pools[channel])
            day = day_between(rng, s2, finish - days(40)) if chance(rng, 0.85) else day_between(rng, s1, s2)
            result = w.decks["online_result" if channel == "online" else "result"].draw()
            self.spot(p, year, channel, day, result)

    def spot(self, p: Profile | None, year: int, channel: str, day: dt.date, result: str, *,
             sub: str | None = None, follow_up_of: Row | None = None, sampled_by: str | None = None,
             grade: str | None = None, fate: str | None = None, open_state: str | None = None,
             follow_up: bool = True, enforcement: bool = False, local_producer: float | None = None,
             ) -> Row | None:  # fmt: skip
        """One spot-check batch and what its result calls for; None when it falls after the demo's end."""
        w, rng = self.w, self.rng
        if day > w.snapshot:
            return None
        if sub is None:
            assert p is not None
            sub = rng.choice(p.makes if channel == "production" else p.products)
        local_seller = (
            p
            if channel != "production" and p is not None and (channel != "online" or chance(rng, 0.3))
            else None
        )
        sampled = p if channel == "production" else local_seller
        county = (
            (sampled.county if sampled else None)
            or sampled_by
            or (p.county if p else self.profiles[0].county)
        )
        share = local_producer if local_producer is not None else 0.3 if local_seller else 0.25
        producer = p if channel == "production" else self._producer(sub, p, share)
        seller = local_seller if channel != "production" else None
        parties: dict[str, object] = {}
        for role, party in (("producer", producer), ("seller", seller)):
            if isinstance(party, Profile):
                parties.update({f"{role}_id": party.id, f"{role}_name": party.name, f"{role}_uscc": party.uscc,
                                f"{role}_region": None})  # fmt: skip
            elif party is not None or (role == "seller" and channel == "online"):
                name, uscc, region = party if isinstance(party, tuple) else self._outside(sub, online=True)
                parties.update(
                    {f"{role}_id": None, f"{role}_name": name, f"{role}_uscc": uscc, f"{role}_region": region}
                )
            else:
                parties.update(
                    {f"{role}_id": None, f"{role}_name": None, f"{role}_uscc": None, f"{role}_region": None}
                )
        owner = sampled or (producer if isinstance(producer, Profile) else None)
        shop = parties["seller_name"] if channel == "online" else None
        values = dict(
            batch_no=w.numbers.batch_no(county, day.year), county_code=owner.county if owner else county,
            campaign_year=year, sampled_by_county=county, sample_date=day, category_code=sub[:2],
            sub_product_code=sub, channel=channel, result=result, enterprise_id=sampled.id if sampled else None,
            **parties, follow_up_of=None, enforcement_sampling=enforcement,
            note=texts.ENFORCEMENT_SAMPLING_NOTE if enforcement else (texts.ONLINE_NOTE.format(shop=shop) if shop else None),
        )  # fmt: skip
        row = self.block.add("spot_checks", values, follow_up_of=follow_up_of)
        if result == "unqualified":
            self._unqualified(row, sampled, producer, year, day, sub, grade, fate, open_state)
        if result in ("unqualified", "refused") and sampled is not None and follow_up and not sampled.role:
            later, year_ = day + days(rng.randint(45, 120)), year
            if later > w.campaigns[year].finish - days(30) and year + 1 in w.campaigns:
                year_ = year + 1  # followed up in the next campaign, during its first two stages
                later = day_between(rng, w.stage(year_, 1)[0], w.stage(year_, 2)[1])
            if chance(rng, 0.85) and later <= w.campaigns[year_].finish - days(30):
                again = pick(rng, {"qualified": 80, "unqualified": 15, "refused": 5})
                self.spot(sampled, year_, channel, later, again, sub=sub, follow_up_of=row, follow_up=False)
        if result == "refused" and sampled is not None and chance(rng, 0.4):
            d = Draft(sampled, year, day, "C99" if channel != "production" else "P99", sub, "general", "spot_check",
                      texts.REFUSED_FACT)  # fmt: skip
            self.after.case(d, None, self.drafts, violation="other", what=texts.REFUSED_FACT,
                            day=day + days(rng.randint(5, 20)))  # fmt: skip
        return row

    def _unqualified(self, row: Row, sampled: Profile | None, producer: object, year: int, day: dt.date,
                     sub: str, grade: str | None, fate: str | None, open_state: str | None) -> None:  # fmt: skip
        w, rng = self.w, self.rng
        reported = day + days(rng.randint(20, 35))
        if reported > w.snapshot:
            return
        if sampled is not None:
            certified = w.catalogue.regime_on(sub, day) != "无"
            problem = (
                "P07"
                if row.values["channel"] == "production"
                else pick(rng, {"C04": 70, "C03": 15, "C02": 15 if certified else 0})
            )
            what = describe(w, problem, sub)
            self.draft(sampled, year, reported, problem, sub, "spot_check",
                       texts.SPOT_HAZARD.format(batch=row.values["batch_no"], what=what), row, grade=grade,
                       fate=fate, open_state=open_state)  # fmt: skip
        seller = sampled if row.values["seller_id"] is not None else None
        for role, party in (("producer", producer), ("seller", seller)):
            if row.values[f"{role}_name"]:
                self._trace(row, role, party if isinstance(party, Profile) else None, reported, year)
        if isinstance(producer, Profile):
            self.after.help(producer, year, "guidance_letter", reported + days(rng.randint(5, 20)), sub)

    def _trace(self, spot: Row, role: str, party: Profile | None, day: dt.date, year: int) -> None:
        """A two-way tracing task (see :mod:`hazardlib.tracing`) for one named party."""
        w, rng = self.w, self.rng
        v = spot.values
        target = party.id if party else None
        to = party.county if party else PREFECTURE_CODE
        state = w.decks["trace_local" if party else "trace_outside"].draw()
        done = day + days(rng.randint(2, 25))
        if done > w.snapshot:
            state = "open"
        note = recipient = None
        if state == "done":
            note = texts.TRACING_NOTES["done"].format(day=done)
        elif state == "passed_on":
            province = re.match(r".+?(省|自治区|市)", v[f"{role}_region"] or "")
            recipient = texts.TRACING_RECIPIENT.format(to=province.group(0) if province else "")
            note = texts.TRACING_NOTES["passed_on"].format(day=done, to=recipient)
        values = dict(spot_check_id=None, campaign_year=year, role=role, from_county=v["sampled_by_county"],
                      to_county=to, target_enterprise_id=target, target_name=v[f"{role}_name"],
                      target_uscc=v[f"{role}_uscc"], target_region=v[f"{role}_region"], state=state,
                      created_date=day, due=w.deadline(year, day), done_date=None if state == "open" else done,
                      note=note)  # fmt: skip
        task = self.block.add("tracing_tasks", values, spot_check_id=spot)
        if (
            recipient is not None
        ):  # passed out of the prefecture by its holder, as hazardlib.tracing.pass_on records it
            passed = dict(
                task_id=None, pass_date=done, from_county=to, to_county=None, recipient=recipient, note=None
            )
            self.block.add("tracing_passes", passed, task_id=task)

    def _producer(self, sub: str, p: Profile | None, local_share: float) -> Profile | tuple[str, str, str]:
        pool = self.w.producers_of.get(sub)
        if pool and chance(self.rng, local_share):
            for _ in range(5):  # story enterprises are never someone else's producer
                q = self.rng.choice(pool)
                if q is not p and not q.role:
                    return q
        return self._outside(sub)

    def _outside(self, sub: str, online: bool = False) -> tuple[str, str, str]:
        """A producer or online shop outside the prefecture: name, 统一社会信用代码, region."""
        w, rng = self.w, self.rng
        trade = w.trade_of[sub]
        region, city, code = texts.OUTSIDE[rng.choice(trade.origins)]
        suffix = "电子商务有限公司" if online else rng.choice(trade.producer_suffixes or ("实业有限公司",))
        return f"{city}{w.trade_name()}{suffix}", make_uscc(rng, code), region

    # -- risk signals ------------------------------------------------------------------------------
    def signals(self, year: int) -> None:
        w, rng = self.w, self.rng
        n = round(SIGNAL_RATE * len(self.profiles))
        complainers = [p for p in self.profiles if p.complaints and chance(rng, 0.6)]
        s1, _ = w.stage(year, 1)
        finish = w.campaigns[year].finish
        for i in range(n + len(complainers)):
            source = "complaint" if i >= n else w.decks["signal_source"].draw()
            p = complainers[i - n] if i >= n else rng.choice(self.profiles)
            anonymous = source in ("public_opinion", "recall") and chance(rng, 0.4)
            allowed = ["confirmed", "dismissed", "pending"]
            if year != YEARS[-1]:
                allowed.remove("pending")
            if anonymous or p.role:
                allowed.remove("confirmed")
            state = w.decks["signal_state"].draw(allowed)
            received = day_between(rng, s1, finish - days(20))
            if state == "pending":
                received = day_between(rng, w.snapshot - days(40), w.snapshot)
            verified = received + days(rng.randint(3, 20))
            if state != "pending" and verified > w.snapshot:
                state = "pending" if "pending" in allowed else "dismissed"
                verified = min(verified, w.snapshot)
            self._signal(p, year, source, state, received, verified, anonymous)

    def _signal(self, p: Profile, year: int, source: str, state: str, received: dt.date, verified: dt.date,
                anonymous: bool) -> None:  # fmt: skip
        w, rng = self.w, self.rng
        c = w.regions.county(p.county)
        sub = rng.choice(p.products)
        clue = texts.CLUE.format(
            short=c.short_name, year=received.year, n=w.numbers.next("clue", p.county, received.year)
        )
        description = texts.SIGNALS[source].format(
            product=product_name(w, sub), enterprise=p.name, clue=clue,
            where=texts.SIGNAL_SOMEWHERE.format(county=c.name) if anonymous else p.name,
        )  # fmt: skip
        values = dict(county_code=p.county, campaign_year=year, received_date=received, source=source,
                      description=description, enterprise_id=None if anonymous else p.id, sub_product_code=sub,
                      verification=state, verified_date=None if state == "pending" else verified, hazard_id=None)  # fmt: skip
        row = self.block.add("risk_signals", values)
        if state == "confirmed":
            problem = rng.choice(("C03", "C04", "C06") if p.field == "seller" else ("P07", "P05"))
            d = self.draft(p, year, verified, problem, sub, "risk_signal",
                           texts.SIGNAL_HAZARD.format(what=describe(w, problem, sub)), row)  # fmt: skip
            if d is not None:
                d.back_refs.append((row, "hazard_id"))

    # -- the story ---------------------------------------------------------------------------------
    def story_spot_checks(self, p: Profile) -> None:
        """Repeat offenders: unqualified twice in a row with a major hazard open on the story day;
        and, just short of it, unqualified – qualified – unqualified with a major hazard open."""
        w, rng = self.w, self.rng
        first, last = YEARS[0], YEARS[-1]
        channel = (
            "production"
            if p.makes
            else ("rural_market" if p.rural else "wholesale_market" if p.wholesale else "shop")
        )
        sub = p.makes[0] if p.makes else p.products[0]
        s1, e1 = w.stage(last, 1)
        s2, _ = w.stage(last, 2)
        story = w.story_day
        if p.role == "repeat_offender":
            if chance(rng, 0.5):
                year, day = (
                    first,
                    day_between(rng, w.stage(first, 2)[0], w.campaigns[first].finish - days(20)),
                )
            else:
                year, day = last, day_between(rng, s1, s1 + days(25))
            state = rng.choice(("ordered", "refused"))
            u1 = self.spot(p, year, channel, day, "unqualified", sub=sub, grade="major", fate="open",
                           open_state=state, follow_up=False)  # fmt: skip
            again = day_between(rng, max(day + days(45), s1), story - days(40))
            u2 = self.spot(p, last, channel, again, "unqualified", sub=sub, follow_up_of=u1, follow_up=False)
            if chance(rng, 0.5):
                batches = [u for u in (u1, u2) if u is not None]
                self.interviews.append((p, story + days(rng.randint(1, 30)), batches))
        else:
            day = day_between(rng, w.stage(first, 2)[0], dt.date(first, 9, 30))
            u1 = self.spot(p, first, channel, day, "unqualified", sub=sub, follow_up=False)
            self.spot(
                p,
                last,
                channel,
                day_between(rng, s1, e1),
                "qualified",
                sub=sub,
                follow_up_of=u1,
                follow_up=False,
            )
            day3 = day_between(rng, s2, story - days(36))
            # Made by a producer of the prefecture where there is one: it gets a guidance letter (帮扶).
            self.spot(p, last, channel, day3, "unqualified", sub=sub, grade="major", fate="open",
                      open_state="ordered", follow_up=False, local_producer=1.0)  # fmt: skip
