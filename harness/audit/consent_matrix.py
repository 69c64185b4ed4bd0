"""``audit --consent-matrix``: the same audit once per consent choice (accept, reject, none,
revoke), joined into one report whose entries say which choice they ran with.

A URL without a journey gets a one-step journey, ``consent: {tool: auto}``: the consent tool's
own API (OneTrust, Cookiebot, Google Consent Mode; harness/flows/consent.py) right after the
landing.
"""

from __future__ import annotations

import dataclasses
import time

from harness.audit.journeys import JourneyFile
from harness.audit.model import AuditReport
from harness.audit.options import AuditOptions
from harness.audit.runner import AuditRun, Progress
from harness.errors import UsageError
from harness.flows.consent import CHOICES
from harness.flows.journey import parse_journey

CONSENT_ONLY = JourneyFile("consent.yaml", parse_journey([{"consent": {"tool": "auto"}}]))


def with_consent_step(options: AuditOptions) -> AuditOptions:
    """URLs without a journey: audit them through :data:`CONSENT_ONLY` when a consent choice
    is asked for."""
    if options.consent is None and not options.consent_matrix:
        return options
    if options.crawl:
        raise UsageError("--consent and --consent-matrix do not go with --crawl; use --journey")
    if options.journeys:
        return options
    return dataclasses.replace(options, journeys=(CONSENT_ONLY,))


def run_consent_matrix(options: AuditOptions, progress: Progress | None = None) -> AuditReport:
    started = time.monotonic()
    base = with_consent_step(dataclasses.replace(options, consent_matrix=False))
    reports = [
        AuditRun(dataclasses.replace(base, consent=choice), progress).run() for choice in CHOICES
    ]
    pages = [
        dataclasses.replace(
            page,
            index=page.index * len(CHOICES) + k,
            consent=page.consent or {"choice": choice},
        )
        for k, (choice, report) in enumerate(zip(CHOICES, reports, strict=True))
        for page in report.pages
    ]
    first = reports[0]
    return AuditReport(
        pages=tuple(sorted(pages, key=lambda p: p.index)),
        options=dataclasses.replace(options, journeys=base.journeys).to_json(),
        tool_version=first.tool_version,
        shards=first.shards,
        seconds=time.monotonic() - started,
    )
