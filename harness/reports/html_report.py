"""The audit as one self-contained HTML file: inline CSS, screenshots as data: URIs, no script,
a strict CSP. Jinja autoescapes every string; nothing from a page is ever marked safe."""

from __future__ import annotations

from harness.audit.model import SEVERITIES, AuditReport
from harness.reports.render import environment
from harness.reports.text import summary_line

STAGE_LABELS = {
    "script": "script load",
    "call": "spdt call",
    "beacon": "beacon",
    "storage": "storage",
    "csp": "CSP",
    "error": "error",
    "dialog": "dialog",
    "popup": "popup",
    "download": "download",
    "settle": "settle",
}


def render_html(report: AuditReport) -> str:
    return (
        environment()
        .get_template("audit.html")
        .render(
            report=report,
            summary=summary_line(report),
            counts=report.severity_counts(),
            severities=SEVERITIES,
            stage_labels=STAGE_LABELS,
        )
    )
