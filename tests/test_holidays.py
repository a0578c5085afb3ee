"""The holiday calendar as data: a year the bureau adds in data/holidays/, checked against chinesecalendar."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from hazardlib import holidays
from hazardlib.campaign import add_working_days, deadline_from
from hazardlib.datafiles import ENV_VAR, data_dir
from hazardlib.errors import CalendarOutOfRange, ValidationFailed

# A made-up notice for a year chinesecalendar does not know: 元旦 on Friday 1 January 2027 with the
# weekend after it, and Saturday 9 January worked in exchange.
NOTICE_2027 = """\
year = 2027
source = "测试用的节假日安排"

[[holidays]]
name = "元旦"
from = 2027-01-01
to = 2027-01-03
workdays = [2027-01-09]
"""


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of data/ the test may add holiday files to."""
    folder = tmp_path / "data"
    shutil.copytree(data_dir(), folder)
    monkeypatch.setenv(ENV_VAR, str(folder))
    return folder


def test_the_shipped_years_agree_with_chinesecalendar_day_by_day():
    years = holidays.kept_years()
    assert 2026 in years
    for year in years:
        calendar = holidays.year_calendar(year)
        assert calendar is not None and calendar.year == year


def test_deadlines_in_a_year_neither_knows_fail_naming_the_file_to_add(data: Path):
    assert not holidays.package_knows(2027)
    with pytest.raises(CalendarOutOfRange, match=r"data/holidays/2027\.toml") as caught:
        add_working_days(date(2026, 12, 30), 5)
    assert caught.value.file == "data/holidays/2027.toml"
    with pytest.raises(CalendarOutOfRange, match=r"data/holidays/2027\.toml"):
        deadline_from(date(2026, 12, 1), 31, "calendar")  # 1 January 2027: holiday or not, unknown


def test_deadlines_in_2027_work_once_data_holds_its_holidays(data: Path):
    (data / "holidays" / "2027.toml").write_text(NOTICE_2027, encoding="utf-8")
    # 31 calendar days after 1 December 2026 is 1 January 2027, a holiday: the period ends on Monday 4 January.
    assert deadline_from(date(2026, 12, 1), 31, "calendar") == date(2027, 1, 4)
    # one day short: 31 December 2026 is a Thursday, a working day.
    assert deadline_from(date(2026, 12, 1), 30, "calendar") == date(2026, 12, 31)
    # Working days: 31 Dec (Thu), then 4, 5, 6, 7, 8 January, and the make-up Saturday 9 January.
    assert add_working_days(date(2026, 12, 30), 6) == date(2027, 1, 8)
    assert add_working_days(date(2026, 12, 30), 7) == date(2027, 1, 9)


def test_a_file_that_disagrees_with_chinesecalendar_is_refused_naming_file_line_and_day(data: Path):
    path = data / "holidays" / "2026.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("to = 2026-10-07", "to = 2026-10-06"), encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        add_working_days(date(2026, 9, 30), 3)
    message = str(caught.value)
    assert "data/holidays/2026.toml" in message
    assert "2026-10-07" in message and "休息日" in message


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (("year = 2027", "year = 2028"), "应为 2027"),
        (("workdays = [2027-01-09]", "workdays = [2027-01-08]"), "不是星期六或星期日"),
        (("to = 2027-01-03", "to = 2028-01-03"), "不在 2027 年内"),
        (("to = 2027-01-03", "to = 2026-12-03"), "起止日期无效"),
        (('name = "元旦"', 'name = ""'), "节日名称不能为空"),
    ],
)
def test_a_mistyped_notice_is_refused_with_the_field_and_reason(
    data: Path, edit: tuple[str, str], words: str
):
    (data / "holidays" / "2027.toml").write_text(NOTICE_2027.replace(*edit), encoding="utf-8")
    with pytest.raises(ValidationFailed, match=words) as caught:
        holidays.year_calendar(2027)
    assert all(f.file == "data/holidays/2027.toml" for f in caught.value.findings)


def test_a_notice_that_is_not_toml_is_refused_in_chinese(data: Path):
    (data / "holidays" / "2027.toml").write_text("year = ", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="文件格式有误"):
        holidays.year_calendar(2027)
