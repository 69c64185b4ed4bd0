"""Options and helpers several subcommands share."""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable

from harness.browser.launch import HostMap, launch_args, resolver_rules

Command = Callable[[argparse.Namespace], int]


def add_browser_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--browser",
        metavar="PATH",
        help="Chromium or Chrome executable (default: $SPDT_BROWSER, Playwright's, the system's)",
    )


def print_browser_setup(host_map: HostMap, spki: list[str]) -> None:
    """What a person needs to point their own Chromium at our servers."""
    print(f"resolver rules: {resolver_rules(host_map)}")
    print(f"certificate SPKI fingerprint(s): {', '.join(spki)}")
    print("launch Chromium with:")
    print("  chromium " + " ".join(f"'{a}'" for a in launch_args(host_map, spki)))


def wait_forever() -> None:
    """Block until Ctrl-C (KeyboardInterrupt), without busy-waiting."""
    threading.Event().wait()
