"""Faults at the mock: make a Spotify host slow or down, to see how a site and the pixel behave.

A fault is written ``HOST:KIND[:ARG]`` (``spdt-harness mock --fault``, ``MockEndpoint(faults=)``,
``MockEndpoint.set_faults``):

=============  =========================================================  ============
KIND           effect on every hit of HOST                                ARG (default)
=============  =========================================================  ============
``delay``      wait ARG seconds, then answer normally (and record)        seconds (1)
``5xx``        answer status ARG at once, JSON ``{code: FAULT_INJECTED}``  500..599 (503)
``reset``      close the connection without an answer                     none
``slow-body``  answer normally, the body trickled over ARG seconds         seconds (2)
=============  =========================================================  ============

HOST is one of the Spotify host names or ``*`` (all of them). One host may carry several faults
(``delay`` then ``5xx``: a slow error); ``5xx`` and ``reset`` exclude each other. The control
API (``/__spdt/``) is never faulted. A hit answered ``5xx`` or ``reset`` never reached "Spotify":
it is recorded with kind ``fault`` and no events (so the auditor reports EVENT_NOT_DELIVERED),
its payload ``{"fault", "arg", "would_be"}`` naming what the hit would have been. A ``delay``
hit is recorded the moment it arrives, with ``answer`` ``delayed``; its answer is sent after the
delay, and a client that goes away first turns the record's ``answer`` to ``abandoned`` (with
``5xx`` or ``reset`` too, the delay comes first, as the slow error it stands for). ``slow-body``
hits are recorded as usual. A ``slow-body`` answer without a body (204) is held for ARG seconds
instead.
"""

from __future__ import annotations

import asyncio
import difflib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.typedefs import Middleware

from mock_endpoint.errors import UsageError
from mock_endpoint.hosts import SPOTIFY_HOSTS, bare_host
from mock_endpoint.routes import PREFIX, Handler

KINDS: tuple[str, ...] = ("delay", "5xx", "reset", "slow-body")
ALL_HOSTS = "*"
MAX_SECONDS = 600.0
SYNTAX = "HOST:KIND[:ARG] with KIND delay[:SECONDS], 5xx[:STATUS], reset or slow-body[:SECONDS]"
_DEFAULTS: dict[str, float | None] = {"delay": 1.0, "5xx": 503, "reset": None, "slow-body": 2.0}
SLOW_BODY_CHUNKS = 10


