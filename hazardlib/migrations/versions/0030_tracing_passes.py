"""tracing_passes: each pass-on of a two-way tracing task, dated, so that who held a task at a date is known

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 18:10:00

``hazardlib.tracing.pass_on`` overwrote ``tracing_tasks.to_county``: the task's list, the rules and the tracing
report (双向追查表) at an earlier as-of date named the holder of today. ``tracing_passes`` keeps one row per pass-on,
written in the pass-on's transaction and audited: the task, the day, the county that held it, the county that
holds it from that day (NULL when it left the prefecture, ``recipient`` then naming whom it went to) and the
note written with it. ``tracing_tasks.to_county`` stays the holder now; the holder at a date is the
``from_county`` of the task's first pass after that date, else ``to_county``. Passes made before this migration
were not dated apart from the task's 办理情况 and are not recreated: for those tasks every date shows the holder
of today, as before. The downgrade drops the table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracing_passes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("pass_date", sa.Date(), nullable=False),
        sa.Column("from_county", sa.String(length=6), nullable=False),
        sa.Column("to_county", sa.String(length=6), nullable=True),
        sa.Column("recipient", sa.String(length=100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tracing_tasks.id"], name=op.f("fk_tracing_passes_task_id_tracing_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracing_passes")),
    )
    op.create_index("ix_tracing_passes_task", "tracing_passes", ["task_id", "pass_date"])
    op.create_index("ix_tracing_passes_from_county", "tracing_passes", ["from_county"])
    op.create_index("ix_tracing_passes_to_county", "tracing_passes", ["to_county"])


def downgrade() -> None:
    op.drop_index("ix_tracing_passes_to_county", table_name="tracing_passes")
    op.drop_index("ix_tracing_passes_from_county", table_name="tracing_passes")
    op.drop_index("ix_tracing_passes_task", table_name="tracing_passes")
    op.drop_table("tracing_passes")
