"""The studio through the mock's HTTP interface: control routes, and the stats endpoint's JSON
and CSV checked against a table computed by hand."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mock_endpoint import MockEndpoint
from mock_endpoint.client import MockClient

KEY = "0123456789abcdef0123456789abcdef"
INGEST = "https://pixels.spotify.com/v1/ingest"
STATS = "https://ads-api.spotify.com/v1/campaigns/{}/stats"
AUTH = {"Authorization": "Bearer t"}
HOUR = 3600.0


@pytest.fixture(scope="module")
def mock() -> Iterator[MockEndpoint]:
    with MockEndpoint() as m:  # its own mock: the studio state is per mock
        yield m


@pytest.fixture(scope="module")
def client(mock: MockEndpoint) -> Iterator[MockClient]:
    with MockClient(mock) as c:
        yield c


def purchase(action: str = "purchase", **fields: Any) -> dict[str, Any]:
    body = {k: v for k, v in fields.items() if k not in ("click_id", "uid")}
    event = {"action": action, "body": {"url": "https://shop.test/thanks", **body}}
    event.update({k: v for k, v in fields.items() if k in ("click_id", "uid")})
    return event


def send(client: MockClient, *events: dict[str, Any]) -> None:
    answer = client.post(
        INGEST,
        json={"batch": [{"pid": KEY, "events": list(events)}]},
        headers={"X-Spdt-Session": "st"},
    )
    assert answer.status == 204, answer.text


@pytest.fixture(scope="module")
def simulated(client: MockClient, mock: MockEndpoint) -> None:
    now = time.time()
    assert client.studio_campaign(id="spring", name="Spring sale").status == 201
    assert client.studio_campaign(id="other", name="Other").status == 201
    exposures = [
        {"kind": "impression", "device_id": "d1", "time": now - 3 * HOUR},
        {"kind": "impression", "device_id": "d1", "time": now - 2 * HOUR},
        {"kind": "audio", "device_id": "d2", "time": now - 2 * HOUR},
        {"kind": "impression", "user_agent": "agent-3", "ip": "127.0.0.1", "time": now - HOUR},
        {"kind": "click", "click_id": "cid-1", "time": now - 3 * HOUR},
        {"kind": "click", "click_id": "cid-2", "placement": "companion", "time": now - 2 * HOUR},
    ]
    for exposure in exposures:
        assert client.studio_exposure(campaign="spring", **exposure).status == 201
    other = client.studio_exposure(campaign="other", kind="impression", device_id="d9")
    assert other.status == 201
    send(
        client,
        purchase(click_id="cid-1", uid="d1", value=79.99, currency="USD", event_id="e-1"),
        purchase(uid="d2", value=20, currency="EUR", event_id="e-2"),
        purchase(click_id="cid-2", value=10.01, currency="USD", event_id="e-3"),
        purchase("lead", click_id="cid-2"),
        purchase(click_id="cid-9", uid="d7", value=5, currency="USD", event_id="e-5"),
        purchase(click_id="cid-1", value=79.99, currency="USD", event_id="e-1"),
    )
    assert all(r.valid for r in mock.records("st")), [r.findings for r in mock.records("st")]


def dates(days_before: int = 1, days_after: int = 1) -> dict[str, str]:
    today = datetime.now(UTC).date()
    return {
        "start_date": (today - timedelta(days=days_before)).isoformat(),
        "end_date": (today + timedelta(days=days_after)).isoformat(),
    }


def test_attribution_route_answers_each_conversion(client: MockClient, simulated: None) -> None:
    answers = client.studio_attribution("st").json()["attributions"]
    assert [(a["event"], a["as"], a["reason"]) for a in answers] == [
        ("purchase", "click", None),
        ("purchase", "view", None),
        ("purchase", "click", None),
        ("lead", "click", None),
        ("purchase", "none", "device"),
        ("purchase", "none", "duplicate"),
    ]


def test_stats_json_matches_the_hand_computed_table(client: MockClient, simulated: None) -> None:
    answer = client.get(STATS.format("spring"), params=dates(), headers=AUTH)
    assert answer.status == 200, answer.text
    stats = answer.json()
    assert {k: stats[k] for k in ("impressions", "clicks", "reach", "frequency")} == {
        "impressions": 4,
        "clicks": 2,
        "reach": 3,
        "frequency": 1.33,
    }
    assert stats["impressions_by_kind"] == {"audio": 1, "impression": 3}
    assert stats["clicks_by_placement"] == {"companion": 1, "cta": 1}
    assert stats["conversions"] == [
        {"event": "lead", "click": 1, "view": 0, "total": 1, "revenue": {}},
        {
            "event": "purchase",
            "click": 2,
            "view": 1,
            "total": 3,
            "revenue": {"EUR": 20.0, "USD": 90.0},
        },
    ]
    assert (stats["total_conversions"], stats["revenue"]) == (4, {"EUR": 20.0, "USD": 90.0})


def test_stats_csv_matches_the_hand_computed_table(client: MockClient, simulated: None) -> None:
    answer = client.get(STATS.format("spring"), params={**dates(), "format": "csv"}, headers=AUTH)
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert answer.text.splitlines() == [
        "metric,event,attribution,currency,value",
        "impressions,,,,4",
        "clicks,,,,2",
        "reach,,,,3",
        "frequency,,,,1.33",
        "conversions,lead,click,,1",
        "conversions,lead,view,,0",
        "conversions,purchase,click,,2",
        "conversions,purchase,view,,1",
        "revenue,purchase,,EUR,20.00",
        "revenue,purchase,,USD,90.00",
        "revenue,,,EUR,20.00",
        "revenue,,,USD,90.00",
    ]


def test_stats_outside_the_date_range_are_zero(client: MockClient, simulated: None) -> None:
    stats = client.get(STATS.format("spring"), params=dates(20, -10), headers=AUTH).json()
    assert (stats["impressions"], stats["reach"], stats["frequency"]) == (0, 0, 0.0)
    assert (stats["conversions"], stats["revenue"]) == ([], {})


def test_unknown_campaign_is_a_404_like_the_other_api_errors(
    client: MockClient, simulated: None
) -> None:
    answer = client.get(STATS.format("nope"), params=dates(), headers=AUTH)
    bad = client.get(STATS.format("spring"), params={**dates(), "format": "xml"}, headers=AUTH)
    assert answer.status == 404
    assert answer.json() == {"code": "NOT_FOUND", "message": "no campaign 'nope' (declared: 2)"}
    assert (bad.status, bad.json()["code"]) == (400, "BAD_REQUEST")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"id": "x", "click_window_days": 31}, "click_window_days 31 is outside 1..30 days"),
        ({"id": "x", "click_window_days": 0}, "click_window_days 0 is outside 1..30 days"),
        ({"id": "x", "view_window_days": 8}, "view_window_days 8 is outside 1..7 days"),
        ({"id": "bad id"}, "id must match"),
        ([1], "expected a mapping"),
    ],
)
def test_bad_campaigns_are_400(client: MockClient, body: Any, message: str) -> None:
    answer = client.studio("POST", "campaigns", json=body)
    assert answer.status == 400
    assert answer.json()["code"] == "BAD_STUDIO_REQUEST"
    assert message in answer.json()["message"]


def test_bad_exposures_and_clock_steps(client: MockClient, simulated: None) -> None:
    unknown = client.studio_exposure(campaign="ghost", kind="click", click_id="c")
    no_id = client.studio_exposure(campaign="spring", kind="click")
    clock = client.studio_advance("15 days")
    broken = client.studio("POST", "exposures", data=b"{", headers={"Content-Type": "x"})
    assert (unknown.status, unknown.json()["code"]) == (404, "NOT_FOUND")
    assert (no_id.status, no_id.json()["message"]) == (400, "exposure: a click carries a click_id")
    assert (clock.status, clock.json()["code"]) == (400, "BAD_PARAMETER")
    assert (broken.status, broken.json()["code"]) == (400, "MALFORMED_JSON")


def test_status_route_and_live_page(client: MockClient, simulated: None) -> None:
    status = client.studio_status("st").json()
    (key,) = status["keys"]
    assert (key["key"], key["status"], key["events"]) == (KEY, "Active", {"lead": 1, "purchase": 5})
    assert key["hosts"] == ["shop.test"]
    page = client.studio("GET", "")
    assert page.status == 200
    assert "script-src 'nonce-" in page.headers["Content-Security-Policy"]
    assert "textContent" in page.text
    assert "innerHTML" not in page.text
