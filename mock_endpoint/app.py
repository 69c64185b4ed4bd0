"""The aiohttp applications: the Spotify hosts (virtual-hosted by the Host header) and, on a
listener of its own, the control API.

``ROUTES`` is the single route table: the dispatchers, the 404 answers and the OpenAPI document
(``GET /__spdt/openapi.json``) all read it. The control API is never answered on a Spotify host
name: a request for a control path there is refused (404), changes nothing and is recorded with a
``CONTROL_PATH_REFUSED`` finding, so that a page trying to reset the evidence is itself evidence.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import traceback
from collections.abc import Iterable

from aiohttp import web

from mock_endpoint.endpoints import capi, control, image, ingest, script, stats
from mock_endpoint.endpoints import studio as studio_routes
from mock_endpoint.endpoints.common import (
    CONFIG_KEY,
    HEALTH_KEY,
    KEYS_KEY,
    STORE_KEY,
    Health,
    MockConfig,
    json_error,
    mark_answer,
    record,
)
from mock_endpoint.faults import FAULTS_KEY, FaultPlan, fault_middleware
from mock_endpoint.hosts import (
    ADS_API_HOST,
    CAPI_HOST,
    IMAGE_HOST,
    INGEST_HOST,
    LEGACY_PING_HOST,
    LEGACY_SCRIPT_HOST,
    SCRIPT_HOST,
    bare_host,
)
from mock_endpoint.routes import (
    CONTROL_HEADER,
    PATH_PARAMS_KEY,
    PREFIX,
    ROUTES_KEY,
    Handler,
    Param,
    Route,
)
from mock_endpoint.session import SessionKeys
from mock_endpoint.store import RecordStore
from mock_endpoint.validation.registry import finding
from mock_endpoint.vocab import RecordKind

log = logging.getLogger("mock_endpoint")
# None: the control listener needs no token (``spdt-harness mock`` on loopback); absent: the app
# is not a control listener.
CONTROL_TOKEN_KEY: web.AppKey[str | None] = web.AppKey("control_token")

_KEY = Param("key", "pixel key (32 lowercase hex)")
_SESSION = Param("session", "only this recorder session")
_FILTERS = (
    _SESSION,
    Param("host", "only hits on this host name"),
    Param(
        "kind",
        "script, ingest, preflight, image, noscript, conversion, capi, stats, legacy_ping, unknown",
    ),
    Param("event", "only records with an event of this name"),
    Param(
        "has_findings",
        "true: only records with findings; false: only without",
        schema={"type": "boolean"},
    ),
    Param("code", "only records with a finding of this code"),
    Param(
        "after_id",
        "only records with a larger id (cursor)",
        schema={"type": "integer", "minimum": 0},
    ),
)
_JSON_ERR = {"400": "bad request: {code, message}"}
_AUTH = (Param("Authorization", "Bearer <token>", where="header", required=True),)

ROUTES: tuple[Route, ...] = (
    # -- pixel.byspotify.com ---------------------------------------------------------------
    Route(
        "GET",
        "/ping.min.js",
        script.ping_min_js,
        "getPingScript",
        "the emulated ping.min.js (recorded with the page that loaded it); the same script on "
        "the legacy Podsights CDN",
        host=SCRIPT_HOST,
        also_on=(LEGACY_SCRIPT_HOST,),
        kind="script",
        response_type="application/javascript",
        responses={"200": "the script", "304": "not modified (If-None-Match)"},
    ),
    Route(
        "GET",
        "/pixel",
        script.noscript_pixel,
        "getNoscriptPixel",
        "the guide's noscript image pixel: key, ev (+ event parameters)",
        host=SCRIPT_HOST,
        kind="noscript",
        response_type="image/gif",
        params=(_KEY, Param("ev", "event name, e.g. view")),
        responses={"200": "a 1x1 GIF (valid or not; findings are recorded)"},
    ),
    Route(
        "POST",
        "/api/v1/conversion",
        script.conversion,
        "postGuideConversion",
        "the guide's server-side conversion endpoint",
        host=SCRIPT_HOST,
        kind="conversion",
        params=_AUTH,
        body=("application/json",),
        responses={
            "200": "received",
            **_JSON_ERR,
            "401": "no bearer token",
            "403": "wrong token",
            "413": "body too large",
        },
    ),
    # -- pixels.spotify.com ----------------------------------------------------------------
    Route(
        "POST",
        "/v1/ingest",
        ingest.ingest,
        "postIngest",
        "the live pixel's event batch (fetch or sendBeacon)",
        host=INGEST_HOST,
        kind="ingest",
        body=("application/json", "text/plain"),
        responses={
            "204": "accepted (CORS headers for the calling origin)",
            **_JSON_ERR,
            "413": "body too large",
        },
    ),
    Route(
        "OPTIONS",
        "/v1/ingest",
        ingest.preflight,
        "preflightIngest",
        "CORS preflight for the ingest endpoint",
        host=INGEST_HOST,
        kind="preflight",
        responses={"204": "CORS headers"},
    ),
    # -- img.byspotify.com -----------------------------------------------------------------
    Route(
        "GET",
        "/",
        image.image_pixel,
        "getImagePixel",
        "Spotify's image pixel: key, a=init|product|addtocart|checkout|purchase|lead",
        host=IMAGE_HOST,
        kind="image",
        response_type="image/gif",
        params=(
            _KEY,
            Param("a", "action"),
            Param("value", "purchase value"),
            Param("currency", "ISO 4217 code"),
            Param("order_id", "order id"),
            Param("discount_code", "discount code"),
        ),
        responses={"200": "a 1x1 GIF (valid or not; findings are recorded)"},
    ),
    # -- ping.pdst.fm: the legacy Podsights loader's tracking image -------------------------
    Route(
        "GET",
        "/tr.gif",
        script.legacy_ping,
        "getLegacyPing",
        "the legacy Podsights tracking image (recorded, never validated: its fields are unknown)",
        host=LEGACY_PING_HOST,
        kind="legacy_ping",
        response_type="image/gif",
        responses={"200": "a 1x1 GIF"},
    ),
    # -- capi.spotify.com ------------------------------------------------------------------
    Route(
        "POST",
        "/capi-direct/events/",
        capi.capi_events_endpoint,
        "postCapiEvents",
        "Spotify's Conversions API",
        host=CAPI_HOST,
        kind="capi",
        params=_AUTH,
        body=("application/json",),
        responses={
            "200": '{"message": "SUCCESS"}',
            "400": "invalid (Spotify shape, sp_trace_id)",
            "401": "no bearer token",
            "403": "wrong token",
            "413": "body too large",
        },
    ),
    # -- ads-api.spotify.com ---------------------------------------------------------------
    Route(
        "GET",
        "/v1/campaigns/{id}/stats",
        stats.campaign_stats,
        "getCampaignStats",
        "recorded conversions by event for a date range",
        host=ADS_API_HOST,
        kind="stats",
        params=(
            *_AUTH,
            Param("id", "campaign id", where="path"),
            Param("start_date", "YYYY-MM-DD", required=True),
            Param("end_date", "YYYY-MM-DD", required=True),
        ),
        responses={"200": "counts", **_JSON_ERR, "401": "no bearer token", "403": "wrong token"},
    ),
    # -- control API (the control listener only) -------------------------------------------
    Route(
        "GET",
        f"{PREFIX}/",
        control.live_page,
        "livePage",
        "live page: records as they arrive (server-sent events)",
        response_type="text/html",
        params=(_SESSION, Param("kind", "filter"), Param("event", "filter")),
    ),
    Route(
        "GET",
        f"{PREFIX}/stream",
        control.stream,
        "stream",
        "server-sent events, one `record` event per record",
        response_type="text/event-stream",
        params=(
            *_FILTERS,
            Param(
                "replay",
                "replay this many recent records (default 50)",
                schema={"type": "integer", "minimum": 0},
            ),
        ),
    ),
    Route(
        "GET",
        f"{PREFIX}/records",
        control.list_records,
        "listRecords",
        "records matching the filters, oldest first",
        params=(
            *_FILTERS,
            Param("limit", "page size (default 100, max 10000)", schema={"type": "integer"}),
            Param("offset", "skip this many matches", schema={"type": "integer"}),
        ),
        responses={"200": "{records, total, offset, limit, next_after_id, last_id}", **_JSON_ERR},
    ),
    Route(
        "GET",
        f"{PREFIX}/records/{{id}}",
        control.get_record,
        "getRecord",
        "one record by id",
        params=(Param("id", "record id", where="path"),),
        responses={"200": "the record", **_JSON_ERR, "404": "no such record"},
    ),
    Route(
        "GET",
        f"{PREFIX}/summary",
        control.summary,
        "summary",
        "{total, valid, invalid, evicted, last_id}",
        params=(_SESSION,),
    ),
    Route("GET", f"{PREFIX}/sessions", control.sessions, "sessions", "record count per session"),
    Route(
        "POST",
        f"{PREFIX}/reset",
        control.reset,
        "reset",
        "forget every record, or one session's ({dropped})",
        params=(_SESSION,),
    ),
    Route(
        "GET",
        f"{PREFIX}/wait",
        control.wait,
        "waitFor",
        "long-poll: the first matching record the moment it exists; after timeout 200 "
        '{"status": "not_yet"}',
        params=(
            *_FILTERS,
            Param("timeout", "seconds, 0..60 (default 10)", schema={"type": "number"}),
        ),
        responses={"200": '{"status": "found", "record"} or {"status": "not_yet"}', **_JSON_ERR},
    ),
    Route(
        "GET",
        f"{PREFIX}/dedup",
        control.dedup,
        "dedupReport",
        "pixel vs server-side events matched by event_id / order_id",
        params=(_SESSION,),
    ),
    Route("GET", f"{PREFIX}/rules", control.rules, "rules", "the validation rule table"),
    Route(
        "GET",
        f"{PREFIX}/credential",
        control.credential,
        "sessionCredential",
        "the credential that files a browser's or client's hits under a session: send it as "
        "the X-Spdt-Session header (or a spdt-session/<credential> User-Agent token)",
        params=(Param("session", "session id (1-64 of A-Z a-z 0-9 _ . -)", required=True),),
        responses={"200": "{session, header, credential, user_agent_token}", **_JSON_ERR},
    ),
    Route("GET", f"{PREFIX}/openapi.json", control.openapi_document, "openapi", "this document"),
    *studio_routes.ROUTES,
)


_BY_HOST: dict[str | None, list[Route]] = {}
for _route in ROUTES:
    for _host in _route.hosts or (None,):
        _BY_HOST.setdefault(_host, []).append(_route)


def _exact_routes() -> dict[tuple[str, str, str], Route]:
    """(host, method, path) → route, for the routes without path parameters that ``_find``
    would choose for exactly that method and path: one dictionary look-up per hit instead of a
    pattern match per route of the host (the others still go through ``_find``)."""
    exact: dict[tuple[str, str, str], Route] = {}
    for host, routes in _BY_HOST.items():
        if host is None:
            continue
        for route in routes:
            if "{" in route.path or route.path == PREFIX or route.path.startswith(PREFIX + "/"):
                continue  # a control path on a Spotify host is refused before any look-up
            if _find(routes, route.method, route.path)[0] is route:
                exact.setdefault((host, route.method, route.path), route)
    return exact


def host_routes(host: str) -> list[Route]:
    return list(_BY_HOST.get(host, ()))


def control_routes() -> list[Route]:
    return list(_BY_HOST[None])


def _find(routes: Iterable[Route], method: str, path: str) -> tuple[Route | None, list[Route]]:
    """(the route for method+path, every route at that path)."""
    at_path = [r for r in routes if r.match(path) is not None]
    chosen = next((r for r in at_path if r.method == method), None)
    if chosen is None and method == "HEAD":
        chosen = next((r for r in at_path if r.method == "GET"), None)
    return chosen, at_path


_EXACT = _exact_routes()


def is_control_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


async def dispatch_control(request: web.Request) -> web.StreamResponse:
    """The control listener: control routes only; anything else 404 listing the valid ones."""
    path = request.path
    path = path if path != PREFIX else PREFIX + "/"
    route, at_path = _find(_BY_HOST[None], request.method, path)
    if route is None:
        valid = [f"{r.method} {r.path}" for r in control_routes()]
        if at_path:
            allow = ", ".join(r.method for r in at_path)
            return json_error(
                405,
                "METHOD_NOT_ALLOWED",
                f"{path[:200]} answers {allow}",
                headers={"Allow": allow},
                valid=valid,
            )
        return json_error(404, "NOT_FOUND", f"no control route {path[:200]}", valid=valid)
    request[PATH_PARAMS_KEY] = route.match(path) or {}
    return await route.handler(request)


def _refuse_control_path(request: web.Request, host: str) -> web.Response:
    message = (
        f"{request.method} {host[:100]}{request.path[:200]}: the control API is not served on "
        "Spotify host names (refused, nothing changed)"
    )
    record(
        request,
        kind="tampering",
        status=404,
        payload={
            "referer": request.headers.get("Referer"),
            "origin": request.headers.get("Origin"),
        },
        findings=(finding("CONTROL_PATH_REFUSED", message),),
    )
    return json_error(404, "NOT_FOUND", message)


async def dispatch(request: web.Request) -> web.StreamResponse:
    path = request.path
    host = bare_host(request.host)
    method = request.method
    route = _EXACT.get((host, method, path))
    if route is not None:  # the usual hit: a pixel endpoint, no path parameters
        request[PATH_PARAMS_KEY] = {}
        return await route.handler(request)
    if is_control_path(path):
        return _refuse_control_path(request, host)
    route, at_path = _find(_BY_HOST.get(host, ()), method, path)
    if route is None:
        valid = [f"{r.method} https://{r.host}{r.path}" for r in ROUTES if r.host]
        if at_path:
            allow = ", ".join(r.method for r in at_path)
            record(
                request,
                kind=at_path[0].kind,
                status=405,
                findings=(
                    finding(
                        "METHOD_NOT_ALLOWED", f"{request.method} {host}{path} (allowed: {allow})"
                    ),
                ),
            )
            return json_error(
                405, "METHOD_NOT_ALLOWED", f"{host}{path} answers {allow}", headers={"Allow": allow}
            )
        message = f"{request.method} {host[:100]}{path[:200]} is not emulated"
        record(
            request, kind="unknown", status=404, findings=(finding("UNKNOWN_ENDPOINT", message),)
        )
        return json_error(404, "NOT_FOUND", message, valid=valid)
    request[PATH_PARAMS_KEY] = route.match(path) or {}
    return await route.handler(request)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Absurd URLs get 414; an unexpected exception (a bug) is logged, counted in
    ``Health.internal_errors`` and answered 500 JSON as a last resort."""
    config = request.app[CONFIG_KEY]
    if len(request.raw_path) > config.max_query:
        is_control = CONTROL_TOKEN_KEY in request.app  # the control listener records nothing
        message = f"the URL is {len(request.raw_path)} bytes; the limit is {config.max_query}"
        if not is_control:
            record(
                request,
                kind="unknown",
                status=414,
                query={},
                payload={"url_length": len(request.raw_path)},
                findings=(finding("URL_TOO_LONG", message),),
            )
        return json_error(414, "URL_TOO_LONG", message)
    try:
        response: web.StreamResponse = await handler(request)
    except web.HTTPException as exc:  # aiohttp's own (e.g. a body it refused)
        return json_error(exc.status, f"HTTP_{exc.status}", exc.reason)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        request.app[HEALTH_KEY].internal_errors.append(
            f"{request.method} {request.host}{request.path}: "
            + "".join(traceback.format_exception_only(exc)).strip()
        )
        log.exception("unexpected error answering %s %s", request.method, request.path)
        return json_error(
            500, "INTERNAL_ERROR", "the mock failed unexpectedly (a bug); see its log"
        )
    return response


