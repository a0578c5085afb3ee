"""``hazard report NAME``: write a report (results list, ledgers, typical cases, tracing, county
comparison, summaries) as xlsx, json, csv or docx."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..exports import export, format_for
from ..reports import REPORT_NAMES, REPORTS
from .root import as_of_option, friendly_errors, main, output_option, scope_options, store_for


def _epilog() -> str:
    lines = ["\b", "报表 NAME（可用格式） Reports and their formats:"]
    lines += [f"  {r.name:<18} {r.title}（{'、'.join(r.formats)}）：{r.help}" for r in REPORTS.values()]
    return "\n".join(lines)


def _names() -> list[str]:
    return list(REPORT_NAMES)


@main.command("report", epilog=_epilog())
@click.argument("name", type=click.Choice(_names()), metavar="NAME")
@scope_options
@as_of_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "json", "csv", "docx"]),
    default=None,
    help="导出格式；不填时按输出文件的扩展名判断。 Output format (default: from the file's extension).",
)
@output_option("输出文件。 File to write.")
@click.option(
    "--preparer",
    default=None,
    metavar="NAME",
    help="表格上的填表人，默认为 --user（或环境变量 HAZARD_USER）；都没有时留空，由填表人手写。"
    " Preparer named on the form (default: --user; blank when neither is given).",
)
@friendly_errors
def report_cmd(
    name: str,
    db: str | None,
    user: str | None,
    county: str | None,
    as_of: dt.date | None,
    fmt: str | None,
    output: Path,
    preparer: str | None,
) -> None:
    """导出报表：行动成果清单、整改台账、逾期和未完成整改清单、典型案例、双向追查、各县（市）进展对比、工作总结草稿。

    统计截至 --as-of（默认今天）；指定 --county 时只含该县（市）的数据。各项指标的定义见 docs/reports.md，
    行动成果清单的 Excel 文件另附“指标说明”表。填报日期为统计截止日。

    Write report NAME as of a date, for one county or the whole prefecture, to the file given by -o;
    the format follows the file's extension unless --format says otherwise.
    """
    chosen = format_for(name, output, fmt)
    store = store_for(db, user, county)
    path = export(name, store, as_of, county, chosen, output, preparer=preparer or user)
    click.echo(f"已导出：{path}")
