"""Rules for one browser-side pixel event (ingest batch, image pixel, guide noscript image).

Facts §1 and §3: the live event names, pixel key format and documented parameters.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_endpoint.records import Finding
from mock_endpoint.validation.registry import rule, rules_for
from mock_endpoint.validation.values import (
    HEX32_RE,
    KEY_PLACEHOLDERS,
    currency_problem,
    is_amount,
    is_count,
    is_id,
    is_placeholder,
    show,
    walk,
)

KNOWN_EVENTS: tuple[str, ...] = (
    "conf",
    "view",
    "product",
    "lead",
    "signup",
    "addtocart",
    "checkout",
    "purchase",
    "alias",
    *(f"custom_event_{i}" for i in range(1, 6)),
)
STRING_PARAMS = ("discount_code", "type", "category")
ID_PARAMS = ("event_id", "order_id")
PRODUCT_PARAMS = (
    "product_id",
    "product_name",
    "product_type",
    "product_vendor",
    "variant_id",
    "variant_name",
)


@dataclass(frozen=True, slots=True)
class PixelSubject:
    name: str
    key: str | None
    params: Mapping[str, Any] = field(default_factory=dict)


def _present(params: Mapping[str, Any], name: str) -> bool:
    return name in params and params[name] is not None


@rule("UNKNOWN_EVENT", "warning", "pixel", "the event name is not one the live pixel knows")
def unknown_event(s: PixelSubject) -> Iterator[str]:
    if s.name in KNOWN_EVENTS:
        return
    hint = ""
    if s.name == "custom":
        hint = "; the guide's spdt('custom', …) is not a live event: use custom_event_1..5"
    elif s.name.lower() in KNOWN_EVENTS:
        hint = f"; did you mean {s.name.lower()!r}? (names are lowercase)"
    else:
        close = difflib.get_close_matches(s.name, KNOWN_EVENTS, n=1)
        if close:
            hint = f"; did you mean {close[0]!r}?"
    yield f"event {s.name!r} is not a Spotify pixel event{hint}"


@rule(
    "INVALID_PIXEL_KEY",
    "error",
    "pixel",
    "the pixel key is missing, a placeholder, or not 32 lowercase hex",
)
def invalid_pixel_key(s: PixelSubject) -> Iterator[str]:
    key = s.key
    if key is None or (isinstance(key, str) and not key.strip()):
        yield f"event {s.name!r} carries no pixel key (was spdt('conf', {{key}}) called?)"
    elif not isinstance(key, str):
        yield f"pixel key {show(key)} is not a string of 32 lowercase hex characters"
    elif key.strip().lower() in KEY_PLACEHOLDERS or is_placeholder(key):
        yield f"pixel key {key!r} is a placeholder: paste the key from Ads Manager"
    elif not HEX32_RE.match(key):
        hint = " (use lowercase)" if HEX32_RE.match(key.lower()) else ""
        yield f"pixel key {key!r} is not 32 lowercase hex characters{hint}"


@rule(
    "UNFILLED_PLACEHOLDER",
    "error",
    "pixel",
    "a parameter holds an unfilled template placeholder ({{x}}, ${x}, <%x%>, [[x]], %%x%%, "
    "'undefined', 'null', 'NaN' or an empty string)",
)
def unfilled_placeholder(s: PixelSubject) -> Iterator[str]:
    for path, value in walk(dict(s.params), ""):
        if is_placeholder(value):
            yield f"parameter {path} is an unfilled placeholder: {show(value)}"


@rule("MISSING_CURRENCY", "error", "pixel", "value is sent without currency")
def missing_currency(s: PixelSubject) -> Iterator[str]:
    if _present(s.params, "value") and not _present(s.params, "currency"):
        yield (
            f"value {show(s.params['value'])} is sent without currency: "
            "revenue needs value and currency together"
        )


@rule("MISSING_VALUE", "warning", "pixel", "a purchase is sent without value")
def missing_value(s: PixelSubject) -> Iterator[str]:
    if s.name == "purchase" and "value" not in s.params:  # null: INVALID_VALUE
        yield "purchase has no value: revenue cannot be reported"


@rule("INVALID_CURRENCY", "error", "pixel", "currency is not an active ISO 4217 code")
def invalid_currency(s: PixelSubject) -> Iterator[str]:
    if "currency" not in s.params or is_placeholder(s.params["currency"]):
        return
    problem = currency_problem(s.params["currency"])
    if problem:
        yield f"currency {problem}"


@rule("INVALID_VALUE", "error", "pixel", "value is not a finite JSON number >= 0")
def invalid_value(s: PixelSubject) -> Iterator[str]:
    if "value" not in s.params or is_placeholder(s.params["value"]):
        return
    value = s.params["value"]
    if not is_amount(value):
        yield f"value {show(value)} is not a number >= 0"


def _line_item_problems(items: Any) -> Iterator[str]:
    if not isinstance(items, list):
        yield f"line_items {show(items)} is not a list of objects"
        return
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            yield f"line_items[{i}] {show(item)} is not an object"
            continue
        value, quantity = item.get("value"), item.get("quantity")
        if "value" in item and not is_placeholder(value) and not is_amount(value):
            yield f"line_items[{i}].value {show(value)} is not a number >= 0"
        if "quantity" in item and not is_placeholder(quantity) and not is_count(quantity):
            yield f"line_items[{i}].quantity {show(quantity)} is not an integer >= 0"
        for name in PRODUCT_PARAMS:
            v = item.get(name)
            if name in item and v is not None and not is_placeholder(v) and not is_id(v):
                yield f"line_items[{i}].{name} {show(v)} is not a string or number"


@rule(
    "INVALID_PARAMETER",
    "warning",
    "pixel",
    "a documented parameter has the wrong type (quantity, is_new_customer, line_items, "
    "event_id, order_id, discount_code, type, category, product_*, variant_*)",
)
def invalid_parameter(s: PixelSubject) -> Iterator[str]:
    p = s.params

    def given(name: str) -> bool:
        return name in p and p[name] is not None and not is_placeholder(p[name])

    if given("quantity") and not is_count(p["quantity"]):
        yield f"quantity {show(p['quantity'])} is not an integer >= 0"
    if "is_new_customer" in p and not isinstance(p["is_new_customer"], bool):
        yield f"is_new_customer {show(p['is_new_customer'])} is not a boolean"
    if given("line_items"):
        yield from _line_item_problems(p["line_items"])
    for name in ID_PARAMS + PRODUCT_PARAMS:
        if given(name) and not is_id(p[name]):
            yield f"{name} {show(p[name])} is not a string or number"
    for name in STRING_PARAMS:
        if given(name) and not isinstance(p[name], str):
            yield f"{name} {show(p[name])} is not a string"


@rule(
    "MISSING_ORDER_ID",
    "warning",
    "pixel",
    "a purchase has neither order_id nor event_id (no deduplication possible)",
)
def missing_order_id(s: PixelSubject) -> Iterator[str]:
    if s.name == "purchase" and not (
        _present(s.params, "order_id") or _present(s.params, "event_id")
    ):
        yield "purchase has neither order_id nor event_id: it cannot be deduplicated"


def validate_pixel_event(
    name: str, key: str | None, params: Mapping[str, Any]
) -> tuple[Finding, ...]:
    """Every finding for one pixel event, in rule-table order."""
    subject = PixelSubject(name, key, params if isinstance(params, Mapping) else {})
    return tuple(f for r in rules_for("pixel") for f in r.run(subject))
