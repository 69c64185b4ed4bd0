"""Rules for Spotify's Conversions API (``POST capi.spotify.com/capi-direct/events/``, facts §7).

Envelope: ``{"conversion_events": {"capi_connection_id": UUID, "events": [EVENT, ...]}}``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from mock_endpoint.records import Finding
from mock_endpoint.validation.registry import declare, finding, rule, rules_for
from mock_endpoint.validation.timeparse import future_problem, utc_time_problem
from mock_endpoint.validation.values import (
    HEX64_RE,
    currency_problem,
    is_amount,
    is_placeholder,
    show,
    walk,
)

CAPI_EVENT_NAMES: tuple[str, ...] = (
    "VIEW",
    "PRODUCT",
    "CHECK_OUT",
    "ADD_TO_CART",
    "PURCHASE",
    "LEAD",
    "SIGN_UP",
    *(f"CUSTOM_EVENT_{i}" for i in range(1, 6)),
)
# The pixel's names, for near misses ("purchase" → "PURCHASE", "checkout" → "CHECK_OUT").
PIXEL_TO_CAPI = {
    "view": "VIEW",
    "product": "PRODUCT",
    "checkout": "CHECK_OUT",
    "addtocart": "ADD_TO_CART",
    "purchase": "PURCHASE",
    "lead": "LEAD",
    "signup": "SIGN_UP",
    **{f"custom_event_{i}": f"CUSTOM_EVENT_{i}" for i in range(1, 6)},
}
ACTION_SOURCES = ("WEB", "APP", "OFFLINE")
USER_IDENTIFIERS = ("ip_address", "device_id", "hashed_emails", "hashed_phone_number")
# Google product taxonomy, top level (assumption: CAPI checks the first segment or a numeric id).
GOOGLE_TOP_CATEGORIES = frozenset(
    {
        "Animals & Pet Supplies",
        "Apparel & Accessories",
        "Arts & Entertainment",
        "Baby & Toddler",
        "Business & Industrial",
        "Cameras & Optics",
        "Electronics",
        "Food, Beverages & Tobacco",
        "Furniture",
        "Hardware",
        "Health & Beauty",
        "Home & Garden",
        "Luggage & Bags",
        "Mature",
        "Media",
        "Office Supplies",
        "Religious & Ceremonial",
        "Software",
        "Sporting Goods",
        "Toys & Games",
        "Vehicles & Parts",
    }
)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")

CAPI_UNAUTHORIZED = declare(
    "CAPI_UNAUTHORIZED", "error", "capi", "no 'Authorization: Bearer <token>' header (HTTP 401)"
)
CAPI_FORBIDDEN = declare(
    "CAPI_FORBIDDEN", "error", "capi", "the bearer token is not one the mock was given (HTTP 403)"
)
CAPI_BAD_REQUEST = declare(
    "CAPI_BAD_REQUEST",
    "error",
    "capi",
    "the body is not JSON (wrong content type, malformed JSON, invalid UTF-8, too large)",
)


@dataclass(frozen=True, slots=True)
class CapiEnvelope:
    payload: Any


@dataclass(frozen=True, slots=True)
class CapiEvent:
    index: int
    event: dict[str, Any]
    now: datetime


def _events(payload: Any) -> list[Any] | None:
    if not isinstance(payload, dict):
        return None
    ce = payload.get("conversion_events")
    if not isinstance(ce, dict) or not isinstance(ce.get("events"), list):
        return None
    events: list[Any] = ce["events"]
    return events


@rule(
    "CAPI_MALFORMED_ENVELOPE",
    "error",
    "capi",
    'the body is not {"conversion_events": {"capi_connection_id": UUID, "events": [...]}} '
    "with at least one event object",
)
def malformed_envelope(s: CapiEnvelope) -> Iterator[str]:
    p = s.payload
    if not isinstance(p, dict) or not isinstance(p.get("conversion_events"), dict):
        yield f'expected {{"conversion_events": {{...}}}}; got {show(p)}'
        return
    events = _events(p)
    if events is None:
        yield 'conversion_events needs an "events" list'
    elif not events:
        yield "conversion_events.events is empty"
    else:
        for i, e in enumerate(events):
            if not isinstance(e, dict):
                yield f"conversion_events.events[{i}] {show(e)} is not an object"


@rule("CAPI_INVALID_CONNECTION_ID", "error", "capi", "capi_connection_id is missing or not a UUID")
def invalid_connection_id(s: CapiEnvelope) -> Iterator[str]:
    p = s.payload
    if not isinstance(p, dict) or not isinstance(p.get("conversion_events"), dict):
        return
    cid = p["conversion_events"].get("capi_connection_id")
    try:
        uuid.UUID(cid) if isinstance(cid, str) else None
    except ValueError:
        pass
    else:
        if isinstance(cid, str):
            return
    yield f"capi_connection_id {show(cid)} is not a UUID"


@rule(
    "CAPI_INVALID_EVENT_NAME",
    "error",
    "capi",
    "event_name is not one of " + ", ".join(CAPI_EVENT_NAMES),
)
def invalid_event_name(s: CapiEvent) -> Iterator[str]:
    name = s.event.get("event_name")
    if name in CAPI_EVENT_NAMES:
        return
    hint = ""
    if isinstance(name, str):
        guess = PIXEL_TO_CAPI.get(name.lower()) or (
            name.upper() if name.upper() in CAPI_EVENT_NAMES else None
        )
        if guess:
            hint = f"; did you mean {guess!r}?"
    yield f"events[{s.index}].event_name {show(name)} is not a CAPI event name{hint}"


@rule(
    "CAPI_MISSING_EVENT_ID",
    "error",
    "capi",
    "event_id is missing or empty (needed for deduplication)",
)
def missing_event_id(s: CapiEvent) -> Iterator[str]:
    eid = s.event.get("event_id")
    if not isinstance(eid, str | int) or isinstance(eid, bool) or not str(eid).strip():
        yield (
            f"events[{s.index}].event_id is missing or empty (got {show(eid)}): "
            "the pixel event cannot be deduplicated"
        )


@rule("CAPI_INVALID_EVENT_TIME", "error", "capi", "event_time is not an ISO 8601 UTC timestamp")
def invalid_event_time(s: CapiEvent) -> Iterator[str]:
    problem, _ = utc_time_problem(s.event.get("event_time"), f"events[{s.index}].event_time")
    if problem:
        yield problem


@rule(
    "CAPI_FUTURE_EVENT_TIME",
    "error",
    "capi",
    "event_time lies in the future (60 s clock skew allowed)",
)
def future_event_time(s: CapiEvent) -> Iterator[str]:
    raw = s.event.get("event_time")
    _, parsed = utc_time_problem(raw, "event_time")
    problem = future_problem(parsed, f"events[{s.index}].event_time", raw, s.now)
    if problem:
        yield problem


def _user_data(s: CapiEvent) -> dict[str, Any]:
    ud = s.event.get("user_data")
    return ud if isinstance(ud, dict) else {}


@rule(
    "CAPI_MISSING_USER_DATA",
    "error",
    "capi",
    "user_data has none of ip_address, device_id, hashed_emails, hashed_phone_number",
)
def missing_user_data(s: CapiEvent) -> Iterator[str]:
    ud = _user_data(s)
    if not any(ud.get(k) not in (None, "", []) for k in USER_IDENTIFIERS):
        yield (
            f"events[{s.index}].user_data {show(s.event.get('user_data'))} needs at least one of "
            + ", ".join(USER_IDENTIFIERS)
        )


def _hashed_fields(s: CapiEvent) -> Iterator[tuple[str, Any]]:
    ud = _user_data(s)
    emails = ud.get("hashed_emails")
    if isinstance(emails, list):
        for i, e in enumerate(emails):
            yield f"events[{s.index}].user_data.hashed_emails[{i}]", e
    elif emails is not None:
        yield f"events[{s.index}].user_data.hashed_emails", emails
    if ud.get("hashed_phone_number") is not None:
        yield f"events[{s.index}].user_data.hashed_phone_number", ud["hashed_phone_number"]


@rule(
    "CAPI_UNHASHED_EMAIL",
    "error",
    "capi",
    "a hashed field holds a plain email address (trim, lowercase, then SHA-256 it)",
)
def unhashed_email(s: CapiEvent) -> Iterator[str]:
    for path, value in _hashed_fields(s):
        if isinstance(value, str) and EMAIL_RE.match(value.strip()):
            yield f"{path} is a plain email address, not its SHA-256: hash it first"


@rule(
    "CAPI_INVALID_HASH",
    "error",
    "capi",
    "a hashed field (hashed_emails[], hashed_phone_number) is not 64 lowercase hex characters",
)
def invalid_hash(s: CapiEvent) -> Iterator[str]:
    ud = _user_data(s)
    if "hashed_emails" in ud and not isinstance(ud["hashed_emails"], list):
        yield f"events[{s.index}].user_data.hashed_emails {show(ud['hashed_emails'])} is not a list"
    for path, value in _hashed_fields(s):
        if isinstance(value, str) and EMAIL_RE.match(value.strip()):
            continue  # CAPI_UNHASHED_EMAIL
        if isinstance(value, str) and HEX64_RE.match(value):
            continue
        hint = ""
        if isinstance(value, str) and HEX64_RE.match(value.lower()):
            hint = " (use lowercase hex)"
        yield f"{path} {show(value)} is not a SHA-256 hex digest (64 lowercase hex){hint}"


@rule("CAPI_INVALID_SOURCE_URL", "error", "capi", "event_source_url is not an http(s) URL")
def invalid_source_url(s: CapiEvent) -> Iterator[str]:
    if "event_source_url" not in s.event:
        return
    url = s.event["event_source_url"]
    ok = (
        isinstance(url, str)
        and urlsplit(url).scheme in ("http", "https")
        and bool(urlsplit(url).netloc)
    )
    if not ok:
        yield f"events[{s.index}].event_source_url {show(url)} is not an http or https URL"


@rule("CAPI_INVALID_ACTION_SOURCE", "error", "capi", "action_source is not WEB, APP or OFFLINE")
def invalid_action_source(s: CapiEvent) -> Iterator[str]:
    if "action_source" in s.event and s.event["action_source"] not in ACTION_SOURCES:
        yield (
            f"events[{s.index}].action_source {show(s.event['action_source'])} is not one of "
            + ", ".join(ACTION_SOURCES)
        )


def _details(s: CapiEvent) -> dict[str, Any]:
    d = s.event.get("event_details")
    return d if isinstance(d, dict) else {}


@rule(
    "CAPI_INVALID_EVENT_DETAILS",
    "error",
    "capi",
    "event_details: amount not a number >= 0, amount without currency, currency not ISO 4217, "
    "or content_category not in Google's product taxonomy",
)
def invalid_event_details(s: CapiEvent) -> Iterator[str]:
    if "event_details" in s.event and not isinstance(s.event["event_details"], dict):
        yield f"events[{s.index}].event_details {show(s.event['event_details'])} is not an object"
        return
    d = _details(s)
    at = f"events[{s.index}].event_details"
    if "amount" in d and not is_amount(d["amount"]):
        yield f"{at}.amount {show(d['amount'])} is not a number >= 0"
    if d.get("amount") is not None and d.get("currency") is None:
        yield f"{at}.amount {show(d['amount'])} is sent without currency"
    if "currency" in d:
        problem = currency_problem(d["currency"])
        if problem:
            yield f"{at}.currency {problem}"
    if "content_category" in d:
        cat = d["content_category"]
        top = cat.split(">")[0].strip() if isinstance(cat, str) else None
        numeric = (isinstance(cat, int) and not isinstance(cat, bool)) or (
            isinstance(cat, str) and cat.strip().isdigit()
        )
        if not numeric and top not in GOOGLE_TOP_CATEGORIES:
            yield (
                f"{at}.content_category {show(cat)} is not a Google product taxonomy category "
                "(e.g. 'Apparel & Accessories > Shoes' or its numeric id)"
            )


@rule(
    "CAPI_UNFILLED_PLACEHOLDER", "error", "capi", "a field holds an unfilled template placeholder"
)
def capi_placeholder(s: CapiEvent) -> Iterator[str]:
    for path, value in walk(s.event, f"events[{s.index}]"):
        if is_placeholder(value):
            yield f"{path} is an unfilled placeholder: {show(value)}"


def validate_capi_auth(authorization: str | None, tokens: frozenset[str]) -> tuple[Finding, ...]:
    """401 without a bearer token; 403 for a token not in ``tokens`` (when any are configured)."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return (finding("CAPI_UNAUTHORIZED", "missing 'Authorization: Bearer <CAPI token>'"),)
    if tokens and token.strip() not in tokens:
        return (finding("CAPI_FORBIDDEN", "the bearer token is not valid for this connection"),)
    return ()


