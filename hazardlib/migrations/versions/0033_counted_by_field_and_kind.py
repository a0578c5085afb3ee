"""The results list's visits counted by field, its instruments by kind

Revision ID: 0033
Revises: 0031 (0032 if helper M adds one)
Create Date: 2026-12-07 21:10:00

The results list counts the window's distinct visits per county and field (producers and sellers
inspected) and the window's instruments per county and kind. ``ix_inspections_counted`` and
``ix_instruments_counted`` held them by county and date, so each figure tested the field or the kind of every
entry of the county's window (a CASE per figure and entry) and the visits were told apart by field in the
same pass. They now hold them by county and field (kind) before the date: each figure is one range per
county, its entries counted as they come, with no test. The downgrade restores the orders of migrations 0011
and 0025.
"""

from __future__ import annotations

from alembic import op

revision = "0033"
down_revision = "0031"  # "0032" once helper M's migration is merged before it
branch_labels = None
depends_on = None

INDEXES = {
    "ix_inspections_counted": (
        "inspections",
        ["registered_county", "inspection_date", "enterprise_id", "field"],
        ["registered_county", "field", "inspection_date", "enterprise_id"],
    ),
    "ix_instruments_counted": (
        "instruments",
        ["registered_county", "issue_date", "kind", "county_code"],
        ["registered_county", "kind", "issue_date", "county_code"],
    ),
}


def upgrade() -> None:
    for name, (table, _old, new) in INDEXES.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, new)


def downgrade() -> None:
    for name, (table, old, _new) in INDEXES.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, old)
