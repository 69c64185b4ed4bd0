"""The pixel's documented parameters and their types: the one table the mock's validation and the
auditor's rules read (docs/evidence.md §3).

Spotify's parameter reference lists the accepted data as ``Fields.float()``, ``Fields.int()``,
``Fields.boolean()``, ``Fields.string()`` and ``Fields.list()``, and writes its own examples with
quoted numbers (``value: '133.55'``, ``quantity: '3'``, ``is_new_customer: 'true'``): a coercing
schema. So a value is accepted when it *is* the type or is a string that parses cleanly as it;
``'79,99'``, ``'$5'``, ``'abc'``, ``''``, NaN and negative numbers are not numbers.

    >>> PARAMETERS["quantity"], conforms("int", "3"), conforms("float", "79,99")
    ('int', True, False)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Literal

# float: a number >= 0; int: an integer >= 0; boolean: true/false; string: text;
# id: text or a finite number (identifiers); list: a list of line item objects.
ParamType = Literal["float", "int", "boolean", "string", "id", "list"]

PARAMETERS: Mapping[str, ParamType] = MappingProxyType(
    {
        "value": "float",
        "currency": "string",
        "order_id": "id",
        "event_id": "id",
        "quantity": "int",
        "is_new_customer": "boolean",
        "line_items": "list",
        "discount_code": "string",
        "type": "string",
        "category": "string",
        "product_id": "id",
        "product_name": "id",
        "product_type": "id",
        "product_vendor": "id",
        "variant_id": "id",
        "variant_name": "id",
    }
)
# The fields of one line_items entry.
LINE_ITEM_FIELDS: Mapping[str, ParamType] = MappingProxyType(
    {
        "value": "float",
        "quantity": "int",
        "product_id": "id",
        "product_name": "id",
        "product_type": "id",
        "product_vendor": "id",
        "variant_id": "id",
        "variant_name": "id",
    }
)
# What each type's finding says a value is not.
EXPECTED: Mapping[ParamType, str] = MappingProxyType(
    {
        "float": "a number >= 0",
        "int": "an integer >= 0",
        "boolean": "a boolean (true or false)",
        "string": "a string",
        "id": "a string or number",
        "list": "a list of objects",
    }
)

_DECIMAL_RE = re.compile(r"^\d+(\.\d+)?$")
_INT_RE = re.compile(r"^\d+$")


def is_documented(name: str) -> bool:
    return name in PARAMETERS


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _float(value: Any) -> bool:
    if isinstance(value, str):
        return _DECIMAL_RE.match(value) is not None
    return _number(value) and math.isfinite(value) and value >= 0


def _int(value: Any) -> bool:
    if isinstance(value, str):
        return _INT_RE.match(value) is not None
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


_CHECKS: Mapping[ParamType, Callable[[Any], bool]] = MappingProxyType(
    {
        "float": _float,
        "int": _int,
        "boolean": lambda v: isinstance(v, bool) or v in ("true", "false"),
        "string": lambda v: isinstance(v, str),
        "id": lambda v: isinstance(v, str) or (_number(v) and math.isfinite(v)),
        "list": lambda v: isinstance(v, list),
    }
)


def conforms(kind: ParamType, value: Any) -> bool:
    """Whether ``value`` is accepted as ``kind``: the type itself, or a string that parses
    cleanly as it (``'133.55'`` is a float, ``'3'`` an int, ``'true'`` a boolean)."""
    return _CHECKS[kind](value)


def coerce(kind: ParamType, value: str) -> Any:
    """A query-string value as the type it parses cleanly as (``'79.99'`` → 79.99), else as it
    came (so validation reports it)."""
    if kind == "float" and _DECIMAL_RE.match(value):
        return float(value) if "." in value else int(value)
    if kind == "int" and _INT_RE.match(value):
        return int(value)
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def sent_as_string(kind: ParamType, value: Any) -> bool:
    """A number or boolean sent as a string (accepted; some reports note it)."""
    return kind in ("float", "int", "boolean") and isinstance(value, str) and conforms(kind, value)


__all__ = [
    "EXPECTED",
    "LINE_ITEM_FIELDS",
    "PARAMETERS",
    "ParamType",
    "coerce",
    "conforms",
    "is_documented",
    "sent_as_string",
]
