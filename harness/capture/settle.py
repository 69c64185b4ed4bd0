"""When is a page settled? Decided from evidence, not a fixed window.

A page is settled when its load event has fired, the pixel's queue is drained (the stub's queue
is empty once the pixel script has run), no request to a Spotify host is in flight, no pixel
script element is still loading, and the pixel traffic has been quiet for a short period.

It waits longer only while there is a reason: a tag manager on the page whose pixel has not
appeared yet (containers inject tags after load, e.g. on a timer), a consent tool still loading,
a ``spdt`` call the live pixel has not sent yet. Once the visitor has rejected or withdrawn
consent, or left the banner alone, a tag manager without a pixel is what a correct install
shows, so it is no longer a reason (a gate that releases the pixel anyway does so on the
decision, and that evidence, a script loading or a request, still holds the page). Every
wait is bounded by ``limit``; the decision and the reasons that held (with how long) are kept
as a :class:`SettleDecision`.

The evidence comes from the capture script (harness/capture/capture.js: document state, script
load events, spdt calls) and Playwright's request events, delivered by the recorder.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from harness.capture.timeline import SettleDecision, SettleWait

DEFAULT_QUIET = 0.3  # seconds without pixel activity
DEFAULT_LIMIT = 5.0  # the longest wait
POLL = 0.05
# A live spdt call normally reaches the network within milliseconds (the pixel flushes on a
# zero timeout); one whose request has not started this long after the call is given up on.
CALL_GRACE = 1.0
# The live pixel drains the stub's queue as it runs; if it has not by its load event, it is
# given this long before the queue no longer counts as a reason.
QUEUE_GRACE = 1.0
SPOTIFY_DOMAINS = ("spotify.com", "byspotify.com")
NO_SEND_COMMANDS = frozenset({"conf"})


def is_spotify(url: str) -> bool:
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return any(host == d or host.endswith("." + d) for d in SPOTIFY_DOMAINS)


@dataclass(slots=True)
class _Document:
    id: str
    url: str = ""
    state: str = "loading"  # loading, interactive, complete
    tag_managers: set[str] = field(default_factory=set)
    consent_loading: set[str] = field(default_factory=set)  # consent scripts not yet loaded
    pixel_loading: set[str] = field(default_factory=set)  # pixel script elements not yet loaded
    pixel: bool = False  # the pixel's stub, function or script is on this document
    pixel_script_loaded_at: float | None = None
    queue: int = 0  # the stub's queue length at the pixel script's load event


class Evidence:
    """What the recorder has seen that bears on settling; thread-safe, cheap to update."""

    def __init__(self, *, scripted: bool = True) -> None:
        self._lock = threading.Lock()
        self.scripted = scripted  # False: JavaScript is off; only the network is evidence
        self.noscript_elements = False  # a document of this context has a <noscript> element
        self.document: _Document | None = None
        self.last_activity = time.monotonic()
        self.last_spotify_request = 0.0
        self.last_live_call = 0.0
        self.in_flight: set[object] = set()
        self.consent_withheld = False  # the visitor rejected, withdrew or made no decision

    # -- updates from the recorder --------------------------------------------------------
    def touch(self) -> None:
        with self._lock:
            self.last_activity = time.monotonic()

    def request_started(self, key: object, url: str) -> None:
        if not is_spotify(url):
            return
        now = time.monotonic()
        with self._lock:
            self.in_flight.add(key)
            self.last_spotify_request = now
            self.last_activity = now
            if self.document is not None and url.split("?", maxsplit=1)[0].endswith(".js"):
                self.document.pixel = True

    def request_ended(self, key: object) -> None:
        with self._lock:
            if key in self.in_flight:
                self.in_flight.discard(key)
                self.last_activity = time.monotonic()

    def _doc(self, document: str, url: str) -> _Document:
        if self.document is None or self.document.id != document:
            self.document = _Document(document, url)
        return self.document

    def consent_decided(self, *, granted: bool) -> None:
        """The journey's consent choice: withheld consent means no pixel is expected."""
        with self._lock:
            self.consent_withheld = not granted

    def document_state(
        self, document: str, url: str, state: str, scripts: list[object], *, noscript: bool
    ) -> None:
        with self._lock:
            self.noscript_elements = self.noscript_elements or noscript
            doc = self._doc(document, url)
            doc.url = url
            if state in ("loading", "interactive", "complete"):
                doc.state = state
            for item in scripts:
                if not isinstance(item, dict):
                    continue
                role, src = str(item.get("role", "")), str(item.get("src", ""))
                done = bool(item.get("done"))
                if role == "tag_manager":
                    doc.tag_managers.add(src)
                elif role == "pixel":
                    doc.pixel = True
                    if not done:
                        doc.pixel_loading.add(src)
                elif role == "consent" and not done:
                    doc.consent_loading.add(src)

    def script_done(
        self, document: str, url: str, *, role: str, src: str, ok: bool, queue: int
    ) -> None:
        with self._lock:
            doc = self._doc(document, url)
            if role == "pixel":
                doc.pixel = True
                doc.pixel_loading.discard(src)
                doc.pixel_script_loaded_at = time.monotonic()
                doc.queue = queue if ok else 0
            elif role == "tag_manager":
                doc.tag_managers.add(src)
            elif role == "consent":
                doc.consent_loading.discard(src)

    def assigned(self, document: str, url: str) -> None:
        with self._lock:
            if document:
                self._doc(document, url).pixel = True
            self.last_activity = time.monotonic()

    def called(self, document: str, url: str, stub: str, command: object) -> None:
        now = time.monotonic()
        with self._lock:
            if document:
                self._doc(document, url).pixel = True
            self.last_activity = now
            if stub == "live" and command not in NO_SEND_COMMANDS:
                self.last_live_call = now

    # -- the judgement --------------------------------------------------------------------
    def reasons(self, now: float) -> list[tuple[str, str]]:
        """Why the page is not settled yet (ignoring the quiet period); [] when nothing holds."""
        out: list[tuple[str, str]] = []
        with self._lock:
            doc = self.document if self.scripted else None
            if doc is not None and doc.state != "complete":
                out.append(("load", f"the document is {doc.state}"))
            if self.in_flight:
                out.append(("spotify_request", f"{len(self.in_flight)} request(s) in flight"))
            if doc is not None:
                if (
                    doc.queue
                    and doc.pixel_script_loaded_at is not None
                    and now - doc.pixel_script_loaded_at < QUEUE_GRACE
                ):
                    out.append(("queue", f"{doc.queue} call(s) still in the stub's queue"))
                if doc.pixel_loading:
                    shown = sorted(doc.pixel_loading)[0][:120]
                    out.append(("pixel_script", f"a pixel script element still loading ({shown})"))
                if doc.tag_managers and not doc.pixel and not self.consent_withheld:
                    shown = sorted(doc.tag_managers)[0][:120]
                    out.append(("tag_manager", f"a tag manager ({shown}), no pixel yet"))
                if doc.consent_loading:
                    shown = sorted(doc.consent_loading)[0][:120]
                    out.append(("consent_tool", f"a consent tool still loading ({shown})"))
            if (
                self.last_live_call > self.last_spotify_request
                and now - self.last_live_call < CALL_GRACE
            ):
                out.append(("spdt_call", "a spdt call the pixel has not sent yet"))
        return out

    def quiet_for(self, now: float) -> float:
        with self._lock:
            return now - self.last_activity

    def page_url(self) -> str:
        with self._lock:
            return self.document.url if self.document is not None else ""


