"""Driving the dashboards' widgets in the page: open one, log in, fill a field, pick an option, click a button,
wait for a message, save a screenshot; and the steps several tests take the same way (find a hazard whose next
step can be recorded and open it on the ledger page, register an enterprise on the self-check page, upload a
file)."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import sqlalchemy as sa
from playwright.sync_api import FilePayload, Locator, Page, expect

from hazardlib import ledger, schema
from hazardlib.apps.ui import TOUCH_PX
from hazardlib.store import Store

from .conftest import DAY, SCREENSHOTS

# What Voilà shows when a cell fails, or a traceback reaches the page.
ERROR_TEXT = re.compile(r"Traceback|Error executing cell|There was an error when executing|Exception")


def open_dashboard(page: Page, base: str, notebook: str) -> Locator:
    """Open a dashboard and wait for its app; fail if Voilà or the app shows an error."""
    page.goto(f"{base}voila/render/{notebook}")
    app = page.locator(".hz-app").first
    expect(app).to_be_visible()
    expect(page.locator(".hz-unavailable")).to_have_count(0)
    body = page.locator("body").inner_text()
    assert not ERROR_TEXT.search(body), body[:2000]
    expect(page.locator(".hz-status .hz-msg-error")).to_have_count(0)
    return app


def log_in(page: Page, name: str, password: str) -> None:
    """Fill in the login page and submit it."""
    page.locator("#hz-username").fill(name)
    page.locator("#hz-password").fill(password)
    page.locator("button.hz-login-submit").click()


CLERK_SCREEN = {"width": 1366, "height": 768}
"""A county office's screen (issue 21)."""


def clerk_screen(page: Page) -> Page:
    """The page at :data:`CLERK_SCREEN`."""
    page.set_viewport_size(CLERK_SCREEN)
    return page


def no_errors(page: Page) -> None:
    """Nothing raw reached the page: no traceback text, no JavaScript error."""
    body = page.locator("body").inner_text()
    assert not ERROR_TEXT.search(body), body[:2000]
    assert not getattr(page, "errors", []), page.errors
    assert not getattr(page, "external", []), f"页面请求了外部地址：{page.external}"


def screenshot(page: Page, name: str) -> None:
    """The whole app, however long, saved as test-artifacts/screenshots/<name>.png (once it is drawn: a page's
    first paint may show its figures before)."""
    expect(page.locator(".hz-app").first).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate(
        """() => {
            window.scrollTo(0, 0);
            for (const el of document.querySelectorAll('*')) { if (el.scrollTop) el.scrollTop = 0; }
            return Math.ceil(document.querySelector('.hz-app').getBoundingClientRect().bottom) + 40;
        }"""
    )
    size = page.viewport_size or {"width": 1280, "height": 900}
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], int(height))})
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(size)


def field(page: Page, key: str) -> Locator:
    """The labelled row of a form field (label, control and its message)."""
    return page.locator(f".hz-field-{key}").first


def fill(page: Page, key: str, value: str) -> None:
    page.locator(f".hz-input-{key} input, .hz-input-{key} textarea").first.fill(value)


def choose(page: Page, key: str, label: str) -> None:
    page.locator(f".hz-input-{key} select").first.select_option(label=label)


def radio(page: Page, key: str, label: str) -> None:
    page.locator(f".hz-input-{key} label").filter(has_text=re.compile(f"^{re.escape(label)}$")).first.click()


def click(page: Page, key: str) -> None:
    button = page.locator(f"button.hz-btn-{key}").first
    expect(button).to_be_enabled()
    button.click()


def status(page: Page) -> Locator:
    return page.locator(".hz-status").first


def head(page: Page) -> Locator:
    """The page's header line: its scope (范围), date and the person acting."""
    return page.locator(".hz-app .hz-head")


def wait_for_status(page: Page, text: str | re.Pattern[str]) -> None:
    """Wait for the page's message to say ``text``, and see that it is in the window (beside the control
    that caused it, not off-screen)."""
    wait_for_text(status(page), text)
    expect(status(page)).to_be_in_viewport()


