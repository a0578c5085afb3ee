"""``hazard serve``: the dashboards under Voilà, bound to one county (or the prefecture), date and person."""

from __future__ import annotations

import datetime as dt

import click

from .base import as_of_option, county_option, db_option, friendly_errors, main, store_for, user_option


@main.command("serve")
@db_option
@user_option
@county_option
@as_of_option
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。 Address to listen on.")
@click.option("--port", default=8866, show_default=True, type=int, help="端口。 Port.")
@friendly_errors
def serve_cmd(
    db: str | None, user: str | None, county: str | None, as_of: dt.date | None, host: str, port: int
) -> None:
    """启动工作台看板（Voilà），供县局和州局工作人员在浏览器中使用。

    看板只能查看和修改 --county 指定县（市）的数据（不指定为全州），浏览器无法更改；
    --as-of 是看板中的“今天”；--user 记入每条修改的审计记录。

    Serve the dashboards with Voilà, bound to one county (or the prefecture), an as-of date and the
    person acting; the browser cannot change any of them.
    """
    from ..apps.session import Session
    from ..serve import ServeConfig, banner, check_port, dashboards_dir, run

    check_port(host, port)
    store = store_for(db, user, county)  # validates the county, creates or upgrades the schema
    store.dispose()
    session = Session(url=store.url, county=store.county, as_of=as_of or dt.date.today(), user=store.user)
    config = ServeConfig(session=session, host=host, port=port, root=dashboards_dir())
    click.echo(banner(config))
    run(config)
