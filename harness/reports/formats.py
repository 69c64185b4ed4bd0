"""One audit report, five formats: text, json, junit, html, sarif."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.audit.model import AuditReport, PageResult
from harness.errors import UsageError
from harness.reports.html_report import render_html
from harness.reports.json_report import render_json
from harness.reports.junit import Case, junit_xml
from harness.reports.sarif import render_sarif
from harness.reports.text import render_text
from harness.rules.engine import RULES
from harness.vocab import OUTPUT_FORMATS

if TYPE_CHECKING:
    from harness.reports.baseline import Comparison


def _page_name(page: PageResult) -> str:
    return f"journey {page.journey}: {page.url}" if page.journey else page.url


def junit_cases(
    report: AuditReport, baseline: Comparison | None = None, fail_on: str = "any"
) -> list[Case]:
    """One testcase per page and rule: failed when the rule found an error on that page;
    warnings and info are listed in a passing case's name. A page that could not be audited
    is one failed ``audit`` case.

    With a baseline, a case with a new finding is named ``CODE (new)`` (its details mark each
    new finding), ``fail_on="new"`` fails only cases with a new error, and each resolved
    finding is a passing ``CODE (resolved)`` case."""

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
        states = {
            i: (baseline.state_of(page, i) if baseline is not None else None)
            for i in range(len(page.findings))
        }
        for spec in RULES.values():
            found = [(i, f) for i, f in enumerate(page.findings) if f.code == spec.code]
            new = [f for i, f in found if states[i] == "new"]
            errors = [
                f
                for i, f in found
                if f.severity == "error" and (fail_on == "any" or states[i] in ("new", None))
            ]
            details = "\n\n".join(
                "\n".join(
                    [
                        f"{'[new] ' if states[i] == 'new' else ''}{f.severity}: {f.message}",
                        *(f"  {e}" for e in f.evidence),
                        f"fix: {f.fix}",
                    ]
                )
                for i, f in found
            )
            name = spec.code
            if found and not errors:
                name = f"{spec.code} ({found[0][1].severity})"
            if new:
                name = f"{name} (new)"
            cases.append(
                Case(
                    classname,
                    name,
                    0.0,
                    failure=errors[0].message if errors else None,
                    details=details,
                )
            )
    for item in baseline.resolved if baseline is not None else ():
        name = f"journey {item.journey}: {item.page_url}" if item.journey else item.page_url
        cases.append(
            Case(
                name,
                f"{item.finding.code} (resolved)",
                details=f"resolved since the baseline: {item.finding.message}",
            )
        )
    return cases


def render(
    report: AuditReport,
    fmt: str,
    *,
    colour: bool = False,
    baseline: Comparison | None = None,
    fail_on: str = "any",
) -> str:
    """``report`` in ``fmt``; with ``baseline`` (a :class:`Comparison`), every format marks
    new, unchanged and resolved findings."""
    if fmt == "text":
        return render_text(report, colour=colour, baseline=baseline, fail_on=fail_on)
    if fmt == "json":
        return render_json(report, baseline=baseline, fail_on=fail_on)
    if fmt == "junit":
        return junit_xml("spdt-harness audit", junit_cases(report, baseline, fail_on)) + "\n"
    if fmt == "html":
        return render_html(report, baseline=baseline, fail_on=fail_on)
    if fmt == "sarif":
        return render_sarif(report, baseline=baseline)
    raise UsageError(f"--format {fmt!r}: expected one of {', '.join(OUTPUT_FORMATS)}")
