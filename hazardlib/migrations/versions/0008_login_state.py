"""login state: login sessions (revocable nonces), failed-login back-off, and the cookie secret, in the store

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 21:00:00

Kept in the store rather than in the server's memory or a file, so that several ``hazard serve`` processes
on one database share them and a restart logs nobody out (see :mod:`hazardlib.login_state`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("account_name", sa.String(length=32), nullable=False),
        sa.Column("stamp", sa.String(length=16), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("nonce_hash", name=op.f("uq_login_sessions_nonce_hash")),
    )
    op.create_index(op.f("ix_login_sessions_account_name"), "login_sessions", ["account_name"], unique=False)
    op.create_table(
        "login_failures",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(), nullable=False),
        sa.Column("retry_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_login_failures")),
    )
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_secrets")),
    )


def downgrade() -> None:
    op.drop_table("server_secrets")
    op.drop_table("login_failures")
    op.drop_index(op.f("ix_login_sessions_account_name"), table_name="login_sessions")
    op.drop_table("login_sessions")
