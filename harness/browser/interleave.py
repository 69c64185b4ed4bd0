"""Several tasks at once on one thread's sync Playwright.

Playwright's sync API runs its event loop in a greenlet of its own (the dispatcher): a sync call
switches to it and is resumed when its answer arrives. A task started here is a greenlet too, so
its sync calls wait the same way, and while one task waits (a page in its quiet period, a load)
the dispatcher answers the others: one browser loads one page while another settles, and the
thread's events keep flowing to every page's listeners. Nothing runs in parallel: a task runs
until its next Playwright call, so no lock is needed between tasks, and a task that blocks the
thread outside Playwright (``time.sleep``, a blocking queue) holds the others up for that long.

    slots = Interleave(lab.browser, slots=2)
    slots.start(lambda: audit(page_a))  # returns at once; runs while the thread waits below
    slots.start(lambda: audit(page_b))
    while slots.busy:
        slots.wait(0.025)  # until a task ends, or 25 ms

With ``slots=1`` (or a Playwright whose internals differ from the ones relied on), a task runs
to its end inside ``start()``, as plain sync code would.

A task's long pure-Python work (the rules over a large page's timeline: seconds for a 2 MB
document) would hold every other task up for as long; :func:`off_thread` runs it in a thread of
its own while this thread's tasks go on, and returns its result.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

try:  # the machinery the sync API runs its own event callbacks with
    from playwright._impl._greenlets import EventGreenlet, run_in_greenlet, wait_for_future
except ImportError:  # an older Playwright: one task at a time
    _SUPPORTED = False
else:
    _SUPPORTED = True


T = TypeVar("T")
# Threads for off_thread's work, shared by every audit worker of the process (their work is
# short and CPU-bound: more threads than this only queue on the GIL).
OFF_THREAD_WORKERS = 4


@functools.cache
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(OFF_THREAD_WORKERS, thread_name_prefix="spdt-off-thread")


def off_thread(anchor: object, work: Callable[[], T]) -> T:
    """``work()``, run in another thread while the sync Playwright that ``anchor`` (any of its
    sync objects) belongs to goes on serving this thread's other tasks; its result, or its
    error. ``work`` must not touch Playwright. Without those internals, it runs here."""
    loop = getattr(anchor, "_loop", None)
    dispatcher = getattr(anchor, "_dispatcher_fiber", None)
    if not (_SUPPORTED and isinstance(loop, asyncio.AbstractEventLoop) and dispatcher is not None):
        return work()
    done = asyncio.wrap_future(_executor().submit(work), loop=loop)
    wait_for_future(loop, dispatcher, done)
    return done.result()


class Interleave:
    """Up to ``slots`` tasks in flight on the sync Playwright that ``anchor`` (any of its sync
    objects, e.g. the browser) belongs to; call from the thread that started it."""

    def __init__(self, anchor: object, slots: int) -> None:
        loop = getattr(anchor, "_loop", None)
        dispatcher = getattr(anchor, "_dispatcher_fiber", None)
        usable = (
            _SUPPORTED and isinstance(loop, asyncio.AbstractEventLoop) and dispatcher is not None
        )
        self.slots = max(1, slots) if usable else 1
        self._loop: asyncio.AbstractEventLoop | None = loop if usable else None
        self._dispatcher: Any = dispatcher
        self._running = 0
        self._wake: asyncio.Future[None] | None = None

    @property
    def busy(self) -> int:
        """How many tasks are in flight."""
        return self._running

    @property
    def free(self) -> bool:
        return self._running < self.slots

    def start(self, task: Callable[[], None]) -> None:
        """Run ``task`` (it must not raise: an error is the task's own to report); it starts
        while the thread next waits. With one slot, it runs now, to its end."""
        if self.slots == 1 or self._loop is None:
            task()
            return
        assert self.free, "no free slot"

        def body() -> None:
            try:
                task()
            finally:
                self._running -= 1
                self._poke()

        self._running += 1
        # started inside the event loop, as the sync API starts its event callbacks: a greenlet
        # whose parent is the dispatcher, which goes on when the task ends
        self._loop.call_soon(run_in_greenlet, EventGreenlet, body)

    def wait(self, seconds: float) -> None:
        """Let the tasks run until one of them ends, or ``seconds`` passed."""
        if self._loop is None or self._running == 0:
            return
        wake: asyncio.Future[None] = self._loop.create_future()
        self._wake = wake
        timer = self._loop.call_later(max(0.0, seconds), self._poke)
        try:
            wait_for_future(self._loop, self._dispatcher, wake)
        finally:
            timer.cancel()
            self._wake = None

    def _poke(self) -> None:
        wake = self._wake
        if wake is not None and not wake.done():
            wake.set_result(None)
