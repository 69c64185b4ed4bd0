"""Render a scenario's page with Jinja2 (StrictUndefined, autoescape on)."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2

from fixture_sites.catalogue import Scenario
from harness.errors import FixtureSiteError


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("fixture_sites", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_page(scenario: Scenario, page: str, host: str | None = None) -> str:
    if page not in scenario.site.pages:
        raise FixtureSiteError(f"scenario {scenario.name} has no page {page!r}")

    def url(target: str) -> str:
        return scenario.page_path(target)

    context: dict[str, Any] = {
        **scenario.vars,
        "scenario": scenario,
        "page": page,
        "site_title": scenario.site.title,
        "host": host or scenario.host,
        "url": url,
    }
    try:
        return environment().get_template(f"{scenario.site.name}/{page}.html").render(context)
    except jinja2.TemplateError as exc:
        raise FixtureSiteError(f"scenario {scenario.name}, page {page}: {exc}") from exc
