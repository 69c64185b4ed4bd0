"""Rules for one browser-side pixel event (ingest batch, image pixel, guide noscript image).

docs/evidence.md §1 and §3: the live event names, the pixel key
format and the documented parameters (their types: :mod:`mock_endpoint.validation.params`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_endpoint.records import ValidationFinding
from mock_endpoint.validation.params import (
    EXPECTED,
    LINE_ITEM_FIELDS,
    PARAMETERS,
    ParamType,
    conforms,
)
from mock_endpoint.validation.registry import checks_for, rule
from mock_endpoint.validation.values import (
    HEX32_RE,
    KEY_PLACEHOLDERS,
    currency_problem,
    is_placeholder,
    personal_data,
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
    if isinstance(key, str) and HEX32_RE.match(key):
        return  # the usual case: a real key (no placeholder is 32 lowercase hex)
    if key is None or (isinstance(key, str) and not key.strip()):
        yield f"event {s.name!r} carries no pixel key (was spdt('conf', {{key}}) called?)"
    elif not isinstance(key, str):
        yield f"pixel key {show(key)} is not a string of 32 lowercase hex characters"
    elif key.strip().lower() in KEY_PLACEHOLDERS or is_placeholder(key):
        yield f"pixel key {key!r} is a placeholder: paste the key from Ads Manager"
    elif not HEX32_RE.match(key):
        hint = " (use lowercase)" if HEX32_RE.match(key.lower()) else ""
        yield f"pixel key {key!r} is not 32 lowercase hex characters{hint}"


def _documented_leaves(params: Mapping[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(path, field name, value) of every documented parameter, line item fields included."""
    for name, value in params.items():
        if name not in PARAMETERS:
            continue
        if name == "line_items" and isinstance(value, list):
            for i, item in enumerate(value):
                if not isinstance(item, dict):
                    continue
                for field_name, v in item.items():
                    if field_name in LINE_ITEM_FIELDS:
                        yield f"line_items[{i}].{field_name}", field_name, v
            continue
        yield name, name, value


@rule(
    "UNFILLED_PLACEHOLDER",
    "error",
    "pixel",
    "a documented parameter holds an unfilled template placeholder ({{x}}, ${x}, <%x%>, [[x]], "
    "%%x%%, Spotify's INSERT_* tokens, all-caps snippet tokens such as VARIANT_NAME, "
    "'undefined', 'null', 'NaN' or an empty string)",
)
def unfilled_placeholder(s: PixelSubject) -> Iterator[str]:
    # Undocumented fields are the site's own (RudderStack's page fields, form fields): an empty
    # one is not an install error.
    for path, name, value in _documented_leaves(s.params):
        if is_placeholder(value, name):
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
    if "currency" not in s.params or is_placeholder(s.params["currency"], "currency"):
        return
    problem = currency_problem(s.params["currency"])
    if problem:
        yield f"currency {problem}"


@rule(
    "INVALID_VALUE",
    "error",
    "pixel",
    "value is not a number >= 0 (a JSON number, or a string that parses cleanly as one: "
    "'133.55' is accepted, '79,99' and '$5' are not)",
)
def invalid_value(s: PixelSubject) -> Iterator[str]:
    if "value" not in s.params or is_placeholder(s.params["value"], "value"):
        return
    value = s.params["value"]
    if not conforms("float", value):
        yield f"value {show(value)} is not a number >= 0"


def _typed_problem(path: str, name: str, value: Any, kind: ParamType) -> str | None:
    # conforms() first: the usual value passes it, and the three tests only ever say "no problem"
    if value is None or conforms(kind, value) or is_placeholder(value, name):
        return None
    return f"{path} {show(value)} is not {EXPECTED[kind]}"


def _line_item_problems(items: Any) -> Iterator[str]:
    if not isinstance(items, list):
        yield f"line_items {show(items)} is not a list of objects"
        return
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            yield f"line_items[{i}] {show(item)} is not an object"
            continue
        for name, kind in LINE_ITEM_FIELDS.items():
            if name in item:
                problem = _typed_problem(f"line_items[{i}].{name}", name, item[name], kind)
                if problem:
                    yield problem


# The documented parameters INVALID_PARAMETER checks (value and currency have rules of their own:
# INVALID_VALUE, INVALID_CURRENCY), in the table's order.
_TYPED_PARAMETERS = tuple((n, k) for n, k in PARAMETERS.items() if n not in ("value", "currency"))


@rule(
    "INVALID_PARAMETER",
    "warning",
    "pixel",
    "a documented parameter has the wrong type (quantity, is_new_customer, line_items, "
    "event_id, order_id, discount_code, type, category, product_*, variant_*); numbers and "
    "booleans sent as strings that parse cleanly ('3', 'true') are accepted",
)
def invalid_parameter(s: PixelSubject) -> Iterator[str]:
    params = s.params
    for name, kind in _TYPED_PARAMETERS:
        if name not in params:
            continue
        value = params[name]
        if name == "line_items":
            if value is not None and not is_placeholder(value, name):
                yield from _line_item_problems(value)
            continue
        problem = _typed_problem(name, name, value, kind)
        if problem:
            yield problem


@rule(
    "MISSING_ORDER_ID",
    "warning",
    "pixel",
    "a purchase has neither order_id nor event_id: Spotify deduplicates pixel and server-side "
    "events by event_id only",
)
def missing_order_id(s: PixelSubject) -> Iterator[str]:
    if s.name == "purchase" and not (
        _present(s.params, "order_id") or _present(s.params, "event_id")
    ):
        yield (
            "purchase has neither order_id nor event_id: send the event_id your server-side "
            "(Conversions API) event uses, Spotify deduplicates by event_id only"
        )


@rule(
    "PERSONAL_DATA_IN_EVENT",
    "warning",
    "pixel",
    "an event other than alias carries raw personal data (an email address or a phone number)",
)
def personal_data_in_event(s: PixelSubject) -> Iterator[str]:
    if s.name in ("alias", "conf"):
        return  # alias is where identifiers belong: the pixel hashes them itself
    for key, top in s.params.items():
        # Only strings can be personal data: other leaves at the top are skipped unwalked.
        if isinstance(top, str):
            leaves: Iterable[tuple[str, Any]] = ((str(key), top),)
        elif isinstance(top, dict | list):
            leaves = walk(top, str(key))
        else:
            continue
        for path, value in leaves:
            kind = personal_data(path.rsplit(".", 1)[-1], value)
            if not kind:
                continue
            # the value itself is never repeated: a finding must not leak what it reports
            yield f"parameter {path} holds {kind} in a {s.name!r} event"


def validate_pixel_event(
    name: str, key: str | None, params: Mapping[str, Any]
) -> tuple[ValidationFinding, ...]:
    """Every finding for one pixel event, in rule-table order."""
    subject = PixelSubject(name, key, params if isinstance(params, Mapping) else {})
    found: list[ValidationFinding] = []
    for r in checks_for("pixel"):  # one loop, no tuple per rule: this runs on every event
        for message in r.check(subject):
            found.append(ValidationFinding(r.code, r.severity, message))
    return tuple(found)