def pick(scope: Page | Locator, key: str, text: str) -> str:
    """Choose the first option of the dropdown or list of choices ``key`` whose words contain ``text``; its
    whole label."""
    if scope.locator(f".hz-input-{key} select").count():
        label = scope.locator(f".hz-input-{key} option", has_text=text).first.inner_text()
        scope.locator(f".hz-input-{key} select").select_option(label=label)
        return label
    choice = scope.locator(f".hz-input-{key} .widget-radio-box label", has_text=text).first
    # one click: a list refilled as it is clicked (its page's table just filtered) keeps the option clicked while
    # it is still offered (hazardlib.apps.ui.ChoiceList), so a second click would only hide a click lost
    choice.click()
    expect(choice.locator("input")).to_be_checked()
    return choice.inner_text()


# the option shown in the closed dropdown, or the choice ticked in a list of choices (ipywidgets writes the
# spaces of an option as no-break spaces)
SHOWN_OPTION = """c => { if (c.matches('select')) return c.selectedIndex < 0 ? '' :
    c.options[c.selectedIndex].text.replace(/\\u00a0/g, ' ');
  const l = [...c.querySelectorAll('label')].find(l => l.querySelector('input:checked'));
  return l ? l.innerText.replace(/\\u00a0/g, ' ') : ''; }"""


def shown_option(page: Page, key: str) -> str:
    """The words of the option the closed dropdown ``key`` shows, or of the choice ticked in its list."""
    control = page.locator(f".hz-input-{key} select, .hz-input-{key} .widget-radio-box")
    return str(control.first.evaluate(SHOWN_OPTION))


# The words a file picker shows (hazardlib.apps.ui.file_picker: its title, drawn by the style, whose alternative
# text after "/" is what a screen reader hears of them) and the size of its own text, which ipywidgets write with a
# count, "选择文件，未选择文件 (0)", and must not be seen; whether the words, where they do not fit, end in "…".
PICKER_WORDS = """b => { const before = getComputedStyle(b, '::before'), shown = before.content.match(/^"(?:[^"\\\\]|\\\\.)*"/);
  const words = shown ? JSON.parse(shown[0]) : b.innerText;
  const ctx = document.createElement('canvas').getContext('2d'); ctx.font = before.font;
  const room = b.clientWidth - parseFloat(getComputedStyle(b).paddingLeft) - parseFloat(getComputedStyle(b).paddingRight);
  return {words, own: parseFloat(getComputedStyle(b).fontSize), cut: ctx.measureText(words).width > room + 0.5,
          ellipsis: before.textOverflow === 'ellipsis' && before.overflowX === 'hidden'}; }"""


def picker_words(page: Page, key: str) -> str:
    """What the file picker ``key`` says to a clerk (:data:`PICKER_WORDS`): words too long for it end in "…"."""
    shown = page.locator(f"button.hz-input-{key}, .hz-input-{key} button").first.evaluate(PICKER_WORDS)
    assert shown["own"] == 0 or shown["words"] == "", shown  # ipywidgets' words with a count unseen
    assert shown["ellipsis"] or not shown["cut"], shown
    return str(shown["words"])


def upload(page: Page, key: str, files: str | FilePayload) -> None:
    """Choose ``files`` in the file upload ``key``, as a clerk does through the browser's file chooser; the
    picker then names the file."""
    before = picker_words(page, key)  # 选择文件, or the name of the file chosen before it
    assert before == "选择文件" or before.endswith("（点此更换）"), before
    with page.expect_file_chooser() as chooser:
        page.locator(f"button.hz-input-{key}, .hz-input-{key} button").first.click()
    chooser.value.set_files(files)
    name = files["name"] if isinstance(files, dict) else files.rsplit("/", 1)[-1]
    page.wait_for_function(
        f"() => ({PICKER_WORDS})(document.querySelector('.hz-input-{key}')).words.startsWith({name!r})"
    )


def wait_for_text(locator: Locator, text: str | re.Pattern[str], timeout: float = 30_000) -> None:
    expect(locator).to_contain_text(text, timeout=timeout)


