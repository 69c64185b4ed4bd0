"""ads-api.spotify.com: ``GET /v1/campaigns/{id}/stats?start_date&end_date`` (the guide).

Once campaigns are declared (mock_endpoint.studio: control API, studio file, journey steps),
the stats come from the simulation: impressions, clicks, reach, frequency and attributed
conversions; an undeclared id is 404. ``?format=csv`` answers the dashboard's CSV export.

Without declared campaigns, any campaign id answers with the conversions the mock recorded in the
date range (UTC days, inclusive), counted by event, deduplicated by event_id within an event
name, with revenue per currency. A request tagged with a session counts that session's hits
only; an untagged one (session ``default``) counts every session's. Bearer token required like
CAPI.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp import web

from mock_endpoint.dedup import NOT_CONVERSIONS, PIXEL_KINDS, SERVER_KINDS, normalise_event_name
from mock_endpoint.endpoints.common import config_of, json_error, record, request_tag, store_of
from mock_endpoint.records import Record
from mock_endpoint.routes import path_param
from mock_endpoint.studio.state import studio_state
from mock_endpoint.studio.stats import campaign_stats as studio_stats
from mock_endpoint.studio.stats import stats_csv
from mock_endpoint.validation.params import conforms
from mock_endpoint.validation.registry import finding

CAMPAIGN_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_RANGE_DAYS = 366


def _date(request: web.Request, name: str) -> date:
    raw = request.query.get(name)
    if raw is None:
        raise ValueError(f"{name} is required (YYYY-MM-DD)")
    bad = f"{name} {raw[:40]!r} is not a date YYYY-MM-DD"
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise ValueError(bad)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(bad) from None


def _authorised(request: web.Request) -> tuple[int, str, str] | None:
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return 401, "UNAUTHORIZED", "missing 'Authorization: Bearer <access token>'"
    tokens = config_of(request).tokens
    if tokens and token.strip() not in tokens:
        return 403, "FORBIDDEN", "the bearer token is not valid"
    return None


def conversion_stats(records: list[Record], start: date, end: date) -> dict[str, Any]:
    lo = datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp()
    hi = (datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)).timestamp()
    counts: Counter[str] = Counter()
    revenue: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    seen: set[tuple[str, str]] = set()
    for r in records:
        if not (lo <= r.time < hi) or r.kind not in PIXEL_KINDS | SERVER_KINDS or not r.valid:
            continue
        for e in r.events:
            name = normalise_event_name(e.name)
            if name in NOT_CONVERSIONS:
                continue
            if e.event_id:
                if (name, e.event_id) in seen:
                    continue
                seen.add((name, e.event_id))
            counts[name] += 1
            value = e.params.get("value", e.params.get("amount"))
            currency = e.params.get("currency")
            if conforms("float", value) and isinstance(currency, str):
                revenue[name][currency] = round(revenue[name][currency] + float(value or 0), 2)
    return {
        "conversions": [
            {"event": name, "count": n, "revenue": dict(revenue.get(name, {}))}
            for name, n in sorted(counts.items())
        ],
        "total_conversions": sum(counts.values()),
    }


async def campaign_stats(request: web.Request) -> web.Response:
    campaign = path_param(request, "id")
    denied = _authorised(request)
    if denied:
        status, code, message = denied
        record(request, kind="stats", status=status, findings=(finding(f"STATS_{code}", message),))
        return json_error(status, code, message)
    try:
        if not CAMPAIGN_ID_RE.match(campaign):
            raise ValueError(f"campaign id {campaign[:40]!r} is not [A-Za-z0-9_-]{{1,64}}")
        start, end = _date(request, "start_date"), _date(request, "end_date")
        if end < start:
            raise ValueError(f"end_date {end} is before start_date {start}")
        if (end - start).days >= MAX_RANGE_DAYS:
            raise ValueError(f"the range exceeds {MAX_RANGE_DAYS} days")
        fmt = request.query.get("format", "json")
        if fmt not in ("json", "csv"):
            raise ValueError(f"format {fmt[:20]!r} is not json or csv")
    except ValueError as exc:
        record(
            request, kind="stats", status=400, findings=(finding("STATS_BAD_REQUEST", str(exc)),)
        )
        return json_error(400, "BAD_REQUEST", str(exc))
    session = request_tag(request).session
    records = store_of(request).records(
        None if session is None else (lambda r: r.session == session)
    )
    state = studio_state(store_of(request))
    if state.campaigns:  # a simulation is declared: answer from it (mock_endpoint.studio)
        declared = state.campaign(campaign)
        if declared is None:
            message = f"no campaign {campaign!r} (declared: {len(state.campaigns)})"
            found = (finding("STATS_UNKNOWN_CAMPAIGN", message),)
            record(request, kind="stats", status=404, findings=found)
            return json_error(404, "NOT_FOUND", message)
        body = studio_stats(declared, state.exposures, state.attribution(records), start, end)
    else:
        body = {
            "campaign_id": campaign,
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "timezone": "UTC",
            **conversion_stats(records, start, end),
            "source": "spdt-harness mock (recorded hits, not Spotify data)",
        }
    record(request, kind="stats", status=200)
    if fmt == "csv":
        return web.Response(text=stats_csv(body), content_type="text/csv", charset="utf-8")
    return web.json_response(body)
