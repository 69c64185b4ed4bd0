"""An aiohttp server that emulates Spotify's pixel hosts and records every hit."""

from mock_endpoint.records import Finding, PixelEvent, Record
from mock_endpoint.server import MockEndpoint
from mock_endpoint.store import RecordStore

__all__ = ["Finding", "MockEndpoint", "PixelEvent", "Record", "RecordStore"]