def table_rows(locator: Locator) -> list[list[str]]:
    """The cells of a table, row by row (header row included): an HTML table, or a table whose rows open
    a record (its cells are ``.hz-cell`` elements numbered by row)."""
    cells: Any = locator.locator(".hz-cell").evaluate_all(
        "cs => cs.map(c => [Number(c.dataset.row), c.innerText.trim()])"
    )
    if cells:
        grouped: dict[int, list[str]] = {}
        for row, text in cells:
            grouped.setdefault(row, []).append(text)
        return [grouped[r] for r in sorted(grouped)]
    rows: Any = locator.locator("tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.children).map(c => c.innerText.trim()))"
    )
    return [list(r) for r in rows]


def table_row(locator: Locator, text: str) -> Locator:
    """The button of the first row of a table of records whose cells contain ``text`` (clicking it, or
    pressing Enter on it, opens the record)."""
    n = locator.locator(".hz-cell", has_text=text).first.get_attribute("data-row")
    return locator.locator("button.hz-row").nth(int(n or 0) - 1)


SCROLL_BOXES = "table.hz-table, .hz-rows, .hz-timeline-scroll"
"""The boxes that may be wider than the screen's content and scroll sideways inside themselves."""

# Every element shown that reaches past the right edge of the window (outside the scroll boxes), every box of the
# app (outside the scroll boxes) wider inside than it shows, so that it cuts off what it holds, every control
# lower than a fingertip, every button whose words do not fit, and how wide the page can scroll.
LAYOUT = """([boxes, touch]) => {
  const width = window.innerWidth, out = {wide: [], clipped: [], low: [], cut: []};
  const name = e => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined
      ? '.' + String(e.className).trim().split(/\\s+/).filter(c => c.startsWith('hz-') || c.startsWith('widget-'))
          .join('.') : '') + ' «' + (e.innerText || e.value || '').trim().slice(0, 20) + '»';
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (!r.width || !r.height) continue;  // not shown
    const inBox = e.parentElement && e.parentElement.closest(boxes);
    if (!inBox && r.right > width + 0.5) out.wide.push(`${name(e)} right=${Math.round(r.right)}`);
  }
  const app = document.querySelector('.hz-app');
  for (const e of [app, ...app.querySelectorAll('*')]) {
    if (!e.getBoundingClientRect().width || e.closest(boxes) || e.matches('select, input, textarea')) continue;
    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1)
      out.clipped.push(`${name(e)} +${e.scrollWidth - e.clientWidth}px`);
  }
  for (const c of app.querySelectorAll('input:not([type=checkbox]):not([type=radio]), select, textarea, button, '
                                      + '.widget-radio-box label, .widget-checkbox')) {
    const r = c.getBoundingClientRect();
    if (r.width && r.height && r.height < touch) out.low.push(`${name(c)} h=${r.height}`);
  }
  for (const b of app.querySelectorAll('button')) {
    if (b.getBoundingClientRect().width && b.scrollWidth > b.clientWidth + 1) out.cut.push(name(b));
  }
  out.scroll = document.documentElement.scrollWidth - width;
  return out;
}"""


# Every field shown whose hint (its placeholder) is wider than the box it is written in.
CUT_HINTS = """() => {
  const ctx = document.createElement('canvas').getContext('2d'), out = [];
  for (const box of document.querySelectorAll('.hz-app input[placeholder], .hz-app textarea[placeholder]')) {
    if (!box.getBoundingClientRect().width || !box.placeholder) continue;  // not shown
    const style = getComputedStyle(box);
    ctx.font = style.font;
    const room = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const need = ctx.measureText(box.placeholder).width;
    if (need > room + 0.5) out.push(`${box.placeholder}（需 ${Math.round(need)} px，仅 ${Math.round(room)} px）`);
  }
  return out;
}"""


# Every option of a dropdown shown whose words are wider than the dropdown shows them (its arrow's room aside):
# the dropdown, closed on it, cuts it off.
CUT_OPTIONS = """() => {
  const ctx = document.createElement('canvas').getContext('2d'), out = [];
  for (const s of document.querySelectorAll('.hz-app select')) {
    if (!s.getBoundingClientRect().width) continue;  // not shown
    const style = getComputedStyle(s);
    ctx.font = style.font;
    const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
    for (const o of s.options) {
      const need = ctx.measureText(o.text).width;
      if (need > room + 0.5) out.push(`${o.text}（需 ${Math.round(need)} px，仅 ${Math.round(room)} px）`);
    }
  }
  return out;
}"""


