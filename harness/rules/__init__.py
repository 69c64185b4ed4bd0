"""The auditor: a registry of small rules over a captured timeline (harness.capture.timeline).

    from harness.rules import RuleConfig, evaluate
    for finding in evaluate(timeline, RuleConfig()):
        print(finding.code, finding.severity, finding.message)

Every code, its severity, meaning, evidence and fix is documented in docs/findings.md. The value
types and the registry (:func:`rule`, the decorator that registers a check with its code,
severity, title, fix and source) are in :mod:`harness.rules.model`, the engine that orders and
runs the registered rules in :mod:`harness.rules.engine`.
"""

from __future__ import annotations

from harness.rules.engine import RULES, codes, evaluate, run_rules
from harness.rules.model import AuditFinding, Rule, RuleConfig, rule
from mock_endpoint.vocab import Severity

__all__ = [
    "RULES",
    "AuditFinding",
    "Rule",
    "RuleConfig",
    "Severity",
    "codes",
    "evaluate",
    "rule",
    "run_rules",
]
