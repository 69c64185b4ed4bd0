"""The studio's control routes under ``/__spdt/studio/``: pixel status (JSON and a live page),
campaigns, exposures, the simulated clock and attribution. Control requests are not recorded.

``ROUTES`` is appended to the mock's route table (mock_endpoint.app), so the dispatcher, the
404 answers and the OpenAPI document list these routes like every other control route.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from aiohttp import web

from mock_endpoint.endpoints.common import BadRequest, decode_json, json_error, jsonable, store_of
from mock_endpoint.records import Record
from mock_endpoint.routes import PREFIX, Handler, Param, Route
from mock_endpoint.studio.campaigns import Campaign, Exposure, StudioError
from mock_endpoint.studio.clock import parse_duration
from mock_endpoint.studio.state import StudioState, studio_state
from mock_endpoint.studio.status import ACTIVE_WINDOW, RECENT_N, pixel_status

BASE = f"{PREFIX}/studio"
MAX_BODY = 4 * 1024 * 1024


def _respond(data: Any, status: int = 200) -> web.Response:
    text = json.dumps(jsonable(data), ensure_ascii=False, separators=(",", ":"), default=str)
    return web.Response(text=text, status=status, content_type="application/json")


def _guarded(handler: Handler) -> Handler:
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except StudioError as exc:
            return json_error(400, "BAD_STUDIO_REQUEST", str(exc))
        except BadRequest as exc:
            return json_error(exc.status, exc.code, exc.message)

    wrapper.__name__ = handler.__name__
    wrapper.__doc__ = handler.__doc__
    return wrapper


def _state(request: web.Request) -> StudioState:
    return studio_state(store_of(request))


def _records(request: web.Request) -> list[Record]:
    session = request.query.get("session") or None
    return store_of(request).records(None if session is None else (lambda r: r.session == session))


async def _body(request: web.Request) -> Any:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise BadRequest(413, "BODY_TOO_LARGE", f"the body exceeds {MAX_BODY} bytes")
    return decode_json(await request.read())


@_guarded
async def status(request: web.Request) -> web.StreamResponse:
    state = _state(request)
    clock = state.clock
    return _respond(
        {
            "now": clock.now(),
            "clock_offset": clock.offset,
            "rules": {"active_window_seconds": ACTIVE_WINDOW, "recent_n": RECENT_N},
            "keys": [k.to_json() for k in pixel_status(_records(request), clock)],
        }
    )


@_guarded
async def get_state(request: web.Request) -> web.StreamResponse:
    return _respond(_state(request).to_json())


@_guarded
async def add_campaign(request: web.Request) -> web.StreamResponse:
    campaign = _state(request).add_campaign(Campaign.from_json(await _body(request)))
    return _respond(campaign.to_json(), 201)


@_guarded
async def add_exposure(request: web.Request) -> web.StreamResponse:
    state = _state(request)
    body = await _body(request)
    if isinstance(body, dict) and "time" not in body:
        body = {**body, "time": state.clock.now()}
    exposure = Exposure.from_json(body)
    if state.campaign(exposure.campaign) is None:
        return json_error(404, "NOT_FOUND", f"no campaign {exposure.campaign!r}; POST it first")
    return _respond(state.add_exposure(exposure).to_json(), 201)


@_guarded
async def load(request: web.Request) -> web.StreamResponse:
    state = _state(request)
    state.load(await _body(request))
    return _respond(state.to_json())


@_guarded
async def advance(request: web.Request) -> web.StreamResponse:
    raw = request.query.get("by", "")
    try:
        seconds = parse_duration(raw)
    except ValueError as exc:
        raise BadRequest(400, "BAD_PARAMETER", f"by: {exc}") from None
    return _respond(_state(request).advance(seconds).to_json())


@_guarded
async def attribution(request: web.Request) -> web.StreamResponse:
    state = _state(request)
    answers = state.attribution(_records(request))
    return _respond(
        {"clock": state.clock.to_json(), "attributions": [a.to_json() for a in answers]}
    )


@_guarded
async def reset(request: web.Request) -> web.StreamResponse:
    _state(request).reset()
    return _respond({"reset": True})


@_guarded
async def status_page(request: web.Request) -> web.StreamResponse:
    nonce = secrets.token_urlsafe(16)
    return web.Response(
        text=STATUS_HTML.replace("__NONCE__", nonce),
        content_type="text/html",
        charset="utf-8",
        headers={
            "Content-Security-Policy": (
                f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
                "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
            ),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


# Keys, hosts and messages come from pages: every string is set with textContent.
STATUS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>spdt mock: pixel status</title>
<style nonce="__NONCE__">
body{font:13px system-ui,sans-serif;margin:1em} table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
.Active{color:#070} .Invalid,.Receiving{color:#b00} .No{color:#666} #state{color:#666}
</style></head><body>
<h1>spdt mock: pixel status</h1>
<p>Simulated now: <span id="now">…</span> <span id="state"></span>
(<a href="../">live records</a>)</p>
<table><thead><tr><th>key</th><th>status</th><th>first / last event</th><th>events</th>
<th>hosts</th><th>server-side</th><th>last errors</th></tr></thead>
<tbody id="rows"></tbody></table>
<script nonce="__NONCE__">
(function () {
  "use strict";
  var rows = document.getElementById("rows");
  function iso(t) { return t ? new Date(t * 1000).toISOString().slice(0, 19) + "Z" : "-"; }
  function cell(tr, text, cls) {
    var td = document.createElement("td");
    if (cls) { td.className = cls; }
    td.textContent = text;
    tr.appendChild(td);
  }
  function draw(data) {
    document.getElementById("now").textContent = iso(data.now);
    while (rows.firstChild) { rows.removeChild(rows.firstChild); }
    data.keys.forEach(function (k) {
      var tr = document.createElement("tr");
      tr.dataset.key = String(k.key);
      cell(tr, String(k.key));
      cell(tr, k.status + " (" + k.reason + ")", String(k.status).split(" ")[0]);
      cell(tr, iso(k.first_event) + " / " + iso(k.last_event));
      cell(tr, Object.keys(k.events).map(function (n) { return n + " " + k.events[n]; })
        .join(", "));
      cell(tr, k.hosts.join(", "));
      cell(tr, String(k.server_side.events));
      cell(tr, k.last_errors.join("\\n"));
      rows.appendChild(tr);
    });
  }
  function poll() {
    fetch("status" + location.search).then(function (r) { return r.json(); }).then(function (d) {
      draw(d); document.getElementById("state").textContent = "live";
    }).catch(function () { document.getElementById("state").textContent = "reconnecting…"; });
  }
  poll();
  setInterval(poll, 2000);
})();
</script></body></html>
"""

