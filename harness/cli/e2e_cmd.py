"""``spdt-harness e2e``: every catalogue scenario in real Chromium (what ``make e2e`` runs)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.cli.common import Command, add_browser_option, add_remote_options, remote_endpoints
from harness.errors import UsageError
from mock_endpoint.vocab import CLICK_ID_PARAMS

MAX_WORKERS = 16


def workers_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"{text!r}: expected 1 to {MAX_WORKERS}")
    return value


def configure(parser: argparse.ArgumentParser) -> Command:
    parser.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO", help="only these (default: all)"
    )
    add_browser_option(parser)
    parser.add_argument("--headed", action="store_true", help="show the browser window")
    parser.add_argument(
        "--click-id-params",
        default=",".join(CLICK_ID_PARAMS),
        metavar="P1,P2",
        help="run each scenario once per click id parameter (default: %(default)s)",
    )
    parser.add_argument(
        "--click-id-storage",
        choices=("live", "guide"),
        default="live",
        help="where the emulated pixel keeps the click id: live (sessionStorage, as the live "
        "pixel; default) or guide (a first-party cookie too); a scenario's own "
        "click_id_storage wins",
    )
    parser.add_argument(
        "--workers",
        type=workers_count,
        default=None,
        metavar="N",
        help="scenarios run at once, one Chromium each; output stays in catalogue order "
        "(default: 3, measured on 2 cores; 1 runs them one after the other)",
    )
    parser.add_argument(
        "--output",
        default="e2e-results",
        metavar="DIR",
        help="folder for e2e-junit.xml and e2e-report.html (default: e2e-results)",
    )
    add_remote_options(parser, mock=False)
    return run


def run(args: argparse.Namespace) -> int:
    from harness.catalogue import load_catalogue
    from harness.e2e import (
        DEFAULT_WORKERS,
        ScenarioResult,
        run_catalogue,
        run_catalogue_parallel,
    )
    from harness.lab import Harness
    from harness.reports.e2e import explain, table, write_reports

    catalogue = load_catalogue()
    unknown = [name for name in args.scenarios if name not in catalogue]
    if unknown:
        raise UsageError(
            f"unknown scenario(s): {', '.join(unknown)}; see `spdt-harness sites --list`"
        )
    params = [p.strip() for p in args.click_id_params.split(",") if p.strip()]
    if not params:
        raise UsageError("--click-id-params needs at least one parameter name")
    chosen = [catalogue[n] for n in args.scenarios] if args.scenarios else list(catalogue.values())
    total = len(chosen) * len(params)
    done = 0

    def show(result: ScenarioResult) -> None:
        nonlocal done
        done += 1
        verdict = "PASS" if result.ok else "FAIL"
        print(f"[{done:>3}/{total}] {verdict}  {result.name}  {result.seconds:.1f}s", flush=True)
        for line in explain(result):
            print(f"          {line}", flush=True)

    workers = args.workers or DEFAULT_WORKERS
    # Browser servers (the mock and the fixture sites stay on loopback: servers on this host).
    connect, cdp = remote_endpoints(args)
    made = 0

    def harness() -> Harness:
        nonlocal made
        server = connect[made % len(connect)] if connect else None
        made += 1
        return Harness(
            sites=True,
            browser=args.browser,
            headless=not args.headed,
            click_id_storage=args.click_id_storage,
            connect=server,
            connect_cdp=cdp,
        )

    if workers == 1:
        with harness() as lab:
            results = run_catalogue(lab, chosen, params=params, on_result=show)
    else:
        results = run_catalogue_parallel(
            harness, chosen, params=params, workers=workers, on_result=show
        )
    print()
    print(table(results))
    paths = write_reports(results, Path(args.output))
    failed = sum(1 for r in results if not r.ok)
    print(f"\nreports: {paths['junit']}  {paths['html']}")
    print(f"{len(results) - failed} passed, {failed} failed", file=sys.stdout)
    return 1 if failed else 0
