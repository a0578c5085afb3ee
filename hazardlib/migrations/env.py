"""Alembic environment: runs on the connection the Store hands over (or on the configured URL)."""

from __future__ import annotations

import warnings
from typing import Any

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.exc import SAWarning

from hazardlib.schema import metadata

config = context.config


def _run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    # A batch migration on SQLite reflects the tables it rebuilds and those they refer to; SQLAlchemy cannot
    # reflect the enterprises' index on an expression (ix_enterprises_key, 0011) and warns. No batch rebuilds
    # the enterprises table, so the index is kept; the warning would only reach the clerk running hazard init.
    with warnings.catch_warnings(), context.begin_transaction():
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index", SAWarning
        )
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
