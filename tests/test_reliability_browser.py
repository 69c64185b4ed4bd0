"""Spotify slow or down (faults at the mock), in real Chromium: the shop still works, the
emulated pixel never throws into the page, and the rules the auditor runs report the effect."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from fixture_sites import scenario
from harness import Harness
from harness.context import PixelContext
from mock_endpoint.records import Record

pytestmark = pytest.mark.browser


@contextmanager
def faults(lab: Harness, *specs: str) -> Iterator[None]:
    previous = lab.mock.set_faults(specs)
    try:
        yield
    finally:
        lab.mock.set_faults(previous)


def _walk_to_purchase(ctx: PixelContext) -> None:
    shop = scenario("shop-correct")
    ctx.land(shop.page_url("landing"))
    ctx.page.click("#to-product")
    ctx.page.wait_for_load_state("load")
    ctx.page.click("#to-checkout")
    ctx.page.wait_for_load_state("load")
    ctx.page.click("#place-order")
    ctx.page.wait_for_selector("#order-confirmation", timeout=15_000)


def _fault_on_ingest(ctx: PixelContext, lab: Harness) -> Record | None:
    def match(r: Record) -> bool:
        return (
            r.session == ctx.session
            and r.kind == "fault"
            and r.payload["would_be"] in ("ingest", "preflight")
        )

    return lab.mock.wait_for(match, timeout=10)


@pytest.mark.parametrize("spec", ["pixels.spotify.com:5xx:503", "pixels.spotify.com:reset"])
def test_ingest_down_leaves_the_page_working_and_is_reported(
    spdt_harness: Harness, spdt_context: PixelContext, spec: str
) -> None:
    ctx = spdt_context
    with faults(spdt_harness, spec):
        _walk_to_purchase(ctx)
        assert _fault_on_ingest(ctx, spdt_harness) is not None
        findings = ctx.findings()
        timeline = ctx.timeline()
    # The page did its job: every page loaded, the purchase call was made and did not throw.
    purchases = [c for c in timeline.calls if c.command == "purchase"]
    assert purchases
    assert not any(c.threw for c in timeline.calls), [c for c in timeline.calls if c.threw]
    uncaught = [e for e in timeline.errors if e.source == "pageerror"]
    assert uncaught == []
    # Nothing was delivered, and the rules say so (the auditor runs the same rules).
    assert not [r for r in timeline.records if r.kind == "ingest"]
    codes = {f.code for f in findings}
    assert "EVENT_NOT_DELIVERED" in codes, sorted(codes)
    not_delivered = [f.message for f in findings if f.code == "EVENT_NOT_DELIVERED"]
    assert any("spdt('purchase') was called" in m for m in not_delivered), not_delivered


def test_script_host_down_is_script_not_loaded_and_the_shop_still_sells(
    spdt_harness: Harness, spdt_context: PixelContext
) -> None:
    ctx = spdt_context
    with faults(spdt_harness, "pixel.byspotify.com:5xx:502"):
        _walk_to_purchase(ctx)
        findings = ctx.findings()
        timeline = ctx.timeline()
    script_faults = [r for r in timeline.records if r.kind == "fault"]
    assert script_faults
    assert {r.payload["would_be"] for r in script_faults} == {"script"}
    assert [e for e in timeline.errors if e.source == "pageerror"] == []
    assert "SCRIPT_NOT_LOADED" in {f.code for f in findings}


def test_slow_ingest_still_delivers(spdt_harness: Harness, spdt_context: PixelContext) -> None:
    ctx = spdt_context
    with faults(spdt_harness, "pixels.spotify.com:delay:0.5"):
        _walk_to_purchase(ctx)
        purchase = ctx.expect_event("purchase", timeout=15)
        findings = ctx.findings()
    assert purchase.params["order_id"] == "SP-ORD-12345"
    not_delivered = [f.message for f in findings if f.code == "EVENT_NOT_DELIVERED"]
    # on failure: what was said, and what reached the mock and the browser's network
    timeline = ctx.timeline()
    seen = [(r.kind, [e.name for e in r.events], r.answer) for r in timeline.records]
    ingest = [(n.page_url, n.status, n.failure) for n in timeline.network if "ingest" in n.url]
    assert not_delivered == [], (not_delivered, seen, ingest)
