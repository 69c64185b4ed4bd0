"""harness.csp: parsing, fallback, source matching, nonces/hashes, strict-dynamic, never raising."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.csp import (
    allows,
    allows_inline_script,
    meta_policies,
    page_policies,
    parse_policies,
    parse_policy,
    source_matches,
)

PAGE = "https://shop.test/checkout"
SCRIPT = "https://pixel.byspotify.com/ping.min.js"
INGEST = "https://pixels.spotify.com/v1/ingest"
IMAGE = "https://img.byspotify.com/?key=abc&a=init"


def test_comma_separated_header_holds_two_policies() -> None:
    policies = parse_policies("script-src 'self', connect-src 'none'")
    assert [p.directives for p in policies] == [
        (("script-src", ("'self'",)),),
        (("connect-src", ("'none'",)),),
    ]
    assert all(p.enforced for p in policies)


def test_report_only_and_meta_policies_of_a_page() -> None:
    html = (
        '<html><head><meta http-equiv="Content-Security-Policy" content="img-src \'self\'">'
        '<meta http-equiv="Content-Security-Policy-Report-Only" content="img-src \'none\'">'
        "</head><body><meta http-equiv='content-security-policy' content=\"img-src 'none'\">"
        "</body></html>"
    )
    policies = page_policies(
        {"Content-Security-Policy-Report-Only": "connect-src 'self'"},
        html,
    )
    assert [(p.disposition, p.source, p.raw) for p in policies] == [
        ("report", "header", "connect-src 'self'"),
        ("enforce", "meta", "img-src 'self'"),
    ]


def test_meta_policy_ignores_frame_ancestors() -> None:
    (policy,) = meta_policies(
        '<meta http-equiv="Content-Security-Policy" content="frame-ancestors \'none\'; img-src *">'
    )
    assert policy.directive("frame-ancestors") is None
    assert policy.directive("img-src") == ("*",)


def test_first_directive_wins_and_names_are_case_insensitive() -> None:
    policy = parse_policy("Connect-Src 'none'; connect-src *")
    assert policy.directive("connect-src") == ("'none'",)
    assert not allows(policy, "connect-src", INGEST, page_url=PAGE).allowed


@pytest.mark.parametrize(
    ("policy", "directive", "used"),
    [
        (
            "script-src-elem 'none'; script-src *; default-src *",
            "script-src-elem",
            "script-src-elem",
        ),
        ("script-src 'none'; default-src *", "script-src-elem", "script-src"),
        ("default-src 'none'", "script-src-elem", "default-src"),
        ("default-src 'none'", "connect-src", "default-src"),
        ("default-src 'none'", "img-src", "default-src"),
    ],
)
def test_fallback_chain(policy: str, directive: str, used: str) -> None:
    verdict = allows(parse_policy(policy), directive, SCRIPT, page_url=PAGE)
    assert (verdict.allowed, verdict.directive_used) == (False, used)


def test_no_applicable_directive_allows() -> None:
    verdict = allows(parse_policy("img-src 'none'"), "connect-src", INGEST, page_url=PAGE)
    assert verdict.allowed
    assert verdict.directive_used == ""


@pytest.mark.parametrize(
    ("source", "url", "expected"),
    [
        ("pixel.byspotify.com", SCRIPT, True),
        ("pixel.byspotify.com", INGEST, False),
        ("*.spotify.com", INGEST, True),
        ("*.spotify.com", "https://spotify.com/", False),
        ("*.byspotify.com", SCRIPT, True),
        ("https:", INGEST, True),
        ("http:", INGEST, True),  # upgrade
        ("https:", "http://pixels.spotify.com/", False),
        ("https://pixels.spotify.com", INGEST, True),
        ("http://pixels.spotify.com", INGEST, True),  # scheme upgrade
        ("wss://pixels.spotify.com", INGEST, True),
        ("https://pixels.spotify.com:443", INGEST, True),
        ("https://pixels.spotify.com:8443", INGEST, False),
        ("https://pixels.spotify.com:*", "https://pixels.spotify.com:8443/v1/ingest", True),
        ("pixels.spotify.com/v1/", INGEST, True),
        ("pixels.spotify.com/v1/ingest", INGEST, True),
        ("pixels.spotify.com/v2/", INGEST, False),
        ("pixels.spotify.com/v1", INGEST, False),
        ("PIXELS.Spotify.COM", INGEST, True),
        ("*", INGEST, True),
        ("*", "data:image/gif;base64,R0lGOD", False),
        ("'self'", "https://shop.test/x.js", True),
        ("'self'", "https://www.shop.test/x.js", False),
        ("'none'", INGEST, False),
        ("'nonce-abc'", INGEST, False),
        ("'unsafe-inline'", INGEST, False),
    ],
)
def test_source_expressions(source: str, url: str, expected: bool) -> None:
    assert source_matches(source, url, page_url=PAGE) is expected


def test_host_source_without_scheme_on_http_page_matches_http_and_https() -> None:
    assert source_matches("cdn.test", "http://cdn.test/a.js", page_url="http://shop.test/")
    assert source_matches("cdn.test", "https://cdn.test/a.js", page_url="http://shop.test/")
    assert not source_matches("cdn.test", "http://cdn.test/a.js", page_url="https://shop.test/")


def test_the_guides_policy_allows_the_script_and_blocks_events() -> None:
    (policy,) = parse_policies(
        "script-src pixel.byspotify.com; img-src pixel.byspotify.com; "
        "connect-src pixel.byspotify.com"
    )
    assert allows(policy, "script-src-elem", SCRIPT, page_url=PAGE).allowed
    verdict = allows(policy, "connect-src", INGEST, page_url=PAGE)
    assert verdict == verdict.__class__(
        False, "connect-src", "no source in connect-src matches https://pixels.spotify.com"
    )
    assert not allows(policy, "img-src", IMAGE, page_url=PAGE).allowed


def test_guide_text_with_colons_is_not_a_directive() -> None:
    # The guide prints "script-src: pixel.byspotify.com": a browser ignores such a directive.
    assert parse_policy("script-src: pixel.byspotify.com").directives == ()


def test_strict_dynamic_ignores_host_sources_for_parser_inserted_scripts() -> None:
    policy = parse_policy("script-src 'nonce-r4nd' 'strict-dynamic' pixel.byspotify.com")
    blocked = allows(policy, "script-src-elem", SCRIPT, page_url=PAGE)
    assert not blocked.allowed
    assert "'strict-dynamic'" in blocked.reason
    assert allows(policy, "script-src-elem", SCRIPT, page_url=PAGE, nonce="r4nd").allowed
    # ping.min.js inserted by the (nonced, trusted) base code loads under strict-dynamic.
    assert allows(policy, "script-src-elem", SCRIPT, page_url=PAGE, parser_inserted=False).allowed


def test_inline_scripts_nonce_hash_and_unsafe_inline() -> None:
    content = "spdt('view');"
    digest = base64.b64encode(hashlib.sha256(content.encode()).digest()).decode()
    assert allows_inline_script(parse_policy(f"script-src 'sha256-{digest}'"), content).allowed
    assert not allows_inline_script(parse_policy("script-src 'sha256-AAAA'"), content).allowed
    assert allows_inline_script(parse_policy("script-src 'unsafe-inline'"), content).allowed
    ignored = allows_inline_script(parse_policy("script-src 'unsafe-inline' 'nonce-x'"), content)
    assert not ignored.allowed
    assert "'unsafe-inline' is ignored" in ignored.reason
    assert allows_inline_script(
        parse_policy("script-src 'unsafe-inline' 'nonce-x'"), content, nonce="x"
    ).allowed
    assert not allows_inline_script(parse_policy("default-src 'self'"), content).allowed


def test_describe_names_the_governing_directive() -> None:
    policy = parse_policy("default-src 'self' https:")
    assert policy.describe("connect-src") == "default-src 'self' https:"
    assert parse_policy("img-src *").describe("connect-src") == "no connect-src (nor default-src)"


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text(), st.text())
def test_never_raises_on_any_string(header: str, url: str, page: str) -> None:
    for policy in parse_policies([header, header.replace(" ", ";")]) + page_policies(
        {"content-security-policy": header},
        f"<meta http-equiv='Content-Security-Policy' content='{header}'>",
    ):
        for directive in ("script-src-elem", "connect-src", "img-src", header[:12]):
            verdict = allows(policy, directive, url, page_url=page, nonce=header[:5] or None)
            assert isinstance(verdict.allowed, bool)
        assert isinstance(allows_inline_script(policy, url, nonce=page or None).allowed, bool)
    for token in header.split():
        assert isinstance(source_matches(token, url, page_url=page), bool)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "'self'",
                "'none'",
                "*",
                "https:",
                "*.spotify.com",
                "pixel.byspotify.com",
                "http://[::1]:99999",
                "https://x.test:*/p/",
                "'nonce-%%'",
                "'sha256-'",
                "'strict-dynamic'",
                "\u0130.test",
                "a..b",
            ]
        ),
        max_size=6,
    ),
    st.sampled_from([SCRIPT, INGEST, IMAGE, "http://[::1", "https://x.test:70000/", "", "//x"]),
)
def test_never_raises_on_source_lists(sources: list[str], url: str) -> None:
    policy = parse_policy("default-src " + " ".join(sources))
    for directive in ("script-src-elem", "connect-src", "img-src"):
        assert isinstance(allows(policy, directive, url, page_url=PAGE).allowed, bool)
