"""The audit as SARIF 2.1.0, for code-scanning dashboards: one result per finding, located at
the page URL; pages that could not be audited are ``AUDIT_INCOMPLETE`` errors."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from harness import __version__
from harness.audit.model import AuditReport
from harness.rules.engine import RULES

if TYPE_CHECKING:
    from harness.reports.baseline import Compared, Comparison

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
INCOMPLETE = "AUDIT_INCOMPLETE"


def _rules() -> list[dict[str, Any]]:
    rules = [
        {
            "id": spec.code,
            "name": spec.code.title().replace("_", ""),
            "shortDescription": {"text": spec.title},
            "help": {"text": spec.fix},
            "defaultConfiguration": {"level": LEVELS[spec.severity]},
            "properties": {"source": spec.source},
        }
        for spec in RULES.values()
    ]
    rules.append(
        {
            "id": INCOMPLETE,
            "name": "AuditIncomplete",
            "shortDescription": {"text": "the page could not be audited (unreachable, timeout)"},
            "help": {"text": "Check the URL, --map, --trust-spki and the timeouts."},
            "defaultConfiguration": {"level": "error"},
        }
    )
    return rules


# SARIF's names for the baseline states (SARIF 2.1.0, section 3.27.24 ``baselineState``).
BASELINE_STATES = {"new": "new", "unchanged": "unchanged", "resolved": "absent"}
FINGERPRINT_NAME = "spdtEvidence/v1"


def _result(f: Any, location: dict[str, Any], index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.code,
        "level": LEVELS.get(f.severity, "note"),
        "message": {"text": f.message},
        "locations": [location],
        "properties": {"evidence": list(f.evidence), "fix": f.fix, "page": f.page},
    }
    if f.code in index:
        result["ruleIndex"] = index[f.code]
    return result


def _with_baseline(result: dict[str, Any], item: Compared | None) -> dict[str, Any]:
    if item is not None:
        result["baselineState"] = BASELINE_STATES[item.state]
        result["partialFingerprints"] = {FINGERPRINT_NAME: item.fingerprint}
    return result


def sarif_document(report: AuditReport, baseline: Comparison | None = None) -> dict[str, Any]:
    """With ``baseline``, every result has ``baselineState`` (``new``, ``unchanged``; resolved
    findings are extra results marked ``absent``) and a ``partialFingerprints`` entry."""
    rules = _rules()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for page in report.pages:
        location = {"physicalLocation": {"artifactLocation": {"uri": page.url}}}
        if page.problem is not None:
            results.append(
                {
                    "ruleId": INCOMPLETE,
                    "ruleIndex": index[INCOMPLETE],
                    "level": "error",
                    "message": {"text": f"{page.problem.kind}: {page.problem.message}"},
                    "locations": [location],
                }
            )
        for position, f in enumerate(page.findings):
            item = baseline.item_for(page, position) if baseline is not None else None
            results.append(_with_baseline(_result(f, location, index), item))
    for item in baseline.resolved if baseline is not None else ():
        location = {"physicalLocation": {"artifactLocation": {"uri": item.page_url}}}
        results.append(_with_baseline(_result(item.finding, location, index), item))
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "spdt-harness",
                        "version": report.tool_version or _version(),
                        "rules": rules,
                    }
                },
                "results": results,
                "properties": {"generated": report.generated, "shards": list(report.shards)},
            }
        ],
    }


def _version() -> str:
    return __version__


def render_sarif(report: AuditReport, *, baseline: Comparison | None = None) -> str:
    return json.dumps(sarif_document(report, baseline), indent=2, ensure_ascii=False) + "\n"
