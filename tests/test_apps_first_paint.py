"""A page's first paint: the first view of the tracker, the ledger and the landing page, read for the page's
session once it is known, shown as HTML the page template writes into the page (marked for it), and the rows
the app then builds from, so that the live app reads them no second time; and so on every page."""

from __future__ import annotations

import datetime as dt

import pytest

from hazardlib.apps import (
    ExportApp,
    InspectionApp,
    LandingApp,
    LedgerApp,
    SelfCheckApp,
    SpotCheckApp,
    SubmissionApp,
    TrackerApp,
    deadline_notes,
    landing,
    ledger_page,
    spot_check_tab,
    spotchecks,
)
from hazardlib.apps.base import CONNECTING, FIRST_PAINT_KEY, App, Opening, Unavailable
from hazardlib.apps.session import Session
from hazardlib.store import Store

from .situations import Situation
from .test_apps_submissions import texts_in

D = dt.date(2024, 9, 15)
DUYUN, SANDU = "522701", "522732"


@pytest.fixture
def two_counties(store: Store) -> Store:
    """A hazard in 都匀市 and one in 三都水族自治县, each at an enterprise named after its county."""
    s = Situation(store)
    s.hazard(s.enterprise(DUYUN, name="都匀市甲厂"), dt.date(2024, 7, 1))
    s.hazard(s.enterprise(SANDU, name="三都县乙厂"), dt.date(2024, 7, 2))
    return store


def opening(app: type[App], store: Store, county: str | None) -> Opening:
    return app.opening(Session(url=store.url, county=county, as_of=D, user="李四"))


def test_a_county_sessions_first_paint_shows_its_own_county_only(two_counties: Store):
    ledger = opening(LedgerApp, two_counties, SANDU).first_paint()
    assert "三都县乙厂" in ledger and "都匀市甲厂" not in ledger
    assert "范围：<b>三都水族自治县</b>" in ledger and "显示第 1–1 条，共 1 条" in ledger
    tracker = opening(TrackerApp, two_counties, SANDU).first_paint()
    assert "<td>三都水族自治县</td>" in tracker and "都匀市" not in tracker
    # the prefecture, just short of it: both
    whole = opening(LedgerApp, two_counties, None).first_paint()
    assert "三都县乙厂" in whole and "都匀市甲厂" in whole and "显示第 1–2 条，共 2 条" in whole


def test_the_first_paint_is_marked_for_the_page_template_and_says_it_is_connecting(
    two_counties: Store, monkeypatch: pytest.MonkeyPatch
):
    page = opening(TrackerApp, two_counties, DUYUN)
    # outside a Voilà page (JupyterLab, nbval) nothing would take it away once the app is drawn: not shown
    assert page._repr_mimebundle_() == ({"text/html": "", "text/plain": ""}, {FIRST_PAINT_KEY: True})
    monkeypatch.setenv("VOILA_REQUEST_URL", "http://127.0.0.1/voila/render/tracker.ipynb")
    data, metadata = page._repr_mimebundle_()
    assert metadata == {FIRST_PAINT_KEY: True}
    html = data["text/html"]
    assert html.startswith('<div class="hz-first-paint" data-app="trackerapp"') and CONNECTING in html
    assert "三阶段进度" in html and "各县（市）进度" in html
    assert "nan" not in html.lower() and "None" not in html
    # a page without a first view (the tracker in a year without a campaign calendar) shows an empty output
    # the template leaves out
    plain = TrackerApp.opening(
        Session(url=two_counties.url, county=DUYUN, as_of=dt.date(2022, 9, 15), user="李四")
    )
    assert plain.first is None
    assert plain._repr_mimebundle_() == ({"text/html": "", "text/plain": ""}, {FIRST_PAINT_KEY: True})


def test_the_ledger_draws_its_first_page_from_the_first_paints_rows_once(
    two_counties: Store, monkeypatch: pytest.MonkeyPatch
):
    calls: list[int] = []
    read = ledger_page.ledger_page

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return read(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ledger_page, "ledger_page", counted)
    page = opening(LedgerApp, two_counties, None)
    assert len(calls) == 1
    app = page.app
    assert isinstance(app, LedgerApp) and len(calls) == 1  # the first page came from the first paint
    assert "三都县乙厂" in app.table.text and "都匀市甲厂" in app.table.text
    app.search_btn.click()  # the same filter again: read again, the first paint's rows served once only
    assert len(calls) == 2 and "三都县乙厂" in app.table.text


def test_the_tracker_builds_its_first_table_from_the_first_paints_rows(two_counties: Store):
    page = opening(TrackerApp, two_counties, SANDU)
    assert page.first is not None
    app = page.app
    assert isinstance(app, TrackerApp) and app.first is page.first
    assert "<td>三都水族自治县</td>" in app.progress_table.value
    assert app.progress_table.value in page.first_paint()  # the same table, read once
    app.loading.join()


@pytest.mark.parametrize("app", [TrackerApp, LandingApp])
def test_the_reporting_reminder_is_read_once_per_page_from_the_first_paint(
    app: type[App], two_counties: Store, monkeypatch: pytest.MonkeyPatch
):
    """The tracker and the landing page show the reporting deadlines in their first paint and then in the app:
    read once (they were read again by the app's build); without a first paint, the app reads them itself."""
    calls: list[int] = []
    read = deadline_notes.reminder_lines

    def counted(*args: object, **kwargs: object) -> list[str]:
        calls.append(1)
        return read(*args, **kwargs)  # type: ignore[arg-type]

    for module in (deadline_notes, landing):
        monkeypatch.setattr(module, "reminder_lines", counted)
    page = opening(app, two_counties, DUYUN)
    built = page.app
    assert (
        len(calls) == 1
        and "下一个报送期限" in page.first_paint()
        and "下一个报送期限" in texts_in(built.widget)
    )
    if isinstance(built, TrackerApp) and built.loading is not None:
        built.loading.join()
    calls.clear()
    alone = app(Store(two_counties.url, user="李四", county=DUYUN), D)  # no first paint: read by the app
    assert len(calls) == 1 and "下一个报送期限" in texts_in(alone.widget)
    if isinstance(alone, TrackerApp) and alone.loading is not None:
        alone.loading.join()


