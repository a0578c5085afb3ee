"""submissions: each county's package for a report deadline (frozen figures, summary, cases, stamped scan)

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-07 00:00:00

One row per version of a county's package for one deadline of the campaign calendar; the states and their
moves live in :mod:`hazardlib.submissions`. The downgrade drops the table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("campaign_year", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("edition", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.Column("figures_as_of", sa.Date(), nullable=True),
        sa.Column("cases", sa.JSON(), nullable=True),
        sa.Column("summary_name", sa.String(length=200), nullable=True),
        sa.Column("summary_drafted", sa.Boolean(), nullable=True),
        sa.Column("summary_sha256", sa.String(length=64), nullable=True),
        sa.Column("summary_docx", sa.LargeBinary(), nullable=True),
        sa.Column("scan_name", sa.String(length=200), nullable=True),
        sa.Column("scan_type", sa.String(length=16), nullable=True),
        sa.Column("scan_sha256", sa.String(length=64), nullable=True),
        sa.Column("scan", sa.LargeBinary(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("submitted_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("review_comments", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint(
            "county_code", "deadline", "edition", name=op.f("uq_submissions_county_code_deadline_edition")
        ),
    )
    op.create_index(op.f("ix_submissions_county_code"), "submissions", ["county_code"], unique=False)
    op.create_index(op.f("ix_submissions_campaign_year"), "submissions", ["campaign_year"], unique=False)
    op.create_index(
        "ix_submissions_year_deadline",
        "submissions",
        ["campaign_year", "deadline", "county_code"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_submissions_year_deadline", table_name="submissions")
    op.drop_index(op.f("ix_submissions_campaign_year"), table_name="submissions")
    op.drop_index(op.f("ix_submissions_county_code"), table_name="submissions")
    op.drop_table("submissions")
