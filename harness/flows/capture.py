"""Run a flow in a context and capture its timeline: what the catalogue runner (``harness.e2e``)
and the live-site auditor (``harness.audit``) share."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from harness.capture.settle import DEFAULT_LIMIT, DEFAULT_QUIET
from harness.flows.noscript import noscript_lane
from harness.flows.runner import run_journey

if TYPE_CHECKING:
    from harness.capture.timeline import Timeline
    from harness.context import PixelContext
    from harness.flows.journey import Journey
    from harness.lab import Harness

NOSCRIPT_LIMIT = 2.0  # how long the JavaScript-disabled rerun may take after the flow


def capture_flow(
    lab: Harness,
    ctx: PixelContext,
    journey: Journey,
    *,
    click_id: str,
    noscript: bool = True,
    consent: str | None = None,
    quiet: float = DEFAULT_QUIET,
    limit: float = DEFAULT_LIMIT,
) -> tuple[Timeline, list[str]]:
    """Run a parsed flow in ``ctx`` and return its timeline (with a JS-disabled landing, loaded in
    parallel in its own context) and the steps that could not run.

    ``consent`` runs the flow's consent step with that choice (harness/flows/consent.py)."""
    landing_url = journey.first_url()
    rerun = None
    if noscript and landing_url:
        # the lab's JavaScript-disabled page, navigated for this rerun (harness/flows/noscript.py)
        lane = noscript_lane(lab)
        rerun = lane.start(landing_url, timeout=15.0)
    try:
        result = run_journey(ctx, journey, click_id=click_id, stop_on_error=True, consent=consent)
        problems = [
            f"{r.step.describe()}: {r.message}"
            for r in result.steps
            if not r.ok and r.step.verb not in ("expect_event", "expect_no_pixel_traffic")
        ]
        ctx.settle(quiet=quiet, limit=limit)
        ctx.snapshot()
        timeline = ctx.timeline(
            consent_after_record=result.consent_at_record,
            expected_events=tuple(s.name for s in journey.expected_events() if s.name),
            unmet_expectations=tuple(r.message for r in result.unmet),
            noscript=rerun.finish(limit=NOSCRIPT_LIMIT) if rerun is not None else None,
        )
        if consent is not None:
            timeline = dataclasses.replace(
                timeline,
                consent_choice=consent,
                consent_denied_after_record=result.denied_at_record,
                consent_outcome=result.consent_outcome,
            )
        return timeline, problems
    finally:
        if rerun is not None:
            rerun.cancel()
