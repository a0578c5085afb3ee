"""``hazard users``: the login accounts of the dashboards (add, list, passwd, disable, enable).

A password is read from the terminal without echo and asked twice, or, for scripts, as one line on
standard input with ``--password-stdin``; it never appears on the command line.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from ..accounts import (
    AccountError,
    AccountExists,
    AccountNotFound,
    add_user,
    check_county,
    check_name,
    check_password,
    disable_user,
    enable_user,
    get_account,
    list_users,
    set_password,
)
from ..errors import HazardError
from .root import db_option, friendly_errors, main, store_for, user_option

ATTEMPTS = 3


class PasswordNotGiven(HazardError):
    """No usable password was typed or piped in."""


class ScopeNotGiven(HazardError):
    """``users add`` without exactly one of --county and --prefecture."""

    def __init__(self) -> None:
        super().__init__(
            "请指定账号范围：县（市）局人员用 --county 县（市）代码（如 522701），州局人员用 --prefecture，二者选一"
        )


@main.group("users")
def users_group() -> None:
    """管理看板登录账号：每人一个账号，属于一个县（市）或州局。

    Manage the dashboards' login accounts: one per person, each for one county or the prefecture.
    """


def password_stdin_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--password-stdin",
        is_flag=True,
        help="从标准输入读取一行作为密码（供脚本使用）。 Read the password as one line from standard input.",
    )(f)


def read_password(from_stdin: bool) -> str:
    """The new password: one line of standard input, or typed twice without echo (asked again, up to three
    times, when it is refused or the two do not match)."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        check_password(line)  # WeakPassword, a HazardError: reported by friendly_errors
        return line
    for _ in range(ATTEMPTS):
        first = click.prompt("请输入密码（输入时不显示）", hide_input=True, default="", show_default=False)
        try:
            check_password(first)
        except AccountError as exc:
            click.echo(str(exc), err=True)
            continue
        again = click.prompt("请再输入一次密码", hide_input=True, default="", show_default=False)
        if again == first:
            return first
        click.echo("两次输入的密码不一致，请重新输入。", err=True)
    raise PasswordNotGiven(f"连续 {ATTEMPTS} 次未能设置密码，未做任何修改")


@users_group.command("add")
@click.argument("name")
@click.option(
    "--county",
    "county",
    default=None,
    metavar="CODE",
    help="账号所属县（市）的行政区划代码，如 522701。 The county the person works for.",
)
@click.option(
    "--prefecture",
    is_flag=True,
    help="州局账号（可查看和处理全州数据）；与 --county 二选一。 A prefecture account (sees every county).",
)
@password_stdin_option
@db_option
@user_option
@friendly_errors
def add_cmd(
    name: str, county: str | None, prefecture: bool, password_stdin: bool, db: str | None, user: str | None
) -> None:
    """新建登录账号：县（市）局人员用 --county 代码，州局人员用 --prefecture。

    Create a login account: --county CODE for county staff, --prefecture for the prefecture bureau.
    """
    if prefecture == bool(county):
        raise ScopeNotGiven()
    store = store_for(db, user)
    check_name(name)  # a bad name or county is refused before a password is asked for
    code = None if prefecture else check_county(county)
    if code is None and not prefecture:
        raise ScopeNotGiven()  # --county 522700: the prefecture is asked for with --prefecture
    if get_account(store, name) is not None:
        raise AccountExists(name.strip())
    account = add_user(store, name, code, read_password(password_stdin))
    click.echo(f"已创建账号“{account.name}”，范围：{account.scope_name}（{account.scope_code}）")


@users_group.command("list")
@db_option
@friendly_errors
def list_cmd(db: str | None) -> None:
    """列出全部登录账号（不显示密码）。

    List every login account (never a password or its hash).
    """
    accounts = list_users(store_for(db))
    if not accounts:
        click.echo("还没有登录账号；用 hazard users add 姓名 --county 县（市）代码 创建。")
        return
    click.echo("账号\t范围\t状态\t创建时间\t最后修改")
    for a in accounts:
        state = "可登录" if a.active else "已停用"
        click.echo(
            f"{a.name}\t{a.scope_name}（{a.scope_code}）\t{state}\t"
            f"{a.created_at:%Y-%m-%d %H:%M}\t{a.updated_at:%Y-%m-%d %H:%M}"
        )


@users_group.command("passwd")
@click.argument("name")
@password_stdin_option
@db_option
@user_option
@friendly_errors
def passwd_cmd(name: str, password_stdin: bool, db: str | None, user: str | None) -> None:
    """修改账号密码；该账号已有的登录随即失效。

    Set a new password; the account's current logins stop working.
    """
    store = store_for(db, user)
    if get_account(store, name) is None:
        raise AccountNotFound(name)  # before a password is asked for
    account = set_password(store, name, read_password(password_stdin))
    click.echo(f"已修改账号“{account.name}”的密码")


@users_group.command("disable")
@click.argument("name")
@db_option
@user_option
@friendly_errors
def disable_cmd(name: str, db: str | None, user: str | None) -> None:
    """停用账号：不能再登录，已有的登录随即失效；其填报的数据和审计记录保留。

    Disable an account: it can no longer log in; its records and audit entries stay.
    """
    account = disable_user(store_for(db, user), name)
    click.echo(f"已停用账号“{account.name}”")


@users_group.command("enable")
@click.argument("name")
@db_option
@user_option
@friendly_errors
def enable_cmd(name: str, db: str | None, user: str | None) -> None:
    """重新启用已停用的账号。

    Let a disabled account log in again.
    """
    account = enable_user(store_for(db, user), name)
    click.echo(f"已重新启用账号“{account.name}”")
