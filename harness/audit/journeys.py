"""``audit --journey FILE``: a YAML journey, checked when it is loaded, bound to a base URL.

The file holds the steps of :mod:`harness.flows.journey` (a list, or a mapping with ``steps``).
``land`` and ``goto`` targets may be relative (``/checkout``): they are resolved against the URL
given on the command line, so one journey can be run against staging and production.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import yaml

from harness.errors import UsageError
from harness.flows.journey import NAVIGATING, Journey, parse_journey
from harness.flows.step import Step

MAX_JOURNEY_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class JourneyFile:
    """A journey file, parsed (and so checked) once, when it is loaded."""

    name: str  # the file name, as reports show it
    journey: Journey

    @property
    def starts_with_navigation(self) -> bool:
        return self.journey.starts_with_navigation

    def first_url(self) -> str | None:
        return self.journey.first_url()


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
        journey = parse_journey(data)
    except UsageError as exc:
        raise UsageError(f"journey {path}: {exc}") from exc
    return JourneyFile(path.name, journey)


def bind_journey(journey: JourneyFile, base_url: str | None, *, click_id: bool) -> Journey:
    """The journey to run: relative URLs resolved against ``base_url``; a landing on ``base_url``
    first unless the journey starts by navigating; ``land`` becomes ``goto`` without a click id
    (and drops the landing's own click id and parameter)."""
    steps: list[Step] = []
    if not journey.starts_with_navigation:
        if base_url is None:
            raise UsageError(
                f"journey {journey.name} does not start with land or goto; give the URL to "
                "start from on the command line"
            )
        steps.append(Step("land", target=base_url))
    steps.extend(_bind(step, base_url, journey.name, click_id) for step in journey.journey.steps)
    if not click_id and steps[0].verb == "land":
        steps[0] = Step("goto", target=steps[0].target)
    return Journey(tuple(steps))


def _bind(step: Step, base_url: str | None, name: str, click_id: bool) -> Step:
    if step.verb not in NAVIGATING or step.target is None:
        return step
    url = _resolve(step.target, base_url, name)
    if step.verb == "land" and not click_id:
        return Step("goto", target=url)
    return dataclasses.replace(step, target=url)


def _resolve(url: str, base_url: str | None, name: str) -> str:
    if not urlsplit(url).scheme:
        if base_url is None:
            raise UsageError(
                f"journey {name}: {url!r} is relative; give the site's URL on the command line"
            )
        url = urljoin(base_url, url)
    if urlsplit(url).scheme not in ("http", "https"):
        raise UsageError(f"journey {name}: {url!r} is not an http(s) URL")
    return url
