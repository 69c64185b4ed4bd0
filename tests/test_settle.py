"""Settling from evidence: a page waits only while a reason holds, never past its limit, and
every decision is kept in the timeline."""

from __future__ import annotations

import time

import pytest

from fixture_sites.catalogue import load_catalogue
from harness.capture.settle import CALL_GRACE, Evidence, is_spotify
from harness.capture.timeline import SettleDecision
from harness.context import PixelContext

CATALOGUE = load_catalogue()


def _reasons(decision: SettleDecision) -> dict[str, float]:
    return {w.reason: w.ms for w in decision.waits}


@pytest.mark.browser
def test_a_late_tag_manager_is_waited_for_until_its_pixel_sends(
    spdt_context: PixelContext,
) -> None:
    # The container injects the base code 1.5 s after DOMContentLoaded: a settle that stopped
    # after its quiet period would see no pixel at all.
    ctx = spdt_context
    ctx.land(CATALOGUE["tag-manager-delayed"].entry_url)
    assert not ctx.events("view")
    decision = ctx.settle(quiet=0.3, limit=5.0)
    assert decision.outcome == "settled"
    assert _reasons(decision)["tag_manager"] > 0
    assert "container.js" in {w.reason: w.detail for w in decision.waits}["tag_manager"]
    assert ctx.events("view"), "settled before the tag manager's pixel sent its view"
    assert ctx.timeline().settles == (decision,)


@pytest.mark.browser
def test_a_page_with_nothing_to_wait_for_settles_after_the_quiet_period(
    spdt_context: PixelContext,
) -> None:
    ctx = spdt_context
    ctx.land(CATALOGUE["no-base-code"].entry_url)
    decision = ctx.settle(quiet=0.3, limit=5.0)
    assert decision.outcome == "settled"
    assert "tag_manager" not in _reasons(decision)
    assert decision.waited_ms < 2000  # the fixed window it replaces was 2 s


@pytest.mark.browser
def test_the_longest_wait_is_bounded_and_says_what_still_held(spdt_context: PixelContext) -> None:
    ctx = spdt_context
    ctx.land(CATALOGUE["tag-manager-delayed"].entry_url)
    started = time.monotonic()
    decision = ctx.settle(quiet=0.3, limit=0.4)
    elapsed = time.monotonic() - started
    assert decision.outcome == "limit"
    assert "tag_manager" in decision.pending
    assert elapsed < 1.4


def test_a_tag_manager_without_a_pixel_is_no_reason_once_consent_is_withheld() -> None:
    """After a reject, a withdrawal or no decision, a container that shows no pixel is what a
    correct install looks like: waiting for one would cost every such page the settle limit."""
    evidence = Evidence()
    container = {"role": "tag_manager", "src": "https://shop.example/gtm.js", "done": True}
    evidence.document_state(
        "doc1", "https://shop.example/", "complete", [container], noscript=False
    )
    assert [code for code, _ in evidence.reasons(time.monotonic())] == ["tag_manager"]
    evidence.consent_decided(granted=False)
    assert evidence.reasons(time.monotonic()) == []
    evidence.consent_decided(granted=True)  # accepted after all: the pixel may yet come
    assert [code for code, _ in evidence.reasons(time.monotonic())] == ["tag_manager"]


def test_a_spotify_request_in_flight_holds_the_settle_until_it_ends() -> None:
    evidence = Evidence()
    key = object()
    evidence.request_started(key, "https://pixels.spotify.com/v1/ingest")
    evidence.request_started(object(), "https://shop.example/app.js")  # not Spotify: ignored
    assert [code for code, _ in evidence.reasons(time.monotonic())] == ["spotify_request"]
    evidence.request_ended(key)
    assert evidence.reasons(time.monotonic()) == []


def test_an_unsent_live_call_holds_only_for_its_grace_period() -> None:
    evidence = Evidence()
    evidence.called("doc1", "https://shop.example/", "live", "purchase")
    now = time.monotonic()
    assert "spdt_call" in [c for c, _ in evidence.reasons(now)]
    assert "spdt_call" not in [c for c, _ in evidence.reasons(now + CALL_GRACE + 0.1)]
    evidence.called("doc1", "https://shop.example/", "live", "conf")  # conf sends nothing
    evidence.request_started(object(), "https://pixels.spotify.com/v1/ingest")
    assert "spdt_call" not in [c for c, _ in evidence.reasons(time.monotonic())]


def test_spotify_hosts_are_told_apart_from_look_alikes() -> None:
    assert is_spotify("https://pixel.byspotify.com/ping.min.js")
    assert is_spotify("https://pixels.spotify.com/v1/ingest")
    assert not is_spotify("https://notspotify.com/x")
    assert not is_spotify("https://spotify.com.evil.test/x")
    assert not is_spotify("http://[::1")
