"""Compare an audit with a saved one: which findings are new, unchanged or resolved.

A finding is matched by three things, never by its message (messages are reworded between
releases and carry counts):

- its **code**;
- its **page**: the journey name (if any) and the finding's page URL (else the page's URL),
  normalised: scheme and host lower-cased, the port, fragment and click-id parameters
  (``spclid``, ``sp_click_id``, the run's ``click_id_param``) dropped, the query sorted;
- a **fingerprint** of its evidence: SHA-256 over the code and the evidence lines, each line
  with its volatile parts replaced by placeholders, then de-duplicated and sorted (so evidence
  arriving in another order matches). Volatile parts: ISO 8601 timestamps, durations
  (``98.3 ms``, ``5 s``), mock record numbers (``record #6``), ports after a host, generated
  click ids (``spdt-test-…``), UUIDs, digit runs of 10 or more (epoch times), random tokens
  (16+ letters and digits mixed; a 32-hex pixel key is kept, it tells keys apart), and the
  values of cache-busting or session query parameters (``_``, ``t``, ``ts``, ``cb``, ``sid``,
  ``session``, ``nonce``, ``rnd``, ``r``, ``cachebuster``), and the line of a script in its
  document (``inline script at line 40``: an edit above it moves the script, not the problem).

Findings with the same key are matched one to one (two identical findings in the baseline and
one now: one unchanged, one resolved). Pages that could not be audited are not findings; they
keep exit code 2 whatever the baseline says.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from harness.audit.model import AuditReport, PageResult
from harness.rules.model import AuditFinding
from mock_endpoint.vocab import CLICK_ID_PARAMS

State = Literal["new", "unchanged", "resolved"]
FAIL_ON = ("new", "any")
FINGERPRINT_VERSION = "v1"
VOLATILE_PARAMS = frozenset(
    {"_", "t", "ts", "cb", "sid", "session", "nonce", "rnd", "r", "cachebuster"}
)

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
        ),
        "<time>",
    ),
    (re.compile(r"\brecord #\d+"), "record #<n>"),
    (re.compile(r"\bspdt-test-[0-9a-f]{16}\b"), "spdt-test-<id>"),
    (
        re.compile(
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
        ),
        "<uuid>",
    ),
    (re.compile(r"((?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]+|\[[0-9a-fA-F:]+\]):\d{2,5}\b"), r"\1"),
    (re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|s)\b"), "<duration>"),
    (re.compile(r"\d{10,}"), "<n>"),
    (re.compile(r"\bat line \d+\b"), "at line <n>"),
)
_TOKEN = re.compile(r"\b[A-Za-z0-9_-]{16,}\b")
_PIXEL_KEY = re.compile(r"^[0-9a-f]{32}$")
_QUERY_VALUE = re.compile(r"([?&])([A-Za-z0-9_.\-\[\]]+)=([^&\s\"')]*)")


def _token(match: re.Match[str]) -> str:
    text = match.group(0)
    if _PIXEL_KEY.match(text):
        return text
    has_digit = any(c.isdigit() for c in text)
    has_alpha = any(c.isalpha() for c in text)
    return "<id>" if has_digit and has_alpha else text


def _query_value(match: re.Match[str]) -> str:
    sep, name, value = match.groups()
    if name.lower() in VOLATILE_PARAMS:
        return f"{sep}{name}=<v>"
    return f"{sep}{name}={value}"


def stable_evidence(line: str) -> str:
    """One evidence line with its volatile parts replaced (see the module docstring)."""
    text = _QUERY_VALUE.sub(_query_value, line)
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return _TOKEN.sub(_token, text)


def fingerprint(finding: AuditFinding) -> str:
    """A stable fingerprint of a finding's evidence (``v1:`` and 16 hex digits)."""
    lines = sorted({stable_evidence(e) for e in finding.evidence})
    digest = hashlib.sha256("\n".join([finding.code, *lines]).encode("utf-8")).hexdigest()
    return f"{FINGERPRINT_VERSION}:{digest[:16]}"


def page_key(url: str | None, click_id_params: Iterable[str] = CLICK_ID_PARAMS) -> str:
    """A page URL normalised for matching (see the module docstring)."""
    if not url:
        return ""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return url.strip()
    drop = {p.lower() for p in click_id_params}
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in drop
    )
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", urlencode(query), ""))


