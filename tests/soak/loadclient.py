"""Load clients for the soak suite, run in separate processes (spawned), so that the clients
never share an interpreter with the mock they load.

A plan is a list of hits; each hit has a kind (valid or invalid on purpose), a session and a
sequence number that the mock's record must carry back (in the parsed payload, or in the raw
text it keeps of an unparseable body), so the test can prove each hit landed once, in its own
session.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from dataclasses import dataclass
from typing import Any

import aiohttp

from mock_endpoint.client import MockResolver

KEY = "0123456789abcdef0123456789abcdef"
KINDS = (
    "ingest_valid",
    "ingest_invalid_value",
    "ingest_beacon",  # text/plain, session in the User-Agent
    "ingest_malformed",
    "ingest_wrong_type",
    "image_valid",
    "image_invalid",
    "capi_valid",
    "capi_no_token",
    "unknown_path",
)
EXPECTED_STATUS = {
    "ingest_valid": 204,
    "ingest_invalid_value": 204,
    "ingest_beacon": 204,
    "ingest_malformed": 400,
    "ingest_wrong_type": 400,
    "image_valid": 200,
    "image_invalid": 200,
    "capi_valid": 200,
    "capi_no_token": 401,
    "unknown_path": 404,
}


@dataclass(frozen=True, slots=True)
class Hit:
    seq: int
    session: str
    kind: str


def marker(hit: Hit) -> str:
    return f"soak-{hit.session}-{hit.seq}"


def _ingest(hit: Hit, value: Any) -> str:
    body = {"url": f"https://shop.test/{marker(hit)}", "value": value, "currency": "USD"}
    body["order_id"] = marker(hit)
    return json.dumps({"batch": [{"pid": KEY, "events": [{"action": "purchase", "body": body}]}]})


def _capi(hit: Hit) -> dict[str, Any]:
    return {
        "conversion_events": {
            "capi_connection_id": "9f0d2a4c-1b2e-4c3d-8e9f-0a1b2c3d4e5f",
            "events": [
                {
                    "event_name": "PURCHASE",
                    "event_id": marker(hit),
                    "event_time": "2026-01-01T00:00:00Z",
                    "user_data": {"ip_address": "203.0.113.9"},
                    "action_source": "WEB",
                    "event_source_url": "https://shop.test/thanks",
                }
            ],
        }
    }


async def _send(http: aiohttp.ClientSession, hit: Hit, credentials: dict[str, str]) -> int:
    credential = credentials[hit.session]  # signed by the mock: a bare id names no session
    tag = {"X-Spdt-Session": credential}
    kind = hit.kind
    m = f"m={marker(hit)}"
    ingest = f"https://pixels.spotify.com/v1/ingest?{m}"
    if kind in ("ingest_valid", "ingest_invalid_value"):
        value = 79.99 if kind == "ingest_valid" else "79,99"
        request = http.post(
            ingest,
            data=_ingest(hit, value),
            headers={**tag, "Content-Type": "application/json"},
        )
    elif kind == "ingest_beacon":
        request = http.post(
            ingest,
            data=_ingest(hit, 10),
            headers={"Content-Type": "text/plain", "User-Agent": f"UA spdt-session/{credential}"},
        )
    elif kind == "ingest_malformed":
        request = http.post(
            ingest,
            data=f'{{"batch": [{{"{marker(hit)}"',
            headers={**tag, "Content-Type": "application/json"},
        )
    elif kind == "ingest_wrong_type":
        request = http.post(
            ingest, data=marker(hit), headers={**tag, "Content-Type": "application/xml"}
        )
    elif kind in ("image_valid", "image_invalid"):
        key = KEY if kind == "image_valid" else "YOUR_PIXEL_ID"
        request = http.get(
            f"https://img.byspotify.com/?key={key}&a=lead&order_id={marker(hit)}&{m}", headers=tag
        )
    elif kind in ("capi_valid", "capi_no_token"):
        auth = {"Authorization": "Bearer soak-token"} if kind == "capi_valid" else {}
        request = http.post(
            f"https://capi.spotify.com/capi-direct/events/?{m}",
            json=_capi(hit),
            headers={**tag, **auth},
        )
    else:
        request = http.get(f"https://pixels.spotify.com/{marker(hit)}?{m}", headers=tag)
    async with request as answer:  # every hit also carries its marker as ?m=
        await answer.read()
        return answer.status


async def _run(
    port: int, ca_pem: str, clients: list[list[Hit]], credentials: dict[str, str]
) -> dict[str, Any]:
    context = ssl.create_default_context(cadata=ca_pem)
    statuses: dict[str, dict[int, int]] = {}
    failures: list[str] = []

    async def client(hits: list[Hit]) -> None:
        connector = aiohttp.TCPConnector(
            resolver=MockResolver("127.0.0.1", port), ssl=context, limit=2
        )
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            for hit in hits:
                try:
                    status = await _send(http, hit, credentials)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    failures.append(f"{marker(hit)}: {type(exc).__name__}: {exc}")
                    continue
                by_kind = statuses.setdefault(hit.kind, {})
                by_kind[status] = by_kind.get(status, 0) + 1

    await asyncio.gather(*(client(hits) for hits in clients))
    return {"statuses": statuses, "failures": failures}


def run_clients(
    args: tuple[int, str, list[list[Hit]], dict[str, str]],
) -> dict[str, Any]:
    """Entry point for a spawned process: (port, CA PEM, hits per client, session → credential)."""
    port, ca_pem, clients, credentials = args
    return asyncio.run(_run(port, ca_pem, clients, credentials))
