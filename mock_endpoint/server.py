"""``MockEndpoint``: the mock as a context manager usable from any Python script.

with MockEndpoint() as mock:
    print(mock.port, mock.spki, mock.host_map())
    ...  # drive a browser launched with harness.browser.launch_args(mock.host_map(), [mock.spki])
    mock.wait_for_event("purchase", session="s1", timeout=5)
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from mock_endpoint.app import create_app
from mock_endpoint.hosts import SPOTIFY_HOSTS
from mock_endpoint.records import PixelEvent, Record
from mock_endpoint.runner import ThreadedServer
from mock_endpoint.store import DEFAULT_MAX_RECORDS, RecordStore
from mock_endpoint.tls import ServerCertificate, issue


class MockEndpoint:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_records: int = DEFAULT_MAX_RECORDS,
    ) -> None:
        self.store = RecordStore(max_records)
        self.certificate: ServerCertificate = issue(SPOTIFY_HOSTS)
        self._server = ThreadedServer(
            create_app(self.store),
            host=host,
            port=port,
            ssl_context=self.certificate.server_context(),
            name="spdt-mock",
        )
        self.host = host

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> MockEndpoint:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> MockEndpoint:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what a browser needs ------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.port

    @property
    def spki(self) -> str:
        return self.certificate.spki

    @property
    def control_url(self) -> str:
        return f"https://{self.host}:{self.port}/__spdt/"

    def host_map(self) -> dict[str, str]:
        """Each Spotify host name → this server, for ``--host-resolver-rules``."""
        return dict.fromkeys(SPOTIFY_HOSTS, f"{self.host}:{self.port}")

    # -- reading what happened -----------------------------------------------------------
    def records(self, session: str | None = None) -> list[Record]:
        return self.store.records(None if session is None else (lambda r: r.session == session))

    def events(self, session: str | None = None, name: str | None = None) -> list[PixelEvent]:
        return [
            e for r in self.records(session) for e in r.events if name is None or e.name == name
        ]

    def wait_for(
        self, predicate: Callable[[Record], bool], timeout: float = 5.0, after_id: int = 0
    ) -> Record | None:
        return self.store.wait_for(predicate, timeout, after_id=after_id)

    def wait_for_event(
        self, name: str, *, session: str | None = None, timeout: float = 5.0
    ) -> PixelEvent | None:
        def match(r: Record) -> bool:
            return (session is None or r.session == session) and any(
                e.name == name for e in r.events
            )

        found = self.store.wait_for(match, timeout)
        if found is None:
            return None
        return next(e for e in found.events if e.name == name)

    def reset(self, session: str | None = None) -> int:
        return self.store.reset(session)
