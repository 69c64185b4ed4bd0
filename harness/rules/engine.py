"""The rule engine: the registered rules of the table, run over the facts of one timeline.

It sits above :mod:`harness.rules.model` (the value types and the registry) and
:mod:`harness.rules.facts` (what the checks read), so neither of those imports the other's user.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from harness.capture.timeline import Timeline
from harness.rules.checks import (  # noqa: F401 - registers the checks
    clickid,
    csp,
    event_ids,
    events,
    evidence,
    flow,
    install,
    noscript,
)
from harness.rules.facts import Facts
from harness.rules.model import AuditFinding, Rule, RuleConfig, build_rules
from harness.rules.table import TABLE

RULES: dict[str, Rule] = build_rules(TABLE)


def codes() -> tuple[str, ...]:
    """Every rule code, in table order."""
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
