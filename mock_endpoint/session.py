"""Which recorder session a request belongs to.

Parallel tests share one mock; each browser context gets its own session id so that no test sees
another's hits. The id travels in a way that survives every kind of request a page makes (script
loads, CORS fetches and their preflights, ``sendBeacon`` on unload, images), with our emulator and
with the real ping.min.js alike, because it needs no cooperation from the script:

1. the ``X-Spdt-Session`` request header (HTTP clients, CAPI calls from a test);
2. a ``spdt-session/<id>`` token at the end of the User-Agent, which the harness sets on each
   browser context it creates;
3. for a hit with neither (Chromium does not apply a context's User-Agent override to
   ``sendBeacon``/keepalive requests sent while a page unloads): the session in which the same
   device id (``uid``, the ``__spdt`` cookie) or click id was last seen in a tagged hit;
4. otherwise the session ``default``.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping

DEFAULT_SESSION = "default"
HEADER = "X-Spdt-Session"
UA_TOKEN = "spdt-session"  # noqa: S105 - a User-Agent product token, not a secret
_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_UA_RE = re.compile(rf"{UA_TOKEN}/([A-Za-z0-9_.-]{{1,64}})")


def valid_session_id(value: str) -> bool:
    return bool(_ID_RE.match(value))


def user_agent_with_session(user_agent: str, session: str) -> str:
    return f"{user_agent} {UA_TOKEN}/{session}"


def tagged_session(headers: Mapping[str, str]) -> str | None:
    """The session a request names itself (header or User-Agent token), if any."""
    explicit = headers.get(HEADER, "").strip()
    if explicit and valid_session_id(explicit):
        return explicit
    match = _UA_RE.search(headers.get("User-Agent", ""))
    if match:
        return match.group(1)
    return None


class SessionDirectory:
    """Remembers which session each device id / click id belongs to (bounded, newest wins)."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._capacity = capacity
        self._owners: OrderedDict[str, str] = OrderedDict()

    def learn(self, session: str, identifiers: Iterable[str]) -> None:
        for ident in identifiers:
            self._owners[ident] = session
            self._owners.move_to_end(ident)
        while len(self._owners) > self._capacity:
            self._owners.popitem(last=False)

    def owner(self, identifiers: Iterable[str]) -> str | None:
        for ident in identifiers:
            if ident in self._owners:
                return self._owners[ident]
        return None

    def clear(self) -> None:
        self._owners.clear()
