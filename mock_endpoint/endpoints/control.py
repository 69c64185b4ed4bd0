"""The control API under ``/__spdt/``: records, summary, reset, wait-for, dedup, rules, session
credentials, the OpenAPI document, and a live page fed by server-sent events. It is served only
on the mock's control listener (never on a Spotify host name); control requests are not recorded.

Long-polls and streams never block the event loop: they subscribe to the store and are woken with
``loop.call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from typing import Any

from aiohttp import web

from mock_endpoint.dedup import dedup_report
from mock_endpoint.endpoints.common import KEYS_KEY, BadRequest, json_error, jsonable, store_of
from mock_endpoint.openapi import build_openapi
from mock_endpoint.records import Record
from mock_endpoint.routes import PREFIX, ROUTES_KEY, path_param
from mock_endpoint.session import HEADER, UA_TOKEN, valid_session_id
from mock_endpoint.store import RecordFilter
from mock_endpoint.validation import all_rules

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
DEFAULT_WAIT = 10.0
MAX_WAIT = 60.0
KEEPALIVE = 15.0
STREAM_QUEUE = 10_000
STREAMS_KEY: web.AppKey[set[asyncio.Queue[Record | None]]] = web.AppKey("streams")

__all__ = ["PREFIX"]


def dumps(data: Any) -> str:
    return json.dumps(jsonable(data), ensure_ascii=False, separators=(",", ":"), default=str)


def respond(data: Any, status: int = 200) -> web.Response:
    return web.Response(text=dumps(data), status=status, content_type="application/json")


# -- query parsing ------------------------------------------------------------------------------
def _int(request: web.Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(400, "BAD_PARAMETER", f"{name}={raw[:40]!r} is not an integer") from None
    if not lo <= value <= hi:
        raise BadRequest(400, "BAD_PARAMETER", f"{name}={value} is outside {lo}..{hi}")
    return value


def _float(request: web.Request, name: str, default: float, lo: float, hi: float) -> float:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(400, "BAD_PARAMETER", f"{name}={raw[:40]!r} is not a number") from None
    if not lo <= value <= hi:  # also rejects nan
        raise BadRequest(400, "BAD_PARAMETER", f"{name}={raw[:40]} is outside {lo:g}..{hi:g}")
    return value


def _bool(request: web.Request, name: str) -> bool | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise BadRequest(400, "BAD_PARAMETER", f"{name}={raw[:40]!r} is not true or false")


def record_filter(request: web.Request) -> RecordFilter:
    q = request.query
    return RecordFilter(
        session=q.get("session") or None,
        host=q.get("host") or None,
        kind=q.get("kind") or None,
        event=q.get("event") or None,
        has_findings=_bool(request, "has_findings"),
        code=q.get("code") or None,
        after_id=_int(request, "after_id", 0, 0, 2**62),
    )


def guarded(handler: Any) -> Any:
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except BadRequest as exc:
            return json_error(exc.status, exc.code, exc.message)
        return response

    wrapper.__name__ = handler.__name__
    wrapper.__doc__ = handler.__doc__
    return wrapper


# -- records ------------------------------------------------------------------------------------
@guarded
async def list_records(request: web.Request) -> web.Response:
    flt = record_filter(request)
    limit = _int(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int(request, "offset", 0, 0, 2**62)
    store = store_of(request)
    matches = store.records(flt)
    page = matches[offset : offset + limit]
    return respond(
        {
            "records": [r.to_json() for r in page],
            "total": len(matches),
            "offset": offset,
            "limit": limit,
            "next_after_id": page[-1].id if page else flt.after_id,
            "last_id": store.last_id(),
        }
    )


@guarded
async def get_record(request: web.Request) -> web.Response:
    raw = path_param(request, "id")
    if not raw.isdigit():
        return json_error(400, "BAD_PARAMETER", f"record id {raw[:40]!r} is not an integer")
    found = store_of(request).get(int(raw))
    if found is None:
        return json_error(404, "NO_SUCH_RECORD", f"no record {raw} (evicted, reset or not yet)")
    return respond(found.to_json())


@guarded
async def summary(request: web.Request) -> web.Response:
    store = store_of(request)
    data: dict[str, Any] = store.summary(request.query.get("session") or None).to_json()
    data["last_id"] = store.last_id()
    return respond(data)


@guarded
async def sessions(request: web.Request) -> web.Response:
    return respond({"sessions": store_of(request).sessions()})


@guarded
async def reset(request: web.Request) -> web.Response:
    dropped = store_of(request).reset(request.query.get("session") or None)
    return respond({"dropped": dropped})


@guarded
async def dedup(request: web.Request) -> web.Response:
    session = request.query.get("session") or None
    return respond(dedup_report(store_of(request).records(), session).to_json())


@guarded
async def rules(request: web.Request) -> web.Response:
    return respond({"rules": [r.to_json() for r in all_rules()]})


@guarded
async def credential(request: web.Request) -> web.Response:
    session = request.query.get("session", "")
    if not valid_session_id(session):
        return json_error(
            400, "BAD_PARAMETER", f"session={session[:80]!r} is not 1-64 of A-Z a-z 0-9 _ . -"
        )
    value = request.app[KEYS_KEY].credential(session)
    return respond(
        {
            "session": session,
            "header": HEADER,
            "credential": value,
            "user_agent_token": f"{UA_TOKEN}/{value}",
        }
    )


# -- wait-for (long-poll) -----------------------------------------------------------------------
@guarded
async def wait(request: web.Request) -> web.Response:
    """The first record matching the filters (id > after_id): at once if one exists, else the
    moment one arrives; after ``timeout`` seconds 200 ``{"status": "not_yet"}``."""
    flt = record_filter(request)
    timeout = _float(request, "timeout", DEFAULT_WAIT, 0.0, MAX_WAIT)
    store = store_of(request)
    loop = asyncio.get_running_loop()
    arrived: asyncio.Future[Record] = loop.create_future()

    def resolve(record: Record) -> None:
        if not arrived.done():
            arrived.set_result(record)

    def listener(record: Record) -> None:
        if flt(record):
            loop.call_soon_threadsafe(resolve, record)

    unsubscribe = store.subscribe(listener)  # before looking, so nothing slips between
    try:
        existing = next(iter(store.records(flt)), None)
        if existing is not None:
            return respond({"status": "found", "record": existing.to_json()})
        try:
            found = await asyncio.wait_for(arrived, timeout)
        except TimeoutError:
            return respond({"status": "not_yet", "waited": timeout, "last_id": store.last_id()})
        return respond({"status": "found", "record": found.to_json()})
    finally:
        unsubscribe()


# -- live page and its event stream -------------------------------------------------------------
@guarded
async def stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events: one ``record`` event per record (``id:`` is the record id). Replays
    the last ``replay`` matching records (default 50), or those after ``Last-Event-ID``."""
    flt = record_filter(request)
    replay = _int(request, "replay", 50, 0, MAX_LIMIT)
    last_event = request.headers.get("Last-Event-ID", "")
    if last_event.isdigit():
        flt = RecordFilter(**{**_fields(flt), "after_id": int(last_event)})
    store = store_of(request)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Record | None] = asyncio.Queue(STREAM_QUEUE)

    def offer(record: Record) -> None:
        with contextlib.suppress(asyncio.QueueFull):  # a stalled reader loses records, not memory
            queue.put_nowait(record)

    def listener(record: Record) -> None:
        if flt(record):
            loop.call_soon_threadsafe(offer, record)

    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )
    unsubscribe = store.subscribe(listener)
    streams = request.app[STREAMS_KEY]
    streams.add(queue)
    try:
        await response.prepare(request)
        backlog = store.records(flt)
        if not last_event.isdigit():
            backlog = backlog[len(backlog) - replay :] if replay else []
        last = flt.after_id
        await response.write(b"retry: 1000\n\n")
        for r in backlog:
            await response.write(_event(r))
            last = r.id
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), KEEPALIVE)
            except TimeoutError:
                await response.write(b": keepalive\n\n")
                continue
            if item is None:
                break
            if item.id > last:
                await response.write(_event(item))
                last = item.id
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        unsubscribe()
        streams.discard(queue)
    return response