def validate_capi_envelope(payload: Any, now: datetime | None = None) -> tuple[Finding, ...]:
    """Every finding for a CAPI request body: the envelope, then each event."""
    now = now or datetime.now(UTC)
    envelope = CapiEnvelope(payload)
    findings = [f for r in rules_for("capi") if _is_envelope_rule(r.code) for f in r.run(envelope)]
    for i, event in enumerate(_events(payload) or []):
        if isinstance(event, dict):
            findings.extend(validate_capi_event(event, index=i, now=now))
    return tuple(findings)


def validate_capi_event(
    event: dict[str, Any], *, index: int = 0, now: datetime | None = None
) -> tuple[Finding, ...]:
    """Every finding for one CAPI event object."""
    subject = CapiEvent(index, event, now or datetime.now(UTC))
    return tuple(
        f
        for r in rules_for("capi")
        if not _is_envelope_rule(r.code) and r.code not in _HTTP_RULES
        for f in r.run(subject)
    )


_ENVELOPE_RULES = frozenset({"CAPI_MALFORMED_ENVELOPE", "CAPI_INVALID_CONNECTION_ID"})
_HTTP_RULES = frozenset({"CAPI_UNAUTHORIZED", "CAPI_FORBIDDEN", "CAPI_BAD_REQUEST"})


def _is_envelope_rule(code: str) -> bool:
    return code in _ENVELOPE_RULES
