"""The results list's visits by field, instruments by kind, traces and cases from their indexes

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 21:10:00

The results list counts the window's distinct visits per county and field (producers and sellers
inspected) and the window's instruments per county and kind. ``ix_inspections_counted`` and
``ix_instruments_counted`` held them by county and date, so each figure tested the field or the kind of every
entry of the county's window (a CASE per figure and entry) and the visits were told apart by field in the
same pass. They now hold them by county and field (kind) before the date: each figure is one range per
county, its entries counted as they come, with no test.

The two-way traces were counted from ``ix_tracing_tasks_to_county`` (the county alone), every task of the
county read from the table for its date: the creation date is added to it. The enforcement cases were read
from the table and sorted by county: ``ix_enforcement_cases_counted`` holds what their five figures read, by
county. The downgrade restores the indexes of migrations 0011 and 0025 (the visits and instruments) and 0001 (the
tracing tasks by county) and drops the new one.
"""

from __future__ import annotations

from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

REORDERED = {
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
    "ix_tracing_tasks_to_county": ("tracing_tasks", ["to_county"], ["to_county", "created_date"]),
}
CASES_COUNTED = [
    "registered_county", "filed_date", "transferred_to", "transfer_date", "dishonesty_listed", "dishonesty_date",
    "licence_revoked", "revoked_date", "typical_case", "published_date", "enterprise_id",
]  # fmt: skip


def upgrade() -> None:
    for name, (table, _old, new) in REORDERED.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, new)
    op.create_index("ix_enforcement_cases_counted", "enforcement_cases", CASES_COUNTED)


def downgrade() -> None:
    op.drop_index("ix_enforcement_cases_counted", table_name="enforcement_cases")
    for name, (table, old, _new) in REORDERED.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, old)
