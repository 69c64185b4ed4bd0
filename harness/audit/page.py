"""Audit one page (or one journey) in a fresh browser context, within a time budget."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import time
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import BrowserContext, Dialog, Download, Page
from playwright.sync_api import Error as PlaywrightError

from harness.audit.journeys import JourneyFile, bind_journey
from harness.audit.model import PageResult, Problem
from harness.audit.options import AuditOptions
from harness.audit.summary import summarise
from harness.capture.timeline import Timeline
from harness.context import PixelContext, new_click_id
from harness.errors import HarnessError
from harness.flows.capture import capture_flow
from harness.flows.consent import SILENT_WITHOUT_CONSENT
from harness.flows.noscript import NoscriptRun, can_have_noscript_pixel, noscript_lane
from harness.lab import Harness
from harness.rules import RuleConfig, evaluate
from harness.rules.facts import redact
from harness.rules.model import AuditFinding

VIEWPORT = {"width": 1280, "height": 800}
MAX_LINKS = 2000
MAX_GUARD_ITEMS = 50
NOSCRIPT_LIMIT = 10.0  # the JavaScript-disabled rerun's own budget
NOSCRIPT_SETTLE = 2.0  # at most this long waited for it once the main run is done
# Failures of the live ping.min.js that say "this machine cannot reach it", not "the site broke it".
ENVIRONMENT_FAILURES = (
    "ERR_NAME_NOT_RESOLVED",
    "ERR_NAME_RESOLUTION_FAILED",
    "ERR_INTERNET_DISCONNECTED",
    "ERR_CONNECTION_REFUSED",
    "ERR_CONNECTION_RESET",
    "ERR_CONNECTION_CLOSED",
    "ERR_CONNECTION_TIMED_OUT",
    "ERR_TIMED_OUT",
    "ERR_ADDRESS_UNREACHABLE",
    "ERR_NETWORK_ACCESS_DENIED",
    "ERR_PROXY_CONNECTION_FAILED",
    "ERR_CERT_",
    "ERR_SSL_",
)
_LINKS_JS = f"""() => Array.from(document.links).slice(0, {MAX_LINKS})
    .filter(a => !a.hasAttribute('download')).map(a => a.href)"""


@dataclass(frozen=True, slots=True)
class Target:
    index: int
    url: str | None  # the URL to audit, or the base URL of a journey
    journey: JourneyFile | None = None
    audit: bool = True  # False: a crawl page of another shard (only its links are needed)


class Guard:
    """Keeps a hostile page from stalling the audit: dialogs dismissed (beforeunload accepted),
    popups closed, downloads refused (the context has ``accept_downloads=False``)."""

    def __init__(self, context: BrowserContext, main: Page) -> None:
        self.main = main
        self.dialogs: list[str] = []
        self.popups: list[str] = []
        self.downloads: list[str] = []
        self.dialog_count = 0
        self.popup_count = 0
        context.on("page", self._on_page)
        context.on("dialog", self._on_dialog)
        main.on("download", self._on_download)

    def _on_page(self, page: Page) -> None:
        if page is self.main:
            return
        self.popup_count += 1
        if len(self.popups) < MAX_GUARD_ITEMS:
            self.popups.append(f"popup opened ({page.url or 'about:blank'}), closed")
        with contextlib.suppress(PlaywrightError):
            page.close()

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialog_count += 1
        if len(self.dialogs) < MAX_GUARD_ITEMS:
            self.dialogs.append(f"{dialog.type} dialog: {dialog.message[:200]!r}, dismissed")
        with contextlib.suppress(PlaywrightError):
            if dialog.type == "beforeunload":
                dialog.accept()
            else:
                dialog.dismiss()

    def _on_download(self, download: Download) -> None:
        if len(self.downloads) < MAX_GUARD_ITEMS:
            self.downloads.append(f"download {download.suggested_filename[:200]!r} refused")


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


def classify(message: str) -> Problem:
    """A navigation failure as a report problem, in one line."""
    line = message.strip().splitlines()[0] if message.strip() else "navigation failed"
    if "Timeout" in line and "exceeded" in line:
        return Problem("timeout", line)
    if "Download is starting" in line:
        return Problem("navigation", f"{line} (the URL is a download; downloads are refused)")
    if "ERR_NAME_NOT_RESOLVED" in line:
        return Problem("navigation", f"{line} (DNS: the host name does not resolve)")
    if "ERR_CERT" in line or "ERR_SSL" in line:
        return Problem(
            "navigation",
            f"{line} (TLS: the certificate is not trusted; see --trust-spki or --insecure)",
        )
    return Problem("navigation", line)


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

    def _context(self, **extra: Any) -> PixelContext:
        return self.lab.new_context(
            click_id_param=self.options.click_id_param,
            accept_downloads=False,
            ignore_https_errors=self.options.insecure,
            viewport=VIEWPORT,
            **extra,
        )

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
        with self._context() as ctx:
            page = ctx.page
            guard = Guard(ctx.context, page)
            ctx.context.set_default_timeout(max(100.0, min(10.0, self.remaining()) * 1000))
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
            steps = bind_journey(target.journey, target.url, click_id=self.click_id is not None)
            self._start_noscript(ctx, self._landing_url(), check_html=False)
            timeline, problems = capture_flow(
                self.lab,
                ctx,
                steps,
                click_id=self.click_id or new_click_id(),
                noscript=False,
                consent=self.options.consent,
            )
            if problems:
                first = self._hide(problems[0])
                if first.split(" ", 1)[0] in ("land", "goto"):
                    problem = classify(first)
                else:
                    problem = Problem("journey", f"journey step failed: {first}")
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
        if self._answers(ctx.page):
            ctx.snapshot()
        else:
            before = f"{problem.message} " if problem else ""
            problem = Problem(
                "timeout",
                f"{before}The page stopped answering (a script that never yields?): its "
                "storage, screenshot and links were not read.",
            )
        self.timings["settle"] = _ms(time.monotonic() - clock)
        return problem, ctx.timeline()

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
        if check_html and ctx.recorder is not None:
            seen = ctx.recorder.evidence.noscript_elements  # the capture saw one in the DOM
            if not seen and not any(map(can_have_noscript_pixel, ctx.recorder.document_html())):
                return
        clock = time.monotonic()
        # One JavaScript-disabled page per worker, navigated for each rerun (a fresh visitor,
        # a session of its own): no context and renderer per page (harness/flows/noscript.py).
        lane = noscript_lane(self.lab, self._noscript_context)
        self.noscript_run = lane.start(url, timeout=min(NOSCRIPT_LIMIT, self.remaining()))
        self._add_time("noscript", clock)

    def _noscript_context(self) -> PixelContext:
        rerun_ctx = self._context(java_script_enabled=False, capture=False)  # records suffice
        Guard(rerun_ctx.context, rerun_ctx.page)
        return rerun_ctx

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
        if problem is None and status is not None and status >= 400:
            problem = Problem("navigation", f"{self._hide(page.url)} answered HTTP {status}")
        environment = self._environment_problem(timeline, config)
        if environment is not None and problem is None:
            problem = environment
        clock = time.monotonic()
        findings: list[AuditFinding] = []
        if timeline.pages and environment is None:
            findings = evaluate(timeline, config)
        self.timings["rules"] = _ms(time.monotonic() - clock)
        entries, counts = summarise(
            timeline,
            config,
            started=self.started_epoch,
            dialogs=guard.dialogs,
            popups=guard.popups,
            downloads=guard.downloads,
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
        from harness.rules.facts import Facts

        facts = Facts(timeline, config)
        chain = timeline.landing.redirect_chain if timeline.landing else ()
        if not chain and timeline.pages:
            chain = timeline.pages[0].redirect_chain
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
                from urllib.parse import urljoin

                return urljoin(self.target.url, first)
            return first or self.target.url
        return self.target.url

    def _environment_problem(self, timeline: Timeline, config: RuleConfig) -> Problem | None:
        if self.lab.script != "live":
            return None
        for event in timeline.network:
            if not event.failure or config.script_file not in event.url:
                continue
            if config.script_hosts[0] not in event.url:
                continue
            if any(code in event.failure for code in ENVIRONMENT_FAILURES):
                return Problem(
                    "environment",
                    f"the live {config.script_url} could not be loaded from this machine "
                    f"({event.failure}); this is an environment problem, not a site defect; "
                    "re-run with --script emulated",
                )
        return None
