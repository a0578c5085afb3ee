"""the hazard's plain path read from its index; spot checks counted by channel from their index alone

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 11:50:00

The results list counts the ledger at a past date. A hazard changed after that date had its one event
holding then sought in ``hazard_events`` (135,459 seeks at 1M hazards on 15 September 2024): most of the
ledger part's time. Nine in ten of them went the plain way — found, ordered, rectified, re-inspected and
passed, closed out, each once — and the hazard row already carries the date of each of those moves
(``ordered_date``, ``deadline``, ``rectified_date``, ``reinspected_date``, ``closed_date``, written by the
ledger move), so their state at any date is the last milestone on or before it. ``hazards.plain_path``
says whether the events are exactly those milestones (hazardlib.figures, kept by the ledger move with the
span, checked by ``hazard verify``); it is filled here from the events by SQL written out in this file,
and ``ix_hazards_counted`` carries it and the milestone dates, so that only the other hazards are sought.

The results list counts spot-check batches per county by sampling channel, by result and by follow-up.
``ix_spot_checks_counted`` of migration 0011 lacked the channel (the channel figures came later), so the
database read every batch of the window from the table; with the channel the part is one covering range
per county.

The downgrade drops the column and restores both indexes of migrations 0011.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

SPOT_OLD = ("registered_county", "sample_date", "result", "follow_up_of")
SPOT_NEW = ("registered_county", "sample_date", "channel", "result", "follow_up_of")
COUNTED_OLD = (
    "registered_county", "found_date", "kind", "grade", "source", "span_date", "span_state", "span_deadline",
)  # fmt: skip
COUNTED_NEW = (
    *COUNTED_OLD, "plain_path", "ordered_date", "deadline", "rectified_date", "reinspected_date", "closed_date",
)  # fmt: skip
PATH_MOVES = {
    "order": "ordered_date",
    "rectify": "rectified_date",
    "reinspect": "reinspected_date",
    "close": "closed_date",
}


HAZARDS = sa.table(
    "hazards", *(sa.column(c) for c in ("id", "found_date", "deadline", "plain_path", *PATH_MOVES.values()))
)
EVENTS = sa.table(
    "hazard_events", *(sa.column(c) for c in ("hazard_id", "move", "event_date", "to_state", "deadline"))
)


def _plain_path() -> sa.ColumnElement[bool]:
    """The definition of hazardlib.figures (one found event on the found date, one event of each path move
    whose date is set, on that date, the order with the hazard's deadline, the re-inspection passed, no
    other event), written out so that the migration does not depend on live code."""
    h, e = HAZARDS, EVENTS
    off_path = sa.or_(
        e.c.move.not_in(["found", *PATH_MOVES]),
        sa.and_(e.c.move == "found", e.c.event_date != h.c.found_date),
        sa.and_(e.c.move == "order", e.c.deadline.is_distinct_from(h.c.deadline)),
        sa.and_(e.c.move == "reinspect", e.c.to_state != "reinspected"),
        *(sa.and_(e.c.move == m, e.c.event_date.is_distinct_from(h.c[c])) for m, c in PATH_MOVES.items()),
    )
    events = sa.select(sa.func.count()).select_from(e).where(e.c.hazard_id == h.c.id).scalar_subquery()
    dates = sum(
        (sa.case((h.c[c].is_not(None), 1), else_=0) for c in PATH_MOVES.values()), start=sa.literal(1)
    )
    return sa.and_(~sa.exists().select_from(e).where(e.c.hazard_id == h.c.id, off_path), events == dates)


def upgrade() -> None:
    op.add_column("hazards", sa.Column("plain_path", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(HAZARDS.update().values(plain_path=_plain_path()))
    op.drop_index("ix_hazards_counted", table_name="hazards")
    op.create_index("ix_hazards_counted", "hazards", list(COUNTED_NEW))
    op.drop_index("ix_spot_checks_counted", table_name="spot_checks")
    op.create_index("ix_spot_checks_counted", "spot_checks", list(SPOT_NEW))


def downgrade() -> None:
    op.drop_index("ix_spot_checks_counted", table_name="spot_checks")
    op.create_index("ix_spot_checks_counted", "spot_checks", list(SPOT_OLD))
    op.drop_index("ix_hazards_counted", table_name="hazards")
    op.create_index("ix_hazards_counted", "hazards", list(COUNTED_OLD))
    with op.batch_alter_table("hazards") as batch:
        batch.drop_column("plain_path")
