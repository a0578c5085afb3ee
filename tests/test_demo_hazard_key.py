"""The demo's hazards keep the ledger's key: a finding an enforcement case turns up on a key another
finding holds is that finding (the 1M demo had one twice: an inspection's and a case's, one key)."""

from __future__ import annotations

import datetime as dt

from hazardlib.demo import aftermath
from hazardlib.demo.aftermath import Aftermath, Draft
from hazardlib.demo.rows import Block
from hazardlib.demo.sampling import days
from hazardlib.demo.world import World

FILED = dt.date(2024, 7, 10)  # the case's filing date; its finding is found 3 to 15 days later


def turned_up(held_product: str | None) -> list[Draft]:
    """The drafts a case adds when every day its finding may fall on holds the key (with ``held_product``)."""
    world = World(7, 0.01)
    p, _ = next(world.enterprises())
    p.id = 1
    sub = p.products[0]
    d = Draft(p, 2024, dt.date(2024, 7, 1), "C05", sub, "general", "inspection", "所售产品无进货票据")
    held = [
        Draft(p, 2024, FILED + days(k), "C05", held_product or sub, "general", "inspection", "同一问题")
        for k in range(3, 16)
    ]
    after = Aftermath(world, Block())
    after.keys.update(h.key for h in [d, *held])
    drafts = [d, *held]
    after.case(d, after.block.add("hazards", {}), drafts, day=FILED)
    return drafts[len(held) + 1 :]


def test_a_finding_a_case_turns_up_on_a_held_key_is_not_drafted_and_on_another_product_it_is(monkeypatch):
    monkeypatch.setattr(aftermath, "ENFORCEMENT_FINDS", 1.0)  # every case turns one up
    assert turned_up(None) == []
    (found,) = turned_up("99-99")  # just short: the days are held for another product
    assert found.source == "enforcement" and found.problem == "C05" and 3 <= (found.found - FILED).days <= 15
