"""组织企业自查 and classified supervision counted from indexes in enterprise order

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 14:50:00

组织企业自查 (hazardlib.stages.self_check_counted) is a count of the distinct enterprises that made a
self-check of the campaign's year in its window, key enterprises only, by county. ``ix_self_checks_counted``
holds the self-checks of a county in date order, so the database kept every enterprise of the window in a
temporary B-tree to count them once (at 1M hazards, 361,000 self-checks). ``ix_self_checks_key_counted``
holds them by county, campaign year and key status, then the enterprise: a county's counted self-checks are
one range in enterprise order, and the distinct count is read from it with no temporary B-tree.
``ix_self_checks_counted`` is left to the window's self-checks that reported a major risk, counted apart: it
now holds the reported risk before the date (county, reported, date, enterprise), so that only those
self-checks are read (one in thirty), not every self-check of the window.

Classified supervision (hazardlib.stages.classified) groups the larger and major findings by county and
enterprise. ``ix_hazards_classified`` (migration 0024) held them by county, campaign year and grade, so each
county was read in four ranges whose enterprises interleave, and every finding was sorted again in a
temporary B-tree for the GROUP BY (at 1M hazards, 280,000 findings). It now holds the larger and major
findings only (a partial index, ``grade IN ('larger', 'major')``: the general ones, three in four, are not in
it) by county, enterprise and date: a county is one range in the order of the GROUP BY. The downgrade drops
the new index and restores that of migration 0024.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

COUNTED_OLD = [
    "registered_county",
    "check_date",
    "enterprise_id",
    "major_risk_reported",
    "campaign_year",
    "key_enterprise",
]
COUNTED_NEW = ["registered_county", "major_risk_reported", "check_date", "enterprise_id"]
KEY_COUNTED = ["registered_county", "campaign_year", "key_enterprise", "enterprise_id", "check_date"]
CLASSIFIED_OLD = ["registered_county", "campaign_year", "grade", "enterprise_id", "found_date"]
CLASSIFIED_NEW = ["registered_county", "enterprise_id", "found_date", "campaign_year", "grade"]
# written out as in hazardlib.schema.CLASSIFIED_FINDINGS, so that the migration does not depend on live code
FINDINGS = "grade IN ('larger', 'major')"


def upgrade() -> None:
    op.create_index("ix_self_checks_key_counted", "self_checks", KEY_COUNTED)
    op.drop_index("ix_self_checks_counted", table_name="self_checks")
    op.create_index("ix_self_checks_counted", "self_checks", COUNTED_NEW)
    op.drop_index("ix_hazards_classified", table_name="hazards")
    op.create_index(
        "ix_hazards_classified",
        "hazards",
        CLASSIFIED_NEW,
        sqlite_where=sa.text(FINDINGS),
        postgresql_where=sa.text(FINDINGS),
    )


def downgrade() -> None:
    op.drop_index("ix_hazards_classified", table_name="hazards")
    op.create_index("ix_hazards_classified", "hazards", CLASSIFIED_OLD)
    op.drop_index("ix_self_checks_counted", table_name="self_checks")
    op.create_index("ix_self_checks_counted", "self_checks", COUNTED_OLD)
    op.drop_index("ix_self_checks_key_counted", table_name="self_checks")
