"""The words the mock and the harness share, each defined once (a leaf module: imports nothing).

Each vocabulary is a ``Literal`` (so mypy checks every use) with the tuple of its values derived
from it; the harness imports these rather than spelling the values again.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

# How bad a finding is: the mock's validation findings and the auditor's alike.
Severity = Literal["error", "warning", "info"]
SEVERITIES: Final[tuple[Severity, ...]] = get_args(Severity)
SEVERITY_ORDER: Final[dict[str, int]] = {s: i for i, s in enumerate(SEVERITIES)}

# Record.kind: what a hit on the mock was, whatever host it arrived on. ``legacy_ping``: the
# legacy Podsights loader's ping; ``tampering``: a page's attempt to reach the control API
# through a Spotify host name (refused); ``fault``: a hit that a fault answered (5xx, reset), so
# never delivered; ``unknown``: no route matched.
RecordKind = Literal[
    "script",
    "ingest",
    "preflight",
    "image",
    "noscript",
    "conversion",
    "capi",
    "stats",
    "legacy_ping",
    "tampering",
    "fault",
    "unknown",
]
RECORD_KINDS: Final[tuple[RecordKind, ...]] = get_args(RecordKind)

# The query parameters that carry Spotify's click id: the live pixel reads ``spclid``, the setup
# guide's snippet ``sp_click_id`` (docs/evidence.md). The first is the default.
ClickIdParam = Literal["spclid", "sp_click_id"]
CLICK_ID_PARAMS: Final[tuple[ClickIdParam, ...]] = get_args(ClickIdParam)
DEFAULT_CLICK_ID_PARAM: Final[ClickIdParam] = CLICK_ID_PARAMS[0]
