"""Value helpers the rules share: showing values, placeholders, numbers, ISO 4217 currencies."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

PLACEHOLDER_RE = re.compile(r"\{\{.*?\}\}|\$\{.*?\}|<%.*?%>|\[\[.*?\]\]|%%.+?%%", re.DOTALL)
PLACEHOLDER_WORDS = frozenset({"undefined", "null", "nan"})
# Currency symbols people put where the ISO code belongs → the code they most likely meant.
CURRENCY_SYMBOLS = {"$": "USD", "US$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY", "₹": "INR"}
HEX32_RE = re.compile(r"^[0-9a-f]{32}$")
HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
KEY_PLACEHOLDERS = frozenset({"your_pixel_id", "your_pixel_key", "pixel_id", "xxxxxxxx"})


def show(value: Any) -> str:
    """``'79,99' (str)``: a value and its type, as findings print it."""
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    type_name = "null" if value is None else type(value).__name__
    return f"{text} ({type_name})"


def is_placeholder(value: Any) -> bool:
    """An unfilled template placeholder: ``{{x}}``, ``${x}``, ``<%x%>``, ``[[x]]``, ``%%x%%``,
    the strings undefined/null/NaN, or an empty or whitespace-only string."""
    if not isinstance(value, str):
        return False
    stripped = value.strip()
    if not stripped or stripped.lower() in PLACEHOLDER_WORDS:
        return True
    return PLACEHOLDER_RE.search(value) is not None


def walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every leaf of ``value`` with its path (``line_items[0].product_id``)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, f"{path}[{i}]")
    else:
        yield path, value


def is_amount(value: Any) -> bool:
    """A finite JSON number >= 0 (booleans are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and value >= 0


def is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def is_id(value: Any) -> bool:
    """An identifier: a string or a finite number (not a boolean)."""
    if isinstance(value, str):
        return True
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@cache
def iso4217_codes() -> frozenset[str]:
    """Active ISO 4217 alphabetic codes, from pycountry (XXX "no currency" and XTS "testing"
    excluded: neither is a price currency)."""
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.currencies) - {"XXX", "XTS"}


def currency_problem(value: Any) -> str | None:
    """Why ``value`` is not an active ISO 4217 code (with a near miss), or None if it is one."""
    if isinstance(value, str) and value in iso4217_codes():
        return None
    base = f"{show(value)} is not an ISO 4217 currency code"
    if isinstance(value, str):
        upper = value.strip().upper()
        if upper in iso4217_codes():
            return f"{base}; did you mean {upper!r}? (codes are three uppercase letters)"
        symbol = CURRENCY_SYMBOLS.get(value.strip())
        if symbol:
            return f"{base}; a symbol, not a code: did you mean {symbol!r}?"
    return base
