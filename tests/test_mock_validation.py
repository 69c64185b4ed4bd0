"""The validation rule table: codes, severities and messages (shared with the auditor)."""

from __future__ import annotations

import hashlib
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mock_endpoint.records import ValidationFinding
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


def codes(findings: tuple[ValidationFinding, ...]) -> list[str]:
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
            {"value": "$5", "currency": "GBP", "order_id": "1"},
            "INVALID_VALUE",
            "error",
            "value '$5' (str)",
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
            {"value": 1, "currency": "USD", "order_id": "1", "quantity": "2.5"},
            "INVALID_PARAMETER",
            "warning",
            "quantity '2.5' (str) is not an integer >= 0",
        ),
        (
            "purchase",
            KEY,
            {"value": 1, "currency": "USD", "order_id": "1", "is_new_customer": "yes"},
            "INVALID_PARAMETER",
            "warning",
            "is_new_customer 'yes' (str) is not a boolean (true or false)",
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
                "line_items": [{"value": "9,50", "quantity": -1}],
            },
            "INVALID_PARAMETER",
            "warning",
            "line_items[0].value '9,50' (str)",
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
        (capi_body(event_name="PURCHASED"), "CAPI_INVALID_EVENT_NAME", "did you mean 'PURCHASE'?"),
        (capi_body(event_name="Buy"), "CAPI_INVALID_EVENT_NAME", "'Buy' (str) is not a CAPI"),
        (
            capi_body(event_name="checkout"),
            "CAPI_EVENT_NAME_CASING",
            "'checkout' is not Spotify's documented name: send 'CHECK_OUT'",
        ),
        (
            capi_body(event_details={"value": 10.5, "currency": "USD"}),
            "CAPI_VALUE_NOT_AMOUNT",
            "event_details.value 10.5 (float): CAPI reads amount",
        ),
        (
            capi_body(event_details={"value": 10.5, "currency": "USD"}),
            "CAPI_PURCHASE_WITHOUT_AMOUNT",
            "a PURCHASE without event_details.amount",
        ),
        (
            capi_body(event_details={}),
            "CAPI_PURCHASE_WITHOUT_AMOUNT",
            "without event_details.amount or currency",
        ),
        (
            capi_body(user_data={"hashed_emails": [hashlib.sha256(b"").hexdigest()]}),
            "CAPI_EMPTY_HASH",
            "hashed_emails[0] is the SHA-256 of an empty string",
        ),
        (
            capi_body(user_data={"ip_address": "127.0.0.1"}),
            "CAPI_PRIVATE_IP",
            "'127.0.0.1' is not a public address",
        ),
        (
            capi_body(user_data={"ip_address": "10.1.2.3"}),
            "CAPI_PRIVATE_IP",
            "forward the visitor's IP",
        ),
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
            capi_body(event_details={"amount": "10,00", "currency": "EUR"}),
            "CAPI_INVALID_EVENT_DETAILS",
            "amount '10,00' (str) is not a number >= 0",
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
        details = {"amount": 10, "currency": "USD", "content_category": cat}
        assert validate_capi_envelope(capi_body(event_details=details), now=NOW) == ()


@pytest.mark.parametrize(
    ("sent", "canonical"),
    [
        # Stape's server-side tag (stape-io/spotify-tag template.js) sends these names.
        ("Page_View", "VIEW"),
        ("View_Product", "PRODUCT"),
        ("Add_Cart", "ADD_TO_CART"),
        ("Start_Checkout", "CHECK_OUT"),
        ("Purchase", "PURCHASE"),
        ("Sign_Up", "SIGN_UP"),
        ("Lead", "LEAD"),
        ("Alias", "ALIAS"),
        ("Custom_Event_3", "CUSTOM_EVENT_3"),
    ],
)
def test_capi_near_miss_names_are_accepted_with_a_warning(sent: str, canonical: str) -> None:
    found = validate_capi_envelope(capi_body(event_name=sent), now=NOW)
    assert [(f.code, f.severity) for f in found] == [("CAPI_EVENT_NAME_CASING", "warning")]
    assert f"send {canonical!r}" in found[0].message


def test_capi_string_amount_follows_the_parameter_types() -> None:
    ok = capi_body(event_details={"amount": "133.55", "currency": "USD"})
    assert validate_capi_envelope(ok, now=NOW) == ()
    for bad in ("79,99", "$5", "abc", "", "-1"):
        body = capi_body(event_details={"amount": bad, "currency": "USD"})
        assert "CAPI_INVALID_EVENT_DETAILS" in codes(validate_capi_envelope(body, now=NOW)), bad


def test_capi_public_and_documentation_addresses_are_not_private() -> None:
    for ip in ("203.0.113.7", "8.8.8.8", "2001:db8::1"):
        body = capi_body(user_data={"ip_address": ip})
        assert validate_capi_envelope(body, now=NOW) == (), ip


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
            guide_body(custom_data={"value": "149,99", "currency": "USD", "order_id": "1"}),
            "INVALID_VALUE",
            "custom_data: value '149,99' (str)",
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


