"""Flows: journeys of steps (land, goto, click, fill, wait, consent, expect_event)."""

from harness.flows.journey import Journey, parse_journey
from harness.flows.runner import FlowResult, run_journey
from harness.flows.step import Step

__all__ = ["FlowResult", "Journey", "Step", "parse_journey", "run_journey"]
