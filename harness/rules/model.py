"""The auditor's value types and its registry: findings, configuration, rules.

A rule is one small check function registered with :func:`rule`, which carries the rule's
code, severity, title, fix and source. The check receives the precomputed
:class:`~harness.rules.facts.Facts` of a timeline and yields :class:`Hit` values;
:class:`Rule.run` turns hits into :class:`AuditFinding` values; the engine
(:mod:`harness.rules.engine`) orders the registered rules, runs them, and sorts and
deduplicates their findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mock_endpoint.hosts import IMAGE_HOST, INGEST_HOST, SCRIPT_HOST
from mock_endpoint.vocab import CLICK_ID_PARAMS, SEVERITY_ORDER, Severity

if TYPE_CHECKING:
    from harness.rules.facts import Facts

# Where site owners get the pixel key and the base code (named in rules' fixes).
ADS_MANAGER = "Spotify Ads Manager"


@dataclass(frozen=True, slots=True)
class AuditFinding:
    """One problem the auditor found, with the evidence that proves it and how to fix it."""

    code: str
    severity: Severity
    message: str
    fix: str
    page: str | None = None
    evidence: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
            "page": self.page,
            "evidence": list(self.evidence),
        }

    def sort_key(self) -> tuple[int, str, str, str]:
        return (SEVERITY_ORDER.get(self.severity, 9), self.code, self.page or "", self.message)


@dataclass(frozen=True, slots=True)
class RuleConfig:
    """What the auditor assumes about the pixel and the site (defaults: docs/evidence.md §4-§6)."""

    # Query parameters carrying the click id (Spotify: spclid; the setup guide: sp_click_id).
    click_id_params: tuple[str, ...] = CLICK_ID_PARAMS
    # Where a persisted click id counts: any of "cookie", "local", "session".
    click_id_storage: tuple[str, ...] = ("cookie", "local", "session")
    # Names the click id must be stored under (cookie names or storage keys); empty = any name.
    click_id_names: tuple[str, ...] = ()
    # Hosts that serve ping.min.js (the live host and the byte-identical legacy Podsights CDN).
    script_hosts: tuple[str, ...] = (SCRIPT_HOST, "cdn.pdst.fm")
    script_file: str = "ping.min.js"
    ingest_hosts: tuple[str, ...] = (INGEST_HOST,)
    ingest_path: str = "/v1/ingest"
    # Image pixel hosts: Spotify's documented image pixel and the guide's /pixel endpoint.
    image_hosts: tuple[str, ...] = (IMAGE_HOST, SCRIPT_HOST)
    # Whether a JavaScript-disabled run was made; None: true when the timeline has one.
    noscript_run: bool | None = None
    # Hosts where conversions happen; empty: the hosts of pages that sent conversion events.
    conversion_hosts: tuple[str, ...] = ()
    # Events that are conversions (for the click id cookie scope).
    conversion_events: tuple[str, ...] = (
        "purchase",
        "lead",
        "signup",
        "checkout",
        "addtocart",
        *(f"custom_event_{i}" for i in range(1, 6)),
    )
    # Events a user may legitimately send twice with identical parameters in one page view.
    repeatable_events: tuple[str, ...] = ("addtocart",)
    # Shorten click ids, device ids, emails and tokens in messages and evidence
    # (docs/evidence.md §9).
    redact: bool = True
    # Codes not to report.
    disabled: frozenset[str] = frozenset()
    # Optional codes to report too (off by default): BASE_CODE_NOT_IN_HEAD,
    # PERSONAL_DATA_IN_PAGE_URL.
    enable: frozenset[str] = frozenset()

    @property
    def script_url(self) -> str:
        return f"https://{self.script_hosts[0]}/{self.script_file}"

    @property
    def ingest_url(self) -> str:
        return f"https://{self.ingest_hosts[0]}{self.ingest_path}"


@dataclass(frozen=True, slots=True)
class Hit:
    """What a check yields: the rule adds its code, severity and (unless overridden) fix."""

    message: str
    page: str | None = None
    evidence: tuple[str, ...] = ()
    fix: str | None = None


Check = Callable[["Facts"], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    """One audit rule: its stable code, severity, what it means (``title``), how to fix what it
    finds, the source it relies on ("live pixel", "guide", "guide vs live pixel", "Spotify's
    advice", "flow", "harness"), and the check that finds it. ``optional`` rules run only when
    :attr:`RuleConfig.enable` names them."""

    code: str
    severity: Severity
    title: str
    fix: str
    source: str
    check: Check = field(repr=False)
    optional: bool = False

    def run(self, facts: Facts) -> list[AuditFinding]:
        return [
            AuditFinding(
                code=self.code,
                severity=self.severity,
                message=hit.message,
                fix=hit.fix or self.fix,
                page=hit.page,
                evidence=tuple(dict.fromkeys(hit.evidence))[:12],
            )
            for hit in self.check(facts)
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "title": self.title,
            "fix": self.fix,
            "source": self.source,
            "optional": self.optional,
        }


# Every registered rule by code, in registration order (the engine orders them for readers).
_REGISTERED: dict[str, Rule] = {}


def rule(
    code: str,
    severity: Severity,
    *,
    title: str,
    fix: str,
    source: str,
    optional: bool = False,
) -> Callable[[Check], Check]:
    """Register the decorated function as the check of a new rule ``code``, with the rule's
    metadata (documented in docs/findings.md). A code registered twice, or a function that is
    already the check of another rule, raises ``ValueError`` when the module is imported."""

    def register(fn: Check) -> Check:
        if code in _REGISTERED:
            raise ValueError(f"rule {code} is registered twice")
        other = next((r.code for r in _REGISTERED.values() if r.check is fn), None)
        if other is not None:
            raise ValueError(f"{fn.__qualname__} is already the check of rule {other}")
        _REGISTERED[code] = Rule(code, severity, title, fix, source, fn, optional)
        return fn

    return register


def registered() -> tuple[Rule, ...]:
    """Every registered rule, in registration order."""
    return tuple(_REGISTERED.values())
