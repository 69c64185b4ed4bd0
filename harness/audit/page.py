"""Audit one page (or one journey) in a fresh browser context, within a time budget."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from harness.audit.guard import Guard
from harness.audit.journeys import JourneyFile, bind_journey
from harness.audit.model import PageResult, Problem
from harness.audit.navigation import (
    classify,
    environment_problem,
    journey_problem,
    status_problem,
)
from harness.audit.options import AuditOptions
from harness.audit.summary import summarise
from harness.browser.interleave import off_thread
from harness.capture.timeline import Timeline
from harness.context import PixelContext, new_click_id
from harness.errors import HarnessError
from harness.flows.capture import capture_flow
from harness.flows.consent import SILENT_WITHOUT_CONSENT
from harness.flows.noscript import NoscriptRun, noscript_lane, worth_a_rerun
from harness.lab import Harness
from harness.rules import RuleConfig, evaluate
from harness.rules.facts import Facts
from harness.rules.model import AuditFinding
from harness.rules.redaction import redact

VIEWPORT = {"width": 1280, "height": 800}
MAX_LINKS = 2000
NOSCRIPT_LIMIT = 10.0  # the JavaScript-disabled rerun's own budget
NOSCRIPT_SETTLE = 2.0  # at most this long waited for it once the main run is done
_LINKS_JS = f"""() => Array.from(document.links).slice(0, {MAX_LINKS})
    .filter(a => !a.hasAttribute('download')).map(a => a.href)"""


@dataclass(frozen=True, slots=True)
class Target:
    index: int
    url: str | None  # the URL to audit, or the base URL of a journey
    journey: JourneyFile | None = None
    audit: bool = True  # False: a crawl page of another shard (only its links are needed)


def rule_config(options: AuditOptions) -> RuleConfig:
    defaults = RuleConfig().click_id_params
    params = (
        defaults
        if options.click_id_param in defaults
        else (
            options.click_id_param,
            *defaults,
        )
    )
    silent = SILENT_WITHOUT_CONSENT if options.consent in ("reject", "none") else frozenset()
    return RuleConfig(click_id_params=params, redact=options.redact, disabled=silent)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


class PageAudit:
    """One target's audit. ``run()`` never raises for anything the page does."""

    def __init__(
        self, lab: Harness, target: Target, options: AuditOptions, deadline: float
    ) -> None:
        self.lab = lab
        self.target = target
        self.options = options
        self.started = time.monotonic()
        self.started_epoch = time.time()
        self.deadline = min(deadline, self.started + options.page_timeout)
        self.click_id = None if options.no_click_id else (options.click_id or new_click_id())
        self.timings: dict[str, float] = {}
        self.responsive = True  # False once the page's main thread stops answering
        self.noscript_run: NoscriptRun | None = None  # the JavaScript-disabled rerun, loading

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def _hide(self, text: str) -> str:
        if self.options.redact and self.click_id:
            return text.replace(self.click_id, redact(self.click_id))
        return text

    def _context_args(self) -> dict[str, Any]:
        """How every context of this audit is made (the JavaScript-disabled rerun's too)."""
        return {
            "click_id_param": self.options.click_id_param,
            "accept_downloads": False,
            "ignore_https_errors": self.options.insecure,
            "viewport": VIEWPORT,
        }

    def _context(self, **extra: Any) -> PixelContext:
        return self.lab.new_context(**self._context_args(), **extra)

    # -- crawl-only ---------------------------------------------------------------------
    def links_only(self) -> PageResult:
        assert self.target.url is not None
        with self._context(capture=False) as ctx:
            Guard(ctx.context, ctx.page)
            try:
                ctx.goto(self.target.url, timeout=max(0.1, self.remaining()))
            except HarnessError as exc:
                return PageResult(self.target.index, self.target.url, problem=classify(str(exc)))
            return PageResult(self.target.index, self.target.url, links=self._links(ctx.page))

    def _links(self, page: Page) -> tuple[str, ...]:
        try:
            links = page.evaluate(_LINKS_JS)
        except PlaywrightError:
            return ()
        return tuple(str(link) for link in links if isinstance(link, str))

    # -- the audit ------------------------------------------------------------------------
    def run(self) -> PageResult:
        if not self.target.audit:
            return self.links_only()
        clock = time.monotonic()
        with self._context() as ctx:
            page = ctx.page
            guard = Guard(ctx.context, page)
            ctx.context.set_default_timeout(max(100.0, min(10.0, self.remaining()) * 1000))
            self.timings["open"] = _ms(time.monotonic() - clock)
            try:
                problem, timeline = self._drive(ctx)
                return self._result(ctx, page, guard, problem, timeline)
            finally:
                if self.noscript_run is not None:
                    self.noscript_run.cancel()

    def _drive(self, ctx: PixelContext) -> tuple[Problem | None, Timeline]:
        target = self.target
        clock = time.monotonic()
        problem: Problem | None = None
        if target.journey is not None:
            journey = bind_journey(target.journey, target.url, click_id=self.click_id is not None)
            self._start_noscript(ctx, self._landing_url(), check_html=False)
            timeline, problems = capture_flow(
                self.lab,
                ctx,
                journey,
                click_id=self.click_id or new_click_id(),
                noscript=False,
                consent=self.options.consent,
            )
            if problems:
                problem = journey_problem(self._hide(problems[0]))
            self.timings["journey"] = _ms(time.monotonic() - clock)
            return problem, timeline
        assert target.url is not None
        try:
            if self.click_id is None:
                ctx.goto(target.url, timeout=max(0.1, self.remaining()))
            else:
                ctx.land(target.url, click_id=self.click_id, timeout=max(0.1, self.remaining()))
        except HarnessError as exc:
            problem = classify(self._hide(str(exc)))
        self.timings["load"] = _ms(time.monotonic() - clock)
        if problem is None:
            self._start_noscript(ctx, target.url)
        clock = time.monotonic()
        if problem is None or problem.kind == "timeout":
            # Settled from evidence (harness/capture/settle.py): load fired, queue drained, no
            # Spotify request in flight, --quiet seconds without pixel activity; longer only
            # while a reason holds (a tag manager without its pixel yet ...), at most
            # --settle-max seconds and never past the page budget.
            ctx.settle(
                quiet=min(self.options.quiet, self.remaining()),
                limit=min(self.options.settle_max, self.remaining()),
            )
        self.timings["settle"] = _ms(time.monotonic() - clock)
        clock = time.monotonic()
        if self._answers(ctx.page):
            ctx.snapshot()
        else:
            before = f"{problem.message} " if problem else ""
            problem = Problem(
                "timeout",
                f"{before}The page stopped answering (a script that never yields?): its "
                "storage, screenshot and links were not read.",
            )
        timeline = ctx.timeline()
        self.timings["snapshot"] = _ms(time.monotonic() - clock)
        return problem, timeline

    def _answers(self, page: Page) -> bool:
        """Can the page still run a script? (``evaluate`` has no timeout: a page stuck in a
        loop would hang it; this probe has one.)"""
        try:
            # polled on a timer, not on animation frames: a page that renders nothing (an
            # error page) may not produce a frame for a while, yet it answers.
            page.wait_for_function(
                "() => true",
                polling=50,
                timeout=max(0.5, min(2.0, self.remaining())) * 1000,
            )
        except PlaywrightError:
            self.responsive = False
        return self.responsive

    def _start_noscript(
        self, ctx: PixelContext, url: str | None, *, check_html: bool = True
    ) -> None:
        """Start the JavaScript-disabled rerun now, in its own context, so that it loads while
        this page settles (or the journey runs); with ``check_html``, only when the landing's
        documents have a ``<noscript>`` element (a journey starts it before its first page)."""
        if not self.options.noscript or url is None or self.remaining() < 0.5:
            return
        if check_html and not worth_a_rerun(ctx):
            return
        clock = time.monotonic()
        # One JavaScript-disabled page per worker, navigated for each rerun (a fresh visitor,
        # a session of its own): no context and renderer per page (harness/flows/noscript.py).
        lane = noscript_lane(
            self.lab,
            prepare=lambda rerun: Guard(rerun.context, rerun.page),
            **self._context_args(),
        )
        self.noscript_run = lane.start(url, timeout=min(NOSCRIPT_LIMIT, self.remaining()))
        self._add_time("noscript", clock)

    def _noscript(self) -> Timeline | None:
        run, self.noscript_run = self.noscript_run, None
        if run is None:
            return None
        clock = time.monotonic()
        try:
            return run.finish(limit=min(NOSCRIPT_SETTLE, self.remaining()))
        finally:
            self._add_time("noscript", clock)

    def _add_time(self, phase: str, since: float) -> None:
        self.timings[phase] = round(self.timings.get(phase, 0.0) + _ms(time.monotonic() - since), 1)

    def _screenshot(self, page: Page) -> str | None:
        if not self.options.screenshots or self.remaining() < 0.2:
            return None
        try:
            png = page.screenshot(
                type="png", timeout=min(5.0, self.remaining()) * 1000, animations="disabled"
            )
        except PlaywrightError:
            return None
        return base64.b64encode(png).decode("ascii")

    def _result(
        self,
        ctx: PixelContext,
        page: Page,
        guard: Guard,
        problem: Problem | None,
        timeline: Timeline,
    ) -> PageResult:
        report_clock = time.monotonic()
        options = self.options
        config = rule_config(options)
        landing_url = self._landing_url()
        reached = any(p.status is not None and p.status < 400 for p in timeline.pages)
        if (
            options.noscript
            and landing_url
            and reached
            and (problem is None or problem.kind == "journey")
        ):
            timeline = dataclasses.replace(timeline, noscript=self._noscript())
        elif self.noscript_run is not None:
            self.noscript_run.cancel()
            self.noscript_run = None
        status = timeline.pages[-1].status if timeline.pages else None
        if problem is None:
            problem = status_problem(self._hide(page.url), status)
        environment = environment_problem(timeline, config) if self.lab.script == "live" else None
        if environment is not None and problem is None:
            problem = environment
        clock = time.monotonic()
        findings: list[AuditFinding] = []
        if timeline.pages and environment is None:
            # in a thread of its own: a large page's rules take seconds, which would hold up
            # the pages in flight beside this one (harness/browser/interleave.py)
            findings = off_thread(page, lambda: evaluate(timeline, config))
        self.timings["rules"] = _ms(time.monotonic() - clock)
        # the guard's lists as they are now (its handlers go on appending on this thread)
        dialogs, popups = tuple(guard.dialogs), tuple(guard.popups)
        downloads = tuple(guard.downloads)
        entries, counts = off_thread(
            page,
            lambda: summarise(
                timeline,
                config,
                started=self.started_epoch,
                dialogs=dialogs,
                popups=popups,
                downloads=downloads,
            ),
        )
        counts.update(dialogs=guard.dialog_count, popups=guard.popup_count)
        screenshot = self._screenshot(page) if self.responsive else None
        links: tuple[str, ...] = ()
        if options.crawl and self.responsive and not page.is_closed():
            links = self._links(page)
        title = ""
        if self.responsive:
            with contextlib.suppress(PlaywrightError):
                title = page.title()[:300]
        facts = Facts(timeline, config)
        chain = timeline.landing.redirect_chain if timeline.landing else ()
        if not chain and timeline.pages:
            chain = timeline.pages[0].redirect_chain
        self.timings["report"] = _ms(time.monotonic() - report_clock)
        self.timings["total"] = _ms(time.monotonic() - self.started)
        return PageResult(
            index=self.target.index,
            url=self.target.url
            or (self.target.journey.first_url() if self.target.journey else "")
            or "",
            final_url=facts.url(page.url) if not page.is_closed() else None,
            status=status,
            title=title,
            journey=self.target.journey.name if self.target.journey else None,
            redirect_chain=tuple(facts.url(u) for u in chain[:20]),
            findings=tuple(findings),
            problem=problem,
            timings=dict(self.timings),
            screenshot=screenshot,
            timeline=tuple(entries),
            counts=counts,
            links=links,
            consent=timeline.consent_outcome,
        )

    def _landing_url(self) -> str | None:
        if self.target.journey is not None:
            first = self.target.journey.first_url()
            if first and self.target.url:
                return urljoin(self.target.url, first)
            return first or self.target.url
        return self.target.url