def _route_kind(request: web.Request) -> RecordKind:
    route, at_path = _find(_BY_HOST.get(bare_host(request.host), ()), request.method, request.path)
    chosen = route or (at_path[0] if at_path else None)
    return chosen.kind if chosen is not None else "unknown"


def _record_fault(request: web.Request, status: int, payload: dict[str, object]) -> None:
    """A hit a fault answered (5xx, reset): kind ``fault``, no events (never delivered)."""
    record(
        request,
        kind="fault",
        status=status,
        payload={**payload, "would_be": _route_kind(request)},
    )


def create_app(
    store: RecordStore | None = None,
    config: MockConfig | None = None,
    faults: FaultPlan | None = None,
    keys: SessionKeys | None = None,
) -> web.Application:
    """The Spotify hosts (what the browser reaches)."""
    app = web.Application(
        client_max_size=(config or MockConfig()).max_body,
        middlewares=[fault_middleware(_record_fault, mark_answer), guard],
    )
    app[FAULTS_KEY] = faults or FaultPlan()
    app[STORE_KEY] = store or RecordStore()
    app[CONFIG_KEY] = config or MockConfig()
    app[HEALTH_KEY] = Health()
    app[KEYS_KEY] = keys or SessionKeys()
    app.router.add_route("*", "/{tail:.*}", dispatch)
    return app


