"""The work plan's rules, each a small function over queries of the store at an as-of date.

A rule returns *findings*: what must happen next, for whom, why, by when, and the records behind it.
Rules rebuild the state of every record at the as-of date (events and records dated after it are
ignored), so the same store answers for any day of the campaign. Where the action a rule asks for is
already recorded (an interview held after the trigger, tracing tasks created, a follow-up spot check
done, a guidance letter sent…), the rule does not fire; ``docs/rules.md`` says, rule by rule, what
counts as done. Thresholds and windows come from the campaign's ``[parameters]``.

Rule ids are stable snake_case strings (the ``rule`` of every finding, documented in docs/rules.md).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ..campaign import Campaign, campaign_at
from ..errors import OutOfScope
from ..regions import load_regions
from ..store import PREFECTURE_CODE, Store


@dataclass(frozen=True)
class RuleFinding:
    """One thing that must happen next: who (county, subject), what (action), by when (due), why."""

    rule: str
    county_code: str
    subject: str
    action: str
    message: str
    due: dt.date | None = None
    records: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    enterprise_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The finding as JSON-ready values (dates as ISO strings, records as {table: [ids]})."""
        return {
            "rule": self.rule,
            "county_code": self.county_code,
            "subject": self.subject,
            "enterprise_id": self.enterprise_id,
            "action": self.action,
            "due": self.due.isoformat() if self.due else None,
            "records": {table: list(ids) for table, ids in self.records.items()},
            "message": self.message,
        }


@dataclass
class Context:
    """What every rule reads: the store, an open connection, the as-of date, the campaign of that date
    and the county asked for (None: the whole prefecture)."""

    store: Store
    conn: sa.Connection
    as_of: dt.date
    campaign: Campaign
    county: str | None
    cache: dict[str, Any] = field(default_factory=dict)
    """Results several rules share within one run (e.g. the counties' progress)."""

    def param(self, name: str) -> Any:
        """A campaign parameter (KeyError with a Chinese message when missing)."""
        return self.campaign.parameter(name)

    def in_county(self, column: Any) -> list[Any]:
        """The SQL conditions limiting ``column`` (a county code) to the county asked for, if any."""
        return [] if self.county is None else [column == self.county]

    def county_name(self, code: str) -> str:
        return load_regions().name_of(code)


Check = Callable[[Context], list[RuleFinding]]


@dataclass(frozen=True)
class Rule:
    """A rule of the plan: its id, Chinese title, where it is in the plan, the sentence it implements."""

    id: str
    title: str
    measure: str
    quote: str
    check: Check
    standing: bool = False
    """A standing class an enterprise is in (重点监管, 特别监管), listed for as long as it holds: a state
    with consequences, not a to-do — not counted among a county's pending items."""
    dated: bool = False
    """Its findings can carry a due date (:attr:`RuleFinding.due`): only these can be due this week (the
    landing page's to-do list runs only these, :func:`run_all`'s ``dated``)."""


RULES: dict[str, Rule] = {}
"""Every rule by id, in the order of the plan (the order findings are listed in)."""


def rule(
    rule_id: str, title: str, measure: str, quote: str, *, standing: bool = False, dated: bool = False
) -> Callable[[Check], Check]:
    """Register a rule function under ``rule_id`` (``standing``: it lists a standing class, see
    :attr:`Rule.standing`; ``dated``: its findings can carry a due date, see :attr:`Rule.dated`)."""

    def register(fn: Check) -> Check:
        if rule_id in RULES:
            raise ValueError(f"规则编号重复：{rule_id}")
        RULES[rule_id] = Rule(rule_id, title, measure, quote, fn, standing, dated)
        return fn

    return register


def rule_context(store: Store, conn: sa.Connection, as_of: dt.date, county: str | None) -> Context:
    wanted = None if county in (None, "", PREFECTURE_CODE) else str(county)
    if wanted is not None:
        load_regions().county(wanted)  # UnknownCounty for a code that is not one of ours
    if store.county is not None:
        if wanted is not None and wanted != store.county:
            raise OutOfScope(store.county, wanted)
        wanted = store.county
    return Context(store, conn, as_of, campaign_at(as_of), wanted)


def _order(findings: Iterable[RuleFinding]) -> list[RuleFinding]:
    return sorted(findings, key=lambda f: (f.county_code, f.due or dt.date.max, f.subject, f.message))


def run_rule(rule_id: str, store: Store, as_of: dt.date, county: str | None = None) -> list[RuleFinding]:
    """The findings of one rule at ``as_of`` (KeyError for an unknown id)."""
    with store.read() as conn:
        return _order(RULES[rule_id].check(rule_context(store, conn, as_of, county)))


def is_to_do(finding: RuleFinding) -> bool:
    """Whether the finding is something to be done (not a standing class, :attr:`Rule.standing`)."""
    return not (finding.rule in RULES and RULES[finding.rule].standing)


def run_all(
    store: Store, as_of: dt.date, county: str | None = None, *, dated: bool = False
) -> list[RuleFinding]:
    """The findings of every rule at ``as_of``, for ``county`` (default: the session's, or all); ``dated``: of
    the rules whose findings can carry a due date only (:attr:`Rule.dated`), for a list of what is due soon.

    Raises UnknownCounty, OutOfScope (a county session asking for another county) or CampaignNotFound.
    """
    out: list[RuleFinding] = []
    with store.read() as conn:
        ctx = rule_context(store, conn, as_of, county)
        for r in RULES.values():
            if r.dated or not dated:
                out.extend(_order(r.check(ctx)))
    return out


# Importing the modules registers their rules, in the order of the plan.
_MODULES = (
    "handling",
    "escalation",
    "spot_checks",
    "enforcement",
    "supervision",
    "signals",
    "oversight",
    "reporting",
)
for _name in _MODULES:
    importlib.import_module(f"{__name__}.{_name}")

__all__ = ["RULES", "Context", "Rule", "RuleFinding", "is_to_do", "rule", "run_all", "run_rule"]
