"""``hazard campaign``: start a new campaign year from last year's files, check them, list the years."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import click

from ..campaign_files import campaign_summaries, check_campaign, new_campaign
from ..datafiles import data_dir
from ..errors import Finding
from ..instruments import prefix_problems
from .root import friendly_errors, main, table_format_option

SEVERITY = {"error": "错误", "warning": "提醒"}


@main.group("campaign")
def campaign_group() -> None:
    """年度行动：从上一年的日历生成新一年的行动文件，校验，列出各年度。

    Campaign years as data: make next year's files from last year's, check them, list them.
    """


@campaign_group.command("new")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.option(
    "--from",
    "source_year",
    type=click.IntRange(2000, 2100),
    required=True,
    help="以哪一年的行动文件为底稿。 The year whose files to start from.",
)
@friendly_errors
def new_cmd(year: int, source_year: int) -> None:
    """从 --from 年度的行动日历生成 YEAR 年度的行动日历（日期顺延，供业务科室修改）。

    Create YEAR's campaign calendar from an earlier year's, for the quality section to edit.
    """
    path = new_campaign(year, source_year)
    click.echo(
        f"已生成 {path}：日期按{source_year}年顺延，请对照{year}年工作方案修改后运行 hazard campaign check {year}"
    )
    problems = check_campaign(year)
    for finding in problems:
        click.echo(f"  {SEVERITY[finding.severity]}：{finding}")


def _finding_json(finding: Finding) -> dict[str, object]:
    data = asdict(finding)
    data["value"] = None if finding.value is None else str(finding.value)
    return data


@campaign_group.command("check")
@click.argument("year", type=click.IntRange(2000, 2100))
@table_format_option
@friendly_errors
def check_cmd(year: int, fmt: str) -> None:
    """校验 YEAR 年度的行动文件和“三书一函”的文号前缀（每个县（市）局和州局都须有），逐条列出问题（文件、行、
    字段）；有错误时退出码为 1。

    Check YEAR's campaign files and that every bureau has an instrument number prefix; every problem with
    file, line and field. Exit 1 on an error.
    """
    problems = check_campaign(year) + prefix_problems()
    if fmt == "json":
        click.echo(json.dumps([_finding_json(f) for f in problems], ensure_ascii=False, indent=2))
    elif not problems:
        click.echo(f"{year}年度行动文件校验通过")
    else:
        for finding in problems:
            click.echo(f"{SEVERITY[finding.severity]}：{finding}")
    if any(f.severity == "error" for f in problems):
        sys.exit(1)


@campaign_group.command("list")
@table_format_option
@friendly_errors
def list_cmd(fmt: str) -> None:
    """列出有行动日历的各年度。 List the campaign years."""
    rows = campaign_summaries()
    if fmt == "json":
        data = [
            {
                **asdict(r),
                "start": r.start and r.start.isoformat(),
                "finish": r.finish and r.finish.isoformat(),
                "deadlines": [d.isoformat() for d in r.deadlines],
            }
            for r in rows
        ]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"行动日历所在文件夹：{data_dir() / 'campaigns'}")
    for r in rows:
        when = f"{r.start}～{r.finish}" if r.start else ""
        deadlines = "、".join(f"{d.month}月{d.day}日" for d in r.deadlines)
        state = (
            f"错误 {r.errors} 项" if r.errors else ("校验通过" if not r.warnings else f"提醒 {r.warnings} 项")
        )
        carried = f"结转自 {r.carried_over_from} 年度" if r.carried_over_from is not None else "—"
        click.echo(
            f"{r.year}  {r.title}  {when}  {carried}  报送期限：{deadlines or '无'}  重点产品 {r.categories} 类  "
            f"县（市）自选产品 {r.county_products} 种  {state}"
        )
