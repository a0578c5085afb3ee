"""三阶段进度 without a browser: the timeline marks today, the stage and deadline are named, counties'
progress and results come from the store, and the prefecture acknowledges immediate reports."""

from __future__ import annotations

import datetime as dt
import threading

import sqlalchemy as sa

from hazardlib import schema, vocab
from hazardlib.apps import TrackerApp, tracker
from hazardlib.apps.session import Session
from hazardlib.apps.tracker import timeline_svg
from hazardlib.campaign import load_campaign
from hazardlib.reports import results_list
from hazardlib.store import Store

from .situations import Situation
from .test_apps_submissions import texts_in

D = dt.date(2024, 9, 15)


def test_the_timeline_runs_may_to_october_with_stages_deadlines_and_today():
    svg = timeline_svg(load_campaign(2024), D)
    assert svg.startswith("<svg") and "今天 9月15日" in svg
    for text in ("第一阶段", "第二阶段", "第三阶段", "8月20日报送", "10月20日报送", "5月", "10月"):
        assert text in svg
    assert "今天" not in timeline_svg(load_campaign(2024), dt.date(2024, 12, 1))


def test_the_tracker_shows_the_stage_the_deadline_and_each_countys_figures(store):
    s = Situation(store)
    duyun = s.enterprise("522701")
    for day in (1, 2, 3):
        s.hazard(duyun, dt.date(2024, 7, day))
    app = TrackerApp(store, D)
    app.loading.join()
    assert "第三阶段：隐患治理、质量帮扶（剩余 47 天）" in app.header.value
    assert "10月20日前报送" in app.reminder.value
    assert app.progress_table.value.count("<tr") == 1 + 12 + 1  # header, 12 counties, prefecture total
    s.plan("522701", dt.date(2024, 5, 20))
    app.show_progress()
    assert "1/12 个县（市）已制定" in app.progress_table.value  # the total row counts the counties' plans
    figures = results_list(store, D)
    found = int(figures.loc[figures["county_code"] == "522701", "hazards_found"].iloc[0])
    assert found == 3 and "<td>都匀市</td>" in app.results.value
    row = app.results.value.split("<td>都匀市</td>", 1)[1].split("</tr>", 1)[0]
    assert f'<td class="hz-num">{found}</td>' in row
    assert (
        "自查覆盖率" in app.charts.value and "隐患销号率" in app.charts.value and "都匀市" in app.charts.value
    )
    assert "滞后" in app.progress_table.value and "都匀市" in app.lagging.value
    app.stage_pick.value = 2
    assert "<td>都匀市</td>" in app.progress_table.value


def test_the_next_reporting_deadline_is_shown_once_in_the_reminder(store):
    """The tracker names the next deadline once, in the reminder beside the link to the page where the
    packages are submitted (not again in the stage line), and the stage once, in the header (a card under the
    timeline repeated it), in its first paint and once drawn; a year without a calendar names none."""
    app = TrackerApp(Store(store.url, user="都匀办理员", county="522701"), D)
    app.loading.join()
    painted = TrackerApp.opening(
        Session(url=store.url, county="522701", as_of=D, user="都匀办理员")
    ).first_paint()
    assert "hz-first-paint" in painted
    for shown in (texts_in(app.widget), painted):
        assert shown.count("10月20日前报送") == 1 and shown.count("下一个报送期限") == 1, shown
        assert shown.count("hz-reminder-link") == 1 and shown.count("剩余 47 天") == 1, shown
    assert "下一个报送期限" in app.reminder.value and "下一个报送期限" not in app.stage_line.value
    no_calendar = TrackerApp(app.store, dt.date(2019, 9, 15))
    if no_calendar.loading is not None:
        no_calendar.loading.join()
    assert "下一个报送期限" not in texts_in(no_calendar.widget)
    assert "没有2019年度的行动日历" in no_calendar.stage_line.value


def test_the_prefecture_acknowledges_an_immediate_report_and_a_county_cannot(store):
    s = Situation(store)
    s.hazard(
        s.enterprise("522701", name="都匀市烟花厂", products=("19-01",)), D, grade="major", product="19-01"
    )
    county = TrackerApp(Store(store.url, user="都匀录入员", county="522701"), D)
    county.loading.join()
    assert "都匀市烟花厂" in county.feed_table.value and county.ack_btn.disabled is False
    county.feed_pick.options = [("x", 1)]
    county.feed_pick.value = 1
    county.ack_btn.click()
    assert "县（市）会话不能签收" in county.status.value
    app = TrackerApp(store, D)
    app.loading.join()
    assert "待报告" in app.feed_table.value
    # the report's time limit (midnight after the day of the fact and its hours) in the table as a clerk
    # writes it, the end of the day before, not the next day at 00:00
    with store.read() as conn:
        due = conn.execute(sa.select(schema.immediate_reports.c.due_at)).scalar_one()
    assert due.time() == dt.time() and "00:00" not in app.feed_table.value
    assert f">{D.isoformat()}<" in app.feed_table.value  # 发生日期, a plain date, as every date column
    assert f">{vocab.due_label(due)}<" in app.feed_table.value
    assert vocab.due_label(due) == f"{vocab.date_label(due.date() - dt.timedelta(days=1))}24时"
    assert app.feed_pick.value is None  # nothing chosen until the clerk picks one
    app.feed_pick.value = app.feed_pick.options[0][1]
    app.ack_btn.click()
    assert "已签收" in app.status.value and "已报告" in app.feed_table.value
    with store.read() as conn:
        row = conn.execute(sa.select(schema.immediate_reports)).mappings().one()
    assert row["acknowledged_by"] == "测试员" and row["acknowledged_at"].date() == D


def test_the_results_and_the_feed_are_filled_after_the_page_is_shown(store, monkeypatch, caplog):
    started = threading.Event()
    release = threading.Event()

    def slow_results(*args, **kwargs):
        started.set()
        release.wait(30)
        raise RuntimeError("database went away")

    monkeypatch.setattr(tracker, "results_list", slow_results)
    app = TrackerApp(store, D)
    assert started.wait(30)
    assert "<table" in app.progress_table.value  # shown before the results list is computed
    assert "正在计算…" in app.results.value and "正在计算…" in app.feed_table.value
    assert app.ack_btn.disabled
    release.set()
    app.loading.join()
    assert "未能计算" in app.results.value and "记录号" in app.status.value  # App.guard's message
    assert "database went away" in caplog.text  # the traceback went to the log
    assert "暂无即时报告事项" in app.feed_table.value and not app.ack_btn.disabled


def test_a_preheated_kernel_warming_up_fills_the_results_and_feed_at_once_a_page_waits_for_its_widgets(store):
    s = Situation(store)
    s.hazard(s.enterprise("522701"), dt.date(2024, 7, 1))
    warm = TrackerApp(store.reading_only(), D, warming_up=True)
    assert warm.loading is None and "<td>都匀市</td>" in warm.results.value
    page = TrackerApp(store.reading_only(), D)  # a store that only reads is not a warm-up
    assert page.loading is not None
    page.loading.join()
