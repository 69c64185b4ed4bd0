"""The audit as JSON (schema ``spdt-harness/audit``, documented in docs/audit.md).

With a baseline, each finding gains ``baseline_state`` (``new`` or ``unchanged``) and
``fingerprint``, and the top level a ``baseline`` object: its source, the counts, the resolved
findings and the exit code of the gate (optional fields: the schema version stays 1).
"""

from __future__ import annotations

import json

from harness.audit.model import AuditReport
from harness.reports.baseline import Comparison, gate_exit_code


def render_json(
    report: AuditReport, *, baseline: Comparison | None = None, fail_on: str = "any"
) -> str:
    if baseline is None:
        return report.dumps()
    data = report.to_json()
    for page, raw in zip(report.pages, data["pages"], strict=True):
        for position, finding in enumerate(raw["findings"]):
            item = baseline.item_for(page, position)
            if item is not None:
                finding["baseline_state"] = item.state
                finding["fingerprint"] = item.fingerprint
    data["baseline"] = {
        **baseline.to_json(),
        "fail_on": fail_on,
        "exit_code": gate_exit_code(report, baseline, fail_on),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
