"""The aiohttp application: one server, virtual-hosted by the Host header."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from mock_endpoint.endpoints import control, ingest, script
from mock_endpoint.endpoints.common import STORE_KEY, json_error, record
from mock_endpoint.hosts import INGEST_HOST, SCRIPT_HOST, bare_host
from mock_endpoint.store import RecordStore

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# (host, method, path) → handler. The control API answers on every host under its prefix.
HOST_ROUTES: dict[tuple[str, str, str], Handler] = {
    (SCRIPT_HOST, "GET", "/ping.min.js"): script.ping_min_js,
    (INGEST_HOST, "POST", "/v1/ingest"): ingest.ingest,
    (INGEST_HOST, "OPTIONS", "/v1/ingest"): ingest.preflight,
}
CONTROL_ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", f"{control.PREFIX}/records"): control.list_records,
    ("GET", f"{control.PREFIX}/summary"): control.summary,
    ("POST", f"{control.PREFIX}/reset"): control.reset,
}


async def dispatch(request: web.Request) -> web.StreamResponse:
    if request.path.startswith(control.PREFIX):
        handler = CONTROL_ROUTES.get((request.method, request.path))
        if handler is None:
            valid = [f"{m} {p}" for m, p in CONTROL_ROUTES]
            return json_error(404, "NOT_FOUND", f"no control route {request.path}", valid=valid)
        return await handler(request)
    host = bare_host(request.host)
    handler = HOST_ROUTES.get((host, request.method, request.path))
    if handler is None:
        record(request, kind="unknown", status=404)
        return json_error(
            404, "NOT_FOUND", f"{request.method} {host}{request.path} is not emulated"
        )
    return await handler(request)


def create_app(store: RecordStore | None = None) -> web.Application:
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[STORE_KEY] = store or RecordStore()
    app.router.add_route("*", "/{tail:.*}", dispatch)
    return app
