"""Findings the HTTP layer attaches to hits it cannot hand to a validator (declared here so that
every code a record can carry is in the one table)."""

from __future__ import annotations

from mock_endpoint.validation.registry import declare

declare("UNKNOWN_ENDPOINT", "error", "http", "no emulated endpoint at this host and path (404)")
declare("METHOD_NOT_ALLOWED", "error", "http", "the endpoint exists but not for this method (405)")
declare("URL_TOO_LONG", "error", "http", "the query string exceeds the mock's limit (414)")
declare(
    "INGEST_BAD_REQUEST",
    "error",
    "pixel",
    "an ingest body that is not a batch: wrong content type, invalid UTF-8, malformed JSON, "
    "not {batch: [...]}, or too large",
)
declare("STATS_UNAUTHORIZED", "error", "stats", "no 'Authorization: Bearer <token>' (401)")
declare("STATS_FORBIDDEN", "error", "stats", "the bearer token is not one the mock was given (403)")
declare(
    "STATS_BAD_REQUEST",
    "error",
    "stats",
    "a bad campaign id, a missing or malformed start_date/end_date, or a reversed range (400)",
)
declare(
    "STATS_UNKNOWN_CAMPAIGN",
    "error",
    "stats",
    "stats for a campaign id the simulation does not know, once campaigns are declared (404)",
)
declare(
    "IMAGE_NO_CLIENT_IP",
    "warning",
    "pixel",
    "a server-side image pixel call (no Cookie, no Sec-Fetch-* headers: not a browser) without "
    "X-Forwarded-For: Spotify attributes by the visitor's IP and user agent, and the server's "
    "own IP attributes nothing",
)
declare(
    "CONTROL_PATH_REFUSED",
    "error",
    "http",
    "a request to the control API path (/__spdt/) on a Spotify host name: refused (404), "
    "nothing changed; the control API answers only on the mock's own control address",
)
declare(
    "SESSION_TAG_FORGED",
    "error",
    "http",
    "the request named a recorder session with a credential that does not verify "
    "(made up or copied from another run); it was filed as if it named none",
)
