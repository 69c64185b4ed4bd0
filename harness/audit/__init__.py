"""``spdt-harness audit``: audit live URLs (or journeys) in Chromium and report the findings.

from harness.audit import AuditOptions, run_audit
report = run_audit(AuditOptions(urls=("https://shop.example/",), script="emulated"))
report.exit_code, report.to_json()
"""

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
