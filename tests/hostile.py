"""Building blocks of the hostile sites the audit tests meet (one by one in
tests/test_audit_hostile.py, through a crawl in tests/soak/): pages, a redirect loop, a document
that never ends, and the loopback server that serves them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager

from aiohttp import web

from mock_endpoint.runner import ThreadedServer
from tests.snippets import BASE_CODE

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def page(body: str, head: str = BASE_CODE) -> web.Response:
    """An HTML page with the base code in its head (unless ``head`` says otherwise)."""
    return web.Response(
        text=f"<!doctype html><html><head>{head}</head><body>{body}</body></html>",
        content_type="text/html",
    )


async def redirect_loop(_request: web.Request) -> web.Response:
    """``/loop`` redirects to itself."""
    raise web.HTTPFound("/loop")


def endless(first: bytes, chunk: bytes, every: float) -> Handler:
    """A document that never ends: ``first``, then ``chunk`` every ``every`` seconds, so the
    page's load event never fires."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        try:
            await response.write(first)
            while True:
                await response.write(chunk)
                await asyncio.sleep(every)
        except (ConnectionError, asyncio.CancelledError):
            return response

    return handler


@contextmanager
def serve(routes: Iterable[tuple[str, Handler]], name: str) -> Iterator[str]:
    """Serve ``routes`` (path, handler) over HTTP on loopback; yields the base URL."""
    app = web.Application()
    for path, handler in routes:
        app.router.add_get(path, handler)
    server = ThreadedServer(app, name=name)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()
