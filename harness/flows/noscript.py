"""The JavaScript-disabled rerun of a landing (what a visitor without JavaScript sends: the
noscript image), in a context of its own that loads while the main run goes on.

    lane = noscript_lane(lab)  # JavaScript-disabled pages kept per worker (per harness)
    rerun = lane.start(url, timeout=10)  # each rerun under a session of its own
    ...  # drive the main context; the browser loads both pages at once
    timeline = rerun.finish(limit=2.0)  # or rerun.cancel()

The one implementation: the catalogue runner's flows and the live-site auditor both start their
reruns here (the auditor passes its own context settings and its hostile-page guard).

What the rules read of the rerun is the mock's records for its session (which image hits it
made), so the context needs no capture (no recorder, no DevTools session), and the rerun
needs no settling of its own: without JavaScript nothing starts after the load event. Images
and iframes (in ``<noscript>`` too) delay that event, lazy loading is off when scripting is,
and the mock stores each hit before it answers it, so once ``load`` has fired every record
of the rerun is in the mock.

A crawl reruns every page: :class:`NoscriptLane` keeps JavaScript-disabled pages per worker and
navigates them, instead of a context (and a renderer process) per page: one page per rerun in
flight (a worker that audits two pages at once runs two reruns at once), each back in the lane
once its rerun is done. Each rerun still
starts as a fresh visitor (the lane's cookies are cleared) and files its hits under a session
of its own: the page sends that session's credential as the ``X-Spdt-Session`` header, which
costs nothing without JavaScript (no script, so no CORS request a header could make
non-simple). A hit of an earlier rerun that arrives late files under that rerun's session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Error as PlaywrightError

from harness.capture.timeline import Timeline
from harness.context import PixelContext
from mock_endpoint.session import HEADER

if TYPE_CHECKING:
    from harness.lab import Harness


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
    """Starts loading ``url`` in ``ctx`` (JavaScript disabled) and returns once the navigation
    has committed. ``session``: the session its hits are filed under (default: the context's);
    ``release``: who takes the context back once the run is done (a :class:`NoscriptLane`;
    without it the run closes the context)."""

    def __init__(
        self,
        ctx: PixelContext,
        url: str,
        *,
        timeout: float,
        session: str | None = None,
        release: Callable[[PixelContext], None] | None = None,
    ) -> None:
        self.ctx = ctx
        self.url = url
        self.session = session or ctx.session
        self._release = release
        self._done = False
        self.deadline = time.monotonic() + timeout
        self.started = time.monotonic()
        self.failed = False
        try:
            ctx.page.goto(url, wait_until="commit", timeout=max(0.1, timeout) * 1000)
        except PlaywrightError:
            self.failed = True

    def finish(self, *, limit: float) -> Timeline | None:
        """Its timeline (the mock's records for its session) once its load event has fired
        (waited for never past ``limit`` nor its own timeout; at once when it already has),
        or None when the page did not load."""
        try:
            if self.failed:
                return None
            budget = min(limit, self.deadline - time.monotonic())
            if budget <= 0.05:
                return None
            try:
                self.ctx.page.wait_for_load_state("load", timeout=budget * 1000)
            except PlaywrightError:
                return None
            records = self.ctx.mock.records(self.session)
            return Timeline(session=self.session, records=tuple(records))
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Done with the run: its own context is closed, a lane's page goes back to the lane
        as it is (the next rerun navigates it). Once only."""
        if self._done:
            return
        self._done = True
        if self._release is None:
            self.ctx.close()
        else:
            self._release(self.ctx)


class NoscriptLane:
    """JavaScript-disabled pages (``make()`` gives a capture-less context) that run one rerun
    after another, one page per rerun in flight; see the module's docstring."""

    def __init__(self, lab: Harness, make: Callable[[], PixelContext]) -> None:
        self.lab = lab
        self._make = make
        self._idle: list[PixelContext] = []  # pages whose rerun is done
        self._busy: list[PixelContext] = []  # pages of a rerun in flight

    def start(self, url: str, *, timeout: float) -> NoscriptRun:
        session = self.lab.new_session_id()
        ctx = self._idle.pop() if self._idle else self._make()
        self._busy.append(ctx)
        try:
            try:
                self._prepare(ctx, session)
            except PlaywrightError:  # the page's context is gone (a crash ...): one fresh try
                self._forget(ctx)
                ctx = self._make()
                self._busy.append(ctx)
                self._prepare(ctx, session)
        except BaseException:
            self._forget(ctx)
            raise
        return NoscriptRun(ctx, url, timeout=timeout, session=session, release=self._release)

    @staticmethod
    def _prepare(ctx: PixelContext, session: str) -> None:
        ctx.context.clear_cookies()  # a fresh visitor (no script: no web storage to clear)
        ctx.page.set_extra_http_headers({HEADER: ctx.mock.session_credential(session)})

    def _release(self, ctx: PixelContext) -> None:
        if ctx in self._busy:
            self._busy.remove(ctx)
            self._idle.append(ctx)

    def _forget(self, ctx: PixelContext) -> None:
        if ctx in self._busy:
            self._busy.remove(ctx)
        ctx.close()

    @property
    def pages(self) -> int:
        """How many JavaScript-disabled pages the lane holds (idle and in a rerun)."""
        return len(self._idle) + len(self._busy)

    def close(self) -> None:
        for ctx in [*self._idle, *self._busy]:
            ctx.close()
        self._idle.clear()
        self._busy.clear()


# Kept on the harness itself (not in a registry keyed by it: the lane refers back to it).
_LANE_ATTRIBUTE = "_spdt_noscript_lane"


def noscript_lane(
    lab: Harness,
    *,
    prepare: Callable[[PixelContext], object] | None = None,
    **context_args: Any,
) -> NoscriptLane:
    """The lane of ``lab`` (a worker's harness: one thread), made on first use; its context
    closes with the browser (a lane whose context is gone makes a fresh one). Its context is
    made with ``context_args`` (as for :meth:`Harness.new_context`; JavaScript off, no capture)
    and shown to ``prepare`` first (the auditor's guard); the first caller's settings hold."""

    def make() -> PixelContext:
        ctx = lab.new_context(java_script_enabled=False, capture=False, **context_args)
        try:
            if prepare is not None:
                prepare(ctx)
        except BaseException:
            ctx.close()
            raise
        return ctx

    lane = getattr(lab, _LANE_ATTRIBUTE, None)
    if not isinstance(lane, NoscriptLane):
        lane = NoscriptLane(lab, make)
        setattr(lab, _LANE_ATTRIBUTE, lane)
    return lane
