"""Coroutines run by the tests on an event loop of their own."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``coroutine`` on an event loop of its own, in a thread of its own: in the whole suite the browser tests'
    Playwright (its sync API) keeps an event loop running in the main thread, where asyncio.run() refuses."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
