"""The validation rule table: codes, severities and messages (shared with the auditor)."""

from __future__ import annotations

import hashlib
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mock_endpoint.records import Finding
from mock_endpoint.validation import (
    all_rules,
    get_rule,
    validate_capi_auth,
    validate_capi_envelope,
    validate_conversion,
    validate_conversion_auth,
    validate_pixel_event,
)

KEY = "0123456789abcdef0123456789abcdef"
NOW = datetime(2026, 3, 2, tzinfo=UTC)


def codes(findings: tuple[Finding, ...]) -> list[str]:
    return [f.code for f in findings]


def test_a_correct_purchase_has_no_findings() -> None:
    params = {"value": 79.99, "currency": "USD", "order_id": "SP-ORD-12345", "quantity": 2}
    assert validate_pixel_event("purchase", KEY, params) == ()


@pytest.mark.parametrize(
    ("name", "key", "params", "code", "severity", "message"),
    [
        ("custom", KEY, {}, "UNKNOWN_EVENT", "warning", "use custom_event_1..5"),
        (
            "Purchase",
            KEY,
            {"value": 1, "currency": "USD", "order_id": 1},
            "UNKNOWN_EVENT",
            "warning",
            "did you mean 'purchase'?",
        ),
        ("view", "YOUR_PIXEL_ID", {}, "INVALID_PIXEL_KEY", "error", "placeholder"),
        ("view", None, {}, "INVALID_PIXEL_KEY", "error", "no pixel key"),
        ("view", KEY.upper(), {}, "INVALID_PIXEL_KEY", "error", "use lowercase"),
        ("view", "abc", {}, "INVALID_PIXEL_KEY", "error", "'abc' is not 32 lowercase hex"),
        (
            "lead",
            KEY,
            {"type": "{{form_type}}"},
            "UNFILLED_PLACEHOLDER",
            "error",
            "parameter type is an unfilled placeholder: '{{form_type}}' (str)",
        ),
        ("lead", KEY, {"category": "${cat}"}, "UNFILLED_PLACEHOLDER", "error", "'${cat}'"),
        ("lead", KEY, {"category": "<%= c %>"}, "UNFILLED_PLACEHOLDER", "error", "<%= c %>"),
        ("lead", KEY, {"category": "[[c]]"}, "UNFILLED_PLACEHOLDER", "error", "[[c]]"),
        ("lead", KEY, {"category": "%%c%%"}, "UNFILLED_PLACEHOLDER", "error", "%%c%%"),
        ("lead", KEY, {"type": "undefined"}, "UNFILLED_PLACEHOLDER", "error", "'undefined'"),
        ("lead", KEY, {"type": "null"}, "UNFILLED_PLACEHOLDER", "error", "'null'"),
        ("lead", KEY, {"type": "NaN"}, "UNFILLED_PLACEHOLDER", "error", "'NaN'"),
        ("lead", KEY, {"type": "  "}, "UNFILLED_PLACEHOLDER", "error", "'  ' (str)"),
        (
            "purchase",
            KEY,
            {
                "value": 1,
                "currency": "USD",
                "order_id": "1",
                "line_items": [{"product_id": "{{sku}}"}],
            },
            "UNFILLED_PLACEHOLDER",
            "error",
            "line_items[0].product_id",
        ),
        (
            "addtocart",
            KEY,
            {"value": 39.99},
            "MISSING_CURRENCY",
            "error",
            "value 39.99 (float) is sent without currency",
        ),
        ("purchase", KEY, {"order_id": "1"}, "MISSING_VALUE", "warning", "purchase has no value"),
        (
            "purchase",
            KEY,
            {"value": 1, "currency": "£", "order_id": "1"},
            "INVALID_CURRENCY",
            "error",
            "'£' (str) is not an ISO 4217 currency code; a symbol, not a code: did you mean 'GBP'?",
        ),
        (
            "purchase",
            KEY,
            {"value": 1, "currency": "usd", "order_id": "1"},
            "INVALID_CURRENCY",
            "error",
            "did you mean 'USD'?",
        ),
        (
            "purchase",
            KEY,
            {"value": 1, "currency": "ABC", "order_id": "1"},
            "INVALID_CURRENCY",
            "error",
            "'ABC' (str)",
        ),
        (
            "purchase",
            KEY,
            {"value": 1, "currency": 840, "order_id": "1"},
            "INVALID_CURRENCY",
            "error",
            "840 (int)",
        ),
        (
            "purchase",
            KEY,
            {"value": "79,99", "currency": "EUR", "order_id": "1"},
            "INVALID_VALUE",
            "error",
            "value '79,99' (str) is not a number >= 0",
        ),
        (
            "purchase",
            KEY,
            {"value": "5000", "currency": "GBP", "order_id": "1"},
            "INVALID_VALUE",
            "error",
            "value '5000' (str)",
        ),
        (
            "purchase",
            KEY,
            {"value": True, "currency": "GBP", "order_id": "1"},
            "INVALID_VALUE",
            "error",
            "value True (bool)",
        ),
        (
            "purchase",
            KEY,
            {"value": math.nan, "currency": "GBP", "order_id": "1"},
            "INVALID_VALUE",
            "error",
            "value nan (float)",
        ),
        (
            "purchase",
            KEY,
            {"value": -1, "currency": "GBP", "order_id": "1"},
            "INVALID_VALUE",
            "error",
            "value -1 (int)",
        ),
        (
            "purchase",
            KEY,
            {"value": 1, "currency": "USD", "order_id": "1", "quantity": "2"},
            "INVALID_PARAMETER",
            "warning",
            "quantity '2' (str) is not an integer >= 0",
        ),
        (
            "purchase",
            KEY,
            {"value": 1, "currency": "USD", "order_id": "1", "is_new_customer": "yes"},
            "INVALID_PARAMETER",
            "warning",
            "is_new_customer 'yes' (str) is not a boolean",
        ),
        (
            "purchase",
            KEY,
            {"value": 1, "currency": "USD", "order_id": "1", "line_items": {}},
            "INVALID_PARAMETER",
            "warning",
            "line_items {} (dict) is not a list of objects",
        ),
        (
            "purchase",
            KEY,
            {
                "value": 1,
                "currency": "USD",
                "order_id": "1",
                "line_items": [{"value": "9", "quantity": -1}],
            },
            "INVALID_PARAMETER",
            "warning",
            "line_items[0].value '9' (str)",
        ),
        (
            "purchase",
            KEY,
            {"value": 1, "currency": "USD", "order_id": True},
            "INVALID_PARAMETER",
            "warning",
            "order_id True (bool) is not a string or number",
        ),
        (
            "purchase",
            KEY,
            {"value": 1, "currency": "USD", "event_id": ["x"]},
            "INVALID_PARAMETER",
            "warning",
            "event_id ['x'] (list)",
        ),
        (
            "purchase",
            KEY,
            {"value": 1, "currency": "USD", "order_id": 1, "discount_code": 5},
            "INVALID_PARAMETER",
            "warning",
            "discount_code 5 (int) is not a string",
        ),
        (
            "product",
            KEY,
            {"product_id": {"a": 1}},
            "INVALID_PARAMETER",
            "warning",
            "product_id {'a': 1} (dict)",
        ),
        (
            "purchase",
            KEY,
            {"value": 1, "currency": "USD"},
            "MISSING_ORDER_ID",
            "warning",
            "neither order_id nor event_id",
        ),
    ],
)
def test_each_pixel_rule(
    name: str, key: str | None, params: dict[str, Any], code: str, severity: str, message: str
) -> None:
    found = [f for f in validate_pixel_event(name, key, params) if f.code == code]
    assert found, f"no {code} in {validate_pixel_event(name, key, params)}"
    assert found[0].severity == severity
    assert message in found[0].message


