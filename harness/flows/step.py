"""One journey step, as parsed (harness/flows/journey.py parses, harness/flows/runner.py runs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.flows.consent import ConsentControls


@dataclass(frozen=True, slots=True)
class Step:
    verb: str
    target: str | None = None  # URL or selector
    value: str | None = None  # fill value, click id
    param: str | None = None  # click id parameter for land
    name: str | None = None  # event name for expect_event
    fields: dict[str, Any] = field(default_factory=dict)  # expected event fields
    timeout: float | None = None
    ms: int | None = None
    count: int | None = None  # expect_event: exactly this many
    within: float | None = None  # expect_event with count: the window; expect_no_pixel_traffic
    consent: ConsentControls | None = None  # the consent step's selectors and tool

    def describe(self) -> str:
        if self.verb == "expect_event":
            extra = " ".join(f"{k}={v!r}" for k, v in self.fields.items())
            if self.count is not None:
                extra = f"{extra} count={self.count}".strip()
            return f"expect_event {self.name} {extra}".strip()
        if self.verb == "expect_no_pixel_traffic":
            return f"expect_no_pixel_traffic {self.within or 1.0:g} s"
        if self.verb in ("expose", "expect_attribution"):
            extra = " ".join(f"{k}={v}" for k, v in self.fields.items())
            return f"{self.verb} {self.target or self.name or ''} {extra}".strip()
        if self.verb == "wait" and self.ms is not None:
            return f"wait {self.ms} ms"
        return f"{self.verb} {self.target or ''}".strip()
