"""``spdt-harness e2e``: every catalogue scenario in real Chromium (what ``make e2e`` runs)."""

from __future__ import annotations

import argparse

from harness.cli.common import Command, add_browser_option
from harness.errors import UsageError


def configure(parser: argparse.ArgumentParser) -> Command:
    parser.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO", help="only these (default: all)"
    )
    add_browser_option(parser)
    parser.add_argument("--headed", action="store_true", help="show the browser window")
    return run


def run(args: argparse.Namespace) -> int:
    from fixture_sites.catalogue import load_catalogue
    from harness.e2e import ScenarioResult, run_catalogue
    from harness.lab import Harness

    catalogue = load_catalogue()
    unknown = [name for name in args.scenarios if name not in catalogue]
    if unknown:
        raise UsageError(
            f"unknown scenario(s): {', '.join(unknown)}; see `spdt-harness sites --list`"
        )
    chosen = [catalogue[n] for n in args.scenarios] if args.scenarios else list(catalogue.values())

    def show(result: ScenarioResult) -> None:
        verdict = "PASS" if result.ok else "FAIL"
        print(
            f"{verdict}  {result.scenario} [{result.click_id_param}]  {result.seconds:.1f}s",
            flush=True,
        )
        for problem in result.problems:
            for line in problem.splitlines():
                print(f"      {line}")

    with Harness(sites=True, browser=args.browser, headless=not args.headed) as lab:
        results = run_catalogue(lab, chosen, on_result=show)
    failed = sum(1 for r in results if not r.ok)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0
