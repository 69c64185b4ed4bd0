"""The capture layer records spdt calls without changing what the page does."""

from __future__ import annotations

import pytest

from fixture_sites.catalogue import load_catalogue
from harness import PixelContext
from harness.capture.initiator import describe
from harness.capture.timeline import Timeline
from harness.rules import AuditFinding, RuleConfig, evaluate
from harness.rules.redaction import redact
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
def ctx(request: pytest.FixtureRequest) -> PixelContext:
    """The same checks run with and without the capture: the page must not tell."""
    request.node.add_marker(pytest.mark.spdt(capture=request.param))
    context: PixelContext = request.getfixturevalue("spdt_context")
    return context


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
    spdt_context: PixelContext, page_server: PageServer
) -> None:
    url = page_server.serve(
        _page(
            OFFICIAL_STUB
            + "spdt('purchase', {value: 1.5, currency: 'EUR', f: function(){}});"
            + "window.other = {}; window.other.x();"
        ),
        headers={"X-Probe": "1"},
    )
    ctx = spdt_context
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


def test_csp_violations_are_recorded(spdt_context: PixelContext, page_server: PageServer) -> None:
    url = page_server.serve(
        _page("fetch('https://pixels.spotify.com/v1/ingest', {method: 'POST'}).catch(() => {});"),
        headers={
            "Content-Security-Policy": "connect-src 'self'",
            "Content-Security-Policy-Report-Only": "img-src 'none'",
        },
    )
    ctx = spdt_context
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


# -- who loaded it ------------------------------------------------------------------------------

CATALOGUE = load_catalogue()


def _line_of(timeline: Timeline, text: str, *, page: int = 0) -> int:
    """The 1-based line of the served document holding ``text`` (the first such line)."""
    lines = timeline.pages[page].html.splitlines()
    return 1 + next(i for i, line in enumerate(lines) if text in line)


def _only(timeline: Timeline, code: str) -> AuditFinding:
    (finding,) = [f for f in evaluate(timeline, RuleConfig()) if f.code == code]
    return finding


def test_stacks_at_call_time_name_the_inline_script_and_its_line(
    spdt_context: PixelContext, page_server: PageServer
) -> None:
    url = page_server.serve(
        "<!doctype html>\n<html><head>\n<script>\n"
        "window.spdt = function () {};\n"
        "spdt('conf', {key: 'k'});\n"
        "</script></head><body>x</body></html>"
    )
    ctx = spdt_context
    ctx.goto(url)
    timeline = ctx.timeline()
    (conf,) = timeline.calls
    assert describe(conf.initiator, conf.page_url) == f"inline script at line 5 of {url}"
    (stub,) = timeline.assignments
    assert describe(stub.initiator, stub.page_url) == f"inline script at line 4 of {url}"


def test_the_capture_never_runs_the_pages_stack_formatter(
    ctx: PixelContext, page_server: PageServer
) -> None:
    # A page's own Error.prepareStackTrace (source-map-support and the like) must not run
    # because the capture looked at a stack: the page would see calls it never made.
    ctx.goto(
        page_server.serve(
            _page(
                "window.formatted = 0;"
                "Error.prepareStackTrace = function () { window.formatted++; return 'mine'; };"
                + OFFICIAL_STUB
            )
        )
    )
    assert ctx.page.evaluate("window.formatted") == 0
    if ctx.recorder is not None:
        assert [c.initiator for c in ctx.timeline().calls] == [None, None]


def test_duplicate_base_code_names_the_inline_copy_and_the_tag_manager_copy(
    spdt_context: PixelContext,
) -> None:
    scenario = CATALOGUE["tag-manager-and-inline"]
    container = f"{scenario.entry_url}/container.js"
    ctx = spdt_context
    landing = ctx.land(scenario.entry_url)
    ctx.page.wait_for_selector("html[data-tag-manager=fired]", state="attached")
    ctx.settle()
    timeline = ctx.timeline()
    assert landing.click_id is not None
    shown = f"{scenario.entry_url}?{landing.param}={redact(landing.click_id)}"
    conf_line = _line_of(timeline, "w.spdt('conf'")
    evidence = _only(timeline, "DUPLICATE_BASE_CODE").evidence
    assert f"spdt('conf') called from inline script at line {conf_line} of {shown}" in evidence
    assert (
        f"spdt('conf') called from a script inserted by {container} (a tag manager container)"
        in evidence
    )
    # the requests: the container's <script> tag, and the one ping.min.js the inline copy
    # asked for (the second copy finds the spdt-capture guard and loads nothing)
    page = landing.final_url
    requested = {
        n.url: describe(n.initiator, n.page_url)
        for n in timeline.network
        if n.url in (container, "https://pixel.byspotify.com/ping.min.js")
    }
    assert requested == {
        container: f"a <script> tag at line {_line_of(timeline, '/container.js')} of {page}",
        "https://pixel.byspotify.com/ping.min.js": (
            f"inline script at line {_line_of(timeline, 'insertBefore(e, s)')} of {page}"
        ),
    }
    (stub,) = [a for a in timeline.assignments if a.generation == 1]
    assert describe(stub.initiator, page) == (
        f"inline script at line {_line_of(timeline, 'w.spdt =')} of {page}"
    )


def test_a_purchase_sent_by_two_tags_names_both(spdt_context: PixelContext) -> None:
    scenario = CATALOGUE["purchase-two-tags"]
    thanks = scenario.page_url("thanks")
    ctx = spdt_context
    ctx.goto(thanks)
    ctx.page.wait_for_selector("html[data-tag-manager=fired]", state="attached")
    ctx.settle()
    timeline = ctx.timeline()
    evidence = _only(timeline, "DUPLICATE_EVENT").evidence
    line = _line_of(timeline, 'spdt("purchase"')
    assert evidence[-2:] == (
        f"spdt('purchase') called from inline script at line {line} of {thanks}",
        f"spdt('purchase') called from {thanks}/container.js (a tag manager container)",
    )
