"""Email normalisation and hashing for custom-audience uploads: trim, lowercase, SHA-256 hex
(the setup guide's "SHA-256 hashed emails")."""

from __future__ import annotations

import hashlib
import re

SHA256_HEX_RE = re.compile(r"^[0-9a-f]{64}$")
SHA256_ANY_CASE_RE = re.compile(r"^[0-9a-fA-F]{64}$")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def normalise_email(raw: str) -> str:
    return raw.strip().lower()


def hash_email(raw: str) -> str:
    """``'  Ann@Example.COM '`` → SHA-256 of ``'ann@example.com'`` (64 lowercase hex)."""
    return hashlib.sha256(normalise_email(raw).encode("utf-8")).hexdigest()


def redact(value: str) -> str:
    """An identifier as a report may show it: never the whole value."""
    text = value.strip()
    if "@" in text:
        return (text[:1] or "") + "***@***"
    if len(text) <= 6:
        return "***"
    return f"{text[:4]}…({len(text)} chars)"
