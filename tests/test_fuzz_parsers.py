"""Hypothesis over the parsers and the rule engine, beyond tests/test_csp.py and test_rules.py:
grammar-built CSP policies, any YAML/JSON journey, and whole random timelines (network,
violations, errors, storage, assignments, a JavaScript-disabled run, realistic base code).
Each must answer or raise its one documented error, never anything else."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.capture.timeline import (
    Cookie,
    CspViolation,
    LandingInfo,
    NetworkEvent,
    PageError,
    PageLoad,
    SpdtAssignment,
    SpdtCall,
    StorageSnapshot,
    Timeline,
)
from harness.csp.policy import (
    allows,
    allows_inline_script,
    meta_policies,
    page_policies,
    parse_policy,
    source_matches,
)
from harness.errors import UsageError
from harness.flows.journey import VERBS, Journey, parse_journey
from harness.rules import RULES, RuleConfig, evaluate
from mock_endpoint.records import PixelEvent, Record, ValidationFinding

KEY = "0123456789abcdef0123456789abcdef"
INGEST = "https://pixels.spotify.com/v1/ingest"
# `make soak` raises the example counts (SPDT_FUZZ_EXAMPLES); `make test` keeps them modest.
EXAMPLES = int(os.environ.get("SPDT_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=EXAMPLES or 80, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# -- CSP: policies built from the grammar, so that every branch of the matcher is reached -----
_schemes = st.sampled_from(["", "https://", "http://", "wss://", "data:", "blob:", "HTTPS://"])
_hosts = st.sampled_from(
    [
        "pixel.byspotify.com",
        "*.spotify.com",
        "*.byspotify.com",
        "*",
        "spotify.com",
        "[::1]",
        "127.0.0.1",
        "xn--bcher-kva.test",
        "b\u00fccher.test",
        "*.",
        ".",
        "a..b",
    ]
)
_ports = st.sampled_from(["", ":443", ":*", ":0", ":65536", ":abc", ":"])
_paths = st.sampled_from(["", "/", "/ping.min.js", "/v1/", "/%2F", "/a;b", "/\u00e9"])
_keywords = st.sampled_from(
    [
        "'self'",
        "'none'",
        "'unsafe-inline'",
        "'strict-dynamic'",
        "'nonce-abc'",
        "'nonce-'",
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
        "'sha999-x'",
        "'report-sample'",
        "'unsafe-hashes'",
    ]
)
_source = st.one_of(
    _keywords, st.builds(lambda a, b, c, d: a + b + c + d, _schemes, _hosts, _ports, _paths)
)
_directive = st.sampled_from(
    [
        "default-src",
        "script-src",
        "script-src-elem",
        "connect-src",
        "img-src",
        "SCRIPT-SRC",
        "report-uri",
        "sandbox",
        "upgrade-insecure-requests",
        "frame-ancestors",
    ]
)
_policy = st.lists(
    st.builds(lambda d, s: d + " " + " ".join(s), _directive, st.lists(_source, max_size=4)),
    max_size=5,
).map("; ".join)
_url = st.one_of(
    st.builds(
        lambda a, b, c, d: a + b + c + d,
        st.sampled_from(["https://", "http://", "wss://", "", "data:", "//"]),
        _hosts.map(lambda h: h.replace("*", "x")),
        _ports,
        _paths,
    ),
    st.text(max_size=30),
)


@FUZZ
@given(_policy, _url, _url, st.text(max_size=20))
def test_csp_grammar_policies_always_give_a_verdict(
    header: str, url: str, page: str, nonce: str
) -> None:
    policy = parse_policy(header)
    for directive in ("script-src-elem", "connect-src", "img-src", "style-src"):
        verdict = allows(policy, directive, url, page_url=page, nonce=nonce or None)
        assert isinstance(verdict.allowed, bool)
        assert isinstance(policy.describe(directive), str)
    assert isinstance(allows_inline_script(policy, "spdt('view')", nonce=nonce).allowed, bool)
    for token in header.replace(";", " ").split():
        assert isinstance(source_matches(token, url, page_url=page), bool)


@FUZZ
@given(_policy, st.text(max_size=60), st.sampled_from(["", "report-only"]))
def test_csp_from_meta_and_headers_never_raises(header: str, junk: str, mode: str) -> None:
    name = "content-security-policy" + ("-report-only" if mode else "")
    html = (
        f"<html><head>{junk}<meta http-equiv='Content-Security-Policy' content=\"{header}\">"
        f"<meta http-equiv=CONTENT-SECURITY-POLICY content='{junk}'></head></html>"
    )
    for policy in (*meta_policies(html), *page_policies({name: header}, html)):
        assert isinstance(
            allows(policy, "connect-src", INGEST, page_url="https://shop.test/").allowed, bool
        )


# -- journeys: anything YAML or JSON can hold → a Journey or a UsageError ----------------------
_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from([*VERBS, "steps", "selector", "url", "name", "timeout", "value", "ms"]),
)
_json = st.recursive(
    _scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from([*VERBS, "steps", "selector", "name"]), st.text(max_size=6)),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)
_step = st.builds(lambda verb, arg: {verb: arg}, st.sampled_from(VERBS), _json)


def _journey_or_usage_error(data: Any) -> None:
    message = None
    try:
        journey = parse_journey(data)
    except UsageError as exc:
        message = str(exc)
    if message is not None:
        assert message  # a message, on one line
        assert "\n" not in message
        return
    assert isinstance(journey, Journey)
    assert journey.steps
    for step in journey.steps:
        assert step.verb in VERBS
        assert isinstance(step.describe(), str)


@FUZZ
@given(st.one_of(_json, st.lists(_step, max_size=6), st.fixed_dictionaries({"steps": _json})))
def test_parse_journey_answers_or_raises_usage_error(data: Any) -> None:
    _journey_or_usage_error(data)


@FUZZ
@given(st.text(max_size=200))
def test_parse_journey_from_any_yaml_text(text: str) -> None:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return  # the loader's own error: reading the file is not parse_journey's job
    _journey_or_usage_error(data)


# -- the rule engine over whole random timelines ----------------------------------------------
_page_urls = st.sampled_from(
    [
        "https://shop.test/",
        "https://shop.test/?spclid=clk1",
        "https://shop.test/thanks",
        "https://www.shop.test/checkout#x",
        "",
        "about:blank",
        "https://[::1",
        "javascript:void(0)",
    ]
)
_base_code = st.sampled_from(
    [
        "",
        "<script>!function(w,d){if(!w.spdt){var s=w.spdt=function(){s.callMethod?"
        "s.callMethod.apply(s,arguments):s.queue.push(arguments)};s.queue=[];"
        "var t=d.createElement('script');t.async=!0;"
        "t.src='https://pixel.byspotify.com/ping.min.js';}}(window,document);"
        f"spdt('conf',{{key:'{KEY}'}});spdt('view');</script>",
        "<script src='https://pixel.byspotify.com/ping.min.js'></script>"
        "<script src='https://pixel.byspotify.com/ping.min.js'></script>",
        "<script>window.spdt = window.spdt || {_q: []};</script>",
        f"<noscript><img src='https://pixel.byspotify.com/pixel?key={KEY}&ev=view'></noscript>",
        "<noscript><img src='https://pixel.byspotify.com/pixel?key=YOUR_PIXEL_ID'></noscript>",
        "<script type='text/plain' data-consent src='https://pixel.byspotify.com/ping.min.js'>"
        "</script>",
        "<<<script>>>",
    ]
)
_html = st.builds(
    lambda a, b: f"<html><head>{a}</head><body>{b}</body></html>", _base_code, _base_code
)
_command = st.one_of(
    st.sampled_from(["conf", "view", "purchase", "lead", "alias", "custom", "Purchase"]),
    st.none(),
    st.integers(),
    st.text(max_size=8),
)
_params = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "key": st.sampled_from([KEY, "YOUR_PIXEL_ID", "", "{{key}}"]),
            "value": st.one_of(st.floats(allow_nan=True), st.text(max_size=6), st.none()),
            "currency": st.sampled_from(["USD", "usd", "", "EURO", "\u00a3"]),
            "order_id": st.one_of(st.text(max_size=6), st.integers()),
            "event_id": st.one_of(st.text(max_size=6), st.none()),
            "line_items": _json,
        },
    ),
    _json,
)
_calls = st.lists(
    st.builds(
        lambda i, u, c, p, t, threw, stub, doc: SpdtCall(
            i, u, c, (p,), t, threw=threw, stub=stub, document=doc
        ),
        st.integers(0, 50),
        _page_urls,
        _command,
        _params,
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
        st.sampled_from(["function", "object", "live", "unknown"]),
        st.sampled_from(["", "d1", "d2"]),
    ),
    max_size=6,
)
_records = st.lists(
    st.builds(
        lambda i, u, name, p, kind, status, host: Record(
            id=i,
            time=float(i),
            session="s",
            host=host,
            method="POST",
            path="/v1/ingest",
            kind=kind,
            status=status,
            page=u,
            events=(PixelEvent(name, KEY, p if isinstance(p, dict) else {}, u or None),),
            findings=(ValidationFinding("INVALID_VALUE", "error", "x"),) if status >= 400 else (),
        ),
        st.integers(1, 100),
        _page_urls,
        st.sampled_from(["view", "purchase", "lead", "conf", "x"]),
        _params,
        st.sampled_from(["ingest", "image", "script", "noscript", "fault", "unknown"]),
        st.sampled_from([0, 204, 200, 400, 503]),
        st.sampled_from(["pixels.spotify.com", "img.byspotify.com", "pixel.byspotify.com"]),
    ),
    max_size=6,
)
_network = st.lists(
    st.builds(
        NetworkEvent,
        st.sampled_from(
            [
                "https://pixel.byspotify.com/ping.min.js",
                "https://pixels.spotify.com/v1/ingest",
                "https://img.byspotify.com/?a=lead",
                "https://cdn.pdst.fm/ping.min.js",
                "https://shop.test/",
                "::",
            ]
        ),
        st.sampled_from(["GET", "POST", "OPTIONS"]),
        st.sampled_from(["script", "fetch", "image", "document", "ping"]),
        _page_urls,
        st.one_of(st.none(), st.sampled_from([200, 204, 304, 404, 503])),
        st.one_of(
            st.none(),
            st.sampled_from(
                [
                    "net::ERR_BLOCKED_BY_CLIENT",
                    "csp",
                    "net::ERR_CONNECTION_RESET",
                    "net::ERR_ABORTED",
                ]
            ),
        ),
    ),
    max_size=6,
)
_violations = st.lists(
    st.builds(
        CspViolation,
        _page_urls,
        st.sampled_from(["script-src-elem", "connect-src", "img-src", "", "script-src"]),
        st.sampled_from(["https://pixel.byspotify.com", "inline", "eval", "", "data"]),
        st.sampled_from(["enforce", "report", ""]),
        _policy,
    ),
    max_size=3,
)
_cookies = st.lists(
    st.builds(
        Cookie,
        st.sampled_from(["_spclid", "__spdt", "spclid", ""]),
        st.sampled_from(["clk1", "", "x" * 300]),
        st.sampled_from([".shop.test", "shop.test", "www.shop.test", ""]),
        st.sampled_from(["/", "/checkout", ""]),
        st.floats(allow_nan=True),
        st.booleans(),
        st.booleans(),
        st.sampled_from(["Lax", "None", "Strict", ""]),
    ),
    max_size=3,
)
_storage = st.lists(
    st.builds(
        StorageSnapshot,
        _page_urls,
        _cookies.map(tuple),
        st.dictionaries(st.sampled_from(["spclid", "_spdt_clk", "x"]), st.text(max_size=8)),
        st.dictionaries(st.sampled_from(["spclid", "y"]), st.text(max_size=8)),
    ),
    max_size=3,
)
_pages = st.lists(
    st.builds(
        lambda u, status, csp, ro, html: PageLoad(
            u,
            status,
            {"content-security-policy": csp, "content-security-policy-report-only": ro},
            html,
            (u,),
        ),
        _page_urls,
        st.one_of(st.none(), st.sampled_from([200, 301, 404, 500])),
        _policy,
        _policy,
        _html,
    ),
    max_size=3,
)


@st.composite
def _timelines(draw: st.DrawFn, depth: int = 1) -> Timeline:
    landing = draw(
        st.one_of(
            st.none(),
            st.builds(
                lambda u, c, f: LandingInfo(u, c, "spclid", (u, f), f),
                _page_urls,
                st.one_of(st.none(), st.just("clk1"), st.text(max_size=5)),
                _page_urls,
            ),
        )
    )
    return Timeline(
        session="s",
        pages=tuple(draw(_pages)),
        calls=tuple(draw(_calls)),
        violations=tuple(draw(_violations)),
        errors=tuple(
            draw(st.lists(st.builds(PageError, _page_urls, st.text(max_size=20)), max_size=2))
        ),
        network=tuple(draw(_network)),
        storage=tuple(draw(_storage)),
        records=tuple(draw(_records)),
        landing=landing,
        consent_after_record=draw(st.one_of(st.none(), st.integers(-1, 120))),
        expected_events=tuple(
            draw(st.lists(st.sampled_from(["purchase", "lead", "x"]), max_size=2))
        ),
        unmet_expectations=tuple(draw(st.lists(st.text(max_size=10), max_size=1))),
        noscript=draw(_timelines(depth - 1)) if depth > 0 and draw(st.booleans()) else None,
        assignments=tuple(
            draw(
                st.lists(
                    st.builds(
                        SpdtAssignment,
                        _page_urls,
                        st.integers(0, 4),
                        st.sampled_from(["function", "object", "undefined", "string"]),
                        st.lists(st.sampled_from(["_q", "queue", "callMethod", "on"])).map(tuple),
                    ),
                    max_size=3,
                )
            )
        ),
    )


_configs = st.builds(
    RuleConfig,
    click_id_params=st.sampled_from([("spclid",), ("sp_click_id", "spclid"), ()]),
    click_id_storage=st.sampled_from([("cookie",), ("local", "session"), ()]),
    click_id_names=st.sampled_from([(), ("_spclid",)]),
)


@settings(max_examples=EXAMPLES or 60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_timelines(), st.one_of(st.none(), _configs))
def test_rule_engine_never_raises_on_whole_random_timelines(
    timeline: Timeline, config: RuleConfig | None
) -> None:
    findings = evaluate(timeline, config)
    for finding in findings:
        assert finding.code in RULES
        json.dumps(finding.to_json())


@pytest.mark.parametrize("ms", [float("inf"), float("nan"), -1, 60_001])
def test_a_wait_outside_its_range_is_a_usage_error(ms: float) -> None:
    # YAML's .inf and .nan parse as floats: a clear error, never an OverflowError
    with pytest.raises(UsageError, match="wait ms must be between 0 and 60000"):
        parse_journey([{"wait": ms}])
