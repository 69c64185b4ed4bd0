"""``spdt-harness browser-config``: the launch options a browser server needs for a mock at a
fixed address, for servers that do not take client-set arguments (``playwright launch-server
--config FILE``) or a Chromium reached through ``--connect-cdp``.

The file holds the resolver rules (every Spotify name to ``--mock-advertise``, everything else
unresolvable) and the SPKI trust of the mock's certificate: the one kept in ``--mock-cert-dir``
(made there on first use, and what ``audit --mock-cert-dir`` then serves), and any given with
``--trust-spki`` (a site's, or the one ``spdt-harness mock`` prints).
"""

from __future__ import annotations

import argparse

from harness.cli.common import Command, one_line_errors, write_output
from harness.errors import UsageError


def configure(parser: argparse.ArgumentParser) -> Command:
    one_line_errors(parser)
    parser.add_argument(
        "--mock-advertise",
        required=True,
        metavar="HOST:PORT",
        help="the address the browser maps every Spotify name to (the mock's)",
    )
    parser.add_argument(
        "--trust-spki",
        action="append",
        default=[],
        metavar="HASH",
        help="a certificate to trust by its SPKI hash (the mock's); repeatable",
    )
    parser.add_argument(
        "--mock-cert-dir",
        metavar="DIR",
        help="trust the mock certificate kept in DIR (made there if DIR holds none); give the "
        "audit the same --mock-cert-dir",
    )
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="HOST=ADDR[:PORT]",
        help="also resolve HOST to ADDR[:PORT] (the site under test); repeatable",
    )
    parser.add_argument(
        "--real-dns",
        action="store_true",
        help="let names that are neither Spotify's nor --map'ed resolve through the real DNS (the "
        "site under test, as `audit` without --offline); default: they fail to resolve",
    )
    parser.add_argument(
        "--browser", metavar="PATH", help="executablePath on the server's machine (optional)"
    )
    parser.add_argument(
        "--format",
        choices=("launch-server", "args"),
        default="launch-server",
        help="a `playwright launch-server --config` JSON file (default), or the Chromium flags",
    )
    parser.add_argument(
        "--server-listen",
        metavar="ADDR[:PORT]",
        help="where `launch-server` listens (its config's host and port; e.g. 0.0.0.0:3000)",
    )
    parser.add_argument("--output", metavar="FILE", help="write it here (default: stdout)")
    return run


def run(args: argparse.Namespace) -> int:
    from harness.audit.lab import guard_patterns
    from harness.browser.launch import HostMap, launch_args, parse_host_mapping
    from harness.browser.remote import GUARD_PROBE_HOST, launch_server_config
    from mock_endpoint.cert_dir import load_or_create
    from mock_endpoint.hosts import GUARDED_HOSTS, GUARDED_PATTERNS
    from mock_endpoint.server import certificate_names, split_address

    address = args.mock_advertise.strip()
    try:
        host, port = split_address(address)
    except ValueError:
        host, port = "", 0
    if not port or " " in address or "," in address:
        raise UsageError(f"--mock-advertise {address!r} is not HOST:PORT (e.g. 10.0.0.5:8443)")
    trusted = list(args.trust_spki)
    if args.mock_cert_dir:
        trusted.insert(0, load_or_create(args.mock_cert_dir, certificate_names((host,))).spki)
    targets = dict.fromkeys((*GUARDED_HOSTS, *GUARDED_PATTERNS), address)
    for pattern in guard_patterns("emulated"):
        targets.setdefault(pattern, address)
    targets[GUARD_PROBE_HOST] = address
    targets.update(dict(parse_host_mapping(m) for m in args.map))
    flags = launch_args(HostMap(targets, catch_all=not args.real_dns), trusted)
    if args.format == "args":
        if args.server_listen:
            raise UsageError("--server-listen is for --format launch-server")
        text = "\n".join(flags) + "\n"
    else:
        try:
            listen_host, listen_port = split_address(args.server_listen or "")
        except ValueError:
            raise UsageError(
                f"--server-listen {args.server_listen!r} is not ADDR[:PORT] (e.g. 0.0.0.0:3000)"
            ) from None
        text = launch_server_config(
            flags, executable_path=args.browser, host=listen_host, port=listen_port
        )
    write_output(text, args.output)
    return 0
