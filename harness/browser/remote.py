"""Browsers on another host: Playwright's browser server (``playwright run-server`` /
``launch-server``) and Chromium's DevTools endpoint (``connect_over_cdp``).

A remote browser is only as safe as the flags it was started with: the resolver rules and the
SPKI trust of :mod:`harness.browser.launch`. ``run-server`` takes them from the client in the
``x-playwright-launch-options`` header, but only when it runs with ``--unsafe``; without it the
server drops ``args`` and ``executablePath`` without a word. So a connected browser is never
trusted on its word: :func:`guard_probe_url` names a page the resolver rules map to the mock, and
the harness refuses the browser unless that page reaches the mock (docs/network.md).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from harness.errors import UsageError

LAUNCH_OPTIONS_HEADER = "x-playwright-launch-options"
# A name only our resolver rules give an address: without them Chromium resolves any
# ``*.localhost`` to the remote host's own loopback, so an unguarded browser's probe never leaves.
GUARD_PROBE_HOST = "guard-probe.spdt.localhost"
GUARD_PROBE_PATH = "/spdt-guard-probe/"
UNSAFE_HINT = (
    "start `playwright run-server` with --unsafe so it accepts our launch options, or start "
    "`playwright launch-server --config FILE` with the file `spdt-harness browser-config` writes"
)


def check_endpoint(text: str, option: str = "--connect") -> str:
    """A ``ws://`` / ``wss://`` (``--connect``) or ``http(s)://`` / ``ws(s)://`` (CDP) URL."""
    schemes = ("ws", "wss") if option.endswith("connect") else ("ws", "wss", "http", "https")
    try:
        parts = urlsplit(text)
        _ = parts.port
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a URL") from None
    if parts.scheme not in schemes or not parts.hostname:
        raise UsageError(
            f"{option} {text!r}: expected a {' or '.join(s + '://' for s in schemes)} URL "
            "(e.g. ws://127.0.0.1:3000/)"
        )
    return text


def endpoint_label(endpoint: str) -> str:
    """What a report shows of an endpoint: scheme, host and port (a path may be a secret)."""
    parts = urlsplit(endpoint)
    host = parts.hostname or "?"
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def launch_options(
    args: Sequence[str], *, executable_path: str | None, headless: bool
) -> dict[str, Any]:
    """The launch options a browser server needs (Playwright's camelCase names)."""
    options: dict[str, Any] = {"headless": headless, "args": list(args)}
    if executable_path:
        options["executablePath"] = executable_path
    return options


def launch_headers(
    args: Sequence[str], *, executable_path: str | None, headless: bool
) -> dict[str, str]:
    """The header that carries ``args`` to ``playwright run-server --unsafe``."""
    options = launch_options(args, executable_path=executable_path, headless=headless)
    return {LAUNCH_OPTIONS_HEADER: json.dumps(options, separators=(",", ":"))}


def launch_server_config(
    args: Sequence[str],
    *,
    executable_path: str | None,
    headless: bool = True,
    port: int = 0,
    host: str = "",
) -> str:
    """A ``playwright launch-server --config FILE`` file: the server starts its Chromium with
    our flags itself, for servers that do not take client-set arguments. ``host`` and ``port``:
    where the server listens (Playwright's ``launchServer`` options; default: its own)."""
    options = launch_options(args, executable_path=executable_path, headless=headless)
    if host:
        options["host"] = host
    if port:
        options["port"] = port
    return json.dumps(options, indent=2) + "\n"


def guard_probe_url() -> str:
    """A fresh probe URL: the nonce tells this probe's record from any other."""
    return f"https://{GUARD_PROBE_HOST}{GUARD_PROBE_PATH}{secrets.token_hex(8)}"
