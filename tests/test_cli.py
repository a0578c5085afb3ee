"""The ``hazard`` command: every command has help in Chinese and English, and bad options get Chinese messages."""

from __future__ import annotations

import re

import click
from click.testing import CliRunner

from hazardlib.cli import main

CJK = re.compile(r"[\u4e00-\u9fff]")


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, cmd in group.commands.items():
        found.append((*prefix, name))
        if isinstance(cmd, click.Group):
            found.extend(all_commands(cmd, (*prefix, name)))
    return found


def test_every_command_has_help_in_chinese_and_english():
    runner = CliRunner()
    commands = all_commands(main)
    assert {("init",), ("demo",), ("serve",)} <= set(commands)
    for path in commands:
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, path
        assert CJK.search(result.output), f"{path}: no Chinese in --help"
        assert re.search(r"[A-Za-z]{4,} [a-z]{3,}", result.output), f"{path}: no English in --help"


def test_every_writing_command_takes_user():
    for name in ("init", "demo"):
        params = {p.name for p in main.commands[name].params}
        assert "user" in params, name


def test_a_bad_date_is_refused_in_chinese(tmp_path):
    result = CliRunner().invoke(
        main, ["serve", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--as-of", "2024-13-01"]
    )
    assert result.exit_code != 0 and "不是有效的日期" in result.output
