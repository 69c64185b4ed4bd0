"""``spdt-harness mock``: the mock Spotify pixel hosts, standalone.

Values are checked here (not by argparse) so that a bad one is a one-line ``UsageError`` with
exit code 2, like every other usage error.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
from pathlib import Path

from harness.browser.launch import HostMap
from harness.cli.common import Command, print_browser_setup, stop_on_signals, wait_forever
from harness.errors import MockEndpointError, UsageError
from mock_endpoint.faults import as_faults
from mock_endpoint.server import MockEndpoint
from mock_endpoint.store import DEFAULT_MAX_RECORDS, serve_without_gc_pauses

DEFAULT_PORT = 8443


def configure(parser: argparse.ArgumentParser) -> Command:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument(
        "--port",
        default=str(DEFAULT_PORT),
        help=f"port (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--record",
        metavar="FILE",
        help="append every record to FILE as JSON lines (mock_endpoint.persist.load_records)",
    )
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="T",
        help="bearer token CAPI, /api/v1/conversion and the stats API accept (repeatable); "
        "without one any token is accepted",
    )
    parser.add_argument(
        "--max-records",
        default=str(DEFAULT_MAX_RECORDS),
        metavar="N",
        help=f"records kept in memory; the oldest are evicted (default {DEFAULT_MAX_RECORDS})",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="HOST:KIND[:ARG]",
        help="make a Spotify host slow or down (repeatable): KIND delay[:SECONDS], "
        "5xx[:STATUS], reset or slow-body[:SECONDS]; HOST a Spotify host name or * "
        "(e.g. pixels.spotify.com:5xx:503); see docs/mock.md",
    )
    parser.add_argument(
        "--control-port",
        default="0",
        metavar="PORT",
        help="port of the control API's own listener (default 0: a free one); no Spotify "
        "host name reaches it",
    )
    parser.add_argument(
        "--control-token",
        metavar="T",
        help="require this token on the control API (?token=T or an X-Spdt-Control-Token "
        "header); required when --host is not a loopback address",
    )
    parser.add_argument(
        "--mock-cert-dir",
        metavar="DIR",
        help="serve the certificate kept in DIR (made there if DIR holds none), so its SPKI "
        "fingerprint stays the same across restarts (spdt-harness browser-config --mock-cert-dir)",
    )
    return run


def _int_option(name: str, raw: str, lo: int, hi: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise UsageError(f"{name} must be an integer {lo}..{hi}, got {raw!r}") from None
    if not lo <= value <= hi:
        raise UsageError(f"{name} must be an integer {lo}..{hi}, got {value}")
    return value


def _host_option(raw: str) -> str:
    try:
        ipaddress.ip_address(raw)
    except ValueError:
        if raw != "localhost":
            raise UsageError(f"--host must be an IP address to bind, got {raw!r}") from None
    return raw


def _record_option(raw: str | None) -> Path | None:
    if raw is None:
        return None
    path = Path(raw)
    if path.is_dir():
        raise UsageError(f"--record {raw!r} is a directory; give a file name")
    if not path.parent.is_dir():
        raise UsageError(f"--record {raw!r}: directory {str(path.parent)!r} does not exist")
    return path


def run(args: argparse.Namespace) -> int:
    host = _host_option(args.host)
    port = _int_option("--port", args.port, 0, 65535)
    max_records = _int_option("--max-records", args.max_records, 1, 100_000_000)
    record = _record_option(args.record)
    tokens = [t for t in args.token if t.strip()]
    if len(tokens) != len(args.token):
        raise UsageError("--token must not be empty")
    faults = as_faults(args.fault)
    control_port = _int_option("--control-port", args.control_port, 0, 65535)
    control_token: str | None = args.control_token
    if control_token is not None and not control_token.strip():
        raise UsageError("--control-token must not be empty")
    loopback = ipaddress.ip_address("127.0.0.1" if host == "localhost" else host).is_loopback
    if not loopback and control_token is None:
        raise UsageError(
            f"--host {host} is reachable from other machines: the control API (which can read "
            "and reset every record) then needs --control-token T"
        )
    mock = MockEndpoint(
        host=host,
        port=port,
        max_records=max_records,
        tokens=tokens,
        record=record,
        faults=faults,
        control_token=control_token or False,
        control_port=control_port,
        cert_dir=args.mock_cert_dir,
    )
    stop_on_signals()
    try:
        mock.start()
        serve_without_gc_pauses()  # this process only serves the mock
    except MockEndpointError as exc:
        if isinstance(exc.__cause__, OSError) and exc.__cause__.errno == errno.EADDRINUSE:
            raise MockEndpointError(
                f"port {port} on {host} is already in use; pick another with --port (0: any free)"
            ) from exc
        raise
    try:
        print(f"mock listening on https://{host}:{mock.port}", flush=True)
        if not loopback:
            print(f"warning: bound to {host}, reachable from other machines", flush=True)
        print(
            f"control API: {mock.control_url_with_token} (its own listener, port "
            f"{mock.control_port}; OpenAPI: {mock.control_url}openapi.json"
            + (", with the token" if mock.control_token else "")
            + ")",
            flush=True,
        )
        if record is not None:
            print(f"recording to {record}")
        for fault in faults:
            print(f"fault: {fault.spec}", flush=True)
        print_browser_setup(HostMap(mock.host_map()), [mock.spki])
        print("Ctrl-C stops.", flush=True)
        wait_forever()
    except KeyboardInterrupt:
        # Ctrl-C is how this command ends, wherever it lands (even between two prints)
        print("stopping", flush=True)
    finally:
        mock.stop()
    return 0
