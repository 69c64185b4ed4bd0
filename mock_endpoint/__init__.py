"""An aiohttp server that emulates Spotify's pixel hosts and records every hit.

The package root is lazy: ``import mock_endpoint.errors`` (the base of the product's errors, which
the harness re-exports) loads no aiohttp. The public names below are imported on first use::

    from mock_endpoint import MockEndpoint   # loads aiohttp, the routes and the store
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mock_endpoint.dedup import DedupReport, dedup_report
    from mock_endpoint.persist import load_records
    from mock_endpoint.records import PixelEvent, Record, ValidationFinding
    from mock_endpoint.server import MockEndpoint
    from mock_endpoint.store import RecordFilter, RecordStore

__all__ = [
    "DedupReport",
    "MockEndpoint",
    "PixelEvent",
    "Record",
    "RecordFilter",
    "RecordStore",
    "ValidationFinding",
    "dedup_report",
    "load_records",
]

_HOMES = {
    "DedupReport": "mock_endpoint.dedup",
    "dedup_report": "mock_endpoint.dedup",
    "load_records": "mock_endpoint.persist",
    "ValidationFinding": "mock_endpoint.records",
    "PixelEvent": "mock_endpoint.records",
    "Record": "mock_endpoint.records",
    "MockEndpoint": "mock_endpoint.server",
    "RecordFilter": "mock_endpoint.store",
    "RecordStore": "mock_endpoint.store",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'mock_endpoint' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
