"""audit log: on SQLite a trigger refuses an insert that names the id of an entry already there

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:00:00

SQLite's ``INSERT OR REPLACE`` (and ``REPLACE``) deletes the row it conflicts with without firing its
DELETE triggers (unless ``recursive_triggers`` is on), so the UPDATE and DELETE triggers of 0002 let it
rewrite an entry. A BEFORE INSERT trigger that refuses an ``id`` already present stops it, and
``INSERT … ON CONFLICT DO UPDATE`` with it, before SQLite looks at the conflict. In a BEFORE INSERT
trigger an id left to SQLite reads as -1, so only a positive ``NEW.id`` (every id SQLite gives is one)
is looked up: a row with id -1, put there by hand, cannot stop every later entry.

PostgreSQL has no ``INSERT OR REPLACE``; its ``ON CONFLICT DO UPDATE`` fires the UPDATE trigger of 0002,
which refuses it. Nothing to add there.

As with 0002: a later migration that rebuilds ``audit_log`` on SQLite (batch mode copies the table)
drops this trigger with it and must create it again.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

MESSAGE = "审计日志只能追加，不能修改或删除"  # the message of 0002's triggers


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
            "WHEN NEW.id > 0 AND EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_replace")