def test_placeholder_is_not_also_reported_as_a_wrong_type() -> None:
    found = validate_pixel_event(
        "purchase", KEY, {"value": "{{v}}", "currency": "{{c}}", "order_id": "1"}
    )
    assert codes(found) == ["UNFILLED_PLACEHOLDER", "UNFILLED_PLACEHOLDER"]


def test_event_id_alone_satisfies_the_order_id_rule() -> None:
    assert (
        validate_pixel_event("purchase", KEY, {"value": 1, "currency": "USD", "event_id": "e1"})
        == ()
    )


def test_every_rule_is_registered_once_with_a_description() -> None:
    rules = all_rules()
    assert len({r.code for r in rules}) == len(rules)
    for r in rules:
        assert r.severity in ("error", "warning", "info")
        assert r.description
    assert get_rule("INVALID_VALUE").severity == "error"
    with pytest.raises(KeyError, match="no validation rule 'NOPE'"):
        get_rule("NOPE")


def capi_body(**event: Any) -> dict[str, Any]:
    base = {
        "event_name": "PURCHASE",
        "event_id": "e1",
        "event_time": "2026-03-01T15:30:00Z",
        "user_data": {"hashed_emails": [hashlib.sha256(b"a@b.com").hexdigest()]},
        "event_details": {"amount": 10.5, "currency": "USD"},
        "event_source_url": "https://shop.test/thanks",
        "action_source": "WEB",
    }
    base.update(event)
    return {
        "conversion_events": {
            "capi_connection_id": "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            "events": [base],
        }
    }


