"""pixels.spotify.com: ``POST /v1/ingest``, the live pixel's JSON batch (facts §2).

Body: ``{"batch": [{"pid": KEY, "events": [{"action": NAME, "body": {"url": ..., PARAMS}}]}]}``.
Accepted as ``application/json`` (fetch) and as ``text/plain`` (``sendBeacon``).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from mock_endpoint.endpoints.common import cors_headers, json_error, record
from mock_endpoint.records import PixelEvent

# Fields of an event body that describe the page rather than the event's parameters.
BODY_META = frozenset(
    {"url", "referrer", "inIframe", "windowWidth", "windowHeight", "timezoneOffset"}
)
MAX_BODY = 1024 * 1024


def parse_batch(payload: Any) -> tuple[PixelEvent, ...]:
    """The events of an ingest payload; raises ValueError with a reason when malformed."""
    if not isinstance(payload, dict) or not isinstance(payload.get("batch"), list):
        raise ValueError('expected {"batch": [...]}')
    events: list[PixelEvent] = []
    for entry in payload["batch"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("events"), list):
            raise ValueError('each batch entry needs "pid" and an "events" list')
        pid = entry.get("pid")
        for event in entry["events"]:
            if not isinstance(event, dict) or not isinstance(event.get("action"), str):
                raise ValueError('each event needs a string "action"')
            raw_body = event.get("body")
            body: dict[str, Any] = raw_body if isinstance(raw_body, dict) else {}
            params = {k: v for k, v in body.items() if k not in BODY_META}
            url = body.get("url")
            events.append(
                PixelEvent(
                    name=event["action"],
                    key=pid if isinstance(pid, str) else None,
                    params=params,
                    url=url if isinstance(url, str) else None,
                    click_id=_str_or_none(event.get("click_id")),
                    device_id=_str_or_none(event.get("uid")),
                    event_id=_str_or_none(params.get("event_id")),
                )
            )
    return tuple(events)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


async def preflight(request: web.Request) -> web.Response:
    record(request, kind="preflight", status=204)
    return web.Response(status=204, headers=cors_headers(request))


async def ingest(request: web.Request) -> web.Response:
    headers = cors_headers(request)
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        record(request, kind="ingest", status=413)
        return json_error(413, "BODY_TOO_LARGE", f"body exceeds {MAX_BODY} bytes")
    try:
        payload = json.loads(raw.decode("utf-8"))
        events = parse_batch(payload)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        record(request, kind="ingest", status=400, payload=raw.decode("utf-8", "replace"))
        response = json_error(400, "MALFORMED_BATCH", str(exc))
        response.headers.update(headers)
        return response
    page = next((e.url for e in events if e.url), None)
    record(request, kind="ingest", status=204, payload=payload, events=events, page=page)
    return web.Response(status=204, headers=headers)
