"""Serve the catalogue over HTTPS under fake host names (``https://shop.test/<scenario>/<page>``)."""

from __future__ import annotations

from types import TracebackType

from aiohttp import web

from fixture_sites.catalogue import Redirect, Scenario, load_catalogue, site_hosts
from fixture_sites.render import (
    render_container,
    render_index,
    render_js_redirect,
    render_not_found,
    render_page,
)
from mock_endpoint.hosts import bare_host
from mock_endpoint.runner import ThreadedServer
from mock_endpoint.tls import ServerCertificate, issue


def _html(body: str, status: int = 200) -> web.Response:
    response = web.Response(text=body, status=status, content_type="text/html", charset="utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def not_found(message: str) -> web.Response:
    """The one 404 page: what was asked for (escaped) and a link to the index."""
    return _html(render_not_found(message), status=404)


async def index(request: web.Request) -> web.Response:
    if bare_host(request.host) not in site_hosts():
        return not_found(f"this server serves the fixture sites {', '.join(site_hosts())}")
    return _html(render_index(load_catalogue().values()))


async def page(request: web.Request) -> web.Response:
    name = request.match_info["scenario"]
    page_name = request.match_info["page"]
    scenario = load_catalogue().get(name)
    host = bare_host(request.host)
    if scenario is None:
        return not_found(f"no scenario {name!r}; the index at / lists them all")
    if page_name not in scenario.pages:
        return not_found(
            f"scenario {name} has no page {page_name!r}; pages: {', '.join(scenario.pages)}"
        )
    if host not in (scenario.host, scenario.site.www_host):
        return not_found(f"scenario {name} is served on {scenario.host}, not {host}")
    redirect = scenario.redirects.get(page_name)
    if redirect is not None and redirect.applies(scenario.site, host):
        return _redirect(request, scenario, redirect, host)
    response = _html(render_page(scenario, page_name, host))
    response.headers.update(scenario.headers_for(page_name))
    return response


async def container(request: web.Request) -> web.Response:
    name = request.match_info["scenario"]
    page_name = request.match_info["page"]
    scenario = load_catalogue().get(name)
    if scenario is None or page_name not in scenario.site.pages:
        return not_found(f"no tag-manager container for /{name}/{page_name}")
    vars_ = scenario.vars_for(page_name)
    if vars_["loader"] == "inline" and not (
        vars_["tag_manager_copy"] or vars_["tag_manager_events"]
    ):
        return not_found(f"scenario {name} uses no tag manager")
    body = render_container(scenario, page_name, bare_host(request.host))
    response = web.Response(text=body, content_type="application/javascript", charset="utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def _redirect(
    request: web.Request, scenario: Scenario, redirect: Redirect, host: str
) -> web.Response:
    target = scenario.page_url(redirect.to, redirect.target_host(scenario.site, host))
    if redirect.via == "js":
        response = _html(render_js_redirect(scenario, redirect, target))
    else:
        if redirect.query == "keep" and request.query_string:
            target = f"{target}?{request.query_string}"
        response = web.Response(status=redirect.status, headers={"Location": target})
        response.headers["Cache-Control"] = "no-store"
    response.headers.update(scenario.headers_for(redirect.source))
    return response


async def fallback(request: web.Request) -> web.Response:
    return not_found(f"nothing at {request.path}; pages live at /<scenario>/<page>")


def create_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/", index)
    app.router.add_get("/{scenario}/{page}", page)
    app.router.add_get("/{scenario}/{page}/container.js", container)
    app.router.add_route("*", "/{tail:.*}", fallback)
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
