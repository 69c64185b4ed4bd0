"""Run an aiohttp application in its own thread and event loop.

pytest-playwright's sync fixtures and an asyncio server cannot share a loop, so servers live in
a thread (as pytest-httpserver does) and are started and stopped from synchronous code.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from aiohttp import web

from mock_endpoint.errors import MockEndpointError

T = TypeVar("T")
MAX_LINE_SIZE = 256 * 1024
MAX_FIELD_SIZE = 64 * 1024


class ThreadedServer:
    """An aiohttp app served on ``host:port`` (0 picks a free port) from a background thread."""

    def __init__(
        self,
        app: web.Application,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        name: str = "spdt-server",
    ) -> None:
        self._app = app
        self._host = host
        self._requested_port = port
        self._ssl = ssl_context
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.port = 0

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise MockEndpointError(f"{self._name} is not running")
        return self._loop

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise MockEndpointError(
                f"{self._name} could not listen on {self._host}:{self._requested_port}: "
                f"{self._error}"
            ) from self._error
        if not self._ready.is_set():
            raise MockEndpointError(f"{self._name} did not start within 30 s")

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            runner = web.AppRunner(
                self._app,
                access_log=None,
                handle_signals=False,
                shutdown_timeout=2.0,
                # Long request lines reach the app, which answers 414 JSON; beyond these limits
                # aiohttp itself answers 400.
                max_line_size=MAX_LINE_SIZE,
                max_field_size=MAX_FIELD_SIZE,
            )
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(
                runner, self._host, self._requested_port, ssl_context=self._ssl, backlog=1024
            )
            loop.run_until_complete(site.start())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            _abort_leftover_connections(loop)
            loop.close()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None
        self._loop = None


def _abort_leftover_connections(loop: asyncio.AbstractEventLoop) -> None:
    """Close connections ``cleanup()`` does not know of: ones still in their TLS handshake (a
    browser on another host may open one just as the run ends). asyncio's selector loop keeps
    its transports by file descriptor; other loops have nothing to close here."""
    transports = getattr(loop, "_transports", None)
    if not transports:
        return
    for transport in list(transports.values()):
        if transport is not None and not transport.is_closing():
            transport.abort()
    loop.run_until_complete(asyncio.sleep(0))