@dataclass(frozen=True, slots=True)
class Compared:
    """One finding and its state against the baseline."""

    state: State
    finding: AuditFinding
    page_url: str  # the page result's URL (as given)
    journey: str | None
    key: tuple[str, str, str, str]  # code, journey, page, fingerprint
    page_index: int = -1
    position: int = -1  # index in its page's findings

    @property
    def fingerprint(self) -> str:
        return self.key[3]

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "page_url": self.page_url,
            "journey": self.journey,
            "fingerprint": self.fingerprint,
            **self.finding.to_json(),
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    """The current report's findings against a baseline's, in report order; resolved last."""

    current: tuple[Compared, ...]  # new and unchanged, one per finding of the current report
    resolved: tuple[Compared, ...]
    baseline_source: str = ""

    def counts(self) -> dict[str, int]:
        out = {"new": 0, "unchanged": 0, "resolved": len(self.resolved)}
        for item in self.current:
            out[item.state] += 1
        return out

    def item_for(self, page: PageResult, position: int) -> Compared | None:
        """The comparison of ``page.findings[position]``, or None when it was not compared."""
        wanted = (page.index, page.url, page.journey, position)
        for item in self.current:
            if (item.page_index, item.page_url, item.journey, item.position) == wanted:
                return item
        return None

    def state_of(self, page: PageResult, position: int) -> State | None:
        item = self.item_for(page, position)
        return item.state if item is not None else None

    @property
    def new(self) -> tuple[Compared, ...]:
        return tuple(c for c in self.current if c.state == "new")

    @property
    def unchanged(self) -> tuple[Compared, ...]:
        return tuple(c for c in self.current if c.state == "unchanged")

    def summary(self) -> str:
        c = self.counts()
        return f"baseline: {c['new']} new, {c['unchanged']} unchanged, {c['resolved']} resolved"

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.baseline_source,
            "fingerprint_version": FINGERPRINT_VERSION,
            **self.counts(),
            "resolved_findings": [c.to_json() for c in self.resolved],
        }


def _params(report: AuditReport) -> tuple[str, ...]:
    param = report.options.get("click_id_param")
    return (*CLICK_ID_PARAMS, param) if isinstance(param, str) else CLICK_ID_PARAMS


def _compared(page: PageResult, position: int, params: tuple[str, ...], state: State) -> Compared:
    finding = page.findings[position]
    choice = page.consent.get("choice") if page.consent else None
    key = (
        finding.code,
        (page.journey or "") + (f" [consent {choice}]" if choice else ""),
        page_key(finding.page or page.url, params),
        fingerprint(finding),
    )
    return Compared(state, finding, page.url, page.journey, key, page.index, position)


def compare(baseline: AuditReport, current: AuditReport, source: str = "") -> Comparison:
    """Each finding of ``current`` as new or unchanged; those only in ``baseline`` resolved."""
    remaining: dict[tuple[str, str, str, str], list[Compared]] = defaultdict(list)
    base_params = _params(baseline)
    for page in baseline.pages:
        for position in range(len(page.findings)):
            item = _compared(page, position, base_params, "resolved")
            remaining[item.key].append(item)
    params = _params(current)
    items: list[Compared] = []
    for page in current.pages:
        for position in range(len(page.findings)):
            item = _compared(page, position, params, "new")
            if remaining.get(item.key):
                remaining[item.key].pop(0)
                item = dataclasses.replace(item, state="unchanged")
            items.append(item)
    resolved = tuple(c for group in remaining.values() for c in group)
    return Comparison(tuple(items), resolved, source)


def gate_exit_code(report: AuditReport, comparison: Comparison | None, fail_on: str = "any") -> int:
    """The exit code of a run gated on ``fail_on``: ``any`` error finding (the default, as
    without a baseline) or only ``new`` ones. A page that could not be audited is always 2."""
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on {fail_on!r}: expected one of {', '.join(FAIL_ON)}")
    if report.problems:
        return 2
    if fail_on == "any" or comparison is None:
        return report.exit_code
    return 1 if any(c.finding.severity == "error" for c in comparison.new) else 0
