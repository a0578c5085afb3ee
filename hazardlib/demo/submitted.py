"""The demo's packages for the first report deadline of the last campaign (20 August 2024), through the same
path a county's page takes (:func:`hazardlib.exports.package.submit_package`, each county acting as itself;
the prefecture's reviewer returning or approving): by 15 September most counties are approved, one was
returned with a comment and has not resubmitted, one submitted late (and was approved), and one — the county
that neither adopted a plan nor got its enterprises to self-check — has not submitted at all.

The later deadlines have no demo packages: the demo's story stops at that mix.
"""

from __future__ import annotations

import datetime as dt
import random

from ..campaign import add_working_days
from ..exports.package import submit_package
from ..holidays import is_working_day
from ..store import Store
from ..submissions import Upload, approve, return_package
from . import texts
from .world import YEARS, World

REVIEWER = "州局审核员（演示）"
CLERK = "{county}报送员（演示）"
RETURN_COMMENT = {"results_list": "成果清单中隐患整改数与整改台账不一致，请核实后重新报送"}


def cover_pdf(county: str, deadline: dt.date) -> bytes:
    """A one-page PDF standing in for the stamped cover's scan (the checks read its first bytes)."""
    title = f"{county} {deadline.isoformat()}".encode("unicode_escape")
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
        b"% " + title + b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def _working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    return [d for d in days if is_working_day(d)]


def _at(rng: random.Random, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randint(0, 59)))


def submit_demo_packages(store: Store, world: World) -> int:
    """Submit and review the 20 August packages of the last campaign (see the module); returns how many."""
    rng = random.Random(f"{world.seed}-submissions")
    year = YEARS[-1]
    deadline = world.campaigns[year].deadlines[0].day
    missing, late, returned = world.lag["coverage"], world.lag["closure"], world.lag["behind"]
    reviewer = Store(store.url, user=REVIEWER)
    done = 0
    try:
        for code in world.counties:
            if code == missing:
                continue
            name = world.regions.county(code).name
            if code == late:
                day = add_working_days(deadline, rng.randint(2, 4))
            else:
                day = rng.choice(_working_days(deadline - dt.timedelta(days=6), deadline))
            clerk = Store(store.url, user=CLERK.format(county=name), county=code)
            try:
                scan = Upload(texts.COVER_SCAN.format(county=name), cover_pdf(code, deadline))
                submit_package(clerk, code, deadline, as_of=day, at=_at(rng, day), scan=scan)
            finally:
                clerk.dispose()
            review = _at(rng, add_working_days(max(day, deadline), rng.randint(1, 4)))
            if code == returned:
                return_package(reviewer, code, deadline, RETURN_COMMENT, at=review)
            else:
                approve(reviewer, code, deadline, at=review)
            done += 1
    finally:
        reviewer.dispose()
    return done
