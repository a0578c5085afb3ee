"""figure counts: the results list's running counts, kept in the same transaction as each write

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 01:00:00

:mod:`hazardlib.counters` keeps, for every count figure of the action results list, marks
``(county_code, figure, anchor, day, n)`` whose sum over ``anchor >= start`` and ``day <= as_of`` is the
figure for a window ``start``…``as_of``. The upgrade creates the table; the downgrade drops it. (It
used to count the store's records into it by calling ``hazardlib.counters``, which migration 0009
removed together with the table: a migration does not call live code.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
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


def downgrade() -> None:
    op.drop_index("ix_figure_counts_covering", table_name="figure_counts")
    op.drop_table("figure_counts")
