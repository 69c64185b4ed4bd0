"""Run a journey in a ``PixelContext`` and report each step."""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import Error as PlaywrightError

from harness.context import Landing, PixelContext
from harness.errors import AssertionFailed, HarnessError
from harness.flows.journey import Journey, Step

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
        ctx.expect_event(
            step.name,
            timeout=step.timeout or DEFAULT_EVENT_TIMEOUT,
            count=step.count,
            within=step.within,
            **step.fields,
        )
    elif step.verb == "expect_no_pixel_traffic":
        ctx.expect_no_pixel_traffic(during=step.within or 1.0, since=before_previous)


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
    previous: int | None = None
    for step in journey.steps:
        before = ctx.last_record_id()
        if step.verb == "consent":
            consent_at = before
        try:
            _perform(ctx, step, click_id, click_id_param, previous)
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
    expectations = ("expect_event", "expect_no_pixel_traffic")
    unmet = tuple(r for r in results if not r.ok and r.step.verb in expectations)
    return FlowResult(tuple(results), tuple(ctx.landings), consent_at, unmet)
