"""Pixel status per key, the way Ad Studio's pixel page shows it.

Rules, first match wins (docs/studio.md):

1. **Invalid key**: the key is not 32 lowercase hex characters, or is a placeholder.
2. **Receiving errors**: more than half of the key's last ``RECENT_N`` (20) events were invalid.
3. **Active**: a valid event within the last 24 hours of the simulated clock.
4. **No recent activity**: otherwise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from mock_endpoint.dedup import PIXEL_KINDS, SERVER_KINDS
from mock_endpoint.records import Record
from mock_endpoint.studio.clock import DAY, SimClock
from mock_endpoint.validation.values import HEX32_RE, KEY_PLACEHOLDERS, is_placeholder

ACTIVE = "Active"
NO_RECENT = "No recent activity"
INVALID_KEY = "Invalid key"
ERRORS = "Receiving errors"
RECENT_N = 20  # "the last events" for Receiving errors
ACTIVE_WINDOW = DAY
MAX_ERRORS_SHOWN = 5
NO_KEY = "(no key)"


def key_is_valid(key: str | None) -> bool:
    return (
        isinstance(key, str)
        and bool(HEX32_RE.match(key))
        and key not in KEY_PLACEHOLDERS
        and not is_placeholder(key)
    )


@dataclass(frozen=True, slots=True)
class KeyStatus:
    key: str
    status: str
    reason: str
    first_event: float | None  # simulated epoch seconds
    last_event: float | None
    last_valid_event: float | None
    events: dict[str, int] = field(default_factory=dict)
    invalid_events: int = 0
    recent_invalid: int = 0
    recent_total: int = 0
    hosts: tuple[str, ...] = ()
    last_errors: tuple[str, ...] = ()
    server_side_events: int = 0
    last_server_side: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "status": self.status,
            "reason": self.reason,
            "first_event": self.first_event,
            "last_event": self.last_event,
            "last_valid_event": self.last_valid_event,
            "events": dict(self.events),
            "invalid_events": self.invalid_events,
            "recent": {"total": self.recent_total, "invalid": self.recent_invalid, "n": RECENT_N},
            "hosts": list(self.hosts),
            "last_errors": list(self.last_errors),
            "server_side": {"events": self.server_side_events, "last": self.last_server_side},
        }


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


@dataclass(slots=True)
class _Tally:
    times: list[tuple[float, bool]] = field(default_factory=list)
    names: Counter[str] = field(default_factory=Counter)
    hosts: dict[str, None] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    server: list[float] = field(default_factory=list)


def pixel_status(
    records: Iterable[Record], clock: SimClock | None = None, *, now: float | None = None
) -> list[KeyStatus]:
    """One status per key seen in pixel or server-side events (keys sorted)."""
    clock = clock or SimClock()
    at = clock.now() if now is None else now
    tallies: dict[str, _Tally] = {}
    for r in sorted(records, key=lambda r: r.id):
        if r.kind not in PIXEL_KINDS and r.kind not in SERVER_KINDS:
            continue
        when = clock.sim(r.time)
        for e in r.events:
            key = e.key if isinstance(e.key, str) and e.key else NO_KEY
            if r.kind in SERVER_KINDS:
                if key != NO_KEY:  # CAPI events carry no pixel key: they cannot be tied to one
                    tallies.setdefault(key, _Tally()).server.append(when)
                continue
            tally = tallies.setdefault(key, _Tally())
            tally.times.append((when, r.valid))
            tally.names[e.name] += 1
            host = _host(e.url) or _host(r.page)
            if host:
                tally.hosts.setdefault(host)
            tally.errors.extend(
                f"{f.code}: {f.message}" for f in r.findings if f.severity == "error"
            )
    return [_status(key, t, at) for key, t in sorted(tallies.items())]


def _status(key: str, t: _Tally, now: float) -> KeyStatus:
    recent = t.times[-RECENT_N:]
    recent_invalid = sum(1 for _, ok in recent if not ok)
    valid_times = [when for when, ok in t.times if ok]
    last_valid = max(valid_times, default=None)
    if key == NO_KEY or not key_is_valid(key):
        status = INVALID_KEY
        reason = "the key is not 32 lowercase hex characters (or a placeholder)"
    elif recent and recent_invalid * 2 > len(recent):
        status = ERRORS
        reason = f"{recent_invalid} of the last {len(recent)} events were invalid"
    elif last_valid is not None and 0 <= now - last_valid <= ACTIVE_WINDOW:
        status, reason = ACTIVE, "a valid event within the last 24 hours"
    elif not t.times:
        status, reason = NO_RECENT, "only server-side events, no pixel event"
    else:
        status, reason = NO_RECENT, "no valid event within the last 24 hours"
    times = [when for when, _ in t.times]
    return KeyStatus(
        key=key,
        status=status,
        reason=reason,
        first_event=min(times, default=None),
        last_event=max(times, default=None),
        last_valid_event=last_valid,
        events=dict(sorted(t.names.items())),
        invalid_events=sum(1 for _, ok in t.times if not ok),
        recent_invalid=recent_invalid,
        recent_total=len(recent),
        hosts=tuple(t.hosts),
        last_errors=tuple(t.errors[-MAX_ERRORS_SHOWN:]),
        server_side_events=len(t.server),
        last_server_side=max(t.server, default=None),
    )
