"""``MockEndpoint``: the mock as a context manager usable from any Python script.

with MockEndpoint() as mock:
    print(mock.port, mock.spki, mock.host_map())
    ...  # drive a browser launched with harness.browser.launch_args(mock.host_map(), [mock.spki])
    mock.wait_for_event("purchase", session="s1", timeout=5)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType

from mock_endpoint.app import create_app
from mock_endpoint.dedup import DedupReport, dedup_report
from mock_endpoint.endpoints.common import DEFAULT_MAX_BODY, HEALTH_KEY, MockConfig
from mock_endpoint.endpoints.ingest import warm_up
from mock_endpoint.faults import Fault, FaultPlan, as_faults
from mock_endpoint.hosts import SPOTIFY_HOSTS
from mock_endpoint.persist import JsonLinesSink
from mock_endpoint.records import PixelEvent, Record
from mock_endpoint.runner import ThreadedServer
from mock_endpoint.store import DEFAULT_MAX_RECORDS, RecordStore, Summary
from mock_endpoint.tls import ServerCertificate, issue


class MockEndpoint:
    """The mock Spotify hosts on ``host:port`` (0: a free port), over TLS.

    ``tokens``: bearer tokens CAPI, the guide's conversion endpoint and the stats API accept
    (empty: any token, but one is required). ``record``: append every record to this JSON-lines
    file (read it back with :func:`mock_endpoint.persist.load_records`). ``faults``: make hosts
    slow or down (``Fault`` or ``"HOST:KIND[:ARG]"``, :mod:`mock_endpoint.faults`); change them
    on a running mock with :meth:`set_faults`.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_records: int = DEFAULT_MAX_RECORDS,
        tokens: Iterable[str] = (),
        record: str | Path | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        faults: Iterable[Fault | str] = (),
    ) -> None:
        self.store = RecordStore(max_records)
        self.config = MockConfig(tokens=frozenset(tokens), max_body=max_body)
        self._faults = FaultPlan(as_faults(faults))
        self.certificate: ServerCertificate = issue(SPOTIFY_HOSTS)
        self._app = create_app(self.store, self.config, self._faults)
        self._server = ThreadedServer(
            self._app,
            host=host,
            port=port,
            ssl_context=self.certificate.server_context(),
            name="spdt-mock",
        )
        self.host = host
        self.record_path = Path(record) if record is not None else None
        self._sink: JsonLinesSink | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> MockEndpoint:
        if self.record_path is not None and self._sink is None:
            self._sink = JsonLinesSink(self.record_path)
            self.store.add_sink(self._sink)
        warm_up()
        try:
            self._server.start()
        except BaseException:
            self._close_sink()
            raise
        return self

    def stop(self) -> None:
        self._server.stop()
        self._close_sink()

    def _close_sink(self) -> None:
        if self._sink is not None:
            self.store.remove_sink(self._sink)
            self._sink.close()
            self._sink = None

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

    # -- faults ----------------------------------------------------------------------------
    @property
    def faults(self) -> tuple[Fault, ...]:
        return self._faults.faults

    def set_faults(self, faults: Iterable[Fault | str] = ()) -> tuple[Fault, ...]:
        """Replace the faults in force (``()``: none); returns the previous ones. Hits already
        being answered finish under the old plan."""
        previous = self._faults.faults
        self._faults.faults = as_faults(faults)
        return previous

    @property
    def fault_counts(self) -> dict[str, int]:
        """How many hits each fault kind has affected since the mock started."""
        return dict(self._faults.counts)

    # -- reading what happened -----------------------------------------------------------
    def records(self, session: str | None = None) -> list[Record]:
        return self.store.records(None if session is None else (lambda r: r.session == session))

    def events(self, session: str | None = None, name: str | None = None) -> list[PixelEvent]:
        return [
            e for r in self.records(session) for e in r.events if name is None or e.name == name
        ]

    def summary(self, session: str | None = None) -> Summary:
        return self.store.summary(session)

    def dedup_report(self, session: str | None = None) -> DedupReport:
        """Pixel vs server-side conversions matched by event_id / order_id (docs/mock.md)."""
        return dedup_report(self.store.records(), session)

    @property
    def internal_errors(self) -> list[str]:
        """Unexpected exceptions the server caught (each one is a bug; tests expect none)."""
        return list(self._app[HEALTH_KEY].internal_errors)

    def wait_for(
        self, predicate: Callable[[Record], bool], timeout: float = 5.0, after_id: int = 0
    ) -> Record | None:
        return self.store.wait_for(predicate, timeout, after_id=after_id)

    def wait_for_event(
        self, name: str, *, session: str | None = None, timeout: float = 5.0, after_id: int = 0
    ) -> PixelEvent | None:
        def match(r: Record) -> bool:
            return (session is None or r.session == session) and any(
                e.name == name for e in r.events
            )

        found = self.store.wait_for(match, timeout, after_id=after_id)
        if found is None:
            return None
        return next(e for e in found.events if e.name == name)

    def reset(self, session: str | None = None) -> int:
        return self.store.reset(session)
