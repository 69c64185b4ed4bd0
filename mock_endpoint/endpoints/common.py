"""Helpers every endpoint shares: configuration, building records, bodies, JSON errors, CORS."""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from mock_endpoint.faults import HELD_KEY, RECORD_ID_KEY
from mock_endpoint.hosts import bare_host
from mock_endpoint.records import PixelEvent, Record, ValidationFinding
from mock_endpoint.session import DEFAULT_SESSION, SessionKeys, Tag, read_tag
from mock_endpoint.store import RecordStore, Validator
from mock_endpoint.validation.params import PARAMETERS, coerce
from mock_endpoint.validation.registry import finding
from mock_endpoint.vocab import RecordKind

DEFAULT_MAX_BODY = 1024 * 1024  # bytes; larger bodies get 413
DEFAULT_MAX_QUERY = 8 * 1024  # bytes of query string; longer gets 414
MAX_STORED_TEXT = 64 * 1024  # an unparseable body is kept up to this many characters


@dataclass(frozen=True, slots=True)
class MockConfig:
    """What the mock enforces. ``tokens`` empty: any bearer token is accepted (but one is still
    required); non-empty: others get 403."""

    tokens: frozenset[str] = frozenset()
    max_body: int = DEFAULT_MAX_BODY
    max_query: int = DEFAULT_MAX_QUERY


@dataclass(slots=True)
class Health:
    """Unexpected exceptions the guard middleware caught (each one is a bug)."""

    internal_errors: list[str] = field(default_factory=list)


STORE_KEY: web.AppKey[RecordStore] = web.AppKey("store", RecordStore)
CONFIG_KEY: web.AppKey[MockConfig] = web.AppKey("config", MockConfig)
HEALTH_KEY: web.AppKey[Health] = web.AppKey("health", Health)
KEYS_KEY: web.AppKey[SessionKeys] = web.AppKey("session_keys", SessionKeys)
TAG_KEY: web.RequestKey[Tag] = web.RequestKey("spdt_tag", Tag)


class BadRequest(Exception):  # noqa: N818 - an HTTP answer, raised inside handlers
    """Answer ``status`` with ``{code, message}``; the handler records the hit first."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def store_of(request: web.Request) -> RecordStore:
    return request.app[STORE_KEY]


def config_of(request: web.Request) -> MockConfig:
    return request.app[CONFIG_KEY]


def request_tag(request: web.Request) -> Tag:
    """The session the request names, verified against the mock's keys (read once)."""
    tag = request.get(TAG_KEY)
    if tag is None:
        tag = request[TAG_KEY] = read_tag(request.headers, request.app[KEYS_KEY])
    return tag


def page_of(request: web.Request) -> str | None:
    return request.headers.get("Referer") or request.headers.get("Origin")


def record(
    request: web.Request,
    *,
    kind: RecordKind,
    status: int,
    payload: Any = None,
    events: tuple[PixelEvent, ...] = (),
    findings: tuple[ValidationFinding, ...] = (),
    page: str | None = None,
    query: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    validate: Validator | None = None,
) -> int:
    """Store one hit for ``request``; returns its record id. A forged session credential adds
    a ``SESSION_TAG_FORGED`` finding and names no session.

    ``validate``: the hit's own findings (``validate(record)``, ahead of ``findings``) are
    computed when the store is first read, not now (:meth:`RecordStore.add_unvalidated`): for
    a hit whose answer does not depend on them."""
    tag = request_tag(request)
    session = tag.session
    if tag.forged is not None:
        findings = (
            *findings,
            finding("SESSION_TAG_FORGED", f"claimed session credential {tag.forged[:80]!r}"),
        )
    hit = Record(
        id=0,
        time=0.0,
        session=session or DEFAULT_SESSION,
        host=bare_host(request.host),
        method=request.method,
        path=request.path,
        kind=kind,
        status=status,
        query=dict(request.query) if query is None else dict(query),
        payload=payload,
        page=page or page_of(request),
        user_agent=request.headers.get("User-Agent"),
        events=events,
        findings=findings,
        answer="delayed" if request.get(HELD_KEY) else "",
        headers=dict(headers or {}),
    )
    store, tagged = store_of(request), session is not None
    if validate is None:
        record_id = store.add(hit, tagged=tagged).id
    else:
        record_id = store.add_unvalidated(hit, validate, tagged=tagged)
    request[RECORD_ID_KEY] = record_id  # a held answer (faults.py) notes its outcome on it
    return record_id


def mark_answer(request: web.Request, answer: str) -> None:
    """Note on the record this request made how its held answer went (faults.py)."""
    record_id = request.get(RECORD_ID_KEY)
    if record_id is not None:
        store_of(request).mark_answer(record_id, answer)


def json_error(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> web.Response:
    return web.json_response(
        {"code": code, "message": message, **extra}, status=status, headers=headers
    )


def trace_id() -> str:
    return secrets.token_hex(16)


# -- bodies ------------------------------------------------------------------------------------
async def read_body(request: web.Request) -> bytes:
    """The whole body, or BadRequest(413) beyond the configured limit (checked on the declared
    Content-Length first, then while reading)."""
    limit = config_of(request).max_body
    declared = request.content_length
    if declared is not None and declared > limit:
        raise BadRequest(413, "BODY_TOO_LARGE", f"body of {declared} bytes exceeds {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise BadRequest(413, "BODY_TOO_LARGE", f"body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def require_content_type(request: web.Request, allowed: Iterable[str], *, empty_ok: bool) -> None:
    ctype = request.content_type if "Content-Type" in request.headers else ""
    allowed = tuple(allowed)
    if (not ctype and empty_ok) or ctype in allowed:
        return
    raise BadRequest(
        400,
        "WRONG_CONTENT_TYPE",
        f"Content-Type {ctype or '(none)'!r} is not accepted here; send {' or '.join(allowed)}",
    )


def decode_json(raw: bytes) -> Any:
    """Parse a JSON body; BadRequest(400) for empty, invalid UTF-8, malformed or too deep."""
    if not raw.strip():
        raise BadRequest(400, "EMPTY_BODY", "the body is empty; expected JSON")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(
            400, "INVALID_UTF8", f"the body is not UTF-8 (byte {exc.start}: {exc.reason})"
        ) from exc
    try:
        return json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        raise BadRequest(
            400,
            "MALFORMED_JSON",
            f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
        ) from exc
    except RecursionError as exc:
        raise BadRequest(400, "MALFORMED_JSON", "the JSON body is nested too deeply") from exc


def stored_text(raw: bytes) -> str:
    """An unparseable body as kept in the record (lossy UTF-8, capped)."""
    text = raw[: MAX_STORED_TEXT * 4].decode("utf-8", "replace")
    return text[:MAX_STORED_TEXT]


def jsonable(value: Any) -> Any:
    """``value`` with non-finite floats turned into strings, so every record serialises as
    strict JSON (the finding already says what was wrong)."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


# -- query parameters (image pixels): strings → the JSON types a script would send ------------
def typed_query_param(name: str, value: str) -> Any:
    """``value=79.99`` → 79.99, ``quantity=2`` → 2, ``is_new_customer=true`` → True (by the
    parameter table); anything that does not read cleanly stays a string so that validation
    reports it (``'79,99'``)."""
    kind = PARAMETERS.get(name)
    return coerce(kind, value) if kind is not None else value


# -- CORS ---------------------------------------------------------------------------------------
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
