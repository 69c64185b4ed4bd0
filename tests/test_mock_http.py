"""Every endpoint of the mock and every bad input, through a real HTTPS client by host name."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mock_endpoint import MockEndpoint
from mock_endpoint.client import Answer, MockClient
from mock_endpoint.endpoints import control
from mock_endpoint.endpoints.common import HEALTH_KEY
from mock_endpoint.records import Record

KEY = "0123456789abcdef0123456789abcdef"
TOKEN = "good-token"
INGEST = "https://pixels.spotify.com/v1/ingest"
CAPI = "https://capi.spotify.com/capi-direct/events/"
CONVERSION = "https://pixel.byspotify.com/api/v1/conversion"
CONTROL = "/__spdt"  # on the control listener (client.control)


@pytest.fixture(scope="module")
def mock() -> Iterator[MockEndpoint]:
    with MockEndpoint(tokens=[TOKEN], max_body=64 * 1024) as m:
        yield m


@pytest.fixture(scope="module")
def client(mock: MockEndpoint) -> Iterator[MockClient]:
    with MockClient(mock) as c:
        yield c


@pytest.fixture
def session(request: pytest.FixtureRequest, mock: MockEndpoint) -> str:
    name = request.node.name
    sid = "t-" + hashlib.sha1(name.encode()).hexdigest()[:12]
    mock.reset(sid)
    return sid


def batch(*events: dict[str, Any], pid: str = KEY) -> dict[str, Any]:
    return {"batch": [{"pid": pid, "events": list(events)}]}


def ev(action: str, **params: Any) -> dict[str, Any]:
    return {"action": action, "body": {"url": "https://shop.test/p", **params}}


def last(mock: MockEndpoint, session: str) -> Record:
    records = mock.records(session)
    assert records, f"nothing recorded in session {session}"
    return records[-1]


def capi_event(**fields: Any) -> dict[str, Any]:
    event = {
        "event_name": "PURCHASE",
        "event_id": "ord-1",
        "event_time": (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "user_data": {"hashed_emails": [hashlib.sha256(b"a@b.com").hexdigest()]},
        "event_details": {"amount": 79.99, "currency": "USD"},
        "event_source_url": "https://shop.test/thanks",
        "action_source": "WEB",
    }
    event.update(fields)
    return event


def capi_body(*events: dict[str, Any]) -> dict[str, Any]:
    return {
        "conversion_events": {
            "capi_connection_id": "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            "events": list(events) or [capi_event()],
        }
    }


def guide_body(**fields: Any) -> dict[str, Any]:
    body = {
        "pixel_id": KEY,
        "event_name": "purchase",
        "event_time": "2026-03-01T15:30:00Z",
        "user_data": {"em": hashlib.sha256(b"jane@example.com").hexdigest()},
        "custom_data": {"value": 149.99, "currency": "USD", "order_id": "SP-ORD-67890"},
    }
    body.update(fields)
    return body


def auth(token: str = TOKEN, session: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if session:
        headers["X-Spdt-Session"] = session
    return headers


# -- pixel.byspotify.com ----------------------------------------------------------------------
def test_ping_min_js_is_served_cached_and_recorded_with_its_page(
    mock: MockEndpoint, client: MockClient, session: str
) -> None:
    headers = {"X-Spdt-Session": session, "Referer": "https://shop.test/landing"}
    answer = client.get("https://pixel.byspotify.com/ping.min.js", headers=headers)
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/javascript; charset=utf-8"
    assert answer.headers["Cache-Control"] == "public, max-age=300"
    assert b"spdt" in answer.body
    hit = last(mock, session)
    assert (hit.kind, hit.status, hit.page) == ("script", 200, "https://shop.test/landing")
    again = client.get(
        "https://pixel.byspotify.com/ping.min.js",
        headers={**headers, "If-None-Match": answer.headers["ETag"]},
    )
    assert again.status == 304
    assert [r.status for r in mock.records(session)] == [200, 304]


def test_noscript_pixel_answers_a_gif_and_records_a_validated_event(
    mock: MockEndpoint, client: MockClient, session: str
) -> None:
    answer = client.get(
        "https://pixel.byspotify.com/pixel?key=YOUR_PIXEL_ID&ev=view",
        headers={"X-Spdt-Session": session, "Referer": "https://shop.test/"},
    )
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "image/gif"
    assert answer.body.startswith(b"GIF89a")
    hit = last(mock, session)
    assert hit.kind == "noscript"
    assert [(e.name, e.key) for e in hit.events] == [("view", "YOUR_PIXEL_ID")]
    assert [f.code for f in hit.findings] == ["INVALID_PIXEL_KEY"]
    assert not hit.valid


def test_guide_conversion_endpoint(mock: MockEndpoint, client: MockClient, session: str) -> None:
    assert client.post(CONVERSION, json=guide_body()).status == 401
    assert client.post(CONVERSION, json=guide_body(), headers=auth("wrong")).status == 403
    ok = client.post(CONVERSION, json=guide_body(), headers=auth(session=session))
    assert ok.status == 200, ok.text
    assert ok.json()["status"] == "received"
    hit = last(mock, session)
    assert hit.kind == "conversion"
    assert hit.events[0].name == "purchase"
    assert hit.events[0].params["order_id"] == "SP-ORD-67890"
    bad = client.post(
        CONVERSION,
        json=guide_body(user_data={"em": " Jane@Example.com "}),
        headers=auth(session=session),
    )
    assert bad.status == 400
    assert bad.json()["code"] == "CONVERSION_UNHASHED_EMAIL"
    assert "CONVERSION_UNHASHED_EMAIL" in [f.code for f in last(mock, session).findings]


# -- pixels.spotify.com -----------------------------------------------------------------------
def test_ingest_records_events_with_findings_and_answers_cors(
    mock: MockEndpoint, client: MockClient, session: str
) -> None:
    answer = client.post(
        INGEST,
        json=batch(ev("purchase", value="79,99", currency="USD", order_id="o1")),
        headers={"X-Spdt-Session": session, "Origin": "https://shop.test"},
    )
    assert answer.status == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "https://shop.test"
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"
    hit = last(mock, session)
    assert hit.kind == "ingest"
    assert hit.page == "https://shop.test/p"
    (event,) = hit.events
    assert (event.name, event.key, event.params["value"]) == ("purchase", KEY, "79,99")
    assert [(f.code, f.message) for f in hit.findings] == [
        ("INVALID_VALUE", "value '79,99' (str) is not a number >= 0")
    ]


@pytest.mark.parametrize("content_type", ["text/plain;charset=UTF-8", None])
def test_ingest_accepts_beacon_bodies(
    mock: MockEndpoint, client: MockClient, session: str, content_type: str | None
) -> None:
    headers = {"X-Spdt-Session": session}
    if content_type:
        headers["Content-Type"] = content_type
    answer = client.post(
        INGEST,
        data=json.dumps(batch(ev("view"))).encode(),
        headers=headers,
        skip_auto_headers=["Content-Type"],
    )
    assert answer.status == 204
    assert [e.name for e in last(mock, session).events] == ["view"]
    assert last(mock, session).findings == ()


def test_ingest_preflight(mock: MockEndpoint, client: MockClient, session: str) -> None:
    answer = client.request(
        "OPTIONS",
        INGEST,
        headers={
            "X-Spdt-Session": session,
            "Origin": "https://shop.test",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert answer.status == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "https://shop.test"
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    assert answer.headers["Access-Control-Allow-Headers"] == "content-type"
    assert last(mock, session).kind == "preflight"


def test_ingest_with_several_events_names_each_in_its_findings(
    mock: MockEndpoint, client: MockClient, session: str
) -> None:
    client.post(
        INGEST,
        json=batch(ev("view"), ev("custom", event_name="x")),
        headers={"X-Spdt-Session": session},
    )
    hit = last(mock, session)
    assert [e.name for e in hit.events] == ["view", "custom"]
    assert [f.message.split(":")[0] for f in hit.findings] == ["events[1] custom"]


# -- img.byspotify.com ------------------------------------------------------------------------
def test_image_pixel_reads_numbers_from_the_query(
    mock: MockEndpoint, client: MockClient, session: str
) -> None:
    browser = {"X-Spdt-Session": session, "Sec-Fetch-Dest": "image", "Sec-Fetch-Mode": "no-cors"}
    url = f"https://img.byspotify.com/?key={KEY}&a=purchase&value=79.99&currency=USD&order_id=o1"
    answer = client.get(url, headers=browser)
    assert (answer.status, answer.headers["Content-Type"]) == (200, "image/gif")
    hit = last(mock, session)
    assert hit.kind == "image"
    assert hit.events[0].params == {"value": 79.99, "currency": "USD", "order_id": "o1"}
    assert hit.findings == ()
    client.get(
        f"https://img.byspotify.com/?key={KEY}&a=purchase&value=79,99&currency=usd",
        headers=browser,
    )
    codes = [f.code for f in last(mock, session).findings]
    assert codes == ["INVALID_CURRENCY", "INVALID_VALUE", "MISSING_ORDER_ID"]
    client.get(f"https://img.byspotify.com/?key={KEY}&a=bogus", headers=browser)
    assert [f.code for f in last(mock, session).findings] == ["UNKNOWN_EVENT"]
    client.get(f"https://img.byspotify.com/?key={KEY}&a=init", headers=browser)
    assert last(mock, session).findings == ()


def test_image_pixel_records_the_headers_that_matter(
    mock: MockEndpoint, client: MockClient, session: str
) -> None:
    # a server-side GTM call forwarding the visitor, with headers that must not be kept
    forwarded = {
        "X-Spdt-Session": session,
        "X-Forwarded-For": "198.51.100.23",
        "User-Agent": "Mozilla/5.0 (Macintosh) Safari/605.1.15",
        "Referer": "https://shop.test/thanks",
        "Authorization": "Bearer server-secret",
        "X-Api-Key": "k-123",
    }
    url = f"https://img.byspotify.com/?key={KEY}&a=purchase&value=133.55&currency=USD&order_id=o1"
    assert client.get(url, headers=forwarded).status == 200
    hit = last(mock, session)
    assert hit.headers == {
        "X-Forwarded-For": "198.51.100.23",
        "User-Agent": "Mozilla/5.0 (Macintosh) Safari/605.1.15",
        "Referer": "https://shop.test/thanks",
    }
    assert hit.findings == ()
    assert "server-secret" not in json.dumps(client.control("GET", "records").json())


def test_server_side_image_pixel_without_client_ip_is_a_warning(
    mock: MockEndpoint, client: MockClient, session: str
) -> None:
    url = f"https://img.byspotify.com/?key={KEY}&a=lead&type=demo"
    client.get(url, headers={"X-Spdt-Session": session, "User-Agent": "python-requests/2.32"})
    (found,) = last(mock, session).findings
    assert (found.code, found.severity) == ("IMAGE_NO_CLIENT_IP", "warning")
    assert "without X-Forwarded-For" in found.message
    # a browser (Sec-Fetch-* headers, cookies) needs no forwarded IP
    client.get(url, headers={"X-Spdt-Session": session, "Sec-Fetch-Site": "cross-site"})
    assert last(mock, session).findings == ()
    client.get(url, headers={"X-Spdt-Session": session, "Cookie": "a=b"})
    assert last(mock, session).findings == ()


# -- capi.spotify.com -------------------------------------------------------------------------
def test_capi_requires_a_bearer_token(mock: MockEndpoint, client: MockClient, session: str) -> None:
    none = client.post(CAPI, json=capi_body(), headers={"X-Spdt-Session": session})
    assert none.status == 401
    assert none.json()["code"] == "CAPI_UNAUTHORIZED"
    assert len(none.json()["sp_trace_id"]) == 32
    wrong = client.post(CAPI, json=capi_body(), headers=auth("nope", session))
    assert wrong.status == 403
    assert wrong.json()["code"] == "CAPI_FORBIDDEN"
    assert [r.status for r in mock.records(session)] == [401, 403]


def test_capi_accepts_a_valid_envelope(
    mock: MockEndpoint, client: MockClient, session: str
) -> None:
    answer = client.post(CAPI, json=capi_body(), headers=auth(session=session))
    assert answer.status == 200, answer.text
    assert answer.json() == {"message": "SUCCESS"}
    hit = last(mock, session)
    assert hit.kind == "capi"
    assert [(e.name, e.event_id, e.params["amount"]) for e in hit.events] == [
        ("PURCHASE", "ord-1", 79.99)
    ]


def test_capi_rejects_an_invalid_event_in_spotify_shape(
    mock: MockEndpoint, client: MockClient, session: str
) -> None:
    body = capi_body(capi_event(event_name="Order", user_data={"hashed_emails": ["a@b.com"]}))
    answer = client.post(CAPI, json=body, headers=auth(session=session))
    assert answer.status == 400
    data = answer.json()
    assert data["code"] == "CAPI_INVALID_EVENT_NAME"
    assert data["error"]["status"] == 400
    assert len(data["sp_trace_id"]) == 32
    assert {e["code"] for e in data["errors"]} == {"CAPI_INVALID_EVENT_NAME", "CAPI_UNHASHED_EMAIL"}
    assert not last(mock, session).valid


def test_capi_accepts_stapes_event_names_with_a_warning(
    mock: MockEndpoint, client: MockClient, session: str
) -> None:
    # the names stape-io/spotify-tag (template.js) sends
    names = ["Page_View", "Add_Cart", "Start_Checkout", "Purchase", "Sign_Up", "Custom_Event_2"]
    events = [capi_event(event_name=n, event_id=f"e{i}") for i, n in enumerate(names)]
    answer = client.post(CAPI, json=capi_body(*events), headers=auth(session=session))
    assert answer.status == 200
    assert answer.json() == {"message": "SUCCESS"}
    hit = last(mock, session)
    assert [(f.code, f.severity) for f in hit.findings] == [
        ("CAPI_EVENT_NAME_CASING", "warning")
    ] * len(names)
    assert "'Add_Cart' is not Spotify's documented name: send 'ADD_TO_CART'" in (
        hit.findings[1].message
    )


@pytest.mark.parametrize(
    ("event", "code"),
    [
        ({"event_details": {"value": 79.99, "currency": "USD"}}, "CAPI_VALUE_NOT_AMOUNT"),
        ({"event_details": {"currency": "USD"}}, "CAPI_PURCHASE_WITHOUT_AMOUNT"),
        (
            {"user_data": {"hashed_emails": [hashlib.sha256(b"").hexdigest()]}},
            "CAPI_EMPTY_HASH",
        ),
        ({"event_details": {"amount": "79,99", "currency": "USD"}}, "CAPI_INVALID_EVENT_DETAILS"),
    ],
)
def test_capi_rejects_known_client_mistakes(
    client: MockClient, session: str, event: dict[str, Any], code: str
) -> None:
    answer = client.post(CAPI, json=capi_body(capi_event(**event)), headers=auth(session=session))
    assert answer.status == 400
    assert answer.json()["code"] == code


def test_capi_private_ip_is_a_warning_and_a_quoted_amount_is_accepted(
    mock: MockEndpoint, client: MockClient, session: str
) -> None:
    event = capi_event(
        user_data={"ip_address": "192.168.1.20"},
        event_details={"amount": "133.55", "currency": "USD"},
    )
    answer = client.post(CAPI, json=capi_body(event), headers=auth(session=session))
    assert answer.status == 200
    assert [(f.code, f.severity) for f in last(mock, session).findings] == [
        ("CAPI_PRIVATE_IP", "warning")
    ]


def test_any_token_is_accepted_when_none_is_configured() -> None:
    with MockEndpoint() as open_mock, MockClient(open_mock) as c:
        assert c.post(CAPI, json=capi_body(), headers=auth("whatever")).status == 200
        assert c.post(CAPI, json=capi_body()).status == 401


# -- ads-api.spotify.com ----------------------------------------------------------------------
def test_campaign_stats_count_the_sessions_conversions(
    mock: MockEndpoint, client: MockClient, session: str
) -> None:
    tagged = {"X-Spdt-Session": session}
    client.post(
        INGEST, json=batch(ev("purchase", value=10, currency="USD", event_id="e1")), headers=tagged
    )
    client.post(
        CAPI,
        json=capi_body(capi_event(event_id="e1", event_details={"amount": 10, "currency": "USD"})),
        headers=auth(session=session),
    )  # same conversion
    client.post(INGEST, json=batch(ev("lead", event_id="e2")), headers=tagged)
    client.post(INGEST, json=batch(ev("view")), headers=tagged)
    today = datetime.now(UTC).date().isoformat()
    url = (
        f"https://ads-api.spotify.com/v1/campaigns/cmp-1/stats?start_date={today}&end_date={today}"
    )
    answer = client.get(url, headers=auth(session=session))
    assert answer.status == 200, answer.text
    data = answer.json()
    assert data["campaign_id"] == "cmp-1"
    assert data["conversions"] == [
        {"event": "lead", "count": 1, "revenue": {}},
        {"event": "purchase", "count": 1, "revenue": {"USD": 10.0}},
    ]
    assert data["total_conversions"] == 2
    assert last(mock, session).kind == "stats"
    assert client.get(url).status == 401
    assert client.get(url, headers=auth("bad")).status == 403


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start_date=2026-01-01", "end_date is required"),
        ("start_date=2026-13-01&end_date=2026-12-01", "'2026-13-01' is not a date"),
        ("start_date=2026-02-01&end_date=2026-01-01", "is before start_date"),
        ("start_date=2020-01-01&end_date=2026-01-01", "exceeds 366 days"),
    ],
)
def test_campaign_stats_bad_dates(client: MockClient, query: str, message: str) -> None:
    answer = client.get(f"https://ads-api.spotify.com/v1/campaigns/1/stats?{query}", headers=auth())
    assert answer.status == 400
    assert message in answer.json()["message"]


# -- bad input never reaches a 5xx -------------------------------------------------------------
BIG = b'{"batch": [' + b" " * (70 * 1024) + b"]}"
BAD_INPUTS: list[tuple[str, str, str, dict[str, Any], int, str]] = [
    # (name, method, url, request kwargs, status, code)
    (
        "ingest malformed JSON",
        "POST",
        INGEST,
        {"data": b"{not json", "headers": {"Content-Type": "application/json"}},
        400,
        "MALFORMED_JSON",
    ),
    (
        "ingest invalid UTF-8",
        "POST",
        INGEST,
        {"data": b'{"batch": "\xff\xfe"}', "headers": {"Content-Type": "application/json"}},
        400,
        "INVALID_UTF8",
    ),
    (
        "ingest wrong content type",
        "POST",
        INGEST,
        {"data": b"a=1", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        400,
        "WRONG_CONTENT_TYPE",
    ),
    (
        "ingest oversize",
        "POST",
        INGEST,
        {"data": BIG, "headers": {"Content-Type": "application/json"}},
        413,
        "BODY_TOO_LARGE",
    ),
    (
        "ingest empty",
        "POST",
        INGEST,
        {"data": b"", "headers": {"Content-Type": "text/plain"}},
        400,
        "EMPTY_BODY",
    ),
    ("ingest not a batch", "POST", INGEST, {"json": {"events": []}}, 400, "MALFORMED_BATCH"),
    (
        "ingest event without action",
        "POST",
        INGEST,
        {"json": {"batch": [{"pid": KEY, "events": [{"body": {}}]}]}},
        400,
        "MALFORMED_BATCH",
    ),
    (
        "ingest too deep",
        "POST",
        INGEST,
        {"data": b"[" * 100_000 + b"]" * 100_000, "headers": {"Content-Type": "application/json"}},
        413,
        "BODY_TOO_LARGE",
    ),
    (
        "ingest deep but small",
        "POST",
        INGEST,
        {"data": b"[" * 30_000 + b"]" * 30_000, "headers": {"Content-Type": "application/json"}},
        400,
        "MALFORMED_JSON",
    ),
    (
        "capi malformed JSON",
        "POST",
        CAPI,
        {"data": b"{", "headers": {**auth(), "Content-Type": "application/json"}},
        400,
        "MALFORMED_JSON",
    ),
    (
        "capi invalid UTF-8",
        "POST",
        CAPI,
        {"data": b'{"a": "\xc3\x28"}', "headers": {**auth(), "Content-Type": "application/json"}},
        400,
        "INVALID_UTF8",
    ),
    (
        "capi wrong content type",
        "POST",
        CAPI,
        {"data": b"{}", "headers": {**auth(), "Content-Type": "text/plain"}},
        400,
        "WRONG_CONTENT_TYPE",
    ),
    (
        "capi oversize",
        "POST",
        CAPI,
        {"data": BIG, "headers": {**auth(), "Content-Type": "application/json"}},
        413,
        "BODY_TOO_LARGE",
    ),
    (
        "capi not an envelope",
        "POST",
        CAPI,
        {"json": [1, 2], "headers": auth()},
        400,
        "CAPI_MALFORMED_ENVELOPE",
    ),
    (
        "conversion malformed JSON",
        "POST",
        CONVERSION,
        {"data": b"nope", "headers": {**auth(), "Content-Type": "application/json"}},
        400,
        "MALFORMED_JSON",
    ),
    (
        "conversion invalid UTF-8",
        "POST",
        CONVERSION,
        {"data": b"\xff", "headers": {**auth(), "Content-Type": "application/json"}},
        400,
        "INVALID_UTF8",
    ),
    (
        "conversion wrong content type",
        "POST",
        CONVERSION,
        {"data": b"{}", "headers": {**auth(), "Content-Type": "text/html"}},
        400,
        "WRONG_CONTENT_TYPE",
    ),
    (
        "conversion oversize",
        "POST",
        CONVERSION,
        {"data": BIG, "headers": {**auth(), "Content-Type": "application/json"}},
        413,
        "BODY_TOO_LARGE",
    ),
    (
        "conversion not an object",
        "POST",
        CONVERSION,
        {"json": "x", "headers": auth()},
        400,
        "CONVERSION_MALFORMED",
    ),
    (
        "absurd query string",
        "GET",
        "https://img.byspotify.com/?a=" + "x" * 20_000,
        {},
        414,
        "URL_TOO_LONG",
    ),
    (
        "absurd control query",
        "GET",
        f"{CONTROL}/records?session=" + "x" * 20_000,
        {},
        414,
        "URL_TOO_LONG",
    ),
    ("broken percent-encoding", "GET", "https://img.byspotify.com/?key=%ff%fe&a=%zz", {}, 200, ""),
    ("unknown path", "GET", "https://pixels.spotify.com/nope", {}, 404, "NOT_FOUND"),
    ("wrong method", "GET", INGEST, {}, 405, "METHOD_NOT_ALLOWED"),
    ("unknown control path", "GET", f"{CONTROL}/nope", {}, 404, "NOT_FOUND"),
    ("control bad limit", "GET", f"{CONTROL}/records?limit=lots", {}, 400, "BAD_PARAMETER"),
    (
        "control bad has_findings",
        "GET",
        f"{CONTROL}/records?has_findings=maybe",
        {},
        400,
        "BAD_PARAMETER",
    ),
    ("control bad timeout", "GET", f"{CONTROL}/wait?timeout=nan", {}, 400, "BAD_PARAMETER"),
    ("control bad record id", "GET", f"{CONTROL}/records/abc", {}, 400, "BAD_PARAMETER"),
    (
        "stats bad campaign id",
        "GET",
        "https://ads-api.spotify.com/v1/campaigns/%3Cx%3E/stats?start_date=2026-01-01&"
        "end_date=2026-01-02",
        {"headers": auth()},
        400,
        "BAD_REQUEST",
    ),
]


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status", "code"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_gets_a_4xx_json_error_and_is_recorded(
    mock: MockEndpoint,
    client: MockClient,
    session: str,
    method: str,
    url: str,
    kwargs: dict[str, Any],
    status: int,
    code: str,
) -> None:
    headers = {**kwargs.pop("headers", {}), "X-Spdt-Session": session}
    if url.startswith(CONTROL):
        answer: Answer = client.control(method, url[len(CONTROL) + 1 :], headers=headers, **kwargs)
    else:
        answer = client.request(method, url, headers=headers, **kwargs)
    assert answer.status == status, answer.text[:300]
    if code:
        data = answer.json()
        assert data["code"] == code
        assert data["message"]
    if "/__spdt" not in url:
        hit = last(mock, session)  # invalid hits are kept
        assert hit.status == status
        if status >= 400:
            assert not hit.valid
    assert mock.internal_errors == []


def test_capi_errors_carry_a_trace_id_even_for_bad_bodies(client: MockClient) -> None:
    answer = client.post(CAPI, data=b"{", headers={**auth(), "Content-Type": "application/json"})
    assert answer.status == 400
    assert len(answer.json()["sp_trace_id"]) == 32


def test_unknown_paths_list_the_valid_ones(client: MockClient) -> None:
    data = client.get("https://capi.spotify.com/v2/nope").json()
    assert "POST https://capi.spotify.com/capi-direct/events/" in data["valid"]
    control = client.control("GET", "nope").json()
    assert "GET /__spdt/records" in control["valid"]
    assert "GET /__spdt/openapi.json" in control["valid"]


def test_the_guard_answers_an_unexpected_exception_with_500_json(
    mock: MockEndpoint, client: MockClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last resort exists and is counted; the bad-input tests above prove nothing reaches it."""

    def boom(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(control, "dedup_report", boom)
    before = len(mock.internal_errors)
    answer = client.control("GET", "dedup")
    assert answer.status == 500
    assert answer.json()["code"] == "INTERNAL_ERROR"
    assert "simulated bug" in mock.internal_errors[-1]
    assert len(mock.internal_errors) == before + 1
    mock._app[HEALTH_KEY].internal_errors.clear()


# -- control API -------------------------------------------------------------------------------
def test_records_filters_and_paging(mock: MockEndpoint, client: MockClient, session: str) -> None:
    tagged = {"X-Spdt-Session": session}
    client.post(INGEST, json=batch(ev("view")), headers=tagged)
    client.post(INGEST, json=batch(ev("purchase", value="1")), headers=tagged)
    client.get(
        f"https://img.byspotify.com/?key={KEY}&a=lead",
        headers={**tagged, "Sec-Fetch-Dest": "image"},  # from a browser: no IMAGE_NO_CLIENT_IP
    )

    def ids(query: str) -> list[int]:
        answer = client.control("GET", f"records?session={session}&{query}")
        assert answer.status == 200, answer.text
        return [r["id"] for r in answer.json()["records"]]

    everything = ids("")
    assert len(everything) == 3
    assert ids("kind=image") == everything[2:]
    assert ids("event=purchase") == everything[1:2]
    assert ids("has_findings=true") == everything[1:2]
    assert ids("has_findings=false") == [everything[0], everything[2]]
    assert ids("host=img.byspotify.com") == everything[2:]
    assert ids("code=MISSING_CURRENCY") == everything[1:2]
    assert ids("limit=2") == everything[:2]
    assert ids("limit=2&offset=2") == everything[2:]
    assert ids(f"after_id={everything[0]}") == everything[1:]
    page = client.control("GET", f"records?session={session}&limit=1").json()
    assert page["total"] == 3
    assert page["next_after_id"] == everything[0]
    one = client.control("GET", f"records/{everything[1]}").json()
    assert one["events"][0]["name"] == "purchase"
    assert client.control("GET", "records/999999999").status == 404


def test_summary_sessions_and_reset(mock: MockEndpoint, client: MockClient, session: str) -> None:
    other = session + "-other"
    client.post(INGEST, json=batch(ev("view")), headers={"X-Spdt-Session": session})
    client.post(INGEST, json=batch(ev("view"), pid="bad"), headers={"X-Spdt-Session": session})
    client.post(INGEST, json=batch(ev("view")), headers={"X-Spdt-Session": other})
    summary = client.control("GET", f"summary?session={session}").json()
    assert {k: summary[k] for k in ("total", "valid", "invalid")} == {
        "total": 2,
        "valid": 1,
        "invalid": 1,
    }
    assert "evicted" in summary
    sessions = client.control("GET", "sessions").json()["sessions"]
    assert (sessions[session], sessions[other]) == (2, 1)
    assert client.control("POST", f"reset?session={session}").json() == {"dropped": 2}
    assert mock.records(session) == []
    assert len(mock.records(other)) == 1
    mock.reset(other)


def test_eviction_is_counted() -> None:
    with MockEndpoint(max_records=3) as small, MockClient(small) as c:
        for _ in range(5):
            c.post(INGEST, json=batch(ev("view")))
        summary = c.control("GET", "summary").json()
        assert (summary["total"], summary["evicted"]) == (3, 2)
        assert [r.id for r in small.records()] == [3, 4, 5]


def test_wait_answers_at_once_when_a_match_exists(client: MockClient, session: str) -> None:
    client.post(INGEST, json=batch(ev("lead")), headers={"X-Spdt-Session": session})
    answer = client.control("GET", f"wait?session={session}&event=lead&timeout=5").json()
    assert answer["status"] == "found"
    assert answer["record"]["events"][0]["name"] == "lead"


def test_wait_answers_the_moment_a_hit_arrives(
    mock: MockEndpoint, client: MockClient, session: str
) -> None:
    after = mock.store.last_id()
    sent = threading.Event()

    def send_when_waiting() -> None:
        # The long-poll is registered once the server sees the wait request; a store listener
        # tells us, so the hit is sent while the wait is open (no sleeping).
        with MockClient(mock) as other:
            sent.wait(10)
            other.post(INGEST, json=batch(ev("signup")), headers={"X-Spdt-Session": session})

    sender = threading.Thread(target=send_when_waiting)
    sender.start()
    original_subscribe = mock.store.subscribe

    def subscribe_and_signal(listener: Any) -> Any:
        off = original_subscribe(listener)
        sent.set()
        return off

    mock.store.subscribe = subscribe_and_signal  # type: ignore[method-assign]
    try:
        answer = client.control(
            "GET", f"wait?session={session}&event=signup&after_id={after}&timeout=30"
        ).json()
    finally:
        mock.store.subscribe = original_subscribe  # type: ignore[method-assign]
        sender.join(10)
    assert answer["status"] == "found"
    assert answer["record"]["events"][0]["name"] == "signup"


def test_wait_says_not_yet_after_the_timeout(client: MockClient, session: str) -> None:
    answer = client.control("GET", f"wait?session={session}&event=purchase&timeout=0.2")
    assert answer.status == 200
    assert answer.json()["status"] == "not_yet"


def test_dedup_report(mock: MockEndpoint, client: MockClient, session: str) -> None:
    tagged = {"X-Spdt-Session": session}
    # matched: pixel purchase e1 + CAPI purchase e1
    client.post(
        INGEST, json=batch(ev("purchase", value=1, currency="USD", event_id="e1")), headers=tagged
    )
    client.post(CAPI, json=capi_body(capi_event(event_id="e1")), headers=auth(session=session))
    # order_id is not a dedup key: two pixel purchases and a guide conversion sharing order_id
    # o2 but no event_id cannot be deduplicated (unkeyed), nor matched with each other
    for _ in range(2):
        client.post(
            INGEST,
            json=batch(ev("purchase", value=2, currency="USD", order_id="o2")),
            headers=tagged,
        )
    client.post(
        CONVERSION,
        json=guide_body(custom_data={"value": 2, "currency": "USD", "order_id": "o2"}),
        headers=auth(session=session),
    )
    # double count: the same event_id twice on the pixel side, once on the server (Stape's name)
    for _ in range(2):
        client.post(
            INGEST,
            json=batch(ev("addtocart", value=3, currency="USD", event_id="a3", order_id="o3")),
            headers=tagged,
        )
    client.post(
        CAPI,
        json=capi_body(capi_event(event_id="a3", event_name="Add_Cart")),
        headers=auth(session=session),
    )
    # orphans: pixel-only lead, server-only purchase; same order_id, other event_id: no match
    client.post(INGEST, json=batch(ev("lead", event_id="l1")), headers=tagged)
    client.post(CAPI, json=capi_body(capi_event(event_id="s9")), headers=auth(session=session))
    client.post(
        INGEST,
        json=batch(ev("purchase", value=4, currency="USD", event_id="p4", order_id="o4")),
        headers=tagged,
    )
    client.post(
        CAPI, json=capi_body(capi_event(event_id="p4-server")), headers=auth(session=session)
    )
    # unkeyed
    client.post(INGEST, json=batch(ev("signup")), headers=tagged)

    report = mock.dedup_report(session)
    assert [(g.event, g.event_ids, g.order_ids) for g in report.matched] == [
        ("purchase", ("e1",), ()),
        ("addtocart", ("a3",), ("o3",)),
    ]
    assert [g.event_ids for g in report.pixel_only] == [("l1",), ("p4",)]
    assert [g.event_ids for g in report.server_only] == [("s9",), ("p4-server",)]
    assert [(len(g.pixel_record_ids), g.event_ids) for g in report.double_counts] == [(2, ("a3",))]
    assert (report.pixel_events, report.server_events) == (8, 5)
    assert (report.unkeyed_pixel, report.unkeyed_server) == (3, 1)
    over_http = client.control("GET", f"dedup?session={session}").json()
    assert over_http == report.to_json()


def test_rules_are_served(client: MockClient) -> None:
    rules = {r["code"]: r for r in client.control("GET", "rules").json()["rules"]}
    assert rules["INVALID_VALUE"]["severity"] == "error"
    assert rules["CAPI_FORBIDDEN"]["scope"] == "capi"


def test_session_from_user_agent_token(
    mock: MockEndpoint, client: MockClient, session: str
) -> None:
    credential = mock.session_credential(session)
    client.post(
        INGEST,
        json=batch(ev("view")),
        headers={"User-Agent": f"Mozilla/5.0 Chrome spdt-session/{credential}"},
    )
    assert [r.kind for r in mock.records(session)] == ["ingest"]


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Spdt-Session": "victim.0123456789abcdef0123456789abcdef"},
        {"User-Agent": "Mozilla/5.0 spdt-session/victim"},
        {"User-Agent": "Mozilla/5.0 spdt-session/victim.0123456789abcdef0123456789abcdef"},
    ],
    ids=["header with a made-up mac", "user agent without a mac", "user agent made-up mac"],
)
def test_a_forged_session_tag_files_nothing_under_that_session(
    mock: MockEndpoint, client: MockClient, headers: dict[str, str]
) -> None:
    client.post(INGEST, json=batch(ev("view")), headers={"X-Spdt-Session": "victim"})
    before = [r.id for r in mock.records("victim")]
    answer = client.post(INGEST, json=batch(ev("purchase")), headers=headers)
    assert answer.status == 204
    assert [r.id for r in mock.records("victim")] == before
    forged = mock.records()[-1]
    assert forged.session == "default"
    assert [f.code for f in forged.findings if f.code == "SESSION_TAG_FORGED"] == [
        "SESSION_TAG_FORGED"
    ]


