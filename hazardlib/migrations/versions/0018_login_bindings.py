"""login bindings: one-time tokens that bind a dashboard kernel (a preheated one of the pool too) to a login

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-07 00:40:00

A preheated kernel runs its notebook before any request; the server hands it, with the request assigned to
it, a one-time token that it redeems here to learn its person and county (see :mod:`hazardlib.login_state`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_bindings",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("kernel_id", sa.String(length=64), nullable=True),
        sa.Column("redeemed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_login_bindings")),
        sa.UniqueConstraint("kernel_id", name=op.f("uq_login_bindings_kernel_id")),
    )
    op.create_index(op.f("ix_login_bindings_session_id"), "login_bindings", ["session_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_login_bindings_session_id"), table_name="login_bindings")
    op.drop_table("login_bindings")
