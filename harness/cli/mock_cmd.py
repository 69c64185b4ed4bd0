"""``spdt-harness mock``: the mock Spotify pixel hosts, standalone."""

from __future__ import annotations

import argparse

from harness.browser.launch import HostMap
from harness.cli.common import Command, print_browser_setup, wait_forever
from mock_endpoint.server import MockEndpoint
from mock_endpoint.store import DEFAULT_MAX_RECORDS


def configure(parser: argparse.ArgumentParser) -> Command:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=8443, help="port (0 picks a free one)")
    parser.add_argument(
        "--max-records",
        type=int,
        default=DEFAULT_MAX_RECORDS,
        help=f"records kept in memory; the oldest are evicted (default {DEFAULT_MAX_RECORDS})",
    )
    return run


def run(args: argparse.Namespace) -> int:
    with MockEndpoint(host=args.host, port=args.port, max_records=args.max_records) as mock:
        print(f"mock listening on https://{args.host}:{mock.port}", flush=True)
        print(f"control API: {mock.control_url}")
        print_browser_setup(HostMap(mock.host_map()), [mock.spki])
        print("Ctrl-C stops.", flush=True)
        try:
            wait_forever()
        except KeyboardInterrupt:
            print("stopping", flush=True)
    return 0
