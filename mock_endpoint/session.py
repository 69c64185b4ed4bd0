"""Which recorder session a request belongs to, in a way page content cannot forge.

Parallel tests and crawl workers share one mock; each browser context gets its own session so
that no test sees another's hits. A session is named by a *credential*, ``<id>.<mac>``, where
``mac`` is an HMAC of the id under a key only the mock (and the process that started it) holds:
a page can read or replay its own credential at most, never make up another session's.

1. the ``X-Spdt-Session: <credential>`` request header: HTTP clients holding the run's keys
   (``MockClient`` signs a plain ``X-Spdt-Session: <id>`` for you);
2. a ``spdt-session/<credential>`` token at the end of the User-Agent. The harness sets it on
   each browser context: Chromium applies it to every request of the context (fetch and its
   CORS preflight, images, beacons, iframes, WebSockets, workers) and ignores a User-Agent a
   page sets on a fetch. (Not an extra HTTP header: that turns every CORS request of the site
   into one that needs a preflight.) The first claim that verifies names the session;
3. for a hit with neither (Chromium does not apply the User-Agent override to
   ``sendBeacon``/keepalive requests sent while a page unloads): the session in which the same
   device id (``uid``, the ``__spdt`` cookie) or click id was seen in a tagged hit, if exactly
   one session has seen it;
4. otherwise the session ``default``; but such a hit is filed again, into the session, when
   a tagged hit of exactly one session names its device id or click id within
   :data:`UNCLAIMED_WINDOW` seconds. An unload beacon (no preflight) can reach the mock before
   the page's tagged hits when those wait on a slow CORS preflight (seen with a 0.5 s ingest
   delay: the beacon overtook every tagged hit of its page and was lost to ``default``).

A claim that does not verify (made up, a bare id, signed by another run) names no session: the
hit is filed by a claim that does (the User-Agent's, on a live page), else as in 3/4, and
carries a ``SESSION_TAG_FORGED`` finding.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

DEFAULT_SESSION = "default"
HEADER = "X-Spdt-Session"
UA_TOKEN = "spdt-session"  # noqa: S105 - a User-Agent product token, not a secret
_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_MAC_HEX = 32
_UA_RE = re.compile(rf"{UA_TOKEN}/(\S{{1,200}})")


def valid_session_id(value: str) -> bool:
    return bool(_ID_RE.match(value))


def user_agent_with_session(user_agent: str, credential: str) -> str:
    return f"{user_agent} {UA_TOKEN}/{credential}"


class SessionKeys:
    """Signs and verifies session credentials with one secret key (random per mock)."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(32)

    def _mac(self, session: str) -> str:
        return hmac.new(self._key, session.encode(), hashlib.sha256).hexdigest()[:_MAC_HEX]

    def credential(self, session: str) -> str:
        if not valid_session_id(session):
            raise ValueError(f"session id {session[:80]!r} is not 1-64 of A-Z a-z 0-9 _ . -")
        return f"{session}.{self._mac(session)}"

    def verify(self, credential: str) -> str | None:
        """The session ``credential`` names, or None if it does not verify."""
        session, dot, mac = credential.strip().rpartition(".")
        if not dot or len(mac) != _MAC_HEX or not valid_session_id(session):
            return None
        return session if hmac.compare_digest(mac, self._mac(session)) else None


@dataclass(frozen=True, slots=True)
class Tag:
    """What a request says about its session: the verified one, and any claim that failed."""

    session: str | None = None
    forged: str | None = None  # the first claimed credential that did not verify (capped)


def read_tag(headers: Mapping[str, str], keys: SessionKeys) -> Tag:
    claims: list[str] = []
    explicit = headers.get(HEADER, "").strip()
    if explicit:
        claims.append(explicit)
    match = _UA_RE.search(headers.get("User-Agent", ""))
    if match:
        claims.append(match.group(1))
    session: str | None = None
    forged: str | None = None
    for claim in claims:
        verified = keys.verify(claim)
        if verified is not None and session is None:
            session = verified
        elif verified is None and forged is None:
            forged = claim[:200]
    return Tag(session, forged)


_AMBIGUOUS = ""  # an identifier seen in more than one session names none of them
UNCLAIMED_WINDOW = 60.0  # seconds an untagged hit in ``default`` may still be claimed


class SessionDirectory:
    """Which session each device id / click id was seen in (bounded). An identifier seen in two
    sessions (a click id a crawl reuses, a device id a page copied) is never used to file a hit."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._capacity = capacity
        self._owners: OrderedDict[str, str] = OrderedDict()

    def learn(self, session: str, identifiers: Iterable[str]) -> None:
        for ident in identifiers:
            known = self._owners.get(ident)
            self._owners[ident] = session if known in (None, session) else _AMBIGUOUS
            self._owners.move_to_end(ident)
        while len(self._owners) > self._capacity:
            self._owners.popitem(last=False)

    def owner(self, identifiers: Iterable[str]) -> str | None:
        for ident in identifiers:
            owner = self._owners.get(ident)
            if owner:
                return owner
        return None

    def clear(self) -> None:
        self._owners.clear()


class Unclaimed:
    """Untagged hits that no session could claim when they arrived, by identifier, for
    ``window`` seconds (bounded): :meth:`claim` hands their record ids to the first session
    that shows one of their identifiers in a tagged hit."""

    def __init__(
        self, window: float = UNCLAIMED_WINDOW, capacity: int = 10_000, per_identifier: int = 100
    ) -> None:
        self._window = window
        self._capacity = capacity  # identifiers kept
        self._per_identifier = per_identifier  # the newest hits kept for each
        self._hits: OrderedDict[str, list[tuple[int, float]]] = OrderedDict()

    def add(self, record_id: int, identifiers: Iterable[str], now: float) -> None:
        for ident in identifiers:
            hits = self._hits.setdefault(ident, [])
            hits.append((record_id, now))
            if len(hits) > self._per_identifier:
                del hits[0]
            self._hits.move_to_end(ident)
        while len(self._hits) > self._capacity:
            self._hits.popitem(last=False)

    def claim(self, identifiers: Iterable[str], now: float) -> list[int]:
        """The ids of the unclaimed hits that carry one of ``identifiers`` and are recent
        enough; they are no longer unclaimed."""
        ids: list[int] = []
        for ident in identifiers:
            for record_id, when in self._hits.pop(ident, ()):
                if now - when <= self._window:
                    ids.append(record_id)
        return sorted(set(ids))

    def __bool__(self) -> bool:
        return bool(self._hits)

    def clear(self) -> None:
        self._hits.clear()
