"""``spdt-harness serve``: the mock and the fixture sites, for clicking through by hand."""

from __future__ import annotations

import argparse

from harness.browser.launch import HostMap
from harness.cli.common import Command, print_browser_setup, stop_on_signals, wait_forever


def configure(parser: argparse.ArgumentParser) -> Command:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=8443, help="mock port (0: a free one)")
    parser.add_argument("--sites-port", type=int, default=9443, help="fixture sites port")
    return run


def run(args: argparse.Namespace) -> int:
    from fixture_sites.server import FixtureServer
    from mock_endpoint.server import MockEndpoint

    stop_on_signals()
    try:
        with (
            MockEndpoint(host=args.host, port=args.port) as mock,
            FixtureServer(host=args.host, port=args.sites_port) as sites,
        ):
            print(
                f"mock: https://{args.host}:{mock.port} (control API {mock.control_url_with_token})"
            )
            print(f"fixture sites: https://{args.host}:{sites.port}", flush=True)
            host_map = HostMap({**mock.host_map(), **sites.host_map()})
            print_browser_setup(host_map, [mock.spki, sites.spki])
            print(
                "open https://shop.test/ in that Chromium for the scenario index. Ctrl-C stops.",
                flush=True,
            )
            wait_forever()
    except KeyboardInterrupt:  # Ctrl-C ends the command wherever it lands
        print("stopping", flush=True)
    return 0
