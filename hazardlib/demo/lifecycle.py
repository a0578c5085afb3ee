"""The life of each demo hazard on the rectification ledger: its fate, its dated moves, its row.

Moves follow :mod:`hazardlib.ledger` exactly (a move the ledger would refuse is a bug here), and the
hazard row's state and dates are what :func:`hazardlib.ledger.apply_move` would have left after the
same moves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..ledger import allowed_moves
from . import texts
from .sampling import chance, day_between, days
from .world import CountyProfile, World

MIN_CYCLE = {"general": (0, 5), "larger": (5, 12), "major": (10, 20)}
"""Days from finding to close-out at the quickest, by grade (a general hazard may be fixed on the spot)."""
LATE_SHARE = {2023: 0.85, 2024: 0.4}
"""Of the hazards not closed by the finish, the share closed later (the rest are still open)."""


@dataclass(slots=True)
class Move:
    """One dated move of the ledger."""

    move: str
    day: dt.date
    from_state: str | None
    to_state: str
    deadline: dt.date | None = None
    outcome: str | None = None
    note: str | None = None


@dataclass
class Life:
    """A hazard's moves and what they call for besides the ledger."""

    moves: list[Move]
    interviews: list[dt.date] = field(default_factory=list)
    sampling: dt.date | None = None
    reminders: list[dt.date] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        """The hazard row's state and dates after the moves, as the ledger keeps them."""
        out: dict[str, Any] = dict(state="found", ordered_date=None, deadline=None, rectified_date=None,
                                   reinspected_date=None, closed_date=None, version=len(self.moves))  # fmt: skip
        for m in self.moves[1:]:
            out["state"] = m.to_state
            if m.to_state == "ordered" and m.deadline is not None:
                out.update(ordered_date=m.day, deadline=m.deadline, rectified_date=None)
            if m.move == "rectify":
                out["rectified_date"] = m.day
            elif m.move == "reinspect":
                out["reinspected_date"] = m.day
            elif m.move == "close":
                out["closed_date"] = m.day
            elif m.move == "look_back" and m.outcome == "reopened":
                out.update(closed_date=None, reinspected_date=None, rectified_date=None)
        return out


class _Track:
    """Moves appended in date order, never past the demo's end; refuses what the ledger refuses."""

    def __init__(self, world: World, year: int, found: dt.date, note: str | None, kind: str = "hazard"):
        self.world, self.year, self.kind = world, year, kind
        self.moves = [Move("found", found, None, "found", note=note)]
        self.state, self.last, self.stopped = "found", found, False

    def add(self, move: str, day: dt.date, to: str, *, deadline: dt.date | None = None,
            outcome: str | None = None, note: str | None = None) -> bool:  # fmt: skip
        if self.stopped:
            return False
        day = max(day, self.last)
        if day > self.world.snapshot:
            self.stopped = True
            return False
        if move not in allowed_moves(self.state, self.kind):
            raise AssertionError(f"demo ledger bug: {move} from {self.state}")
        self.moves.append(Move(move, day, self.state, to, deadline, outcome, note))
        self.state, self.last = to, day
        return True

    def order(self, day: dt.date) -> dt.date:
        deadline = self.world.deadline(self.year, max(day, self.last))
        self.add(
            "order",
            day,
            "ordered",
            deadline=deadline,
            note=texts.MOVE_NOTES["order"].format(deadline=deadline),
        )
        return deadline

    def rectify(self, day: dt.date) -> bool:
        return self.add("rectify", day, "rectified", note=texts.MOVE_NOTES["rectify"])

    def reinspect(self, day: dt.date, passed: bool) -> dt.date | None:
        if passed:
            self.add(
                "reinspect", day, "reinspected", outcome="passed", note=texts.MOVE_NOTES["reinspect_passed"]
            )
            return None
        deadline = self.world.deadline(self.year, max(day, self.last))
        note = texts.MOVE_NOTES["reinspect_failed"].format(deadline=deadline)
        self.add("reinspect", day, "ordered", deadline=deadline, outcome="failed", note=note)
        return deadline

    def escalate(self, day: dt.date, how: str) -> bool:
        return self.add("escalate", day, self.state, outcome=how, note=texts.MOVE_NOTES[how])


def choose_fate(world: World, county: CountyProfile, year: int, found: dt.date) -> str:
    """closed (by the finish), closed_late, or open, at the county's pace for the year.

    The chance of closing by the finish is steered towards the county's target by how far the hazards
    drawn so far are from it, so a county's close-out rate is near its target at any scale.
    """
    rng = world.rng
    target = county.closure[year]
    tally = world.fate_tally[(county.code, year)]
    p = min(1.0, max(0.0, target + 0.5 * (target * tally[0] - tally[1])))
    tally[0] += 1
    if found <= world.campaigns[year].finish and rng.random() < p:
        tally[1] += 1
        return "closed"
    return "closed_late" if chance(rng, LATE_SHARE.get(year, 0.4)) else "open"


