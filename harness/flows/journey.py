"""Journey steps and their parser (shared by the catalogue's flows and ``audit --journey``).

A journey is a list of one-key mappings::

    - land: https://shop.test/landing        # or {url: ..., click_id: ..., param: ...}
    - goto: https://shop.test/product
    - click: "#buy"
    - fill: {selector: "#email", value: "a@example.com"}
    - wait: {selector: "#done"}              # or {ms: 500} (a bounded pause, for animations)
    - consent: "#accept"                     # a click that marks the consent step
    - consent: {accept: "#a", reject: "#r", withdraw: "#w", tool: auto}   # see flows/consent.py
    - expect_event: {name: purchase, value: 79.99, currency: USD, timeout: 5}
    - expect_event: {name: view, count: 1, within: 2}   # exactly one, checked after 2 s
    - expect_no_pixel_traffic: {during: 2}  # nothing reaches Spotify's pixel hosts for 2 s
    - expose: click                          # or impression, audio, {kind, placement, campaign}
    - advance: 15d                           # move the simulated clock (docs/studio.md)
    - expect_attribution: {event: purchase, as: click}   # or {as: none, reason: window}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.errors import UsageError
from harness.flows import studio_steps
from harness.flows.consent import parse_controls
from harness.flows.step import Step

VERBS = (
    "land",
    "goto",
    "click",
    "fill",
    "wait",
    "consent",
    "expect_event",
    "expect_no_pixel_traffic",
    "expose",
    "advance",
    "expect_attribution",
)
NAVIGATING = ("land", "goto")  # the steps that open a page (their target is a URL)


@dataclass(frozen=True, slots=True)
class Journey:
    """A parsed journey (:func:`parse_journey`): checked once, then run as it is."""

    steps: tuple[Step, ...]

    def expected_events(self) -> list[Step]:
        """The ``expect_event`` steps that say an event must fire (``count: 0`` does not)."""
        return [s for s in self.steps if s.verb == "expect_event" and s.count != 0]

    @property
    def starts_with_navigation(self) -> bool:
        return bool(self.steps) and self.steps[0].verb in NAVIGATING

    def first_url(self) -> str | None:
        """The target of the first ``land`` or ``goto`` step (the page the journey opens)."""
        return next((s.target for s in self.steps if s.verb in NAVIGATING), None)

    def with_urls(self, resolve: Callable[[str], str]) -> Journey:
        """The same journey with every ``land`` and ``goto`` URL passed through ``resolve``."""
        return Journey(
            tuple(
                dataclasses.replace(s, target=resolve(s.target))
                if s.verb in NAVIGATING and s.target is not None
                else s
                for s in self.steps
            )
        )


def _target(verb: str, arg: Any, where: str) -> Step:
    if isinstance(arg, dict):
        arg = arg.get("url" if verb == "goto" else "selector")
    if not isinstance(arg, str) or not arg:
        raise UsageError(f"{where}: {verb} needs a {'URL' if verb == 'goto' else 'selector'}")
    return Step(verb, target=arg)


def _land(verb: str, arg: Any, where: str) -> Step:
    if isinstance(arg, str):
        return Step(verb, target=arg)
    if isinstance(arg, dict) and isinstance(arg.get("url"), str):
        click_id, param = arg.get("click_id"), arg.get("param")
        return Step(
            verb,
            target=arg["url"],
            value=None if click_id is None else str(click_id),
            param=None if param is None else str(param),
        )
    raise UsageError(f"{where}: land needs a URL or {{url, click_id, param}}")


def _consent(verb: str, arg: Any, where: str) -> Step:
    controls = parse_controls(arg, where)
    return Step(verb, target=controls.accept, consent=controls)


def _fill(verb: str, arg: Any, where: str) -> Step:
    if not isinstance(arg, dict) or not isinstance(arg.get("selector"), str):
        raise UsageError(f"{where}: fill needs {{selector, value}}")
    return Step(verb, target=arg["selector"], value=str(arg.get("value", "")))


def _wait(verb: str, arg: Any, where: str) -> Step:
    if isinstance(arg, int | float) and not isinstance(arg, bool):
        arg = {"ms": arg}
    elif isinstance(arg, str):
        arg = {"selector": arg}
    if isinstance(arg, dict) and isinstance(arg.get("selector"), str):
        return Step(verb, target=arg["selector"], timeout=_timeout(arg, where))
    if isinstance(arg, dict) and isinstance(arg.get("ms"), int | float):
        if not 0 <= arg["ms"] <= 60_000:  # also NaN and infinity (YAML .nan, .inf)
            raise UsageError(f"{where}: wait ms must be between 0 and 60000")
        return Step(verb, ms=int(arg["ms"]))
    raise UsageError(f"{where}: wait needs a selector or {{ms: N}}")


def _expect_event(verb: str, arg: Any, where: str) -> Step:
    if isinstance(arg, str):
        arg = {"name": arg}
    if not isinstance(arg, dict) or not isinstance(arg.get("name"), str):
        raise UsageError(f"{where}: expect_event needs a name")
    fields = {k: v for k, v in arg.items() if k not in ("name", "timeout", "count", "within")}
    count = arg.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
        raise UsageError(f"{where}: expect_event count must be a whole number ≥ 0")
    if "within" in arg and count is None:
        raise UsageError(f"{where}: expect_event within goes with count")
    return Step(
        verb,
        name=arg["name"],
        fields=fields,
        timeout=_timeout(arg, where),
        count=count,
        within=_seconds(arg, "within", where),
    )


def _no_traffic(verb: str, arg: Any, where: str) -> Step:
    if isinstance(arg, int | float) and not isinstance(arg, bool):
        arg = {"during": arg}
    if not isinstance(arg, dict) or "during" not in arg:
        raise UsageError(f"{where}: expect_no_pixel_traffic needs {{during: seconds}}")
    return Step(verb, within=_seconds(arg, "during", where))


_PARSERS: dict[str, Callable[[str, Any, str], Step]] = {
    "land": _land,
    "goto": _target,
    "click": _target,
    "consent": _consent,
    "fill": _fill,
    "wait": _wait,
    "expect_event": _expect_event,
    "expect_no_pixel_traffic": _no_traffic,
    "expose": studio_steps.parse_expose,
    "advance": studio_steps.parse_advance,
    "expect_attribution": studio_steps.parse_expect_attribution,
}


def _step(index: int, raw: Any) -> Step:
    where = f"journey step {index + 1}"
    if not isinstance(raw, dict) or len(raw) != 1:
        raise UsageError(f"{where}: expected one of {', '.join(VERBS)} as a one-key mapping")
    ((verb, arg),) = raw.items()
    if verb not in _PARSERS:
        raise UsageError(f"{where}: unknown step {verb!r}; steps are {', '.join(VERBS)}")
    return _PARSERS[verb](verb, arg, where)


def _timeout(arg: dict[str, Any], where: str) -> float | None:
    return _seconds(arg, "timeout", where)


def _seconds(arg: dict[str, Any], key: str, where: str) -> float | None:
    value = arg.get(key)
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= 300:
        raise UsageError(f"{where}: {key} must be a number of seconds between 0 and 300")
    return float(value)


def parse_journey(data: Any) -> Journey:
    if isinstance(data, dict) and "steps" in data:
        data = data["steps"]
    if not isinstance(data, list) or not data:
        raise UsageError("a journey is a non-empty list of steps")
    return Journey(tuple(_step(i, raw) for i, raw in enumerate(data)))
