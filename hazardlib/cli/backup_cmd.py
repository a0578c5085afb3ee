"""``hazard backup``, ``hazard restore`` and ``hazard verify``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa

from .base import db_option, default_user, friendly_errors, main, user_option


@main.command("backup")
@db_option
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="备份文件（建议以 .jsonl.gz 结尾）。 The backup file to write.",
)
@friendly_errors
def backup_cmd(db: str | None, output: Path) -> None:
    """备份整个数据库到一个文件（可在大家正常使用时进行，得到同一时刻的一致副本）。

    Copy the whole store to one file: a consistent snapshot, taken while people keep working.
    SQLite and PostgreSQL backups can be restored into either.
    """
    from ..backup import backup
    from ..store import Store

    summary = backup(Store(db), output)
    click.echo(f"已备份：{summary.text()}")


@main.command("restore")
@db_option
@user_option
@click.option(
    "-i",
    "--input",
    "source",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="由 hazard backup 生成的备份文件。 The backup file to restore.",
)
@click.option(
    "--force", is_flag=True, help="目标数据库已有数据时仍然覆盖。 Overwrite a store that holds data."
)
@friendly_errors
def restore_cmd(db: str | None, user: str | None, source: Path, force: bool) -> None:
    """从备份文件恢复整个数据库；目标已有数据时须加 --force，失败时不做任何修改。

    Replace the store's contents with a backup, in one transaction; refuses a store that holds data
    unless --force is given.
    """
    from ..backup import restore
    from ..store import Store

    summary = restore(Store(db, user=user), source, force=force)
    click.echo(f"已恢复：{summary.text()}")


@main.command("verify")
@db_option
@user_option
@click.option(
    "--mend-shape",
    is_flag=True,
    help="先按整改环节重新计算整改记录的状态有效期（一个事务，记入审计日志）。 Recompute the ledger's shape first.",
)
@friendly_errors
def verify_cmd(db: str | None, user: str | None, mend_shape: bool) -> None:
    """检查数据库完整性（文件或表是否损坏、是否有引用不存在记录的行、整改记录的状态有效期是否与整改环节一致）；
    有问题时退出码为 1。

    Check the store's integrity (damaged pages, rows pointing at missing records) and the ledger's shape
    against its events (:func:`hazardlib.figures.shape_problems`); exit 1 on problems. ``--mend-shape``
    first recomputes the shape from the events (:func:`hazardlib.figures.mend_shape`), audited.
    """
    from .. import figures
    from ..backup import check_integrity
    from ..store import Store

    store = Store(db, user=user or default_user())
    if mend_shape:
        with store.transaction("重算整改记录的状态有效期") as tx:
            figures.mend_shape(tx.conn)
            tx.audit("mend_shape", "hazard_events", None, None, None, None)
        click.echo("已按整改环节重新计算整改记录的状态有效期。")
    with store.read() as conn:
        problems = check_integrity(conn)
        if not problems:  # the shape is read from the tables the integrity check found sound
            problems = figures.shape_problems(conn)
    if problems:
        for p in problems:
            click.echo(f"  - {p}", err=True)
        click.echo(f"错误：数据库未通过完整性检查（{len(problems)} 个问题）：{_shown(store.url)}", err=True)
        sys.exit(1)
    click.echo(f"数据库完整性检查通过，数据库结构版本 {store.revision()}：{_shown(store.url)}")


def _shown(url: str) -> str:
    """The URL without its password."""
    return sa.engine.make_url(url).render_as_string(hide_password=True)
