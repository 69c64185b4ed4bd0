"""HTTP clients that reach the mock by Spotify's host names (for tests and scripts).

Requests go to ``https://pixels.spotify.com/...`` as a browser would send them (SNI and Host
header included); a resolver maps every Spotify host name to the mock's address and port.

    with MockEndpoint() as mock, MockClient(mock) as client:
        answer = client.post("https://pixels.spotify.com/v1/ingest", json={...},
                             headers={"X-Spdt-Session": "s1"})
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import socket
import ssl
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from multidict import CIMultiDict

from mock_endpoint.hosts import SPOTIFY_HOSTS
from mock_endpoint.tls import client_context


class MockResolver(AbstractResolver):
    """Resolves Spotify's host names (and any name in ``extra``) to ``address:port``."""

    def __init__(self, address: str, port: int, extra: tuple[str, ...] = ()) -> None:
        self.address = address
        self.port = port
        self.names = frozenset(SPOTIFY_HOSTS) | frozenset(extra)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host not in self.names:
            raise OSError(f"{host} is not a mock host name (refusing to reach the network)")
        return [
            {
                "hostname": host,
                "host": self.address,
                "port": self.port,
                "family": socket.AF_INET6 if ":" in self.address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        return None


def client_session(
    address: str, port: int, *, limit: int = 100, ssl_context: ssl.SSLContext | None = None
) -> aiohttp.ClientSession:
    """An aiohttp session whose Spotify host names reach the mock at ``address:port``.

    ``ssl_context`` defaults to one trusting this process's CA (:func:`client_context`); a mock
    in another process has its own CA, so pass a context that trusts that one.
    """
    connector = aiohttp.TCPConnector(
        resolver=MockResolver(address, port), ssl=ssl_context or client_context(), limit=limit
    )
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30))


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: CIMultiDict[str]  # case-insensitive, like HTTP
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return jsonlib.loads(self.body)


class MockClient:
    """A synchronous client for tests and scripts. Its event loop runs in a thread of its own, so
    it also works where a loop is already running (Playwright's sync API, notebooks)."""

    def __init__(
        self, mock: Any, *, address: str | None = None, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self._address = address or mock.host
        self._port = mock.port
        self._ssl = ssl_context
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="spdt-mock-client", daemon=True
        )
        self._thread.start()
        self._session: aiohttp.ClientSession | None = None

    def __enter__(self) -> MockClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._loop.is_closed():
            return
        if self._session is not None:
            asyncio.run_coroutine_threadsafe(self._session.close(), self._loop).result(10)
            self._session = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _request(self, method: str, url: str, **kwargs: Any) -> Answer:
        if self._session is None:
            self._session = client_session(self._address, self._port, ssl_context=self._ssl)
        async with self._session.request(method, url, **kwargs) as response:
            body = await response.read()
            return Answer(response.status, CIMultiDict(response.headers), body)

    def request(self, method: str, url: str, **kwargs: Any) -> Answer:
        """``kwargs`` as for aiohttp (headers, data, json, params, skip_auto_headers)."""
        future = asyncio.run_coroutine_threadsafe(self._request(method, url, **kwargs), self._loop)
        return future.result(60)

    def get(self, url: str, **kwargs: Any) -> Answer:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Answer:
        return self.request("POST", url, **kwargs)

    # -- studio (mock_endpoint.studio): campaigns, exposures, clock, status, attribution --------
    studio_base = "https://pixels.spotify.com/__spdt/studio"

    def studio(self, method: str, path: str, **kwargs: Any) -> Answer:
        """``client.studio("POST", "campaigns", json={...})``: a studio control route."""
        return self.request(method, f"{self.studio_base}/{path.lstrip('/')}", **kwargs)

    def studio_campaign(self, **campaign: Any) -> Answer:
        return self.studio("POST", "campaigns", json=campaign)

    def studio_exposure(self, **exposure: Any) -> Answer:
        return self.studio("POST", "exposures", json=exposure)

    def studio_advance(self, by: str) -> Answer:
        return self.studio("POST", "clock", params={"by": by})

    def studio_status(self, session: str | None = None) -> Answer:
        return self.studio("GET", "status", params={"session": session} if session else {})

    def studio_attribution(self, session: str | None = None) -> Answer:
        return self.studio("GET", "attribution", params={"session": session} if session else {})
