"""``hazard init``, ``hazard demo`` and ``hazard recount``."""

from __future__ import annotations

import datetime as dt

import click

from .base import as_of_option, db_option, friendly_errors, main, store_for, user_option


@main.command("init")
@db_option
@user_option
@friendly_errors
def init_cmd(db: str | None, user: str | None) -> None:
    """创建或升级数据库（可重复执行，已是最新时不做任何修改）。

    Create the store, or upgrade it to the current schema; idempotent.
    """
    from ..store import Store

    store = Store(db, user=user)
    before = store.revision()
    changed = store.upgrade()
    if not changed:
        click.echo(f"数据库已是最新结构（版本 {before}），未做修改：{store.url}")
    elif before is None:
        click.echo(f"已创建数据库（版本 {store.revision()}）：{store.url}")
    else:
        click.echo(f"已将数据库从版本 {before} 升级到 {store.revision()}：{store.url}")


@main.command("demo")
@db_option
@user_option
@click.option(
    "--seed", default=7, show_default=True, type=int, help="随机种子；同一种子生成完全相同的数据。 Seed."
)
@click.option(
    "--scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0.001, max=1000),
    help="规模：1 约为 2000 家企业、5000 条隐患，按比例增长。 Volume factor (linear).",
)
@click.option(
    "--replace", is_flag=True, help="清除已有的演示数据后重新生成。 Replace an existing demo campaign."
)
@click.option("--quiet", is_flag=True, help="不显示进度条。 No progress bar.")
@friendly_errors
def demo_cmd(db: str | None, user: str | None, seed: int, scale: float, replace: bool, quiet: bool) -> None:
    """生成演示行动数据（2024 年行动及上一年度），供试用、培训和测试。

    Fill the store with a deterministic demo campaign (2024 and the year before).
    """
    from ..demo import DemoExists, generate

    store = store_for(db, user or "演示数据生成器")
    try:
        summary = generate(store, seed=seed, scale=scale, replace=replace, progress=not quiet)
    except DemoExists as exc:
        click.echo(str(exc))
        return
    click.echo(summary.text())


@main.command("recount")
@db_option
@user_option
@as_of_option
@click.option("--check", is_flag=True, help="只核对，不重算。 Compare only; change nothing.")
@friendly_errors
def recount_cmd(db: str | None, user: str | None, as_of: dt.date | None, check: bool) -> None:
    """重算成果清单计数表，并与按记录逐项统计的结果核对。

    Count the results list's running counts afresh from the records (one audited transaction), then
    compare the list from the counts with the list by the plain definitions at --as-of. With --check,
    only compare. Exit 1 when they differ. Needed after a campaign calendar is added or changed.
    """
    import sys

    from ..counters import rebuild
    from ..reports.results_list import count_differences

    store = store_for(db, user)
    if not check:
        with store.transaction("重算成果清单计数表") as tx:
            rows = rebuild(tx.conn)
            tx.audit("recount", "figure_counts", None, None, {"rows": rows}, None)
        click.echo(f"已重算成果清单计数表：{rows} 行")
    differences = count_differences(store, as_of)
    if differences:
        click.echo("计数表与按记录统计的结果不一致：", err=True)
        for line in differences:
            click.echo(f"  - {line}", err=True)
        sys.exit(1)
    click.echo("计数表与按记录统计的结果一致。")
