"""The audit as one self-contained HTML file: inline CSS, screenshots as data: URIs, no script,
a strict CSP. Jinja autoescapes every string; nothing from a page is ever marked safe."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.audit.model import AuditReport
from harness.reports.render import environment
from harness.reports.text import summary_line
from mock_endpoint.vocab import SEVERITIES

if TYPE_CHECKING:
    from harness.reports.baseline import Comparison

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


def render_html(
    report: AuditReport, *, baseline: Comparison | None = None, fail_on: str = "any"
) -> str:
    """With ``baseline``, each finding carries a new/unchanged badge and the resolved ones are
    listed in their own section."""
    states = (
        {
            (page.index, position): baseline.state_of(page, position)
            for page in report.pages
            for position in range(len(page.findings))
        }
        if baseline is not None
        else {}
    )
    return (
        environment()
        .get_template("audit.html")
        .render(
            report=report,
            summary=summary_line(report, baseline, fail_on),
            baseline=baseline,
            states=states,
            counts=report.severity_counts(),
            severities=SEVERITIES,
            stage_labels=STAGE_LABELS,
        )
    )
