"""Expectations on the pixel events and requests one context's session sent the mock: an
event (or exactly N), no such event, no pixel traffic at all. Each fails with what was seen
instead (``PixelContext.expect_event`` and its siblings delegate here)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from harness.assertions.matching import EventMatcher, count_report, near_miss_report
from harness.errors import AssertionFailed
from mock_endpoint.records import PixelEvent, Record

if TYPE_CHECKING:
    from harness.context import PixelContext

# What counts as pixel traffic for expect_no_pixel_traffic: the script, events, the image pixel.
PIXEL_TRAFFIC_KINDS = ("script", "ingest", "image", "noscript", "preflight")


def in_session(matcher: EventMatcher, session: str) -> Callable[[Record], bool]:
    """A record of ``session`` with an event that ``matcher`` matches (for the mock's waits)."""

    def match(record: Record) -> bool:
        return record.session == session and any(matcher.matches(e) for e in record.events)

    return match


def expect_event(
    ctx: PixelContext,
    name: str,
    *,
    timeout: float,
    count: int | None,
    within: float | None,
    fields: Mapping[str, Any],
) -> PixelEvent:
    """The first matching event of ``ctx``'s session, the moment it reaches the mock; with
    ``count``, exactly that many (see :func:`expect_events`); else fail with near misses."""
    if count is not None:
        window = within if within is not None else timeout
        return expect_count(ctx, name, count, window, fields)
    matcher = EventMatcher(name, fields)
    found = ctx.mock.wait_for(in_session(matcher, ctx.session), timeout)
    if found is None:
        raise AssertionFailed(near_miss_report(matcher, ctx.events()) + f"\n(waited {timeout:g} s)")
    return next(e for e in found.events if matcher.matches(e))


def expect_events(
    ctx: PixelContext, name: str, *, count: int, within: float, fields: Mapping[str, Any]
) -> list[PixelEvent]:
    """Exactly ``count`` matching events within ``within`` seconds (fails early on more)."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"count must be a whole number ≥ 0, not {count!r}")
    if not 0 < within <= 300:
        raise ValueError(f"within must be seconds between 0 and 300, not {within!r}")
    matcher = EventMatcher(name, fields)
    match = in_session(matcher, ctx.session)
    deadline = time.monotonic() + within
    while True:
        last = ctx.mock.store.last_id()
        matched = [e for e in ctx.events() if matcher.matches(e)]
        remaining = deadline - time.monotonic()
        if len(matched) > count or remaining <= 0:
            break
        ctx.mock.wait_for(match, remaining, after_id=last)
    if len(matched) != count:
        raise AssertionFailed(count_report(matcher, count, ctx.events(), within))
    return matched


def expect_count(
    ctx: PixelContext, name: str, count: int, within: float, fields: Mapping[str, Any]
) -> PixelEvent:
    """``count=0`` is :func:`expect_no_event`; else the first of exactly ``count`` events."""
    if count == 0:
        expect_no_event(ctx, name, during=within, fields=fields)
        return PixelEvent(name, None)
    return expect_events(ctx, name, count=count, within=within, fields=fields)[0]


def expect_no_event(
    ctx: PixelContext, name: str, *, during: float, fields: Mapping[str, Any]
) -> None:
    """Fail if a matching event arrives within the next ``during`` seconds (or already has)."""
    matcher = EventMatcher(name, fields)
    found = ctx.mock.wait_for(in_session(matcher, ctx.session), during)
    if found is not None:
        event = next(e for e in found.events if matcher.matches(e))
        raise AssertionFailed(
            f"expected no {matcher.describe()} within {during:g} s; got one from {event.url}"
        )


def expect_no_pixel_traffic(ctx: PixelContext, *, during: float, since: int | None) -> None:
    """Fail if a request of ``ctx``'s session reaches the pixel hosts within ``during``
    seconds, counted from the record id ``since`` (else from now)."""
    last = ctx.last_record_id() if since is None else since
    kinds = PIXEL_TRAFFIC_KINDS

    def match(record: Record) -> bool:
        return record.session == ctx.session and record.kind in kinds

    found = ctx.mock.wait_for(match, during, after_id=last)
    if found is None:
        return
    hits = [r for r in ctx.records() if r.id > last and r.kind in kinds]
    lines = [f"expected no pixel traffic within {during:g} s; saw {len(hits)} request(s):"]
    for record in hits[:5]:
        names = ", ".join(e.name for e in record.events)
        lines.append(
            f"  - {record.method} {record.host}{record.path} → {record.status} "
            f"(record #{record.id}){': ' + names if names else ''}"
        )
    raise AssertionFailed("\n".join(lines))
