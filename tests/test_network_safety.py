"""Nothing unmapped leaves loopback: the catch-all resolver rule fails it closed."""

from __future__ import annotations

import pytest

from fixture_sites import scenario
from harness.context import PixelContext
from mock_endpoint.records import Record
from mock_endpoint.server import MockEndpoint
from tests.pages import PageServer

pytestmark = pytest.mark.browser


def test_unmapped_host_fails_closed_and_unload_beacon_reaches_the_mock(
    spdt_context: PixelContext,
) -> None:
    shop = scenario("shop-correct")
    ctx = spdt_context
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
    # Chromium sends unload beacons without the context's User-Agent override or extra
    # headers; the mock still files it under this context's session through the device id
    # seen earlier (in exactly one session).
    arrived = ctx.mock.wait_for(
        lambda r: any(e.name == "unload_probe" for e in r.events), timeout=10
    )
    assert arrived is not None, "the unload beacon never reached the mock"
    assert arrived.session == ctx.session, (
        f"filed under {arrived.session!r}, not {ctx.session!r}; "
        f"user agent {arrived.user_agent!r}; events {arrived.events}"
    )


# One name of each Spotify-owned family, and the legacy loader's names: all end at the mock.
GUARDED = (
    "open.spotify.com",
    "spotify.com",
    "www.byspotify.com",
    "cdn.pdst.fm",
    "ping.pdst.fm",
    "podsights.com",
    "www.podsights.com",
)
PROBE_PAGE = """<!doctype html><html><body><script>
window.probe = async (hosts) => {
  for (const h of hosts) {
    try { await fetch('https://' + h + '/probe-fetch', {mode: 'no-cors'}); } catch (e) {}
    await new Promise((done) => {
      const i = new Image(); i.onload = i.onerror = done; i.src = 'https://' + h + '/probe-image';
    });
    await new Promise((done) => {
      const f = document.createElement('iframe'); f.onload = done; setTimeout(done, 3000);
      f.src = 'https://' + h + '/probe-iframe'; document.body.appendChild(f);
    });
    await new Promise((done) => {
      const s = new WebSocket('wss://' + h + '/probe-ws');
      s.onopen = s.onerror = s.onclose = () => done(); setTimeout(done, 3000);
    });
  }
  addEventListener('pagehide', () => {
    for (const h of hosts) { navigator.sendBeacon('https://' + h + '/probe-unload', 'x'); }
  });
};
</script></body></html>"""


def test_every_spotify_owned_name_ends_at_the_mock_for_every_kind_of_request(
    spdt_context: PixelContext, page_server: PageServer
) -> None:
    url = page_server.serve(PROBE_PAGE)
    ctx = spdt_context
    failed: dict[str, str] = {}
    ctx.page.on("requestfailed", lambda r: failed.__setitem__(r.url, r.failure or ""))
    ctx.goto(url)
    ctx.page.evaluate("(hosts) => window.probe(hosts)", list(GUARDED))
    after = ctx.mock.store.last_id()
    ctx.goto(page_server.serve("<p>next</p>"))
    for host in GUARDED:

        def unloaded(r: Record, h: str = host) -> bool:
            return r.host == h and r.path == "/probe-unload"

        unload = ctx.mock.wait_for(unloaded, 10, after_id=after)
        assert unload is not None, f"the unload beacon to {host} never reached the mock"
    records = ctx.mock.records()
    for host in GUARDED:
        seen = {r.path: r for r in records if r.host == host and r.path.startswith("/probe-")}
        assert set(seen) == {
            "/probe-fetch",
            "/probe-image",
            "/probe-iframe",
            "/probe-ws",
            "/probe-unload",
        }, (host, sorted(seen))
        for path, record in seen.items():
            assert (record.kind, record.status) == ("unknown", 404), (host, path)
            assert [f.code for f in record.findings] == ["UNKNOWN_ENDPOINT"]
            assert "not emulated" in record.findings[0].message
            if path != "/probe-unload":
                assert record.session == ctx.session, (host, path, record.session)
    assert not [u for u, why in failed.items() if "NAME_NOT_RESOLVED" in why], failed


@pytest.mark.spdt(script="live", sites=False)
def test_with_the_live_script_only_its_download_may_go_out(
    spdt_context: PixelContext, spdt_mock: MockEndpoint, page_server: PageServer
) -> None:
    """Any request to pixel.byspotify.com but the script download is refused in the browser;
    every other Spotify name still ends at the mock. (The download itself is not attempted: a
    test never reaches the network.)"""
    url = page_server.serve("<p>live</p>")
    ctx = spdt_context
    failed: dict[str, str] = {}
    ctx.page.on("requestfailed", lambda r: failed.__setitem__(r.url, r.failure or ""))
    ctx.goto(url)
    ctx.page.evaluate(
        """async () => {
            const post = {method: 'POST', mode: 'no-cors', body: 'x'};
            for (const [u, init] of [['https://pixel.byspotify.com/other', {mode: 'no-cors'}],
                                     ['https://pixel.byspotify.com/ping.min.js', post],
                                     ['https://img.byspotify.com/live-probe', {}]]) {
                try { await fetch(u, init); } catch (e) {}
            }
        }"""
    )
    probe = spdt_mock.wait_for(lambda r: r.path == "/live-probe", 10)
    assert probe is not None
    assert probe.session == ctx.session
    assert failed.get("https://pixel.byspotify.com/other", "").startswith(
        "net::ERR_BLOCKED_BY_CLIENT"
    ), failed
    assert (
        len([u for u, why in failed.items() if why.startswith("net::ERR_BLOCKED_BY_CLIENT")]) == 2
    )
    assert not [r for r in spdt_mock.records(ctx.session) if r.host == "pixel.byspotify.com"]
