"""The rule engine: the registered rules, in their published order, run over the facts of one
timeline.

Each rule is registered where its check is defined (``@rule`` in :mod:`harness.rules.checks`).
The published order (``codes()``, SARIF's rule list, the JUnit cases of each page) is the order
of :data:`CHECK_MODULES`, then the order in which each module defines its rules (docs/findings.md);
a new rule takes its place where its module defines it, and the existing rules keep their
relative order.

It sits above :mod:`harness.rules.model` (the value types and the registry) and
:mod:`harness.rules.facts` (what the checks read), so neither of those imports the other's user.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType
from typing import Any

from harness.capture.timeline import Timeline
from harness.rules.checks import (
    clickid,
    csp,
    event_ids,
    events,
    evidence,
    flow,
    install,
    legacy,
    noscript,
    privacy,
    timing,
)
from harness.rules.facts import Facts
from harness.rules.model import AuditFinding, Rule, RuleConfig, registered

CHECK_MODULES: tuple[ModuleType, ...] = (
    install,
    events,
    clickid,
    csp,
    noscript,
    timing,
    flow,
    privacy,
    event_ids,
    legacy,
    evidence,
)


def published(rules: Iterable[Rule], modules: tuple[ModuleType, ...]) -> dict[str, Rule]:
    """``rules`` by code, in the order of ``modules`` and, within a module, in registration
    order. A rule whose check is defined outside ``modules`` is an error."""
    position = {module.__name__: i for i, module in enumerate(modules)}
    rules = list(rules)
    stray = [r.code for r in rules if r.check.__module__ not in position]
    if stray:
        raise RuntimeError(
            f"rules registered outside the engine's check modules: {', '.join(stray)}"
        )
    ordered = sorted(
        enumerate(rules), key=lambda item: (position[item[1].check.__module__], item[0])
    )
    return {r.code: r for _, r in ordered}


RULES: dict[str, Rule] = published(registered(), CHECK_MODULES)


def codes() -> tuple[str, ...]:
    """Every rule code, in the published order."""
    return tuple(RULES)


def run_rules(rules: Iterable[Rule], timeline: Timeline, config: RuleConfig) -> list[AuditFinding]:
    """The findings of ``rules`` over ``timeline``: deduplicated by code, page and message, and
    sorted by severity, code, page and message. Disabled codes and optional codes that
    ``config.enable`` does not name are skipped."""
    facts = Facts(timeline, config)
    findings: dict[tuple[Any, ...], AuditFinding] = {}
    for rule in rules:
        if rule.code in config.disabled or (rule.optional and rule.code not in config.enable):
            continue
        for finding in rule.run(facts):
            key = (finding.code, finding.page, finding.message)
            findings.setdefault(key, finding)
    return sorted(findings.values(), key=AuditFinding.sort_key)


def evaluate(timeline: Timeline, config: RuleConfig | None = None) -> list[AuditFinding]:
    """Every finding for ``timeline``, sorted by severity, code, page and message."""
    return run_rules(RULES.values(), timeline, config or RuleConfig())
