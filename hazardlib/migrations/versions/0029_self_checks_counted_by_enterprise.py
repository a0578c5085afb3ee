"""组织企业自查 counted from an index in enterprise order

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 14:50:00

组织企业自查 (hazardlib.stages.self_check_counted) is a count of the distinct enterprises that made a
self-check of the campaign's year in its window, key enterprises only, by county. ``ix_self_checks_counted``
holds the self-checks of a county in date order, so the database kept every enterprise of the window in a
temporary B-tree to count them once (at 1M hazards, 361,000 self-checks). ``ix_self_checks_key_counted``
holds them by county, campaign year and key status, then the enterprise: a county's counted self-checks are
one range in enterprise order, and the distinct count is read from it with no temporary B-tree.
``ix_self_checks_counted`` stays for the self-checks of the window (the major risks reported). The downgrade
drops the new index.
"""

from __future__ import annotations

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

KEY_COUNTED = ["registered_county", "campaign_year", "key_enterprise", "enterprise_id", "check_date"]


def upgrade() -> None:
    op.create_index("ix_self_checks_key_counted", "self_checks", KEY_COUNTED)


def downgrade() -> None:
    op.drop_index("ix_self_checks_key_counted", table_name="self_checks")
