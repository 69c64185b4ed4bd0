"""A real HTTP server for ad-hoc test pages (``page_server`` fixture).

Tests that need a page outside the fixture catalogue get a real server answering real
requests (no request interception): ``url = page_server.serve(html, headers={...})``;
``page_server.requested`` lists the URLs of the pages asked for, in the order they were asked.
"""

from __future__ import annotations

import itertools
import threading

from aiohttp import web

from mock_endpoint.runner import ThreadedServer


class PageServer:
    def __init__(self) -> None:
        self._pages: dict[str, tuple[str, dict[str, str]]] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._requested: list[str] = []
        app = web.Application()
        app.router.add_get("/{name}", self._handle)
        self._server = ThreadedServer(app, name="spdt-test-pages")

    async def _handle(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        with self._lock:
            self._requested.append(self._url(name))
            page = self._pages.get(name)
        if page is None:
            raise web.HTTPNotFound()
        body, headers = page
        return web.Response(text=body, content_type="text/html", headers=headers)

    def serve(self, html: str, *, headers: dict[str, str] | None = None) -> str:
        name = f"page{next(self._ids)}"
        with self._lock:
            self._pages[name] = (html, dict(headers or {}))
        return self._url(name)

    def _url(self, name: str) -> str:
        return f"http://127.0.0.1:{self._server.port}/{name}"

    @property
    def requested(self) -> list[str]:
        with self._lock:
            return list(self._requested)

    def start(self) -> PageServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()
