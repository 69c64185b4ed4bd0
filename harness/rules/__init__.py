"""The auditor: a registry of small rules over a captured timeline (harness.capture.timeline).

    from harness.rules import RuleConfig, evaluate
    for finding in evaluate(timeline, RuleConfig()):
        print(finding.code, finding.severity, finding.message)

Every code, its severity, meaning, evidence and fix is documented in docs/findings.md.
"""

from __future__ import annotations

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
from harness.rules.model import (
    AuditFinding,
    Rule,
    RuleConfig,
    RuleSpec,
    Severity,
    build_rules,
    run_rules,
)
from harness.rules.table import TABLE

RULES: dict[str, Rule] = build_rules(TABLE)


def codes() -> tuple[str, ...]:
    """Every rule code, in table order."""
    return tuple(RULES)


def evaluate(timeline: Timeline, config: RuleConfig | None = None) -> list[AuditFinding]:
    """Every finding for ``timeline``, sorted by severity, code, page and message."""
    return run_rules(RULES.values(), timeline, config or RuleConfig())


__all__ = [
    "RULES",
    "AuditFinding",
    "Rule",
    "RuleConfig",
    "RuleSpec",
    "Severity",
    "codes",
    "evaluate",
]
