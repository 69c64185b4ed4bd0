"""ISO 8601 UTC timestamps, as CAPI and the guide's endpoint require them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from mock_endpoint.validation.values import show

ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$")
CLOCK_SKEW = timedelta(seconds=60)  # a timestamp this far ahead still counts as "now"


def utc_time_problem(value: Any, field: str) -> tuple[str | None, datetime | None]:
    """(problem, parsed): why ``value`` is not an ISO 8601 UTC timestamp, or the parsed time."""
    if not isinstance(value, str) or not ISO_RE.match(value):
        return f"{field} {show(value)} is not an ISO 8601 timestamp like 2026-03-01T15:30:00Z", None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return f"{field} {show(value)} is not a valid date and time", None
    if parsed.tzinfo is None:
        return f"{field} {value!r} has no time zone: append Z (UTC)", None
    if parsed.utcoffset() != timedelta(0):
        return f"{field} {value!r} is not in UTC (offset {parsed.utcoffset()}): use Z", None
    return None, parsed


def future_problem(parsed: datetime | None, field: str, raw: Any, now: datetime) -> str | None:
    if parsed is not None and parsed > now.astimezone(UTC) + CLOCK_SKEW:
        return f"{field} {raw!r} is in the future (now {now.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ})"
    return None
