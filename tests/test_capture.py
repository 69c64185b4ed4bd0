"""The capture layer records spdt calls without changing what the page does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness import Harness, PixelContext
from tests.pages import PageServer

pytestmark = pytest.mark.browser

OFFICIAL_STUB = """
(function(w, d){
  var id='spdt-capture', n='script';
  if (!d.getElementById(id)) {
    w.spdt = w.spdt || function() { (w.spdt.q = w.spdt.q || []).push(arguments); };
  }
  w.spdt('conf', { key: 'k' });
  w.spdt('view');
})(window, document);
"""
PROBE = """() => ({
  type: typeof window.spdt,
  queued: window.spdt && window.spdt.q ? window.spdt.q.length : null,
  same: window.spdt === window.spdt,
  firstCommand: window.spdt && window.spdt.q ? window.spdt.q[0][0] : null,
})"""


def _page(script: str) -> str:
    return f"<!doctype html><html><head><script>{script}</script></head><body>x</body></html>"


@pytest.fixture(params=[True, False], ids=["captured", "bare"])
def ctx(request: pytest.FixtureRequest, spdt_harness: Harness) -> Iterator[PixelContext]:
    """The same checks run with and without the capture: the page must not tell."""
    with spdt_harness.new_context(capture=request.param) as context:
        yield context


def test_official_stub_behaves_the_same(ctx: PixelContext, page_server: PageServer) -> None:
    ctx.goto(page_server.serve(_page(OFFICIAL_STUB)))
    assert ctx.page.evaluate(PROBE) == {
        "type": "function",
        "queued": 2,
        "same": True,
        "firstCommand": "conf",
    }


def test_object_stub_stays_uncallable(ctx: PixelContext, page_server: PageServer) -> None:
    errors: list[str] = []
    ctx.page.on("pageerror", lambda e: errors.append(str(e)))
    ctx.goto(
        page_server.serve(_page("window.spdt = window.spdt || {_q: []}; spdt('conf', {key: 'k'});"))
    )
    assert ctx.page.evaluate("typeof window.spdt") == "object"
    assert any("spdt is not a function" in e for e in errors)


def test_errors_thrown_by_spdt_propagate(ctx: PixelContext, page_server: PageServer) -> None:
    ctx.goto(
        page_server.serve(
            _page(
                "window.spdt = function(){ throw new RangeError('boom'); };"
                "try { spdt('view'); window.caught = 'no'; } catch (e) { window.caught = e.name; }"
            )
        )
    )
    assert ctx.page.evaluate("window.caught") == "RangeError"


def test_calls_assignments_and_errors_are_recorded(
    spdt_harness: Harness, page_server: PageServer
) -> None:
    url = page_server.serve(
        _page(
            OFFICIAL_STUB
            + "spdt('purchase', {value: 1.5, currency: 'EUR', f: function(){}});"
            + "window.other = {}; window.other.x();"
        ),
        headers={"X-Probe": "1"},
    )
    with spdt_harness.new_context() as ctx:
        ctx.goto(url)
        ctx.snapshot()
        timeline = ctx.timeline()
    commands = [(c.command, c.args) for c in timeline.calls]
    assert commands == [
        ("conf", ({"key": "k"},)),
        ("view", ()),
        ("purchase", ({"value": 1.5, "currency": "EUR", "f": {"__function__": True}},)),
    ]
    assert [a.type for a in timeline.assignments] == ["function"]
    assert any("window.other.x is not a function" in e.message for e in timeline.errors)
    assert timeline.pages[0].url == url
    assert timeline.pages[0].headers["x-probe"] == "1"
    assert "spdt-capture" in timeline.pages[0].html
    assert timeline.storage


def test_csp_violations_are_recorded(spdt_harness: Harness, page_server: PageServer) -> None:
    url = page_server.serve(
        _page("fetch('https://pixels.spotify.com/v1/ingest', {method: 'POST'}).catch(() => {});"),
        headers={
            "Content-Security-Policy": "connect-src 'self'",
            "Content-Security-Policy-Report-Only": "img-src 'none'",
        },
    )
    with spdt_harness.new_context() as ctx:
        ctx.goto(url)
        ctx.page.evaluate("new Image().src = 'https://img.byspotify.com/?key=k&a=init'")
        ctx.mock.wait_for(lambda r: r.session == ctx.session and r.host == "img.byspotify.com")
        ctx.settle()
        timeline = ctx.timeline()
    seen = {(v.directive, v.disposition) for v in timeline.violations}
    assert ("connect-src", "enforce") in seen
    assert ("img-src", "report") in seen
    # the enforced policy really blocked the request: it never reached the mock
    assert not [r for r in timeline.records if r.host == "pixels.spotify.com"]
    # the report-only one did not: the image reached the mock
    assert [r for r in timeline.records if r.host == "img.byspotify.com"]
