"""Options and helpers several subcommands share."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from harness.browser.launch import HostMap, launch_args, resolver_rules
from harness.browser.remote import check_endpoint
from harness.errors import UsageError

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


def stop_on_signals() -> None:
    """Make Ctrl-C (SIGINT) and SIGTERM end a serving command as ``KeyboardInterrupt``, so it
    stops cleanly (records flushed, listeners closed) and exits 0.

    Installed explicitly, as servers do: a process started in the background by a
    non-interactive shell (``cmd &`` in a CI script) inherits SIGINT *ignored*, and Python then
    never raises ``KeyboardInterrupt``; SIGTERM is how supervisors and CI runners stop a job.
    Call it before the first line that says how to stop the command."""
    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers (a command run in a thread, in tests)

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def wait_forever() -> None:
    """Block until Ctrl-C or SIGTERM (see ``stop_on_signals``), without busy-waiting.

    A sleep, not ``threading.Event().wait()``: the handlers raise ``KeyboardInterrupt`` wherever
    the main thread is, and raised inside a lock's wait it can leave that lock broken (seen under
    load: "RuntimeError: release unlocked lock", a traceback and exit 1 instead of a clean stop).
    A sleep holds no lock, and a signal ends it at once."""
    while True:
        time.sleep(3600)


def one_line_errors(parser: argparse.ArgumentParser) -> None:
    """argparse's own errors as one line (``UsageError: …``, exit 2), like every other error."""

    def error(message: str) -> NoReturn:
        print(f"UsageError: {parser.prog}: {message}", file=sys.stderr)
        sys.exit(2)

    parser.error = error  # type: ignore[method-assign]


def write_output(text: str, output: str | None) -> None:
    """``text`` to the file ``output`` (folders created), or to stdout when it is ``None``."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(output)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--output {output}: cannot write: {exc.strerror or exc}") from exc


def wants_colour(output: str | None) -> bool:
    """ANSI colours only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def add_remote_options(parser: argparse.ArgumentParser, *, mock: bool = True) -> None:
    """``--connect`` / ``--connect-cdp`` and, for the audit's mock, ``--mock-listen`` /
    ``--mock-advertise`` (docs/network.md, "Browsers on another host")."""
    remote = parser.add_mutually_exclusive_group()
    remote.add_argument(
        "--connect",
        action="append",
        default=[],
        metavar="WS_ENDPOINT",
        help="use the Chromium of a Playwright browser server (`playwright run-server --unsafe`, "
        "ws://HOST:PORT/); repeatable: the workers take the servers in turn; --browser is then "
        "the executable on the server's machine",
    )
    remote.add_argument(
        "--connect-cdp",
        metavar="URL",
        help="use a Chromium already started with the flags `spdt-harness browser-config` "
        "prints, through its DevTools endpoint (http://HOST:9222); probed, refused if unguarded",
    )
    if mock:
        parser.add_argument(
            "--mock-listen",
            metavar="ADDR[:PORT]",
            help="where the mock listens (default: 127.0.0.1, a free port); e.g. 0.0.0.0:8443 "
            "for a browser on another host (the control API keeps its token)",
        )
        parser.add_argument(
            "--mock-advertise",
            metavar="HOST[:PORT]",
            help="the address a remote browser maps the Spotify names to (default: the listen "
            "address); the certificates name it",
        )
        parser.add_argument(
            "--mock-cert-dir",
            metavar="DIR",
            help="keep the mock's key and certificate in DIR: made on the first run, reused "
            "after, so a browser started with `spdt-harness browser-config --mock-cert-dir DIR` "
            "flags (launch-server --config, --connect-cdp) keeps trusting it",
        )


def remote_endpoints(args: argparse.Namespace) -> tuple[tuple[str, ...], str | None]:
    """The checked ``--connect`` endpoints and ``--connect-cdp`` URL."""
    connect = tuple(check_endpoint(e, "--connect") for e in args.connect)
    cdp = check_endpoint(args.connect_cdp, "--connect-cdp") if args.connect_cdp else None
    return connect, cdp
