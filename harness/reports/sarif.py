"""The audit as SARIF 2.1.0, for code-scanning dashboards: one result per finding, located at
the page URL; pages that could not be audited are ``AUDIT_INCOMPLETE`` errors."""

from __future__ import annotations

import json
from typing import Any

from harness import __version__
from harness.audit.model import AuditReport
from harness.rules.table import TABLE

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
        for spec in TABLE
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


def sarif_document(report: AuditReport) -> dict[str, Any]:
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
        for f in page.findings:
            result: dict[str, Any] = {
                "ruleId": f.code,
                "level": LEVELS.get(f.severity, "note"),
                "message": {"text": f.message},
                "locations": [location],
                "properties": {"evidence": list(f.evidence), "fix": f.fix, "page": f.page},
            }
            if f.code in index:
                result["ruleIndex"] = index[f.code]
            results.append(result)
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


def render_sarif(report: AuditReport) -> str:
    return json.dumps(sarif_document(report), indent=2, ensure_ascii=False) + "\n"
