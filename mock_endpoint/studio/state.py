"""The studio state a running mock keeps next to its records: campaigns, exposures, clock.

It lives beside a :class:`RecordStore` (one state per store, looked up with
:func:`studio_state`), so the mock's control API, the harness's journeys and tests in the same
process all see the same campaigns without the mock knowing about any of them.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import replace
from typing import Any

from mock_endpoint.records import Record
from mock_endpoint.store import RecordStore
from mock_endpoint.studio.attribution import Attribution, attribute
from mock_endpoint.studio.campaigns import (
    MAX_EXPOSURES,
    Campaign,
    Exposure,
    StudioError,
    load_studio_data,
)
from mock_endpoint.studio.clock import SimClock


class StudioState:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._campaigns: dict[str, Campaign] = {}
        self._exposures: list[Exposure] = []
        self._clock = SimClock()

    # -- reading -----------------------------------------------------------------------------
    @property
    def campaigns(self) -> list[Campaign]:
        with self._lock:
            return list(self._campaigns.values())

    def campaign(self, ident: str) -> Campaign | None:
        with self._lock:
            return self._campaigns.get(ident)

    @property
    def exposures(self) -> list[Exposure]:
        with self._lock:
            return list(self._exposures)

    @property
    def clock(self) -> SimClock:
        with self._lock:
            return self._clock

    def attribution(self, records: list[Record]) -> list[Attribution]:
        return attribute(records, self.exposures, self.campaigns, self.clock)

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "campaigns": [c.to_json() for c in self._campaigns.values()],
                "exposures": [e.to_json() for e in self._exposures],
                "clock": self._clock.to_json(),
            }

    # -- writing -----------------------------------------------------------------------------
    def add_campaign(self, campaign: Campaign) -> Campaign:
        with self._lock:
            self._campaigns[campaign.id] = campaign
        return campaign

    def ensure_campaign(self, ident: str) -> Campaign:
        with self._lock:
            return self._campaigns.setdefault(ident, Campaign(ident, ident))

    def add_exposure(self, exposure: Exposure) -> Exposure:
        with self._lock:
            if exposure.campaign not in self._campaigns:
                raise StudioError(f"no campaign {exposure.campaign!r}; create it first")
            if len(self._exposures) >= MAX_EXPOSURES:
                raise StudioError(f"at most {MAX_EXPOSURES} exposures")
            if not exposure.id:
                exposure = replace(exposure, id=f"x{len(self._exposures) + 1}")
            self._exposures.append(exposure)
        return exposure

    def advance(self, seconds: float, *, at: float | None = None) -> SimClock:
        with self._lock:
            self._clock = self._clock.advanced(seconds, at=at)
            return self._clock

    def set_clock(self, clock: SimClock) -> None:
        with self._lock:
            self._clock = clock

    def load(self, data: Any, source: str = "body") -> None:
        """Add the campaigns and exposures of a studio document (file or request body)."""
        parsed = load_studio_data(data, source)
        for campaign in parsed["campaigns"]:
            self.add_campaign(campaign)
        for exposure in parsed["exposures"]:
            self.add_exposure(exposure)

    def reset(self) -> None:
        with self._lock:
            self._campaigns.clear()
            self._exposures.clear()
            self._clock = SimClock()


_STATES: weakref.WeakKeyDictionary[RecordStore, StudioState] = weakref.WeakKeyDictionary()
_STATES_LOCK = threading.Lock()


def studio_state(store: RecordStore) -> StudioState:
    """The studio state that belongs to ``store`` (created on first use)."""
    with _STATES_LOCK:
        state = _STATES.get(store)
        if state is None:
            state = _STATES[store] = StudioState()
        return state


def from_file_data(parsed: dict[str, Any]) -> StudioState:
    """A fresh state from :func:`load_studio_file`'s result (the CLI's ``--campaign FILE``)."""
    state = StudioState()
    for campaign in parsed["campaigns"]:
        state.add_campaign(campaign)
    for exposure in parsed["exposures"]:
        state.add_exposure(exposure)
    clock = parsed.get("clock")
    if clock is not None:
        try:
            state.set_clock(SimClock.from_json(clock))
        except (ValueError, KeyError, TypeError) as exc:
            raise StudioError(f"clock: {exc}") from exc
    return state
