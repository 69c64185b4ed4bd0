"""``spdt-harness status | attribute | audience``: what Ad Studio shows after the pixel fires,
answered locally from the mock's records (mock_endpoint.studio; rules in docs/studio.md).

Exit codes: ``status`` 0 when no key is Invalid key or Receiving errors, 1 otherwise (or when
no pixel event was recorded); ``attribute`` 0; ``audience rules`` 0; ``audience check`` 0 for a
clean file, 1 for defects or fewer than 1,000 identifiers, 2 for an unreadable file or unknown
columns; ``audience hash`` 0. Any usage or input error is 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.cli.common import Command, one_line_errors, write_output
from harness.cli.studio_source import add_source_options, load_source
from harness.errors import UsageError
from mock_endpoint.studio.attribution import Attribution
from mock_endpoint.studio.audiences import evaluate, load_rules
from mock_endpoint.studio.campaigns import StudioError
from mock_endpoint.studio.clock import format_duration
from mock_endpoint.studio.hashing import hash_email
from mock_endpoint.studio.status import ERRORS, INVALID_KEY, RECENT_N, KeyStatus, pixel_status
from mock_endpoint.studio.uploads import MINIMUM_USERS, UploadError, check_upload


def _clean(text: Any) -> str:
    """Page-controlled text made safe for a terminal (no control characters)."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(text))


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    try:
        return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    except (OverflowError, ValueError, OSError):
        return f"{epoch:g}"


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


# -- status -----------------------------------------------------------------------------------
def configure_status(parser: argparse.ArgumentParser) -> Command:
    one_line_errors(parser)
    add_source_options(parser, campaign_required=False)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--output", metavar="FILE", help="default: stdout")
    return run_status


def render_status(keys: list[KeyStatus], now: float) -> str:
    lines = [f"pixel status at {_when(now)} (simulated clock)"]
    if not keys:
        lines.append("  no pixel event recorded")
    for k in keys:
        lines.append(f"{_clean(k.key)}: {k.status} ({k.reason})")
        lines.append(f"  first event {_when(k.first_event)}, last {_when(k.last_event)}")
        counts = ", ".join(f"{_clean(n)} {c}" for n, c in k.events.items()) or "none"
        lines.append(f"  events: {counts}; invalid {k.invalid_events}")
        lines.append(f"  last {k.recent_total} (of at most {RECENT_N}): {k.recent_invalid} invalid")
        lines.append(f"  page hosts: {', '.join(_clean(h) for h in k.hosts) or 'none'}")
        server = (
            f"{k.server_side_events}, last {_when(k.last_server_side)}"
            if k.server_side_events
            else "none"
        )
        lines.append(f"  server-side events for this key: {server}")
        for error in k.last_errors:
            lines.append(f"  error: {_clean(error)[:300]}")
    return "\n".join(lines) + "\n"


def run_status(args: argparse.Namespace) -> int:
    source = load_source(args)
    now = source.now()
    keys = pixel_status(source.records, source.state.clock, now=now)
    if args.format == "json":
        text = _dump({"now": now, "keys": [k.to_json() for k in keys]})
    else:
        text = render_status(keys, now)
    write_output(text, args.output)
    bad = any(k.status in (INVALID_KEY, ERRORS) for k in keys)
    return 1 if bad or not keys else 0


# -- attribute --------------------------------------------------------------------------------
def configure_attribute(parser: argparse.ArgumentParser) -> Command:
    one_line_errors(parser)
    add_source_options(parser, campaign_required=False)
    parser.add_argument("--output", metavar="FILE", help="also write the answers as JSON here")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="stdout")
    return run_attribute


def render_attribution(answers: list[Attribution]) -> str:
    header = f"{'record':>6}  {'event':<12} {'time (simulated)':<21} {'as':<5} {'campaign':<12} why"
    lines = [header]
    for a in answers:
        c = a.conversion
        why = a.detail if a.reason is None else f"{a.reason}: {a.detail}"
        lines.append(
            f"{c.record_id:>6}  {_clean(c.event)[:12]:<12} {_when(c.time):<21} {a.verdict:<5} "
            f"{_clean(a.campaign or '-')[:12]:<12} {_clean(why)}"
        )
    if not answers:
        lines.append("(no conversion recorded)")
    counts = {v: sum(1 for a in answers if a.verdict == v) for v in ("click", "view", "none")}
    lines.append(
        f"{len(answers)} conversion(s): {counts['click']} click-through, "
        f"{counts['view']} view-through, {counts['none']} not attributed"
    )
    return "\n".join(lines) + "\n"


