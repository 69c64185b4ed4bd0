"""``spdt-harness audit``: audit live URLs (or journeys) in Chromium and report the findings.

from harness.audit import AuditOptions, run_audit
report = run_audit(AuditOptions(urls=("https://shop.example/",), script="emulated"))
report.exit_code, report.to_json()

Lazy, as the package root: the report model (``harness.audit.model``: load, merge, render a
saved report) loads neither Playwright nor aiohttp; the names below are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.lazy import lazy_exports

if TYPE_CHECKING:
    from harness.audit.journeys import JourneyFile, bind_journey, load_journey_file
    from harness.audit.model import (
        SCHEMA,
        SCHEMA_VERSION,
        AuditReport,
        PageResult,
        Problem,
        TimelineEntry,
        load_report,
        merge_reports,
        report_from_json,
    )
    from harness.audit.options import AuditOptions
    from harness.audit.runner import AuditRun, run_audit
    from harness.audit.shard import Shard, parse_shard
    from harness.rules.model import AuditFinding

_HOMES = {
    "SCHEMA": "harness.audit.model",
    "SCHEMA_VERSION": "harness.audit.model",
    "AuditFinding": "harness.rules.model",
    "AuditOptions": "harness.audit.options",
    "AuditReport": "harness.audit.model",
    "AuditRun": "harness.audit.runner",
    "JourneyFile": "harness.audit.journeys",
    "PageResult": "harness.audit.model",
    "Problem": "harness.audit.model",
    "Shard": "harness.audit.shard",
    "TimelineEntry": "harness.audit.model",
    "bind_journey": "harness.audit.journeys",
    "load_journey_file": "harness.audit.journeys",
    "load_report": "harness.audit.model",
    "merge_reports": "harness.audit.model",
    "parse_shard": "harness.audit.shard",
    "report_from_json": "harness.audit.model",
    "run_audit": "harness.audit.runner",
}

__all__ = [
    "SCHEMA",
    "SCHEMA_VERSION",
    "AuditFinding",
    "AuditOptions",
    "AuditReport",
    "AuditRun",
    "JourneyFile",
    "PageResult",
    "Problem",
    "Shard",
    "TimelineEntry",
    "bind_journey",
    "load_journey_file",
    "load_report",
    "merge_reports",
    "parse_shard",
    "report_from_json",
    "run_audit",
]

__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals())
