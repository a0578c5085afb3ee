"""The results list's ledger read by county, kind and plain path

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 18:10:00

The results list counts the hazards of its window by county in their state at its date, in arms
(hazardlib.figures.ledger_arms): the hazards whose state is read from their row (in their current span,
or on a plain path, migration 0027) and the others, changed after the date, whose holding event is sought.
``ix_hazards_counted`` held them by county and date, so each arm read every hazard of the window and kept
its own (at 1M hazards, 447,000 entries twice, for 12,800 hazards off the plain path), and every figure
tested the kind of each entry (the major risks reported in self-checks are counted with the hazards).
It now holds them by county, kind and plain path before the date: the hazards on a plain path, those off it
and the risks are each one range per county, in the order of the GROUP BY by county. The downgrade
restores the order of migration 0027.
"""

from __future__ import annotations

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

SPAN = ["span_date", "span_state", "span_deadline"]
MILESTONES = ["ordered_date", "deadline", "rectified_date", "reinspected_date", "closed_date"]
COUNTED_OLD = ["registered_county", "found_date", "kind", "grade", "source", *SPAN, "plain_path", *MILESTONES]
COUNTED_NEW = ["registered_county", "kind", "plain_path", "found_date", "grade", "source", *SPAN, *MILESTONES]


def upgrade() -> None:
    op.drop_index("ix_hazards_counted", table_name="hazards")
    op.create_index("ix_hazards_counted", "hazards", COUNTED_NEW)


def downgrade() -> None:
    op.drop_index("ix_hazards_counted", table_name="hazards")
    op.create_index("ix_hazards_counted", "hazards", COUNTED_OLD)
