"""No connection leaves loopback (extends tests/test_network_safety.py): a page that tries every
way out — fetch, an image, an iframe, a WebSocket, a beacon, preconnect, IP literals (v4 and v6),
— gets each one refused before a socket is opened, while every
Spotify host it uses ends at the mock. ``net::ERR_NAME_NOT_RESOLVED`` is the proof: the resolver
rule failed it closed; a connection attempt would fail with a connect error instead."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from harness.context import PixelContext
from tests.pages import PageServer

pytestmark = pytest.mark.browser

OUTSIDE = (
    "https://example.com/leak",
    "http://93.184.216.34/leak",
    "https://[2606:2800:220:1:248:1893:25c8:1946]/leak",
    "https://evil.test:8443/leak",
)
PAGE = """<!doctype html><html><head>
<link rel="preconnect" href="https://preconnect.example.org">
<link rel="dns-prefetch" href="https://prefetch.example.org">
</head><body>
<img id="img" src="https://img.example.net/pixel.gif">
<iframe src="https://frame.example.net/"></iframe>
<script>
window.outcomes = {};
window.tryAll = async (urls) => {
  const results = await Promise.all(urls.map(async (u) => {
    try { await fetch(u, {mode: 'no-cors'}); return [u, 'reached']; }
    catch (e) { return [u, 'failed']; }
  }));
  const ws = await new Promise((done) => {
    const s = new WebSocket('wss://socket.example.net/');
    s.onopen = () => done('reached'); s.onerror = () => done('failed');
  });
  return {fetches: Object.fromEntries(results), ws};
};
</script></body></html>"""


def _is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1") or url.startswith(("data:", "about:"))


def test_every_way_out_fails_closed_and_spotify_hosts_end_at_the_mock(
    spdt_context: PixelContext, page_server: PageServer
) -> None:
    url = page_server.serve(PAGE)
    ctx = spdt_context
    failed: dict[str, str] = {}
    finished: list[str] = []
    ctx.page.on("requestfailed", lambda r: failed.__setitem__(r.url, r.failure or ""))
    ctx.page.on("requestfinished", lambda r: finished.append(r.url))
    ctx.goto(url)
    outcome: dict[str, Any] = ctx.page.evaluate("(urls) => window.tryAll(urls)", list(OUTSIDE))
    assert set(outcome["fetches"].values()) == {"failed"}, outcome
    assert outcome["ws"] == "failed"
    with ctx.page.expect_event(
        "requestfailed", predicate=lambda r: "beacon.example.org" in r.url, timeout=10_000
    ):
        queued = ctx.page.evaluate(
            "() => navigator.sendBeacon('https://beacon.example.org/b', 'x')"
        )
    assert queued is True
    # A Spotify host the mock emulates is reached (recorded), over the same browser.
    ctx.page.evaluate(
        "() => navigator.sendBeacon('https://pixels.spotify.com/v1/ingest', JSON.stringify("
        "{batch: [{pid: 'k', events: [{action: 'safety_probe', body: {}}]}]}))"
    )
    ctx.expect_event("safety_probe", timeout=10)
    for target in (*OUTSIDE, "https://img.example.net/pixel.gif", "https://frame.example.net/"):
        assert failed.get(target) == "net::ERR_NAME_NOT_RESOLVED", (target, failed)
    assert failed["https://beacon.example.org/b"] == "net::ERR_NAME_NOT_RESOLVED"
    leaked = [
        u for u in finished if not _is_local(u) and urlsplit(u).hostname != "pixels.spotify.com"
    ]
    assert leaked == []
    outside_failures = {u: f for u, f in failed.items() if not _is_local(u)}
    assert set(outside_failures.values()) == {"net::ERR_NAME_NOT_RESOLVED"}, outside_failures
