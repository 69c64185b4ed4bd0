"""Rules for Spotify's Conversions API (``POST capi.spotify.com/capi-direct/events/``).

What is live and what is assumed: docs/evidence.md §7.

Envelope: ``{"conversion_events": {"capi_connection_id": UUID, "events": [EVENT, ...]}}``.
"""

from __future__ import annotations

import difflib
import hashlib
import ipaddress
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from mock_endpoint.records import ValidationFinding
from mock_endpoint.validation.params import conforms
from mock_endpoint.validation.registry import declare, finding, rule, rules_for
from mock_endpoint.validation.timeparse import future_problem, utc_time_problem
from mock_endpoint.validation.values import (
    HEX64_RE,
    currency_problem,
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
    "ALIAS",
)
# Near misses a published client sends, squashed (upper case, no separators) → the canonical
# name: Stape's server-side tag (stape-io/spotify-tag template.js) sends Page_View, View_Product,
# Add_Cart, Start_Checkout; every canonical name in another casing or without underscores
# (Purchase, Sign_Up, checkout) is one too. Accepted with a warning (an assumption:
# docs/evidence.md §7).
_SQUASHED = {
    **{n.replace("_", ""): n for n in CAPI_EVENT_NAMES},
    "PAGEVIEW": "VIEW",
    "VIEWPRODUCT": "PRODUCT",
    "ADDCART": "ADD_TO_CART",
    "STARTCHECKOUT": "CHECK_OUT",
}
_SEPARATORS = re.compile(r"[\s_-]+")


def canonical_capi_name(name: Any) -> str | None:
    """The canonical CAPI event name ``name`` stands for (``'Add_Cart'`` → ``'ADD_TO_CART'``),
    or None when it matches none."""
    if not isinstance(name, str):
        return None
    if name in CAPI_EVENT_NAMES:
        return name
    return _SQUASHED.get(_SEPARATORS.sub("", name).upper())


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
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)

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
    "event_name matches none of " + ", ".join(CAPI_EVENT_NAMES) + " (in any casing)",
)
def invalid_event_name(s: CapiEvent) -> Iterator[str]:
    name = s.event.get("event_name")
    if canonical_capi_name(name) is not None:
        return
    hint = ""
    if isinstance(name, str):
        close = difflib.get_close_matches(name.upper(), CAPI_EVENT_NAMES, n=1)
        if close:
            hint = f"; did you mean {close[0]!r}?"
    yield f"events[{s.index}].event_name {show(name)} is not a CAPI event name{hint}"


@rule(
    "CAPI_EVENT_NAME_CASING",
    "warning",
    "capi",
    "event_name is a near miss of a canonical name (Purchase, Add_Cart, Page_View): accepted, "
    "but Spotify documents the upper-case names (assumption: the live API may reject it)",
)
def event_name_casing(s: CapiEvent) -> Iterator[str]:
    name = s.event.get("event_name")
    canonical = canonical_capi_name(name)
    if canonical is not None and canonical != name:
        yield (
            f"events[{s.index}].event_name {name!r} is not Spotify's documented name: "
            f"send {canonical!r}"
        )


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


@rule(
    "CAPI_EMPTY_HASH",
    "error",
    "capi",
    "a hashed field holds the SHA-256 of an empty string (e3b0c442…b855): nothing was hashed",
)
def empty_hash(s: CapiEvent) -> Iterator[str]:
    for path, value in _hashed_fields(s):
        if isinstance(value, str) and value.strip().lower() == EMPTY_SHA256:
            yield (
                f"{path} is the SHA-256 of an empty string: the email or phone number was "
                "empty when it was hashed; leave the field out instead"
            )


@rule(
    "CAPI_PRIVATE_IP",
    "warning",
    "capi",
    "user_data.ip_address is a private, loopback or link-local address (the server's own, not "
    "the visitor's): it attributes nothing",
)
def private_ip(s: CapiEvent) -> Iterator[str]:
    ip = _user_data(s).get("ip_address")
    if not isinstance(ip, str):
        return
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return
    if (
        address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or any(address in net for net in PRIVATE_NETWORKS if net.version == address.version)
    ):
        yield (
            f"events[{s.index}].user_data.ip_address {ip!r} is not a public address: forward "
            "the visitor's IP (X-Forwarded-For), not the server's"
        )


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
    if "amount" in d and not conforms("float", d["amount"]):
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
    "CAPI_VALUE_NOT_AMOUNT",
    "error",
    "capi",
    "event_details.value is sent: CAPI's revenue field is event_details.amount (the pixel's "
    "value is not CAPI's amount)",
)
def value_not_amount(s: CapiEvent) -> Iterator[str]:
    d = _details(s)
    if "value" in d:
        yield (
            f"events[{s.index}].event_details.value {show(d['value'])}: CAPI reads amount, "
            "not value; rename it to amount"
        )


@rule(
    "CAPI_PURCHASE_WITHOUT_AMOUNT",
    "error",
    "capi",
    "a PURCHASE without event_details.amount or event_details.currency (both required)",
)
def purchase_without_amount(s: CapiEvent) -> Iterator[str]:
    if canonical_capi_name(s.event.get("event_name")) != "PURCHASE":
        return
    d = _details(s)
    missing = [k for k in ("amount", "currency") if d.get(k) in (None, "")]
    if missing == ["currency"]:
        return  # CAPI_INVALID_EVENT_DETAILS: amount without currency
    if missing:
        yield f"events[{s.index}] is a PURCHASE without event_details.{' or '.join(missing)}"


@rule(
    "CAPI_UNFILLED_PLACEHOLDER", "error", "capi", "a field holds an unfilled template placeholder"
)
def capi_placeholder(s: CapiEvent) -> Iterator[str]:
    for path, value in walk(s.event, f"events[{s.index}]"):
        if is_placeholder(value):
            yield f"{path} is an unfilled placeholder: {show(value)}"


def validate_capi_auth(
    authorization: str | None, tokens: frozenset[str]
) -> tuple[ValidationFinding, ...]:
    """401 without a bearer token; 403 for a token not in ``tokens`` (when any are configured)."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return (finding("CAPI_UNAUTHORIZED", "missing 'Authorization: Bearer <CAPI token>'"),)
    if tokens and token.strip() not in tokens:
        return (finding("CAPI_FORBIDDEN", "the bearer token is not valid for this connection"),)
    return ()


def validate_capi_envelope(
    payload: Any, now: datetime | None = None
) -> tuple[ValidationFinding, ...]:
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
) -> tuple[ValidationFinding, ...]:
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
