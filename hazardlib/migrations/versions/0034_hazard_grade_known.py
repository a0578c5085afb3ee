"""The hazard's grade one of the vocabulary's, and the results list's ledger read by grade before the date

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-08 03:05:00

The grade vocabulary is closed (一般, 较大, 重大: hazardlib.vocab.GRADE) and every write path takes it from
there; a CHECK constraint now says so in the store, so that a query may name the three grades (``grade IN
(…)``) without leaving out any hazard it counted before. ``ix_hazards_counted`` held the hazards by county,
kind and plain path before the date, so each of the results list's three figures by grade tested the grade of
every hazard of the window; it now holds them by county, kind, grade and plain path before the date: each arm
of the list's ledger is one range per county and grade, grouped in its order, and a figure by grade is the
count of its group (hazardlib.reports.scope.ledger_figures). The self-reported major risks are one range per
county of the major risks.

On SQLite a constraint is added by rebuilding the table (Alembic's batch mode), which copies the rows and
creates the table's other indexes again; the index is dropped before and created after, so that it is built
once. A store holding a grade outside the vocabulary is refused with the hazards named, before anything
changes; the statistics SQLite held of the hazards are taken again. The downgrade drops the constraint and restores the index of migration 0031.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hazardlib.errors import MigrationRefused

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

# Written out, so that the migration does not depend on live code (hazardlib.vocab.GRADE).
GRADES = ("general", "larger", "major")
SPAN = ["span_date", "span_state", "span_deadline"]
MILESTONES = ["ordered_date", "deadline", "rectified_date", "reinspected_date", "closed_date"]
COUNTED_OLD = ["registered_county", "kind", "plain_path", "found_date", "grade", "source", *SPAN, *MILESTONES]
COUNTED_NEW = ["registered_county", "kind", "grade", "plain_path", "found_date", "source", *SPAN, *MILESTONES]
HAZARDS = sa.table("hazards", sa.column("id"), sa.column("grade"))
NAMED = 10  # hazards named in the refusal


def upgrade() -> None:
    bind = op.get_bind()
    unknown = HAZARDS.c.grade.not_in(GRADES)
    n = bind.execute(sa.select(sa.func.count()).where(unknown)).scalar_one()
    if n:
        first = bind.execute(
            sa.select(HAZARDS.c.id).where(unknown).order_by(HAZARDS.c.id).limit(NAMED)
        ).scalars()
        named = "、".join(str(i) for i in first) + ("等" if n > NAMED else "")
        raise MigrationRefused(
            f"无法升级数据库：有 {n} 条隐患的“隐患等级”不是一般、较大或重大（隐患编号 {named}），数据库未作改动。"
            "请用数据库工具把这些隐患的等级改为 general（一般）、larger（较大）或 major（重大），"
            "或恢复一份正确的备份，再运行 hazard init 升级"
        )
    analyzed = _analyzed()
    op.drop_index("ix_hazards_counted", table_name="hazards")
    with op.batch_alter_table("hazards") as batch:
        batch.create_check_constraint(op.f("ck_hazards_grade_known"), HAZARDS.c.grade.in_(GRADES))
    op.create_index("ix_hazards_counted", "hazards", COUNTED_NEW)
    if analyzed:
        op.execute("ANALYZE hazards")


def _analyzed() -> bool:
    """Whether SQLite holds statistics of the hazards (the demo generator and a bulk import take them): the
    rebuild drops them with the old table, and without them the planner would guess the results list's and
    the tracker's plans, so they are taken again. PostgreSQL keeps its own through ALTER TABLE."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite" or not sa.inspect(bind).has_table("sqlite_stat1"):
        return False
    return (
        bind.exec_driver_sql("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'hazards' LIMIT 1").first() is not None
    )


def downgrade() -> None:
    analyzed = _analyzed()
    op.drop_index("ix_hazards_counted", table_name="hazards")
    with op.batch_alter_table("hazards") as batch:
        batch.drop_constraint(op.f("ck_hazards_grade_known"), type_="check")
    op.create_index("ix_hazards_counted", "hazards", COUNTED_OLD)
    if analyzed:
        op.execute("ANALYZE hazards")