def cut_options(page: Page) -> list[str]:
    """The options of the dropdowns shown that they would cut off (:data:`CUT_OPTIONS`)."""
    return list(page.evaluate(CUT_OPTIONS))


def cut_hints(page: Page) -> list[str]:
    """The hints of the fields shown that do not fit their box (:data:`CUT_HINTS`)."""
    return list(page.evaluate(CUT_HINTS))


def fits(page: Page, what: str) -> None:
    """Nothing past the right edge nor cut off by its box, no page scrolling sideways, controls 44 px high,
    buttons uncut."""
    page.evaluate("window.scrollTo(0, 0)")
    found = page.evaluate(LAYOUT, [SCROLL_BOXES, TOUCH_PX])
    assert not found["wide"], f"{what}：超出屏幕右边的元素 {found['wide'][:10]}"
    assert not found["clipped"], f"{what}：内容被框裁去右边的元素 {found['clipped'][:10]}"
    assert found["scroll"] <= 0, f"{what}：页面可左右滚动 {found['scroll']} px"
    assert not found["low"], f"{what}：低于 {TOUCH_PX} px 的控件 {found['low'][:10]}"
    assert not found["cut"], f"{what}：文字显示不全的按钮 {found['cut'][:10]}"


# -- the ledger page --------------------------------------------------------------------------------
LEDGER = ledger.ledger_at(DAY)
"""The ledger at the session's date, for naming the hazard a test works on."""


class Hazard(NamedTuple):
    id: int
    enterprise: str
    enterprise_id: int


def hazard_to_move(store: Store, *where: Any, newest: bool = False) -> Hazard:
    """A hazard of the session's campaign year whose next step can be recorded at the session's date (on
    :data:`LEDGER`, no move dated later), in state ``ordered`` unless ``where`` gives other conditions on
    :data:`LEDGER`: the lowest number, or with ``newest`` the highest."""
    ent, ev = schema.enterprises, schema.hazard_events
    later = sa.select(ev.c.hazard_id).where(ev.c.event_date > DAY)
    stmt = (
        sa.select(LEDGER.c.id, ent.c.name, ent.c.id)
        .join(ent, ent.c.id == LEDGER.c.enterprise_id)
        .where(*(where or (LEDGER.c.state == "ordered",)))
        .where(LEDGER.c.id.not_in(later), LEDGER.c.campaign_year == DAY.year)
        .order_by(LEDGER.c.id.desc() if newest else LEDGER.c.id)
    )
    with store.read() as conn:
        row = conn.execute(stmt).first()
    assert row is not None, "演示数据中没有符合条件的隐患"
    return Hazard(*row)


def filter_ledger(page: Page, enterprise: str, state: str | None = None) -> Locator:
    """On the ledger page, show an enterprise's hazards (in the state labelled ``state``); the table."""
    if state:
        choose(page, "f-state", state)
    fill(page, "f-enterprise", enterprise)
    click(page, "filter")
    table = page.locator(".hz-table-ledger")
    wait_for_text(table, enterprise)
    return table


def open_hazard(page: Page, hazard: Hazard, state: str | None = None) -> None:
    """On the ledger page, find the hazard by its enterprise (:func:`filter_ledger`), pick it in the dropdown
    and open it; its details then name it."""
    filter_ledger(page, hazard.enterprise, state)
    pick(page, "pick", f"隐患编号 {hazard.id} ")
    click(page, "open")
    wait_for_text(page.locator(".hz-hazard-detail"), f"隐患编号 {hazard.id} ")


# -- the self-check page ----------------------------------------------------------------------------
def register_enterprise(page: Page, uscc: str, name: str, kind: str, county: str | None = None) -> None:
    """On the self-check page, search for a credit code not in the store (the page says so and offers it
    for registration), then register the enterprise as ``name``, of ``kind`` (生产单位…), in ``county``."""
    fill(page, "query", uscc)
    click(page, "search")
    wait_for_status(page, "没有找到")
    expect(page.locator(".hz-input-uscc input")).to_have_value(uscc)
    fill(page, "name", name)
    if county:
        choose(page, "county_code", county)
    choose(page, "field", kind)
    click(page, "register")
