"""Every way a page can reach a control path ends at the mock's refusal, in real Chromium: each
attempt is recorded in the page's own session, nothing is removed, and the control listener is
out of the page's reach (its certificate is not one the browser trusts, and it needs the token)."""

from __future__ import annotations

import pytest

from harness import Harness
from tests.pages import PageServer

pytestmark = pytest.mark.browser

RESET = "https://pixels.spotify.com/__spdt/reset"
WAYS = ("fetch", "beacon", "form", "image", "iframe", "redirect", "ws", "prefetch")


def _page(page_server: PageServer) -> str:
    redirect = page_server.serve(
        f'<meta http-equiv="refresh" content="0; url={RESET}?via=redirect">'
    )
    return page_server.serve(
        f"""<!doctype html><html><head>
<link rel="prefetch" href="https://pixels.spotify.com/__spdt/records?via=prefetch">
</head><body>
<img src="https://img.byspotify.com/__spdt/reset?via=image">
<iframe src="https://pixel.byspotify.com/__spdt/?via=iframe"></iframe>
<iframe src="{redirect}"></iframe>
<iframe name="sink"></iframe>
<form id="f" method="POST" action="{RESET}?via=form" target="sink"></form>
<script>
window.attack = () => {{
  fetch('{RESET}?via=fetch', {{method: 'POST', mode: 'no-cors'}}).catch(() => {{}});
  navigator.sendBeacon('{RESET}?via=beacon');
  try {{ new WebSocket('wss://pixels.spotify.com/__spdt/stream?via=ws'); }} catch (e) {{}}
  document.getElementById('f').submit();
}};
window.direct = async (url) => {{
  try {{ await fetch(url, {{method: 'POST', mode: 'no-cors'}}); return 'reached'; }}
  catch (e) {{ return 'failed'; }}
}};
</script></body></html>"""
    )


def test_every_way_to_a_control_path_is_refused_and_recorded(
    spdt_harness: Harness, page_server: PageServer
) -> None:
    mock = spdt_harness.mock
    url = _page(page_server)
    with spdt_harness.new_context() as victim, spdt_harness.new_context() as hostile:
        victim.page.goto(page_server.serve("<p>victim</p>"))
        victim.page.evaluate(
            "() => navigator.sendBeacon('https://pixels.spotify.com/v1/ingest', JSON.stringify("
            "{batch: [{pid: 'k', events: [{action: 'victim_probe', body: {}}]}]}))"
        )
        victim.expect_event("victim_probe", timeout=10)
        before = [r.id for r in mock.records(victim.session)]
        total = mock.summary().total
        hostile.goto(url)
        hostile.page.evaluate("() => window.attack()")

        def ways() -> set[str]:
            return {
                r.query.get("via", "")
                for r in mock.records(hostile.session)
                if r.kind == "tampering"
            }

        for _ in range(100):
            if ways() >= set(WAYS):
                break
            hostile.page.wait_for_timeout(100)
        assert ways() >= set(WAYS), sorted(ways())
        # the control listener itself: an untrusted certificate, and no token
        assert hostile.page.evaluate("(u) => window.direct(u)", mock.control_url + "reset") == (
            "failed"
        )
        assert [r.id for r in mock.records(victim.session)] == before  # nothing removed
        assert mock.summary().total >= total + len(WAYS)
        for record in mock.records(hostile.session):
            if record.kind == "tampering":
                assert record.status == 404
                assert [f.code for f in record.findings] == ["CONTROL_PATH_REFUSED"]
