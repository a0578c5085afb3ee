"""The root ``hazard`` group and the options every command shares."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import HazardError, ValidationFailed
from ..regions import load_regions
from ..store import Store, default_user, open_store

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.version_option(package_name="hazardlib", message="hazard %(version)s")
def main() -> None:
    """黔南州重点工业产品质量安全隐患排查治理行动工作台。

    Qiannan supervision workbook for the key-industrial-product quality-safety hazard campaign.
    """


def db_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--db",
        "db",
        envvar="HAZARD_DB",
        default=None,
        metavar="URL",
        help="数据库地址（SQLAlchemy URL），默认 data/workbook.db；也可用环境变量 HAZARD_DB。"
        " Store URL (default: the embedded SQLite file).",
    )(f)


def user_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--user",
        "user",
        envvar="HAZARD_USER",
        default=None,
        metavar="NAME",
        help="操作人姓名，写入审计日志；也可用环境变量 HAZARD_USER。 Person acting, recorded in the audit log.",
    )(f)


def county_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--county",
        "county",
        default=None,
        metavar="CODE",
        help="县（市）行政区划代码，如 522701；不填为全州。 County code (default: the whole prefecture).",
    )(f)


def as_of_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--as-of",
        "as_of",
        default=None,
        metavar="DATE",
        callback=parse_date,
        help="统计截止日期 YYYY-MM-DD，默认今天。 The date the figures are taken at (default: today).",
    )(f)


def output_option(help_text: str) -> Callable[[Any], Any]:
    """The ``-o/--output`` file a command writes; ``help_text`` says what the file holds."""
    return click.option(
        "-o",
        "--output",
        "output",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help=help_text,
    )


def stacked(*decorators: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """One decorator that applies *decorators* as if written one above the other, first on top."""

    def apply(f: Any) -> Any:
        for decorator in reversed(decorators):
            f = decorator(f)
        return f

    return apply


# Who acts, on which store, for which county: the options of every command that reads or writes one county.
scope_options = stacked(db_option, user_option, county_option)

table_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="输出格式：table 为中文表格，json 供程序读取。 Output: a readable table, or JSON.",
)


def parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"“{value}”不是有效的日期，应写作 YYYY-MM-DD") from None


def friendly_errors(f: Callable[..., Any]) -> Callable[..., Any]:
    """Print a HazardError as a Chinese message on stderr and exit 1, instead of a traceback."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except ValidationFailed as exc:
            click.echo("错误：数据校验未通过，未写入任何数据：", err=True)
            for finding in exc.findings:
                click.echo(f"  - {finding}", err=True)
            sys.exit(1)
        except HazardError as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(1)

    return wrapper


def store_for(db: str | None, user: str | None = None, county: str | None = None) -> Store:
    """The store the command works on, created or upgraded to the current schema."""
    if county:
        regions = load_regions()
        if county != regions.prefecture.code:
            regions.county(county)  # raises UnknownCounty with a Chinese message
    return open_store(db, user=user or default_user(), county=county)
