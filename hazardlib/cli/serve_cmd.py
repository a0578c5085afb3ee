"""``hazard serve``: the dashboards under Voilà."""

from __future__ import annotations

import click

from .base import as_of_option, county_option, db_option, friendly_errors, main, user_option


@main.command("serve")
@db_option
@user_option
@county_option
@as_of_option
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。 Address to listen on.")
@click.option("--port", default=8866, show_default=True, type=int, help="端口。 Port.")
@friendly_errors
def serve_cmd(db, user, county, as_of, host, port) -> None:  # type: ignore[no-untyped-def]
    """启动工作台看板（Voilà），供县局和州局工作人员在浏览器中使用。

    Serve the dashboards with Voilà.
    """
    click.echo(
        "看板尚未完成：本版本已提供数据库、演示数据和命令行；看板将在后续版本（看板需求）中提供。\n"
        "Dashboards come in a later change."
    )
