"""``spdt-harness sites``: serve the fixture-site catalogue, or list it."""

from __future__ import annotations

import argparse
import sys

from harness.browser.launch import HostMap
from harness.cli.common import Command, print_browser_setup, stop_on_signals, wait_forever


def configure(parser: argparse.ArgumentParser) -> Command:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=9443, help="port (0 picks a free one)")
    parser.add_argument(
        "--list",
        action="store_true",
        help="print one scenario a line (name, site, findings, summary; tab-separated) and exit",
    )
    return run


def run(args: argparse.Namespace) -> int:
    from harness.catalogue import load_catalogue

    if args.list:
        lines = [
            f"{s.name}\t{s.site.name}\t{','.join(sorted(s.findings)) or '-'}\t{s.summary}"
            for s in load_catalogue().values()
        ]
        try:
            print("\n".join(lines), flush=True)
        except BrokenPipeError:  # `sites --list | head`: the reader left; not an error
            sys.stdout = None  # silence the flush at exit
        return 0
    from fixture_sites.server import FixtureServer

    stop_on_signals()
    try:
        with FixtureServer(host=args.host, port=args.port) as sites:
            print(f"fixture sites listening on https://{args.host}:{sites.port}", flush=True)
            hosts = sorted({s.host for s in load_catalogue().values()})
            print(f"{len(load_catalogue())} scenarios; index at / on every site host:")
            for host in hosts:
                print(f"  https://{host}/  (and https://www.{host}/)")
            print("(reach them through the resolver rules below)")
            print_browser_setup(HostMap(sites.host_map()), [sites.spki])
            print("Ctrl-C stops.", flush=True)
            wait_forever()
    except KeyboardInterrupt:  # Ctrl-C ends the command wherever it lands
        print("stopping", flush=True)
    return 0
