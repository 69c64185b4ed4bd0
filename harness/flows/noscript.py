"""The JavaScript-disabled rerun of a landing (what a visitor without JavaScript sends: the
noscript image), in a context of its own that loads while the main run goes on. The one
implementation: the catalogue runner's flows and the live-site auditor both start it here.

    rerun = NoscriptRun.start(lab, url, timeout=10)  # a JavaScript-disabled context of its own
    ...  # drive the main context; the browser loads both pages at once
    timeline = rerun.finish(limit=2.0)  # or rerun.cancel()
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Error as PlaywrightError

from harness.capture.timeline import Timeline
from harness.context import PixelContext

if TYPE_CHECKING:
    from harness.lab import Harness

NOSCRIPT_QUIET = 0.1  # without JavaScript nothing starts late: the image loads before `load`


def can_have_noscript_pixel(html: str) -> bool:
    """Can a JavaScript-disabled load of this document send anything the JS run did not? Only
    through a ``<noscript>`` element (the served HTML is the same for both runs)."""
    return "<noscript" in html.lower()


def worth_a_rerun(ctx: PixelContext) -> bool:
    """Has a document of ``ctx`` a ``<noscript>`` element (seen in its DOM by the capture, or in
    its HTML)? Without one the rerun can send nothing new. True when ``ctx`` captures nothing."""
    if ctx.recorder is None:
        return True
    if ctx.recorder.evidence.noscript_elements:
        return True
    return any(map(can_have_noscript_pixel, ctx.recorder.document_html()))


class NoscriptRun:
    """Starts loading ``url`` in ``ctx`` (JavaScript disabled) and returns at once."""

    def __init__(self, ctx: PixelContext, url: str, *, timeout: float) -> None:
        self.ctx = ctx
        self.url = url
        self.deadline = time.monotonic() + timeout
        self.started = time.monotonic()
        self.failed = False
        try:
            ctx.page.goto(url, wait_until="commit", timeout=max(0.1, timeout) * 1000)
        except PlaywrightError:
            self.failed = True

    @classmethod
    def start(
        cls,
        lab: Harness,
        url: str,
        *,
        timeout: float,
        deadline: float | None = None,
        prepare: Callable[[PixelContext], object] | None = None,
        **context_args: Any,
    ) -> NoscriptRun:
        """Open a JavaScript-disabled context of ``lab`` (``context_args`` as for
        :meth:`Harness.new_context`), let ``prepare`` see it first (the auditor's guard), and
        start loading ``url`` in it, for at most ``timeout`` seconds and never past
        ``deadline`` (a ``time.monotonic()`` instant)."""
        ctx = lab.new_context(java_script_enabled=False, **context_args)
        try:
            if prepare is not None:
                prepare(ctx)
        except BaseException:
            ctx.close()
            raise
        if deadline is not None:
            timeout = min(timeout, max(0.0, deadline - time.monotonic()))
        return cls(ctx, url, timeout=timeout)

    def finish(self, *, limit: float) -> Timeline | None:
        """Wait for its load and a short settle (never past ``limit`` nor its own timeout); its
        timeline, or None when the page did not load."""
        try:
            if self.failed:
                return None
            budget = min(limit, self.deadline - time.monotonic())
            if budget <= 0.05:
                return None
            ends = time.monotonic() + budget
            try:
                self.ctx.page.wait_for_load_state("load", timeout=budget * 1000)
            except PlaywrightError:
                return None
            self.ctx.settle(quiet=NOSCRIPT_QUIET, limit=max(0.0, ends - time.monotonic()))
            self.ctx.snapshot()
            return self.ctx.timeline()
        finally:
            self.cancel()

    def cancel(self) -> None:
        self.ctx.close()
