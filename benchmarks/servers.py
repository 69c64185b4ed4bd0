"""Servers for the benchmarks, each in a process of its own (so the load generator never shares
an interpreter with the server it measures).

    python benchmarks/servers.py mock|bare [--max-records N]

Prints one JSON line ``{"port": N, "pid": N}`` when listening, then serves until stdin closes.
``bare`` is the baseline: an aiohttp handler answering 204 to everything, with the mock's own
TLS set-up (trustme certificate for the Spotify host names, same runner options, same thread).
"""

from __future__ import annotations

import argparse
import json
import sys

from aiohttp import web

from mock_endpoint.hosts import SPOTIFY_HOSTS
from mock_endpoint.runner import ThreadedServer
from mock_endpoint.server import MockEndpoint
from mock_endpoint.store import DEFAULT_MAX_RECORDS, serve_without_gc_pauses
from mock_endpoint.tls import issue


async def _no_content(_request: web.Request) -> web.Response:
    return web.Response(status=204)


def bare_server() -> ThreadedServer:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", _no_content)
    cert = issue(SPOTIFY_HOSTS)
    return ThreadedServer(app, ssl_context=cert.server_context(), name="bare")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=("mock", "bare"))
    parser.add_argument("--max-records", type=int, default=DEFAULT_MAX_RECORDS)
    args = parser.parse_args()
    import os

    if args.kind == "mock":
        mock = MockEndpoint(max_records=args.max_records, control_token=False).start()
        serve_without_gc_pauses()  # as `spdt-harness mock` does: this process only serves
        port, stop = mock.port, mock.stop
        print(json.dumps({"port": port, "control_port": mock.control_port, "pid": os.getpid()}))
        sys.stdout.flush()
    else:
        server = bare_server()
        server.start()
        port, stop = server.port, server.stop
        print(json.dumps({"port": port, "pid": os.getpid()}), flush=True)
    try:
        sys.stdin.read()  # serve until the benchmark closes our stdin
    finally:
        stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
