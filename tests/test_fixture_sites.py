"""The fixture-site catalogue without a browser: it loads, every page renders, the server answers
(redirects, headers, 404s) and mistakes in the catalogue are reported clearly."""

from __future__ import annotations

import http.client
import re
import ssl
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from fixture_sites.catalogue import Scenario, site_hosts
from fixture_sites.catalogue import parse_catalogue as parse_structure
from fixture_sites.render import render_container, render_index, render_page
from fixture_sites.server import FixtureServer
from harness.catalogue import (
    KNOWN_FINDING_CODES,
    load_catalogue,
    parse_catalogue,
    parse_catalogue_text,
    scenario,
)
from harness.e2e import scenario_journey
from harness.errors import FixtureSiteError
from harness.flows.journey import Journey, parse_journey
from harness.flows.step import Step
from tests.cli import spdt
from tests.spec import REAL_SITE_CODES, REQUIRED_CODES

CATALOGUE = load_catalogue()
SCENARIOS = list(CATALOGUE.values())


def _raw() -> dict[str, Any]:
    text = resources.files("fixture_sites").joinpath("catalogue.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _with_scenario(**fields: Any) -> dict[str, Any]:
    data = _raw()
    data["scenarios"] = [{"name": "x", "site": "shop", "summary": "s", "findings": [], **fields}]
    return data


def _uses_tag_manager(s: Scenario, page: str) -> bool:
    v = s.vars_for(page)
    return bool(v["loader"] != "inline" or v["tag_manager_copy"])


# -- the catalogue ------------------------------------------------------------------------
def test_catalogue_has_at_least_32_scenarios_on_three_sites() -> None:
    assert len(CATALOGUE) >= 32
    assert {s.site.name for s in SCENARIOS} == {"shop", "saas", "podcast"}


def test_every_finding_code_is_triggered_and_guarded() -> None:
    found = Counter(code for s in SCENARIOS for code in s.findings)
    guarded = Counter(code for s in SCENARIOS for code in s.must_not)
    required = set(REQUIRED_CODES) | set(REAL_SITE_CODES)
    assert sorted(required - set(found)) == []
    assert sorted(required - set(guarded)) == []
    assert required <= KNOWN_FINDING_CODES


def test_every_scenario_explains_its_findings() -> None:
    text = resources.files("fixture_sites").joinpath("catalogue.yaml").read_text("utf-8")
    blocks = re.split(r"\n  - name: ", text)[1:]
    missing = [b.split("\n", 1)[0] for b in blocks if "\n    # why: " not in b]
    assert len(blocks) == len(CATALOGUE)
    assert missing == []


def test_public_names_used_by_the_harness() -> None:
    shop = scenario("shop-correct")
    assert shop.page_url("landing") == "https://shop.test/shop-correct/landing"
    assert re.fullmatch(r"[0-9a-f]{32}", shop.vars["key"])
    assert shop.findings == frozenset()
    assert shop.resolved_flow()[0] == {"land": "https://shop.test/shop-correct/landing"}
    assert {"shop.test", "www.shop.test", "saas.test", "podcast.test"} <= set(site_hosts())


def test_resolved_flow_resolves_redirect_sources() -> None:
    s = scenario("redirect-drops-query")
    assert s.resolved_flow()[0] == {"land": "https://shop.test/redirect-drops-query/go"}
    assert s.entry_url == "https://shop.test/redirect-drops-query/go"
    assert "go" in s.pages


def test_every_flow_is_parsed_once_and_runs_with_the_scenarios_urls() -> None:
    for s in SCENARIOS:
        assert isinstance(s.parsed_flow, Journey), s.name  # kept from the catalogue's load
        assert scenario_journey(s) == parse_journey(s.resolved_flow()), s.name
    shop = scenario("shop-correct")
    assert scenario_journey(shop).steps[0] == Step(
        "land", target="https://shop.test/shop-correct/landing"
    )


def test_null_event_parameters_are_left_out() -> None:
    html = render_page(scenario("purchase-without-order-id"), "thanks")
    (call,) = re.findall(r'spdt\("purchase", (\{.*\})\);', html)
    assert "order_id" not in call
    assert "event_id" not in call
    assert '"value": 79.99' in call


@pytest.mark.parametrize("s", SCENARIOS, ids=lambda s: s.name)
def test_every_page_renders(s: Scenario) -> None:
    for page in s.site.pages:
        html = render_page(s, page)
        assert html.startswith("<!doctype html>")
        assert f"scenario <code>{s.name}</code>" in html
        if _uses_tag_manager(s, page):
            assert "ping.min.js" in render_container(s, page)


def test_guide_base_code_is_the_guides_verbatim() -> None:
    html = render_page(scenario("guide-base-code"), "landing")
    assert "w.SpotifyAdsTag = n; w[n] = w[n] || {" in html
    assert (
        "})(window, document, 'script', 'https://pixel.byspotify.com/ping.min.js', 'spdt');" in html
    )
    assert "spdt('conf', { key: \"5c3f8a2b9d1e4f60a7b8c9d0e1f2a3b4\" });" in html


def test_javascript_values_are_json_and_html_is_escaped() -> None:
    data = _with_scenario(
        summary="<script>alert('summary')</script>",
        vars={"key": "</script><script>alert(1)</script>"},
    )
    (s,) = parse_catalogue(data).values()
    html = render_page(s, "landing")
    assert "</script><script>alert(1)" not in html
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in html
    index = render_index([s])
    assert "<script>alert('summary')" not in index
    assert "&lt;script&gt;alert(&#39;summary&#39;)&lt;/script&gt;" in index


def test_index_lists_every_scenario_with_its_findings() -> None:
    index = render_index(SCENARIOS)
    for s in SCENARIOS:
        assert f'href="{s.entry_url}"' in index
    assert "<code>BASE_CODE_BROKEN</code>" in index


# -- catalogue mistakes -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"colour": "red"}, "scenario x: unknown keys ['colour']; allowed: "),
        ({"findings": ["NO_SUCH_CODE"]}, "scenario x: unknown finding codes in findings: "),
        ({"must_not": ["PIXEL_NOT_FOND"]}, "scenario x: unknown finding codes in must_not: "),
        ({"site": "bakery"}, "scenario x: unknown site 'bakery'; sites: podcast, saas, shop"),
        ({"vars": {"noscrip": False}}, "scenario x, vars: unknown template variables ['noscrip']"),
        ({"page_vars": {"cart": {}}}, "scenario x, page_vars: unknown page 'cart'; pages: "),
        ({"flow": "checkout_fast"}, "scenario x: unknown flow 'checkout_fast'; site shop has "),
        ({"flow": [{"jump": "#a"}]}, "scenario x, flow: journey step 1: unknown step 'jump'"),
        ({"redirects": {"go": {"to": "home"}}}, "scenario x, redirect go: 'to' must be one of "),
        ({"redirects": {"go": {"to": "landing", "status": 200}}}, "'status' must be one of"),
        (
            {"findings": ["MISSING_CONF"], "must_not": ["MISSING_CONF"]},
            "scenario x: ['MISSING_CONF'] in both findings and must_not",
        ),
    ],
)
def test_catalogue_mistakes_are_named(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(FixtureSiteError) as error:
        parse_catalogue(_with_scenario(**fields))
    assert message in str(error.value)


def test_fixture_sites_alone_checks_structure_and_leaves_codes_and_flows_to_the_harness() -> None:
    data = _with_scenario(findings=["NO_SUCH_CODE"], flow=[{"jump": "#a"}])
    (s,) = parse_structure(data).values()
    assert s.findings == frozenset({"NO_SUCH_CODE"})
    assert s.flow == ({"jump": "#a"},)
    assert s.parsed_flow is None
    with pytest.raises(FixtureSiteError, match="unknown keys"):
        parse_structure(_with_scenario(colour="red"))


def test_duplicate_scenario_names_are_refused() -> None:
    data = _raw()
    data["scenarios"].append(dict(data["scenarios"][0]))
    with pytest.raises(FixtureSiteError, match=r"^scenario shop-correct: defined twice$"):
        parse_catalogue(data)


def test_missing_findings_and_bad_yaml_are_refused() -> None:
    data = _with_scenario()
    del data["scenarios"][0]["findings"]
    with pytest.raises(FixtureSiteError, match="'findings' is required"):
        parse_catalogue(data)
    with pytest.raises(FixtureSiteError, match="catalogue: not valid YAML"):
        parse_catalogue_text("sites: [")
    with pytest.raises(FixtureSiteError, match="unknown scenario 'nope'"):
        scenario("nope")


# -- the server over real HTTPS -----------------------------------------------------------
def _get(server: FixtureServer, host: str, path: str) -> tuple[int, dict[str, str], str]:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # loopback only; the browser tests check the real chain
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=context, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


def test_server_redirects_keep_or_drop_the_query(sites: FixtureServer) -> None:
    status, headers, _ = _get(sites, "shop.test", "/redirect-drops-query/go?spclid=abc")
    assert (status, headers["Location"]) == (302, "https://shop.test/redirect-drops-query/landing")
    status, headers, _ = _get(sites, "shop.test", "/redirect-keeps-query/go?spclid=abc&x=1")
    assert status == 301
    assert headers["Location"] == "https://shop.test/redirect-keeps-query/landing?spclid=abc&x=1"
    status, headers, _ = _get(sites, "shop.test", "/apex-to-www-correct/landing?spclid=abc")
    assert headers["Location"] == "https://www.shop.test/apex-to-www-correct/landing?spclid=abc"
    status, _, body = _get(sites, "www.shop.test", "/apex-to-www-correct/landing?spclid=abc")
    assert status == 200
    assert "Spring sale" in body
    status, _, body = _get(sites, "podcast.test", "/js-redirect-drops-query/listen?spclid=abc")
    assert status == 200
    assert 'location.replace("https://podcast.test/js-redirect-drops-query/episode");' in body


def test_server_sends_scenario_and_page_headers(sites: FixtureServer) -> None:
    _, headers, _ = _get(sites, "saas.test", "/guide-csp/landing")
    assert "connect-src 'self' pixel.byspotify.com" in headers["Content-Security-Policy"]
    _, headers, _ = _get(sites, "shop.test", "/csp-report-only/landing")
    assert "Content-Security-Policy" not in headers
    assert headers["Content-Security-Policy-Report-Only"].startswith("script-src 'self'")
    _, headers, _ = _get(sites, "shop.test", "/csp-checkout-only/product")
    assert "Content-Security-Policy" not in headers
    _, headers, _ = _get(sites, "shop.test", "/csp-checkout-only/checkout")
    assert headers["Content-Security-Policy"] == "connect-src 'self'"


def test_server_serves_the_tag_manager_container(sites: FixtureServer) -> None:
    status, headers, body = _get(sites, "shop.test", "/tag-manager-dom-ready/landing/container.js")
    assert status == 200
    assert headers["Content-Type"].startswith("application/javascript")
    assert "ping.min.js" in body
    status, _, _ = _get(sites, "shop.test", "/shop-correct/landing/container.js")
    assert status == 404


@pytest.mark.parametrize(
    ("host", "path", "text"),
    [
        ("shop.test", "/no-such-scenario/landing", "no scenario &#39;no-such-scenario&#39;"),
        ("shop.test", "/shop-correct/cart", "scenario shop-correct has no page &#39;cart&#39;"),
        ("saas.test", "/shop-correct/landing", "scenario shop-correct is served on shop.test"),
        ("shop.test", "/%3Cimg%20src=x%3E/landing", "no scenario &#39;&lt;img src=x&gt;&#39;"),
        ("shop.test", "/%3Cscript%3Ealert(1)%3C/script%3E/x", "nothing at /&lt;script&gt;alert"),
        ("shop.test", "/a/b/c/d", "nothing at /a/b/c/d"),
        ("elsewhere.test", "/", "this server serves the fixture sites"),
    ],
)
def test_server_answers_404_pages_for_bad_paths(
    sites: FixtureServer, host: str, path: str, text: str
) -> None:
    status, headers, body = _get(sites, host, path)
    assert status == 404
    assert headers["Content-Type"].startswith("text/html")
    assert text in body
    assert "<script>alert" not in body
    assert "<img src=x>" not in body


@pytest.mark.parametrize("host", ["shop.test", "www.saas.test", "podcast.test"])
def test_server_index_on_every_site_host(sites: FixtureServer, host: str) -> None:
    status, _, body = _get(sites, host, "/")
    assert status == 200
    assert body.count("<tr id=") == len(CATALOGUE)


# -- the CLI ------------------------------------------------------------------------------
def test_sites_list_prints_one_scenario_a_line(cli_env: dict[str, str]) -> None:
    done = spdt("sites", "--list", env=cli_env)
    assert (done.returncode, done.stderr) == (0, "")
    out = done.stdout
    lines = out.splitlines()
    assert len(lines) >= 32
    assert len(lines) == len(CATALOGUE)
    rows = {line.split("\t")[0]: line.split("\t") for line in lines}
    assert all(len(r) == 4 for r in rows.values())
    assert rows["shop-correct"][1:3] == ["shop", "-"]
    assert rows["csp-blocks-connect"][2] == "CSP_BLOCKS_EVENTS,EVENT_NOT_DELIVERED"


def test_docs_table_lists_every_scenario() -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "fixture-sites.md").read_text()
    missing = [s.name for s in SCENARIOS if f"| `{s.name}` | {s.site.name} |" not in docs]
    assert missing == []


