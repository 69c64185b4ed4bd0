"""The simulated clock: recorded wall-clock timestamps plus an offset that only moves forward.

``advance(15 days)`` at wall time *w* means: every record stored at or after *w* happened 15
days later than its timestamp says. So a test moves 15 days in no wall time, and the records
themselves are never rewritten.
"""

from __future__ import annotations

import bisect
import re
import time
from dataclasses import dataclass, field
from typing import Any

DAY = 86_400.0
_UNITS = {"s": 1.0, "m": 60.0, "h": 3_600.0, "d": DAY, "w": 7 * DAY}
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
MAX_ADVANCE = 3_650 * DAY


def parse_duration(text: Any) -> float:
    """``"15d"``, ``"23h"``, ``"90s"``, ``"2w"`` or a number of seconds → seconds (ValueError)."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        seconds = float(text)
    elif isinstance(text, str) and (m := _DURATION_RE.match(text)):
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    else:
        raise ValueError(f"{str(text)[:40]!r} is not a duration like 15d, 23h, 30m or 90s")
    if not 0 <= seconds <= MAX_ADVANCE:
        raise ValueError(f"a duration must be between 0 and {MAX_ADVANCE / DAY:g} days")
    return seconds


def format_duration(seconds: float) -> str:
    """``1296000`` → ``15d``, ``90061`` → ``1d 1h 1m 1s``."""
    seconds = round(abs(seconds))
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        n, seconds = divmod(seconds, size)
        if n:
            parts.append(f"{n}{unit}")
    return " ".join(parts) or "0s"


@dataclass(frozen=True, slots=True)
class Advance:
    at: float  # wall-clock epoch seconds when the clock was moved
    offset: float  # total offset (seconds) from then on

    def to_json(self) -> dict[str, float]:
        return {"at": self.at, "offset": self.offset}


@dataclass(frozen=True, slots=True)
class SimClock:
    """An immutable list of advances; ``sim(wall)`` maps a recorded timestamp to simulated time."""

    advances: tuple[Advance, ...] = field(default_factory=tuple)

    def offset_at(self, wall: float) -> float:
        ats = [a.at for a in self.advances]
        i = bisect.bisect_right(ats, wall)
        return self.advances[i - 1].offset if i else 0.0

    def sim(self, wall: float) -> float:
        return wall + self.offset_at(wall)

    @property
    def offset(self) -> float:
        return self.advances[-1].offset if self.advances else 0.0

    def now(self, wall: float | None = None) -> float:
        return self.sim(time.time() if wall is None else wall)

    def advanced(self, seconds: float, *, at: float | None = None) -> SimClock:
        if seconds < 0:
            raise ValueError("the simulated clock only moves forward")
        when = time.time() if at is None else at
        if self.advances and when < self.advances[-1].at:
            when = self.advances[-1].at
        return SimClock((*self.advances, Advance(when, self.offset + seconds)))

    def to_json(self) -> dict[str, Any]:
        return {"offset": self.offset, "advances": [a.to_json() for a in self.advances]}

    @classmethod
    def from_json(cls, data: Any) -> SimClock:
        if data is None:
            return cls()
        if not isinstance(data, dict) or not isinstance(data.get("advances", []), list):
            raise ValueError("clock must be {advances: [{at, offset}, ...]}")
        advances = []
        for item in data.get("advances", []):
            if not isinstance(item, dict):
                raise ValueError("each clock advance is {at, offset}")
            advances.append(Advance(float(item["at"]), float(item["offset"])))
        advances.sort(key=lambda a: a.at)
        return cls(tuple(advances))
