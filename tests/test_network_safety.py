"""Nothing unmapped leaves loopback: the catch-all resolver rule fails it closed."""

from __future__ import annotations

import pytest

from fixture_sites import scenario
from harness import Harness

pytestmark = pytest.mark.browser


def test_unmapped_host_fails_closed_and_unload_beacon_reaches_the_mock(
    spdt_harness: Harness,
) -> None:
    shop = scenario("shop-correct")
    with spdt_harness.new_context() as ctx:
        ctx.land(shop.page_url("landing"))
        outcome = ctx.page.evaluate(
            """async () => {
                try { await fetch('https://example.com/leak'); return 'reached'; }
                catch (e) { return 'failed: ' + e.message; }
            }"""
        )
        assert outcome.startswith("failed")
        ctx.page.evaluate(
            """() => addEventListener('pagehide', () => {
                const uid = document.cookie.match(/__spdt=([0-9a-f]{32})/)[1];
                navigator.sendBeacon('https://pixels.spotify.com/v1/ingest', JSON.stringify(
                    {batch: [{pid: 'k', events: [{action: 'unload_probe', uid, body: {}}]}]}));
            })"""
        )
        ctx.goto(shop.page_url("product"))
        # Chromium sends unload beacons without the context's User-Agent override; the mock
        # still files it under this context's session through the device id seen earlier.
        arrived = ctx.mock.wait_for(
            lambda r: any(e.name == "unload_probe" for e in r.events), timeout=10
        )
        assert arrived is not None, "the unload beacon never reached the mock"
        assert arrived.session == ctx.session, (
            f"filed under {arrived.session!r}, not {ctx.session!r}; "
            f"user agent {arrived.user_agent!r}; events {arrived.events}"
        )