def test_a_correct_capi_envelope_has_no_findings() -> None:
    assert validate_capi_envelope(capi_body(), now=NOW) == ()


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"events": []}, "CAPI_MALFORMED_ENVELOPE", 'expected {"conversion_events"'),
        (
            {"conversion_events": {"capi_connection_id": "x", "events": []}},
            "CAPI_MALFORMED_ENVELOPE",
            "events is empty",
        ),
        (
            {"conversion_events": {"capi_connection_id": "nope", "events": [{}]}},
            "CAPI_INVALID_CONNECTION_ID",
            "'nope' (str) is not a UUID",
        ),
        (capi_body(event_name="purchase"), "CAPI_INVALID_EVENT_NAME", "did you mean 'PURCHASE'?"),
        (capi_body(event_name="checkout"), "CAPI_INVALID_EVENT_NAME", "'CHECK_OUT'"),
        (capi_body(event_id=""), "CAPI_MISSING_EVENT_ID", "event_id is missing"),
        (capi_body(event_time="2026-03-01 15:30"), "CAPI_INVALID_EVENT_TIME", "ISO 8601"),
        (
            capi_body(event_time="2026-03-01T15:30:00+02:00"),
            "CAPI_INVALID_EVENT_TIME",
            "not in UTC",
        ),
        (capi_body(event_time=1700000000), "CAPI_INVALID_EVENT_TIME", "1700000000 (int)"),
        (capi_body(event_time="2026-03-05T00:00:00Z"), "CAPI_FUTURE_EVENT_TIME", "in the future"),
        (capi_body(user_data={}), "CAPI_MISSING_USER_DATA", "at least one of ip_address"),
        (
            capi_body(user_data={"hashed_emails": [" A@B.com "]}),
            "CAPI_UNHASHED_EMAIL",
            "hashed_emails[0] is a plain email address",
        ),
        (
            capi_body(user_data={"hashed_phone_number": "ABCDEF" * 10 + "ABCD"}),
            "CAPI_INVALID_HASH",
            "use lowercase hex",
        ),
        (
            capi_body(event_source_url="javascript:alert(1)"),
            "CAPI_INVALID_SOURCE_URL",
            "not an http or https URL",
        ),
        (capi_body(action_source="web"), "CAPI_INVALID_ACTION_SOURCE", "'web' (str)"),
        (
            capi_body(event_details={"amount": "10"}),
            "CAPI_INVALID_EVENT_DETAILS",
            "amount '10' (str) is not a number >= 0",
        ),
        (capi_body(event_details={"amount": 10}), "CAPI_INVALID_EVENT_DETAILS", "without currency"),
        (
            capi_body(event_details={"amount": 10, "currency": "usd"}),
            "CAPI_INVALID_EVENT_DETAILS",
            "did you mean 'USD'?",
        ),
        (
            capi_body(event_details={"content_category": "Shoes"}),
            "CAPI_INVALID_EVENT_DETAILS",
            "Google product taxonomy",
        ),
        (capi_body(event_id="{{event_id}}"), "CAPI_UNFILLED_PLACEHOLDER", "events[0].event_id"),
    ],
)
def test_each_capi_rule(body: dict[str, Any], code: str, message: str) -> None:
    found = [f for f in validate_capi_envelope(body, now=NOW) if f.code == code]
    assert found, f"no {code} in {validate_capi_envelope(body, now=NOW)}"
    assert message in found[0].message


