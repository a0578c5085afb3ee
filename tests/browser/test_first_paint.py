"""A page's first paint (issue 21, item 1): the ledger's first page of hazards, the tracker's progress table,
the landing page's to-do list and every other page's first figures are in the page's HTML itself, drawn before
any script has run and before the live app; they are inert, say that the page is connecting, fit a phone, and
are gone once the live app is drawn, so that nobody (and no test) sees the same rows twice. A widget not drawn
yet never shows its Python text instead."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Route, expect

from hazardlib.apps.base import CONNECTING

from .conftest import Served
from .pages import SCROLL_BOXES, no_errors

PAINTS = {
    "ledger.ipynb": ".hz-first-paint table.hz-table td",
    "tracker.ipynb": ".hz-first-paint table.hz-table td",
    "index.ipynb": ".hz-first-paint .hz-todo-list li",
    "inspection.ipynb": ".hz-first-paint .hz-summary b",
    "selfcheck.ipynb": ".hz-first-paint .hz-summary b",
    "spotchecks.ipynb": ".hz-first-paint .hz-spot-batches td",
    "exports.ipynb": ".hz-first-paint table.hz-overview td",
    "submissions.ipynb": ".hz-first-paint table.hz-sub-counties td",
}
# What each first paint's HTML holds (the markup of its data).
MARKS = {
    "ledger.ipynb": "hz-table",
    "tracker.ipynb": "hz-table",
    "index.ipynb": "hz-todo-list",
    "inspection.ipynb": "hz-count-inspections",
    "selfcheck.ipynb": "hz-count-selfchecks",
    "spotchecks.ipynb": "hz-spot-batches",
    "exports.ipynb": "hz-overview",
    "submissions.ipynb": "hz-sub-counties",
}

# Voilà's widget manager: its scripts draw the live app.
WIDGET_MANAGER = "**/widgets-manager*/**"


class Held:
    """A route handler that holds requests back until released; every later one then passes."""

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.released = False

    def __call__(self, route: Route) -> None:
        if self.released:
            route.continue_()
        else:
            self.routes.append(route)

    def release(self) -> None:
        self.released = True
        for route in self.routes:
            route.continue_()
        self.routes.clear()


# Elements of the first paint that reach past the window's right edge (outside the boxes that scroll sideways).
WIDE = """([boxes]) => [...document.querySelectorAll('.hz-first-paint *')].filter(e => {
  const r = e.getBoundingClientRect();
  return r.width && r.height && !(e.parentElement && e.parentElement.closest(boxes)) && r.right > window.innerWidth + 0.5;
}).map(e => e.tagName + '.' + e.className)"""


def in_the_html_itself(html: str, notebook: str) -> None:
    """The first paint is HTML of the page (in data for Voilà's script to draw later, its quotes would be
    escaped), before the app's output, with nothing before it that the browser must fetch and run first."""
    paint = html.index('<div class="hz-first-paint" data-app="')
    assert paint < html.index("application/vnd.voila.cell-output+json")
    shown = html[paint : html.index("<script>", paint)]
    assert CONNECTING in shown and MARKS[notebook] in shown
    deferred = r'<script src="[^"]*voila-style\.js[^"]*" defer>'  # Voilà's style script
    assert re.search(deferred, html[:paint])


# One visit per page (each runs the page's notebook in a kernel): the page's HTML as served, then what the
# browser shows of it.
@pytest.mark.parametrize("notebook", sorted(PAINTS))
def test_the_first_paint_is_in_the_html_shows_before_the_live_app_and_goes_when_it_is_drawn(
    page: Page, served: Served, notebook: str
):
    # The live app is drawn by Voilà's widget manager, held back here until the first paint has been read (with
    # kernels forked from the zygote the app may otherwise be drawn, and the paint gone, between two checks).
    hold = Held()
    page.route(WIDGET_MANAGER, hold)
    response = page.goto(f"{served.base}voila/render/{notebook}", wait_until="commit")
    assert response is not None
    paint = page.locator(PAINTS[notebook]).first
    expect(paint).to_be_visible()  # (that it comes first, before any script: in_the_html_itself)
    expect(page.locator(".hz-first-paint .hz-first-note")).to_have_text(CONNECTING)
    assert page.locator("#loading").is_hidden()  # no spinner over it
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.hz-first-paint')).pointerEvents") == "none"
    )
    text = page.locator(".hz-first-paint").inner_text()
    assert not re.search(r"\bnan\b|None|NaN", text), text[:500]
    hold.release()
    expect(page.locator(".hz-app").first).to_be_visible()
    expect(page.locator(".hz-first-paint")).to_have_count(0)
    expect(page.locator(".hz-first-paint-cell")).to_be_hidden()
    # JupyterLab's stylesheets, fetched as print styles so as not to hold the first paint, apply once loaded
    styles = "[...document.querySelectorAll('link[rel=stylesheet]')].map(link => link.media)"
    page.wait_for_function(f"{styles}.every(media => media !== 'print')")
    assert "all" in page.evaluate(styles)
    in_the_html_itself(response.text(), notebook)  # the whole page as it came, read once it has
    no_errors(page)


