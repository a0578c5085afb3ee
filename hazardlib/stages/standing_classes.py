"""Classified supervision (分类监管): the standing classes of enterprises — key supervision (重点监管) and
special supervision (特别监管) — over this campaign and the ones before it in the plan's window."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import sqlalchemy as sa

from .. import schema
from ..campaign import Campaign, load_campaign
from ..errors import CampaignNotFound
from ..regions import load_regions

ENT = schema.enterprises
H = schema.hazards


def campaign_years(campaign: Campaign) -> tuple[int, ...]:
    """近N年隐患排查治理行动: the campaigns of ``campaign``'s year and the ``special_supervision_window_years``
    − 1 years before it (for N = 2: this year's and last year's), oldest first."""
    years = int(campaign.parameter("special_supervision_window_years"))
    return tuple(range(campaign.year - years + 1, campaign.year + 1))


def in_campaign(year: int, as_of: dt.date) -> Any:
    """SQL: the hazard was found in the campaign of ``year``: of that campaign year and dated in its
    window (:meth:`hazardlib.campaign.Campaign.window`), by the as-of date. A year without a campaign
    calendar (history) has no window start: every finding of that year by the as-of date counts."""
    terms = [H.c.campaign_year == year, H.c.found_date <= as_of]
    with contextlib.suppress(CampaignNotFound):
        terms.append(H.c.found_date >= load_campaign(year).start)
    return sa.and_(*terms)


def class_terms(campaign: Campaign, as_of: dt.date) -> tuple[Any, Any, tuple[int, ...], int]:
    """SQL conditions on a hazard: a major finding in the campaigns of special supervision, a larger or
    major finding of this campaign by the as-of date; and those campaigns' years and the occasions that
    make an enterprise special."""
    need = int(campaign.parameter("special_supervision_major_risks"))
    years = campaign_years(campaign)
    in_window = sa.and_(H.c.grade == "major", sa.or_(*(in_campaign(y, as_of) for y in years)))
    this_year = sa.and_(H.c.grade.in_(("larger", "major")), in_campaign(campaign.year, as_of))
    return in_window, this_year, years, need


def classified(
    campaign: Campaign, as_of: dt.date, county: str | None = None, enterprise_id: int | None = None
) -> sa.Subquery:
    """SQL: every enterprise (of ``county``, else all) under classified supervision (分类监管) at ``as_of``,
    one row each (the one definition, read by the rules, the results list, the inspection ranking and the
    enterprise pages):
    enterprise_id, county_code (the enterprise's), majors (*occasions*: days on which a major finding was
    made in the campaigns of this year and last), current (larger or major findings of this campaign),
    class ('special' with at least ``special_supervision_major_risks`` occasions, else 'key' with a
    current one). An occasion is a day: however many major findings one day's inspection (or several
    that day) records, the enterprise was found with a major risk once that day (docs/rules.md “分类监管”).
    ``enterprise_id``: that enterprise alone."""
    in_window, this_year, years, need = class_terms(campaign, as_of)
    only = [] if enterprise_id is None else [H.c.enterprise_id == enterprise_id]
    # The enterprise's county is the one its findings carry (``registered_county``, kept with the
    # enterprise: hazardlib.figures.mend_counties), so the findings are read from the index
    # ix_hazards_classified alone (county, enterprise, date, year, grade; the larger and major findings only)
    # with no seek into the enterprises: one range per county (an enterprise: one seek), read in the order
    # of the GROUP BY, so that no temporary B-tree sorts the findings. The grades are written out as the
    # index's condition is (schema.CLASSIFIED_FINDINGS): a database uses a partial index only for a query
    # whose condition it can see implies the index's. The range holds the county's larger and major findings
    # of every year; the campaign years are picked from the index entries.
    counties = [county] if county is not None else [c.code for c in load_regions().counties]
    per_enterprise = (
        sa.select(
            H.c.enterprise_id,
            H.c.registered_county.label("county_code"),
            sa.func.count(sa.distinct(sa.case((in_window, H.c.found_date)))).label("majors"),
            sa.func.count(sa.case((this_year, 1))).label("current"),
        )
        # The counts' own conditions pick the findings within those ranges (a finding meeting neither counts
        # in neither, and an enterprise without counted findings has no class): an OR of the two here would
        # lead SQLite to the year index and a table read per finding. Both conditions name one of ``years``
        # (class_terms), so the year range drops no finding either counts; each is of a major finding or of
        # this campaign's year, so neither counts the larger findings of the years before, which are left
        # out of the groups as the index entries are read (docs/benchmarks.md).
        .where(
            H.c.registered_county.in_(counties),
            H.c.campaign_year.in_(years),
            H.c.grade.in_([sa.literal(g, literal_execute=True) for g in schema.CLASSIFIED_GRADES]),
            sa.or_(H.c.grade == "major", H.c.campaign_year == campaign.year),
            *only,
        )
        .group_by(H.c.registered_county, H.c.enterprise_id)
        .subquery("per_enterprise")
    )
    cls = sa.case(
        (per_enterprise.c.majors >= need, "special"), (per_enterprise.c.current > 0, "key"), else_=None
    )
    return sa.select(per_enterprise, cls.label("class")).where(cls.is_not(None)).subquery("classified")