def settle(
    evidence: Evidence,
    pump: Callable[[float], None],
    *,
    quiet: float = DEFAULT_QUIET,
    limit: float = DEFAULT_LIMIT,
    records_since: Callable[[], bool] | None = None,
) -> SettleDecision:
    """Wait until the page is settled or ``limit`` seconds passed; the decision, with reasons.

    ``pump(seconds)`` waits while letting the browser's events reach the recorder (Playwright's
    sync API delivers them only while it waits). ``records_since()`` says whether the mock
    recorded a hit for this context since the last call (a hit counts as pixel activity).
    """
    started = time.monotonic()
    deadline = started + max(0.0, limit)
    held: dict[str, float] = {}
    details: dict[str, str] = {}
    last_tick = started
    pending: tuple[str, ...] = ()
    previous: list[tuple[str, str]] = []
    while True:
        now = time.monotonic()
        for code, _detail in previous:  # a reason holds from the tick that saw it to this one
            held[code] = held.get(code, 0.0) + (now - last_tick)
        if records_since is not None and records_since():
            evidence.touch()
        reasons = evidence.reasons(now)
        for code, detail in reasons:
            held.setdefault(code, 0.0)
            details.setdefault(code, detail)
        previous, last_tick = reasons, now
        quiet_left = quiet - evidence.quiet_for(now)
        if not reasons and quiet_left <= 0:
            outcome = "settled"
            break
        if now >= deadline:
            outcome = "limit"
            pending = tuple(c for c, _ in reasons) or ("quiet",)
            break
        step = POLL if reasons else max(0.01, min(quiet_left, POLL * 2))
        pump(min(step, max(0.0, deadline - now)))
    waited = time.monotonic() - started
    waits = tuple(
        SettleWait(code, round(ms * 1000, 1), details.get(code, ""))
        for code, ms in sorted(held.items(), key=lambda kv: -kv[1])
    )
    return SettleDecision(
        page_url=evidence.page_url(),
        waited_ms=round(waited * 1000, 1),
        outcome=outcome,
        waits=waits,
        quiet_ms=round(quiet * 1000, 1),
        limit_ms=round(limit * 1000, 1),
        pending=pending,
    )
