"""``hazard backup``, ``hazard restore`` and ``hazard verify``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from .. import figures, tracing
from ..backup import BackupKey, backup, check_integrity, restore
from ..records import hazard_key_duplicates
from ..store import Store
from .root import db_option, default_user, friendly_errors, main, output_option, user_option

KEY_FILE_ENV = (
    "HAZARD_BACKUP_KEY_FILE"  # names the key file, never holds the key: an environment is easily seen
)


def key_file_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--key-file",
        "key_file",
        envvar=KEY_FILE_ENV,
        default=None,
        type=click.Path(path_type=Path),  # not checked here: the key's own check says why in Chinese
        metavar="FILE",
        help="备份签名密钥文件（管理员保管，不与备份放在一起）；也可用环境变量 "
        f"{KEY_FILE_ENV}。备份时用它签名，恢复时只接受用它签名的备份。"
        " Key file signing backups (HMAC-SHA256); restore then accepts only backups signed with it.",
    )(f)


@main.command("backup")
@db_option
@key_file_option
@output_option("备份文件（建议以 .jsonl.gz 结尾）。 The backup file to write.")
@friendly_errors
def backup_cmd(db: str | None, key_file: Path | None, output: Path) -> None:
    """备份整个数据库到一个文件（可在大家正常使用时进行，得到同一时刻的一致副本），附内容的 SHA-256 清单；
    给出 --key-file 时再用密钥签名。

    Copy the whole store to one file: a consistent snapshot, taken while people keep working, with a
    SHA-256 manifest of its content, signed with the key file if given.
    SQLite and PostgreSQL backups can be restored into either.
    """
    key = None if key_file is None else BackupKey.read(key_file)
    summary = backup(Store(db), output, key=key)
    click.echo(f"已备份：{summary.text()}")


@main.command("restore")
@db_option
@user_option
@click.option(
    "-i",
    "--input",
    "source",
    required=True,
    type=click.Path(path_type=Path),  # not checked here: reading it says what is wrong in Chinese
    help="由 hazard backup 生成的备份文件。 The backup file to restore.",
)
@click.option(
    "--force", is_flag=True, help="目标数据库已有数据时仍然覆盖。 Overwrite a store that holds data."
)
@key_file_option
@click.option(
    "--accept-unverified",
    is_flag=True,
    help="也恢复无法核对的备份：没有内容清单的旧格式备份，或给出密钥时没有签名的备份"
    "（内容或签名不符的备份仍然拒绝）。"
    " Also restore a backup that cannot be checked (old format, or unsigned when a key is given).",
)
@friendly_errors
def restore_cmd(
    db: str | None,
    user: str | None,
    source: Path,
    force: bool,
    key_file: Path | None,
    accept_unverified: bool,
) -> None:
    """从备份文件恢复整个数据库：先按清单核对备份内容（和签名），再在一个事务里恢复；目标已有数据时须加
    --force，失败时不做任何修改。

    Check the backup against its manifest (and signature), then replace the store's contents with it in
    one transaction; refuses a store that holds data unless --force is given.
    """
    key = None if key_file is None else BackupKey.read(key_file)
    summary = restore(Store(db, user=user), source, force=force, key=key, accept_unverified=accept_unverified)
    click.echo(f"已恢复：{summary.text()}")


@main.command("verify")
@db_option
@user_option
@click.option(
    "--mend-shape",
    is_flag=True,
    help="先按整改环节重新计算整改记录的状态有效期、按企业名录重填各记录的企业所在县（市）和自查的“是否重点企业”"
    "（一个事务，记入审计日志）。"
    " Recompute the ledger's shape, the records' counted county and the self-checks' key enterprise first.",
)
@friendly_errors
def verify_cmd(db: str | None, user: str | None, mend_shape: bool) -> None:
    """检查数据库完整性（文件或表是否损坏、是否有引用不存在记录的行、整改记录的状态有效期是否与整改环节一致、
    各记录的企业所在县（市）、自查的“是否重点企业”是否与企业名录一致，整改台账上是否有隐患键——企业、发现日期、产品、问题类型——相同的记录，
    追查任务的转办记录是否前后接续、与任务的承办单位和状态一致）；
    有问题时退出码为 1。

    Check the store's integrity (damaged pages, rows pointing at missing records) and the ledger's shape
    against its events (:func:`hazardlib.figures.shape_problems`), the records' counted county against
    the enterprises (:func:`hazardlib.figures.county_problems`), the self-checks' key enterprise against
    the enterprises' products (:func:`hazardlib.figures.key_enterprise_problems`) and the hazard key
    (:func:`hazardlib.records.hazard_key_duplicates`) and the tracing tasks' passes against each other and their
    task (:func:`hazardlib.tracing.pass_problems`); exit 1 on problems. ``--mend-shape`` first
    recomputes the shape, the counted county and the key enterprise (:func:`hazardlib.figures.mend_shape`,
    :func:`hazardlib.figures.mend_counties`, :func:`hazardlib.figures.mend_key_enterprise`), audited.
    """
    store = Store(db, user=user or default_user())
    if mend_shape:
        with store.transaction("重算整改记录的状态有效期和各记录的企业所在县（市）") as tx:
            figures.mend_shape(tx.conn)
            figures.mend_counties(tx.conn)
            figures.mend_key_enterprise(tx.conn)
            tx.audit("mend_shape", "hazard_events", None, None, None, None)
        click.echo(
            "已按整改环节重新计算整改记录的状态有效期，并按企业名录重填各记录的企业所在县（市）和自查的“是否重点企业”。"
        )
    with store.read() as conn:
        problems = check_integrity(conn)
        if not problems:  # the shape and the keys are read from the tables the integrity check found sound
            problems = (
                figures.shape_problems(conn)
                + figures.county_problems(conn)
                + figures.key_enterprise_problems(conn)
                + hazard_key_duplicates(conn)
                + tracing.pass_problems(conn)
            )
    if problems:
        for p in problems:
            click.echo(f"  - {p}", err=True)
        click.echo(f"错误：数据库未通过完整性检查（{len(problems)} 个问题）：{_shown(store.url)}", err=True)
        sys.exit(1)
    click.echo(
        f"数据库完整性检查通过（无隐患键重复），数据库结构版本 {store.revision()}：{_shown(store.url)}"
    )


def _shown(url: str) -> str:
    """The URL without its password."""
    return sa.engine.make_url(url).render_as_string(hide_password=True)