_SESSION = Param("session", "only this recorder session")
_JSON_ERR = {"400": "bad request: {code, message}"}
ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        f"{BASE}/",
        status_page,
        "studioStatusPage",
        "live page: pixel status per key, refreshed every 2 s",
        response_type="text/html",
        params=(_SESSION,),
    ),
    Route(
        "GET",
        f"{BASE}/status",
        status,
        "studioStatus",
        "pixel status per key (Active, No recent activity, Invalid key, Receiving errors)",
        params=(_SESSION,),
    ),
    Route("GET", f"{BASE}/state", get_state, "studioState", "campaigns, exposures and the clock"),
    Route(
        "POST",
        f"{BASE}/campaigns",
        add_campaign,
        "studioAddCampaign",
        "declare a campaign {id, name, click_window_days 1..30, view_window_days 1..7}",
        body=("application/json",),
        responses={"201": "the campaign", **_JSON_ERR},
    ),
    Route(
        "POST",
        f"{BASE}/exposures",
        add_exposure,
        "studioAddExposure",
        "record an exposure {campaign, kind, time?, click_id, device_id, ip, user_agent}",
        body=("application/json",),
        responses={"201": "the exposure", **_JSON_ERR, "404": "no such campaign"},
    ),
    Route(
        "POST",
        f"{BASE}/load",
        load,
        "studioLoad",
        "add a studio document {campaigns, exposures}",
        body=("application/json",),
        responses={"200": "the state", **_JSON_ERR},
    ),
    Route(
        "POST",
        f"{BASE}/clock",
        advance,
        "studioAdvanceClock",
        "move the simulated clock forward (by=15d, 23h, 90s)",
        params=(Param("by", "a duration: 15d, 23h, 30m, 90s", required=True),),
        responses={"200": "the clock", **_JSON_ERR},
    ),
    Route(
        "GET",
        f"{BASE}/attribution",
        attribution,
        "studioAttribution",
        "one attribution answer per recorded conversion",
        params=(_SESSION,),
    ),
    Route("POST", f"{BASE}/reset", reset, "studioReset", "forget campaigns, exposures, clock"),
)
