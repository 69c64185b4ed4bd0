"""The audit report: frozen values, their JSON form (schema ``spdt-harness/audit``, version 1),
and a loader that checks a saved file before ``report merge`` or ``report render`` trusts it.

The schema is documented in docs/audit.md; :data:`SCHEMA_VERSION` changes whenever a field is
removed or changes meaning (adding an optional field does not change it).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast, get_args

from harness import __version__
from harness.errors import UsageError
from harness.rules.model import AuditFinding
from mock_endpoint.vocab import SEVERITIES, Severity

SCHEMA = "spdt-harness/audit"
SCHEMA_VERSION = 1
# Why a page could not be audited (exit code 2), as opposed to a finding about the site.
# The one definition of why a page may lack a (complete) audit: the auditor writes only these
# (mypy checks every Problem(...) against the Literal) and the report reader accepts exactly them.
ProblemKind = Literal["navigation", "timeout", "environment", "journey", "skipped", "crashed"]
PROBLEM_KINDS: tuple[ProblemKind, ...] = get_args(ProblemKind)
_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
MAX_REPORT_BYTES = 512 * 1024 * 1024


def now_iso() -> str:
    """The current UTC time as ISO 8601 to the second (``2026-01-31T12:00:00Z``)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a page has no (complete) audit: unreachable, timed out, environment, skipped."""

    kind: ProblemKind
    message: str

    def to_json(self) -> dict[str, Any]:
        """The problem as the report's JSON shows it: ``{"kind", "message"}``."""
        return {"kind": self.kind, "message": self.message}


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of the page's pixel timeline: ``stage`` is script, call, beacon, storage,
    csp, error, dialog or popup; ``time`` is ms since the audit of the page began, if known."""

    stage: str
    summary: str
    detail: str = ""
    time: float | None = None
    flag: str = ""  # "", "failed", "blocked", "threw", "report-only"

    def to_json(self) -> dict[str, Any]:
        """The entry as the report's JSON shows it (every field, by name)."""
        return {
            "stage": self.stage,
            "summary": self.summary,
            "detail": self.detail,
            "time": self.time,
            "flag": self.flag,
        }


@dataclass(frozen=True, slots=True)
class PageResult:
    """The audit of one page (or one journey): what was asked and where the browser ended,
    the findings, the pixel timeline, the timings, and a :class:`Problem` when the page could
    not be audited."""

    index: int  # position in the full URL list or crawl order (shards keep it; merge sorts by it)
    url: str  # as requested (click id redacted unless --no-redact)
    final_url: str | None = None
    status: int | None = None
    title: str = ""
    journey: str | None = None  # journey file name, when the page is a journey run
    redirect_chain: tuple[str, ...] = ()
    findings: tuple[AuditFinding, ...] = ()
    problem: Problem | None = None
    timings: dict[str, float] = field(default_factory=dict)  # ms
    screenshot: str | None = None  # base64 PNG
    timeline: tuple[TimelineEntry, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)  # calls, beacons, events, records ...
    links: tuple[str, ...] = ()  # same-origin links found (crawl), not serialised
    # How the consent step ran and what it left: choice, done, fired, requests, stored, survived …
    consent: dict[str, Any] | None = None
    browser: str = "local"  # the browser that audited it: "local" or a server's ws://host:port

    @property
    def errors(self) -> int:
        """How many of the page's findings have error severity."""
        return sum(1 for f in self.findings if f.severity == "error")

    def severity_counts(self) -> dict[str, int]:
        """The page's findings counted by severity: every severity, zero included."""
        return {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES}

    def to_json(self) -> dict[str, Any]:
        """The page as the report's JSON shows it (``links`` is not saved)."""
        return {
            "index": self.index,
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "title": self.title,
            "journey": self.journey,
            "redirect_chain": list(self.redirect_chain),
            "problem": self.problem.to_json() if self.problem else None,
            "findings": [f.to_json() for f in self.findings],
            "timings": dict(self.timings),
            "counts": dict(self.counts),
            "screenshot": self.screenshot,
            "timeline": [e.to_json() for e in self.timeline],
            "consent": self.consent,
            "browser": self.browser,
        }