def live(
    world: World,
    county: CountyProfile,
    year: int,
    found: dt.date,
    grade: str,
    *,
    fate: str,
    variant: str = "plain",
    open_state: str | None = None,
    joint: bool = False,
    measures: str | None = None,
    kind: str = "hazard",
    note: str | None = None,
) -> Life:
    """Draw the moves of one hazard found on ``found``.

    ``fate`` is closed, closed_late or open (then ``open_state`` says where it stopped); ``variant``
    adds a failed re-inspection, a refusal overcome by an interview, or a large and urgent hazard's
    concentrated action (with enforcement sampling) and look-back; ``joint`` a major risk without
    control measures, handled jointly with other departments at once; ``measures`` for a major risk (of
    ``kind`` risk) its enterprise reported without control measures: "measures" when the enterprise puts
    them in place within the days it has to resolve it, "joint" when the county records on the day that
    none are in place (and ``joint`` handles it).
    """
    rng = world.rng
    t = _Track(world, year, found, note, kind)
    life = Life(t.moves)
    if measures == "joint":
        t.add("measures", found, t.state, outcome="not_in_place", note=texts.MOVE_NOTES["no_measures"])
    if joint:
        t.escalate(found, "joint_handling")
    if measures == "measures":
        in_place = found + days(rng.randint(1, 10))
        if in_place <= world.snapshot:  # a later day would end the track before the hazard's other moves
            t.add("measures", in_place, t.state, outcome="in_place", note=texts.MOVE_NOTES["measures"])
    if fate == "open":
        _open(world, t, life, found, grade, open_state or "ordered")
        return life
    finish = world.campaigns[year].finish
    s3 = world.stage(year, 3)[0]
    lo, hi = MIN_CYCLE[grade]
    earliest = found + days(rng.randint(lo, hi))
    if fate == "closed":  # by the finish: a county clears what it found in time, if need be at speed
        earliest = min(earliest, finish)
        if found < s3 and earliest < s3 and chance(rng, county.early[year]):
            close = day_between(rng, earliest, s3 - days(1))
        else:
            close = day_between(rng, max(earliest, s3), finish)
    else:
        close = day_between(rng, max(earliest, finish + days(1)), max(world.late_limit(year), earliest))
    order = min(found + days(rng.randint(0, 2)), close)
    deadline = t.order(order)
    large = variant.startswith("large_urgent")
    if large:
        t.escalate(order, "concentrated_action")
        if variant == "large_urgent_sampling":
            life.sampling = min(order + days(rng.randint(1, 5)), close)
            t.escalate(life.sampling, "enforcement_sampling")
    span = (close - order).days
    if variant == "failed_reinspect" and span >= 6:
        r1 = day_between(rng, order, order + days(span // 3))
        t.rectify(r1)
        t.reinspect(day_between(rng, r1, order + days(span // 2)), passed=False)
        # Rectified again after the failed re-inspection's day, so that the passing one is on a later day (a
        # move is known by its hazard, kind and day: two re-inspections on one day would be one).
        rectified = day_between(rng, min(t.last + days(1), close), close)
    elif variant == "refused_then_done" and span >= 10:
        refused = day_between(rng, order + days(1), order + days(span // 3))
        t.add("refuse", refused, "refused", note=texts.MOVE_NOTES["refuse"])
        talk = refused + days(rng.randint(0, 3))
        if t.escalate(talk, "interview"):
            life.interviews.append(talk)
        t.order(day_between(rng, t.last, order + days(span // 2)))
        rectified = day_between(rng, t.last, close)
    elif close > deadline and chance(rng, 0.25):
        rectified = day_between(rng, deadline + days(1), close)  # rectified late, after a reminder
        life.reminders.append(max(order, deadline - days(rng.randint(0, 5))))
    else:
        rectified = day_between(rng, order, min(close, deadline))
    t.rectify(rectified)
    t.reinspect(day_between(rng, t.last, close), passed=True)
    t.add("close", close, "closed", note=texts.MOVE_NOTES["close"])
    if large and not t.stopped:
        _look_back(world, t, year)
    return life


def _look_back(world: World, t: _Track, year: int) -> None:
    rng = world.rng
    day = t.last + days(rng.randint(15, 40))
    outcome = world.decks["look_back"].draw()
    if outcome == "upheld":
        t.add("look_back", day, "closed", outcome="upheld", note=texts.MOVE_NOTES["upheld"])
        return
    deadline = world.deadline(year, day)
    if not t.add("look_back", day, "ordered", deadline=deadline, outcome="reopened",
                 note=texts.MOVE_NOTES["reopened"].format(deadline=deadline)):  # fmt: skip
        return
    if chance(rng, 0.5):
        done = day_between(rng, day + days(3), deadline)
        t.rectify(done)
        t.reinspect(done + days(rng.randint(1, 7)), passed=True)
        t.add("close", t.last + days(rng.randint(0, 3)), "closed", note=texts.MOVE_NOTES["close"])


def _open(world: World, t: _Track, life: Life, found: dt.date, grade: str, state: str) -> None:
    """Moves of a hazard still open at the demo's end, stopped in ``state``."""
    rng = world.rng
    if state == "found":
        return
    order = found + days(rng.randint(0, 3))
    deadline = t.order(order)
    if state == "ordered":
        if chance(rng, 0.3):
            r1 = order + days(rng.randint(5, 20))
            t.rectify(r1)
            deadline = t.reinspect(r1 + days(rng.randint(2, 10)), passed=False) or deadline
        if deadline < world.snapshot and chance(rng, 0.6):
            life.reminders.append(max(t.last, deadline - days(rng.randint(0, 5))))
        return
    if state in ("rectified", "reinspected"):
        t.rectify(day_between(rng, order + days(3), max(order + days(3), deadline)))
        if state == "reinspected":
            t.reinspect(t.last + days(rng.randint(1, 10)), passed=True)
        return
    refused = deadline + days(rng.randint(0, 10))
    t.add("refuse", refused, "refused", note=texts.MOVE_NOTES["refuse"])
    talk = refused + days(rng.randint(2, 10))
    if chance(rng, 0.7) and t.escalate(talk, "interview"):
        life.interviews.append(talk)
    if grade == "major":
        t.escalate(t.last + days(rng.randint(5, 20)), "joint_handling")
