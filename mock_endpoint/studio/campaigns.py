"""Campaigns and exposures, and the studio file (YAML or JSON) that declares them.

A campaign has an id, a name and two attribution windows: click-through 1..30 days (default 14)
and view-through 1..7 days (default 1), as the setup guide states. An exposure is an
``impression`` or an ``audio`` ad (both views) or a ``click`` on the CTA card or the companion
banner (which carries a click id). Each exposure has a simulated time and an identity: the
click id, the device id (the ``__spdt`` cookie) or the IP and user agent.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml

ExposureKind = Literal["impression", "audio", "click"]
EXPOSURE_KINDS: tuple[str, ...] = ("impression", "audio", "click")
VIEW_KINDS = frozenset({"impression", "audio"})
PLACEMENTS: tuple[str, ...] = ("cta", "companion")
CLICK_WINDOW = (1, 30, 14)  # min, max, default (days)
VIEW_WINDOW = (1, 7, 1)
ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_EXPOSURES = 100_000


class StudioError(ValueError):
    """A campaign, exposure or studio file is wrong (HTTP 400, CLI exit 2)."""


def _window(data: dict[str, Any], name: str, bounds: tuple[int, int, int], where: str) -> int:
    lo, hi, default = bounds
    value = data.get(name, default)
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole:
        raise StudioError(f"{where}: {name} must be a whole number of days ({lo}..{hi})")
    if not lo <= value <= hi:
        raise StudioError(f"{where}: {name} {int(value)} is outside {lo}..{hi} days")
    return int(value)


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    name: str
    click_window_days: int = CLICK_WINDOW[2]
    view_window_days: int = VIEW_WINDOW[2]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any, where: str = "campaign") -> Campaign:
        if not isinstance(data, dict):
            raise StudioError(f"{where}: expected a mapping {{id, name, click_window_days, ...}}")
        ident = data.get("id")
        valid_id = isinstance(ident, str | int) and not isinstance(ident, bool)
        if not valid_id or not ID_RE.match(str(ident)):
            raise StudioError(f"{where}: id must match [A-Za-z0-9_-]{{1,64}}")
        unknown = set(data) - {"id", "name", "click_window_days", "view_window_days"}
        if unknown:
            raise StudioError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        name = data.get("name", str(ident))
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise StudioError(f"{where}: name must be a non-empty string (at most 200 characters)")
        return cls(
            str(ident),
            name,
            _window(data, "click_window_days", CLICK_WINDOW, where),
            _window(data, "view_window_days", VIEW_WINDOW, where),
        )


MAX_TIME = 253_402_300_799.0  # 9999-12-31T23:59:59Z


def parse_time(value: Any, where: str) -> float:
    """Epoch seconds, or an ISO 8601 time (a time without a zone is UTC), 1970..9999."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not 0 <= value <= MAX_TIME:  # also rejects nan
            raise StudioError(f"{where}: time {value!r} is outside 1970..9999")
        return float(value)
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise StudioError(f"{where}: time {value[:40]!r} is not ISO 8601") from None
    else:
        raise StudioError(f"{where}: time must be ISO 8601 or epoch seconds")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return parse_time(moment.timestamp(), where)


@dataclass(frozen=True, slots=True)
class Exposure:
    """One ad exposure. ``time`` is simulated epoch seconds."""

    campaign: str
    kind: str  # impression, audio, click
    time: float
    click_id: str | None = None
    device_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    placement: str | None = None  # clicks: cta or companion
    id: str = ""

    @property
    def is_click(self) -> bool:
        return self.kind == "click"

    def identity(self) -> str:
        if self.click_id:
            return f"click id {self.click_id}"
        if self.device_id:
            return f"device id {self.device_id}"
        return "IP + user agent"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any, where: str = "exposure") -> Exposure:
        if not isinstance(data, dict):
            raise StudioError(f"{where}: expected a mapping {{campaign, kind, time, ...}}")
        fields = {"campaign", "kind", "time", "click_id", "device_id", "ip", "user_agent"}
        unknown = set(data) - fields - {"placement", "id"}
        if unknown:
            raise StudioError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        kind = data.get("kind")
        if kind not in EXPOSURE_KINDS:
            raise StudioError(f"{where}: kind must be one of {', '.join(EXPOSURE_KINDS)}")
        campaign = data.get("campaign")
        if not isinstance(campaign, str | int) or not ID_RE.match(str(campaign)):
            raise StudioError(f"{where}: campaign must name a campaign id")
        if "time" not in data:
            raise StudioError(f"{where}: time is required (ISO 8601 or epoch seconds)")
        texts: dict[str, str | None] = {}
        for name in ("click_id", "device_id", "ip", "user_agent", "placement", "id"):
            value = data.get(name)
            if value is not None and (not isinstance(value, str | int) or isinstance(value, bool)):
                raise StudioError(f"{where}: {name} must be a string")
            texts[name] = None if value is None or str(value) == "" else str(value)[:1000]
        placement = texts["placement"]
        if kind == "click":
            if not texts["click_id"]:
                raise StudioError(f"{where}: a click carries a click_id")
            placement = placement or "cta"
            if placement not in PLACEMENTS:
                raise StudioError(f"{where}: placement must be cta or companion")
        elif placement is not None:
            raise StudioError(f"{where}: only a click has a placement (cta or companion)")
        elif not (texts["device_id"] or texts["user_agent"] or texts["click_id"]):
            raise StudioError(f"{where}: a view needs an identity: device_id or ip + user_agent")
        return cls(
            campaign=str(campaign),
            kind=str(kind),
            time=parse_time(data["time"], where),
            click_id=texts["click_id"],
            device_id=texts["device_id"],
            ip=texts["ip"],
            user_agent=texts["user_agent"],
            placement=placement,
            id=texts["id"] or "",
        )


def load_studio_data(data: Any, source: str = "studio file") -> dict[str, Any]:
    """``{campaigns: [...], exposures: [...], clock: {...}}`` checked; raises StudioError."""
    if not isinstance(data, dict):
        raise StudioError(f"{source}: expected a mapping with campaigns (and exposures)")
    unknown = set(data) - {"campaigns", "exposures", "clock"}
    if unknown:
        raise StudioError(f"{source}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    raw_campaigns = data.get("campaigns") or []
    raw_exposures = data.get("exposures") or []
    if not isinstance(raw_campaigns, list) or not isinstance(raw_exposures, list):
        raise StudioError(f"{source}: campaigns and exposures are lists")
    if len(raw_exposures) > MAX_EXPOSURES:
        raise StudioError(f"{source}: more than {MAX_EXPOSURES} exposures")
    campaigns = [
        Campaign.from_json(c, f"{source}: campaigns[{i}]") for i, c in enumerate(raw_campaigns)
    ]
    ids = [c.id for c in campaigns]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise StudioError(f"{source}: campaign id(s) declared twice: {', '.join(dupes)}")
    exposures = []
    for i, e in enumerate(raw_exposures):
        exposure = Exposure.from_json(e, f"{source}: exposures[{i}]")
        if exposure.campaign not in ids:
            raise StudioError(f"{source}: exposures[{i}]: no campaign {exposure.campaign!r}")
        exposures.append(exposure)
    return {"campaigns": campaigns, "exposures": exposures, "clock": data.get("clock")}


def load_studio_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON studio file; StudioError names the file and what is wrong."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StudioError(f"cannot read {source}: {getattr(exc, 'strerror', None) or exc}") from exc
    try:
        data = json.loads(text) if source.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StudioError(f"{source} is not valid YAML/JSON: {first}") from exc
    return load_studio_data(data, str(source))