@dataclass(frozen=True, slots=True)
class AuditReport:
    """A whole audit: every page's result plus the options it ran with; saved as JSON
    (``to_json``, read back with :func:`load_report`), rendered by ``harness.reports``, and its
    ``exit_code`` is the CLI's (2 a page not audited, 1 an error finding, else 0)."""

    pages: tuple[PageResult, ...]
    options: dict[str, Any] = field(default_factory=dict)
    generated: str = field(default_factory=now_iso)
    tool_version: str = ""
    shards: tuple[str, ...] = ()  # "1/2" … of the parts this report holds ("" when unsharded)
    seconds: float = 0.0

    @property
    def problems(self) -> list[PageResult]:
        """The pages that could not be audited (those with a :class:`Problem`)."""
        return [p for p in self.pages if p.problem is not None]

    def severity_counts(self) -> dict[str, int]:
        """Every page's findings counted by severity: every severity, zero included."""
        totals: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
        for page in self.pages:
            for key, value in page.severity_counts().items():
                totals[key] += value
        return totals

    @property
    def exit_code(self) -> int:
        """2 when a page could not be audited, else 1 with an error finding, else 0."""
        if self.problems:
            return 2
        return 1 if any(p.errors for p in self.pages) else 0

    def to_json(self) -> dict[str, Any]:
        """The report as saved (schema ``spdt-harness/audit``, docs/audit.md): the tool, the
        options, a summary with the counts and the exit code, then every page."""
        return {
            "schema": SCHEMA,
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "spdt-harness", "version": self.tool_version or __version__},
            "generated": self.generated,
            "seconds": round(self.seconds, 3),
            "options": self.options,
            "shards": list(self.shards),
            "summary": {
                "pages": len(self.pages),
                "problems": len(self.problems),
                **self.severity_counts(),
                "exit_code": self.exit_code,
            },
            "pages": [p.to_json() for p in self.pages],
        }

    def dumps(self) -> str:
        """:meth:`to_json` as indented UTF-8 JSON text, ending with a newline."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"


# -- loading ------------------------------------------------------------------------------------


class _Reader:
    """Reads one JSON object, failing with the path of the first bad field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, what: str) -> UsageError:
        return UsageError(f"{self.source}: {where}: {what}")

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object, got {_kind(value)}")
        return value

    def items(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list, got {_kind(value)}")
        return value

    def text(self, value: Any, where: str, *, optional: bool = False) -> Any:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise self.fail(where, f"expected a string, got {_kind(value)}")
        return value

    def integer(self, value: Any, where: str, *, optional: bool = False) -> Any:
        if value is None and optional:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(where, f"expected an integer, got {_kind(value)}")
        return value

    def number(self, value: Any, where: str, *, optional: bool = False) -> Any:
        if value is None and optional:
            return None
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise self.fail(where, f"expected a number, got {_kind(value)}")
        return float(value)

    def strings(self, value: Any, where: str) -> tuple[str, ...]:
        return tuple(self.text(v, f"{where}[{i}]") for i, v in enumerate(self.items(value, where)))


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _finding(r: _Reader, data: Any, where: str) -> AuditFinding:
    data = r.mapping(data, where)
    severity = r.text(data.get("severity"), f"{where}.severity")
    if severity not in SEVERITIES:
        raise r.fail(f"{where}.severity", f"{severity!r} is not one of {', '.join(SEVERITIES)}")
    return AuditFinding(
        code=r.text(data.get("code"), f"{where}.code"),
        severity=cast(Severity, severity),
        message=r.text(data.get("message"), f"{where}.message"),
        fix=r.text(data.get("fix", ""), f"{where}.fix"),
        page=r.text(data.get("page"), f"{where}.page", optional=True),
        evidence=r.strings(data.get("evidence", []), f"{where}.evidence"),
    )


def _page(r: _Reader, data: Any, where: str) -> PageResult:
    data = r.mapping(data, where)
    problem = None
    if data.get("problem") is not None:
        raw = r.mapping(data["problem"], f"{where}.problem")
        kind = r.text(raw.get("kind"), f"{where}.problem.kind")
        if kind not in PROBLEM_KINDS:
            raise r.fail(f"{where}.problem.kind", f"{kind!r} is not one of {PROBLEM_KINDS}")
        problem = Problem(
            cast(ProblemKind, kind), r.text(raw.get("message"), f"{where}.problem.message")
        )
    screenshot = r.text(data.get("screenshot"), f"{where}.screenshot", optional=True)
    if screenshot is not None and not _BASE64.match(screenshot):
        raise r.fail(f"{where}.screenshot", "not base64 PNG data")
    timeline = []
    for i, item in enumerate(r.items(data.get("timeline", []), f"{where}.timeline")):
        w = f"{where}.timeline[{i}]"
        raw = r.mapping(item, w)
        timeline.append(
            TimelineEntry(
                stage=r.text(raw.get("stage"), f"{w}.stage"),
                summary=r.text(raw.get("summary"), f"{w}.summary"),
                detail=r.text(raw.get("detail", ""), f"{w}.detail"),
                time=r.number(raw.get("time"), f"{w}.time", optional=True),
                flag=r.text(raw.get("flag", ""), f"{w}.flag"),
            )
        )
    timings = r.mapping(data.get("timings", {}), f"{where}.timings")
    counts = r.mapping(data.get("counts", {}), f"{where}.counts")
    return PageResult(
        index=r.integer(data.get("index"), f"{where}.index"),
        url=r.text(data.get("url"), f"{where}.url"),
        final_url=r.text(data.get("final_url"), f"{where}.final_url", optional=True),
        status=r.integer(data.get("status"), f"{where}.status", optional=True),
        title=r.text(data.get("title", ""), f"{where}.title"),
        journey=r.text(data.get("journey"), f"{where}.journey", optional=True),
        redirect_chain=r.strings(data.get("redirect_chain", []), f"{where}.redirect_chain"),
        findings=tuple(
            _finding(r, f, f"{where}.findings[{i}]")
            for i, f in enumerate(r.items(data.get("findings", []), f"{where}.findings"))
        ),
        problem=problem,
        timings={k: r.number(v, f"{where}.timings.{k}") for k, v in timings.items()},
        screenshot=screenshot,
        timeline=tuple(timeline),
        counts={k: r.integer(v, f"{where}.counts.{k}") for k, v in counts.items()},
        consent=(
            None if data.get("consent") is None else r.mapping(data["consent"], f"{where}.consent")
        ),
        browser=r.text(data.get("browser", "local"), f"{where}.browser"),
    )


def report_from_json(data: Any, source: str = "report") -> AuditReport:
    """The report a parsed JSON value holds. A wrong schema, an unsupported schema version or
    a bad field raises :class:`UsageError` naming ``source`` and the path of the first bad
    field (``pages[0].findings[0].severity: …``)."""
    r = _Reader(source)
    data = r.mapping(data, "top level")
    if data.get("schema") != SCHEMA:
        raise r.fail("schema", f"expected {SCHEMA!r}; is this an `spdt-harness audit` JSON?")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise r.fail(
            "schema_version",
            f"{version!r} is not supported (this spdt-harness reads version {SCHEMA_VERSION})",
        )
    tool = r.mapping(data.get("tool", {}), "tool")
    return AuditReport(
        pages=tuple(
            _page(r, p, f"pages[{i}]") for i, p in enumerate(r.items(data.get("pages"), "pages"))
        ),
        options=r.mapping(data.get("options", {}), "options"),
        generated=r.text(data.get("generated", now_iso()), "generated"),
        tool_version=r.text(tool.get("version", ""), "tool.version"),
        shards=r.strings(data.get("shards", []), "shards"),
        seconds=r.number(data.get("seconds", 0.0), "seconds"),
    )


def load_report(path: Path) -> AuditReport:
    """The report saved at ``path``, checked as :func:`report_from_json` checks it. A missing,
    unreadable, oversized or non-JSON file raises :class:`UsageError` saying which."""
    try:
        size = path.stat().st_size
        if size > MAX_REPORT_BYTES:
            raise UsageError(f"{path}: {size} bytes is larger than a report can be")
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not JSON: {exc.msg} at line {exc.lineno}") from exc
    return report_from_json(data, str(path))


def merge_reports(reports: list[tuple[str, AuditReport]]) -> AuditReport:
    """Join shard reports: pages sorted by their index; the same page twice is an error."""
    if not reports:
        raise UsageError("report merge needs at least one report")
    seen: dict[tuple[int, str, str | None], str] = {}
    pages: list[PageResult] = []
    for source, report in reports:
        for page in report.pages:
            key = (page.index, page.url, page.journey)
            if key in seen:
                raise UsageError(
                    f"{source}: page {page.index} ({page.url}) is also in {seen[key]}; "
                    "merge each shard once"
                )
            seen[key] = source
            pages.append(page)
    pages.sort(key=lambda p: (p.index, p.url))
    first = reports[0][1]
    shards = tuple(s for _, r in reports for s in r.shards)
    return AuditReport(
        pages=tuple(pages),
        options=first.options,
        tool_version=first.tool_version,
        shards=tuple(sorted(set(shards), key=_shard_key)),
        seconds=max(r.seconds for _, r in reports),
    )


def _shard_key(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    try:
        return int(count), int(index)
    except ValueError:
        return 0, 0