def presented_token(request: web.Request) -> str | None:
    return request.headers.get(CONTROL_HEADER) or request.query.get("token")


@web.middleware
async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The run's token, as ``?token=`` or the ``X-Spdt-Control-Token`` header (if it has one)."""
    expected = request.app[CONTROL_TOKEN_KEY]
    if expected is None:
        return await handler(request)
    given = presented_token(request)
    if given is None:
        return json_error(
            401,
            "CONTROL_TOKEN_REQUIRED",
            f"the control API needs the run's token: ?token=... or a {CONTROL_HEADER} header "
            "(the mock prints a URL that carries it)",
        )
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return json_error(403, "CONTROL_TOKEN_WRONG", "that is not this mock's control token")
    return await handler(request)


def create_control_app(
    store: RecordStore,
    config: MockConfig,
    keys: SessionKeys,
    health: Health,
    token: str | None,
) -> web.Application:
    """The control API, for the control listener: never reachable by a Spotify host name."""
    app = web.Application(client_max_size=config.max_body, middlewares=[guard, require_token])
    app[STORE_KEY] = store
    app[CONFIG_KEY] = config
    app[HEALTH_KEY] = health
    app[KEYS_KEY] = keys
    app[CONTROL_TOKEN_KEY] = token
    app[ROUTES_KEY] = ROUTES
    app[control.STREAMS_KEY] = set()
    app.on_shutdown.append(control.close_streams)
    app.router.add_route("*", "/{tail:.*}", dispatch_control)
    return app
