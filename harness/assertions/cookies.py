"""Matching browser cookies against expected attributes, with near-miss explanations."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from harness.errors import AssertionFailed

if TYPE_CHECKING:
    from harness.context import PixelContext

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


def expect_cookie(
    ctx: PixelContext, name: str, *, timeout: float, attrs: Mapping[str, Any]
) -> dict[str, Any]:
    """A cookie of ``ctx`` named ``name`` with ``attrs``, as soon as the browser holds one; else
    fail listing the cookies of that name and what differs."""
    check_attrs(attrs)
    deadline = time.monotonic() + timeout
    while True:
        cookies = [c for c in ctx.cookies() if c.get("name") == name]
        for cookie in cookies:
            if not cookie_differences(cookie, attrs):
                return cookie
        if time.monotonic() >= deadline:
            break
        # cookies have no arrival event to wait on: look again shortly, within the bound
        ctx.page.wait_for_timeout(50)
    wanted = " ".join(f"{k}={v!r}" for k, v in attrs.items())
    if not cookies:
        names = sorted({str(c.get("name")) for c in ctx.cookies()})
        raise AssertionFailed(
            f"expected cookie {name} {wanted}".rstrip()
            + f"; no cookie named {name} (cookies: {', '.join(names) or 'none'})"
        )
    lines = [f"expected cookie {name} {wanted}; saw {len(cookies)} {name}:"]
    lines.extend(f"  - {', '.join(cookie_differences(c, attrs))}" for c in cookies)
    raise AssertionFailed("\n".join(lines))