def test_a_credential_of_another_mock_does_not_verify(client: MockClient, session: str) -> None:
    with MockEndpoint() as other:
        stolen = other.session_credential(session)
    client.post(INGEST, json=batch(ev("view")), headers={"X-Spdt-Session": stolen})
    assert client.control("GET", f"summary?session={session}").json()["total"] == 0


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "https://pixels.spotify.com/__spdt/reset"),
        ("GET", "https://pixel.byspotify.com/__spdt/records"),
        ("GET", "https://open.spotify.com/__spdt"),
        ("POST", "https://ping.pdst.fm/__spdt/reset?session=victim"),
    ],
)
def test_control_paths_on_spotify_names_are_refused_and_recorded(
    mock: MockEndpoint, client: MockClient, session: str, method: str, url: str
) -> None:
    client.post(INGEST, json=batch(ev("view")), headers={"X-Spdt-Session": "victim"})
    total = client.control("GET", "summary").json()["total"]
    answer = client.request(method, url, headers={"X-Spdt-Session": session})
    assert answer.status == 404
    assert "control API is not served" in answer.json()["message"]
    assert "valid" not in answer.json()  # the control routes are not advertised there
    assert client.control("GET", "summary").json()["total"] == total + 1  # nothing removed
    refused = mock.records(session)[-1]
    assert (refused.kind, refused.status) == ("tampering", 404)
    assert [f.code for f in refused.findings] == ["CONTROL_PATH_REFUSED"]


