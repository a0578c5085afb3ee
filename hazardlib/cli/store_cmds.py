"""``hazard init`` and ``hazard demo``."""

from __future__ import annotations

import click

from ..demo import DemoExists, generate
from ..demo.next_year import YearNotDrawable, generate_year
from ..demo.texts import NEXT_YEAR_SUMMARY
from ..store import Store, table_label
from .root import db_option, friendly_errors, main, store_for, user_option


@main.command("init")
@db_option
@user_option
@friendly_errors
def init_cmd(db: str | None, user: str | None) -> None:
    """创建或升级数据库（可重复执行，已是最新时不做任何修改）。

    Create the store, or upgrade it to the current schema; idempotent.
    """
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
@click.option(
    "--year",
    type=click.IntRange(min=2025),
    default=None,
    help="在已有演示数据之上生成这一年度（须先 hazard campaign new 年度 --from 上一年度；规模随已有数据）。"
    " Draw this later campaign year on top of the demo.",
)
@friendly_errors
def demo_cmd(
    db: str | None, user: str | None, seed: int, scale: float, replace: bool, quiet: bool, year: int | None
) -> None:
    """生成演示行动数据（2024 年行动及上一年度），供试用、培训和测试；--year 2025 在其上生成 2025 年度。

    Fill the store with a deterministic demo campaign (2024 and the year before); with --year, draw a
    later campaign year on top of it.
    """
    store = store_for(db, user or "演示数据生成器")
    if year is not None:
        try:
            counts = generate_year(store, year, seed=seed)
        except YearNotDrawable as exc:
            click.echo(str(exc))
            raise SystemExit(1) from None
        lines = [f"  {table_label(t)}：{n:,} 条" for t, n in counts.items()]
        click.echo("\n".join([NEXT_YEAR_SUMMARY.format(year=year, seed=seed), *lines]))
        return
    try:
        summary = generate(store, seed=seed, scale=scale, replace=replace, progress=not quiet)
    except DemoExists as exc:
        click.echo(str(exc))
        return
    click.echo(summary.text())
