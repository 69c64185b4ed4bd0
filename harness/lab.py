"""``Harness``: one mock, optionally the fixture sites, and one Chromium wired to them.

Usable from any script; the pytest plugin and the CLI build on it.

    with Harness(sites=True) as lab:
        with lab.new_context() as ctx:
            ctx.land("https://shop.test/shop-correct/landing", click_id="abc")
            ctx.expect_event("view")
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
from collections.abc import Mapping
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Playwright, Route, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from fixture_sites.server import FixtureServer
from harness.browser.discovery import ENV_VAR, BrowserExecutable, find_browser
from harness.browser.launch import HostMap, launch_args
from harness.browser.remote import GUARD_PROBE_HOST, UNSAFE_HINT, guard_probe_url, launch_headers
from harness.context import CLICK_ID_STORAGE_MODES, DEFAULT_CLICK_ID_STORAGE, PixelContext
from harness.errors import BrowserLaunchError, UsageError
from harness.vocab import SCRIPT_MODES
from mock_endpoint.hosts import SCRIPT_HOST
from mock_endpoint.server import MockEndpoint
from mock_endpoint.session import HEADER, UA_TOKEN
from mock_endpoint.vocab import DEFAULT_CLICK_ID_PARAM

# One counter per process: several harnesses (threads, a pytest session) never share an id.
_SESSION_IDS = itertools.count(1)
_LIVE_SCRIPT_HOST = re.compile(rf"^https?://{re.escape(SCRIPT_HOST)}(:\d+)?/")
_UA_SESSION = re.compile(rf" {UA_TOKEN}/\S+$")


def _only_the_live_script(route: Route) -> None:
    """``--script live``: the script download goes out (without our session tags); anything else
    the page asks of pixel.byspotify.com is refused. (A beacon sent while a page unloads never
    reaches a route: see docs/network.md.)"""
    request = route.request
    if request.method == "GET" and urlsplit(request.url).path == "/ping.min.js":
        headers = {k: v for k, v in request.headers.items() if k.lower() != HEADER.lower()}
        for name in [k for k in headers if k.lower() == "user-agent"]:
            headers[name] = _UA_SESSION.sub("", headers[name])
        route.continue_(headers=headers)
    else:
        route.abort("blockedbyclient")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else repr(exc)


class Harness:
    """One mock of Spotify's pixel hosts and one Chromium wired to it (optionally the demo fixture
    sites too): the browser's resolver maps every Spotify host to the mock and nothing else
    leaves the machine. :meth:`new_context` gives each test or page a :class:`PixelContext`
    whose hits the mock records under their own session. A context manager; also usable with
    :meth:`start` and :meth:`stop`."""

    def __init__(
        self,
        *,
        sites: bool = False,
        browser: str | None = None,
        headless: bool = True,
        extra_hosts: Mapping[str, str] | None = None,
        passthrough: tuple[str, ...] = (),
        mock: MockEndpoint | None = None,
        playwright: Playwright | None = None,
        script: str = "emulated",
        launch_options: Mapping[str, Any] | None = None,
        click_id_storage: str = DEFAULT_CLICK_ID_STORAGE,
        connect: str | None = None,
        connect_cdp: str | None = None,
    ) -> None:
        """``script`` "emulated" serves our ping.min.js from the mock; "live" lets the real one
        load from pixel.byspotify.com while every event host stays mapped to the mock.

        ``playwright``: an already started Playwright (e.g. pytest-playwright's fixture); the
        harness then neither starts nor stops it. ``launch_options`` are passed to
        ``chromium.launch`` (``slow_mo``, ``headless`` ...), our flags added.

        ``connect``: a Playwright browser server's ``ws://`` endpoint (``playwright run-server
        --unsafe``): our flags travel as its launch options; ``browser`` (or ``SPDT_BROWSER``) is
        then the executable on the server's machine. ``connect_cdp``: a Chromium's DevTools
        endpoint, started with our flags already (``spdt-harness browser-config``). Either way the
        browser is probed and refused unless the resolver rules and the certificate trust hold.
        """
        if connect and connect_cdp:
            raise UsageError("connect to a browser server or to a DevTools endpoint, not both")
        if script not in SCRIPT_MODES:
            raise UsageError(f"script mode {script!r}: expected one of {', '.join(SCRIPT_MODES)}")
        if click_id_storage not in CLICK_ID_STORAGE_MODES:
            raise UsageError(
                f"click id storage {click_id_storage!r}: expected one of "
                f"{', '.join(CLICK_ID_STORAGE_MODES)}"
            )
        self.script = script
        # Where the emulated pixel keeps the click id in every context (unless a context asks
        # otherwise): "live" (sessionStorage) or "guide" (a cookie too). docs/emulator.md.
        self.click_id_storage = click_id_storage
        self._passthrough = passthrough
        self._launch_options = dict(launch_options or {})
        self._own_playwright = playwright is None
        self._sites_wanted = sites
        self._browser_path = browser
        self._headless = headless
        self._extra_hosts = dict(extra_hosts or {})
        self._own_mock = mock is None
        self.mock = mock or MockEndpoint()
        self.sites: Any = None  # FixtureServer when sites=True
        self.executable: BrowserExecutable | None = None
        self._pw: Playwright | None = playwright
        self.browser: Browser | None = None
        self._user_agent = ""
        self._prefix = f"p{os.getpid()}"
        self.connect = connect
        self.connect_cdp = connect_cdp

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> Harness:
        try:
            if self._own_mock:
                self.mock.start()
            if self._sites_wanted:
                self.sites = FixtureServer().start()
            if self._pw is None:
                self._pw = sync_playwright().start()
            if self.remote:
                path = self._browser_path or os.environ.get(ENV_VAR) or None
                self.executable = BrowserExecutable(path=path, source="remote")
            else:
                headless = bool(self._launch_options.get("headless", self._headless))
                self.executable = find_browser(
                    self._browser_path, headless=headless, playwright=self._pw
                )
            self.browser = self._launch()
            if self.remote:
                self._verify_guard(self.browser)
            probe = self.browser.new_page()
            self._user_agent = str(probe.evaluate("navigator.userAgent"))
            probe.close()
        except BaseException:
            self.stop()
            raise
        return self

    def host_map(self) -> HostMap:
        targets = dict(self.mock.host_map())
        passthrough = list(self._passthrough)
        if self.script == "live":
            del targets[SCRIPT_HOST]
            passthrough.append(SCRIPT_HOST)
        if self.sites is not None:
            targets.update(self.sites.host_map())
        targets.update(self._extra_hosts)
        if self.remote:
            targets[GUARD_PROBE_HOST] = self.mock.address
        return HostMap(targets, passthrough=tuple(passthrough))

    @property
    def remote(self) -> bool:
        """True when the browser runs elsewhere (``connect`` or ``connect_cdp``)."""
        return bool(self.connect or self.connect_cdp)

    @property
    def endpoint(self) -> str | None:
        return self.connect or self.connect_cdp

    def spki_hashes(self) -> list[str]:
        hashes = [self.mock.spki]
        if self.sites is not None:
            hashes.append(self.sites.spki)
        return hashes

    def _launch(self) -> Browser:
        assert self._pw is not None
        assert self.executable is not None
        if self.remote:
            return self._connect()
        try:
            options: dict[str, Any] = {"headless": self._headless, **self._launch_options}
            extra = list(options.pop("args", []))
            options.pop("executable_path", None)
            return self._pw.chromium.launch(
                executable_path=self.executable.path,
                args=[*extra, *launch_args(self.host_map(), self.spki_hashes())],
                **options,
            )
        except PlaywrightError as exc:
            first = _first_line(exc)
            raise BrowserLaunchError(
                f"could not start {self.executable.describe()}: {first}"
            ) from exc

    def _connect(self) -> Browser:
        assert self._pw is not None
        assert self.executable is not None
        where = self.connect or self.connect_cdp
        try:
            if self.connect_cdp:
                return self._pw.chromium.connect_over_cdp(self.connect_cdp, timeout=30_000)
            options: dict[str, Any] = {"headless": self._headless, **self._launch_options}
            extra = list(options.pop("args", []))
            path = self.executable.path or options.pop("executable_path", None)
            headers = launch_headers(
                [*extra, *launch_args(self.host_map(), self.spki_hashes())],
                executable_path=path,
                headless=bool(options.get("headless", True)),
            )
            return self._pw.chromium.connect(self.connect or "", headers=headers, timeout=30_000)
        except PlaywrightError as exc:
            first = _first_line(exc)
            hint = "" if self.connect_cdp else f"; {UNSAFE_HINT}"
            raise BrowserLaunchError(
                f"could not use the browser at {where}: {first}{hint}"
            ) from exc

    def _verify_guard(self, browser: Browser) -> None:
        """Refuse a connected browser unless a page our resolver rules map to the mock, and a
        Spotify name, both reach the mock over trusted TLS (docs/network.md)."""
        session = f"spdt-guard-{self.new_session_id()}"
        probe = guard_probe_url()
        nonce_path = probe.split(GUARD_PROBE_HOST, 1)[1]
        spotify = f"https://{SCRIPT_HOST}{nonce_path}"
        reached: list[str] = []
        try:
            context = browser.new_context(extra_http_headers=self.mock.session_headers(session))
        except PlaywrightError as exc:
            raise BrowserLaunchError(f"the browser at {self.endpoint}: {_first_line(exc)}") from exc
        try:
            page = context.new_page()
            # The loopback-only probe first: only once it proved our rules are in force may a
            # Spotify name be asked for (an unguarded browser would send it to Spotify).
            for url in (probe, spotify):
                with contextlib.suppress(PlaywrightError):
                    page.goto(url, timeout=15_000)
                hits = [r for r in self.mock.records(session) if r.path == nonce_path]
                if len(hits) <= len(reached):
                    break
                reached.append(url)
        finally:
            with contextlib.suppress(PlaywrightError):
                context.close()
            self.mock.reset(session)
        if len(reached) < 2:
            with contextlib.suppress(PlaywrightError):
                browser.close()
            how = (
                "start it with the flags `spdt-harness browser-config` prints"
                if self.connect_cdp
                else UNSAFE_HINT
            )
            raise BrowserLaunchError(
                f"the browser at {self.endpoint} is not guarded: a probe page did not reach the "
                f"mock through our resolver rules and certificate trust (refused to run "
                f"unguarded); {how}"
            )

    def stop(self) -> None:
        if self.browser is not None:
            with contextlib.suppress(PlaywrightError):
                self.browser.close()
            self.browser = None
        if self._pw is not None and self._own_playwright:
            self._pw.stop()
            self._pw = None
        if self.sites is not None:
            self.sites.stop()
            self.sites = None
        if self._own_mock:
            self.mock.stop()

    def __enter__(self) -> Harness:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- contexts ------------------------------------------------------------------------
    def new_session_id(self) -> str:
        return f"{self._prefix}-{next(_SESSION_IDS)}"

    def new_context(
        self,
        *,
        session: str | None = None,
        click_id_param: str = DEFAULT_CLICK_ID_PARAM,
        java_script_enabled: bool = True,
        **context_args: Any,
    ) -> PixelContext:
        """A fresh browser context whose pixel traffic the mock records under its own session."""
        context_args.setdefault("click_id_storage", self.click_id_storage)
        if self.browser is None:
            raise BrowserLaunchError("the harness is not started (use `with Harness() as lab:`)")
        ctx = PixelContext.create(
            self.browser,
            self.mock,
            session=session or self.new_session_id(),
            user_agent=self._user_agent,
            click_id_param=click_id_param,
            java_script_enabled=java_script_enabled,
            **context_args,
        )
        if self.script == "live":
            try:
                ctx.context.route(_LIVE_SCRIPT_HOST, _only_the_live_script)
            except BaseException:
                ctx.close()
                raise
        return ctx
