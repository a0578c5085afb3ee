"""Random draws the demo needs, all from one seeded ``random.Random`` (never the global one)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Collection, Mapping, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class Deck(Generic[T]):
    """Draws values by weight, but deals every value once before repeating any weighted draw.

    A small demo (scale 0.05) still shows every state, channel and result: the first draws that a
    value is allowed in go to values not yet dealt, in a shuffled order; after that, draws follow the
    weights.
    """

    def __init__(self, rng: random.Random, weights: Mapping[T, float]):
        self.rng = rng
        self.values = list(weights)
        self.weights = [weights[v] for v in self.values]
        self.undealt = list(self.values)
        rng.shuffle(self.undealt)

    def draw(self, allowed: Collection[T] | None = None, weights: Mapping[T, float] | None = None) -> T:
        """One value (from ``allowed`` only, when given), with ``weights`` overriding the deck's own."""
        for value in self.undealt:
            if allowed is None or value in allowed:
                self.undealt.remove(value)
                return value
        values = self.values if allowed is None else [v for v in self.values if v in allowed]
        if not values:
            raise ValueError("no value allowed")
        own = dict(zip(self.values, self.weights, strict=True))
        w = [(weights or own).get(v, own[v]) for v in values]
        return self.rng.choices(values, weights=w)[0]


def pick(rng: random.Random, weights: Mapping[T, float]) -> T:
    """One key of ``weights``, drawn by weight."""
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def day_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day from ``start`` to ``end`` inclusive (``start`` when the range is empty)."""
    span = (end - start).days
    return start if span <= 0 else start + dt.timedelta(days=rng.randint(0, span))


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def sample_upto(rng: random.Random, items: Sequence[T], k: int) -> list[T]:
    """Up to ``k`` distinct items, in their original order."""
    if k >= len(items):
        return list(items)
    chosen = sorted(rng.sample(range(len(items)), k))
    return [items[i] for i in chosen]
