"""One validation rule table for the mock and the auditor (docs/mock.md, "Validation").

    from mock_endpoint.validation import validate_pixel_event
    validate_pixel_event("purchase", key, {"value": "79,99", "currency": "USD"})
    # (ValidationFinding('INVALID_VALUE', 'error', "value '79,99' (str) is not a number >= 0"),)

Every rule is registered in :mod:`mock_endpoint.validation.registry` with a stable code, a
severity, a scope (pixel, capi, conversion) and a description; :func:`all_rules` lists them.
"""

from __future__ import annotations

from mock_endpoint.validation import http as _http  # noqa: F401 - registers HTTP-level codes
from mock_endpoint.validation.capi import (
    CAPI_EVENT_NAMES,
    validate_capi_auth,
    validate_capi_envelope,
    validate_capi_event,
)
from mock_endpoint.validation.conversion import validate_conversion, validate_conversion_auth
from mock_endpoint.validation.pixel import KNOWN_EVENTS, validate_pixel_event
from mock_endpoint.validation.registry import ValidationRule, all_rules, get_rule, rules_for
from mock_endpoint.validation.values import is_placeholder, iso4217_codes

__all__ = [
    "CAPI_EVENT_NAMES",
    "KNOWN_EVENTS",
    "ValidationRule",
    "all_rules",
    "get_rule",
    "is_placeholder",
    "iso4217_codes",
    "rules_for",
    "validate_capi_auth",
    "validate_capi_envelope",
    "validate_capi_event",
    "validate_conversion",
    "validate_conversion_auth",
    "validate_pixel_event",
]
