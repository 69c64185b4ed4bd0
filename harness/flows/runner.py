"""Run a journey in a ``PixelContext`` and report each step."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Error as PlaywrightError

from harness.context import Landing, PixelContext
from harness.errors import AssertionFailed, HarnessError, UsageError
from harness.flows.consent import CHOICES, ConsentControls, is_alias_key, perform, stored_names
from harness.flows.journey import Journey
from harness.flows.step import Step
from harness.flows.studio_steps import STUDIO_VERBS, StudioSteps

DEFAULT_STEP_TIMEOUT = 10.0
DEFAULT_EVENT_TIMEOUT = 5.0
# After a consent decision: the quiet period and the longest wait for what it released.
CONSENT_QUIET = 0.3
CONSENT_LIMIT = 3.0


@dataclass(frozen=True, slots=True)
class StepResult:
    step: Step
    ok: bool
    message: str = ""


@dataclass(frozen=True, slots=True)
class FlowResult:
    steps: tuple[StepResult, ...]
    landings: tuple[Landing, ...] = ()
    consent_at_record: int | None = None  # last mock record id before the consent step
    unmet: tuple[StepResult, ...] = field(default=())
    consent_choice: str | None = None  # accept, reject, none, revoke (None: the step as written)
    denied_at_record: int | None = None  # last record id before a reject or a withdrawal
    consent_outcome: dict[str, Any] | None = None  # what fired, was stored, survived

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)


def _perform(
    ctx: PixelContext,
    step: Step,
    click_id: str | None,
    param: str | None,
    before_previous: int | None = None,
) -> None:
    """Do one step; raises AssertionFailed, HarnessError or Playwright's Error.

    ``expect_no_pixel_traffic`` counts from ``before_previous``: the mock's last record id
    before the previous step began (what that step caused must stay silent too)."""
    page_timeout = DEFAULT_STEP_TIMEOUT * 1000
    target = step.target or ""
    if step.verb == "land":
        ctx.land(target, click_id=step.value or click_id, param=step.param or param)
    elif step.verb == "goto":
        ctx.goto(target)
    elif step.verb == "consent" and step.target:  # as written: click the accept selector
        ctx.page.click(target, timeout=page_timeout)
        ctx.page.wait_for_load_state("load")
        _after_consent(ctx)
    elif step.verb == "consent":
        _consent(ctx, step, "accept")
    elif step.verb == "click":
        ctx.page.click(target, timeout=page_timeout)
        ctx.page.wait_for_load_state("load")
    elif step.verb == "fill":
        ctx.page.fill(target, step.value or "", timeout=page_timeout)
    elif step.verb == "wait" and step.ms is not None:
        ctx.page.wait_for_timeout(step.ms)
    elif step.verb == "wait":
        ctx.page.wait_for_selector(target, timeout=(step.timeout or DEFAULT_STEP_TIMEOUT) * 1000)
    elif step.verb == "expect_event":
        assert step.name is not None
        ctx.expect_event(
            step.name,
            timeout=step.timeout or DEFAULT_EVENT_TIMEOUT,
            count=step.count,
            within=step.within,
            **step.fields,
        )
    elif step.verb == "expect_no_pixel_traffic":
        ctx.expect_no_pixel_traffic(during=step.within or 1.0, since=before_previous)


def _consent(ctx: PixelContext, step: Step, action: str) -> str:
    controls = step.consent or ConsentControls(accept=step.target, tool="selector")
    try:
        done = perform(ctx.page, controls, action, timeout_ms=DEFAULT_STEP_TIMEOUT * 1000)
    except UsageError as exc:
        raise HarnessError(str(exc)) from exc
    _after_consent(ctx)
    return done


def _after_consent(ctx: PixelContext) -> None:
    """A consent decision releases (or withholds) tags on the page where it was made: let what
    it started load there before the next step, as a visitor's next click comes later. Without
    this, a pixel released by Accept may still be loading when the next click leaves the page,
    and the journey would report a correct install as SCRIPT_NOT_LOADED. From evidence (a pixel
    script loading, a Spotify request in flight), bounded; a quiet page costs ``quiet``."""
    ctx.settle(quiet=CONSENT_QUIET, limit=CONSENT_LIMIT, after_action=True)


class _ConsentRun:
    """The consent step run with a choice, and what it leaves behind."""

    def __init__(self, ctx: PixelContext, choice: str) -> None:
        if choice not in CHOICES:
            raise UsageError(f"consent {choice!r}: expected one of {', '.join(CHOICES)}")
        self.ctx = ctx
        self.choice = choice
        self.step: Step | None = None
        self.done = ""
        self.at: int | None = None  # record id before the consent step
        self.denied_at: int | None = None

    def run(self, step: Step, before: int) -> None:
        self.step, self.at = step, before
        self.ctx.consent_decided(granted=self.choice in ("accept", "revoke"))
        if self.choice == "none":
            self.done = "none: the banner was left alone"
            return
        if self.choice == "reject":
            self.denied_at = before
        action = "reject" if self.choice == "reject" else "accept"
        self.done = _consent(self.ctx, step, action)

    def finish(self) -> tuple[int | None, dict[str, Any] | None]:
        """Withdraw (revoke), reload, and describe the run; returns the consent mark."""
        ctx = self.ctx
        if self.step is None:
            return None, None
        ctx.settle(quiet=0.3, limit=3.0)
        stored = self._stored()
        outcome: dict[str, Any] = {"choice": self.choice, "done": self.done, "stored": stored}
        if self.choice == "revoke":
            self.denied_at = ctx.last_record_id()
            ctx.consent_decided(granted=False)
            outcome["withdrawn"] = _consent(ctx, self.step, "withdraw")
            ctx.snapshot()
            ctx.goto(ctx.page.url)  # a new page view after the withdrawal
            ctx.settle(quiet=0.5, limit=3.0)
            ctx.snapshot()
            outcome["survived"] = self._stored()
        since = 0 if self.choice == "none" else (self.at or 0)
        outcome["fired"], outcome["requests"] = self._traffic(since)
        if self.denied_at is not None and self.choice == "revoke":
            outcome["fired_after_withdrawal"], outcome["requests_after_withdrawal"] = self._traffic(
                self.denied_at
            )
        return (ctx.last_record_id() if self.choice == "none" else self.at), outcome

    def _traffic(self, since: int) -> tuple[list[str], int]:
        """Event names and the number of pixel requests (script, events, image) after ``since``."""
        kinds = ("script", "ingest", "image", "noscript")
        pixel = [r for r in self.ctx.records() if r.id > since and r.kind in kinds]
        return [e.name for r in pixel for e in r.events], len(pixel)

    def _stored(self) -> dict[str, list[str]]:
        ctx = self.ctx
        try:
            cookies, storage = ctx.cookies(), ctx.storage()
        except PlaywrightError:  # a page that stopped answering: nothing could be read
            return {"names": [], "alias_cache": [], "click_id": []}
        click = next((x.click_id for x in reversed(ctx.landings) if x.click_id), None)
        return {
            "names": stored_names(cookies, storage),
            "alias_cache": sorted(k for k in storage.get("local", {}) if is_alias_key(k)),
            "click_id": ctx.click_id_locations(click) if click else [],
        }


def run_journey(
    ctx: PixelContext,
    journey: Journey,
    *,
    click_id: str | None = None,
    click_id_param: str | None = None,
    stop_on_error: bool = False,
    consent: str | None = None,
) -> FlowResult:
    """Run every step; failed expectations are collected, not raised.

    A step that cannot run at all (a page that does not load, a selector that never appears)
    fails and, with ``stop_on_error``, ends the flow. ``consent`` (accept, reject, none,
    revoke) runs the consent step with that choice; revoke withdraws at the end of the flow
    and opens the last page again.
    """
    results: list[StepResult] = []
    consent_at: int | None = None
    previous: int | None = None
    chooser = _ConsentRun(ctx, consent) if consent is not None else None
    studio = StudioSteps(ctx)
    for step in journey.steps:
        before = ctx.last_record_id()
        if step.verb == "consent":
            consent_at = before
        try:
            if step.verb == "consent" and chooser is not None:
                chooser.run(step, before)
            elif step.verb in STUDIO_VERBS:
                studio.perform(step)
            else:
                _perform(ctx, step, studio.click_id or click_id, click_id_param, previous)
            ctx.snapshot()
            results.append(StepResult(step, True))
        except AssertionFailed as exc:
            results.append(StepResult(step, False, str(exc)))
        except (HarnessError, PlaywrightError) as exc:
            text = str(exc).strip().splitlines()
            results.append(StepResult(step, False, text[0] if text else type(exc).__name__))
            if stop_on_error:
                break
        finally:
            previous = before
    outcome: dict[str, Any] | None = None
    denied_at: int | None = None
    if chooser is not None and all(r.ok or r.step.verb.startswith("expect") for r in results):
        try:
            mark, outcome = chooser.finish()
        except (HarnessError, PlaywrightError) as exc:
            text = str(exc).strip().splitlines()
            step = chooser.step or Step("consent")
            results.append(StepResult(step, False, f"withdraw: {text[0] if text else exc}"))
            mark = chooser.at
        consent_at = mark if mark is not None else consent_at
        denied_at = chooser.denied_at
    expectations = ("expect_event", "expect_no_pixel_traffic")
    unmet = tuple(r for r in results if not r.ok and r.step.verb in expectations)
    return FlowResult(
        tuple(results),
        tuple(ctx.landings),
        consent_at,
        unmet,
        consent_choice=consent,
        denied_at_record=denied_at,
        consent_outcome=outcome,
    )
