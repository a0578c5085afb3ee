"""A page's first paint (issue 21, item 1): the ledger's first page of hazards, the tracker's progress table and
the landing page's to-do list are in the page's HTML itself, drawn before any script has run and before the
live app; they are inert, say that the page is connecting, fit a phone, and are gone once the live app is drawn,
so that nobody (and no test) sees the same rows twice."""

from __future__ import annotations

import re
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from hazardlib.apps.base import CONNECTING

from .conftest import Served
from .pages import SCROLL_BOXES, no_errors

PAINTS = {
    "ledger.ipynb": ".hz-first-paint table.hz-table td",
    "tracker.ipynb": ".hz-first-paint table.hz-table td",
    "index.ipynb": ".hz-first-paint .hz-todo-list li",
}

# Elements of the first paint that reach past the window's right edge (outside the boxes that scroll sideways).
WIDE = """([boxes]) => [...document.querySelectorAll('.hz-first-paint *')].filter(e => {
  const r = e.getBoundingClientRect();
  return r.width && r.height && !(e.parentElement && e.parentElement.closest(boxes)) && r.right > window.innerWidth + 0.5;
}).map(e => e.tagName + '.' + e.className)"""


@pytest.mark.parametrize("notebook", sorted(PAINTS))
def test_the_first_paint_is_in_the_pages_html_itself(served: Served, notebook: str):
    with urllib.request.urlopen(f"{served.base}voila/render/{notebook}", timeout=120) as response:
        html = response.read().decode()
    # HTML of the page (in data for Voilà's script to draw later, its quotes would be escaped), before the app's
    paint = html.index('<div class="hz-first-paint" data-app="')
    assert paint < html.index("application/vnd.voila.cell-output+json")
    shown = html[paint : html.index("<script>", paint)]
    assert CONNECTING in shown and ("hz-table" in shown or "hz-todo-list" in shown)


@pytest.mark.parametrize("notebook", sorted(PAINTS))
def test_the_first_paint_shows_before_the_live_app_and_goes_when_it_is_drawn(
    page: Page, served: Served, notebook: str
):
    page.goto(f"{served.base}voila/render/{notebook}", wait_until="commit")
    paint = page.locator(PAINTS[notebook]).first
    expect(paint).to_be_visible()
    assert page.locator(".hz-app").count() == 0  # the first paint came first
    expect(page.locator(".hz-first-paint .hz-first-note")).to_have_text(CONNECTING)
    assert page.locator("#loading").is_hidden()  # no spinner over it
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.hz-first-paint')).pointerEvents") == "none"
    )
    text = page.locator(".hz-first-paint").inner_text()
    assert not re.search(r"\bnan\b|None|NaN", text), text[:500]
    expect(page.locator(".hz-app").first).to_be_visible()
    expect(page.locator(".hz-first-paint")).to_have_count(0)
    expect(page.locator(".hz-first-paint-cell")).to_be_hidden()
    no_errors(page)


def test_the_ledgers_first_paint_fits_a_phone(phone: Page, served_duyun: Served):
    phone.goto(f"{served_duyun.base}voila/render/ledger.ipynb", wait_until="commit")
    expect(phone.locator(PAINTS["ledger.ipynb"]).first).to_be_visible()
    assert phone.evaluate(WIDE, [SCROLL_BOXES]) == []
    assert "都匀市" in phone.locator(".hz-first-paint").inner_text()
    expect(phone.locator(".hz-app").first).to_be_visible()
    expect(phone.locator(".hz-first-paint")).to_have_count(0)
    no_errors(phone)