def test_the_ledgers_first_paint_fits_a_phone(phone: Page, served_duyun: Served):
    phone.goto(f"{served_duyun.base}voila/render/ledger.ipynb", wait_until="commit")
    expect(phone.locator(PAINTS["ledger.ipynb"]).first).to_be_visible()
    assert phone.evaluate(WIDE, [SCROLL_BOXES]) == []
    assert "都匀市" in phone.locator(".hz-first-paint").inner_text()
    expect(phone.locator(".hz-app").first).to_be_visible()
    expect(phone.locator(".hz-first-paint")).to_have_count(0)
    no_errors(phone)


# The page's text as drawn, without the data its scripts carry (Voilà's outputs wait in <script> elements).
SHOWN_TEXT = """() => { const body = document.body.cloneNode(true);
  body.querySelectorAll('script, style').forEach(e => e.remove()); return body.textContent; }"""


def test_a_page_whose_widgets_are_not_drawn_yet_never_shows_their_python_text(page: Page, served: Served):
    # Voilà's widget manager comes in scripts of its own: blocked here, as under load they come late
    blocked: list[str] = []

    def block(route: Route) -> None:
        blocked.append(route.request.url)
        route.abort()

    page.route(WIDGET_MANAGER, block)
    page.goto(f"{served.base}voila/render/inspection.ipynb", wait_until="load")
    page.wait_for_function(
        "window.hz_widget_in_page === true"
    )  # the notebook has run: its app's output is in
    page.wait_for_timeout(3000)  # and Voilà's script has drawn whatever it draws without a widget manager
    assert blocked and page.locator(".jupyter-widgets").count() == 0
    shown = page.evaluate(SHOWN_TEXT)
    assert "VBox" not in shown and "children=" not in shown, shown[-500:]
    expect(page.locator(".hz-first-paint .hz-first-note")).to_have_text(CONNECTING)


# Watches every widget output while the page loads (each change and each frame): whenever one holds the widget
# manager's English stand-in, whether the clerk could see it, and what shows in its place.
WATCH_STAND_INS = """
window.hzStandIns = [];
function hzLook() {
  document.querySelectorAll('.jp-OutputArea-output').forEach(function (out) {
    if (!/Loading widget|Error displaying widget/.test(out.textContent)) { return; }
    window.hzStandIns.push({
      text: out.textContent.trim(),
      seen: out.checkVisibility({ visibilityProperty: true, opacityProperty: true }),
      shown: getComputedStyle(out, '::before').content,
      cells: getComputedStyle(document.getElementById('rendered_cells')).display,
    });
  });
}
new MutationObserver(hzLook).observe(document, { childList: true, subtree: true, characterData: true });
(function frame() { hzLook(); if (!document.querySelector('.hz-app')) { requestAnimationFrame(frame); } })();
"""


DROP_FIRST_PAINT = """new MutationObserver(function () {
  document.querySelectorAll('.hz-first-paint').forEach(function (paint) { paint.remove(); });
}).observe(document, { childList: true, subtree: true });"""


@pytest.mark.parametrize("first_paint", [True, False], ids=["with-first-paint", "without-first-paint"])
def test_the_widget_managers_english_stand_in_is_never_seen(page: Page, served: Served, first_paint: bool):
    # The widget manager writes "Loading widget..." into the app's output until its view is drawn. With a first
    # paint the cells are hidden meanwhile; without one (a page whose first view failed, an unavailable page)
    # they show, and the stand-in would be read: the page template hides it and says 正在加载… instead.
    page.add_init_script(WATCH_STAND_INS)
    url = f"{served.base}voila/render/inspection.ipynb"
    if not first_paint:  # the page as if it had none: its first paint taken away as soon as it arrives
        page.add_init_script(DROP_FIRST_PAINT)
    page.goto(url, wait_until="commit")
    expect(page.locator(".hz-app").first).to_be_visible()
    assert page.locator(".hz-first-paint").count() == 0
    stand_ins = page.evaluate("window.hzStandIns")
    # the stand-in was there (the situation the rule is for), while the cells were shown ...
    assert any(s["text"] == "Loading widget..." for s in stand_ins), stand_ins[:3]
    if not first_paint:
        assert any(s["cells"] != "none" for s in stand_ins), stand_ins[:3]
    # ... and never seen: the Chinese note stood in its place
    assert not [s for s in stand_ins if s["seen"]], [s for s in stand_ins if s["seen"]][:3]
    assert all(s["shown"] == '"正在加载…"' for s in stand_ins), stand_ins[:3]
    assert not re.search(r"Loading|widget|Error", page.locator("body").inner_text())
    no_errors(page)
