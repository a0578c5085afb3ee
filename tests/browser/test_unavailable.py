"""A page whose app cannot be opened never stays blank: it says why, in Chinese, and opens itself again a few
times, waiting longer each time (the page template), so it shows its data once the cause has gone; after the
last try it says it has given up and stops. Here the database is away when the page is opened."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from playwright.sync_api import Page, expect

from hazardlib.store import open_store

from .conftest import serving
from .pages import ERROR_TEXT, screenshot, wait_for_text

AGAIN_MAX = 5  # as the template's AGAIN_MAX


def test_a_page_that_cannot_reach_its_database_says_why_and_opens_itself_again(page: Page, tmp_path: Path):
    db, away = tmp_path / "w.db", tmp_path / "w.away"
    url = f"sqlite:///{db}"
    open_store(url, user="州局管理员").dispose()
    loads: list[float] = []
    page.on("load", lambda _page: loads.append(time.monotonic()))
    (tmp_path / "serve").mkdir()
    with serving(url, tmp_path / "serve") as served:
        os.replace(db, away)  # the database is gone for a while (a restore, a server restarting)
        page.goto(f"{served.base}voila/render/index.ipynb")
        unavailable = page.locator(".hz-unavailable")
        wait_for_text(unavailable, "本页面暂时无法打开：暂时无法连接数据库")
        wait_for_text(unavailable.locator(".hz-retry"), "秒后自动重新打开（第 1 次，最多 5 次）")
        screenshot(page, "21-页面暂时无法打开")
        os.replace(away, db)  # it is back: the page opens itself again and shows its data
        expect(page.locator(".hz-app:not(.hz-unavailable)")).to_be_visible(timeout=120_000)
        expect(unavailable).to_have_count(0)
        assert len(loads) >= 2
        body = page.locator("body").inner_text()
        assert not ERROR_TEXT.search(body) and not re.search(r"\b(nan|None|NaN)\b", body), body[:2000]

        os.replace(db, away)  # gone for good: the page tries a few times only
        page.goto(f"{served.base}voila/render/index.ipynb")
        wait_for_text(unavailable.locator(".hz-retry"), "（第 1 次，最多 5 次）")
        page.evaluate(f"() => window.sessionStorage.setItem('hz-unavailable-retries', '{AGAIN_MAX}')")
        wait_for_text(unavailable.locator(".hz-retry"), f"已自动重新打开 {AGAIN_MAX} 次，仍无法打开")
        given_up = len(loads)
        page.wait_for_timeout(12_000)  # longer than the first wait: no more reloads
        assert len(loads) == given_up
        expect(unavailable).to_be_visible()
