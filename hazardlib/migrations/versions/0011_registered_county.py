"""registered county: each record carries the county its enterprise is registered in, so that the results
list counts a county's records by one GROUP BY over one index of the record's own table

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 00:20:00

The record tables the results list counts by the enterprise's county (self-checks, inspections, hazards,
instruments, interviews, spot checks, enforcement cases, risk signals, help records) get
``registered_county``: the county the enterprise concerned is registered in now (a spot-check batch: the
sampled enterprise, else the seller, else the producer; NULL when the record names no enterprise of the
store), filled here from the enterprises by plain SQL. The enterprise's move between counties keeps it
(:func:`hazardlib.figures.mend_counties`); ``hazard verify`` checks it. Covering indexes led by it (the
instruments' by the issue date) let each part of the results list read a county's records as one range
of one index. Classified supervision gets its index by county and enterprise, and the tracker covering
indexes for a year's self-checks and inspections by county and for the key enterprises (by the length of
their product list). The downgrade drops the indexes and the columns.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# table: the SQL naming the enterprise concerned (the same as hazardlib.figures.concerned, written out here
# so that the migration does not depend on live code)
TABLES = {
    "self_checks": "self_checks.enterprise_id",
    "inspections": "inspections.enterprise_id",
    "hazards": "hazards.enterprise_id",
    "instruments": "instruments.enterprise_id",
    "interviews": "interviews.enterprise_id",
    "spot_checks": "coalesce(spot_checks.enterprise_id, spot_checks.seller_id, spot_checks.producer_id)",
    "enforcement_cases": "enforcement_cases.enterprise_id",
    "risk_signals": "risk_signals.enterprise_id",
    "help_records": "help_records.enterprise_id",
}
INDEXES: dict[str, tuple[str, list[Any]]] = {
    "ix_self_checks_counted": (
        "self_checks", ["registered_county", "check_date", "enterprise_id", "major_risk_reported"],
    ),
    "ix_inspections_counted": ("inspections", ["registered_county", "inspection_date", "enterprise_id", "field"]),
    "ix_hazards_counted": (
        "hazards",
        ["registered_county", "found_date", "kind", "grade", "source", "span_date", "span_state", "span_deadline"],
    ),
    "ix_hazards_classified": (
        "hazards", ["registered_county", "enterprise_id", "grade", "found_date", "campaign_year"],
    ),
    "ix_instruments_counted": ("instruments", ["issue_date", "registered_county", "county_code", "kind"]),
    "ix_interviews_counted": ("interviews", ["registered_county", "held_date", "enterprise_id"]),
    "ix_spot_checks_counted": ("spot_checks", ["registered_county", "sample_date", "result", "follow_up_of"]),
    "ix_self_checks_progress": ("self_checks", ["campaign_year", "county_code", "check_date", "enterprise_id"]),
    "ix_inspections_progress": ("inspections", ["campaign_year", "inspection_date", "county_code", "field"]),
    "ix_enterprises_key": ("enterprises", ["county_code", sa.text("json_array_length(products)")]),
    "ix_help_records_counted": ("help_records", ["registered_county", "help_date", "enterprise_id", "kind"]),
}  # fmt: skip


def upgrade() -> None:
    for table, concerned in TABLES.items():
        op.add_column(table, sa.Column("registered_county", sa.String(length=6), nullable=True))
        op.execute(
            f"UPDATE {table} SET registered_county = "
            f"(SELECT e.county_code FROM enterprises AS e WHERE e.id = {concerned})"
        )
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("registered_county")
