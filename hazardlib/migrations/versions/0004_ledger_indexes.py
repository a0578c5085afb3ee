"""ledger indexes: each hazard's events by date, for the ledger at a date at province scale

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 13:00:00

:func:`hazardlib.ledger.ledger_at` finds every hazard's latest event on or before a date; with the events
indexed by (hazard_id, event_date, id) that is one seek per hazard instead of a sort of its events.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_hazard_events_hazard_date", "hazard_events", ["hazard_id", "event_date", "id"])


def downgrade() -> None:
    op.drop_index("ix_hazard_events_hazard_date", table_name="hazard_events")