def test_capi_taxonomy_accepts_a_path_or_numeric_id() -> None:
    for cat in ("Apparel & Accessories > Shoes", "187", 187):
        assert (
            validate_capi_envelope(capi_body(event_details={"content_category": cat}), now=NOW)
            == ()
        )


def test_bearer_tokens() -> None:
    assert codes(validate_capi_auth(None, frozenset())) == ["CAPI_UNAUTHORIZED"]
    assert codes(validate_capi_auth("Basic abc", frozenset())) == ["CAPI_UNAUTHORIZED"]
    assert validate_capi_auth("Bearer anything", frozenset()) == ()
    assert codes(validate_capi_auth("Bearer wrong", frozenset({"t"}))) == ["CAPI_FORBIDDEN"]
    assert validate_capi_auth("Bearer t", frozenset({"t"})) == ()
    assert codes(validate_conversion_auth("", frozenset())) == ["CONVERSION_UNAUTHORIZED"]
    assert codes(validate_conversion_auth("Bearer x", frozenset({"t"}))) == ["CONVERSION_FORBIDDEN"]


def guide_body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "pixel_id": KEY,
        "event_name": "purchase",
        "event_time": "2026-03-01T15:30:00Z",
        "user_data": {
            "em": hashlib.sha256(b"a@b.com").hexdigest(),
            "client_ip_address": "203.0.113.1",
        },
        "custom_data": {"value": 149.99, "currency": "USD", "order_id": "SP-ORD-67890"},
    }
    body.update(fields)
    return body


def test_a_correct_guide_conversion_has_no_findings() -> None:
    assert validate_conversion(guide_body(), now=NOW) == ()


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ([], "CONVERSION_MALFORMED", "expected a JSON object; got [] (list)"),
        ({"pixel_id": KEY}, "CONVERSION_MALFORMED", "event_name, event_time, user_data"),
        (guide_body(pixel_id="YOUR_PIXEL_ID"), "CONVERSION_INVALID_PIXEL_ID", "placeholder"),
        (guide_body(event_name="custom"), "CONVERSION_UNKNOWN_EVENT", "'custom' (str)"),
        (
            guide_body(event_time="2026-03-01T15:30:00"),
            "CONVERSION_INVALID_EVENT_TIME",
            "no time zone",
        ),
        (guide_body(event_time="2027-01-01T00:00:00Z"), "CONVERSION_FUTURE_EVENT_TIME", "future"),
        (
            guide_body(user_data={"client_user_agent": "UA"}),
            "CONVERSION_MISSING_USER_DATA",
            "em or client_ip_address",
        ),
        (
            guide_body(user_data={"em": " Jane@Example.com"}),
            "CONVERSION_UNHASHED_EMAIL",
            hashlib.sha256(b"jane@example.com").hexdigest()[:12],
        ),
        (
            guide_body(user_data={"em": "a1b2c3d4e5f6..."}),
            "CONVERSION_INVALID_HASH",
            "'a1b2c3d4e5f6...' (str) is not a SHA-256 hex digest",
        ),
        (
            guide_body(custom_data={"value": "149.99", "currency": "USD", "order_id": "1"}),
            "INVALID_VALUE",
            "custom_data: value '149.99' (str)",
        ),
        (guide_body(custom_data={"value": 1}), "MISSING_CURRENCY", "custom_data: value 1 (int)"),
    ],
)
def test_each_conversion_rule(body: Any, code: str, message: str) -> None:
    found = [f for f in validate_conversion(body, now=NOW) if f.code == code]
    assert found, f"no {code} in {validate_conversion(body, now=NOW)}"
    assert message in found[0].message


def test_docs_list_exactly_the_registered_rules() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "mock.md").read_text()
    table = doc[doc.index("| code | severity | scope |") :]
    listed = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| (\w+) \|", table, re.M)}
    assert listed == {r.code: r.severity for r in all_rules()}


def test_null_value_and_currency_are_reported() -> None:
    found = validate_pixel_event("purchase", KEY, {"value": None, "currency": None, "order_id": 1})
    assert codes(found) == ["INVALID_CURRENCY", "INVALID_VALUE"]
    assert validate_pixel_event("lead", KEY, {"type": None, "quantity": None}) == ()
