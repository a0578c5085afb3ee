"""spot checks counted by channel from their index alone

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 11:50:00

The results list counts spot-check batches per county by sampling channel (抽样环节: production,
circulation, online, rural market), by result and by follow-up. The index ``ix_spot_checks_counted`` of
migration 0011 held the county, the date, the result and the follow-up but not the channel (the channel
figures came later), so the database read every batch of the window from the table, one seek each. With
the channel in the index the part is one covering range per county. The downgrade restores the index of
migration 0011.
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

OLD = ("registered_county", "sample_date", "result", "follow_up_of")
NEW = ("registered_county", "sample_date", "channel", "result", "follow_up_of")


def upgrade() -> None:
    op.drop_index("ix_spot_checks_counted", table_name="spot_checks")
    op.create_index("ix_spot_checks_counted", "spot_checks", list(NEW))


def downgrade() -> None:
    op.drop_index("ix_spot_checks_counted", table_name="spot_checks")
    op.create_index("ix_spot_checks_counted", "spot_checks", list(OLD))
