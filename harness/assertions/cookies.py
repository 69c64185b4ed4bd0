"""Matching browser cookies against expected attributes, with near-miss explanations."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

# expect_cookie keyword → the key in Playwright's cookie dict
ATTRIBUTES = {
    "value": "value",
    "domain": "domain",
    "path": "path",
    "secure": "secure",
    "http_only": "httpOnly",
    "same_site": "sameSite",
}
DAY = 86_400.0


def cookie_differences(
    cookie: Mapping[str, Any], attrs: Mapping[str, Any], *, now: float | None = None
) -> list[str]:
    """What differs between one cookie and the expectation; empty when it matches.

    ``min_days``/``max_days`` bound the remaining lifetime (a session cookie has none).
    """
    diffs = []
    for key, expected in attrs.items():
        if key in ("min_days", "max_days"):
            continue
        actual = cookie.get(ATTRIBUTES[key])
        if key == "domain" and isinstance(actual, str) and isinstance(expected, str):
            same = actual.lstrip(".") == expected.lstrip(".") and (
                actual.startswith(".") == expected.startswith(".")
            )
        else:
            same = actual == expected
        if not same:
            diffs.append(f"{key} {actual!r} ≠ {expected!r}")
    expires = float(cookie.get("expires", -1))
    left = None if expires < 0 else (expires - (now or time.time())) / DAY
    if "min_days" in attrs and (left is None or left < attrs["min_days"]):
        shown = "a session cookie" if left is None else f"{left:.1f} days left"
        diffs.append(f"lifetime {shown} < {attrs['min_days']} days")
    if "max_days" in attrs and left is not None and left > attrs["max_days"]:
        diffs.append(f"lifetime {left:.1f} days > {attrs['max_days']} days")
    return diffs


def check_attrs(attrs: Mapping[str, Any]) -> None:
    unknown = set(attrs) - set(ATTRIBUTES) - {"min_days", "max_days"}
    if unknown:
        allowed = ", ".join([*ATTRIBUTES, "min_days", "max_days"])
        raise TypeError(f"expect_cookie: unknown attribute(s) {sorted(unknown)}; use {allowed}")
