"""Run a coroutine on its own event loop in a fresh thread.

Playwright's sync API keeps an event loop running on the main thread while a session-scoped
browser is alive, so ``asyncio.run`` in a later test would fail ("cannot be called from a
running event loop"). Tests that drive aiohttp clients use this instead.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T], timeout: float = 300.0) -> T:
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coro))
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target, name="spdt-test-asyncio")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"coroutine still running after {timeout} s")
    if error:
        raise error[0]
    return result[0]
