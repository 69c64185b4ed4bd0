"""Small helpers on captured values that facts and rules share: a URL without its fragment, a
URL's host, the capture's JSON-clone markers undone, and the parameters of an spdt call."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from harness.capture.timeline import SpdtCall


def norm(url: str | None) -> str:
    """A URL without its fragment, for matching a call, an event and a page."""
    if not url:
        return ""
    return str(url).split("#", 1)[0]


def host_of(url: str | None) -> str:
    """The lowercase host name of ``url`` ("" when it has none or does not parse)."""
    try:
        return (urlsplit(str(url or "")).hostname or "").lower()
    except ValueError:
        return ""


def decode_arg(value: Any) -> Any:
    """Undo the capture's JSON-clone markers: ``{__undefined__: true}`` → ``"undefined"``
    (an unfilled variable), ``{__nonfinite__: "NaN"}`` → ``nan``."""
    if isinstance(value, dict):
        if value.get("__undefined__") is True and len(value) == 1:
            return "undefined"
        if "__nonfinite__" in value and len(value) == 1:
            try:
                return float(str(value["__nonfinite__"]))
            except ValueError:
                return math.nan
        return {str(k): decode_arg(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_arg(v) for v in value]
    return value


def params_of(call: SpdtCall) -> Mapping[str, Any]:
    """The parameters object of an spdt call (its first argument), decoded; empty when the
    call has none."""
    if call.args and isinstance(call.args[0], dict):
        decoded = decode_arg(call.args[0])
        return decoded if isinstance(decoded, dict) else {}
    return {}
