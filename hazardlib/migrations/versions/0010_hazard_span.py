"""hazard span: each hazard row carries the span of its latest event, so that the state at a date reads
the hazard's index entry and touches its events only when it changed after that date

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 22:20:00

Each hazard gets ``span_date``, ``span_state`` and ``span_deadline``: the date, to-state and held deadline of
its latest event in ledger order (event date, then id; NULL when it has none), filled here from the events by
plain SQL. The state of a hazard at a date D on or after ``span_date`` is ``span_state`` with no event read
(:func:`hazardlib.figures.ledger_at`). The two covering indexes through which the results list and the
tracker read a year's or a county's hazards are widened by the three columns, and the events get an index by
move and date (the hazards with a closing or an escalation in a window, read once as a set). The downgrade
restores 0009's indexes and drops the columns and the new index.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SPAN = ["span_date", "span_state", "span_deadline"]
INDEXES = {
    "ix_hazards_year_found_county": ["campaign_year", "found_date", "county_code"],
    "ix_hazards_enterprise_figures": [
        "enterprise_id", "found_date", "kind", "grade", "source", "source_id", "campaign_year",
    ],
}  # fmt: skip

# The span of every hazard from its events (the same SQL as hazardlib.figures.mend_shape, written out here
# so that the migration does not depend on live code).
LATEST = """(SELECT l.{column} FROM hazard_events AS l WHERE l.hazard_id = hazards.id
  ORDER BY l.event_date DESC, l.id DESC LIMIT 1)"""
FILL = "UPDATE hazards SET " + ", ".join(
    f"{span} = {LATEST.format(column=column)}"
    for span, column in zip(SPAN, ["event_date", "to_state", "held_deadline"], strict=True)
)


def upgrade() -> None:
    op.add_column("hazards", sa.Column("span_date", sa.Date(), nullable=True))
    op.add_column("hazards", sa.Column("span_state", sa.String(length=16), nullable=True))
    op.add_column("hazards", sa.Column("span_deadline", sa.Date(), nullable=True))
    op.execute(FILL)
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="hazards")
        op.create_index(name, "hazards", [*columns, *SPAN])
    op.create_index("ix_hazard_events_move", "hazard_events", ["move", "event_date", "hazard_id"])


def downgrade() -> None:
    op.drop_index("ix_hazard_events_move", table_name="hazard_events")
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="hazards")
        op.create_index(name, "hazards", columns)
    with op.batch_alter_table("hazards") as batch:
        for column in reversed(SPAN):
            batch.drop_column(column)
