"""figures by shape: each ledger event carries the days its state held; the running counts go

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 21:00:00

Every figure of the results list, the tracker and the rules is one SQL definition over the store
(:mod:`hazardlib.figures`); the running counts of 0006 (``figure_counts``) are dropped. So that “the state
of a hazard at a date” is a range predicate rather than a replay of its events, each event gets
``until_date`` (the date of the hazard's next event in ledger order — event date, then id — NULL for its
latest) and ``held_deadline`` (the deadline in force while its state holds), filled here from the events
by plain SQL, and the events' covering index is widened by both (``ix_hazard_events_span`` replaces
``ix_hazard_events_hazard_state`` of 0005); hazards, self-checks and inspections get covering indexes
through which the results list reads a county's records by their enterprises. The downgrade restores 0006's empty table and index (its
counts are not made again: ``hazard recount`` went with them) and drops the columns.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OLD_INDEX = ["hazard_id", "event_date", "id", "move", "to_state", "deadline"]
SPAN_INDEX = [*OLD_INDEX, "until_date", "held_deadline"]
# Covering indexes through which the results list reads a county's records by their enterprises.
FIGURE_INDEXES = {
    "ix_hazards_enterprise_figures": (
        "hazards",
        ["enterprise_id", "found_date", "kind", "grade", "source", "source_id", "campaign_year"],
    ),
    "ix_self_checks_enterprise_figures": (
        "self_checks",
        ["enterprise_id", "check_date", "major_risk_reported"],
    ),
    "ix_inspections_enterprise_figures": ("inspections", ["enterprise_id", "inspection_date", "field"]),
}

# The shape of every event from its hazard's events (the same SQL as hazardlib.figures.mend_shape, written
# out here so that the migration does not depend on live code).
FILL = """
UPDATE hazard_events SET
  until_date = (
    SELECT MIN(n.event_date) FROM hazard_events AS n
    WHERE n.hazard_id = hazard_events.hazard_id
      AND (n.event_date > hazard_events.event_date
           OR (n.event_date = hazard_events.event_date AND n.id > hazard_events.id))),
  held_deadline = (
    SELECT p.deadline FROM hazard_events AS p
    WHERE p.hazard_id = hazard_events.hazard_id AND p.deadline IS NOT NULL
      AND (p.event_date < hazard_events.event_date
           OR (p.event_date = hazard_events.event_date AND p.id <= hazard_events.id))
    ORDER BY p.event_date DESC, p.id DESC LIMIT 1)
"""


def upgrade() -> None:
    op.drop_index("ix_figure_counts_covering", table_name="figure_counts")
    op.drop_table("figure_counts")
    op.execute("DELETE FROM store_meta WHERE key = 'figure_counts_terms'")
    op.add_column("hazard_events", sa.Column("until_date", sa.Date(), nullable=True))
    op.add_column("hazard_events", sa.Column("held_deadline", sa.Date(), nullable=True))
    op.execute(FILL)
    op.create_index("ix_hazard_events_span", "hazard_events", SPAN_INDEX)
    op.drop_index("ix_hazard_events_hazard_state", table_name="hazard_events")
    for name, (table, columns) in FIGURE_INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _) in FIGURE_INDEXES.items():
        op.drop_index(name, table_name=table)
    op.create_index("ix_hazard_events_hazard_state", "hazard_events", OLD_INDEX)
    op.drop_index("ix_hazard_events_span", table_name="hazard_events")
    with op.batch_alter_table("hazard_events") as batch:
        batch.drop_column("held_deadline")
        batch.drop_column("until_date")
    op.create_table(
        "figure_counts",
        sa.Column("anchor", sa.Date(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("figure", sa.String(length=40), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("anchor", "day", "county_code", "figure", name=op.f("pk_figure_counts")),
    )
    op.create_index(
        "ix_figure_counts_covering", "figure_counts", ["anchor", "day", "county_code", "figure", "n"]
    )
