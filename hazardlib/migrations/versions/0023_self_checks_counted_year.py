"""self-checks counted from their index alone: ix_self_checks_counted carries the campaign year

Revision ID: 0023
Revises: 0018
Create Date: 2026-12-07 03:55:00

组织企业自查 counts a self-check of the campaign's year (stages.self_check_counted); without the year in the
index the results list read every self-check's row from the table.
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0019"
branch_labels = None
depends_on = None

OLD = ("registered_county", "check_date", "enterprise_id", "major_risk_reported")
NEW = (*OLD, "campaign_year")


def upgrade() -> None:
    op.drop_index("ix_self_checks_counted", table_name="self_checks")
    op.create_index("ix_self_checks_counted", "self_checks", list(NEW))


def downgrade() -> None:
    op.drop_index("ix_self_checks_counted", table_name="self_checks")
    op.create_index("ix_self_checks_counted", "self_checks", list(OLD))
