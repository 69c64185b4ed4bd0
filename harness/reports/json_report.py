"""The audit as JSON (schema ``spdt-harness/audit``, documented in docs/audit.md)."""

from __future__ import annotations

from harness.audit.model import AuditReport


def render_json(report: AuditReport) -> str:
    return report.dumps()
