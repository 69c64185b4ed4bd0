"""pixels.spotify.com: ``POST /v1/ingest``, the live pixel's JSON batch (docs/evidence.md §2).

Body: ``{"batch": [{"pid": KEY, "events": [{"action": NAME, "body": {"url": ..., PARAMS}}]}]}``.
Accepted as ``application/json`` (fetch), as ``text/plain`` (``sendBeacon`` with a string) and
without a Content-Type (``sendBeacon`` with an untyped Blob). Answers 204 with CORS headers that
allow credentials for the calling origin; preflights get the same headers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web

from mock_endpoint.endpoints.common import (
    BadRequest,
    config_of,
    cors_headers,
    decode_json,
    json_error,
    read_body,
    record,
    require_content_type,
    stored_text,
)
from mock_endpoint.records import PixelEvent, Record, ValidationFinding
from mock_endpoint.validation import validate_pixel_event
from mock_endpoint.validation.registry import finding

# Fields of an event body that describe the page rather than the event's parameters.
BODY_META = frozenset(
    {"url", "referrer", "inIframe", "windowWidth", "windowHeight", "timezoneOffset"}
)
MAX_BODY = 1024 * 1024  # the default limit (MockConfig.max_body)
CONTENT_TYPES = ("application/json", "text/plain")
MAX_DIRECT_READ = 64 * 1024  # below aiohttp's client_max_size (1 MiB): read() never refuses it


def parse_batch(payload: Any) -> tuple[PixelEvent, ...]:
    """The events of an ingest payload; raises ValueError with a reason when malformed."""
    if not isinstance(payload, dict) or not isinstance(payload.get("batch"), list):
        raise ValueError('expected {"batch": [...]}')
    events: list[PixelEvent] = []
    for i, entry in enumerate(payload["batch"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("events"), list):
            raise ValueError(f'batch[{i}] needs "pid" and an "events" list')
        pid = entry.get("pid")
        for j, event in enumerate(entry["events"]):
            if not isinstance(event, dict) or not isinstance(event.get("action"), str):
                raise ValueError(f'batch[{i}].events[{j}] needs a string "action"')
            raw_body = event.get("body")
            body: dict[str, Any] = raw_body if isinstance(raw_body, dict) else {}
            params = {str(k): v for k, v in body.items() if k not in BODY_META}
            url = body.get("url")
            events.append(
                PixelEvent(
                    name=event["action"],
                    key=_key(event.get("pid", pid)),
                    params=params,
                    url=url if isinstance(url, str) else None,
                    click_id=_str_or_none(event.get("click_id")),
                    device_id=_str_or_none(event.get("uid")),
                    event_id=_id_or_none(params.get("event_id")),
                )
            )
    return tuple(events)


def _key(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)  # a numeric key is still wrong; validation shows it
    return value if isinstance(value, str) else None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _id_or_none(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    return _str_or_none(value)


def findings_for(events: tuple[PixelEvent, ...]) -> tuple[ValidationFinding, ...]:
    """The rule table over every event; with several events, messages name the event."""
    found: list[ValidationFinding] = []
    for i, e in enumerate(events):
        for f in validate_pixel_event(e.name, e.key, e.params):
            found.append(
                f if len(events) == 1 else replace(f, message=f"events[{i}] {e.name}: {f.message}")
            )
    return tuple(found)


async def preflight(request: web.Request) -> web.Response:
    record(request, kind="preflight", status=204)
    return web.Response(status=204, headers=cors_headers(request))


def warm_up() -> None:
    """Load what validation loads lazily (the ISO 4217 table ...) before the first hit, so that
    the first event is answered as fast as the rest."""
    findings_for(parse_batch(_SAMPLE))


_SAMPLE = {
    "batch": [
        {
            "pid": "0" * 32,
            "events": [{"action": "purchase", "body": {"value": 1, "currency": "USD"}}],
        }
    ]
}


async def _body(request: web.Request) -> bytes:
    """The body: read at once when its declared length is within the limit (the usual case),
    else in chunks against the limit (read_body)."""
    declared = request.content_length
    if declared is not None and declared <= min(config_of(request).max_body, MAX_DIRECT_READ):
        return await request.read()
    return await read_body(request)


async def ingest(request: web.Request) -> web.Response:
    headers = cors_headers(request)
    raw = b""
    try:
        require_content_type(request, CONTENT_TYPES, empty_ok=True)
        raw = await _body(request)
        payload = decode_json(raw)
        try:
            events = parse_batch(payload)
        except ValueError as exc:
            raise BadRequest(400, "MALFORMED_BATCH", str(exc)) from exc
    except BadRequest as exc:
        record(
            request,
            kind="ingest",
            status=exc.status,
            payload=stored_text(raw) or None,
            findings=(finding("INGEST_BAD_REQUEST", f"{exc.code}: {exc.message}"),),
        )
        return json_error(exc.status, exc.code, exc.message, headers=headers)
    page = next((e.url for e in events if e.url), None)
    # The answer is 204 whatever the findings say: the rule table runs when the record is
    # first read (RecordStore.add_unvalidated), not while the pixel waits.
    record(
        request,
        kind="ingest",
        status=204,
        payload=payload,
        events=events,
        page=page,
        validate=_pixel_findings,
    )
    return web.Response(status=204, headers=headers)


def _pixel_findings(stored: Record) -> tuple[ValidationFinding, ...]:
    return findings_for(stored.events)
