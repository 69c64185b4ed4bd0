"""``MockEndpoint``: the mock as a context manager usable from any Python script.

with MockEndpoint() as mock:
    print(mock.port, mock.spki, mock.host_map())
    ...  # drive a browser launched with harness.browser.launch_args(mock.host_map(), [mock.spki])
    mock.wait_for_event("purchase", session="s1", timeout=5)

Two listeners: the Spotify hosts on ``port`` (what the browser's resolver maps every Spotify name
to) and the control API on ``control_port``, which no Spotify name ever reaches, behind a per-run
token (``control_url_with_token`` carries it).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

from mock_endpoint.app import create_app, create_control_app
from mock_endpoint.cert_dir import load_or_create
from mock_endpoint.dedup import DedupReport, dedup_report
from mock_endpoint.endpoints.common import DEFAULT_MAX_BODY, HEALTH_KEY, MockConfig
from mock_endpoint.endpoints.ingest import warm_up
from mock_endpoint.faults import Fault, FaultPlan, as_faults
from mock_endpoint.hosts import GUARDED_HOSTS, GUARDED_PATTERNS
from mock_endpoint.persist import JsonLinesSink
from mock_endpoint.records import PixelEvent, Record
from mock_endpoint.routes import CONTROL_HEADER
from mock_endpoint.runner import ThreadedServer
from mock_endpoint.session import HEADER, SessionKeys
from mock_endpoint.store import DEFAULT_MAX_RECORDS, RecordStore, Summary
from mock_endpoint.tls import ServerCertificate, issue


class MockEndpoint:
    """The mock Spotify hosts on ``host:port`` (0: a free port), over TLS.

    ``tokens``: bearer tokens CAPI, the guide's conversion endpoint and the stats API accept
    (empty: any token, but one is required). ``record``: append every record to this JSON-lines
    file (read it back with :func:`mock_endpoint.persist.load_records`). ``faults``: make hosts
    slow or down (``Fault`` or ``"HOST:KIND[:ARG]"``, :mod:`mock_endpoint.faults`); change them
    on a running mock with :meth:`set_faults`.

    ``control_token``: True (default) makes a random per-run token the control API requires;
    a string is that token; False serves the control API without one (only sensible on
    loopback: ``spdt-harness mock`` refuses it elsewhere). ``control_port``: where the control
    listener binds (0: a free port) on ``host``.

    ``advertise``: ``HOST[:PORT]``, the address a browser on another machine maps the Spotify
    names to (``host`` may be ``0.0.0.0``); the port defaults to the listening one. Both
    certificates also name it.
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
        control_token: str | bool = True,
        control_port: int = 0,
        advertise: str | None = None,
        cert_dir: str | Path | None = None,
    ) -> None:
        self.store = RecordStore(max_records)
        self.config = MockConfig(tokens=frozenset(tokens), max_body=max_body)
        self._faults = FaultPlan(as_faults(faults))
        self.keys = SessionKeys()
        if control_token is True:
            self.control_token: str | None = secrets.token_urlsafe(24)
        elif control_token is False or control_token == "":
            self.control_token = None
        else:
            self.control_token = str(control_token)
        self._advertise_host, self._advertise_port = split_address(advertise or "")
        extra = _extra_names(host, self._advertise_host)
        if cert_dir is None:
            self.certificate: ServerCertificate = issue((*GUARDED_HOSTS, *GUARDED_PATTERNS, *extra))
        else:  # what browsers reach it as: the advertised host (else the listen host)
            reached_as = [self._advertise_host or host]
            reached_as = [n for n in reached_as if n not in ("0.0.0.0", "::")]  # noqa: S104
            self.certificate = load_or_create(cert_dir, certificate_names(reached_as))
        self.control_certificate: ServerCertificate = issue(
            (*_control_names(host), *(n for n in extra if n not in _control_names(host)))
        )
        self._app = create_app(self.store, self.config, self._faults, self.keys)
        self._control_app = create_control_app(
            self.store, self.config, self.keys, self._app[HEALTH_KEY], self.control_token
        )
        self._server = ThreadedServer(
            self._app,
            host=host,
            port=port,
            ssl_context=self.certificate.server_context(),
            name="spdt-mock",
        )
        self._control = ThreadedServer(
            self._control_app,
            host=host,
            port=control_port,
            ssl_context=self.control_certificate.server_context(),
            name="spdt-mock-control",
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
            self._control.start()
        except BaseException:
            self._server.stop()
            self._close_sink()
            raise
        return self

    def stop(self) -> None:
        self._control.stop()
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
    def control_port(self) -> int:
        return self._control.port

    @property
    def control_url(self) -> str:
        """The control API (its own listener; no Spotify name reaches it)."""
        return f"https://{_url_host(self.host)}:{self.control_port}/__spdt/"

    @property
    def control_url_with_token(self) -> str:
        """:attr:`control_url` with ``?token=`` when the mock has a token: what a person opens."""
        if self.control_token is None:
            return self.control_url
        return f"{self.control_url}?token={quote(self.control_token, safe='')}"

    def control_headers(self) -> dict[str, str]:
        """The header that carries the run's token to the control API (empty without one)."""
        return {} if self.control_token is None else {CONTROL_HEADER: self.control_token}

    def session_credential(self, session: str) -> str:
        """What files hits under ``session``: the ``X-Spdt-Session`` header value."""
        return self.keys.credential(session)

    def session_headers(self, session: str) -> dict[str, str]:
        return {HEADER: self.keys.credential(session)}

    def host_map(self) -> dict[str, str]:
        """Every Spotify-owned name (and pattern: ``*.spotify.com`` ...) → this server, for
        ``--host-resolver-rules``."""
        return dict.fromkeys((*GUARDED_HOSTS, *GUARDED_PATTERNS), self.address)

    @property
    def address(self) -> str:
        """``host:port`` a browser reaches the Spotify listener at (``advertise`` if given)."""
        host = self._advertise_host or self.host
        return f"{_url_host(host)}:{self._advertise_port or self.port}"

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
        return [*self._app[HEALTH_KEY].internal_errors, *self.store.validation_errors]

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


def certificate_names(reached_as: Iterable[str] = ()) -> tuple[str, ...]:
    """What the Spotify listener's certificate names: every Spotify name and pattern, and the
    hosts browsers reach the mock at."""
    return tuple(dict.fromkeys((*GUARDED_HOSTS, *GUARDED_PATTERNS, *reached_as)))


def _control_names(host: str) -> tuple[str, ...]:
    names = ["127.0.0.1", "localhost", "::1"]
    if host not in names and host not in ("0.0.0.0", "::"):  # noqa: S104 - names, not binds
        names.append(host)
    return tuple(names)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def split_address(text: str) -> tuple[str, int]:
    """``HOST[:PORT]`` (``[::1]:8443`` for IPv6) → (host, port or 0)."""
    text = text.strip()
    if not text:
        return "", 0
    host, port = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    if not host or (port and not (port.isdigit() and 0 < int(port) < 65536)):
        raise ValueError(f"{text!r} is not HOST[:PORT]")
    return host.lower(), int(port or 0)


def _extra_names(host: str, advertised: str) -> tuple[str, ...]:
    """Names beyond the Spotify ones the certificates carry: the advertised and listen hosts."""
    skip = ("0.0.0.0", "::", "127.0.0.1", "localhost", "::1")  # noqa: S104 - names, not binds
    names = [advertised, *(() if host in skip else (host,))]
    names = [n for n in names if n]
    return tuple(dict.fromkeys(names))