# -- loaders seen in the wild (docs/evidence.md, "Loaders") -------------------------------------
def _scripts(html: str) -> list[str]:
    return re.findall(r"<script[^>]*>(.*?)</script>", html, re.S)


def test_next_after_interactive_holds_the_snippet_only_as_an_escaped_string() -> None:
    html = render_page(scenario("next-after-interactive"), "landing")
    flight = [s for s in _scripts(html) if "self.__next_f.push([1," in s]
    assert len(flight) == 1
    assert "afterInteractive" in flight[0]
    assert "spdt-capture" in flight[0]
    assert "\\n" in flight[0]  # inside a JSON string, escaped
    # no runnable copy of the snippet: the framework's bundle injects it after load
    assert [s for s in _scripts(html) if "spdt" in s] == flight
    assert 'src="/next-after-interactive/landing/container.js"' in html


def test_gatsby_bundle_leaves_no_trace_of_the_pixel_in_the_html() -> None:
    html = render_page(scenario("gatsby-script-bundle"), "landing")
    before_noscript = html.split("<noscript>", 1)[0]
    assert "spdt" not in before_noscript.replace("/gatsby-script-bundle/", "")
    assert "ping.min.js" not in before_noscript
    assert "afterLoad(later)" in render_container(scenario("gatsby-script-bundle"), "landing")


