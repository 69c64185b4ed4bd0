"""capi.spotify.com: ``POST /capi-direct/events/``, Spotify's Conversions API (docs/evidence.md §7).

Bearer token required: 401 without one; 403 for a token the mock was not given (when tokens are
configured with ``--token`` / ``MockEndpoint(tokens=...)``). A body with any error finding is
answered 400 (assumption: the whole request is rejected); otherwise 200 ``{"message":
"SUCCESS"}``. Errors have Spotify's shape (assumed; the exact schema is unknown):
``{"code", "message", "sp_trace_id", "error": {"status", "message"}, "errors": [findings]}``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mock_endpoint.endpoints.common import (
    BadRequest,
    config_of,
    decode_json,
    read_body,
    record,
    require_content_type,
    stored_text,
    trace_id,
)
from mock_endpoint.records import PixelEvent, ValidationFinding
from mock_endpoint.validation import validate_capi_auth, validate_capi_envelope
from mock_endpoint.validation.registry import finding


def capi_error(
    status: int, code: str, message: str, findings: tuple[ValidationFinding, ...] = ()
) -> web.Response:
    tid = trace_id()
    return web.json_response(
        {
            "code": code,
            "message": message,
            "sp_trace_id": tid,
            "error": {"status": status, "message": message},
            "errors": [f.to_json() for f in findings],
        },
        status=status,
        headers={"sp-trace-id": tid},
    )


def _str(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    return str(value) if isinstance(value, str | int) else None


def capi_events(payload: Any) -> tuple[PixelEvent, ...]:
    """Each CAPI event as a PixelEvent (name as sent, params = event_details)."""
    if not isinstance(payload, dict):
        return ()
    ce = payload.get("conversion_events")
    if not isinstance(ce, dict) or not isinstance(ce.get("events"), list):
        return ()
    events = []
    for e in ce["events"]:
        if not isinstance(e, dict):
            continue
        details = e.get("event_details")
        user = e.get("user_data")
        name = e.get("event_name")
        events.append(
            PixelEvent(
                name=name if isinstance(name, str) else str(name),
                key=None,
                params=dict(details) if isinstance(details, dict) else {},
                url=e.get("event_source_url")
                if isinstance(e.get("event_source_url"), str)
                else None,
                device_id=_str(user.get("device_id")) if isinstance(user, dict) else None,
                event_id=_str(e.get("event_id")),
            )
        )
    return tuple(events)


async def capi_events_endpoint(request: web.Request) -> web.Response:
    auth = validate_capi_auth(request.headers.get("Authorization"), config_of(request).tokens)
    if auth:
        status = 401 if auth[0].code == "CAPI_UNAUTHORIZED" else 403
        record(request, kind="capi", status=status, findings=auth)
        return capi_error(status, auth[0].code, auth[0].message, auth)
    raw = b""
    try:
        require_content_type(request, ("application/json",), empty_ok=False)
        raw = await read_body(request)
        payload = decode_json(raw)
    except BadRequest as exc:
        found = (finding("CAPI_BAD_REQUEST", exc.message),)
        record(
            request,
            kind="capi",
            status=exc.status,
            payload=stored_text(raw) or None,
            findings=found,
        )
        return capi_error(exc.status, exc.code, exc.message, found)
    findings = validate_capi_envelope(payload)
    events = capi_events(payload)
    errors = [f for f in findings if f.severity == "error"]
    status = 400 if errors else 200
    record(request, kind="capi", status=status, payload=payload, events=events, findings=findings)
    if errors:
        return capi_error(400, errors[0].code, errors[0].message, findings)
    return web.json_response({"message": "SUCCESS"})
