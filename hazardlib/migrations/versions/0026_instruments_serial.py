"""the next serial of an instrument read from an index

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 10:30:00

Issuing an instrument without a number allocates the next serial of its issuer, kind and year
(hazardlib.instruments): the largest serial among the issuer's instruments of that kind issued in the year.
With no index for it, the database read every instrument of the year and each one's table row, in the
issuing transaction of every form that issues one. ``ix_instruments_serial`` (issuer, kind, issue date,
serial) gives those rows as one range of the index alone.
"""

from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

COLUMNS = ["issuer_code", "kind", "issue_date", "serial"]


def upgrade() -> None:
    op.create_index("ix_instruments_serial", "instruments", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_instruments_serial", table_name="instruments")
