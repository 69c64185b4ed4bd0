"""The mock's validation table applied to everything a timeline holds: every spdt call and every
event the mock recorded. The parameter rules (:mod:`harness.rules.checks.events`,
:mod:`harness.rules.checks.privacy`) read the result through :attr:`Facts.param_findings`,
computed once per timeline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.rules.values import norm, params_of
from mock_endpoint.validation import validate_pixel_event

if TYPE_CHECKING:
    from harness.rules.facts import Facts

# The codes of the validation table that the auditor reports as its own findings.
PARAM_CODES = (
    "UNFILLED_PLACEHOLDER",
    "MISSING_CURRENCY",
    "MISSING_VALUE",
    "INVALID_CURRENCY",
    "INVALID_VALUE",
    "INVALID_PARAMETER",
    "MISSING_ORDER_ID",
    "UNKNOWN_EVENT",
    "PERSONAL_DATA_IN_EVENT",
)


@dataclass(frozen=True, slots=True)
class ParamFinding:
    """One problem of the validation table on one page: the event it concerns ("" for a
    finding of the mock's), the table's message, and where it was seen (calls, records)."""

    code: str
    page: str
    name: str
    message: str
    evidence: tuple[str, ...]


_Add = Callable[[str, str, str, str, str], None]


def collect(facts: Facts) -> tuple[ParamFinding, ...]:
    """The validation table applied to every spdt call and every event the mock recorded,
    merged by (code, page, message) so a problem seen in both is reported once."""
    merged: dict[tuple[str, str, str], tuple[str, list[str]]] = {}

    def add(code: str, page: str, name: str, message: str, evidence: str) -> None:
        _, seen = merged.setdefault((code, page, message), (name, []))
        if evidence not in seen:
            seen.append(evidence)

    _call_findings(facts, add)
    for record in facts.timeline.records:
        if record.kind not in ("ingest", "image", "noscript"):
            continue
        seen: set[str] = set()
        for event in record.events:
            page = norm(event.url or record.page)
            for finding in validate_pixel_event(event.name, event.key, event.params):
                if finding.code in PARAM_CODES:
                    seen.add(finding.code)
                    add(
                        finding.code,
                        page,
                        event.name,
                        finding.message,
                        f"{facts.record(record)}: {event.name} {facts.params(event.params)}",
                    )
        page = norm(record.page)
        for finding in record.findings:
            # the mock runs the same table: a code already found on this record's events is
            # the same problem in other words, not a second one
            if finding.code in PARAM_CODES and finding.code not in seen:
                add(
                    finding.code,
                    page,
                    "",
                    finding.message,
                    f"mock finding on {facts.record(record)}",
                )
    return tuple(
        ParamFinding(code, page, name, message, tuple(evidence))
        for (code, page, message), (name, evidence) in merged.items()
    )


def _call_findings(facts: Facts, add: _Add) -> None:
    for call in facts.timeline.calls:
        if not isinstance(call.command, str):
            add(
                "UNKNOWN_EVENT",
                norm(call.page_url),
                repr(call.command),
                "spdt is called with a non-string command",
                facts.call(call),
            )
            continue
        if call.command == "conf":
            continue
        for finding in validate_pixel_event(call.command, None, params_of(call)):
            if finding.code in PARAM_CODES:
                add(
                    finding.code,
                    norm(call.page_url),
                    call.command,
                    finding.message,
                    facts.call(call),
                )
