"""instruments follow-up: 三书一函 numbered per issuing county, kind and year of issue (the number unique), and tracked (served, reply due,
reply received); the continuing written reports after the campaign's finish

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-07 00:00:00

Existing instruments get their issuer (the county they belong to) and keep their numbers, which must be
unique from now on; their serial stays empty (a number written by hand is not re-numbered). The downgrade
drops the new table and columns.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COLUMNS = ["issuer_code", "serial", "served_date", "reply_due", "reply_date"]


def upgrade() -> None:
    with op.batch_alter_table("instruments") as batch:
        batch.add_column(sa.Column("issuer_code", sa.String(length=6), nullable=True))
        batch.add_column(sa.Column("serial", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("served_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("reply_due", sa.Date(), nullable=True))
        batch.add_column(sa.Column("reply_date", sa.Date(), nullable=True))
    op.execute("UPDATE instruments SET issuer_code = county_code")
    with op.batch_alter_table("instruments") as batch:
        batch.create_unique_constraint(op.f("uq_instruments_number"), ["number"])
    op.create_table(
        "written_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("campaign_year", sa.Integer(), nullable=False),
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("hazard_ids", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_written_reports")),
        sa.UniqueConstraint("number", name=op.f("uq_written_reports_number")),
    )
    with op.batch_alter_table("written_reports") as batch:
        batch.create_index(op.f("ix_written_reports_campaign_year"), ["campaign_year"], unique=False)
        batch.create_index(op.f("ix_written_reports_county_code"), ["county_code"], unique=False)
        batch.create_index("ix_written_reports_county_date", ["county_code", "report_date"], unique=False)


def downgrade() -> None:
    op.drop_table("written_reports")
    with op.batch_alter_table("instruments") as batch:
        batch.drop_constraint(op.f("uq_instruments_number"), type_="unique")
        for column in reversed(COLUMNS):
            batch.drop_column(column)
