"""Rules about deduplication: event_id reuse, and one conversion sent through two channels.

Spotify deduplicates by ``event_id`` only (docs/evidence.md §3): the pixel event
and the server event of one conversion carry the same event_id, and an event_id seen before
makes a later event a duplicate.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from harness.rules.facts import Facts
from harness.rules.model import Hit, rule
from harness.rules.values import norm, params_of
from mock_endpoint.validation import is_placeholder

IDS = ("event_id", "order_id")


@dataclass(frozen=True, slots=True)
class _Seen:
    event_id: str
    name: str
    page: str
    shown: str


def _text_id(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = str(value).strip()
    return None if not text or is_placeholder(text) else text


def _event_ids(facts: Facts) -> Iterator[_Seen]:
    for doc in facts.documents:
        for call in doc.event_calls:
            eid = _text_id(params_of(call).get("event_id"))
            if eid is not None:
                yield _Seen(eid, str(call.command), norm(call.page_url), facts.call(call))
    for item in facts.delivered:
        event = item.event
        if event.name in ("conf", "alias"):
            continue
        eid = _text_id(event.params.get("event_id")) or _text_id(event.event_id)
        if eid is not None:
            yield _Seen(eid, event.name, item.page, facts.show_delivered(item))


@rule(
    "EVENT_ID_REUSED",
    "warning",
    title="one event_id on different events or page views (e.g. location.pathname)",
    fix="Give every event its own event_id (an order number, a UUID per event) and reuse it only "
    "for the server-side copy of that same event: Spotify drops later events with a seen "
    "event_id as duplicates.",
    source="live pixel",
)
def event_id_reused(facts: Facts) -> Iterator[Hit]:
    by_id: dict[str, list[_Seen]] = {}
    for seen in _event_ids(facts):
        by_id.setdefault(seen.event_id, []).append(seen)
    for eid, items in by_id.items():
        uses = list(dict.fromkeys((s.name, s.page) for s in items))
        if len(uses) < 2:
            continue  # one event on one page: sent twice is DUPLICATE_EVENT's business
        shown = ", ".join(f"{name} on {facts.url(page)}" for name, page in uses[:4])
        yield Hit(
            f"event_id {facts.text(eid)!r} is used by {len(uses)} different events or pages "
            f"({shown}): Spotify keeps the first and drops the others as duplicates.",
            page=facts.url(uses[0][1]) or None,
            evidence=tuple(dict.fromkeys(s.shown for s in items)),
        )


def _ids(params: Mapping[str, Any], event_id: str | None = None) -> frozenset[str]:
    found = {_text_id(params.get(k)) for k in IDS} | {_text_id(event_id)}
    return frozenset(i for i in found if i is not None)


@rule(
    "CONVERSION_COUNTED_TWICE",
    "warning",
    title="one conversion sent through both the JavaScript pixel and the image pixel",
    fix="Send each conversion through one channel: the JavaScript pixel, or the image pixel "
    "(browser or server-side), not both; Spotify counts each arrival.",
    source="live pixel",
)
def conversion_counted_twice(facts: Facts) -> Iterator[Hit]:
    conversions = set(facts.config.conversion_events)
    pixel: list[tuple[str, str, frozenset[str], str]] = [
        (d.event.name, d.page, _ids(d.event.params, d.event.event_id), facts.show_delivered(d))
        for d in facts.delivered
        if d.event.name in conversions
    ]
    for call in facts.timeline.calls:
        if isinstance(call.command, str) and call.command in conversions and not call.threw:
            pixel.append(
                (call.command, norm(call.page_url), _ids(params_of(call)), facts.call(call))
            )
    for record in facts.timeline.records:
        if record.kind != "image":
            continue
        for event in record.events:
            if event.name not in conversions:
                continue
            ids = _ids(event.params, event.event_id)
            page = norm(event.url or record.page)
            same = [
                (shown, where)
                for name, where, their_ids, shown in pixel
                if name == event.name
                and ((ids & their_ids) if ids and their_ids else where == page and page != "")
            ]
            if not same:
                continue
            # a cross-origin image request's Referer is often only the origin: the page is the
            # JavaScript pixel's
            yield Hit(
                f"{event.name} arrives twice, through the JavaScript pixel and through the image "
                f"pixel ({record.host}): Spotify counts it twice.",
                page=facts.url(same[0][1] or page) or None,
                evidence=(*dict.fromkeys(shown for shown, _ in same[:2]), facts.record(record)),
            )