def run_attribute(args: argparse.Namespace) -> int:
    if not args.campaign and not args.mock:
        raise UsageError("attribute --record needs --campaign FILE (campaigns and exposures)")
    source = load_source(args)
    answers = source.state.attribution(source.records)
    data = {
        "source": source.label,
        "clock": source.state.clock.to_json(),
        "campaigns": [c.to_json() for c in source.state.campaigns],
        "attributions": [a.to_json() for a in answers],
    }
    if args.output:
        write_output(_dump(data), args.output)
    write_output(_dump(data) if args.format == "json" else render_attribution(answers), None)
    return 0


# -- audience ---------------------------------------------------------------------------------
def configure_audience(parser: argparse.ArgumentParser) -> Command:
    one_line_errors(parser)
    sub = parser.add_subparsers(dest="audience_command", metavar="ACTION")
    rules = sub.add_parser("rules", help="evaluate website-activity audience rules over records")
    one_line_errors(rules)
    rules.add_argument("rules", metavar="FILE", help="audience rules (YAML/JSON)")
    add_source_options(rules, campaign_required=False)
    rules.add_argument("--format", choices=("text", "json"), default="text")
    check = sub.add_parser("check", help="validate a custom-audience upload (CSV)")
    one_line_errors(check)
    check.add_argument("file", metavar="FILE.csv")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--output", metavar="FILE", help="default: stdout")
    hasher = sub.add_parser("hash", help="normalise and SHA-256 raw emails (one a line)")
    one_line_errors(hasher)
    hasher.add_argument("file", metavar="FILE", help="raw emails, one a line ('-': stdin)")
    hasher.add_argument("--output", metavar="FILE", help="the upload CSV (default: stdout)")
    return run_audience


def run_audience(args: argparse.Namespace) -> int:
    if args.audience_command is None:
        raise UsageError("audience needs an action: rules, check or hash")
    if args.audience_command == "rules":
        return _rules(args)
    if args.audience_command == "check":
        return _check(args)
    return _hash(args)


def _rules(args: argparse.Namespace) -> int:
    try:
        rules = load_rules(args.rules)
    except StudioError as exc:
        raise UsageError(str(exc)) from exc
    source = load_source(args)
    results = evaluate(rules, source.records, source.state.clock, now=source.now())
    if args.format == "json":
        write_output(_dump({"audiences": [r.to_json() for r in results]}), None)
        return 0
    lines = []
    for r in results:
        note = f": below the {MINIMUM_USERS:,}-user minimum" if r.below_minimum else ""
        lines.append(
            f"{_clean(r.rule.name)}: {r.rule.describe()}, last {r.rule.lookback_days} days: "
            f"{r.matched_users} user(s), {r.matched_events} event(s){note}"
        )
    write_output("\n".join(lines) + "\n", None)
    return 0


def _check(args: argparse.Namespace) -> int:
    try:
        report = check_upload(args.file)
    except UploadError as exc:
        raise UsageError(str(exc)) from exc
    data = report.to_json()
    if args.format == "json":
        write_output(_dump(data), args.output)
    else:
        ids = ", ".join(f"{c} {n:,}" for c, n in report.identifiers.items()) or "none"
        lines = [
            f"{_clean(report.path)}: {report.rows:,} row(s) ({ids}); {report.valid:,} valid, "
            f"{report.unique:,} unique"
        ]
        for d in data["defects"]:
            lines.append(f"error {d['code']}: {d['count']:,} - {d['message']}")
            for example in d["examples"]:
                where = f"line {example['line']}" if example["line"] else "file"
                lines.append(f"  {where}: {_clean(example['value'])}")
        verdict = "below" if report.below_minimum else "meets"
        lines.append(
            f"{report.unique:,} unique identifier(s): {verdict} the {MINIMUM_USERS:,}-user "
            "minimum (Spotify matches at most this many)"
        )
        lines.append("ok" if data["ok"] else "not ready to upload")
        write_output("\n".join(lines) + "\n", args.output)
    return 0 if data["ok"] else 1


def _hash(args: argparse.Namespace) -> int:
    out = sys.stdout if args.output is None else None
    blank = 0
    written = 0
    try:
        source = sys.stdin if args.file == "-" else Path(args.file).open(encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    try:
        target = out or Path(args.output).open("w", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise UsageError(f"--output {args.output}: cannot write: {exc.strerror or exc}") from exc
    try:
        target.write("email\n")
        for number, line in enumerate(source, 1):
            if number == 1 and line.strip().lower() == "email":
                continue
            if not line.strip():
                blank += 1
                continue
            target.write(hash_email(line) + "\n")
            written += 1
    except UnicodeDecodeError as exc:
        raise UsageError(f"{args.file} is not UTF-8 ({exc.reason})") from exc
    finally:
        if source is not sys.stdin:
            source.close()
        if target is not sys.stdout:
            target.close()
    print(f"hashed {written:,} email(s); skipped {blank:,} blank line(s)", file=sys.stderr)
    return 0


__all__ = ["configure_attribute", "configure_audience", "configure_status", "format_duration"]
