"""The live page (``/__spdt/``) in real Chromium: rows appear as hits arrive, and every
page-controlled string is shown as text, never run as HTML."""

from __future__ import annotations

from typing import Any

import pytest

from harness.context import PixelContext
from mock_endpoint.client import MockClient
from mock_endpoint.server import MockEndpoint

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A person opens the URL the mock prints (it carries the token) in a browser of their own;
    the control listener's certificate is not one the harness's Chromium trusts."""
    return {**browser_context_args, "ignore_https_errors": True}


HOSTILE = '<img src=x onerror="window.__pwned=1">'


def test_live_page_shows_a_hit_as_it_arrives_with_strings_escaped(
    spdt_mock: MockEndpoint, spdt_context: PixelContext
) -> None:
    mock = spdt_mock
    ctx = spdt_context
    session = ctx.session
    page = ctx.page
    page.goto(f"{mock.control_url_with_token}&session={session}")
    page.wait_for_function("document.getElementById('state').textContent === 'live'")
    assert page.locator("#rows tr").count() == 0
    with MockClient(mock) as client:
        answer = client.post(
            "https://pixels.spotify.com/v1/ingest",
            json={
                "batch": [
                    {
                        "pid": HOSTILE,
                        "events": [
                            {
                                "action": HOSTILE,
                                "body": {"url": "https://shop.test/", "note": HOSTILE},
                            }
                        ],
                    }
                ]
            },
            headers={"X-Spdt-Session": session, "Referer": HOSTILE},
        )
        assert answer.status == 204
    row = page.locator(f'#rows tr[data-session="{session}"]')
    row.wait_for(timeout=10_000)
    text = row.inner_text()
    assert HOSTILE in text  # shown literally …
    assert "UNKNOWN_EVENT" in text
    assert page.locator("#rows img").count() == 0  # … never parsed as HTML
    assert page.evaluate("window.__pwned") is None
    # a hit in another session does not show on this session's page
    with MockClient(mock) as client:
        client.post(
            "https://pixels.spotify.com/v1/ingest",
            json={"batch": [{"pid": "k", "events": [{"action": "view", "body": {}}]}]},
            headers={"X-Spdt-Session": session + "-other"},
        )
        client.post(
            "https://pixels.spotify.com/v1/ingest",
            json={"batch": [{"pid": "k", "events": [{"action": "lead", "body": {}}]}]},
            headers={"X-Spdt-Session": session},
        )
    page.locator("#rows tr").nth(1).wait_for(timeout=10_000)
    assert page.locator("#rows tr").count() == 2
    assert page.locator(f'#rows tr[data-session="{session}-other"]').count() == 0
    mock.reset(session + "-other")


def test_the_live_page_is_not_served_on_spotify_names_nor_without_the_token(
    spdt_mock: MockEndpoint, spdt_context: PixelContext
) -> None:
    mock = spdt_mock
    ctx = spdt_context
    answer = ctx.page.goto("https://pixels.spotify.com/__spdt/")
    assert answer is not None
    assert answer.status == 404
    assert ctx.page.locator("#rows").count() == 0
    answer = ctx.page.goto(mock.control_url)
    assert answer is not None
    assert answer.status == 401
    refused = [r for r in mock.records(ctx.session) if r.kind == "tampering"]
    assert [(r.path, r.status) for r in refused] == [("/__spdt/", 404)]