def test_podsights_pages_use_the_legacy_loader_and_call_pdst() -> None:
    html = render_page(scenario("podsights-legacy-loader"), "subscribed")
    assert "var id = 'pdst-capture'" in html
    assert "e.src = 'https://cdn.pdst.fm/ping.min.js';" in html
    assert '<script>pdst("lead", {"category": "podcast", "type": "newsletter"});</script>' in html
    assert "spdt(" not in html


def test_gtm_minified_rudderstack_and_react_variants_render_their_shapes() -> None:
    gtm = render_container(scenario("gtm-custom-html-minified"), "landing")
    assert '(function(a,b){var d=\\"spdt-capture\\",e=\\"script\\";' in gtm
    rudder = render_container(scenario("rudderstack-device-mode"), "landing")
    assert "search: w.location.search" in rudder
    assert "w.spdt(\\u0027view\\u0027, payload)" in rudder
    assert "w.spdt(\\u0027view\\u0027);" not in rudder  # no base view: page() sends it
    react = render_container(scenario("consent-use-effect"), "landing")
    assert "__spotifyPixelConfigured" in react
    assert "d.head.appendChild(script)" in react


def test_stale_sri_and_two_tags_render_their_markup() -> None:
    sri = render_page(scenario("stale-sri-hash"), "landing")
    assert 'e.integrity = "sha384-oqVuAfXRKap7fdgcCY5uykM6' in sri
    assert "e.crossOrigin = 'anonymous';" in sri
    two = scenario("purchase-two-tags")
    assert 'src="/purchase-two-tags/thanks/container.js"' in render_page(two, "thanks")
    assert 'src="/purchase-two-tags/landing/container.js"' not in render_page(two, "landing")
    tag = render_container(two, "thanks")
    assert 'var mode = "events_only"' in tag
    assert '"order_id": "SP-ORD-12345"' in tag


def test_an_unknown_click_id_storage_is_refused() -> None:
    data = yaml.safe_load(resources.files("fixture_sites").joinpath("catalogue.yaml").read_text())
    data["scenarios"] = [dict(data["scenarios"][0], click_id_storage="cookie")]
    with pytest.raises(
        FixtureSiteError, match="click_id_storage 'cookie': expected one of live, guide"
    ):
        parse_catalogue(data)
    assert scenario("apex-to-www-cookie-scope-guide").click_id_storage == "guide"
    assert scenario("apex-to-www-cookie-scope").click_id_storage is None
