"""Campaign calendar: the three stages, report deadlines, thresholds and working-day deadlines."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hazardlib.campaign import (
    REQUIRED_PARAMETERS,
    add_working_days,
    available_years,
    campaign_year_of,
    deadline_from,
    load_campaign,
)
from hazardlib.datafiles import data_dir
from hazardlib.errors import CalendarOutOfRange, CampaignNotFound, ValidationFailed


@pytest.fixture(scope="module")
def campaign():
    return load_campaign(2024)


def test_campaign_2024_has_the_plans_three_stages(campaign):
    assert [(s.no, s.name) for s in campaign.stages] == [
        (1, "部署、自查自纠"),
        (2, "现场检查、隐患排查"),
        (3, "隐患治理、质量帮扶"),
    ]
    assert [(s.start, s.end) for s in campaign.stages] == [
        (date(2024, 5, 11), date(2024, 6, 20)),
        (date(2024, 6, 21), date(2024, 8, 31)),
        (date(2024, 9, 1), date(2024, 10, 31)),
    ]
    assert campaign.start == date(2024, 5, 11) and campaign.finish == date(2024, 10, 31)


def test_campaign_2024_report_deadlines(campaign):
    assert [(d.day, d.items) for d in campaign.deadlines] == [
        (date(2024, 8, 20), ("行动成果清单", "阶段性工作总结")),
        (date(2024, 10, 20), ("工作总结", "行动成果清单", "典型案例")),
    ]


def test_every_threshold_is_a_parameter(campaign):
    assert set(REQUIRED_PARAMETERS) <= set(campaign.parameters)
    assert campaign.parameter("special_supervision_major_risks") == 3
    assert campaign.parameter("consecutive_unqualified") == 2
    with pytest.raises(KeyError, match="没有参数"):
        campaign.parameter("no_such_threshold")


def test_previous_year_exists_for_demo_history():
    assert available_years()[:2] == (2023, 2024)
    assert load_campaign(2023).stages[1].start == date(2023, 6, 21)


def test_missing_campaign_year_raises_in_chinese():
    with pytest.raises(CampaignNotFound, match="没有2031年度的行动日历"):
        load_campaign(2031)


@pytest.mark.parametrize(
    ("day", "no", "days_left", "label"),
    [
        (date(2024, 5, 11), 1, 41, "第一阶段：部署、自查自纠（剩余 41 天）"),
        (date(2024, 6, 18), 1, 3, "第一阶段：部署、自查自纠（剩余 3 天）"),
        (date(2024, 6, 20), 1, 1, "第一阶段：部署、自查自纠（剩余 1 天）"),
        (date(2024, 8, 20), 2, 12, "第二阶段：现场检查、隐患排查（剩余 12 天）"),
        (date(2024, 10, 31), 3, 1, "第三阶段：隐患治理、质量帮扶（剩余 1 天）"),
    ],
)
def test_stage_of_a_day_inside_a_stage(campaign, day, no, days_left, label):
    status = campaign.stage_of(day)
    assert (status.stage.no, status.days_left, status.label, status.between) == (no, days_left, label, None)


def test_stage_1_ends_with_6月中旬_and_stage_2_starts_the_next_day(campaign):
    """中旬 is the 11th to the 20th: 16–20 June are stage 1, no day lies between two stages."""
    status = campaign.stage_of(date(2024, 6, 18))
    assert status.stage.no == 1 and status.between is None
    assert status.next_stage_start == date(2024, 6, 21)
    assert campaign.stage_of(date(2024, 6, 21)).stage.no == 2


def test_stage_of_a_day_before_the_campaign(campaign):
    status = campaign.stage_of(date(2024, 5, 10))
    assert status.between == (None, campaign.stages[0]) and not status.finished
    assert status.label == "行动尚未开始（第一阶段 5月11日开始）"


def test_stage_of_a_day_after_finish(campaign):
    status = campaign.stage_of(date(2024, 11, 1))
    assert status.between == (campaign.stages[-1], None) and status.finished
    assert (status.next_deadline, status.next_stage_start, status.label) == (None, None, "行动已结束")


@pytest.mark.parametrize(
    ("day", "deadline", "days"),
    [
        (date(2024, 6, 18), date(2024, 8, 20), 63),
        (date(2024, 8, 20), date(2024, 8, 20), 0),
        (date(2024, 8, 21), date(2024, 10, 20), 60),
        (date(2024, 10, 21), None, None),
    ],
)
def test_next_report_deadline(campaign, day, deadline, days):
    status = campaign.stage_of(day)
    assert (status.next_deadline.day if status.next_deadline else None, status.days_to_deadline) == (
        deadline,
        days,
    )


def test_deadline_label_names_what_to_report(campaign):
    assert (
        campaign.stage_of(date(2024, 8, 15)).deadline_label
        == "8月20日前报送行动成果清单、阶段性工作总结（还有 5 天）"
    )


def test_campaign_year_of_a_date():
    assert campaign_year_of(date(2024, 7, 1)) == 2024


def test_working_days_skip_the_national_day_holiday():
    assert add_working_days(date(2024, 9, 30), 1) == date(2024, 10, 8)


def test_working_days_count_the_make_up_saturday():
    assert add_working_days(date(2024, 10, 8), 4) == date(2024, 10, 12)  # 10月12日（星期六）调休上班
    assert add_working_days(date(2024, 10, 8), 0) == date(2024, 10, 8)


def test_deadline_from_an_order_in_calendar_or_working_days():
    assert deadline_from(date(2024, 9, 30), 7, "calendar") == date(2024, 10, 8)  # 10月7日仍在国庆假期
    assert deadline_from(date(2024, 9, 30), 5, "working") == date(2024, 10, 12)
    with pytest.raises(ValueError, match="期限单位"):
        deadline_from(date(2024, 9, 30), 5, "weeks")  # type: ignore[arg-type]


def test_working_days_outside_the_holiday_calendar_raise_instead_of_guessing():
    with pytest.raises(CalendarOutOfRange, match="超出了法定节假日日历"):
        add_working_days(date(2099, 3, 1), 1)
    with pytest.raises(CalendarOutOfRange, match="超出了法定节假日日历"):
        deadline_from(date(2099, 3, 1), 10, "calendar")  # 期限末日是否为节假日，日历不知道就不猜


def test_a_calendar_day_period_ending_on_a_holiday_ends_on_the_first_working_day_after():
    """民法典 第二百零三条：期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日."""
    assert deadline_from(date(2024, 9, 1), 30, "calendar") == date(2024, 10, 8)  # 10月1日—7日国庆假期
    assert deadline_from(date(2024, 9, 1), 29, "calendar") == date(2024, 9, 30)  # 差一天：星期一，照常


def test_a_calendar_day_period_ending_on_a_weekend_moves_unless_it_is_a_make_up_working_day():
    assert deadline_from(date(2024, 7, 1), 5, "calendar") == date(2024, 7, 8)  # 7月6日星期六 → 星期一
    assert deadline_from(date(2024, 7, 1), 4, "calendar") == date(2024, 7, 5)  # 差一天：星期五
    assert deadline_from(date(2024, 9, 1), 28, "calendar") == date(2024, 9, 29)  # 9月29日星期日调休上班
    assert deadline_from(date(2024, 9, 1), 27, "calendar") == date(2024, 9, 29)  # 9月28日星期六休息 → 29日


def test_the_campaign_default_deadline_goes_through_the_same_rule(campaign):
    days = int(campaign.parameter("default_rectification_days"))
    order = date(2024, 10, 1) - timedelta(days=days)
    assert campaign.default_deadline(order) == date(2024, 10, 8)
    assert campaign.default_deadline(order - timedelta(days=1)) == date(2024, 9, 30)


def test_malformed_campaign_file_is_refused_with_findings(tmp_path):
    (tmp_path / "campaigns").mkdir()
    text = (data_dir() / "campaigns" / "campaign-2024.toml").read_text("utf-8")
    broken = text.replace("end = 2024-06-20", "end = 2024-06-25").replace("consecutive_unqualified = 2", "")
    (tmp_path / "campaigns" / "campaign-2024.toml").write_text(broken, "utf-8")
    with pytest.raises(ValidationFailed) as caught:
        load_campaign(2024, tmp_path)
    assert [f.field for f in caught.value.findings] == ["stages", "consecutive_unqualified"]
