"""Driving the dashboards' widgets in the page: open one, fill a field, pick an option, click a button,
wait for a message, save a screenshot."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Locator, Page, expect

from .conftest import SCREENSHOTS

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


def no_errors(page: Page) -> None:
    """Nothing raw reached the page: no traceback text, no JavaScript error."""
    body = page.locator("body").inner_text()
    assert not ERROR_TEXT.search(body), body[:2000]
    assert not getattr(page, "errors", []), page.errors
    assert not getattr(page, "external", []), f"页面请求了外部地址：{page.external}"


def screenshot(page: Page, name: str) -> None:
    """The whole app, however long, saved as test-artifacts/screenshots/<name>.png."""
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
