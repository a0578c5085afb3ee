"""``hazard serve``: the dashboards under Voilà, bound to one county (or the prefecture), date and person —
or, with login, to whoever logs in."""

from __future__ import annotations

import dataclasses
import datetime as dt

import click

from .. import serve
from ..accounts import count_active
from ..apps.session import Session
from ..errors import HazardError
from ..serve import ServeConfig, banner, check_exposure, check_port, dashboards_dir, trusted_proxies
from .root import as_of_option, friendly_errors, main, scope_options, store_for


class LoginConflict(HazardError):
    """--county or --user given with login on, where the login decides both."""


@main.command("serve")
@scope_options
@as_of_option
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。 Address to listen on.")
@click.option("--port", default=8866, show_default=True, type=int, help="端口。 Port.")
@click.option(
    "--login/--no-login",
    "login",
    default=None,
    help="是否要求登录；默认：数据库中有可用账号时要求登录。监听非本机地址时必须登录。"
    " Require a login (default: when the store has an active account; required beyond loopback).",
)
@click.option(
    "--trusted-proxy",
    "proxies",
    multiple=True,
    metavar="ADDRESS",
    help="反向代理的地址或网段（可写多次）：只有来自这些地址的请求，其 X-Forwarded-For 才被用来识别"
    "登录者的网络地址（登录失败限速按此地址计）。 A reverse proxy whose X-Forwarded-For is believed.",
)
@click.option(
    "--pool",
    default=serve.DEFAULT_POOL,
    show_default=True,
    type=click.IntRange(0, serve.MAX_POOL),
    help="每个看板预先启动并等待请求的内核数（打开页面即显示数据；每个内核约占 65 MB 内存）；0 表示不预启动。"
    " Preheated kernels kept ready per dashboard (0: none).",
)
@click.option(
    "--max-kernels",
    default=None,
    type=click.IntRange(1, 1000),
    help="同时存在的内核数上限（含预启动内核；每个打开的页面一个）：超过时页面显示“服务器繁忙，正在重试…”并自动重试。"
    f"默认按内存计算：整个服务至多 {serve.MEMORY_BUDGET_MB // 1024} GB，且不超过启动时本机可用内存的 "
    f"{serve.MACHINE_SHARE:.0%}；看板服务本身按 {serve.SERVER_MB} MB、每个内核按 {serve.KERNEL_MB} MB"
    f"（从预加载进程派生；单独启动按 {serve.KERNEL_PLAIN_MB} MB）计，至少 {serve.MIN_KERNELS} 个。"
    " Kernels alive at once; beyond, a page says the server is busy and retries. Default: as many as fit in the"
    " memory budget and in the memory the machine has free at the start.",
)
@click.option(
    "--fork-kernels/--no-fork-kernels",
    default=True,
    show_default=True,
    help="从已导入工作台程序的预加载进程派生每个页面的内核（启动快、共享内存）；--no-fork-kernels 则每个内核单独启动。"
    " Fork each page's kernel from a process that has imported the workbook already.",
)
@click.pass_context
@friendly_errors
def serve_cmd(
    ctx: click.Context,
    db: str | None,
    user: str | None,
    county: str | None,
    as_of: dt.date | None,
    host: str,
    port: int,
    login: bool | None,
    proxies: tuple[str, ...],
    pool: int,
    max_kernels: int | None,
    fork_kernels: bool,
) -> None:
    """启动工作台看板（Voilà），供县局和州局工作人员在浏览器中使用。

    不登录时（仅限本机）：看板只能查看和修改 --county 指定县（市）的数据（不指定为全州），浏览器无法更改；
    --user 记入每条修改的审计记录。启用登录时（--login，或数据库中已有账号）：每人用 hazard users add
    创建的账号登录，数据范围和操作人都取自其账号。--as-of 是看板中的“今天”。

    Serve the dashboards with Voilà. Without login (loopback only) they are bound to one county (or the
    prefecture) and person; with login each person logs in and gets their account's county. The browser
    cannot change either.
    """
    trusted_proxies(proxies)  # a bad address is refused before anything starts
    if login is False:
        check_exposure(host, login=False)  # refused before anything is touched
    check_port(host, port)
    store = store_for(db, user, county)  # validates the county, creates or upgrades the schema
    active = count_active(store)
    store.dispose()
    login = active > 0 if login is None else login
    check_exposure(host, login, active)
    if login:
        given = [f"--{name}" for name in ("county", "user") if _from_command_line(ctx, name)]
        if given:
            raise LoginConflict(
                f"启用登录后，数据范围和操作人由各人的登录账号决定，不能再用 {'、'.join(given)} 指定；"
                "请去掉这些选项（或加 --no-login，仅在本机使用）"
            )
    session = Session(
        url=store.url,
        county=None if login else store.county,
        as_of=as_of or dt.date.today(),
        user=store.user,
    )
    config = ServeConfig(
        session=session,
        host=host,
        port=port,
        root=dashboards_dir(),
        login=login,
        proxies=proxies,
        pool=pool,
        max_kernels=max_kernels,
        fork_kernels=fork_kernels,
    )
    # the machine's free memory read once, here: the banner says the bound Voilà is given
    config = dataclasses.replace(config, max_kernels=serve.kernel_limit(config))
    click.echo(banner(config))
    serve.run(config)  # looked up when called: tests stand in for the server here


def _from_command_line(ctx: click.Context, name: str) -> bool:
    return ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE
