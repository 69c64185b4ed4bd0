"""``spdt-harness audit URL [URL ...]``: audit live URLs (or journeys) in Chromium.

Exit codes: 0 no error-severity finding (with ``--fail-on new``: no new one against
``--baseline``); 1 at least one; 2 usage error, or a page that could not
be audited (unreachable URL, DNS or TLS failure, timeout, the live script unreachable) — each
with a one-line message on stderr. The report is written in every case.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from harness.cli.common import (
    Command,
    add_browser_option,
    add_remote_options,
    one_line_errors,
    remote_endpoints,
    wants_colour,
    write_output,
)
from harness.cli.leave import LeaveNow
from harness.errors import UsageError
from harness.vocab import OUTPUT_FORMATS, SCRIPT_MODES
from mock_endpoint.faults import as_faults
from mock_endpoint.vocab import DEFAULT_CLICK_ID_PARAM

# The settle and concurrency defaults of harness.audit.options (not imported here: `--help`
# stays light).
DEFAULT_QUIET = 0.3
DEFAULT_SETTLE_MAX = 5.0
DEFAULT_PAGES_PER_WORKER = 1

CLICK_ID_PARAM = re.compile(r"^[A-Za-z0-9_.\-\[\]]{1,64}$")


def positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError(f"{text!r}: expected seconds between 0 and 86400")
    return value


def count(upper: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not 1 <= value <= upper:
            raise argparse.ArgumentTypeError(f"{text!r}: expected 1 to {upper}")
        return value

    return parse


def configure(parser: argparse.ArgumentParser) -> Command:
    one_line_errors(parser)
    parser.add_argument("urls", nargs="*", metavar="URL", help="pages to audit (http or https)")
    click = parser.add_mutually_exclusive_group()
    click.add_argument(
        "--click-id",
        metavar="VALUE",
        help="land with this click id (default: a fresh one per page, e.g. spdt-test-…)",
    )
    click.add_argument(
        "--no-click-id", action="store_true", help="open the URLs as they are, without a click id"
    )
    parser.add_argument(
        "--click-id-param",
        default=DEFAULT_CLICK_ID_PARAM,
        metavar="NAME",
        help="query parameter that carries the click id (default: %(default)s; the guide: "
        "sp_click_id)",
    )
    parser.add_argument(
        "--click-id-storage",
        choices=("live", "guide"),
        default="live",
        help="where the emulated pixel (pixels on cdn.pdst.fm, or --script emulated) keeps the "
        "click id: live (sessionStorage, as the live pixel; default) or guide (a first-party "
        "cookie too, as the setup guide says)",
    )
    parser.add_argument(
        "--journey",
        action="append",
        default=[],
        metavar="FILE",
        help="a YAML journey to run (land, goto, click, fill, wait, consent, expect_event); "
        "repeatable; relative URLs resolve against the URL given",
    )
    parser.add_argument(
        "--script",
        choices=SCRIPT_MODES,
        default="live",
        help="live: the real ping.min.js from pixel.byspotify.com (events still go to the "
        "local mock); emulated: spdt-harness's emulator (default: live)",
    )
    parser.add_argument(
        "--crawl",
        type=count(100_000),
        default=0,
        metavar="N",
        help="follow same-origin links breadth-first, up to N pages in all",
    )
    parser.add_argument("--shard", metavar="I/N", help="audit only shard I of N (1-based)")
    parser.add_argument(
        "--workers",
        type=count(16),
        default=2,
        metavar="N",
        help="workers auditing pages at once, one Chromium each (default: 2)",
    )
    parser.add_argument(
        "--pages-per-worker",
        type=count(8),
        default=DEFAULT_PAGES_PER_WORKER,
        metavar="N",
        help="pages each worker keeps in flight: its Chromium loads one while another waits out "
        f"its quiet period (default: {DEFAULT_PAGES_PER_WORKER}; 1: one page after another)",
    )
    parser.add_argument(
        "--format",
        choices=OUTPUT_FORMATS,
        default="text",
        help="report format (default: text)",
    )
    parser.add_argument("--output", metavar="FILE", help="write the report here (default: stdout)")
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        help="a saved `audit --format json` report: mark each finding new, unchanged or "
        "resolved (matched by code, page and evidence fingerprint; docs/audit.md)",
    )
    parser.add_argument(
        "--fail-on",
        choices=("new", "any"),
        default="any",
        help="what error findings fail the run (exit 1): any (default) or only new ones "
        "(those not in --baseline)",
    )
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="HOST=ADDR[:PORT]",
        help="resolve HOST to ADDR[:PORT] in the browser (staging, loopback); repeatable",
    )
    parser.add_argument(
        "--trust-spki",
        action="append",
        default=[],
        metavar="HASH",
        help="trust a certificate by its base64 SHA-256 SPKI hash (a staging or self-signed "
        "certificate); repeatable",
    )
    parser.add_argument(
        "--insecure",
        action="store_true",
        help="accept any TLS certificate of the audited site (prefer --trust-spki)",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="nothing but --map hosts and loopback resolves (no real DNS)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="HOST:KIND[:ARG]",
        help="make the mock misbehave for a Spotify host, to see what the site and the pixel do "
        "when Spotify is slow or down: delay[:s], 5xx[:status], reset, slow-body[:s]; "
        "HOST may be *; repeatable (e.g. pixels.spotify.com:5xx:503)",
    )
    consent = parser.add_mutually_exclusive_group()
    consent.add_argument(
        "--consent",
        choices=("accept", "reject", "none", "revoke"),
        help="run the consent step of each journey with this choice (revoke: accept, then "
        "withdraw at the end); a URL without a journey gets the consent tool's own API "
        "(OneTrust, Cookiebot, Google Consent Mode) right after landing",
    )
    consent.add_argument(
        "--consent-matrix",
        action="store_true",
        help="run every consent choice and report, per choice, what fired, what was stored "
        "and what survived a withdrawal",
    )
    parser.add_argument(
        "--page-timeout",
        type=positive_number,
        default=30.0,
        metavar="SECONDS",
        help="budget for one page: landing, settling, noscript run (default: 30)",
    )
    parser.add_argument(
        "--quiet",
        type=positive_number,
        default=DEFAULT_QUIET,
        metavar="SECONDS",
        help="the quiet period: a page is settled once load fired, the pixel's queue drained, "
        "no Spotify request is in flight and nothing pixel-related happened for this long "
        f"(default: {DEFAULT_QUIET:g})",
    )
    parser.add_argument(
        "--settle-max",
        type=positive_number,
        default=DEFAULT_SETTLE_MAX,
        metavar="SECONDS",
        help="the longest a page may wait to settle while a reason holds (a tag manager whose "
        "pixel has not appeared yet, a consent tool loading, a request in flight) "
        f"(default: {DEFAULT_SETTLE_MAX:g}; raise it for very slow tag managers)",
    )
    parser.add_argument(
        "--timeout",
        type=positive_number,
        default=900.0,
        metavar="SECONDS",
        help="budget for the whole audit (default: 900)",
    )
    shots = parser.add_mutually_exclusive_group()
    shots.add_argument(
        "--screenshots",
        action="store_true",
        help="take a screenshot of each page (default: only for --format html, which shows them)",
    )
    shots.add_argument("--no-screenshots", action="store_true", help="leave screenshots out")
    parser.add_argument(
        "--no-noscript", action="store_true", help="skip the JavaScript-disabled rerun"
    )
    parser.add_argument(
        "--no-redact",
        action="store_true",
        help="show click ids, device ids and hashes in full (reports redact them by default)",
    )
    parser.add_argument("--headed", action="store_true", help="show the browser windows")
    add_browser_option(parser)
    add_remote_options(parser)
    return run


def _check_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        raise UsageError(f"{url!r} is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{url!r} is not an http(s) URL (e.g. https://shop.example/)")
    return url


def _check_advertise(text: str) -> str:
    try:
        parts = urlsplit(f"//{text}")
        _ = parts.port
    except ValueError:
        parts = None
    if parts is None or not parts.hostname or parts.path or parts.query or "@" in text:
        raise UsageError(f"--mock-advertise {text!r} is not HOST[:PORT] (e.g. 10.0.0.5:8443)")
    return text


def _check_spki(text: str) -> str:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise UsageError(
            f"--trust-spki {text!r}: expected a base64 SHA-256 hash of 44 characters (see "
            "docs/audit.md for the openssl command)"
        )
    return text


class ProgressBar:
    """``[#####     ] 3/10 https://…`` on one line of stderr (only when it is a terminal)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.shown = False

    def __call__(self, done: int, total: int, url: str) -> None:
        total = max(total, done, 1)
        width = 24
        filled = int(width * done / total)
        text = f"[{'#' * filled}{' ' * (width - filled)}] {done}/{total} {url}"
        columns = 100
        self.stream.write("\r\x1b[2K" + text[:columns])
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


def _options(args: argparse.Namespace) -> object:
    from harness.audit import AuditOptions, load_journey_file, parse_shard
    from harness.browser.launch import parse_host_mapping

    if not CLICK_ID_PARAM.match(args.click_id_param):
        raise UsageError(f"--click-id-param {args.click_id_param!r} is not a parameter name")
    if args.click_id is not None and not 0 < len(args.click_id) <= 200:
        raise UsageError("--click-id must be 1 to 200 characters")
    urls = tuple(_check_url(u) for u in args.urls)
    journeys = tuple(load_journey_file(Path(p)) for p in args.journey)
    if not urls and not journeys:
        raise UsageError("nothing to audit: give at least one URL or --journey FILE")
    if args.crawl and not urls:
        raise UsageError("--crawl needs a URL to start from")
    hosts = dict(parse_host_mapping(m) for m in args.map)
    connect, cdp = remote_endpoints(args)
    if args.mock_advertise is not None:
        _check_advertise(args.mock_advertise)
    return AuditOptions(
        connect=connect,
        connect_cdp=cdp,
        mock_listen=args.mock_listen,
        mock_advertise=args.mock_advertise,
        mock_cert_dir=args.mock_cert_dir,
        urls=urls,
        journeys=journeys,
        click_id_param=args.click_id_param,
        click_id_storage=args.click_id_storage,
        click_id=args.click_id,
        no_click_id=args.no_click_id,
        script=args.script,
        crawl=args.crawl,
        shard=parse_shard(args.shard) if args.shard else None,
        host_map=hosts,
        trust_spki=tuple(_check_spki(s) for s in args.trust_spki),
        insecure=args.insecure,
        offline=args.offline,
        page_timeout=args.page_timeout,
        quiet=args.quiet,
        settle_max=max(args.settle_max, args.quiet),
        timeout=args.timeout,
        browser=args.browser,
        workers=args.workers,
        pages_per_worker=args.pages_per_worker,
        screenshots=args.screenshots or (args.format == "html" and not args.no_screenshots),
        noscript=not args.no_noscript,
        redact=not args.no_redact,
        headed=args.headed,
        faults=tuple(f.spec for f in as_faults(args.fault)),
        consent=args.consent,
        consent_matrix=args.consent_matrix,
    )


def problem_lines(report: object) -> list[str]:
    from harness.audit import AuditReport

    assert isinstance(report, AuditReport)
    lines = []
    skipped = 0
    for page in report.problems:
        assert page.problem is not None
        if page.problem.kind == "skipped":
            skipped += 1
            continue
        name = f"journey {page.journey} ({page.url})" if page.journey else page.url
        lines.append(f"AuditProblem: {name}: {page.problem.kind}: {page.problem.message}")
    if skipped:
        lines.append(f"AuditProblem: {skipped} more page(s) not audited after that problem")
    return lines


def run(args: argparse.Namespace) -> int:
    from harness.audit import AuditOptions, AuditRun
    from harness.audit.consent_matrix import run_consent_matrix, with_consent_step
    from harness.reports.formats import render
    from harness.reports.text import summary_line

    options = _options(args)
    assert isinstance(options, AuditOptions)
    options = with_consent_step(options)
    if args.output is not None and Path(args.output).is_dir():
        raise UsageError(f"--output {args.output} is a folder; give a file name")
    previous = None
    if args.baseline is not None:  # read it before the audit: a bad file fails fast
        from harness.audit import load_report

        previous = load_report(Path(args.baseline))
    progress = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    audit = AuditRun(options, progress)
    try:
        report = run_consent_matrix(options, progress) if options.consent_matrix else audit.run()
    finally:
        if progress is not None:
            progress.close()
    from harness.reports.baseline import compare, gate_exit_code

    comparison = compare(previous, report, args.baseline) if previous is not None else None
    exit_code = gate_exit_code(report, comparison, args.fail_on)
    text = render(
        report,
        args.format,
        colour=wants_colour(args.output),
        baseline=comparison,
        fail_on=args.fail_on,
    )
    write_output(text, args.output)
    if args.output is not None:
        print(f"{summary_line(report, comparison, args.fail_on)}; report: {args.output}")
    for line in problem_lines(report):
        print(line, file=sys.stderr)
    if audit.hung:  # a browser is stuck past the deadline: leave without waiting for it
        raise LeaveNow(exit_code)
    return exit_code
