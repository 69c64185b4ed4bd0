"""Frozen record types: what the mock saw, with its verdict."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, cast

from mock_endpoint.vocab import RECORD_KINDS, SEVERITIES, RecordKind, Severity

__all__ = ["RECORD_KINDS", "SEVERITIES", "PixelEvent", "Record", "Severity", "ValidationFinding"]


def _kind(value: Any) -> RecordKind:
    if value not in RECORD_KINDS:
        raise ValueError(f"unknown record kind {value!r}")
    return cast(RecordKind, value)


@dataclass(frozen=True, slots=True)
class ValidationFinding:
    code: str
    severity: Severity
    message: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ValidationFinding:
        severity = data["severity"]
        if severity not in SEVERITIES:
            raise ValueError(f"unknown severity {severity!r}")
        return cls(str(data["code"]), severity, str(data["message"]))


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

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PixelEvent:
        return cls(
            name=data["name"],
            key=data.get("key"),
            params=dict(data.get("params") or {}),
            url=data.get("url"),
            click_id=data.get("click_id"),
            device_id=data.get("device_id"),
            event_id=data.get("event_id"),
        )


@dataclass(frozen=True, slots=True)
class Record:
    """One hit on the mock, valid or not. Never mutated; invalid hits are kept too."""

    id: int
    time: float
    session: str
    host: str
    method: str
    path: str
    kind: RecordKind  # what the hit was: one of RECORD_KINDS
    status: int
    query: dict[str, str] = field(default_factory=dict)
    payload: Any = None
    page: str | None = None
    user_agent: str | None = None
    events: tuple[PixelEvent, ...] = ()
    findings: tuple[ValidationFinding, ...] = ()
    # How the answer went when a fault held it: "" (as usual), "delayed" (recorded on arrival,
    # answered after the delay) or "abandoned" (the client went away before the answer).
    answer: str = ""
    # Request headers that matter for attribution, on image pixel hits only: X-Forwarded-For,
    # User-Agent, Referer (never Authorization or cookies).
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["valid"] = self.valid
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        """The inverse of :meth:`to_json` (``valid`` is derived, so it is ignored)."""
        return cls(
            id=int(data["id"]),
            time=float(data["time"]),
            session=str(data["session"]),
            host=str(data["host"]),
            method=str(data["method"]),
            path=str(data["path"]),
            kind=_kind(data["kind"]),
            status=int(data["status"]),
            query=dict(data.get("query") or {}),
            payload=data.get("payload"),
            page=data.get("page"),
            user_agent=data.get("user_agent"),
            events=tuple(PixelEvent.from_json(e) for e in data.get("events") or ()),
            findings=tuple(ValidationFinding.from_json(f) for f in data.get("findings") or ()),
            answer=str(data.get("answer") or ""),
            headers={str(k): str(v) for k, v in (data.get("headers") or {}).items()},
        )
