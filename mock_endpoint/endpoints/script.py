"""pixel.byspotify.com: the emulated ping.min.js."""

from __future__ import annotations

from functools import cache
from importlib import resources

from aiohttp import web

from mock_endpoint.endpoints.common import record


@cache
def emulator_source() -> bytes:
    return resources.files("mock_endpoint").joinpath("static/ping.min.js").read_bytes()


async def ping_min_js(request: web.Request) -> web.Response:
    record(request, kind="script", status=200)
    return web.Response(
        body=emulator_source(),
        content_type="application/javascript",
        charset="utf-8",
        headers={
            "Cache-Control": "public, max-age=300",
            "Access-Control-Allow-Origin": "*",
            "X-Content-Type-Options": "nosniff",
        },
    )