def _show(arg: float | None) -> str:
    return "nothing" if arg is None else f"{arg:g}"


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault: ``kind`` on every hit of ``host`` (``*``: every Spotify host)."""

    host: str
    kind: str
    arg: float | None = None

    def __post_init__(self) -> None:
        if self.host != ALL_HOSTS and self.host not in SPOTIFY_HOSTS:
            near = difflib.get_close_matches(self.host, SPOTIFY_HOSTS, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise UsageError(
                f"fault host {self.host!r} is not a mock host (one of "
                f"{', '.join(SPOTIFY_HOSTS)}, or *){hint}"
            )
        if self.kind not in KINDS:
            near = difflib.get_close_matches(self.kind, KINDS, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise UsageError(
                f"fault kind {self.kind!r} is not one of {', '.join(KINDS)}{hint} ({SYNTAX})"
            )
        arg = _DEFAULTS[self.kind] if self.arg is None else self.arg
        if self.kind == "reset":
            if self.arg is not None:
                raise UsageError("fault kind 'reset' takes no argument")
        elif self.kind == "5xx":
            if arg is None or arg != int(arg) or not 500 <= arg <= 599:
                raise UsageError(
                    f"fault 5xx status must be an integer 500..599, got {_show(self.arg)}"
                )
            arg = int(arg)
        elif arg is None or not math.isfinite(arg) or not 0 <= arg <= MAX_SECONDS:
            raise UsageError(
                f"fault {self.kind} seconds must be a number 0..{MAX_SECONDS:g}, "
                f"got {_show(self.arg)}"
            )
        object.__setattr__(self, "arg", arg)

    @property
    def spec(self) -> str:
        if self.arg is None:
            return f"{self.host}:{self.kind}"
        arg = int(self.arg) if self.arg == int(self.arg) else self.arg
        return f"{self.host}:{self.kind}:{arg}"

    def applies_to(self, host: str) -> bool:
        return self.host in (ALL_HOSTS, host)


def parse_fault(spec: str) -> Fault:
    """``pixels.spotify.com:5xx:503`` → Fault; a :class:`UsageError` naming the mistake else."""
    parts = spec.strip().split(":")
    if len(parts) not in (2, 3) or not all(p.strip() for p in parts):
        raise UsageError(f"--fault {spec!r}: expected {SYNTAX}")
    host, kind = parts[0].strip().lower(), parts[1].strip().lower()
    arg: float | None = None
    if len(parts) == 3:
        try:
            arg = float(parts[2])
        except ValueError:
            raise UsageError(
                f"--fault {spec!r}: argument {parts[2]!r} is not a number ({SYNTAX})"
            ) from None
    return Fault(host, kind, arg)


def as_faults(items: Iterable[Fault | str]) -> tuple[Fault, ...]:
    """Fault objects or ``HOST:KIND[:ARG]`` strings → checked faults (conflicts refused)."""
    faults = tuple(f if isinstance(f, Fault) else parse_fault(f) for f in items)
    seen: dict[tuple[str, str], Fault] = {}
    for fault in faults:
        key = (fault.host, fault.kind)
        if key in seen:
            raise UsageError(f"fault {fault.spec!r}: {fault.host} already has a {fault.kind}")
        seen[key] = fault
    for host in SPOTIFY_HOSTS:
        if {"5xx", "reset"} <= FaultPlan(faults).for_host(host).keys():
            raise UsageError(f"faults 5xx and reset both apply to {host}; choose one")
    return faults


@dataclass(slots=True)
class FaultPlan:
    """The faults in force (replaced as a whole, so a running server sees one plan or the
    other)."""

    faults: tuple[Fault, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    def for_host(self, host: str) -> dict[str, Fault]:
        found: dict[str, Fault] = {}
        for fault in self.faults:
            # A host-specific fault wins over a * fault of the same kind.
            if fault.applies_to(host) and (fault.kind not in found or fault.host != ALL_HOSTS):
                found[fault.kind] = fault
        return found


FAULTS_KEY: web.AppKey[FaultPlan] = web.AppKey("faults", FaultPlan)

# (request, status, payload) -> None: records a faulted hit (the app passes its recorder).
Recorder = Callable[[web.Request, int, dict[str, object]], None]
# (request, answer) -> None: notes on a request's record how its held answer went.
AnswerMarker = Callable[[web.Request, str], None]
HELD_KEY = web.RequestKey("spdt_answer_held", bool)  # the delay fault holds this answer
RECORD_ID_KEY = web.RequestKey("spdt_record_id", int)  # the id of the record the request made


def _ignore(request: web.Request, answer: str) -> None:
    return None


def fault_middleware(record_fault: Recorder, mark_answer: AnswerMarker = _ignore) -> Middleware:
    """The outermost middleware: applies the plan in ``app[FAULTS_KEY]`` to Spotify hosts."""

    @web.middleware
    async def faults(  # noqa: PLR0911 - one return per fault kind reads best
        request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        plan = request.app[FAULTS_KEY]
        if not plan.faults or request.path == PREFIX or request.path.startswith(PREFIX + "/"):
            return await handler(request)
        active = plan.for_host(bare_host(request.host))
        if not active:
            return await handler(request)
        for kind in active:
            plan.counts[kind] = plan.counts.get(kind, 0) + 1
        if "delay" in active and not ("reset" in active or "5xx" in active):
            request[HELD_KEY] = True
            response = await handler(request)  # recorded now, on arrival
            await hold(request, float(active["delay"].arg or 0))
            if _gone(request):
                mark_answer(request, "abandoned")
                return response  # aiohttp drops it: the client is gone
            if "slow-body" in active:
                return await _trickle(request, response, float(active["slow-body"].arg or 0))
            return response
        if "delay" in active:
            await hold(request, float(active["delay"].arg or 0))
            if _gone(request):
                return web.Response(status=204)  # the client gave up: nothing to answer
        if "reset" in active:
            record_fault(request, 0, {"fault": "reset", "arg": None})
            if request.transport is not None:
                request.transport.abort()
            # aiohttp's write of this answer meets the closed transport and drops it quietly.
            return web.Response(status=204)
        if "5xx" in active:
            status = int(active["5xx"].arg or 503)
            record_fault(request, status, {"fault": "5xx", "arg": status})
            return _error_answer(request, status)
        response = await handler(request)
        if "slow-body" in active:
            return await _trickle(request, response, float(active["slow-body"].arg or 0))
        return response

    return faults


HOLD_STEP = 0.05


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def hold(request: web.Request, seconds: float) -> None:
    """Wait ``seconds``, or less if the client goes away meanwhile (nothing left to delay)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        if _gone(request):
            return
        await asyncio.sleep(min(HOLD_STEP, left))


def _error_answer(request: web.Request, status: int) -> web.Response:
    origin = request.headers.get("Origin")
    headers = {"Access-Control-Allow-Origin": origin or "*", "Vary": "Origin"}
    if origin:
        headers["Access-Control-Allow-Credentials"] = "true"
    return web.json_response(
        {
            "code": "FAULT_INJECTED",
            "message": f"fault injected at the mock: {bare_host(request.host)} answers {status}",
        },
        status=status,
        headers=headers,
    )


async def _trickle(
    request: web.Request, response: web.StreamResponse, seconds: float
) -> web.StreamResponse:
    body = response.body if isinstance(response, web.Response) else None
    if not isinstance(body, bytes) or not body:
        await hold(request, seconds)  # nothing to trickle (204, 304, a stream): hold it
        return response
    slow = web.StreamResponse(status=response.status, reason=response.reason)
    for name, value in response.headers.items():
        if name.lower() not in ("content-length", "transfer-encoding"):
            slow.headers.add(name, value)
    slow.content_length = len(body)
    await slow.prepare(request)
    step = max(1, -(-len(body) // SLOW_BODY_CHUNKS))
    pause = seconds / max(1, -(-len(body) // step))
    try:
        for start in range(0, len(body), step):
            await asyncio.sleep(pause)
            await slow.write(body[start : start + step])
        await slow.write_eof()
    except ConnectionError:
        pass  # the client gave up waiting; aiohttp closes the connection
    return slow
