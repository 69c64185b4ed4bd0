"""Run catalogue scenarios in one browser against one mock, a fresh context per scenario, and
check that each produces exactly its declared findings."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from fixture_sites.catalogue import Scenario
from harness.context import new_click_id
from harness.flows.capture import capture_flow
from harness.flows.journey import Journey, parse_journey
from harness.lab import Harness
from harness.rules import AuditFinding, RuleConfig, evaluate
from mock_endpoint.vocab import CLICK_ID_PARAMS

NOSCRIPT_LIMIT = 2.0
# Scenarios at once (a thread and a Chromium each); measured on a 2-core machine, docs/cli.md.
DEFAULT_WORKERS = 3


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """One catalogue scenario run with one click id parameter: the findings the auditor
    reported against the ones the scenario declares (``expected``; ``must_not`` names codes it
    must never report), the flow steps that could not run, and how long it took. A scenario
    passes (:attr:`ok`) when it reported exactly its declared findings and every step ran."""

    scenario: str
    summary: str
    click_id_param: str
    expected: frozenset[str]
    findings: tuple[AuditFinding, ...]
    problems: tuple[str, ...]  # flow steps that could not run (not expectations)
    seconds: float
    must_not: frozenset[str] = frozenset()

    @property
    def codes(self) -> frozenset[str]:
        """The codes the auditor reported."""
        return frozenset(f.code for f in self.findings)

    @property
    def missing(self) -> frozenset[str]:
        """Declared codes the auditor did not report."""
        return self.expected - self.codes

    @property
    def unexpected(self) -> frozenset[str]:
        """Reported codes the scenario does not declare (``must_not`` codes among them)."""
        return self.codes - self.expected

    @property
    def ok(self) -> bool:
        """Exactly the declared findings, and every flow step ran."""
        return not self.missing and not self.unexpected and not self.problems

    @property
    def name(self) -> str:
        """``scenario[click_id_param]``, as reports and test ids show it."""
        return f"{self.scenario}[{self.click_id_param}]"


def scenario_journey(scenario: Scenario) -> Journey:
    """The scenario's flow as a journey, each bare page name in ``land``/``goto`` replaced by
    the scenario's URL for it. Parsed once, when the catalogue was loaded (``harness.catalogue``);
    a scenario loaded without those checks is parsed here."""
    parsed = scenario.parsed_flow
    journey = parsed if isinstance(parsed, Journey) else parse_journey(list(scenario.flow))
    pages = scenario.pages
    return journey.with_urls(lambda url: scenario.page_url(url) if url in pages else url)


def run_scenario(lab: Harness, scenario: Scenario, click_id_param: str) -> ScenarioResult:
    """Run ``scenario``'s flow in a fresh context of ``lab`` (landing with a new click id under
    ``click_id_param``) and audit the captured timeline with the default rule configuration."""
    started = time.monotonic()
    storage = scenario.click_id_storage or lab.click_id_storage
    with lab.new_context(click_id_param=click_id_param, click_id_storage=storage) as ctx:
        timeline, problems = capture_flow(
            lab, ctx, scenario_journey(scenario), click_id=new_click_id()
        )
    findings = evaluate(timeline, RuleConfig())
    return ScenarioResult(
        scenario=scenario.name,
        summary=scenario.summary,
        click_id_param=click_id_param,
        expected=scenario.findings,
        findings=tuple(findings),
        problems=tuple(problems),
        seconds=time.monotonic() - started,
        must_not=scenario.must_not,
    )


def run_catalogue(
    lab: Harness,
    scenarios: Iterable[Scenario],
    *,
    params: Iterable[str] = CLICK_ID_PARAMS,
    on_result: Callable[[ScenarioResult], None] | None = None,
) -> list[ScenarioResult]:
    """Every scenario once per click-id parameter, one after the other, in ``lab``."""
    results = []
    for scenario in scenarios:
        for param in params:
            result = run_scenario(lab, scenario, param)
            results.append(result)
            if on_result is not None:
                on_result(result)
    return results


def run_catalogue_parallel(
    make_lab: Callable[[], Harness],
    scenarios: Iterable[Scenario],
    *,
    params: Iterable[str] = CLICK_ID_PARAMS,
    workers: int = DEFAULT_WORKERS,
    on_result: Callable[[ScenarioResult], None] | None = None,
) -> list[ScenarioResult]:
    """The same runs on ``workers`` threads, each with its own harness (``make_lab()``: one
    Chromium, mock and fixture server per thread; Playwright's sync API is bound to the thread
    that started it). Results, and ``on_result`` calls, come in catalogue order."""
    jobs = [(scenario, param) for scenario in scenarios for param in params]
    slots: list[ScenarioResult | None] = [None] * len(jobs)
    failure: list[BaseException] = []
    lock = threading.Condition()
    next_job = 0

    def work() -> None:
        nonlocal next_job
        try:
            with make_lab() as lab:
                while True:
                    with lock:
                        if next_job >= len(jobs) or failure:
                            return
                        index = next_job
                        next_job += 1
                    result = run_scenario(lab, *jobs[index])
                    with lock:
                        slots[index] = result
                        lock.notify_all()
        except BaseException as exc:  # a browser that cannot start ends the run, reported once
            with lock:
                failure.append(exc)
                lock.notify_all()

    threads = [
        threading.Thread(target=work, name=f"spdt-e2e-{i + 1}", daemon=True)
        for i in range(max(1, min(workers, len(jobs))))
    ]
    for thread in threads:
        thread.start()
    results: list[ScenarioResult] = []
    for index in range(len(jobs)):
        with lock:
            while slots[index] is None and not failure:
                lock.wait(0.5)
            if slots[index] is None:
                break
            result = slots[index]
        assert result is not None
        results.append(result)
        if on_result is not None:
            on_result(result)
    for thread in threads:
        thread.join()
    if failure:
        raise failure[0]
    return results
