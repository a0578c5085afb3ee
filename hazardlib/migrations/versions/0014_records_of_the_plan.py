"""records of the plan: county work plans with their file, interviews with their trigger, the prefecture's
oversight with the county's response, enforcement outcomes that close findings, reports to the local Party
committee and government

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-07 00:00:00

``county_plans`` gets its 文号 (unique), the people responsible and the plan file (name, type, size, SHA-256,
bytes); ``interviews`` its trigger, the spot checks or rule finding behind it, attendees, commitments,
follow-up date and 约谈通知书 number (unique); ``county_oversight`` its document number (unique), the due date
of the county's written response and the response; ``enforcement_cases`` the publicity in 国家企业信用信息公示系统
and the decisions not to list or not to revoke. ``local_reports`` is new. Every new column is nullable, so the
rows already stored stay as they are; the downgrade drops them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None

COLUMNS: dict[str, list[sa.Column]] = {
    "county_plans": [
        sa.Column("document_no", sa.String(64), nullable=True),
        sa.Column("responsible", sa.String(300), nullable=True),
        sa.Column("file_name", sa.String(200), nullable=True),
        sa.Column("file_type", sa.String(8), nullable=True),
        sa.Column("file_size", sa.Integer, nullable=True),
        sa.Column("file_sha256", sa.String(64), nullable=True),
        sa.Column("file_data", sa.LargeBinary, nullable=True),
    ],
    "interviews": [
        sa.Column("trigger", sa.String(24), nullable=True),
        sa.Column("spot_check_ids", sa.JSON, nullable=True),
        sa.Column("finding", sa.String(64), nullable=True),
        sa.Column("attendees", sa.Text, nullable=True),
        sa.Column("commitments", sa.Text, nullable=True),
        sa.Column("follow_up_date", sa.Date, nullable=True),
        sa.Column("notice_no", sa.String(64), nullable=True),
    ],
    "county_oversight": [
        sa.Column("number", sa.String(64), nullable=True),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("response", sa.Text, nullable=True),
        sa.Column("response_date", sa.Date, nullable=True),
        sa.Column("responded_by", sa.String(64), nullable=True),
    ],
    "enforcement_cases": [
        sa.Column("publicity_date", sa.Date, nullable=True),
        sa.Column("publicity_ref", sa.String(64), nullable=True),
        sa.Column("not_listed_by", sa.String(64), nullable=True),
        sa.Column("not_listed_date", sa.Date, nullable=True),
        sa.Column("not_listed_reason", sa.Text, nullable=True),
        sa.Column("not_revoked_by", sa.String(64), nullable=True),
        sa.Column("not_revoked_date", sa.Date, nullable=True),
        sa.Column("not_revoked_reason", sa.Text, nullable=True),
    ],
}
UNIQUE = {"county_plans": "document_no", "interviews": "notice_no", "county_oversight": "number"}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.add_column(column)
            if table in UNIQUE:
                batch_op.create_unique_constraint(batch_op.f(f"uq_{table}_{UNIQUE[table]}"), [UNIQUE[table]])
    op.create_table(
        "local_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("campaign_year", sa.Integer(), nullable=False),
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.Column("document_no", sa.String(length=64), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_local_reports_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"], ["hazards.id"], name=op.f("fk_local_reports_hazard_id_hazards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_reports")),
        sa.UniqueConstraint("document_no", name=op.f("uq_local_reports_document_no")),
    )
    with op.batch_alter_table("local_reports", schema=None) as batch_op:
        for name in ("campaign_year", "county_code", "enterprise_id", "hazard_id"):
            batch_op.create_index(batch_op.f(f"ix_local_reports_{name}"), [name], unique=False)


def downgrade() -> None:
    op.drop_table("local_reports")
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table in UNIQUE:
                batch_op.drop_constraint(batch_op.f(f"uq_{table}_{UNIQUE[table]}"), type_="unique")
            for column in reversed(columns):
                batch_op.drop_column(column.name)
