"""Helpers every endpoint shares: building records, JSON errors, CORS."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mock_endpoint.hosts import bare_host
from mock_endpoint.records import Finding, PixelEvent, Record
from mock_endpoint.session import DEFAULT_SESSION, tagged_session
from mock_endpoint.store import RecordStore

STORE_KEY: web.AppKey[RecordStore] = web.AppKey("store", RecordStore)


def store_of(request: web.Request) -> RecordStore:
    return request.app[STORE_KEY]


def page_of(request: web.Request) -> str | None:
    return request.headers.get("Referer") or request.headers.get("Origin")


def record(
    request: web.Request,
    *,
    kind: str,
    status: int,
    payload: Any = None,
    events: tuple[PixelEvent, ...] = (),
    findings: tuple[Finding, ...] = (),
    page: str | None = None,
) -> Record:
    """Store one hit for ``request``; returns the stored record."""
    session = tagged_session(request.headers)
    return store_of(request).add(
        Record(
            id=0,
            time=0.0,
            session=session or DEFAULT_SESSION,
            host=bare_host(request.host),
            method=request.method,
            path=request.path,
            kind=kind,
            status=status,
            query=dict(request.query),
            payload=payload,
            page=page or page_of(request),
            user_agent=request.headers.get("User-Agent"),
            events=events,
            findings=findings,
        ),
        tagged=session is not None,
    )


def json_error(status: int, code: str, message: str, **extra: Any) -> web.Response:
    return web.json_response({"code": code, "message": message, **extra}, status=status)


def cors_headers(request: web.Request) -> dict[str, str]:
    origin = request.headers.get("Origin")
    headers = {
        "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
        "Access-Control-Allow-Headers": request.headers.get(
            "Access-Control-Request-Headers", "Content-Type"
        ),
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }
    if origin:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Allow-Credentials"] = "true"
    else:
        headers["Access-Control-Allow-Origin"] = "*"
    return headers
