"""Run a journey in a ``PixelContext`` and report each step."""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import Error as PlaywrightError

from harness.context import Landing, PixelContext
from harness.errors import AssertionFailed, HarnessError
from harness.flows.journey import Journey, Step
from harness.flows.studio_steps import STUDIO_VERBS, StudioSteps

DEFAULT_STEP_TIMEOUT = 10.0
DEFAULT_EVENT_TIMEOUT = 5.0


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

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)


def _perform(ctx: PixelContext, step: Step, click_id: str | None, param: str | None) -> None:
    """Do one step; raises AssertionFailed, HarnessError or Playwright's Error."""
    page_timeout = DEFAULT_STEP_TIMEOUT * 1000
    target = step.target or ""
    if step.verb == "land":
        ctx.land(target, click_id=step.value or click_id, param=step.param or param)
    elif step.verb == "goto":
        ctx.goto(target)
    elif step.verb in ("click", "consent"):
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
        ctx.expect_event(step.name, timeout=step.timeout or DEFAULT_EVENT_TIMEOUT, **step.fields)


def run_journey(
    ctx: PixelContext,
    journey: Journey,
    *,
    click_id: str | None = None,
    click_id_param: str | None = None,
    stop_on_error: bool = False,
) -> FlowResult:
    """Run every step; failed expectations are collected, not raised.

    A step that cannot run at all (a page that does not load, a selector that never appears)
    fails and, with ``stop_on_error``, ends the flow.
    """
    results: list[StepResult] = []
    consent_at: int | None = None
    studio = StudioSteps(ctx)
    for step in journey.steps:
        if step.verb == "consent":
            consent_at = ctx.mock.store.last_id()
        try:
            if step.verb in STUDIO_VERBS:
                studio.perform(step)
            else:
                _perform(ctx, step, studio.click_id or click_id, click_id_param)
            ctx.snapshot()
            results.append(StepResult(step, True))
        except AssertionFailed as exc:
            results.append(StepResult(step, False, str(exc)))
        except (HarnessError, PlaywrightError) as exc:
            text = str(exc).strip().splitlines()
            results.append(StepResult(step, False, text[0] if text else type(exc).__name__))
            if stop_on_error:
                break
    unmet = tuple(r for r in results if not r.ok and r.step.verb == "expect_event")
    return FlowResult(tuple(results), tuple(ctx.landings), consent_at, unmet)