# -- parameter types as Spotify types them (Fields.float()/int()/boolean()) ----------------------
def test_spotify_quoted_numbers_are_accepted() -> None:
    # Spotify's own parameter reference writes its examples this way.
    params = {
        "value": "133.55",
        "currency": "USD",
        "order_id": "SP-ORD-12345",
        "quantity": "3",
        "is_new_customer": "true",
        "line_items": [{"value": "44.5", "quantity": "3", "product_id": "hp-1"}],
    }
    assert validate_pixel_event("purchase", KEY, params) == ()
    assert validate_pixel_event("lead", KEY, {"type": "B2B", "category": "demo"}) == ()
    for flag in (True, False, "true", "false"):
        assert validate_pixel_event("signup", KEY, {"is_new_customer": flag}) == (), flag


@pytest.mark.parametrize("bad", ["79,99", "$5", "abc", "-5", "1e3", " 5", math.nan, -5, True])
def test_values_that_are_not_numbers_stay_errors(bad: Any) -> None:
    found = validate_pixel_event("purchase", KEY, {"value": bad, "currency": "USD", "order_id": 1})
    assert codes(found) == ["INVALID_VALUE"], found


def test_an_empty_value_is_an_unfilled_placeholder() -> None:
    found = validate_pixel_event("purchase", KEY, {"value": "", "currency": "USD", "order_id": 1})
    assert codes(found) == ["UNFILLED_PLACEHOLDER"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"quantity": "3.5"}, "quantity '3.5' (str) is not an integer >= 0"),
        ({"quantity": "-1"}, "quantity '-1' (str) is not an integer >= 0"),
        (
            {"is_new_customer": "yes"},
            "is_new_customer 'yes' (str) is not a boolean (true or false)",
        ),
        ({"is_new_customer": 1}, "is_new_customer 1 (int) is not a boolean (true or false)"),
    ],
)
def test_wrong_types_stay_invalid_parameter(params: dict[str, Any], message: str) -> None:
    found = validate_pixel_event("checkout", KEY, params)
    assert codes(found) == ["INVALID_PARAMETER"]
    assert found[0].message == message


# -- placeholders ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"value": "INSERT_VALUE", "currency": "USD"}, "value"),
        ({"value": 1, "currency": "INSERT_CURRENCY"}, "currency"),
        ({"value": 1, "currency": "USD", "order_id": "INSERT_ORDER_ID"}, "order_id"),
        ({"variant_name": "VARIANT_NAME"}, "variant_name"),
        ({"product_id": "YOUR_PRODUCT_ID"}, "product_id"),
        ({"line_items": [{"product_id": "PRODUCT_ID"}]}, "line_items[0].product_id"),
        ({"type": ""}, "type"),
        ({"order_id": "{{order_id}}", "value": 1, "currency": "USD"}, "order_id"),
    ],
)
def test_snippet_tokens_are_unfilled_placeholders(params: dict[str, Any], path: str) -> None:
    found = validate_pixel_event("purchase", KEY, {"event_id": "e1", **params})
    placeholder = [f for f in found if f.code == "UNFILLED_PLACEHOLDER"]
    assert [f.message.split(" is ")[0] for f in placeholder] == [f"parameter {path}"]
    assert not {"INVALID_VALUE", "INVALID_CURRENCY", "INVALID_PARAMETER"} & set(codes(found))


@pytest.mark.parametrize(
    "params",
    [
        {"currency": "EUR", "value": 5},
        {"type": "B2B", "category": "SMB"},
        {"order_id": "SP-ORD-12345", "value": 1, "currency": "USD"},
        {"discount_code": "BLACK_FRIDAY"},
        {"discount_code": "WELCOME_10"},
        {"product_type": "GIFT_CARD"},
    ],
)
def test_short_all_caps_values_are_not_placeholders(params: dict[str, Any]) -> None:
    assert "UNFILLED_PLACEHOLDER" not in codes(validate_pixel_event("purchase", KEY, params))


def test_undocumented_fields_never_produce_an_error() -> None:
    # RudderStack's page() sends the page fields with view; search is '' without a query.
    params = {
        "path": "/pricing",
        "search": "",
        "title": "Pricing",
        "referrer": "",
        "url": "https://saas.test/pricing",
        "form_field": "undefined",
    }
    assert validate_pixel_event("view", KEY, params) == ()


# -- personal data --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"email": "jane.doe@example.com"}, "parameter email holds an email address"),
        ({"form": {"contact": "Jane <jane@example.com>"}}, "parameter form.contact holds an email"),
        ({"url": "https://x.test/?e=jane%40example.com"}, "parameter url holds an email address"),
        ({"phone": "(555) 123-4567"}, "parameter phone holds a phone number"),
        ({"contact": "+44 20 7946 0958"}, "parameter contact holds a phone number"),
    ],
)
def test_personal_data_outside_alias_is_a_redacted_warning(
    params: dict[str, Any], message: str
) -> None:
    found = validate_pixel_event("lead", KEY, params)
    assert [(f.code, f.severity) for f in found] == [("PERSONAL_DATA_IN_EVENT", "warning")]
    assert found[0].message.startswith(message)
    for raw in ("jane", "555", "7946"):
        assert raw not in found[0].message


def test_personal_data_in_alias_and_ids_is_not_reported() -> None:
    alias = {"id": "u-1", "email": "jane@example.com", "phone_number": "+15551234567"}
    assert validate_pixel_event("alias", KEY, alias) == ()
    ids = {"order_id": "5551234567", "event_id": "1733080000000", "value": 1, "currency": "USD"}
    assert validate_pixel_event("purchase", KEY, ids) == ()
