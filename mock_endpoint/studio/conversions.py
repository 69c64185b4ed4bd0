"""The conversions in a list of records: one per conversion event, on the simulated clock."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from mock_endpoint.dedup import NOT_CONVERSIONS, PIXEL_KINDS, SERVER_KINDS, normalise_event_name
from mock_endpoint.records import Record
from mock_endpoint.studio.clock import SimClock


@dataclass(frozen=True, slots=True)
class Conversion:
    record_id: int
    event: str  # normalised name (CAPI PURCHASE = pixel purchase)
    time: float  # simulated epoch seconds
    session: str
    side: str  # pixel or server
    valid: bool
    key: str | None = None
    click_id: str | None = None
    device_id: str | None = None
    user_agent: str | None = None
    event_id: str | None = None
    value: float | None = None
    currency: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def amount(value: Any) -> float | None:
    """A finite number >= 0, or a string that reads as one (the pixel sends both)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def conversions(records: Iterable[Record], clock: SimClock | None = None) -> list[Conversion]:
    """Every conversion event of pixel and server-side records, valid or not, in time order."""
    clock = clock or SimClock()
    out: list[Conversion] = []
    for r in records:
        if r.kind not in PIXEL_KINDS and r.kind not in SERVER_KINDS:
            continue
        for e in r.events:
            name = normalise_event_name(e.name)
            if name in NOT_CONVERSIONS or not name:
                continue
            raw_value = e.params.get("value", e.params.get("amount"))
            currency = e.params.get("currency")
            out.append(
                Conversion(
                    record_id=r.id,
                    event=name,
                    time=clock.sim(r.time),
                    session=r.session,
                    side="pixel" if r.kind in PIXEL_KINDS else "server",
                    valid=r.valid,
                    key=e.key,
                    click_id=_text(e.click_id),
                    device_id=_text(e.device_id),
                    user_agent=r.user_agent,
                    event_id=_text(e.event_id),
                    value=amount(raw_value),
                    currency=currency if isinstance(currency, str) and currency else None,
                )
            )
    out.sort(key=lambda c: (c.time, c.record_id))
    return out
