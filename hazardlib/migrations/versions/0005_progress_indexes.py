"""progress indexes: the tracker's county progress counted from indexes alone at province scale

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 14:00:00

:func:`hazardlib.stages.county_progress` reads each hazard of a campaign year found by a date with its
county, then each one's latest event (its state), its latest deadline, and whether it was closed in the
window or escalated. With the hazards indexed by (campaign_year, found_date, county_code) and the events
by (hazard_id, event_date, id, move, to_state, deadline), none of that reads a table row. Each new index
widens one of 0004 and earlier, which it replaces.
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_hazards_year_found_county", "hazards", ["campaign_year", "found_date", "county_code"])
    op.drop_index("ix_hazards_year_found", table_name="hazards")
    op.create_index(
        "ix_hazard_events_hazard_state",
        "hazard_events",
        ["hazard_id", "event_date", "id", "move", "to_state", "deadline"],
    )
    op.drop_index("ix_hazard_events_hazard_date", table_name="hazard_events")


def downgrade() -> None:
    op.create_index("ix_hazard_events_hazard_date", "hazard_events", ["hazard_id", "event_date", "id"])
    op.drop_index("ix_hazard_events_hazard_state", table_name="hazard_events")
    op.create_index("ix_hazards_year_found", "hazards", ["campaign_year", "found_date"])
    op.drop_index("ix_hazards_year_found_county", table_name="hazards")
