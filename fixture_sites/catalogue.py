"""Load and check the declarative scenario catalogue (``catalogue.yaml``).

The catalogue has three top-level keys: ``defaults`` (template variables every site starts
from), ``sites`` and ``scenarios``. Everything a scenario does is data; see
docs/fixture-sites.md. Every mistake in the file is reported as a :class:`FixtureSiteError`
naming the scenario and the key.

This module checks the file's own structure. What only the harness knows (the auditor's finding
codes, the journey grammar) comes in as :class:`CatalogueChecks`; ``harness.catalogue`` loads
the catalogue with them, so ``fixture_sites`` needs nothing from the harness (its errors come from
``mock_endpoint.errors``, the base of the product's error hierarchy).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from mock_endpoint.errors import FixtureSiteError


@dataclass(frozen=True, slots=True)
class CatalogueChecks:
    """Checks the catalogue cannot make by itself.

    ``known_codes``: every code a scenario may name in ``findings`` or ``must_not`` (the
    auditor's table; a typo would otherwise silently weaken a scenario). ``None`` skips the check.
    ``check_flow(steps, where)``: raises :class:`FixtureSiteError` when a flow is not a valid
    journey, else returns the flow in its parsed form (the harness's journey), which the
    scenario keeps as ``parsed_flow``. ``None`` skips the check.
    """

    known_codes: frozenset[str] | None = None
    check_flow: Callable[[list[dict[str, Any]], str], object] | None = None


NO_CHECKS = CatalogueChecks()

CATALOGUE_KEYS = frozenset({"defaults", "sites", "scenarios"})
SITE_KEYS = frozenset({"title", "host", "pages", "vars", "flow", "flows"})
SCENARIO_KEYS = frozenset(
    {
        "name",
        "site",
        "summary",
        "vars",
        "page_vars",
        "headers",
        "page_headers",
        "flow",
        "findings",
        "must_not",
        "redirects",
        "click_id_storage",
    }
)
# Where the emulated pixel keeps the click id for a scenario (docs/emulator.md): "live"
# (sessionStorage) or "guide" (a first-party cookie too); None: the runner's choice.
CLICK_ID_STORAGE_MODES = ("live", "guide")
# names the renderer provides to every template; a site variable may not take them
RESERVED_VARS = frozenset({"scenario", "page", "site_title", "host", "url", "home"})
REDIRECT_KEYS = frozenset({"to", "host", "status", "query", "via"})
REDIRECT_HOSTS = ("same", "apex", "www")
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


@dataclass(frozen=True, slots=True)
class Site:
    name: str
    title: str
    host: str
    pages: tuple[str, ...]
    vars: dict[str, Any]
    flow: tuple[dict[str, Any], ...]
    flows: dict[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)
    # each flow as CatalogueChecks.check_flow returned it (None without checks)
    parsed_flows: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    @property
    def www_host(self) -> str:
        return f"www.{self.host}"


@dataclass(frozen=True, slots=True)
class Redirect:
    """``/<scenario>/<source>`` answers with a redirect to page ``to`` (HTTP or JavaScript)."""

    source: str
    to: str
    host: str = "same"  # same | apex | www
    status: int = 302
    query: str = "keep"  # keep | drop
    via: str = "http"  # http | js

    def target_host(self, site: Site, request_host: str) -> str:
        if self.host == "apex":
            return site.host
        if self.host == "www":
            return site.www_host
        return request_host

    def applies(self, site: Site, request_host: str) -> bool:
        """False when the target is the very page asked for (apex→www served on www)."""
        return not (self.to == self.source and self.target_host(site, request_host) == request_host)


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
    redirects: dict[str, Redirect] = field(default_factory=dict)
    page_vars: dict[str, dict[str, Any]] = field(default_factory=dict)
    page_headers: dict[str, dict[str, str]] = field(default_factory=dict)
    click_id_storage: str | None = None
    # the flow as CatalogueChecks.check_flow returned it (the harness's parsed journey; None
    # when the catalogue was loaded without checks)
    parsed_flow: object = field(default=None, compare=False, repr=False)

    @property
    def host(self) -> str:
        return self.site.host

    @property
    def pages(self) -> tuple[str, ...]:
        """Every page name this scenario answers for: the site's pages, then redirect sources."""
        extra = tuple(p for p in self.redirects if p not in self.site.pages)
        return self.site.pages + extra

    @property
    def entry_page(self) -> str:
        """The page the flow lands on (the first ``land`` step), else the site's first page."""
        for step in self.flow:
            target = step.get("land")
            if isinstance(target, dict):
                target = target.get("url")
            if isinstance(target, str) and target in self.pages:
                return target
        return self.site.pages[0]

    @property
    def entry_url(self) -> str:
        return self.page_url(self.entry_page)

    def page_path(self, page: str) -> str:
        return f"/{self.name}/{page}"

    def page_url(self, page: str, host: str | None = None) -> str:
        return f"https://{host or self.host}{self.page_path(page)}"

    def vars_for(self, page: str) -> dict[str, Any]:
        """The template variables of one page: site, scenario, then ``page_vars`` merged."""
        return deep_merge(self.vars, self.page_vars.get(page, {}))

    def headers_for(self, page: str) -> dict[str, str]:
        return {**self.headers, **self.page_headers.get(page, {})}

    def resolved_flow(self) -> list[dict[str, Any]]:
        """The flow with bare page names replaced by this scenario's URLs."""
        steps = []
        for step in self.flow:
            resolved = dict(step)
            for verb in ("land", "goto"):
                target = resolved.get(verb)
                if isinstance(target, str) and target in self.pages:
                    resolved[verb] = self.page_url(target)
                elif isinstance(target, dict) and target.get("url") in self.pages:
                    resolved[verb] = {**target, "url": self.page_url(target["url"])}
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
        got = "nothing" if value is None else type(value).__name__
        raise FixtureSiteError(f"{where}: {key!r} must be a {kind.__name__}, got {got}")
    return value


def _optional(mapping: dict[str, Any], key: str, kind: type, where: str, default: Any) -> Any:
    value = mapping.get(key)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise FixtureSiteError(
            f"{where}: {key!r} must be a {kind.__name__}, got {type(value).__name__}"
        )
    return value


def _check_keys(raw: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = set(raw) - allowed
    if unknown:
        raise FixtureSiteError(
            f"{where}: unknown keys {sorted(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


def _check_flow(
    steps: Any, where: str, checks: CatalogueChecks
) -> tuple[tuple[dict[str, Any], ...], object]:
    """The flow's steps, and its parsed form from ``checks.check_flow`` (None without it)."""
    parsed = checks.check_flow(steps, where) if checks.check_flow is not None else None
    return tuple(steps), parsed


def _check_vars(override: dict[str, Any], known: dict[str, Any], where: str) -> None:
    unknown = set(override) - set(known)
    if unknown:
        raise FixtureSiteError(
            f"{where}: unknown template variables {sorted(unknown)}; "
            f"the site understands: {', '.join(sorted(known))}"
        )


def _codes(raw: dict[str, Any], key: str, where: str, checks: CatalogueChecks) -> frozenset[str]:
    codes = _optional(raw, key, list, where, [])
    known = checks.known_codes
    unknown = [] if known is None else sorted(str(c) for c in codes if c not in known)
    if unknown:
        raise FixtureSiteError(
            f"{where}: unknown finding codes in {key}: {unknown}; see KNOWN_FINDING_CODES "
            "(docs/findings.md)"
        )
    if len(set(codes)) != len(codes):
        raise FixtureSiteError(f"{where}: {key} lists a code twice")
    return frozenset(codes)


def _parse_site(name: str, raw: Any, defaults: dict[str, Any], checks: CatalogueChecks) -> Site:
    where = f"site {name}"
    if not isinstance(raw, dict):
        raise FixtureSiteError(f"{where}: expected a mapping")
    _check_keys(raw, SITE_KEYS, where)
    pages = _require(raw, "pages", list, where)
    if not pages or not all(isinstance(p, str) and p.isidentifier() for p in pages):
        raise FixtureSiteError(f"{where}: 'pages' must be a non-empty list of plain names")
    site_vars = deep_merge(defaults, _optional(raw, "vars", dict, where, {}))
    reserved = sorted(RESERVED_VARS & set(site_vars))
    if reserved:
        raise FixtureSiteError(f"{where}: template variables {reserved} are reserved")
    checked = {
        str(flow_name): _check_flow(steps, f"{where}, flow {flow_name}", checks)
        for flow_name, steps in _optional(raw, "flows", dict, where, {}).items()
    }
    flow, parsed = _check_flow(_require(raw, "flow", list, where), f"{where}, flow", checks)
    checked.setdefault("default", (flow, parsed))
    return Site(
        name=name,
        title=_require(raw, "title", str, where),
        host=_require(raw, "host", str, where),
        pages=tuple(pages),
        vars=site_vars,
        flow=flow,
        flows={flow_name: steps for flow_name, (steps, _) in checked.items()},
        parsed_flows={flow_name: parsed for flow_name, (_, parsed) in checked.items()},
    )


def _parse_redirect(source: str, raw: Any, pages: tuple[str, ...], where: str) -> Redirect:
    where = f"{where}, redirect {source}"
    if not isinstance(raw, dict):
        raise FixtureSiteError(f"{where}: expected a mapping {{to, host, status, query, via}}")
    _check_keys(raw, REDIRECT_KEYS, where)
    to = raw.get("to", source)
    if to not in pages:
        raise FixtureSiteError(f"{where}: 'to' must be one of the site's pages {list(pages)}")
    redirect = Redirect(
        source=source,
        to=to,
        host=raw.get("host", "same"),
        status=raw.get("status", 302),
        query=raw.get("query", "keep"),
        via=raw.get("via", "http"),
    )
    if redirect.host not in REDIRECT_HOSTS:
        raise FixtureSiteError(f"{where}: 'host' must be one of {', '.join(REDIRECT_HOSTS)}")
    if redirect.status not in REDIRECT_STATUSES:
        raise FixtureSiteError(f"{where}: 'status' must be one of {REDIRECT_STATUSES}")
    if redirect.query not in ("keep", "drop"):
        raise FixtureSiteError(f"{where}: 'query' must be keep or drop")
    if redirect.via not in ("http", "js"):
        raise FixtureSiteError(f"{where}: 'via' must be http or js")
    if redirect.to == redirect.source and redirect.host == "same":
        raise FixtureSiteError(f"{where}: redirects to itself")
    return redirect


def _check_per_page(
    page_vars: dict[str, Any],
    page_headers: dict[str, Any],
    pages: tuple[str, ...],
    site: Site,
    where: str,
) -> None:
    for label, per_page in (("page_vars", page_vars), ("page_headers", page_headers)):
        for page_name, value in per_page.items():
            if page_name not in pages:
                raise FixtureSiteError(
                    f"{where}, {label}: unknown page {page_name!r}; pages: {', '.join(pages)}"
                )
            if not isinstance(value, dict):
                raise FixtureSiteError(f"{where}, {label} {page_name}: expected a mapping")
            if label == "page_vars":
                _check_vars(value, site.vars, f"{where}, page_vars {page_name}")


def _parse_scenario(raw: Any, sites: dict[str, Site], checks: CatalogueChecks) -> Scenario:
    if not isinstance(raw, dict):
        raise FixtureSiteError("scenario: expected a mapping")
    name = _require(raw, "name", str, "scenario")
    where = f"scenario {name}"
    if not name.replace("-", "").replace("_", "").isalnum():
        raise FixtureSiteError(f"{where}: a name holds only letters, digits, '-' and '_'")
    _check_keys(raw, SCENARIO_KEYS, where)
    site_name = _require(raw, "site", str, where)
    if site_name not in sites:
        raise FixtureSiteError(
            f"{where}: unknown site {site_name!r}; sites: {', '.join(sorted(sites))}"
        )
    site = sites[site_name]
    overrides = _optional(raw, "vars", dict, where, {})
    _check_vars(overrides, site.vars, f"{where}, vars")
    page_vars = _optional(raw, "page_vars", dict, where, {})
    page_headers = _optional(raw, "page_headers", dict, where, {})
    redirects = {
        str(src): _parse_redirect(str(src), spec, site.pages, where)
        for src, spec in _optional(raw, "redirects", dict, where, {}).items()
    }
    all_pages = site.pages + tuple(p for p in redirects if p not in site.pages)
    _check_per_page(page_vars, page_headers, all_pages, site, where)
    flow_spec = raw.get("flow", "default")
    if isinstance(flow_spec, str):
        if flow_spec not in site.flows:
            raise FixtureSiteError(
                f"{where}: unknown flow {flow_spec!r}; site {site.name} has flows "
                f"{', '.join(sorted(site.flows))}"
            )
        flow, parsed = site.flows[flow_spec], site.parsed_flows.get(flow_spec)
    else:
        flow, parsed = _check_flow(flow_spec, f"{where}, flow", checks)
    findings = _codes(raw, "findings", where, checks)
    must_not = _codes(raw, "must_not", where, checks)
    if "findings" not in raw:
        raise FixtureSiteError(f"{where}: 'findings' is required (use [] for a clean install)")
    both = sorted(findings & must_not)
    if both:
        raise FixtureSiteError(f"{where}: {both} in both findings and must_not")
    storage = raw.get("click_id_storage")
    if storage is not None and storage not in CLICK_ID_STORAGE_MODES:
        raise FixtureSiteError(
            f"{where}: click_id_storage {storage!r}: expected one of "
            f"{', '.join(CLICK_ID_STORAGE_MODES)}"
        )
    return Scenario(
        name=name,
        site=site,
        summary=_require(raw, "summary", str, where),
        vars=deep_merge(site.vars, overrides),
        headers={str(k): str(v) for k, v in _optional(raw, "headers", dict, where, {}).items()},
        flow=flow,
        findings=findings,
        must_not=must_not,
        redirects=redirects,
        page_vars={str(p): dict(v) for p, v in page_vars.items()},
        page_headers={
            str(p): {str(k): str(v) for k, v in h.items()} for p, h in page_headers.items()
        },
        click_id_storage=storage,
        parsed_flow=parsed,
    )


def parse_catalogue(data: Any, checks: CatalogueChecks = NO_CHECKS) -> dict[str, Scenario]:
    """The scenarios of a parsed catalogue file, checked (see :class:`CatalogueChecks`)."""
    if not isinstance(data, dict):
        raise FixtureSiteError("catalogue: expected a mapping with 'sites' and 'scenarios'")
    _check_keys(data, CATALOGUE_KEYS, "catalogue")
    defaults = _optional(data, "defaults", dict, "catalogue", {})
    sites = {
        str(name): _parse_site(str(name), raw, defaults, checks)
        for name, raw in _require(data, "sites", dict, "catalogue").items()
    }
    hosts = [h for s in sites.values() for h in (s.host, s.www_host)]
    if len(set(hosts)) != len(hosts):
        raise FixtureSiteError("catalogue: two sites share a host")
    scenarios: dict[str, Scenario] = {}
    for raw in _require(data, "scenarios", list, "catalogue"):
        parsed = _parse_scenario(raw, sites, checks)
        if parsed.name in scenarios:
            raise FixtureSiteError(f"scenario {parsed.name}: defined twice")
        scenarios[parsed.name] = parsed
    return scenarios


def parse_catalogue_text(text: str, checks: CatalogueChecks = NO_CHECKS) -> dict[str, Scenario]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FixtureSiteError(f"catalogue: not valid YAML: {exc}") from exc
    return parse_catalogue(data, checks)


def catalogue_text() -> str:
    """The text of the packaged ``catalogue.yaml``."""
    return resources.files("fixture_sites").joinpath("catalogue.yaml").read_text("utf-8")


@cache
def load_catalogue() -> dict[str, Scenario]:
    """The packaged catalogue, checked for structure only (what the server needs to render it).

    ``harness.catalogue.load_catalogue`` also checks finding codes and flows."""
    return parse_catalogue_text(catalogue_text())


def pick(catalogue: dict[str, Scenario], name: str) -> Scenario:
    """``catalogue[name]``, or a FixtureSiteError that says where the names are listed."""
    if name not in catalogue:
        raise FixtureSiteError(f"unknown scenario {name!r}; `spdt-harness sites --list` lists them")
    return catalogue[name]


def scenario(name: str) -> Scenario:
    return pick(load_catalogue(), name)


def site_hosts() -> tuple[str, ...]:
    """Every host name the fixture sites answer for (apex and www)."""
    hosts: list[str] = []
    for s in load_catalogue().values():
        for host in (s.site.host, s.site.www_host):
            if host not in hosts:
                hosts.append(host)
    return tuple(hosts)
