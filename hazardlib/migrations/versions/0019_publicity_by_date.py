"""publicity by its date: the yes/no ``enforcement_cases.credit_publicity`` is retired

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 03:00:00

The plan asks that the list of seriously dishonest entities be publicised 及时 (in time) through
国家企业信用信息公示系统（贵州）: what says so is the publicity's date and reference (``publicity_date``,
``publicity_ref``, migration 0014), which the rule ``dishonesty_list_candidate`` reads. The yes/no beside them
was a second declaration of the same fact that no rule read. A case marked 是 with no date keeps the mark in
its reference (公示信息编号), so nothing a clerk entered is lost and the date can still be added; the
downgrade sets the yes/no again from the date.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

MARKED = "已公示（迁移前仅登记“是”，公示日期待补）"
"""The reference a case marked as publicised without a date is left with."""


def upgrade() -> None:
    cases = sa.table(
        "enforcement_cases",
        sa.column("credit_publicity", sa.Boolean),
        sa.column("publicity_date", sa.Date),
        sa.column("publicity_ref", sa.String),
    )
    op.execute(
        cases.update()
        .where(
            cases.c.credit_publicity.is_(True),
            cases.c.publicity_date.is_(None),
            cases.c.publicity_ref.is_(None),
        )
        .values(publicity_ref=MARKED)
    )
    with op.batch_alter_table("enforcement_cases", schema=None) as batch_op:
        batch_op.drop_column("credit_publicity")


def downgrade() -> None:
    with op.batch_alter_table("enforcement_cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("credit_publicity", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    cases = sa.table(
        "enforcement_cases",
        sa.column("credit_publicity", sa.Boolean),
        sa.column("publicity_date", sa.Date),
        sa.column("publicity_ref", sa.String),
    )
    op.execute(
        cases.update()
        .where(sa.or_(cases.c.publicity_date.is_not(None), cases.c.publicity_ref == MARKED))
        .values(credit_publicity=True)
    )
    op.execute(cases.update().where(cases.c.publicity_ref == MARKED).values(publicity_ref=None))
