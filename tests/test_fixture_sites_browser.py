"""Every fixture scenario in real Chromium over the fixture server: pages load, the guide's base
code really throws, redirects really keep or drop the query, CSP headers really apply."""

from __future__ import annotations

import pytest

from fixture_sites import Scenario, load_catalogue, scenario
from harness.context import PixelContext

pytestmark = pytest.mark.browser

SCENARIOS = list(load_catalogue().values())

# Records securitypolicyviolation events (page-independent; it changes nothing on the page).
VIOLATIONS_SCRIPT = """
window.__fixtureViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__fixtureViolations.push({directive: e.effectiveDirective, blocked: e.blockedURI,
                                   disposition: e.disposition});
});
"""


@pytest.mark.parametrize("s", SCENARIOS, ids=lambda s: s.name)
def test_every_page_loads_in_chromium(spdt_context: PixelContext, s: Scenario) -> None:
    ctx = spdt_context
    for page in s.pages:
        ctx.goto(s.page_url(page))  # NavigationError on DNS, TLS, refusal or timeout
        assert ctx.page.title().endswith(f" · {s.name}"), page


def test_the_guide_base_code_throws_spdt_is_not_a_function(spdt_context: PixelContext) -> None:
    s = scenario("guide-base-code")
    errors: list[str] = []
    ctx = spdt_context
    ctx.page.on("pageerror", lambda error: errors.append(str(error)))
    ctx.land(s.page_url("landing"))
    ctx.page.wait_for_function("() => document.getElementById('spdt-capture') === null")
    assert "spdt is not a function" in errors


def test_the_official_base_code_does_not_throw(spdt_context: PixelContext) -> None:
    s = scenario("shop-correct")
    errors: list[str] = []
    ctx = spdt_context
    ctx.page.on("pageerror", lambda error: errors.append(str(error)))
    ctx.land(s.page_url("landing"))
    ctx.expect_event("view")
    assert errors == []


@pytest.mark.parametrize(
    ("name", "hops", "final_path", "keeps"),
    [
        ("redirect-drops-query", 2, "/redirect-drops-query/landing", False),
        ("redirect-keeps-query", 2, "/redirect-keeps-query/landing", True),
        ("js-redirect-drops-query", 1, "/js-redirect-drops-query/episode", False),
        ("js-redirect-keeps-query", 1, "/js-redirect-keeps-query/episode", True),
    ],
)
def test_redirects_keep_or_drop_the_click_id(
    spdt_context: PixelContext, name: str, hops: int, final_path: str, keeps: bool
) -> None:
    s = scenario(name)
    ctx = spdt_context
    landing = ctx.land(s.entry_url, click_id="redirect-42")
    assert len(landing.chain) == hops
    assert landing.chain[0] == f"{s.entry_url}?spclid=redirect-42"
    expected = f"https://{s.host}{final_path}" + ("?spclid=redirect-42" if keeps else "")
    assert landing.final_url == expected


def test_apex_to_www_moves_the_visit_to_www(spdt_context: PixelContext) -> None:
    s = scenario("apex-to-www-cookie-scope")
    ctx = spdt_context
    landing = ctx.land(s.page_url("landing"), click_id="scope-1")
    assert landing.final_url == f"{s.page_url('landing')}?spclid=scope-1"
    ctx.page.click("#to-product")
    ctx.page.wait_for_url(s.page_url("product", host="www.shop.test"))
    ctx.page.click("#to-checkout")
    ctx.page.wait_for_url(s.page_url("checkout", host="www.shop.test"))


def test_csp_headers_apply_in_chromium(spdt_context: PixelContext) -> None:
    """The guide's CSP lets ping.min.js load and blocks the beacon to pixels.spotify.com."""
    s = scenario("guide-csp")
    ctx = spdt_context
    ctx.context.add_init_script(VIOLATIONS_SCRIPT)
    response = ctx.page.goto(s.page_url("landing"))
    assert response is not None
    assert "connect-src 'self' pixel.byspotify.com" in response.headers["content-security-policy"]
    ctx.page.wait_for_function(
        "() => window.__fixtureViolations.some(v => v.directive === 'connect-src')"
    )
    violations = ctx.page.evaluate("window.__fixtureViolations")
    loaded = ctx.page.evaluate("() => !!window.__spdtEmulator")
    assert loaded, "the guide's script-src allows ping.min.js"
    assert {v["directive"] for v in violations} == {"connect-src"}
    assert all(v["blocked"].startswith("https://pixels.spotify.com/") for v in violations)
    assert {v["disposition"] for v in violations} == {"enforce"}


def test_report_only_policy_reports_without_blocking(spdt_context: PixelContext) -> None:
    s = scenario("csp-report-only")
    ctx = spdt_context
    ctx.context.add_init_script(VIOLATIONS_SCRIPT)
    ctx.land(s.page_url("landing"))
    ctx.expect_event("view")
    ctx.page.wait_for_function(
        "() => window.__fixtureViolations.some(v => v.directive === 'connect-src')"
    )
    violations = ctx.page.evaluate("window.__fixtureViolations")
    assert {v["disposition"] for v in violations} == {"report"}
    assert {"script-src-elem", "connect-src"} <= {v["directive"] for v in violations}


def test_consent_gated_loads_the_pixel_only_after_accept(spdt_context: PixelContext) -> None:
    s = scenario("consent-gated-correct")
    ctx = spdt_context
    ctx.land(s.page_url("landing"))
    assert ctx.page.evaluate("() => typeof window.spdt") == "undefined"
    ctx.page.click("#consent-accept")
    ctx.expect_event("view")
    ctx.page.click("#to-product")
    ctx.expect_event("product")  # remembered: the next page loads the pixel at once


def test_spa_router_changes_route_with_push_state(spdt_context: PixelContext) -> None:
    s = scenario("spa-double-view")
    ctx = spdt_context
    ctx.land(s.page_url("app"))
    before = ctx.page.evaluate("history.length")
    ctx.page.click("#route-invoices")
    ctx.page.wait_for_selector("#view[data-route=invoices]")
    assert ctx.page.url == f"{s.page_url('app')}?route=invoices"
    assert ctx.page.evaluate("history.length") == before + 1  # pushState, not a navigation
