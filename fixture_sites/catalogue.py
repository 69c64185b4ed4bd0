"""Load and check the declarative scenario catalogue (``catalogue.yaml``)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from harness.errors import FixtureSiteError

SCENARIO_KEYS = frozenset(
    {
        "name",
        "site",
        "summary",
        "vars",
        "headers",
        "flow",
        "findings",
        "must_not",
        "pages",
        "redirects",
    }
)


@dataclass(frozen=True, slots=True)
class Site:
    name: str
    title: str
    host: str
    pages: tuple[str, ...]
    vars: dict[str, Any]
    flow: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    site: Site
    summary: str
    vars: dict[str, Any]
    headers: dict[str, str]
    flow: tuple[dict[str, Any], ...]
    findings: frozenset[str]
    must_not: frozenset[str] = frozenset()
    redirects: dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return self.site.host

    def page_path(self, page: str) -> str:
        return f"/{self.name}/{page}"

    def page_url(self, page: str, host: str | None = None) -> str:
        return f"https://{host or self.host}{self.page_path(page)}"

    def resolved_flow(self) -> list[dict[str, Any]]:
        """The flow with bare page names replaced by this scenario's URLs."""
        steps = []
        for step in self.flow:
            resolved = dict(step)
            for verb in ("land", "goto"):
                target = resolved.get(verb)
                if isinstance(target, str) and target in self.site.pages:
                    resolved[verb] = self.page_url(target)
            steps.append(resolved)
        return steps


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _require(mapping: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = mapping.get(key)
    if not isinstance(value, kind):
        raise FixtureSiteError(f"{where}: {key!r} must be a {kind.__name__}")
    return value


def parse_catalogue(data: Any) -> dict[str, Scenario]:
    if not isinstance(data, dict):
        raise FixtureSiteError("catalogue: expected a mapping with 'sites' and 'scenarios'")
    sites: dict[str, Site] = {}
    for name, raw in _require(data, "sites", dict, "catalogue").items():
        where = f"site {name}"
        sites[name] = Site(
            name=name,
            title=_require(raw, "title", str, where),
            host=_require(raw, "host", str, where),
            pages=tuple(_require(raw, "pages", list, where)),
            vars=raw.get("vars") or {},
            flow=tuple(raw.get("flow") or ()),
        )
    scenarios: dict[str, Scenario] = {}
    for raw in _require(data, "scenarios", list, "catalogue"):
        name = _require(raw, "name", str, "scenario")
        where = f"scenario {name}"
        unknown = set(raw) - SCENARIO_KEYS
        if unknown:
            raise FixtureSiteError(f"{where}: unknown keys {sorted(unknown)}")
        if name in scenarios:
            raise FixtureSiteError(f"{where}: defined twice")
        site_name = _require(raw, "site", str, where)
        if site_name not in sites:
            raise FixtureSiteError(f"{where}: unknown site {site_name!r}")
        site = sites[site_name]
        scenarios[name] = Scenario(
            name=name,
            site=site,
            summary=_require(raw, "summary", str, where),
            vars=deep_merge(site.vars, raw.get("vars") or {}),
            headers={str(k): str(v) for k, v in (raw.get("headers") or {}).items()},
            flow=tuple(raw.get("flow") or site.flow),
            findings=frozenset(raw.get("findings") or ()),
            must_not=frozenset(raw.get("must_not") or ()),
            redirects={str(k): str(v) for k, v in (raw.get("redirects") or {}).items()},
        )
    return scenarios


@cache
def load_catalogue() -> dict[str, Scenario]:
    text = resources.files("fixture_sites").joinpath("catalogue.yaml").read_text("utf-8")
    return parse_catalogue(yaml.safe_load(text))


def scenario(name: str) -> Scenario:
    catalogue = load_catalogue()
    if name not in catalogue:
        raise FixtureSiteError(f"unknown scenario {name!r}; `spdt-harness sites --list` lists them")
    return catalogue[name]


def site_hosts() -> tuple[str, ...]:
    """Every host name the fixture sites answer for (apex and www)."""
    hosts: list[str] = []
    for s in load_catalogue().values():
        for host in (s.site.host, f"www.{s.site.host}"):
            if host not in hosts:
                hosts.append(host)
    return tuple(hosts)
