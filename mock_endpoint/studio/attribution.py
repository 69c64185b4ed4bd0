"""Attribution: for every conversion, the exposure it is credited to, or why none.

Rules (sources in docs/studio.md): only exposures at or before the conversion count; a click
matches by click id, a view by device id or by IP + user agent; a click inside its window beats
any view; among clicks (or views) the last touch wins; a window edge is inclusive (exactly 14
days is inside, one second more is not). Invalid events and duplicates by ``event_id`` are
never attributed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from mock_endpoint.records import Record
from mock_endpoint.studio.campaigns import Campaign, Exposure
from mock_endpoint.studio.clock import DAY, SimClock, format_duration
from mock_endpoint.studio.conversions import Conversion, conversions

Verdict = Literal["click", "view", "none"]
# Why a conversion is not attributed (stable codes; docs/studio.md).
REASONS: dict[str, str] = {
    "window": "the matching exposure is outside the attribution window",
    "no_click_id": "a click happened but no click id reached the conversion",
    "device": "exposures exist, none on this device or browser (cross-device is not matched)",
    "invalid": "the event was invalid, so it does not count",
    "duplicate": "a duplicate by event_id of an earlier event",
    "no_exposure": "no exposure before the conversion",
}


@dataclass(frozen=True, slots=True)
class Attribution:
    conversion: Conversion
    verdict: Verdict
    exposure: Exposure | None = None
    reason: str | None = None  # a REASONS code when verdict is none
    detail: str = ""
    after: float | None = None  # seconds from the exposure to the conversion
    over: float | None = None  # seconds past the window (reason window)

    @property
    def campaign(self) -> str | None:
        return self.exposure.campaign if self.exposure is not None else None

    def to_json(self) -> dict[str, Any]:
        return {
            "record_id": self.conversion.record_id,
            "event": self.conversion.event,
            "session": self.conversion.session,
            "time": self.conversion.time,
            "as": self.verdict,
            "campaign": self.campaign,
            "exposure": self.exposure.to_json() if self.exposure is not None else None,
            "reason": self.reason,
            "detail": self.detail,
            "after_seconds": self.after,
            "over_seconds": self.over,
            "conversion": self.conversion.to_json(),
        }


def _window(exposure: Exposure, campaigns: Mapping[str, Campaign]) -> float:
    campaign = campaigns.get(exposure.campaign) or Campaign(exposure.campaign, exposure.campaign)
    days = campaign.click_window_days if exposure.is_click else campaign.view_window_days
    return days * DAY


def _matches(exposure: Exposure, c: Conversion) -> bool:
    if exposure.is_click:
        return exposure.click_id is not None and exposure.click_id == c.click_id
    if exposure.click_id and exposure.click_id == c.click_id:
        return True
    if exposure.device_id:
        return exposure.device_id == c.device_id
    return exposure.user_agent is not None and exposure.user_agent == c.user_agent


def _label(e: Exposure) -> str:
    what = f"{e.placement} click" if e.is_click else e.kind
    return f"the {what} of campaign {e.campaign}"


def attribute_one(
    c: Conversion, exposures: Iterable[Exposure], campaigns: Mapping[str, Campaign]
) -> Attribution:
    """The answer for one (valid, not duplicate) conversion."""
    prior = [e for e in exposures if e.time <= c.time]
    matched = [e for e in prior if _matches(e, c)]
    inside = [e for e in matched if c.time - e.time <= _window(e, campaigns)]
    clicks = [e for e in inside if e.is_click]
    chosen = max(clicks or inside, key=lambda e: e.time, default=None)
    if chosen is not None:
        after = c.time - chosen.time
        return Attribution(
            c,
            "click" if chosen.is_click else "view",
            chosen,
            detail=f"{format_duration(after)} after {_label(chosen)} ({chosen.identity()})",
            after=after,
        )
    if matched:
        last = max(matched, key=lambda e: e.time)
        after = c.time - last.time
        window = _window(last, campaigns)
        kind = "click-through" if last.is_click else "view-through"
        return Attribution(
            c,
            "none",
            last,
            reason="window",
            detail=(
                f"{format_duration(after)} after {_label(last)}: outside the {kind} window of "
                f"{format_duration(window)} by {format_duration(after - window)}"
            ),
            after=after,
            over=after - window,
        )
    clicked = [e for e in prior if e.is_click]
    if clicked and c.click_id is None:
        return Attribution(
            c,
            "none",
            reason="no_click_id",
            detail=f"{len(clicked)} click(s) before it, but the event carried no click id",
        )
    if prior:
        return Attribution(
            c,
            "none",
            reason="device",
            detail=(
                f"{len(prior)} exposure(s) before it, none with this click id, device id or "
                "user agent (a different device or browser)"
            ),
        )
    return Attribution(c, "none", reason="no_exposure", detail="no exposure before it")


def attribute_conversions(
    items: Iterable[Conversion],
    exposures: Iterable[Exposure],
    campaigns: Iterable[Campaign] = (),
) -> list[Attribution]:
    by_id = {c.id: c for c in campaigns}
    exposures = list(exposures)
    seen: dict[tuple[str, str], int] = {}
    out: list[Attribution] = []
    for c in items:
        if not c.valid:
            out.append(Attribution(c, "none", reason="invalid", detail="the event was invalid"))
            continue
        if c.event_id:
            first = seen.get((c.event, c.event_id))
            if first is not None:
                out.append(
                    Attribution(
                        c,
                        "none",
                        reason="duplicate",
                        detail=f"event_id {c.event_id!r} already counted (record {first})",
                    )
                )
                continue
            seen[(c.event, c.event_id)] = c.record_id
        out.append(attribute_one(c, exposures, by_id))
    return out


def attribute(
    records: Iterable[Record],
    exposures: Iterable[Exposure],
    campaigns: Iterable[Campaign] = (),
    clock: SimClock | None = None,
) -> list[Attribution]:
    """One answer per conversion event in ``records`` (time order)."""
    return attribute_conversions(conversions(records, clock), exposures, campaigns)
