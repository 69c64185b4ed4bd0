"""Hypothesis against every endpoint of the mock, through real HTTPS (MockClient): any method,
host, path, query, headers and body. Never a 5xx, never an unexpected exception in the server,
and every 4xx a JSON ``{code, message}``.

``GET /__spdt/stream`` is left out (an endless event stream; tests/test_mock_live_page.py covers
it); ``/__spdt/wait`` is fuzzed with timeouts capped at 0.2 s so that the suite stays fast.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_endpoint import MockEndpoint
from mock_endpoint.app import ROUTES
from mock_endpoint.client import MockClient
from mock_endpoint.hosts import SPOTIFY_HOSTS

KEY = "0123456789abcdef0123456789abcdef"
# `make soak` raises the example counts (SPDT_FUZZ_EXAMPLES); `make test` keeps them modest.
EXAMPLES = int(os.environ.get("SPDT_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=EXAMPLES or 60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
ROUTES_FUZZED = [r for r in ROUTES if not r.path.endswith("/stream")]


@pytest.fixture(scope="module")
def mock() -> Iterator[MockEndpoint]:
    with MockEndpoint(tokens=["good-token"], max_body=64 * 1024) as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def client(mock: MockEndpoint) -> Iterator[MockClient]:
    with MockClient(mock) as http:
        yield http


_ascii = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40).map(
    str.strip
)
_text = st.one_of(
    _ascii,
    st.text(max_size=20),
    st.sampled_from(
        ["", "{{value}}", "${x}", "undefined", "NaN", "-1", "1e309", "79,99", "\x00", "%ff"]
    ),
)
_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    _text,
)
_json = st.recursive(
    _scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_text, inner, max_size=4)),
    max_leaves=15,
)
_event = st.fixed_dictionaries(
    {"action": st.one_of(st.sampled_from(["view", "purchase", "lead", "Purchase"]), _json)},
    optional={
        "uid": _json,
        "click_id": _json,
        "body": st.one_of(
            _json,
            st.fixed_dictionaries(
                {},
                optional={
                    "url": _json,
                    "value": _scalar,
                    "currency": _text,
                    "order_id": _json,
                    "event_id": _json,
                    "line_items": _json,
                    "quantity": _scalar,
                },
            ),
        ),
    },
)
_batch = st.fixed_dictionaries(
    {
        "batch": st.lists(
            st.fixed_dictionaries(
                {"pid": st.one_of(st.just(KEY), _json), "events": st.lists(_event, max_size=3)}
            ),
            max_size=2,
        )
    }
)
_capi_event = st.fixed_dictionaries(
    {},
    optional={
        "event_name": st.one_of(st.sampled_from(["PURCHASE", "LEAD", "purchase"]), _json),
        "event_id": _json,
        "event_time": st.one_of(
            st.sampled_from(["2026-01-01T00:00:00Z", "2999-01-01T00:00:00Z", "yesterday"]), _json
        ),
        "user_data": _json,
        "event_details": _json,
        "event_source_url": _json,
        "action_source": _json,
    },
)
_capi = st.fixed_dictionaries(
    {
        "conversion_events": st.fixed_dictionaries(
            {
                "capi_connection_id": st.one_of(
                    st.just("9f0d2a4c-1b2e-4c3d-8e9f-0a1b2c3d4e5f"), _json
                ),
                "events": st.one_of(st.lists(_capi_event, max_size=3), _json),
            }
        )
    }
)
_conversion = st.fixed_dictionaries(
    {},
    optional={
        "pixel_id": st.one_of(st.just(KEY), _json),
        "event_name": _json,
        "event_time": _json,
        "user_data": _json,
        "custom_data": _json,
    },
)
_body = st.one_of(
    st.none(),
    st.binary(max_size=300),
    _json.map(lambda v: json.dumps(v).encode()),
    _batch.map(lambda v: json.dumps(v).encode()),
    _capi.map(lambda v: json.dumps(v).encode()),
    _conversion.map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b"{", b"\xff\xfe", b'{"batch": [', b"[" * 5000, b" ", b"\xef\xbb\xbf{}"]),
    st.integers(64 * 1024 - 10, 64 * 1024 + 10).map(lambda n: b"x" * n),
)
_content_type = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "application/json",
            "text/plain",
            "text/plain;charset=UTF-8",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin-1",
            "garbage",
        ]
    ),
)
_query_names = st.sampled_from(
    [
        "key",
        "a",
        "ev",
        "value",
        "currency",
        "order_id",
        "session",
        "host",
        "kind",
        "event",
        "has_findings",
        "code",
        "after_id",
        "limit",
        "offset",
        "timeout",
        "replay",
        "start_date",
        "end_date",
        "quantity",
    ]
)
_query = st.dictionaries(st.one_of(_query_names, _ascii), _text, max_size=6)


def _path_for(route_path: str, segment: str) -> str:
    return route_path.replace("{id}", quote(segment, safe="") or "x")


@st.composite
def _requests(draw: st.DrawFn) -> dict[str, Any]:
    route = draw(st.sampled_from(ROUTES_FUZZED))
    method = draw(st.one_of(st.just(route.method), st.sampled_from(["GET", "POST", "PUT", "HEAD"])))
    host = route.host or draw(st.sampled_from(SPOTIFY_HOSTS))
    query = draw(_query)
    if route.path.endswith("/wait"):
        query["timeout"] = draw(st.sampled_from(["0", "0.1", "0.2", "-1", "nan", "61", "x"]))
        if query["timeout"] in ("0.1", "0.2"):
            query["after_id"] = "999999999"  # nothing will match: the long-poll times out
    headers = {
        k: v
        for k, v in {
            "Content-Type": draw(_content_type),
            "Authorization": draw(
                st.one_of(
                    st.none(),
                    st.sampled_from(["Bearer good-token", "Bearer nope", "Basic x", "Bearer "]),
                    _ascii,
                )
            ),
            "X-Spdt-Session": draw(st.one_of(st.none(), _ascii)),
            "User-Agent": draw(st.one_of(st.none(), _ascii.map(lambda s: f"UA {s}"))),
            "Origin": draw(st.one_of(st.none(), st.sampled_from(["https://shop.test", "null"]))),
            "Referer": draw(st.one_of(st.none(), _ascii)),
            "If-None-Match": draw(st.one_of(st.none(), _ascii)),
            "Host": draw(
                st.one_of(st.none(), st.sampled_from(["evil.test", "PIXELS.SPOTIFY.COM:443"]))
            ),
        }.items()
        if v is not None
    }
    return {
        "method": method,
        "url": f"https://{host}{_path_for(route.path, draw(_text))}",
        "params": query,
        "headers": headers,
        "data": draw(_body) if method not in ("GET", "HEAD") else None,
    }


def _check(answer: Any, request: dict[str, Any]) -> None:
    assert answer.status < 500, (answer.status, answer.text[:300], request)
    if answer.status >= 400 and request["method"] != "HEAD" and answer.body:
        payload = answer.json()
        assert isinstance(payload.get("code"), str), payload
        assert isinstance(payload.get("message"), str), payload


@FUZZ
@given(_requests())
def test_any_request_to_any_endpoint_gets_a_clear_answer(
    mock: MockEndpoint, client: MockClient, request_: dict[str, Any]
) -> None:
    answer = client.request(
        request_["method"],
        request_["url"],
        params=request_["params"],
        headers=request_["headers"],
        data=request_["data"],
        skip_auto_headers=["Content-Type"],
    )
    _check(answer, request_)
    assert mock.internal_errors == []


@FUZZ
@given(st.sampled_from([r for r in ROUTES_FUZZED if r.host]), _body, _content_type)
def test_every_hit_on_a_pixel_host_is_recorded_once(
    mock: MockEndpoint, client: MockClient, route: Any, body: bytes | None, ctype: str | None
) -> None:
    session = "fuzz-rec"
    before = mock.summary(session).total
    headers = {"X-Spdt-Session": session, "Authorization": "Bearer good-token"}
    if ctype:
        headers["Content-Type"] = ctype
    answer = client.request(
        route.method,
        f"https://{route.host}{_path_for(route.path, 'c1')}",
        params={"start_date": "2026-01-01", "end_date": "2026-01-02", "key": KEY, "a": "lead"},
        headers=headers,
        data=body if route.method == "POST" else None,
        skip_auto_headers=["Content-Type"],
    )
    _check(answer, {"method": route.method})
    assert mock.summary(session).total == before + 1
    assert mock.internal_errors == []
