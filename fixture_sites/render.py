"""Render a scenario's page with Jinja2 (StrictUndefined, autoescape on)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import jinja2

from fixture_sites.catalogue import Redirect, Scenario
from mock_endpoint.errors import FixtureSiteError


def _params(value: Any) -> Any:
    """Event parameters without the ones a scenario switched off with ``null``."""
    if isinstance(value, Mapping):
        return {k: v for k, v in value.items() if v is not None}
    if value is True:
        return {}
    return value


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("fixture_sites", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["params"] = _params
    return env


def _render(template: str, context: dict[str, Any], where: str) -> str:
    try:
        return environment().get_template(template).render(context)
    except jinja2.TemplateError as exc:
        raise FixtureSiteError(f"{where}: {exc}") from exc


def _page_context(scenario: Scenario, page: str, host: str | None) -> dict[str, Any]:
    if page not in scenario.site.pages:
        raise FixtureSiteError(
            f"scenario {scenario.name} has no page {page!r}; pages: {', '.join(scenario.pages)}"
        )

    def url(target: str) -> str:
        return scenario.page_path(target)

    return {
        **scenario.vars_for(page),
        "scenario": scenario,
        "page": page,
        "site_title": scenario.site.title,
        "host": host or scenario.host,
        "url": url,
        "home": scenario.site.pages[0],
    }


def render_page(scenario: Scenario, page: str, host: str | None = None) -> str:
    return _render(
        f"{scenario.site.name}/{page}.html",
        _page_context(scenario, page, host),
        f"scenario {scenario.name}, page {page}",
    )


def render_container(scenario: Scenario, page: str, host: str | None = None) -> str:
    """The tag-manager container script of one page (``loader`` tag_manager/consent_gated)."""
    return _render(
        "partials/container.js",
        _page_context(scenario, page, host),
        f"scenario {scenario.name}, page {page}, container.js",
    )


def render_js_redirect(scenario: Scenario, redirect: Redirect, target: str) -> str:
    """The page a ``via: js`` redirect answers with; ``target`` is the URL without a query."""
    context = {"scenario": scenario, "target": target, "keep_query": redirect.query == "keep"}
    return _render(
        "redirect.html", context, f"scenario {scenario.name}, redirect {redirect.source}"
    )


def render_index(scenarios: Iterable[Scenario]) -> str:
    return _render("index.html", {"scenarios": list(scenarios)}, "index page")


def render_not_found(message: str) -> str:
    return _render("not_found.html", {"message": message}, "not-found page")
