"""Pages in flight on one thread's sync Playwright (harness/browser/interleave.py): a task's
long pure-Python work runs off the thread, so the task beside it goes on meanwhile."""

from __future__ import annotations

import threading

import pytest

from harness.browser.interleave import Interleave, off_thread
from harness.lab import Harness

pytestmark = pytest.mark.browser

# Long enough never to end a wait that is going to succeed; reached only when the thread is held.
DEADLOCK_GUARD = 30.0


def test_work_off_the_thread_lets_the_task_beside_it_go_on(spdt_harness: Harness) -> None:
    browser = spdt_harness.browser
    assert browser is not None
    context = browser.new_context()
    try:
        page = context.new_page()
        beside_ran = threading.Event()
        outcome: dict[str, object] = {}

        def long_work() -> str:
            # held until the other task has made a Playwright call and run on: were this work
            # on the tasks' thread, the other task could not run, and the wait would time out
            return "released" if beside_ran.wait(DEADLOCK_GUARD) else "held up"

        def rules_task() -> None:
            outcome["work"] = off_thread(page, long_work)

        def beside_task() -> None:
            outcome["beside"] = page.evaluate("() => 6 * 7")
            beside_ran.set()

        slots = Interleave(browser, 2)
        assert slots.slots == 2  # this Playwright's internals are the ones relied on
        slots.start(rules_task)
        slots.start(beside_task)
        while slots.busy:
            slots.wait(0.05)
        assert outcome == {"work": "released", "beside": 42}
    finally:
        context.close()


def test_work_off_the_thread_returns_its_value_and_raises_its_error(
    spdt_harness: Harness,
) -> None:
    browser = spdt_harness.browser
    assert browser is not None
    assert off_thread(browser, lambda: threading.current_thread().name).startswith(
        "spdt-off-thread"
    )

    def fails() -> None:
        raise ValueError("a rule broke")

    with pytest.raises(ValueError, match="a rule broke"):
        off_thread(browser, fails)
    # without Playwright's internals (any other object), the work runs here
    assert off_thread(object(), lambda: threading.current_thread().name) == (
        threading.current_thread().name
    )
