"""Serve the catalogue over HTTPS under fake host names (``https://shop.test/<scenario>/<page>``)."""

from __future__ import annotations

import html
from types import TracebackType

from aiohttp import web

from fixture_sites.catalogue import load_catalogue, site_hosts
from fixture_sites.render import render_page
from harness.errors import FixtureSiteError
from mock_endpoint.hosts import bare_host
from mock_endpoint.runner import ThreadedServer
from mock_endpoint.tls import ServerCertificate, issue


async def index(request: web.Request) -> web.Response:
    rows = "".join(
        f'<li><a href="https://{s.host}{s.page_path(s.site.pages[0])}">{html.escape(s.name)}</a> · '
        f"{html.escape(s.summary)}</li>"
        for s in load_catalogue().values()
    )
    return web.Response(
        text=f"<!doctype html><title>spdt-harness fixture sites</title><ul>{rows}</ul>",
        content_type="text/html",
    )


async def page(request: web.Request) -> web.Response:
    catalogue = load_catalogue()
    name = request.match_info["scenario"]
    page_name = request.match_info["page"]
    scenario = catalogue.get(name)
    host = bare_host(request.host)
    if scenario is None or page_name not in scenario.site.pages:
        raise web.HTTPNotFound(text=f"no scenario page /{name}/{page_name}")
    if host not in (scenario.host, f"www.{scenario.host}"):
        raise web.HTTPNotFound(text=f"scenario {name} is served on {scenario.host}")
    try:
        body = render_page(scenario, page_name, host)
    except FixtureSiteError as exc:
        raise web.HTTPInternalServerError(text=str(exc)) from exc
    response = web.Response(text=body, content_type="text/html", charset="utf-8")
    response.headers.update(scenario.headers)
    response.headers["Cache-Control"] = "no-store"
    return response


def create_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/", index)
    app.router.add_get("/{scenario}/{page}", page)
    return app


class FixtureServer:
    """The fixture sites on one loopback port; a context manager like ``MockEndpoint``."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.hosts = site_hosts()
        self.certificate: ServerCertificate = issue(self.hosts)
        self.host = host
        self._server = ThreadedServer(
            create_app(),
            host=host,
            port=port,
            ssl_context=self.certificate.server_context(),
            name="spdt-sites",
        )

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def spki(self) -> str:
        return self.certificate.spki

    def host_map(self) -> dict[str, str]:
        return dict.fromkeys(self.hosts, f"{self.host}:{self.port}")

    def start(self) -> FixtureServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
