"""the tracker's hazards index carries the hazard's id on PostgreSQL

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 21:10:00

The tracker counts a campaign year's hazards by county in their state at a date from
``ix_hazards_year_county_found`` (migration 0028), and reads each hazard's ``id`` to find its close and
escalation events. A SQLite index carries the rowid (the ``id``) in every entry; a PostgreSQL index holds only
the columns it names, so there the first arm read the table through ``ix_hazards_campaign_year`` (a bitmap heap
scan of every hazard of the year) and the second fetched each hazard from the table. With ``INCLUDE (id)`` both
arms are index-only scans of this index (docs/benchmarks.md, 7 December 2026). SQLite's index is unchanged:
a trailing ``id`` would store the rowid twice. The downgrade restores the index of migration 0028.
"""

from __future__ import annotations

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

NAME = "ix_hazards_year_county_found"
SPAN = ["span_date", "span_state", "span_deadline"]
PLAIN = ["plain_path", "ordered_date", "deadline", "rectified_date", "reinspected_date", "closed_date"]
COLUMNS = ["campaign_year", "county_code", "found_date", *SPAN, *PLAIN]


def _recreate(include: list[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite's index entries carry the rowid already
    op.drop_index(NAME, table_name="hazards")
    op.create_index(NAME, "hazards", COLUMNS, postgresql_include=include)


def upgrade() -> None:
    _recreate(["id"])


def downgrade() -> None:
    _recreate([])
