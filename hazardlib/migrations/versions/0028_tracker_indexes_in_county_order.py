"""the tracker's covering indexes in county order

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 12:05:00

The tracker counts a campaign year's hazards (in their state at a date) and inspections in a window by
county. Its two covering indexes, of migrations 0005, 0010 and 0011, held the year, then the date, then the
county: the database read the window in date order and sorted every row by county for the GROUP BY (at 1M
hazards, 447,000 hazards and 400,000 inspections). With the county before the date each county is one range
of the index, read in the order GROUP BY wants and with no sort; the writes keep the same two index entries.
The hazards' index also carries the plain path and its milestone dates of migration 0027, which the ledger at
a date reads for the hazards changed after it: without them each such hazard was read from the table. ``ix_hazards_year_found_county`` becomes ``ix_hazards_year_county_found``;
``ix_inspections_progress`` keeps its name. The downgrade restores the indexes of migrations 0010 and 0011.
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

SPAN = ["span_date", "span_state", "span_deadline"]
# The plain path and its milestone dates (migration 0027): the state at a date of a hazard changed after it
# but on the plain path is read from the index too.
PLAIN = ["plain_path", "ordered_date", "deadline", "rectified_date", "reinspected_date", "closed_date"]
HAZARDS_OLD = ("ix_hazards_year_found_county", ["campaign_year", "found_date", "county_code", *SPAN])
HAZARDS_NEW = ("ix_hazards_year_county_found", ["campaign_year", "county_code", "found_date", *SPAN, *PLAIN])
INSPECTIONS_OLD = ["campaign_year", "inspection_date", "county_code", "field"]
INSPECTIONS_NEW = ["campaign_year", "county_code", "inspection_date", "field"]


def upgrade() -> None:
    op.drop_index(HAZARDS_OLD[0], table_name="hazards")
    op.create_index(HAZARDS_NEW[0], "hazards", HAZARDS_NEW[1])
    op.drop_index("ix_inspections_progress", table_name="inspections")
    op.create_index("ix_inspections_progress", "inspections", INSPECTIONS_NEW)


def downgrade() -> None:
    op.drop_index("ix_inspections_progress", table_name="inspections")
    op.create_index("ix_inspections_progress", "inspections", INSPECTIONS_OLD)
    op.drop_index(HAZARDS_NEW[0], table_name="hazards")
    op.create_index(HAZARDS_OLD[0], "hazards", HAZARDS_OLD[1])
