"""The control API under ``/__spdt/``: list, filter, summary, reset."""

from __future__ import annotations

from aiohttp import web

from mock_endpoint.endpoints.common import store_of
from mock_endpoint.records import Record

PREFIX = "/__spdt"


def _matches(request: web.Request) -> list[Record]:
    q = request.query
    session, host, kind, event = q.get("session"), q.get("host"), q.get("kind"), q.get("event")

    def keep(r: Record) -> bool:
        return (
            (session is None or r.session == session)
            and (host is None or r.host == host)
            and (kind is None or r.kind == kind)
            and (event is None or any(e.name == event for e in r.events))
        )

    return store_of(request).records(keep)


async def list_records(request: web.Request) -> web.Response:
    return web.json_response({"records": [r.to_json() for r in _matches(request)]})


async def summary(request: web.Request) -> web.Response:
    return web.json_response(store_of(request).summary(request.query.get("session")).to_json())


async def reset(request: web.Request) -> web.Response:
    dropped = store_of(request).reset(request.query.get("session"))
    return web.json_response({"dropped": dropped})
