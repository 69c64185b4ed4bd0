"""Matching recorded pixel events against an expectation, and explaining near misses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_endpoint.records import PixelEvent
from mock_endpoint.validation.params import PARAMETERS, coerce, conforms

# Expectation fields that live on the event itself rather than in its parameters.
EVENT_FIELDS = ("key", "click_id", "device_id", "url", "event_id")
_MISSING = object()


def _quoted_number(key: str, actual: Any, expected: Any) -> bool:
    """A documented number parameter the page sent as a string that parses cleanly as the
    expected number (``value: '79.99'`` for ``value=79.99``): Spotify's schema coerces, and its
    own examples write ``value: '133.55'`` (docs/evidence.md). The parameter table decides."""
    kind = PARAMETERS.get(key)
    if kind not in ("float", "int") or key in EVENT_FIELDS or not isinstance(actual, str):
        return False
    if isinstance(expected, bool) or not isinstance(expected, int | float):
        return False
    return conforms(kind, actual) and coerce(kind, actual) == expected


def _show(value: Any) -> str:
    if value is _MISSING:
        return "missing"
    return f"{value!r} ({type(value).__name__})"


@dataclass(frozen=True, slots=True)
class EventMatcher:
    """An event name plus the fields that must equal, type included (``"79.99"`` ≠ ``79.99``),
    except that a documented number parameter sent as a clean numeric string matches the
    number (``value '79.99'`` matches ``value=79.99``; ``'79,99'`` does not)."""

    name: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def _actual(self, event: PixelEvent, key: str) -> Any:
        if key in EVENT_FIELDS:
            value = getattr(event, key)
            return _MISSING if value is None else value
        return event.params.get(key, _MISSING)

    def differences(self, event: PixelEvent) -> list[str]:
        """What differs, field by field; empty when the event matches."""
        diffs: list[str] = []
        if event.name != self.name:
            diffs.append(f"event {event.name!r} ≠ {self.name!r}")
        for key, expected in self.fields.items():
            actual = self._actual(event, key)
            if actual is _MISSING or actual != expected or type(actual) is not type(expected):
                if isinstance(expected, float) and type(actual) is int and actual == expected:
                    continue
                if _quoted_number(key, actual, expected):
                    continue
                diffs.append(f"{key} {_show(actual)} ≠ {expected!r}")
        return diffs

    def matches(self, event: PixelEvent) -> bool:
        return not self.differences(event)

    def describe(self) -> str:
        parts = " ".join(f"{k}={v!r}" for k, v in self.fields.items())
        return f"{self.name} {parts}".strip()


def near_miss_report(matcher: EventMatcher, seen: Iterable[PixelEvent], limit: int = 5) -> str:
    """``expected purchase value=79.99; saw 1 purchase: value '79,99' (str) ≠ 79.99``."""
    events = list(seen)
    same = [e for e in events if e.name == matcher.name]
    lines = [f"expected {matcher.describe()}"]
    if same:
        lines[0] += f"; saw {len(same)} {matcher.name}:"
        ranked = sorted(same, key=lambda e: len(matcher.differences(e)))
        lines.extend(f"  - {', '.join(matcher.differences(e))}" for e in ranked[:limit])
    else:
        names = sorted({e.name for e in events})
        lines[0] += f"; saw no {matcher.name}" + (
            f" (events seen: {', '.join(names)})" if names else " (no pixel events at all)"
        )
    return "\n".join(lines)


def _tally(events: Iterable[PixelEvent]) -> str:
    counts: dict[str, int] = {}
    for event in events:
        counts[event.name] = counts.get(event.name, 0) + 1
    return ", ".join(f"{name} ({n})" for name, n in sorted(counts.items())) or "none"


def count_report(
    matcher: EventMatcher,
    count: int,
    seen: Iterable[PixelEvent],
    within: float,
    limit: int = 5,
) -> str:
    """Why ``count`` matching events were not seen: the ones that matched (too many) or the
    near misses (too few), then every event of the session by name::

        expected exactly 1 view within 2 s; saw 2:
          - view on https://shop.test/landing
          - view on https://shop.test/landing
        events seen: purchase (1), view (2)
    """
    events = list(seen)
    matched = [e for e in events if matcher.matches(e)]
    head = f"expected exactly {count} {matcher.describe()} within {within:g} s; saw {len(matched)}"
    lines: list[str] = []
    if len(matched) > count:
        lines.append(head + ":")
        lines.extend(f"  - {e.name} on {e.url or 'an unknown page'}" for e in matched[:limit])
        if len(matched) > limit:
            lines.append(f"  - … {len(matched) - limit} more")
    else:
        near = [e for e in events if e.name == matcher.name and not matcher.matches(e)]
        if near:
            lines.append(head + f", and {len(near)} {matcher.name} that differ:")
            ranked = sorted(near, key=lambda e: len(matcher.differences(e)))
            lines.extend(f"  - {', '.join(matcher.differences(e))}" for e in ranked[:limit])
        else:
            lines.append(head)
    lines.append(f"events seen: {_tally(events)}")
    return "\n".join(lines)
