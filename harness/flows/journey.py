"""Journey steps and their parser (shared by the catalogue's flows and ``audit --journey``).

A journey is a list of one-key mappings::

    - land: https://shop.test/landing        # or {url: ..., click_id: ..., param: ...}
    - goto: https://shop.test/product
    - click: "#buy"
    - fill: {selector: "#email", value: "a@example.com"}
    - wait: {selector: "#done"}              # or {ms: 500} (a bounded pause, for animations)
    - consent: "#accept"                     # a click that marks the consent step
    - expect_event: {name: purchase, value: 79.99, currency: USD, timeout: 5}
    - expose: click                          # or impression, audio, {kind, placement, campaign}
    - advance: 15d                           # move the simulated clock (docs/studio.md)
    - expect_attribution: {event: purchase, as: click}   # or {as: none, reason: window}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.errors import UsageError
from harness.flows import studio_steps

VERBS = (
    "land",
    "goto",
    "click",
    "fill",
    "wait",
    "consent",
    "expect_event",
    "expose",
    "advance",
    "expect_attribution",
)


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

    def describe(self) -> str:
        if self.verb == "expect_event":
            extra = " ".join(f"{k}={v!r}" for k, v in self.fields.items())
            return f"expect_event {self.name} {extra}".strip()
        if self.verb in ("expose", "expect_attribution"):
            extra = " ".join(f"{k}={v}" for k, v in self.fields.items())
            return f"{self.verb} {self.target or self.name or ''} {extra}".strip()
        if self.verb == "wait" and self.ms is not None:
            return f"wait {self.ms} ms"
        return f"{self.verb} {self.target or ''}".strip()


@dataclass(frozen=True, slots=True)
class Journey:
    steps: tuple[Step, ...]

    def expected_events(self) -> list[Step]:
        return [s for s in self.steps if s.verb == "expect_event"]


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
        ms = int(arg["ms"])
        if not 0 <= ms <= 60_000:
            raise UsageError(f"{where}: wait ms must be between 0 and 60000")
        return Step(verb, ms=ms)
    raise UsageError(f"{where}: wait needs a selector or {{ms: N}}")


def _expect_event(verb: str, arg: Any, where: str) -> Step:
    if isinstance(arg, str):
        arg = {"name": arg}
    if not isinstance(arg, dict) or not isinstance(arg.get("name"), str):
        raise UsageError(f"{where}: expect_event needs a name")
    fields = {k: v for k, v in arg.items() if k not in ("name", "timeout")}
    return Step(verb, name=arg["name"], fields=fields, timeout=_timeout(arg, where))


_PARSERS: dict[str, Callable[[str, Any, str], Step]] = {
    "land": _land,
    "goto": _target,
    "click": _target,
    "consent": _target,
    "fill": _fill,
    "wait": _wait,
    "expect_event": _expect_event,
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
    value = arg.get("timeout")
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= 300:
        raise UsageError(f"{where}: timeout must be a number of seconds between 0 and 300")
    return float(value)


def parse_journey(data: Any) -> Journey:
    if isinstance(data, dict) and "steps" in data:
        data = data["steps"]
    if not isinstance(data, list) or not data:
        raise UsageError("a journey is a non-empty list of steps")
    return Journey(tuple(_step(i, raw) for i, raw in enumerate(data)))
