"""Frozen record types: what the mock saw, with its verdict."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    message: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class PixelEvent:
    """One event of an ingest batch (or of an image/noscript hit, or a server-side event)."""

    name: str
    key: str | None
    params: dict[str, Any] = field(default_factory=dict)
    url: str | None = None
    click_id: str | None = None
    device_id: str | None = None
    event_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Record:
    """One hit on the mock, valid or not. Never mutated; invalid hits are kept too."""

    id: int
    time: float
    session: str
    host: str
    method: str
    path: str
    kind: str  # script, ingest, image, noscript, conversion, capi, stats, preflight, unknown
    status: int
    query: dict[str, str] = field(default_factory=dict)
    payload: Any = None
    page: str | None = None
    user_agent: str | None = None
    events: tuple[PixelEvent, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["valid"] = self.valid
        return data
