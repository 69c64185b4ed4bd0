"""``spdt-harness``: one command, one subcommand per job.

Exit codes (docs/cli.md): 0 success; 1 a check failed (a finding of error severity, a scenario
mismatch); 2 usage error or an environment problem (no browser, port in use, unreachable URL);
130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from harness.cli.leave import LeaveNow
from harness.errors import HarnessError

Command = Callable[[argparse.ArgumentParser], Callable[[argparse.Namespace], int]]

# name -> (help, "module[:configure function]"). A subcommand's module (and what it imports:
# Playwright, aiohttp) is loaded only when that subcommand runs, so ``--help`` stays fast.
COMMANDS: dict[str, tuple[str, str]] = {
    "mock": ("run the mock Spotify pixel hosts", "harness.cli.mock_cmd"),
    "sites": ("serve or list the fixture-site catalogue", "harness.cli.sites_cmd"),
    "serve": (
        "the mock and the fixture sites together, to click through",
        "harness.cli.serve_cmd",
    ),
    "e2e": (
        "run every catalogue scenario in Chromium and check its findings",
        "harness.cli.e2e_cmd",
    ),
    "audit": ("audit URLs (or journeys) in Chromium and report findings", "harness.cli.audit_cmd"),
    "report": ("merge or render saved audit reports", "harness.cli.report_cmd"),
    "browser-config": (
        "launch options for a browser server that does not take client-set arguments",
        "harness.cli.browser_config_cmd",
    ),
    "status": (
        "pixel status per key, as Ad Studio shows it",
        "harness.cli.studio_cmd:configure_status",
    ),
    "attribute": (
        "attribute recorded conversions to campaign exposures",
        "harness.cli.studio_cmd:configure_attribute",
    ),
    "audience": (
        "retargeting rules, upload checks, email hashing",
        "harness.cli.studio_cmd:configure_audience",
    ),
}


def _chosen(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the first word that is not an option)."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def build_parser(
    argv: Sequence[str] = (),
) -> tuple[argparse.ArgumentParser, dict[str, Callable[[argparse.Namespace], int]]]:
    """The parser; only the subcommand named in ``argv`` is configured (none for top-level help)."""
    parser = argparse.ArgumentParser(
        prog="spdt-harness",
        description="Prove that a site's Spotify pixel is installed correctly, in a real browser.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = _chosen(argv)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {}
    for name, (help_text, module) in COMMANDS.items():
        subparser = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module_name, _, function = module.partition(":")
            configure: Command = getattr(
                importlib.import_module(module_name), function or "configure"
            )
            handlers[name] = configure(subparser)
    return parser, handlers


def run(argv: Sequence[str]) -> int:
    """Run one command line and return its exit code (a stuck browser raises ``LeaveNow``)."""
    parser, handlers = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return handlers[args.command](args)
    except HarnessError as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    """The console entry point: ``run`` the command line; when a thread of the command is stuck
    (a browser past its deadline), leave at once with the command's exit code."""
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except LeaveNow as leave:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(leave.exit_code)


if __name__ == "__main__":
    sys.exit(main())