def _fields(flt: RecordFilter) -> dict[str, Any]:
    return {name: getattr(flt, name) for name in RecordFilter.__slots__}


def _event(record: Record) -> bytes:
    return f"id: {record.id}\nevent: record\ndata: {dumps(record.to_json())}\n\n".encode()


async def close_streams(app: web.Application) -> None:
    """on_shutdown: end every open event stream so that the server stops at once."""
    queues: set[asyncio.Queue[Record | None]] = app[STREAMS_KEY]
    for queue in tuple(queues):
        with contextlib.suppress(asyncio.QueueFull):
            queue.put_nowait(None)


@guarded
async def live_page(request: web.Request) -> web.Response:
    nonce = secrets.token_urlsafe(16)
    html = LIVE_HTML.replace("__NONCE__", nonce)
    return web.Response(
        text=html,
        content_type="text/html",
        charset="utf-8",
        headers={
            "Content-Security-Policy": (
                f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
                "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
            ),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


# Every string the page shows comes from records (page-controlled): it is set with textContent,
# never parsed as HTML.
LIVE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>spdt mock: live records</title>
<style nonce="__NONCE__">
body{font:13px system-ui,sans-serif;margin:1em}
table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
tr.invalid td{background:#fff0f0} .error{color:#b00} .warning{color:#a60}
code{font-size:12px;word-break:break-all} #state{color:#666}
</style></head>
<body>
<h1>spdt mock: live records</h1>
<form id="filters">
<label>session <input name="session" id="f-session"></label>
<label>kind <input name="kind" id="f-kind" size="10"></label>
<label>event <input name="event" id="f-event" size="12"></label>
<button type="submit">filter</button> <span id="state">connecting…</span>
</form>
<table><thead><tr><th>id</th><th>time</th><th>session</th><th>kind</th><th>request</th>
<th>status</th><th>events</th><th>findings</th></tr></thead><tbody id="rows"></tbody></table>
<script nonce="__NONCE__">
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  ["session", "kind", "event"].forEach(function (k) {
    document.getElementById("f-" + k).value = params.get(k) || "";
  });
  var rows = document.getElementById("rows");
  var state = document.getElementById("state");
  function cell(tr, text, cls) {
    var td = document.createElement("td");
    if (cls) { td.className = cls; }
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }
  function add(rec) {
    var tr = document.createElement("tr");
    tr.dataset.id = String(rec.id);
    tr.dataset.session = String(rec.session);
    if (!rec.valid) { tr.className = "invalid"; }
    cell(tr, String(rec.id));
    cell(tr, new Date(rec.time * 1000).toISOString().slice(11, 23));
    cell(tr, String(rec.session));
    cell(tr, String(rec.kind));
    var req = cell(tr, "");
    var code = document.createElement("code");
    var q = new URLSearchParams(rec.query || {}).toString();
    code.textContent = rec.method + " " + rec.host + rec.path + (q ? "?" + q : "");
    req.appendChild(code);
    cell(tr, String(rec.status));
    cell(tr, (rec.events || []).map(function (e) {
      return e.name + " " + JSON.stringify(e.params || {});
    }).join("\\n"));
    var f = cell(tr, "");
    (rec.findings || []).forEach(function (x) {
      var div = document.createElement("div");
      div.className = x.severity === "error" ? "error" : "warning";
      div.textContent = x.code + ": " + x.message;
      f.appendChild(div);
    });
    rows.insertBefore(tr, rows.firstChild);
    while (rows.childNodes.length > 1000) { rows.removeChild(rows.lastChild); }
  }
  var source = new EventSource("stream" + location.search);
  source.addEventListener("open", function () { state.textContent = "live"; });
  source.addEventListener("error", function () { state.textContent = "reconnecting…"; });
  source.addEventListener("record", function (ev) { add(JSON.parse(ev.data)); });
})();
</script>
</body></html>
"""


async def openapi_document(request: web.Request) -> web.Response:
    routes = request.app[ROUTES_KEY]
    return respond(build_openapi(routes, f"{request.scheme}://{request.host}"))
