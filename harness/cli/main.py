"""``spdt-harness``: one command, one subcommand per job.

Exit codes (docs/cli.md): 0 success; 1 a check failed (a finding of error severity, a scenario
mismatch); 2 usage error or an environment problem (no browser, port in use, unreachable URL);
130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from harness.errors import HarnessError

Command = Callable[[argparse.Namespace], int]


def _commands() -> dict[str, tuple[str, Callable[[argparse.ArgumentParser], Command]]]:
    from harness.cli import (
        audit_cmd,
        e2e_cmd,
        mock_cmd,
        report_cmd,
        serve_cmd,
        sites_cmd,
        studio_cmd,
    )

    return {
        "mock": ("run the mock Spotify pixel hosts", mock_cmd.configure),
        "sites": ("serve or list the fixture-site catalogue", sites_cmd.configure),
        "serve": ("the mock and the fixture sites together, to click through", serve_cmd.configure),
        "e2e": (
            "run every catalogue scenario in Chromium and check its findings",
            e2e_cmd.configure,
        ),
        "audit": ("audit URLs (or journeys) in Chromium and report findings", audit_cmd.configure),
        "report": ("merge or render saved audit reports", report_cmd.configure),
        "status": ("pixel status per key, as Ad Studio shows it", studio_cmd.configure_status),
        "attribute": (
            "attribute recorded conversions to campaign exposures",
            studio_cmd.configure_attribute,
        ),
        "audience": (
            "retargeting rules, upload checks, email hashing",
            studio_cmd.configure_audience,
        ),
    }


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Command]]:
    parser = argparse.ArgumentParser(
        prog="spdt-harness",
        description="Prove that a site's Spotify pixel is installed correctly, in a real browser.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    handlers: dict[str, Command] = {}
    for name, (help_text, configure) in _commands().items():
        handlers[name] = configure(sub.add_parser(name, help=help_text, description=help_text))
    return parser, handlers


def main(argv: Sequence[str] | None = None) -> int:
    parser, handlers = build_parser()
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


if __name__ == "__main__":
    sys.exit(main())