def test_the_control_listener_needs_the_token(mock: MockEndpoint, client: MockClient) -> None:
    url = client.control_url("summary")
    assert client.get(url).status == 401
    assert client.get(url, headers={"X-Spdt-Control-Token": "guess"}).status == 403
    assert client.get(f"{url}?token={mock.control_token}").status == 200
    assert client.control("GET", "summary").status == 200


def test_any_other_spotify_name_is_answered_not_emulated(
    mock: MockEndpoint, client: MockClient, session: str
) -> None:
    for url in (
        "https://open.spotify.com/",
        "https://spotify.com/x",
        "https://www.byspotify.com/y",
        "https://cdn.pdst.fm/z.js",
        "https://www.podsights.com/",
    ):
        answer = client.get(url, headers={"X-Spdt-Session": session})
        assert answer.status == 404, url
        assert "not emulated" in answer.json()["message"]
    kinds = [r.kind for r in mock.records(session)]
    assert kinds == ["unknown"] * 5


def test_an_untagged_hit_is_filed_by_an_identifier_only_one_session_has_seen(
    mock: MockEndpoint, client: MockClient, session: str
) -> None:
    other = session + "-b"
    own_uid, shared_click = uuid.uuid4().hex, f"click-{uuid.uuid4().hex[:8]}"
    unload = {"Content-Type": "text/plain"}  # what an unload beacon carries: no session tag

    def hit(action: str, headers: dict[str, str], **ids: str) -> None:
        body = {"action": action, "body": {}, **ids}
        client.post(INGEST, data=json.dumps(batch(body)), headers=headers)

    hit("view", {"X-Spdt-Session": session}, uid=own_uid, click_id=shared_click)
    hit("view", {"X-Spdt-Session": other}, click_id=shared_click)  # the crawl reused it
    hit("own", unload, uid=own_uid)
    hit("shared", unload, click_id=shared_click)
    by_name = {e.name: r.session for r in mock.records() for e in r.events}
    assert by_name["own"] == session  # the device id only this session has seen
    assert by_name["shared"] == "default"  # seen in two sessions: names neither
    mock.reset(other)


