"""``hazard users``: accounts added with a hidden, confirmed password (or one line of standard input),
listed without secrets, given new passwords and disabled; bad input refused in Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hazardlib.accounts import get_account, verify_password
from hazardlib.cli import main
from hazardlib.cli.users_cmd import users_group
from hazardlib.store import Store, open_store

PASSWORD = "secret-都匀-1"


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'w.db'}"


def users(db: str, *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["users", *args, "--db", db], input=input)


def test_an_account_is_added_with_a_hidden_password_typed_twice(db):
    result = users(
        db, "add", "张三", "--county", "522701", "--user", "州局管理员", input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "请输入密码" in result.output and "请再输入一次密码" in result.output
    assert "已创建账号“张三”，范围：都匀市（522701）" in result.output
    assert PASSWORD not in result.output  # typed without echo
    store = Store(db)
    account = verify_password(store, "张三", PASSWORD)
    assert account is not None and account.county == "522701"


def test_a_mismatch_or_a_short_password_is_asked_again_and_three_failures_change_nothing(db):
    retried = users(
        db, "add", "李四", "--prefecture", input=f"short\n{PASSWORD}\nother-one\n{PASSWORD}\n{PASSWORD}\n"
    )
    assert retried.exit_code == 0, retried.output
    assert "至少 8 个字符" in retried.output and "两次输入的密码不一致" in retried.output
    assert verify_password(Store(db), "李四", PASSWORD) is not None

    failed = users(db, "add", "王五", "--county", "522702", input="a\nb\nc\n")
    assert failed.exit_code == 1 and "连续 3 次未能设置密码，未做任何修改" in failed.output
    assert get_account(Store(db), "王五") is None


def test_a_script_gives_the_password_on_standard_input(db):
    result = users(db, "add", "王五", "--county", "522722", "--password-stdin", input=f"{PASSWORD}\n")
    assert result.exit_code == 0 and "荔波县" in result.output
    assert "请输入密码" not in result.output
    assert verify_password(Store(db), "王五", PASSWORD) is not None


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--county", "999999"], PASSWORD, "不是黔南州所辖县（市）的行政区划代码"),
        ([], PASSWORD, "请指定账号范围"),
        (["--county", "522701", "--prefecture"], PASSWORD, "二者选一"),
        (["--county", "522700"], PASSWORD, "--prefecture"),
        (["--county", "522701"], "1234567", "至少 8 个字符"),
        (["--county", "522701"], "", "不能为空"),
    ],
)
def test_bad_accounts_are_refused_in_chinese_and_nothing_is_added(db, args, stdin, message):
    result = users(db, "add", "赵六", *args, "--password-stdin", input=f"{stdin}\n")
    assert result.exit_code == 1, result.output
    assert "错误：" in result.output and message in result.output
    assert get_account(open_store(db), "赵六") is None


def test_a_duplicate_name_is_refused_before_a_password_is_asked_for(db):
    assert (
        users(db, "add", "张三", "--county", "522701", "--password-stdin", input=f"{PASSWORD}\n").exit_code
        == 0
    )
    again = users(db, "add", "张三", "--county", "522702")
    assert again.exit_code == 1 and "账号“张三”已存在" in again.output and "请输入密码" not in again.output
    bad_name = users(db, "add", "张 三", "--county", "522702")
    assert bad_name.exit_code == 1 and "不含空格" in bad_name.output and "请输入密码" not in bad_name.output


def test_list_passwd_and_disable(db):
    for name, scope in (("张三", ["--county", "522701"]), ("州局李四", ["--prefecture"])):
        assert users(db, "add", name, *scope, "--password-stdin", input=f"{PASSWORD}\n").exit_code == 0
    listed = users(db, "list")
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert lines[1].startswith("州局李四\t黔南布依族苗族自治州（522700）\t可登录")
    assert lines[2].startswith("张三\t都匀市（522701）\t可登录")
    assert "argon2" not in listed.output

    changed = users(db, "passwd", "张三", input="new-password-1\nnew-password-1\n")
    assert changed.exit_code == 0 and "已修改账号“张三”的密码" in changed.output
    store = Store(db)
    assert verify_password(store, "张三", PASSWORD) is None
    assert verify_password(store, "张三", "new-password-1") is not None
    missing = users(db, "passwd", "无此人")
    assert (
        missing.exit_code == 1
        and "没有名为“无此人”的账号" in missing.output
        and "请输入密码" not in missing.output
    )

    disabled = users(db, "disable", "张三")
    assert disabled.exit_code == 0 and "已停用账号“张三”" in disabled.output
    assert verify_password(store, "张三", "new-password-1") is None
    assert "张三\t都匀市（522701）\t已停用" in users(db, "list").output
    assert users(db, "enable", "张三").exit_code == 0
    assert verify_password(store, "张三", "new-password-1") is not None


def test_an_empty_store_says_how_to_add_the_first_account(db):
    result = users(db, "list")
    assert result.exit_code == 0 and "hazard users add" in result.output


def test_docs_login_shows_every_users_command():
    text = (Path(__file__).resolve().parents[1] / "docs" / "login.md").read_text(encoding="utf-8")
    for name in users_group.commands:
        assert f"hazard users {name}" in text, name
