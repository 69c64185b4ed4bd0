"""Value helpers the rules share: showing values, placeholders, numbers, ISO 4217 currencies."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from functools import cache
from typing import Any
from urllib.parse import unquote

PLACEHOLDER_RE = re.compile(r"\{\{.*?\}\}|\$\{.*?\}|<%.*?%>|\[\[.*?\]\]|%%.+?%%", re.DOTALL)
PLACEHOLDER_WORDS = frozenset({"undefined", "null", "nan"})
# Currency symbols people put where the ISO code belongs → the code they most likely meant.
CURRENCY_SYMBOLS = {"$": "USD", "US$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY", "₹": "INR"}
HEX32_RE = re.compile(r"^[0-9a-f]{32}$")
HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
KEY_PLACEHOLDERS = frozenset({"your_pixel_id", "your_pixel_key", "pixel_id", "xxxxxxxx"})
# Snippet tokens: ALL_CAPS words joined by underscores that start like an instruction
# (INSERT_VALUE, YOUR_ORDER_ID), name a documented parameter (VARIANT_NAME, DISCOUNT_CODE) or end
# in a word that names what belongs there (CART_TOTAL_VALUE, CUSTOMER_EMAIL).
SNIPPET_TOKEN_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
SNIPPET_PREFIXES = frozenset({"INSERT", "YOUR", "ENTER", "REPLACE"})
SNIPPET_SUFFIXES = frozenset(
    {"ID", "NAME", "VALUE", "CURRENCY", "QUANTITY", "VENDOR", "EMAIL", "PHONE", "NUMBER", "HERE"}
)
SNIPPET_NAMES = frozenset(
    {
        "order_id",
        "event_id",
        "discount_code",
        "product_id",
        "product_name",
        "product_type",
        "product_vendor",
        "variant_id",
        "variant_name",
        "is_new_customer",
        "line_items",
        "pixel_id",
        "pixel_key",
    }
)
EMAIL_IN_TEXT_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE_CHARS_RE = re.compile(r"^\+?[\d\s().-]+$")
PHONE_NAME_RE = re.compile(r"phone|mobile|(?:^|_)tel(?:$|_|ephone)|cell", re.IGNORECASE)


def show(value: Any) -> str:
    """``'79,99' (str)``: a value and its type, as findings print it."""
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    type_name = "null" if value is None else type(value).__name__
    return f"{text} ({type_name})"


def is_template_token(value: Any, name: str | None = None) -> bool:
    """A template or snippet token left unfilled: ``{{x}}``, ``${x}``, ``<%x%>``, ``[[x]]``,
    ``%%x%%``, Spotify's ``INSERT_*`` tokens and all-caps snippet tokens such as
    ``VARIANT_NAME`` or ``YOUR_ORDER_ID`` (``name``: the parameter holding it, so that
    ``currency: 'CURRENCY'`` counts too). Short all-caps values (``USD``, ``B2B``), order ids
    (``SP-ORD-12345``) and CAPI's own names (``ADD_TO_CART``) are not tokens."""
    if not isinstance(value, str):
        return False
    # Every PLACEHOLDER_RE form holds one of these characters: most values skip the search.
    if ("{" in value or "<" in value or "[" in value or "%" in value) and PLACEHOLDER_RE.search(
        value
    ) is not None:
        return True
    token = value.strip()
    if name is not None and len(token) > 3 and token == name.upper() and token.isalpha():
        return True
    if "_" not in token or not SNIPPET_TOKEN_RE.match(token):
        return False
    words = token.split("_")
    return (
        words[0] in SNIPPET_PREFIXES
        or token.lower() in SNIPPET_NAMES
        or words[-1] in SNIPPET_SUFFIXES
    )


def is_placeholder(value: Any, name: str | None = None) -> bool:
    """An unfilled value: a template or snippet token (:func:`is_template_token`), the strings
    undefined/null/NaN, or an empty or whitespace-only string. Callers apply the last two only
    to documented fields: an empty *undocumented* field is not an install error."""
    if not isinstance(value, str):
        return False
    stripped = value.strip()
    if not stripped or stripped.lower() in PLACEHOLDER_WORDS:
        return True
    return is_template_token(value, name)


def _has_email(text: str) -> bool:
    """An email address around one of the first ``@`` signs: linear in the length of ``text``
    (a page may send megabytes; a regex search over all of it can backtrack quadratically)."""
    start = 0
    for _ in range(20):
        at = text.find("@", start)
        if at < 0:
            return False
        if EMAIL_IN_TEXT_RE.search(text[max(0, at - 128) : at + 256]):
            return True
        start = at + 1
    return False


def personal_data(name: str, value: Any) -> str | None:
    """``'an email address'`` or ``'a phone number'`` when ``value`` (under the field ``name``)
    is raw personal data, else None. A phone number is an international number (``+44 …``) or
    7 to 15 digits under a field named like a phone; other digit strings are ids."""
    if not isinstance(value, str):
        return None
    text = unquote(value) if "%40" in value.lower() else value
    if _has_email(text):
        return "an email address"
    if len(text) > 40:
        return None  # longer than any phone number, however written
    # The pattern before the digit count: most values fail it at once.
    if not PHONE_CHARS_RE.match(text.strip()) or not 7 <= sum(c.isdigit() for c in text) <= 15:
        return None
    named = PHONE_NAME_RE.search(name) is not None
    if named or (text.strip().startswith("+") and sum(c.isdigit() for c in text) >= 8):
        return "a phone number"
    return None


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
