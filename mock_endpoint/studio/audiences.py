"""Website-activity retargeting audiences evaluated over recorded pixel events.

A rules file (YAML or JSON) lists audiences::

    audiences:
      - name: all visitors
        rule: all_visitors
        lookback_days: 30
      - {name: product viewers, rule: {url_contains: /product}, lookback_days: 90}
      - {name: thanks page, rule: {url_equals: "https://shop.test/thanks"}}
      - {name: buyers, rule: {fired: purchase}, lookback_days: 180}

A user is a device id (the ``__spdt`` value) or, without one, the user agent. Only valid pixel
events within ``lookback_days`` (1..180, default 30) of the simulated now count. Fewer than
1,000 matched users is "below the 1,000-user minimum".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mock_endpoint.dedup import PIXEL_KINDS, normalise_event_name
from mock_endpoint.records import PixelEvent, Record
from mock_endpoint.studio.campaigns import StudioError
from mock_endpoint.studio.clock import DAY, SimClock
from mock_endpoint.studio.uploads import MINIMUM_USERS

MAX_LOOKBACK = 180
DEFAULT_LOOKBACK = 30
RULE_KINDS = ("all_visitors", "url_contains", "url_equals", "fired")


@dataclass(frozen=True, slots=True)
class AudienceRule:
    name: str
    kind: str  # one of RULE_KINDS
    value: str = ""
    lookback_days: int = DEFAULT_LOOKBACK

    def describe(self) -> str:
        if self.kind == "all_visitors":
            return "all visitors"
        label = {"url_contains": "URL contains", "url_equals": "URL equals", "fired": "fired"}
        return f"{label[self.kind]} {self.value!r}"

    def matches(self, event: PixelEvent, page: str | None) -> bool:
        url = event.url or page or ""
        if self.kind == "all_visitors":
            return True
        if self.kind == "url_contains":
            return self.value in url
        if self.kind == "url_equals":
            return url == self.value
        return normalise_event_name(event.name) == normalise_event_name(self.value)


@dataclass(frozen=True, slots=True)
class AudienceResult:
    rule: AudienceRule
    matched_users: int
    matched_events: int

    @property
    def below_minimum(self) -> bool:
        return self.matched_users < MINIMUM_USERS

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.rule.name,
            "rule": self.rule.describe(),
            "lookback_days": self.rule.lookback_days,
            "matched_users": self.matched_users,
            "matched_events": self.matched_events,
            "minimum": MINIMUM_USERS,
            "below_minimum": self.below_minimum,
        }


def _rule(raw: Any, where: str) -> AudienceRule:
    if not isinstance(raw, dict):
        raise StudioError(f"{where}: expected {{name, rule, lookback_days}}")
    unknown = set(raw) - {"name", "rule", "lookback_days"}
    if unknown:
        raise StudioError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise StudioError(f"{where}: name is required")
    lookback = raw.get("lookback_days", DEFAULT_LOOKBACK)
    if isinstance(lookback, bool) or not isinstance(lookback, int) or lookback < 1:
        raise StudioError(f"{where}: lookback_days must be a whole number of days (1..180)")
    if lookback > MAX_LOOKBACK:
        raise StudioError(f"{where}: lookback_days {lookback} exceeds the 180-day maximum")
    rule = raw.get("rule")
    if rule in ("all_visitors", {"all_visitors": True}):
        return AudienceRule(name, "all_visitors", "", lookback)
    if isinstance(rule, dict) and len(rule) == 1:
        ((kind, value),) = rule.items()
        if kind in RULE_KINDS[1:] and isinstance(value, str) and value:
            return AudienceRule(name, str(kind), value, lookback)
    raise StudioError(
        f"{where}: rule must be all_visitors, {{url_contains: TEXT}}, {{url_equals: URL}} "
        "or {fired: EVENT}"
    )


def load_rules(path: str | Path) -> list[AudienceRule]:
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
        data = json.loads(text) if source.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise StudioError(f"cannot read {source}: {getattr(exc, 'strerror', None) or exc}") from exc
    except (ValueError, yaml.YAMLError) as exc:
        lines = str(exc).strip().splitlines()
        raise StudioError(f"{source} is not valid YAML/JSON: {lines[0] if lines else exc}") from exc
    if isinstance(data, dict):
        data = data.get("audiences")
    if not isinstance(data, list) or not data:
        raise StudioError(f"{source}: expected a non-empty list of audiences")
    return [_rule(raw, f"{source}: audiences[{i}]") for i, raw in enumerate(data)]


def _user(event: PixelEvent, record: Record) -> str | None:
    if event.device_id:
        return f"d:{event.device_id}"
    if record.user_agent:
        return f"u:{record.user_agent}"
    return None


def evaluate(
    rules: Iterable[AudienceRule],
    records: Iterable[Record],
    clock: SimClock | None = None,
    *,
    now: float | None = None,
) -> list[AudienceResult]:
    clock = clock or SimClock()
    at = clock.now() if now is None else now
    hits = [
        (clock.sim(r.time), e, r)
        for r in records
        if r.kind in PIXEL_KINDS and r.valid
        for e in r.events
    ]
    results = []
    for rule in rules:
        since = at - rule.lookback_days * DAY
        users: set[str] = set()
        events = 0
        for when, event, record in hits:
            if since <= when <= at and rule.matches(event, record.page):
                events += 1
                user = _user(event, record)
                if user:
                    users.add(user)
        results.append(AudienceResult(rule, len(users), events))
    return results
