"""The inspection and ledger pages on a phone (issue 21, item 5): in Chromium's mobile emulation at 390×844 no
element reaches past the screen's right edge (a table scrolls inside its own box), every control is at least a
fingertip (44 px) high and no button's words are cut off; dates read 2024-09-15 whatever the browser's
language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Locator, Page, expect

from hazardlib import immediate, schema
from hazardlib.apps.base import catalogue_for, product_options
from hazardlib.apps.ui import MULTIPLE_HINT, TOUCH_PX
from hazardlib.store import open_store

from ..conftest import make_uscc
from .conftest import AS_OF, DAY, Served
from .pages import (
    LEDGER,
    choose,
    clerk_screen,
    click,
    cut_options,
    fill,
    fits,
    hazard_to_move,
    no_errors,
    open_dashboard,
    open_hazard,
    screenshot,
    wait_for_status,
    wait_for_text,
)
from .test_unavailable import serving_dashboards


def test_the_inspection_page_fits_a_phone_after_an_enterprise_is_picked(phone: Page, served_duyun: Served):
    open_dashboard(phone, served_duyun.base, "inspection.ipynb")
    fits(phone, "现场检查（未选企业）")
    # the proposed enterprises read whole, their reasons too (a dropdown cut them off), the riskiest chosen
    targets = phone.locator(".hz-input-targets .widget-radio-box label")
    assert targets.evaluate_all(CUT_CHOICES) == [] and targets.first.inner_text().startswith("1. ")
    expect(phone.locator(".hz-input-targets input").first).to_be_checked()
    click(phone, "pick-target")
    wait_for_text(phone.locator(".hz-current-enterprise"), "都匀市")
    expect(phone.locator("button.hz-btn-save-inspection")).to_be_visible()
    # an item found wanting opens its grade, problem type and description
    phone.locator(
        ".hz-field[class*='hz-field-item-'] .widget-radio-box label", has_text="不符合"
    ).first.click()
    expect(phone.locator(".hz-field[class*='hz-field-item-'] select").first).to_be_visible()
    fits(phone, "现场检查（已选企业）")
    # the date reads as a Chinese office writes it, in a browser of any language
    expect(phone.locator(".hz-input-inspection_date input")).to_have_value(AS_OF)
    screenshot(phone, "21-手机现场检查")
    no_errors(phone)


def test_the_ledger_page_fits_a_phone_with_a_hazard_open(phone: Page, served_duyun: Served):
    # a hazard of 都匀市 whose next step can be recorded at the session's date
    hazard = hazard_to_move(served_duyun.store("522701"), LEDGER.c.state == "ordered",
                            LEDGER.c.county_code == "522701", newest=True)  # fmt: skip
    open_dashboard(phone, served_duyun.base, "ledger.ipynb")
    wait_for_text(phone.locator(".hz-pageinfo-ledger"), "显示第 1–")
    county = phone.locator(".hz-input-f-county select")
    assert county.evaluate("s => s.options[s.selectedIndex].text") == "都匀市"  # its one choice, not a blank
    fits(phone, "整改台账")
    open_hazard(phone, hazard)
    expect(phone.locator(".hz-hazard-detail .hz-card")).to_be_visible()
    expect(phone.locator("button.hz-btn-move")).to_be_visible()
    fits(phone, "整改台账（已打开一条隐患）")
    expect(phone.locator(".hz-input-day input, .hz-field-day input").first).to_have_value(AS_OF)
    screenshot(phone, "21-手机整改台账")
    no_errors(phone)


def test_the_spot_check_pages_tabs_header_and_rows_read_whole_on_a_phone(phone: Page, served_duyun: Served):
    open_dashboard(phone, served_duyun.base, "spotchecks.ipynb")
    tabs = phone.locator(".hz-app .lm-TabBar-tab")
    expect(tabs).to_have_count(5)
    # every tab's label whole (not 监督抽… cut at the right), each tab a fingertip high
    cut = tabs.evaluate_all(
        "ts => ts.filter(t => { const l = t.querySelector('.lm-TabBar-tabLabel');"
        f" return l.scrollWidth > l.clientWidth + 1 || t.getBoundingClientRect().height < {TOUCH_PX}; }})"
        ".map(t => t.innerText)"
    )
    assert cut == [], f"显示不全或过矮的标签页：{cut}"
    # the header wraps between its parts, never inside one (日 / 期：2024年9月15日)
    broken = phone.locator(".hz-app .hz-head-part").evaluate_all(
        "ps => ps.filter(p => new Set([...p.getClientRects()].map(r => Math.round(r.top))).size > 1)"
        ".map(p => p.innerText)"
    )
    assert broken == []
    # the parts on one line stand level: the words of a link (返回工作台首页, 退出登录: a fingertip high) sat
    # 10 px lower than 范围：都匀市 beside them
    levels = phone.locator(".hz-app .hz-head").first.evaluate(HEAD_LEVELS)
    uneven = [row for row in levels.values() if max(row) - min(row) > 2]
    assert uneven == [], f"页头同一行的文字高低不齐：{levels}"
    # the county's batches, a table whose rows open a batch: its cells keep their words on one line and the
    # rows scroll sideways (not a column of one or two characters a line)
    wait_for_text(phone.locator(".hz-pageinfo-spots"), "显示第 1–")
    tall = phone.locator(".hz-rows .hz-cell").evaluate_all(
        "cs => cs.filter(c => { const r = document.createRange(); r.selectNodeContents(c);"
        " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > 1; }).map(c => c.innerText)"
    )
    assert tall == [], tall[:5]
    fits(phone, "抽查与处置")
    no_errors(phone)


# The vertical middle of the words of each part of the header, grouped by the line (the top of the part's box).
HEAD_LEVELS = """head => {
  const rows = {};
  for (const part of head.querySelectorAll('.hz-head-part')) {
    const words = document.createRange();
    words.selectNodeContents(part);
    const r = words.getBoundingClientRect(), line = Math.round(part.getBoundingClientRect().top);
    (rows[line] = rows[line] || []).push(Math.round(r.top + r.height / 2));
  }
  return rows;
}"""


# The size a word of the tracker's timeline is drawn at on the screen (its font size times the drawing's scale),
# and where today's mark is against the timeline's box.
TIMELINE = """box => ({
  smallest: Math.min(...[...box.querySelectorAll('text')].map(
    t => t.getScreenCTM().a * parseFloat(getComputedStyle(t).fontSize))),
  today: box.querySelector('.hz-today').getBoundingClientRect().toJSON(),
  box: box.getBoundingClientRect().toJSON(),
  scrolls: box.scrollWidth > box.clientWidth,
})"""


# The header's text as shown and on how many lines its parts sit; the width of each bar of the tracker's charts.
HEAD_AND_BARS = """app => ({
  head: app.querySelector('.hz-head').innerText,
  lines: new Set([...app.querySelectorAll('.hz-head-part')].map(p => Math.round(p.getBoundingClientRect().top))).size,
  bars: [...app.querySelectorAll('.hz-charts .hz-bar-track')].map(t => Math.round(t.getBoundingClientRect().width)),
  screen: document.documentElement.clientWidth,
})"""


def _timeline(page: Page, base: str) -> dict[str, Any]:
    open_dashboard(page, base, "tracker.ipynb")
    box = page.locator(".hz-app .hz-timeline-scroll")
    expect(box.locator(".hz-today")).to_have_text("今天 9月15日")
    page.locator(".hz-chart-closure .hz-bar-track").first.wait_for()
    return {**box.evaluate(TIMELINE), **page.locator(".hz-app").first.evaluate(HEAD_AND_BARS)}


def test_the_trackers_timeline_reads_on_a_phone_scrolling_inside_its_box_with_today_in_view(
    phone: Page, page: Page, served_duyun: Served
):
    wide = _timeline(page, served_duyun.base)  # at 1366 px it fits whole, nothing to scroll
    assert wide["smallest"] >= 12 and not wide["scrolls"], wide
    # the header on one line, its parts parted by ｜; the charts' bars side by side, 420 px each
    assert wide["lines"] == 1 and "｜" in wide["head"] and wide["bars"] and set(wide["bars"]) == {420}, wide
    narrow = _timeline(phone, served_duyun.base)  # on a phone: as large, the box scrolls, today shown
    assert narrow["smallest"] >= 12 and narrow["scrolls"], narrow
    # the header wraps and no line of it ends in ｜ (its parts parted by a gap); each chart the screen's width,
    # its bars more than half of it (they were 40 px)
    assert narrow["lines"] > 1 and "｜" not in narrow["head"], narrow
    assert narrow["bars"] and min(narrow["bars"]) >= narrow["screen"] / 2, narrow
    today, box = narrow["today"], narrow["box"]
    assert box["left"] <= today["left"] and today["right"] <= box["right"], narrow
    fits(phone, "三阶段进度")
    screenshot(phone, "21-手机三阶段进度")
    no_errors(phone)


def shows_that_it_goes_on(checklist: Locator) -> None:
    """A list longer than its box is framed and its box ends part-way down a row, which the frame cuts off: a
    phone shows no scroll bar, and a box ending between two rows looked like the whole list. Scrolled to its
    end, no row is cut off."""
    edges = """(list, end) => { if (end) list.scrollTop = list.scrollHeight;
      const frame = list.getBoundingClientRect(), s = getComputedStyle(list);
      const bottom = frame.bottom - parseFloat(s.borderBottomWidth);
      return {border: parseFloat(s.borderTopWidth), scrolls: list.scrollHeight > list.clientHeight + 1,
        cut: [...list.querySelectorAll('.widget-checkbox')].map(r => r.getBoundingClientRect())
          .filter(r => r.top < bottom - 8 && r.bottom > bottom + 8).length}; }"""
    assert checklist.evaluate(edges, False) == {"border": 1, "scrolls": True, "cut": 1}
    assert checklist.evaluate(edges, True) == {"border": 1, "scrolls": True, "cut": 0}
    checklist.evaluate("list => { list.scrollTop = 0; }")


def register_with_two_products(page: Page, served: Served, serial: int, tap: bool) -> None:
    """On the self-check page, register a new enterprise with the first two products of the catalogue ticked
    by a click (a desk) or a tap (a phone), no key held; the store holds both."""
    uscc = make_uscc("522701", serial)
    open_dashboard(page, served.base, "selfcheck.ipynb")
    fill(page, "query", uscc)
    click(page, "search")
    wait_for_status(page, "没有找到")
    products = page.locator(".hz-field-products")
    expect(products).to_contain_text(MULTIPLE_HINT)
    shows_that_it_goes_on(products.locator(".hz-checklist"))
    assert "Ctrl" not in page.locator("body").inner_text()
    fill(page, "name", f"都匀市多选测试厂{serial}")
    choose(page, "field", "生产单位")
    two = product_options(catalogue_for(DAY.year))[:2]
    for label, _code in two:
        box = products.locator(".widget-checkbox", has_text=label).locator("input")
        box.tap() if tap else box.click()
        expect(box).to_be_checked()
    if tap:
        fits(page, "登记新企业（已勾选两种产品）")
    click(page, "register")
    wait_for_text(page.locator(".hz-current-enterprise"), f"都匀市多选测试厂{serial}")
    with served.store().read() as conn:
        stored = conn.execute(
            sa.select(schema.enterprises.c.products).where(schema.enterprises.c.uscc == uscc)
        ).scalar_one()
    assert sorted(stored) == sorted(code for _label, code in two)
    no_errors(page)


def test_a_new_enterprises_products_are_ticked_by_taps_on_a_phone(phone: Page, served_duyun: Served):
    register_with_two_products(phone, served_duyun, 880101, tap=True)


def test_a_new_enterprises_products_are_ticked_by_clicks_at_a_desk(page: Page, served_duyun: Served):
    register_with_two_products(clerk_screen(page), served_duyun, 880102, tap=False)


LONG_CASE = "三市监处罚〔2024〕1号｜三都水族自治县荣隆磷化工有限责任公司生产销售不合格工业磷酸案"
CHECKLIST = f"""import ipywidgets
from hazardlib.apps.ui import STYLE, CheckList
flag = ipywidgets.Checkbox(description="位于生产销售企业集聚区", indent=False)
app = ipywidgets.VBox([ipywidgets.HTML(STYLE), CheckList([({LONG_CASE!r}, 1), ("短的一项", 2)]), flag])
app.add_class("hz-app")
app"""


def test_a_check_lists_long_choice_reads_whole_on_a_phone_beside_its_box(phone: Page, tmp_path: Path):
    """A typical case's name longer than the screen wraps inside the list's box (it was cut off with "…", its
    whole name only in a title a phone cannot show); its box is level with its words and a fingertip high, as
    is a short choice's, which keeps one line, and a check box outside a list (it stood above its words)."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    open_store(url, user="州局管理员").dispose()
    with serving_dashboards(url, tmp_path, index=CHECKLIST) as served:
        phone.goto(f"{served.base}voila/render/index.ipynb")
        rows = phone.locator(".hz-app .widget-checkbox")
        expect(rows).to_have_count(3)
        shapes = rows.evaluate_all(
            """(rs, touch) => rs.map(r => { const list = r.parentElement.getBoundingClientRect();
              const label = r.querySelector('.widget-label-basic'), words = r.querySelector('span');
              const box = r.querySelector('input').getBoundingClientRect(), w = words.getBoundingClientRect();
              return {whole: label.scrollWidth <= label.clientWidth + 1 && w.right <= list.right,
                lines: Math.round(w.height / parseFloat(getComputedStyle(words).lineHeight)),
                level: Math.abs((box.top + box.bottom) / 2 - (w.top + w.bottom) / 2) <= 2,
                touch: r.getBoundingClientRect().height >= touch}; })""",
            TOUCH_PX,
        )
        assert shapes == [
            {"whole": True, "lines": 2, "level": True, "touch": True},
            {"whole": True, "lines": 1, "level": True, "touch": True},
            {"whole": True, "lines": 1, "level": True, "touch": True},
        ], shapes
        assert rows.first.inner_text() == LONG_CASE
        fits(phone, "长选项的勾选列表")
        no_errors(phone)


