"""Rules for the guide's server-side endpoint (``POST pixel.byspotify.com/api/v1/conversion``).

Body (docs/evidence.md §7, the guide): ``{pixel_id, event_name, event_time, user_data: {em,
client_ip_address, client_user_agent}, custom_data: {value, currency, order_id}}``. ``em`` is the
SHA-256 of the trimmed, lowercased email. ``custom_data`` carries the pixel's parameters, so the
pixel parameter rules (INVALID_VALUE, MISSING_CURRENCY, …) run on it too; their messages name
``custom_data``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from mock_endpoint.records import ValidationFinding
from mock_endpoint.validation.capi import EMAIL_RE
from mock_endpoint.validation.pixel import KNOWN_EVENTS, PixelSubject
from mock_endpoint.validation.registry import declare, finding, rule, rules_for
from mock_endpoint.validation.timeparse import future_problem, utc_time_problem
from mock_endpoint.validation.values import HEX32_RE, HEX64_RE, is_placeholder, show

CONVERSION_UNAUTHORIZED = declare(
    "CONVERSION_UNAUTHORIZED",
    "error",
    "conversion",
    "no 'Authorization: Bearer <pixel API key>' (HTTP 401)",
)
CONVERSION_FORBIDDEN = declare(
    "CONVERSION_FORBIDDEN",
    "error",
    "conversion",
    "the bearer token is not one the mock was given (HTTP 403)",
)
CONVERSION_BAD_REQUEST = declare(
    "CONVERSION_BAD_REQUEST",
    "error",
    "conversion",
    "the body is not JSON (wrong content type, malformed JSON, invalid UTF-8, too large)",
)


@dataclass(frozen=True, slots=True)
class Conversion:
    body: dict[str, Any]
    now: datetime


def _user_data(s: Conversion) -> dict[str, Any]:
    ud = s.body.get("user_data")
    return ud if isinstance(ud, dict) else {}


@rule(
    "CONVERSION_MALFORMED",
    "error",
    "conversion",
    "the body is not an object with pixel_id, event_name, event_time and user_data "
    "(custom_data, if present, an object)",
)
def malformed(s: Conversion) -> Iterator[str]:
    missing = [k for k in ("pixel_id", "event_name", "event_time", "user_data") if k not in s.body]
    if missing:
        yield f"missing required field(s): {', '.join(missing)}"
    for name in ("user_data", "custom_data"):
        if name in s.body and not isinstance(s.body[name], dict):
            yield f"{name} {show(s.body[name])} is not an object"


@rule(
    "CONVERSION_INVALID_PIXEL_ID",
    "error",
    "conversion",
    "pixel_id is a placeholder or not 32 lowercase hex characters",
)
def invalid_pixel_id(s: Conversion) -> Iterator[str]:
    if "pixel_id" not in s.body:
        return
    pid = s.body["pixel_id"]
    if isinstance(pid, str) and HEX32_RE.match(pid):
        return
    hint = (
        " (a placeholder)"
        if isinstance(pid, str) and ("YOUR" in pid.upper() or is_placeholder(pid))
        else ""
    )
    yield f"pixel_id {show(pid)} is not 32 lowercase hex characters{hint}"


@rule("CONVERSION_UNKNOWN_EVENT", "warning", "conversion", "event_name is not a pixel event name")
def unknown_event(s: Conversion) -> Iterator[str]:
    if "event_name" not in s.body:
        return
    name = s.body["event_name"]
    if name not in KNOWN_EVENTS or name in ("conf", "alias"):
        hint = ""
        if isinstance(name, str) and name.lower() in KNOWN_EVENTS:
            hint = f"; did you mean {name.lower()!r}?"
        yield f"event_name {show(name)} is not a pixel conversion event{hint}"


@rule("CONVERSION_INVALID_EVENT_TIME", "error", "conversion", "event_time is not ISO 8601 UTC")
def invalid_event_time(s: Conversion) -> Iterator[str]:
    if "event_time" not in s.body:
        return
    problem, _ = utc_time_problem(s.body["event_time"], "event_time")
    if problem:
        yield problem


@rule("CONVERSION_FUTURE_EVENT_TIME", "error", "conversion", "event_time lies in the future")
def future_event_time(s: Conversion) -> Iterator[str]:
    raw = s.body.get("event_time")
    _, parsed = utc_time_problem(raw, "event_time")
    problem = future_problem(parsed, "event_time", raw, s.now)
    if problem:
        yield problem


@rule(
    "CONVERSION_MISSING_USER_DATA",
    "error",
    "conversion",
    "user_data has none of em, client_ip_address (client_user_agent alone does not match)",
)
def missing_user_data(s: Conversion) -> Iterator[str]:
    if "user_data" not in s.body or not isinstance(s.body["user_data"], dict):
        return
    ud = _user_data(s)
    if not any(ud.get(k) not in (None, "") for k in ("em", "client_ip_address")):
        yield "user_data needs em or client_ip_address"


@rule(
    "CONVERSION_UNHASHED_EMAIL",
    "error",
    "conversion",
    "user_data.em is a plain email address (send SHA-256 of the trimmed, lowercased address)",
)
def unhashed_email(s: Conversion) -> Iterator[str]:
    em = _user_data(s).get("em")
    if isinstance(em, str) and EMAIL_RE.match(em.strip()):
        expected = hashlib.sha256(em.strip().lower().encode()).hexdigest()
        yield (
            "user_data.em is a plain email address; send the SHA-256 of the trimmed, lowercased "
            f"address ({expected[:12]}…)"
        )


@rule(
    "CONVERSION_INVALID_HASH",
    "error",
    "conversion",
    "user_data.em is not a SHA-256 hex digest (64 lowercase hex)",
)
def invalid_hash(s: Conversion) -> Iterator[str]:
    ud = _user_data(s)
    if "em" not in ud:
        return
    em = ud["em"]
    if (isinstance(em, str) and (HEX64_RE.match(em) or EMAIL_RE.match(em.strip()))) or em is None:
        return
    hint = ""
    if isinstance(em, str) and HEX64_RE.match(em.lower()):
        hint = " (uppercase hex: lowercase it)"
    elif isinstance(em, str) and len(em) == 32 and HEX32_RE.match(em):
        hint = " (looks like MD5)"
    yield f"user_data.em {show(em)} is not a SHA-256 hex digest (64 lowercase hex){hint}"


def validate_conversion_auth(
    authorization: str | None, tokens: frozenset[str]
) -> tuple[ValidationFinding, ...]:
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return (
            finding("CONVERSION_UNAUTHORIZED", "missing 'Authorization: Bearer <pixel API key>'"),
        )
    if tokens and token.strip() not in tokens:
        return (finding("CONVERSION_FORBIDDEN", "the bearer token is not valid"),)
    return ()


def validate_conversion(body: Any, now: datetime | None = None) -> tuple[ValidationFinding, ...]:
    """Every finding for a guide conversion body, then the pixel rules on custom_data."""
    from mock_endpoint.validation.pixel import validate_pixel_event

    if not isinstance(body, dict):
        return (finding("CONVERSION_MALFORMED", f"expected a JSON object; got {show(body)}"),)
    subject = Conversion(body, now or datetime.now(UTC))
    http = {"CONVERSION_UNAUTHORIZED", "CONVERSION_FORBIDDEN", "CONVERSION_BAD_REQUEST"}
    found = [f for r in rules_for("conversion") if r.code not in http for f in r.run(subject)]
    custom = body.get("custom_data")
    name = body.get("event_name")
    params = custom if isinstance(custom, dict) else {}
    for f in validate_pixel_event(str(name) if name is not None else "", "0" * 32, params):
        if f.code == "UNKNOWN_EVENT":
            continue  # CONVERSION_UNKNOWN_EVENT covers it
        found.append(replace(f, message=f"custom_data: {f.message}"))
    return tuple(found)


__all__ = ["PixelSubject", "validate_conversion", "validate_conversion_auth"]
