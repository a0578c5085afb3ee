"""self-checks carry their enterprise's key status: 组织企业自查 counted from the self-checks' index alone

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 06:10:00

组织企业自查 counts the self-checks of key enterprises (those with a product of the key categories in their
product list now: hazardlib.figures.key_enterprise). The results list sought the enterprise of every
self-check to read that; ``self_checks.key_enterprise`` now carries it, kept with the enterprise's products
as ``registered_county`` is with its county (hazardlib.figures.mend_key_enterprise), filled here from the
enterprises by plain SQL, checked by ``hazard verify``, and added to the covering index
``ix_self_checks_counted``.

Classified supervision counts the findings of the campaign years of its window only (this year's and the
ones before it, hazardlib.stages.campaign_years): ``ix_hazards_classified`` now orders the campaign year
before the grade and the enterprise, so that it reads one range per county, year and grade instead of every
finding of every year. The downgrade drops the column and restores both indexes of migrations 0023 and 0011.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

OLD = ("registered_county", "check_date", "enterprise_id", "major_risk_reported", "campaign_year")
NEW = (*OLD, "key_enterprise")
CLASSIFIED_OLD = ("registered_county", "enterprise_id", "grade", "found_date", "campaign_year")
CLASSIFIED_NEW = ("registered_county", "campaign_year", "grade", "enterprise_id", "found_date")


def upgrade() -> None:
    op.add_column(
        "self_checks", sa.Column("key_enterprise", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    # the same condition as hazardlib.figures.key_enterprise, written out so that the migration does not
    # depend on live code
    op.execute(
        "UPDATE self_checks SET key_enterprise = (SELECT json_array_length(e.products) > 0 "
        "FROM enterprises AS e WHERE e.id = self_checks.enterprise_id)"
    )
    op.drop_index("ix_self_checks_counted", table_name="self_checks")
    op.create_index("ix_self_checks_counted", "self_checks", list(NEW))
    op.drop_index("ix_hazards_classified", table_name="hazards")
    op.create_index("ix_hazards_classified", "hazards", list(CLASSIFIED_NEW))


def downgrade() -> None:
    op.drop_index("ix_hazards_classified", table_name="hazards")
    op.create_index("ix_hazards_classified", "hazards", list(CLASSIFIED_OLD))
    op.drop_index("ix_self_checks_counted", table_name="self_checks")
    op.create_index("ix_self_checks_counted", "self_checks", list(OLD))
    with op.batch_alter_table("self_checks") as batch:
        batch.drop_column("key_enterprise")
