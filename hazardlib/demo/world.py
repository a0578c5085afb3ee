"""The demo's prefecture: its counties (some lagging), its enterprises, and the story roles some play.

Volumes are linear in ``scale``: one unit of scale is :data:`ENTERPRISES_PER_SCALE` enterprises, and
every record kind is drawn per enterprise (or per county for county plans and oversight), so scale 1
gives about 2,000 enterprises and 5,000 hazards over the 2023 and 2024 campaigns, scale 200 about
400,000 enterprises and 1,000,000 hazards.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from faker import Faker
from faker.providers.company.zh_CN import Provider

from ..campaign import Campaign, load_campaign
from ..catalogue import Catalogue, load_catalogue
from ..checklists import Checklists, load_checklists
from ..regions import County, Regions, load_regions
from . import texts
from .ids import Numbers, ccc_certificate, licence_no, make_uscc
from .sampling import Deck, chance, day_between, days, pick, sample_upto

YEARS = (2023, 2024)
ENTERPRISES_PER_SCALE = 2000
TAIL_DAYS = 15
"""The demo's records stop this many days after the last campaign's finish (its “today”)."""

# Story roles and their share of enterprises (at least one each in a demo of 10 enterprises or more):
# repeat offenders (2 consecutive unqualified spot checks and a major hazard open on 15 September),
# special supervision (major findings on 3 occasions in 2 years) and the situations just short of it
# (two majors; three majors on two dates) and of the repeat offenders.
ROLE_SHARES = {
    "repeat_offender": 0.004,
    "special": 0.004,
    "two_majors": 0.003,
    "uqu": 0.003,
    "same_day_majors": 0.003,
}
STORY_DAY = (9, 15)
BOTH_SHARE = 0.25  # of producers that also sell from their own shop (生产销售单位)


@dataclass
class CountyProfile:
    """How a county runs the campaign in the demo: its self-check coverage and close-out pace."""

    county: County
    coverage: dict[int, float]
    closure: dict[int, float]  # share of the year's hazards closed by the campaign's finish
    early: dict[int, float]  # share of those closed before stage 3 starts
    lagging: dict[int, bool]
    plan: dict[int, str]  # "on_time", "late" or "missing"
    inspectors: list[str] = dataclasses.field(default_factory=list)
    training: dict[int, tuple[dt.date, dt.date]] = dataclasses.field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.county.code


@dataclass(slots=True)
class Profile:
    """What the generator remembers of an enterprise once its row is written."""

    index: int
    county: str
    field: str
    trade: texts.Trade
    products: tuple[str, ...]
    makes: tuple[str, ...]
    name: str
    uscc: str
    licensed: bool
    rural: bool
    wholesale: bool
    complaints: bool
    cover: str | None = None
    role: str = ""
    self_checks: set[int] = dataclasses.field(default_factory=set)
    id: int = 0

    @property
    def produces(self) -> bool:
        return self.field in ("producer", "both")

    @property
    def sells(self) -> bool:
        return self.field in ("seller", "both")


class World:
    """Everything the generator draws from: one seeded RNG and Faker, the reference data, the counties."""

    def __init__(self, seed: int, scale: float):
        self.seed, self.scale = seed, scale
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.campaigns: dict[int, Campaign] = {y: load_campaign(y) for y in YEARS}
        self.catalogue: Catalogue = load_catalogue()
        self.checklists: Checklists = load_checklists()
        self.regions: Regions = load_regions()
        last = self.campaigns[YEARS[-1]]
        self.snapshot = last.finish + days(TAIL_DAYS)
        self.story_day = dt.date(last.year, *STORY_DAY)
        self.numbers = Numbers()
        self.size = max(1, round(ENTERPRISES_PER_SCALE * scale))
        self.profiles: list[Profile] = []
        self.producers_of: dict[str, list[Profile]] = defaultdict(list)
        self.sellers_of: dict[str, list[Profile]] = defaultdict(list)
        self._usccs: set[str] = set()
        # The trade an outside producer of a sub-product belongs to: one that makes it, else one that sells it.
        self.trade_of = {code: next((t for t in texts.TRADES if code in t.makes), None)
                         or next(t for t in texts.TRADES if code in t.sells) for code in self.catalogue.sub_products}  # fmt: skip
        self.fate_tally: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])  # drawn, closed
        # Help records are unique per enterprise, kind and day, across blocks.
        self.helped: set[tuple[int, str, dt.date]] = set()
        # The campaign years with a decision not to list a case on the dishonesty list, across blocks.
        self.not_listed_years: set[int] = set()
        self.counties = self._county_profiles()
        self.staff = [self.fake.name() for _ in range(3)]  # the prefecture's quality section
        rng = self.rng
        self.decks: dict[str, Deck[Any]] = {
            "channel": Deck(rng, {"production": 3, "shop": 4, "rural_market": 2, "wholesale_market": 1, "online": 2}),
            "result": Deck(rng, {"qualified": 84, "unqualified": 13, "refused": 3}),
            "online_result": Deck(rng, {"qualified": 80, "unqualified": 20}),
            "open_state": Deck(rng, {"found": 12, "ordered": 45, "rectified": 15, "reinspected": 10, "refused": 18}),
            "variant": Deck(rng, {"plain": 91, "failed_reinspect": 4, "refused_then_done": 2, "large_urgent": 1.5,
                                  "large_urgent_sampling": 1.5}),
            "look_back": Deck(rng, {"upheld": 80, "reopened": 20}),
            "signal_source": Deck(rng, {"spot_check": 2, "licensing": 1, "enforcement": 1, "recall": 1,
                                        "complaint": 4, "public_opinion": 2}),
            "signal_state": Deck(rng, {"confirmed": 45, "dismissed": 40, "pending": 15}),
            "violation": Deck(rng, {v: 1 for v in ("unlicensed", "beyond_scope", "counterfeit", "passing_off",
                                                   "knowingly_selling_fakes", "mark_misuse", "substandard", "other")}),
            "transfer": Deck(rng, {"enforcement_team": 1, "police": 1}),
            "trace_local": Deck(rng, {"done": 70, "open": 30}),
            "trace_outside": Deck(rng, {"passed_on": 70, "open": 30}),
            "ack": Deck(rng, {"on_time": 75, "late": 12, "none": 13}),
            # A major risk an enterprise reports without control measures: it puts them in place within its
            # days to resolve it (积极化解), or the bureau handles it jointly with other departments.
            "self_reported": Deck(rng, {"measures": 60, "joint": 40}),
        }  # fmt: skip
        self._name_pool = [p for p in self._faker_prefixes() if len(p) == 2]

    # -- the calendar ------------------------------------------------------------------------------
    def stage(self, year: int, no: int) -> tuple[dt.date, dt.date]:
        s = next(s for s in self.campaigns[year].stages if s.no == no)
        return s.start, s.end

    def deadline(self, year: int, day: dt.date) -> dt.date:
        """The default rectification deadline after an order on ``day`` (campaign parameters)."""
        return self.campaigns[year].default_deadline(day)

    def param(self, year: int, name: str) -> float:
        return float(self.campaigns[year].parameter(name))

    def late_limit(self, year: int) -> dt.date:
        """The last day a hazard of ``year`` may be closed late: the demo's end, or half a year on."""
        return min(self.snapshot, self.campaigns[year].finish + days(180))

    # -- counties ----------------------------------------------------------------------------------
    def _county_profiles(self) -> dict[str, CountyProfile]:
        rng = self.rng
        counties = list(self.regions.counties)
        # Two counties lag in 2024 (one misses its plan and self-checks, one its close-out), one is a
        # little behind at the finish; one county lagged in 2023.
        lag_a, lag_b, behind = rng.sample(counties[1:], 3)
        lag_2023 = rng.choice(counties)
        out = {}
        for c in counties:
            coverage, closure, early, lagging, plan = {}, {}, {}, {}, {}
            for y in YEARS:
                need_cov = self.param(y, "lagging_self_check_coverage")
                need_close = self.param(y, "lagging_closure_rate")
                on_track = self.param(y, "on_track_closure_rate_by_stage3_end")
                slow = (y == YEARS[-1] and c in (lag_a, lag_b)) or (y == YEARS[0] and c == lag_2023)
                coverage[y] = (
                    need_cov * rng.uniform(0.6, 0.8)
                    if (y == YEARS[-1] and c == lag_a)
                    else rng.uniform(0.86, 0.97)
                )
                if slow:
                    closure[y], early[y] = need_close * rng.uniform(0.6, 0.8), 0.3
                elif y == YEARS[-1] and c == behind:
                    closure[y], early[y] = on_track - rng.uniform(0.04, 0.07), 0.68
                else:
                    closure[y], early[y] = min(0.995, on_track + rng.uniform(0.02, 0.04)), 0.74
                lagging[y] = slow
                plan[y] = (
                    "missing"
                    if (y == YEARS[-1] and c == lag_a)
                    else "late"
                    if (y == YEARS[-1] and c == lag_b)
                    else "on_time"
                )
            profile = CountyProfile(c, coverage, closure, early, lagging, plan)
            profile.inspectors = [self.fake.name() for _ in range(6 + min(54, round(4 * self.scale)))]
            for y in YEARS:
                (s1, e1), s3 = self.stage(y, 1), self.stage(y, 3)[0]
                profile.training[y] = (
                    day_between(rng, s1 + days(5), e1),
                    day_between(rng, s3 + days(5), s3 + days(40)),
                )
            out[c.code] = profile
        self.lag = {
            "coverage": lag_a.code,
            "closure": lag_b.code,
            "behind": behind.code,
            "2023": lag_2023.code,
        }
        return out

    # -- enterprises -------------------------------------------------------------------------------
    def _faker_prefixes(self) -> list[str]:
        return [p for p in Provider.company_prefixes if all("\u4e00" <= ch <= "\u9fff" for ch in p)]

    def trade_name(self) -> str:
        """A trade name (字号) of two characters."""
        if self._name_pool and chance(self.rng, 0.3):
            return str(self.fake.random_element(self._name_pool))
        a, b = self.rng.sample(texts.NAME_CHARS, 2)
        return a + b

    def enterprises(self) -> Iterator[tuple[Profile, dict[str, Any]]]:
        """Every enterprise of the demo in order: its profile and its ``enterprises`` row."""
        rng = self.rng
        by_category: dict[str, list[str]] = defaultdict(list)
        for code in self.catalogue.sub_products:
            by_category[code[:2]].append(code)
        firsts = [rng.choice(subs) for subs in by_category.values()]
        rest = [c for c in self.catalogue.sub_products if c not in firsts]
        rng.shuffle(firsts)
        rng.shuffle(rest)
        cover_queue = firsts + rest  # every category first, then every other sub-product
        county_order = [c.code for c in self.regions.counties]
        rng.shuffle(county_order)
        choices = [(t, "seller", t.seller_weight) for t in texts.TRADES if t.seller_weight]
        choices += [(t, "producer", t.producer_weight) for t in texts.TRADES if t.producer_weight and t.makes]
        for i in range(self.size):
            cover = cover_queue[i] if i < len(cover_queue) else None
            options = choices
            if cover is not None:
                options = [
                    (t, r, w) for t, r, w in choices if cover in (t.sells if r == "seller" else t.makes)
                ]
            trade, role, _ = rng.choices(options, weights=[w for _, _, w in options])[0]
            profile, row = self._enterprise(i, trade, role, cover, county_order)
            self.profiles.append(profile)
            for p in profile.makes:
                self.producers_of[p].append(profile)
            if profile.sells:
                for p in profile.products:
                    self.sellers_of[p].append(profile)
            yield profile, row

    def _enterprise(
        self, i: int, trade: texts.Trade, role: str, cover: str | None, county_order: list[str]
    ) -> tuple[Profile, dict[str, Any]]:
        rng, fake = self.rng, self.fake
        if i < len(county_order):
            county = county_order[i]
        elif role == "producer" and trade.clusters and chance(rng, 0.6):
            county = rng.choice(trade.clusters)
        else:
            county = pick(rng, texts.COUNTY_WEIGHTS)
        c = self.regions.county(county)
        field_ = (
            "seller"
            if role == "seller"
            else ("both" if trade.seller_suffixes and chance(rng, BOTH_SHARE) else "producer")
        )
        pool = trade.sells if role == "seller" else trade.makes
        picked = sample_upto(
            rng, [p for p in pool if p != cover], rng.randint(1, 3 if role == "seller" else 2)
        )
        products = tuple(sorted({*picked, *([cover] if cover else [])}))
        makes = products if role == "producer" else ()
        if role == "seller":
            suffix = rng.choice(trade.seller_suffixes)
            prefix = c.name
        else:
            suffix = rng.choice(trade.producer_suffixes)
            prefix = c.name if chance(rng, 0.65) else rng.choice(texts.PRODUCER_PREFIXES)
        name = f"{prefix}{self.trade_name()}{suffix}"
        individual = role == "seller" and suffix.endswith(texts.INDIVIDUAL_ENDINGS)
        uscc = make_uscc(rng, county, individual)
        while uscc in self._usccs:
            uscc = make_uscc(rng, county, individual)
        self._usccs.add(uscc)
        cluster = role == "producer" and (
            (county in trade.clusters and chance(rng, 0.8)) or chance(rng, 0.08)
        )
        wholesale = role == "seller" and bool(trade.market) and chance(rng, 0.25)
        rural = role == "seller" and not wholesale and chance(rng, 0.35)
        complaints = role == "seller" and chance(rng, 0.06 if trade.key in ("ebike", "gas") else 0.025)
        finish = self.campaigns[YEARS[-1]].finish
        needs = [p for p in makes if self.catalogue.regime_on(p, finish) == "生产许可证"]
        fresh = any(self.catalogue.regime_on(p, self.stage(YEARS[-1], 1)[0]) != "生产许可证" for p in needs)
        licensed = bool(needs) and chance(rng, 0.6 if fresh else 0.9)
        ccc = [ccc_certificate(rng, p[:2], rng.randint(2018, YEARS[-1]))
               for p in makes if self.catalogue.regime_on(p, finish) == "CCC"]  # fmt: skip
        row = dict(
            uscc=uscc,
            name=name,
            county_code=county,
            address=self._address(c, trade, role, cluster, rural, wholesale),
            field=field_,
            in_cluster_area=cluster,
            rural_or_fringe_shop=rural,
            wholesale_market_shop=wholesale,
            concentrated_complaints=complaints,
            licence_no=licence_no(rng, needs[0][:2]) if licensed else None,
            ccc_certificates=ccc,
            products=list(products),
            contact=texts.CONTACT.format(name=fake.name(), phone=fake.phone_number()),
        )
        profile = Profile(i, county, field_, trade, products, makes, name, uscc, licensed or not needs,
                          rural, wholesale, complaints, cover)  # fmt: skip
        return profile, row

    def _address(
        self, c: County, trade: texts.Trade, role: str, cluster: bool, rural: bool, wholesale: bool
    ) -> str:
        rng = self.rng
        number = rng.randint(1, 300)
        if role == "producer":
            if cluster:
                return texts.ADDRESS["cluster"].format(county=c.name, short=c.short_name,
                                                       street=rng.choice(texts.STREETS), number=number)  # fmt: skip
            return texts.ADDRESS["park"].format(county=c.name, short=c.short_name, zone=number)
        if rural:
            town, village = rng.sample(texts.PLACE_CHARS, 2), rng.sample(texts.PLACE_CHARS, 2)
            return texts.ADDRESS["rural"].format(county=c.name, town="".join(town), village="".join(village),
                                                 group=rng.randint(1, 9))  # fmt: skip
        if wholesale:
            return texts.ADDRESS["market"].format(county=c.name, short=c.short_name, market=trade.market,
                                                  block=rng.randint(1, 12), number=number)  # fmt: skip
        return texts.ADDRESS["street"].format(county=c.name, street=rng.choice(texts.STREETS), number=number)

    # -- after every enterprise is known -----------------------------------------------------------
    def assign_story(self) -> None:
        """Self-check quotas per county and year, and the enterprises that play the story's roles."""
        rng = self.rng
        members: dict[str, list[Profile]] = defaultdict(list)
        for p in self.profiles:
            members[p.county].append(p)
        for code, group in members.items():
            for y in YEARS:
                k = round(self.counties[code].coverage[y] * len(group))
                for p in rng.sample(group, k):
                    p.self_checks.add(y)
        if self.size < 10:
            return
        free = list(range(self.size))
        rng.shuffle(free)
        for role, share in ROLE_SHARES.items():
            for _ in range(max(1, round(share * self.size))):
                # The unqualified–qualified–unqualified producer also gets the guidance letter (帮扶) its
                # failures call for, so every kind of help is in even the smallest demo.
                makers = [i for i in free if self.profiles[i].makes] if role == "uqu" else []
                p = self.profiles[free.pop(free.index(makers[-1])) if makers else free.pop()]
                p.role = role
                if role == "special":
                    p.self_checks.add(YEARS[-1])

    def county_of_name(self, code: str) -> County:
        return self.regions.county(code)
