"""instruments counted by county from their index in county order

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 09:40:00

The results list counts instruments by the county their enterprise is registered in, else (an instrument
addressed to no enterprise of the store) by their own county (hazardlib.figures.counted_county). The index
``ix_instruments_counted`` led by the issue date gave the window's instruments in date order, and the
database sorted them all again by county for the GROUP BY. Led by the registered county, it gives each
county's window as one range in GROUP BY's order, and the instruments with no enterprise's county as the
range of NULL; the list counts the two cases apart and adds them (hazardlib.figures.counted_county_cases).
The downgrade restores the index of migration 0011.
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

OLD = ("issue_date", "registered_county", "county_code", "kind")
NEW = ("registered_county", "issue_date", "kind", "county_code")


def upgrade() -> None:
    op.drop_index("ix_instruments_counted", table_name="instruments")
    op.create_index("ix_instruments_counted", "instruments", list(NEW))


def downgrade() -> None:
    op.drop_index("ix_instruments_counted", table_name="instruments")
    op.create_index("ix_instruments_counted", "instruments", list(OLD))
