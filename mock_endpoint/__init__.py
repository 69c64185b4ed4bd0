"""An aiohttp server that emulates Spotify's pixel hosts and records every hit."""

from mock_endpoint.dedup import DedupReport, dedup_report
from mock_endpoint.persist import load_records
from mock_endpoint.records import Finding, PixelEvent, Record
from mock_endpoint.server import MockEndpoint
from mock_endpoint.store import RecordFilter, RecordStore

__all__ = [
    "DedupReport",
    "Finding",
    "MockEndpoint",
    "PixelEvent",
    "Record",
    "RecordFilter",
    "RecordStore",
    "dedup_report",
    "load_records",
]
