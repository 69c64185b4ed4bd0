"""The rule table: every check is a small named unit with a stable code, severity and description.

A rule's ``check`` receives a subject (what is validated: a pixel event, a CAPI event, a guide
conversion) and yields one message per problem; :meth:`ValidationRule.run` turns them into
:class:`~mock_endpoint.records.ValidationFinding` values. The mock attaches the findings to its
records; the auditor reads the same table. (The auditor's own rules are
:class:`harness.rules.model.Rule`, its findings :class:`~harness.rules.model.AuditFinding`.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from mock_endpoint.records import ValidationFinding
from mock_endpoint.vocab import Severity

Scope = Literal["pixel", "capi", "conversion", "stats", "http"]
Check = Callable[[Any], Iterable[str]]
C = TypeVar("C", bound=Check)


@dataclass(frozen=True, slots=True)
class ValidationRule:
    code: str
    severity: Severity
    scope: Scope
    description: str
    check: Check

    def run(self, subject: Any) -> tuple[ValidationFinding, ...]:
        return tuple(ValidationFinding(self.code, self.severity, m) for m in self.check(subject))

    def to_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity,
            "scope": self.scope,
            "description": self.description,
        }


_RULES: dict[str, ValidationRule] = {}
# rules_for() and checks_for() per scope, rebuilt after a registration (they run on every hit:
# measured hot).
_BY_SCOPE: dict[str, tuple[ValidationRule, ...]] = {}
_CHECKS: dict[str, tuple[ValidationRule, ...]] = {}


def rule(code: str, severity: Severity, scope: Scope, description: str) -> Callable[[C], C]:
    """Register the decorated check under ``code`` (codes are unique across scopes)."""

    def register(check: C) -> C:
        if code in _RULES:
            raise ValueError(f"rule code {code} registered twice")
        _RULES[code] = ValidationRule(code, severity, scope, description, check)
        _BY_SCOPE.clear()
        _CHECKS.clear()
        return check

    return register


def _never(_subject: Any) -> Iterable[str]:
    return ()


def declare(code: str, severity: Severity, scope: Scope, description: str) -> ValidationRule:
    """Register a rule applied by the HTTP layer (authentication, body shape): no check body."""
    _RULES[code] = ValidationRule(code, severity, scope, description, _never)
    _BY_SCOPE.clear()
    _CHECKS.clear()
    return _RULES[code]


def all_rules() -> tuple[ValidationRule, ...]:
    """Every registered rule, in registration order."""
    return tuple(_RULES.values())


def rules_for(scope: Scope) -> tuple[ValidationRule, ...]:
    found = _BY_SCOPE.get(scope)
    if found is None:
        found = _BY_SCOPE[scope] = tuple(r for r in _RULES.values() if r.scope == scope)
    return found


def checks_for(scope: Scope) -> tuple[ValidationRule, ...]:
    """The rules of ``scope`` that have a check body (declared rules are applied elsewhere), in
    registration order: what a validator runs on every subject."""
    found = _CHECKS.get(scope)
    if found is None:
        found = _CHECKS[scope] = tuple(r for r in rules_for(scope) if r.check is not _never)
    return found


def get_rule(code: str) -> ValidationRule:
    try:
        return _RULES[code]
    except KeyError:
        raise KeyError(f"no validation rule {code!r}; known: {', '.join(_RULES)}") from None


def finding(code: str, message: str) -> ValidationFinding:
    """A finding for a declared rule, with the rule's severity."""
    r = get_rule(code)
    return ValidationFinding(r.code, r.severity, message)