def test_the_landing_pages_first_paint_lists_the_to_do_lines_and_the_rules_line_follows(two_counties: Store):
    page = opening(LandingApp, two_counties, SANDU)
    html = page.first_paint()
    assert "超期未整改的隐患和风险" in html and "本周到期的事项：<span" in html and "正在计算…" in html
    assert "工作看板" in html and "整改台账" in html
    app = page.app
    assert isinstance(app, LandingApp)
    assert "本周到期的事项" in app.todo_box.value and "正在计算" not in app.todo_box.value
    assert [t.key for t in app.todo()] == ["overdue", "no-self-check", "immediate", "due-week"]


def test_an_unusable_session_shows_no_first_paint_and_the_app_says_why(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HAZARD_COUNTY", "999999")
    page = LedgerApp.opening()
    assert page.first_paint() == ""
    assert isinstance(page.app, Unavailable) and "不是黔南州所辖县" in page.app.status.value


@pytest.fixture
def busy_counties(two_counties: Store) -> Store:
    """都匀市 with two inspections, a self-check and a spot check; 三都水族自治县 with one inspection."""
    s = Situation(two_counties)
    duyun, sandu = s.enterprise(DUYUN, name="都匀市丙厂"), s.enterprise(SANDU, name="三都县丁厂")
    s.inspection(duyun, dt.date(2024, 7, 3))
    s.inspection(duyun, dt.date(2024, 7, 4))
    s.inspection(sandu, dt.date(2024, 7, 5))
    s.self_check(duyun, dt.date(2024, 6, 1))
    s.spot_check(
        dt.date(2024, 8, 1), "unqualified", enterprise_id=duyun, sampled_by=DUYUN, batch_no="DY-0801"
    )
    return two_counties


def test_every_pages_first_paint_shows_its_own_countys_figures_and_the_app_starts_from_them(
    busy_counties: Store,
):
    sandu, duyun = opening(InspectionApp, busy_counties, SANDU), opening(InspectionApp, busy_counties, DUYUN)
    assert "三都水族自治县2024年度已登记现场检查 <b" in sandu.first_paint()
    assert 'hz-count-inspections">1</b>' in sandu.first_paint()
    assert 'hz-count-inspections">2</b>' in duyun.first_paint()
    app = duyun.app
    assert isinstance(app, InspectionApp) and duyun.first is not None
    assert app.summary.value == duyun.first.data  # the first paint's summary, read once

    checks = opening(SelfCheckApp, busy_counties, DUYUN)
    assert 'hz-count-selfchecks">1</b>' in checks.first_paint()
    assert 'hz-count-selfchecks">0</b>' in opening(SelfCheckApp, busy_counties, SANDU).first_paint()

    spots = opening(SpotCheckApp, busy_counties, DUYUN)
    assert "DY-0801" in spots.first_paint() and "显示第 1–1 条，共 1 条" in spots.first_paint()
    assert "DY-0801" not in opening(SpotCheckApp, busy_counties, SANDU).first_paint()
    live = spots.app
    assert isinstance(live, SpotCheckApp) and "DY-0801" in live.spot.table.text
    live.loading.join()

    exports = opening(ExportApp, busy_counties, SANDU)
    assert "三都水族自治县数据概况（截至2024年9月15日）" in exports.first_paint()
    built = exports.app
    assert isinstance(built, ExportApp) and built.overview_box.value in exports.first_paint()


def test_the_submissions_first_paint_shows_the_countys_package_or_every_countys(busy_counties: Store):
    county = opening(SubmissionApp, busy_counties, SANDU)
    html = county.first_paint()
    assert "报送期限" in html and "三都水族自治县：尚未报送" in html and "各县（市）报送情况" not in html
    app = county.app
    assert isinstance(app, SubmissionApp) and "三都水族自治县：尚未报送" in app.state_box.value
    whole = opening(SubmissionApp, busy_counties, None)
    html = whole.first_paint()
    assert "各县（市）报送情况" in html and "<td>三都水族自治县</td>" in html and "<td>都匀市</td>" in html
    assert "与当前数据不同的指标" not in html  # the live results list is not waited for
    review = whole.app
    assert isinstance(review, SubmissionApp) and "与当前数据不同的指标" in review.table.value


def test_the_spot_check_tab_reads_its_first_page_from_the_first_paint_once(
    busy_counties: Store, monkeypatch: pytest.MonkeyPatch
):
    calls: list[int] = []
    read = spot_check_tab.batches_page

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return read(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(spot_check_tab, "batches_page", counted)
    monkeypatch.setattr(spotchecks, "batches_page", counted)
    page = opening(SpotCheckApp, busy_counties, DUYUN)
    app = page.app
    assert isinstance(app, SpotCheckApp) and len(calls) == 1  # the first page came from the first paint
    app.spot.table.refresh()  # read again: the first paint's rows served once only
    assert len(calls) == 2 and "DY-0801" in app.spot.table.text
    app.loading.join()
