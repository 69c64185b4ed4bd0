"""Deduplication report: pixel events and server-side events of a session, matched by
``event_id``, listing matches, orphans and double counts.

Spotify deduplicates by ``event_id`` only (docs/evidence.md §3): ``order_id`` is
not a dedup key. Events are grouped by their normalised name (CAPI ``CHECK_OUT`` = pixel
``checkout``; near misses such as Stape's ``Add_Cart`` = ``addtocart``) and their event_id. A
group with both sides is matched; one with a single side is an orphan (pixel_only /
server_only); more than one event on a side is a double count. The order_ids a group's events
carry are listed for reference. Events without an event_id cannot be deduplicated and are only
counted (``unkeyed``), whatever order_id they carry. ``conf``, ``alias`` and page views are left
out: they are not conversions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mock_endpoint.records import PixelEvent, Record
from mock_endpoint.validation.capi import canonical_capi_name

PIXEL_KINDS = frozenset({"ingest", "image", "noscript"})
SERVER_KINDS = frozenset({"capi", "conversion"})
NOT_CONVERSIONS = frozenset({"conf", "alias", "view", "init"})
CAPI_TO_PIXEL = {
    "VIEW": "view",
    "PRODUCT": "product",
    "CHECK_OUT": "checkout",
    "ADD_TO_CART": "addtocart",
    "PURCHASE": "purchase",
    "LEAD": "lead",
    "SIGN_UP": "signup",
    **{f"CUSTOM_EVENT_{i}": f"custom_event_{i}" for i in range(1, 6)},
}


def normalise_event_name(name: str) -> str:
    canonical = canonical_capi_name(name)
    if canonical == "ALIAS":
        return "alias"
    return CAPI_TO_PIXEL.get(canonical or name, name.lower())


def _id(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        text = str(value).strip()
        return text or None
    return None


@dataclass(frozen=True, slots=True)
class DedupGroup:
    event: str
    event_ids: tuple[str, ...]
    order_ids: tuple[str, ...]
    pixel_record_ids: tuple[int, ...]
    server_record_ids: tuple[int, ...]

    @property
    def status(self) -> str:
        if self.pixel_record_ids and self.server_record_ids:
            return "matched"
        return "pixel_only" if self.pixel_record_ids else "server_only"

    @property
    def double_counted(self) -> bool:
        return len(self.pixel_record_ids) > 1 or len(self.server_record_ids) > 1

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "event_ids": list(self.event_ids),
            "order_ids": list(self.order_ids),
            "pixel_record_ids": list(self.pixel_record_ids),
            "server_record_ids": list(self.server_record_ids),
            "status": self.status,
            "double_counted": self.double_counted,
        }


@dataclass(frozen=True, slots=True)
class DedupReport:
    session: str | None
    pixel_events: int
    server_events: int
    groups: tuple[DedupGroup, ...] = ()
    unkeyed_pixel: int = 0
    unkeyed_server: int = 0

    @property
    def matched(self) -> tuple[DedupGroup, ...]:
        return tuple(g for g in self.groups if g.status == "matched")

    @property
    def pixel_only(self) -> tuple[DedupGroup, ...]:
        return tuple(g for g in self.groups if g.status == "pixel_only")

    @property
    def server_only(self) -> tuple[DedupGroup, ...]:
        return tuple(g for g in self.groups if g.status == "server_only")

    @property
    def double_counts(self) -> tuple[DedupGroup, ...]:
        return tuple(g for g in self.groups if g.double_counted)

    def to_json(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "pixel_events": self.pixel_events,
            "server_events": self.server_events,
            "matched": [g.to_json() for g in self.matched],
            "pixel_only": [g.to_json() for g in self.pixel_only],
            "server_only": [g.to_json() for g in self.server_only],
            "double_counts": [g.to_json() for g in self.double_counts],
            "unkeyed": {"pixel": self.unkeyed_pixel, "server": self.unkeyed_server},
        }


def _keys(event: PixelEvent) -> tuple[str | None, str | None]:
    return _id(event.event_id) or _id(event.params.get("event_id")), _id(
        event.params.get("order_id")
    )


_Item = tuple[str, str, int, str | None, str | None]  # side, name, record id, event_id, order_id


def _collect(
    records: Iterable[Record], session: str | None
) -> tuple[list[_Item], Counter[str], Counter[str]]:
    """Keyed conversion events, and per side the count of all / unkeyed events."""
    items: list[_Item] = []
    totals: Counter[str] = Counter()
    unkeyed: Counter[str] = Counter()
    for r in records:
        if session is not None and r.session != session:
            continue
        side = "pixel" if r.kind in PIXEL_KINDS else "server" if r.kind in SERVER_KINDS else None
        if side is None:
            continue
        for e in r.events:
            name = normalise_event_name(e.name)
            if name in NOT_CONVERSIONS:
                continue
            totals[side] += 1
            eid, oid = _keys(e)
            if eid is None:
                unkeyed[side] += 1
            else:
                items.append((side, name, r.id, eid, oid))
    return items, totals, unkeyed


def _clusters(items: list[_Item]) -> list[list[_Item]]:
    """Items of one event name sharing an event_id, in order of first appearance."""
    clusters: dict[tuple[str, str | None], list[_Item]] = {}
    for item in items:
        clusters.setdefault((item[1], item[3]), []).append(item)
    return list(clusters.values())


def dedup_report(records: Iterable[Record], session: str | None = None) -> DedupReport:
    """Match the pixel and server-side conversions among ``records`` (optionally one session)."""
    items, totals, unkeyed = _collect(records, session)
    groups = [
        DedupGroup(
            event=rows[0][1],
            event_ids=tuple(sorted({row[3] for row in rows if row[3]})),
            order_ids=tuple(sorted({row[4] for row in rows if row[4]})),
            pixel_record_ids=tuple(row[2] for row in rows if row[0] == "pixel"),
            server_record_ids=tuple(row[2] for row in rows if row[0] == "server"),
        )
        for rows in _clusters(items)
    ]
    groups.sort(key=lambda g: min(g.pixel_record_ids + g.server_record_ids))
    return DedupReport(
        session,
        totals["pixel"],
        totals["server"],
        tuple(groups),
        unkeyed["pixel"],
        unkeyed["server"],
    )