def test_an_untagged_hit_that_overtook_its_page_is_filed_again_when_its_session_shows_up(
    mock: MockEndpoint, client: MockClient, session: str
) -> None:
    """An unload beacon can reach the mock before any tagged hit of its page (those wait on a
    slow CORS preflight): filed in ``default`` at first, it moves to the session as soon as a
    tagged hit of that session, and of no other, names its device id or click id."""
    other = session + "-b"
    uid, click, shared = uuid.uuid4().hex, f"c-{uuid.uuid4().hex[:8]}", f"s-{uuid.uuid4().hex[:8]}"
    unload = {"Content-Type": "text/plain"}

    def hit(action: str, headers: dict[str, str], **ids: str) -> None:
        body = {"action": action, "body": {}, **ids}
        client.post(INGEST, data=json.dumps(batch(body)), headers=headers)

    def filed() -> dict[str, tuple[str, int]]:
        return {e.name: (r.session, r.id) for r in mock.records() for e in r.events}

    hit("view", {"X-Spdt-Session": session}, click_id=shared)
    hit("view", {"X-Spdt-Session": other}, click_id=shared)  # shared: names neither session
    hit("beacon", unload, uid=uid)  # overtook the page's tagged hits
    hit("late", unload, click_id=shared)
    before = filed()
    assert before["beacon"][0] == "default"
    assert before["late"][0] == "default"
    hit("purchase", {"X-Spdt-Session": session}, uid=uid, click_id=click)
    hit("checkout", {"X-Spdt-Session": session}, click_id=shared)
    after = filed()
    assert after["beacon"] == (session, before["beacon"][1])  # the same record, filed again
    assert after["late"] == before["late"]  # a click id two sessions showed still names neither
    assert [e.name for r in mock.records(session) for e in r.events][:2] == ["view", "beacon"]
    mock.reset(other)
