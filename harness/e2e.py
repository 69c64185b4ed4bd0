"""Run catalogue scenarios in one browser against one mock, a fresh context per scenario."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from fixture_sites.catalogue import Scenario
from harness.context import new_click_id
from harness.errors import AssertionFailed
from harness.flows.journey import parse_journey
from harness.flows.runner import run_journey
from harness.lab import Harness

CLICK_ID_PARAMS = ("spclid", "sp_click_id")


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    scenario: str
    click_id_param: str
    ok: bool
    problems: tuple[str, ...]
    seconds: float


def run_scenario(lab: Harness, scenario: Scenario, click_id_param: str) -> ScenarioResult:
    started = time.monotonic()
    problems: list[str] = []
    click_id = new_click_id()
    with lab.new_context(click_id_param=click_id_param) as ctx:
        result = run_journey(
            ctx, parse_journey(scenario.resolved_flow()), click_id=click_id, stop_on_error=True
        )
        problems.extend(f"{r.step.describe()}: {r.message}" for r in result.steps if not r.ok)
        if result.ok:
            try:
                ctx.expect_click_id_persisted(click_id)
            except AssertionFailed as exc:
                problems.append(str(exc))
    return ScenarioResult(
        scenario.name, click_id_param, not problems, tuple(problems), time.monotonic() - started
    )


def run_catalogue(
    lab: Harness,
    scenarios: Iterable[Scenario],
    *,
    params: Iterable[str] = CLICK_ID_PARAMS,
    on_result: Callable[[ScenarioResult], None] | None = None,
) -> list[ScenarioResult]:
    results = []
    for scenario in scenarios:
        for param in params:
            result = run_scenario(lab, scenario, param)
            results.append(result)
            if on_result is not None:
                on_result(result)
    return results
