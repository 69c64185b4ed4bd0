"""pixel.byspotify.com: the emulated ping.min.js, the guide's noscript image (``/pixel``) and the
guide's server-side endpoint (``POST /api/v1/conversion``); the same script on the legacy
Podsights CDN (cdn.pdst.fm) and its tracking image (ping.pdst.fm/tr.gif)."""

from __future__ import annotations

import base64
import hashlib
from importlib import resources
from pathlib import Path

from aiohttp import web

from mock_endpoint.endpoints.common import (
    BadRequest,
    config_of,
    decode_json,
    json_error,
    read_body,
    record,
    require_content_type,
    stored_text,
    typed_query_param,
)
from mock_endpoint.records import PixelEvent, ValidationFinding
from mock_endpoint.validation import (
    validate_conversion,
    validate_conversion_auth,
    validate_pixel_event,
)
from mock_endpoint.validation.registry import finding

# A transparent 1x1 GIF, as image pixels answer.
GIF_1X1 = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
SCRIPT_CACHE_CONTROL = "public, max-age=300"  # short, like a CDN-served tag that can change
_cache: dict[str, tuple[float, bytes, str]] = {}


def _emulator_path() -> Path:
    return Path(str(resources.files("mock_endpoint").joinpath("static/ping.min.js")))


def emulator_source() -> bytes:
    """The emulator's bytes, re-read when the file changes (it is edited while a mock runs)."""
    source, _ = _emulator()
    return source


def _emulator() -> tuple[bytes, str]:
    path = _emulator_path()
    mtime = path.stat().st_mtime
    cached = _cache.get("ping")
    if cached is None or cached[0] != mtime:
        body = path.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        _cache["ping"] = (mtime, body, etag)
        return body, etag
    return cached[1], cached[2]


async def ping_min_js(request: web.Request) -> web.Response:
    body, etag = _emulator()
    headers = {
        "Cache-Control": SCRIPT_CACHE_CONTROL,
        "ETag": etag,
        "Access-Control-Allow-Origin": "*",
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if etag in request.headers.get("If-None-Match", ""):
        record(request, kind="script", status=304)
        return web.Response(status=304, headers=headers)
    record(request, kind="script", status=200)
    return web.Response(
        body=body, content_type="application/javascript", charset="utf-8", headers=headers
    )


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def gif_response() -> web.Response:
    return web.Response(
        body=GIF_1X1,
        content_type="image/gif",
        headers={
            "Cache-Control": "no-store, max-age=0",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )


async def legacy_ping(request: web.Request) -> web.Response:
    """``GET ping.pdst.fm/tr.gif``: requested on some sites under the legacy Podsights loader
    (docs/evidence.md, "Loaders"). What it carries is unknown, so it is recorded as it came
    and never validated. Answers a 1x1 GIF."""
    record(request, kind="legacy_ping", status=200)
    return gif_response()


async def noscript_pixel(request: web.Request) -> web.Response:
    """``GET /pixel?key=KEY&ev=view``: the guide's noscript fallback (no evidence it exists
    live; recorded and validated like any pixel event). Answers a 1x1 GIF."""
    q = request.query
    name, key = q.get("ev"), q.get("key")
    params = {k: typed_query_param(k, v) for k, v in q.items() if k not in ("ev", "key")}
    event = PixelEvent(name=name or "", key=key, params=params, event_id=q.get("event_id"))
    findings = validate_pixel_event(event.name, key, params)
    if name is None or not name.strip():
        findings = (
            *(f for f in findings if f.code != "UNKNOWN_EVENT"),
            ValidationFinding(
                "UNKNOWN_EVENT", "warning", "noscript pixel without an ev= event name"
            ),
        )
    status = 200
    record(request, kind="noscript", status=status, events=(event,), findings=findings)
    return gif_response()


async def conversion(request: web.Request) -> web.Response:
    """``POST /api/v1/conversion``: the guide's server-side event (docs/evidence.md §7)."""
    auth = validate_conversion_auth(request.headers.get("Authorization"), config_of(request).tokens)
    if auth:
        status = 401 if auth[0].code == "CONVERSION_UNAUTHORIZED" else 403
        record(request, kind="conversion", status=status, findings=auth)
        return json_error(status, auth[0].code, auth[0].message)
    raw = b""
    try:
        require_content_type(request, ("application/json",), empty_ok=False)
        raw = await read_body(request)
        body = decode_json(raw)
    except BadRequest as exc:
        f = finding("CONVERSION_BAD_REQUEST", exc.message)
        record(
            request,
            kind="conversion",
            status=exc.status,
            payload=stored_text(raw) or None,
            findings=(f,),
        )
        return json_error(exc.status, exc.code, exc.message)
    findings = validate_conversion(body)
    events: tuple[PixelEvent, ...] = ()
    if isinstance(body, dict):
        custom = body.get("custom_data")
        params = dict(custom) if isinstance(custom, dict) else {}
        name = body.get("event_name")
        pid = body.get("pixel_id")
        eid = params.get("event_id", body.get("event_id"))
        events = (
            PixelEvent(
                name=name if isinstance(name, str) else str(name),
                key=pid if isinstance(pid, str) else None,
                params=params,
                url=_str(body.get("event_source_url")),
                event_id=str(eid)
                if isinstance(eid, str | int) and not isinstance(eid, bool)
                else None,
            ),
        )
    errors = [f for f in findings if f.severity == "error"]
    status = 400 if errors else 200
    record(
        request, kind="conversion", status=status, payload=body, events=events, findings=findings
    )
    if errors:
        return json_error(
            400,
            errors[0].code,
            errors[0].message,
            errors=[f.to_json() for f in findings],
        )
    return web.json_response(
        {"status": "received", "events_received": 1, "warnings": [f.to_json() for f in findings]}
    )
