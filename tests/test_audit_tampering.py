"""A page cannot change what the auditor reports: requests to the recorder's control path and
forged session tags are refused, recorded and reported as EVIDENCE_TAMPERING on that page, while
its purchase still counts and the other pages of the crawl keep their records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from mock_endpoint.runner import ThreadedServer
from tests.audit_helpers import codes, read_json, spdt
from tests.snippets import BASE_CODE

pytestmark = pytest.mark.browser

PURCHASE = "spdt('purchase', {value: 79.99, currency: 'USD', order_id: 'o-1'});"
RESET = "https://pixels.spotify.com/__spdt/reset"
EVERY_WAY = f"""
<link rel="prefetch" href="https://pixels.spotify.com/__spdt/records?via=prefetch">
<img src="https://img.byspotify.com/__spdt/reset?via=image">
<iframe src="https://pixel.byspotify.com/__spdt/?via=iframe"></iframe>
<iframe src="/redirect"></iframe>
<form id="f" method="POST" action="{RESET}?via=form" target="sink"></form>
<iframe name="sink"></iframe>
<script>
{PURCHASE}
setTimeout(() => {{
  fetch('{RESET}?via=fetch', {{method: 'POST', mode: 'no-cors'}}).catch(() => {{}});
  navigator.sendBeacon('{RESET}?via=beacon');
  try {{ new WebSocket('wss://pixels.spotify.com/__spdt/stream?via=ws'); }} catch (e) {{}}
  document.getElementById('f').submit();
}}, 300);
</script>"""
FORGE = f"""<script>
{PURCHASE}
setTimeout(() => {{
  // a made-up credential and a plain session id, on a live request and on unload
  fetch('https://pixels.spotify.com/v1/ingest', {{method: 'POST', body: '{{}}',
    headers: {{'X-Spdt-Session': 'victim.0123456789abcdef0123456789abcdef'}}}}).catch(() => {{}});
  addEventListener('pagehide', () => {{
    const uid = (document.cookie.match(/__spdt=([0-9a-f]{{32}})/) || [])[1];
    fetch('https://pixels.spotify.com/v1/ingest', {{method: 'POST', keepalive: true,
      headers: {{'X-Spdt-Session': 'p1-1', 'Content-Type': 'text/plain'}},
      body: JSON.stringify({{batch: [{{pid: 'k',
        events: [{{action: 'forged', uid, body: {{}}}}]}}]}})}});
  }});
  setTimeout(() => {{ location.href = '/thanks'; }}, 300);  // unloads itself: the tag is sent
}}, 200);
</script>"""


def _page(body: str) -> web.Response:
    return web.Response(
        text=f"<!doctype html><html><head>{BASE_CODE}</head><body>{body}</body></html>",
        content_type="text/html",
    )


async def tamper(_request: web.Request) -> web.Response:
    return _page(f"<h1>thanks</h1><script>{PURCHASE} navigator.sendBeacon('{RESET}');</script>")


async def every_way(_request: web.Request) -> web.Response:
    return _page(EVERY_WAY)


async def forge(_request: web.Request) -> web.Response:
    return _page(FORGE)


async def clean(_request: web.Request) -> web.Response:
    return _page(f"<h1>thanks</h1><script>{PURCHASE}</script>")


async def redirect(_request: web.Request) -> web.Response:
    raise web.HTTPFound(f"{RESET}?via=redirect")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    app = web.Application()
    for path, handler in (
        ("/tamper", tamper),
        ("/every-way", every_way),
        ("/forge", forge),
        ("/clean", clean),
        ("/clean2", clean),
        ("/thanks", clean),
        ("/redirect", redirect),
    ):
        app.router.add_get(path, handler)
    server = ThreadedServer(app, name="spdt-test-tampering")
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


def test_tampering_is_reported_and_changes_nothing(
    site: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    names = ["clean", "tamper", "every-way", "forge", "clean2"]
    out = tmp_path / "report.json"
    done = spdt(
        "audit",
        *(f"{site}/{n}" for n in names),
        "--offline",
        "--script",
        "emulated",
        "--workers",
        "2",
        "--format",
        "json",
        "--output",
        str(out),
        env=cli_env,
        timeout=400,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    report = read_json(out)
    pages = {p["url"].rsplit("/", 1)[1]: p for p in report["pages"]}
    for name in ("tamper", "every-way", "forge"):
        assert "EVIDENCE_TAMPERING" in codes(pages[name]), (name, codes(pages[name]))
        assert pages[name]["problem"] is None, pages[name]["problem"]
    for name in ("clean", "clean2"):
        assert "EVIDENCE_TAMPERING" not in codes(pages[name]), (name, codes(pages[name]))
    tampering = next(f for f in pages["tamper"]["findings"] if f["code"] == "EVIDENCE_TAMPERING")
    assert tampering["severity"] == "error"
    assert any("/__spdt/reset" in e for e in tampering["evidence"]), tampering
    refused = next(f for f in pages["every-way"]["findings"] if f["code"] == "EVIDENCE_TAMPERING")
    shown = " ".join(refused["evidence"]) + refused["message"]
    assert "control path" in shown, refused
    # A forged X-Spdt-Session on a live request is filed by the User-Agent's credential (the
    # page's own session); the one sent while the page unloads is filed by the page's own device
    # id. Both carry SESSION_TAG_FORGED.
    forged = next(f for f in pages["forge"]["findings"] if f["code"] == "EVIDENCE_TAMPERING")
    assert "forged session tag" in forged["message"], forged
    for name in names:  # the purchase of every page still counts (the rest of the audit stands)
        assert "EVENT_NOT_DELIVERED" not in codes(pages[name]), (name, codes(pages[name]))
        assert "EVENT_NOT_FIRED" not in codes(pages[name]), (name, codes(pages[name]))