# Every choice of a list of choices of one (class hz-choices) whose words are cut off or reach past its box.
CUT_CHOICES = """ls => ls.filter(l => { const box = l.closest('.hz-choices').getBoundingClientRect();
      const r = document.createRange(); r.selectNodeContents(l); const w = r.getBoundingClientRect();
      return l.scrollWidth > l.clientWidth + 1 || w.right > box.right || w.left < box.left; })
    .map(l => l.innerText)"""


def test_the_prefecture_signs_for_an_immediate_report_on_the_tracker_on_a_phone(phone: Page, served: Served):
    """The reports waiting for the prefecture's signature read whole in a list that wraps their words (a dropdown
    cut every one off); nothing is chosen until the clerk picks one, and the signature is said under the button."""
    store = served.store()
    before = immediate.feed_page(store, DAY, year=DAY.year).waiting_total
    if not before:
        pytest.skip("the demo store has no immediate report waiting for the prefecture")
    open_dashboard(phone, served.base, "tracker.ipynb")
    choices = phone.locator(".hz-input-feed-pick .widget-radio-box label")
    expect(choices.first).to_be_visible()
    assert choices.evaluate_all(CUT_CHOICES) == []
    assert phone.locator(".hz-input-feed-pick input:checked").count() == 0
    summary = choices.first.inner_text().split("｜")[2]
    choices.first.click()
    click(phone, "ack")
    wait_for_status(phone, f"已签收：{summary}")
    assert immediate.feed_page(store, DAY, year=DAY.year).waiting_total == before - 1
    fits(phone, "三阶段进度（签收即时报告）")
    no_errors(phone)


