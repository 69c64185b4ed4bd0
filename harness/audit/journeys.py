"""``audit --journey FILE``: a YAML journey, checked when it is loaded, bound to a base URL.

The file holds the steps of :mod:`harness.flows.journey` (a list, or a mapping with ``steps``).
``land`` and ``goto`` targets may be relative (``/checkout``): they are resolved against the URL
given on the command line, so one journey can be run against staging and production.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml

from harness.errors import UsageError
from harness.flows.journey import parse_journey

MAX_JOURNEY_BYTES = 1_000_000
NAVIGATING = ("land", "goto")


@dataclass(frozen=True, slots=True)
class JourneyFile:
    name: str  # the file name, as reports show it
    steps: tuple[dict[str, Any], ...]

    @property
    def starts_with_navigation(self) -> bool:
        return bool(self.steps) and next(iter(self.steps[0])) in NAVIGATING

    def first_url(self) -> str | None:
        for step in self.steps:
            verb, arg = next(iter(step.items()))
            if verb in NAVIGATING:
                target = arg.get("url") if isinstance(arg, dict) else arg
                return target if isinstance(target, str) else None
        return None


def load_journey_file(path: Path) -> JourneyFile:
    try:
        if path.stat().st_size > MAX_JOURNEY_BYTES:
            raise UsageError(f"journey {path}: larger than {MAX_JOURNEY_BYTES} bytes")
        text = path.read_text("utf-8")
    except FileNotFoundError as exc:
        raise UsageError(f"journey {path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"journey {path}: cannot read: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise UsageError(f"journey {path}: {problem}{where}") from exc
    try:
        parse_journey(data)
    except UsageError as exc:
        raise UsageError(f"journey {path}: {exc}") from exc
    if isinstance(data, dict):
        data = data["steps"]
    return JourneyFile(path.name, tuple(dict(step) for step in data))


def bind_journey(
    journey: JourneyFile, base_url: str | None, *, click_id: bool
) -> list[dict[str, Any]]:
    """The steps to run: relative URLs resolved against ``base_url``; a landing on ``base_url``
    first unless the journey starts by navigating; ``land`` becomes ``goto`` without a click id."""
    steps: list[dict[str, Any]] = []
    if not journey.starts_with_navigation:
        if base_url is None:
            raise UsageError(
                f"journey {journey.name} does not start with land or goto; give the URL to "
                "start from on the command line"
            )
        steps.append({"land": base_url})
    for raw in journey.steps:
        verb, arg = next(iter(raw.items()))
        if verb in NAVIGATING:
            arg = _resolve(arg, base_url, journey.name)
        if verb == "land" and not click_id:
            verb = "goto"
            arg = arg.get("url") if isinstance(arg, dict) else arg
        steps.append({verb: arg})
    if not click_id and "land" in steps[0]:
        steps[0] = {"goto": steps[0]["land"]}
    return steps


def _resolve(arg: Any, base_url: str | None, name: str) -> Any:
    url = arg.get("url") if isinstance(arg, dict) else arg
    if not isinstance(url, str):
        return arg
    if not urlsplit(url).scheme:
        if base_url is None:
            raise UsageError(
                f"journey {name}: {url!r} is relative; give the site's URL on the command line"
            )
        url = urljoin(base_url, url)
    if urlsplit(url).scheme not in ("http", "https"):
        raise UsageError(f"journey {name}: {url!r} is not an http(s) URL")
    return {**arg, "url": url} if isinstance(arg, dict) else url
