"""The shop end to end: land with a click id, walk to the thank-you page, see the purchase."""

from __future__ import annotations

import re

import pytest

from fixture_sites import scenario
from harness.assertions.matching import EventMatcher
from harness.context import PixelContext
from mock_endpoint.records import PixelEvent

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "param",
    [pytest.param(p, marks=pytest.mark.spdt(click_id_param=p)) for p in ("spclid", "sp_click_id")],
)
def test_shop_purchase_carries_the_click_id(spdt_context: PixelContext, param: str) -> None:
    shop = scenario("shop-correct")
    click_id = f"e2e-{param}-4242"
    ctx = spdt_context
    landing = ctx.land(shop.page_url("landing"), click_id=click_id)
    assert landing.final_url.endswith(f"?{param}={click_id}")
    ctx.expect_event("view", click_id=click_id)

    # persisted first-party as the live pixel does (sessionStorage click_id for the tab
    # session), read back from the browser itself; no click id cookie in live mode
    cookies = {c["name"]: c for c in ctx.cookies()}
    assert ctx.storage()["session"].get("click_id") == click_id
    assert [c["name"] for c in cookies.values() if c["value"] == click_id] == []
    device = cookies["__spdt"]
    assert len(device["value"]) == 32
    assert re.fullmatch("[0-9a-f]{32}", device["value"]), device["value"]

    ctx.page.click("#to-product")
    ctx.page.click("#to-checkout")
    ctx.page.click("#place-order")
    purchase = ctx.expect_event(
        "purchase", value=79.99, currency="USD", order_id="SP-ORD-12345", click_id=click_id
    )
    assert purchase.url is not None
    assert purchase.url.startswith(shop.page_url("thanks"))
    assert purchase.device_id == device["value"]
    assert purchase.key == shop.vars["key"]

    # what the mock recorded for this session, and nothing of anyone else's
    records = ctx.records()
    assert {r.session for r in records} == {ctx.session}
    kinds = {r.kind for r in records}
    assert {"script", "ingest"} <= kinds
    ingest_events = [e.name for r in records if r.kind == "ingest" for e in r.events]
    assert ingest_events.count("purchase") == 1
    assert ctx.expect_click_id_persisted(click_id)


def test_near_miss_message_names_the_differing_field(spdt_context: PixelContext) -> None:
    shop = scenario("shop-correct")
    ctx = spdt_context
    ctx.land(shop.page_url("thanks"), click_id="nm-1")
    ctx.expect_event("purchase")
    with pytest.raises(AssertionError) as failure:
        ctx.expect_event("purchase", value="79,99", currency="USD", timeout=0.3)
    assert str(failure.value).splitlines()[:2] == [
        "expected purchase value='79,99' currency='USD'; saw 1 purchase:",
        "  - value 79.99 (float) ≠ '79,99'",
    ]


def test_numbers_sent_as_strings_match_the_number_and_misses_show_the_string(
    spdt_context: PixelContext,
) -> None:
    quoted = scenario("spotify-quoted-numbers")  # value '133.55', quantity '3', as Spotify writes
    ctx = spdt_context
    ctx.land(quoted.page_url("thanks"), click_id="qn-1")
    purchase = ctx.expect_event("purchase", value=133.55, quantity=3)
    assert (purchase.params["value"], purchase.params["quantity"]) == ("133.55", "3")
    with pytest.raises(AssertionError) as failure:
        ctx.expect_event("purchase", value=133.5, is_new_customer=True, timeout=0.3)
    assert str(failure.value).splitlines()[:2] == [
        "expected purchase value=133.5 is_new_customer=True; saw 1 purchase:",
        "  - value '133.55' (str) ≠ 133.5, is_new_customer 'true' (str) ≠ True",
    ]


def test_only_documented_numbers_that_parse_cleanly_match_as_numbers() -> None:
    def event(**params: object) -> PixelEvent:
        return PixelEvent("purchase", None, params=dict(params))

    assert EventMatcher("purchase", {"value": 79.99}).matches(event(value="79.99"))
    assert EventMatcher("purchase", {"value": 80}).matches(event(value="80"))
    assert EventMatcher("purchase", {"quantity": 3}).matches(event(quantity="3"))
    assert EventMatcher("purchase", {"value": 79.99}).differences(event(value="79,99")) == [
        "value '79,99' (str) ≠ 79.99"
    ]
    assert not EventMatcher("purchase", {"quantity": 3}).matches(event(quantity="3.0"))
    assert not EventMatcher("purchase", {"order_id": 12}).matches(event(order_id="12"))
    assert not EventMatcher("purchase", {"total": 5}).matches(event(total="5"))  # undocumented
    assert not EventMatcher("purchase", {"value": "79.99"}).matches(event(value=79.99))


@pytest.mark.spdt(click_id_storage="guide")
def test_expect_cookie_matches_attributes_and_explains_misses(spdt_context: PixelContext) -> None:
    shop = scenario("shop-correct")
    # guide storage: the emulated pixel keeps the click id in a cookie too (docs/emulator.md)
    ctx = spdt_context
    ctx.land(shop.page_url("landing"), click_id="cookie-1")
    device = ctx.expect_cookie(
        "__spdt", domain="shop.test", path="/", secure=True, same_site="Lax", min_days=300
    )
    assert len(device["value"]) == 32
    ctx.expect_cookie("_spdt_click_id", value="cookie-1")
    with pytest.raises(AssertionError) as wrong:
        ctx.expect_cookie("__spdt", same_site="Strict", max_days=30, timeout=0.2)
    with pytest.raises(AssertionError) as missing:
        ctx.expect_cookie("_fbp", timeout=0.2)
    lines = str(wrong.value).splitlines()
    assert lines[0] == "expected cookie __spdt same_site='Strict' max_days=30; saw 1 __spdt:"
    assert lines[1].startswith("  - same_site 'Lax' ≠ 'Strict', lifetime 36")
    assert lines[1].endswith("days > 30 days")
    assert str(missing.value).startswith("expected cookie _fbp; no cookie named _fbp (cookies: ")
    assert "__spdt" in str(missing.value)