def test_a_countys_deadlines_and_immediate_reports_read_whole_on_a_phone(phone: Page, served_duyun: Served):
    """The reporting deadline's options fit its dropdown (10月20日前：工作总结、行动成果清单、典型案例 was cut at
    the screen's edge; what is due is said under it), and each immediate report waiting on the landing page reads
    whole, its time limit included, in a list that wraps its words (a dropdown cut every one off)."""
    open_dashboard(phone, served_duyun.base, "submissions.ipynb")
    expect(phone.locator(".hz-input-deadline select")).to_be_visible()
    assert phone.locator(".hz-input-deadline option").count() >= 2
    assert cut_options(phone) == []
    expect(phone.locator(".hz-sub-due")).to_contain_text("须报送：")
    fits(phone, "报送与审核")
    open_dashboard(phone, served_duyun.base, "index.ipynb")
    choices = phone.locator(".hz-input-report-pick .widget-radio-box label")
    expect(choices.first).to_be_visible()
    cut = choices.evaluate_all(CUT_CHOICES)
    assert cut == [] and "时限" in choices.first.inner_text(), cut
    assert cut_options(phone) == []
    fits(phone, "工作台首页")
    no_errors(phone)


def test_the_pickers_of_the_ledger_and_the_spot_check_page_read_whole_on_a_phone(
    phone: Page, served_duyun: Served
):
    """The ledger's hazard picker and the spot-check page's follow-up batch, tracing task and risk-signal
    pickers: every choice reads whole at 390×844, in a dropdown whose options fit it or in a list that wraps
    their words (each was cut off at the screen's edge)."""
    open_dashboard(phone, served_duyun.base, "ledger.ipynb")
    wait_for_text(phone.locator(".hz-pageinfo-ledger"), "显示第 1–")
    choices = phone.locator(".hz-input-pick .widget-radio-box label")
    expect(choices.first).to_contain_text("隐患编号 ")
    assert choices.evaluate_all(CUT_CHOICES) == []
    assert cut_options(phone) == []
    fits(phone, "整改台账（选择隐患）")
    open_dashboard(phone, served_duyun.base, "spotchecks.ipynb")
    wait_for_text(phone.locator(".hz-pageinfo-spots"), "显示第 1–")
    follow_up = phone.locator(".hz-input-follow_up_of option")
    assert follow_up.count() > 1  # the county's unqualified batches, to follow up
    assert cut_options(phone) == []
    for tab, key, what in (("双向追查", "task", "追查任务"), ("风险信息", "signal-pick", "风险信息")):
        phone.locator(".lm-TabBar-tab", has_text=tab).first.click()
        if key == "signal-pick":  # a signal to verify, its label as long as the list writes one
            choose(phone, "source", "投诉举报")
            fill(
                phone,
                "description",
                "群众投诉都匀市某超市销售的电热毯通电后局部过热、温控器失灵，要求核查同批次产品",
            )
            click(phone, "signal")
            wait_for_status(phone, "风险信息已登记")
        choices = phone.locator(f".hz-input-{key} .widget-radio-box label")
        expect(choices.first).to_be_visible()  # the demo county has tasks to do
        cut = choices.evaluate_all(CUT_CHOICES)
        assert cut == [], f"{what}：{cut}"
        assert cut_options(phone) == []
        fits(phone, f"抽查与处置（{tab}）")
    no_errors(phone)
