"""One audit report, five formats: text, json, junit, html, sarif."""

from __future__ import annotations

from harness.audit.model import AuditReport, PageResult
from harness.errors import UsageError
from harness.reports.html_report import render_html
from harness.reports.json_report import render_json
from harness.reports.junit import Case, junit_xml
from harness.reports.sarif import render_sarif
from harness.reports.text import render_text
from harness.rules.table import TABLE

FORMATS = ("text", "json", "junit", "html", "sarif")


def _page_name(page: PageResult) -> str:
    return f"journey {page.journey}: {page.url}" if page.journey else page.url


def junit_cases(report: AuditReport) -> list[Case]:
    """One testcase per page and rule: failed when the rule found an error on that page;
    warnings and info are listed in a passing case's name. A page that could not be audited
    is one failed ``audit`` case."""
    cases: list[Case] = []
    for page in report.pages:
        classname = _page_name(page)
        seconds = page.timings.get("total", 0.0) / 1000
        if page.problem is not None:
            cases.append(
                Case(
                    classname,
                    "audit",
                    seconds,
                    failure=f"not audited ({page.problem.kind}): {page.problem.message}",
                )
            )
            if not page.findings:
                continue
        for spec in TABLE:
            found = [f for f in page.findings if f.code == spec.code]
            errors = [f for f in found if f.severity == "error"]
            details = "\n\n".join(
                "\n".join(
                    [f"{f.severity}: {f.message}", *(f"  {e}" for e in f.evidence), f"fix: {f.fix}"]
                )
                for f in found
            )
            name = spec.code if not found or errors else f"{spec.code} ({found[0].severity})"
            cases.append(
                Case(
                    classname,
                    name,
                    0.0,
                    failure=errors[0].message if errors else None,
                    details=details,
                )
            )
    return cases


def render(report: AuditReport, fmt: str, *, colour: bool = False) -> str:
    """``report`` in one of :data:`FORMATS` (``colour``: ANSI colours in the text format)."""
    if fmt == "text":
        return render_text(report, colour=colour)
    if fmt == "json":
        return render_json(report)
    if fmt == "junit":
        return junit_xml("spdt-harness audit", junit_cases(report)) + "\n"
    if fmt == "html":
        return render_html(report)
    if fmt == "sarif":
        return render_sarif(report)
    raise UsageError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
