"""``PixelContext``: one browser context, bound to its own recorder session at the mock."""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from playwright.sync_api import Browser, BrowserContext, Page, Response
from playwright.sync_api import Error as PlaywrightError

from harness.assertions import click_id as click_id_checks
from harness.assertions import events as event_checks
from harness.assertions.cookies import expect_cookie
from harness.assertions.findings import check_findings
from harness.capture.recorder import Recorder
from harness.capture.settle import DEFAULT_LIMIT, DEFAULT_QUIET, Evidence, settle
from harness.capture.timeline import LandingInfo, SettleDecision, Timeline
from harness.errors import NavigationError, UsageError
from harness.rules import AuditFinding, RuleConfig, evaluate
from mock_endpoint.records import PixelEvent, Record
from mock_endpoint.server import MockEndpoint
from mock_endpoint.session import user_agent_with_session

CLICK_ID_STORAGE_KEY = "click_id"
# Where the emulated pixel keeps the click id: "live" (sessionStorage only, as the live pixel
# does) or "guide" (a first-party cookie too, as the setup guide says). docs/emulator.md.
CLICK_ID_STORAGE_MODES = ("live", "guide")
DEFAULT_CLICK_ID_STORAGE = "live"


def emulator_config_script(settings: dict[str, Any]) -> str:
    """An init script that gives the emulated ping.min.js these settings: a page's own
    ``window.__spdtEmulatorConfig = {...}`` is merged over them, never dropped."""
    preset = json.dumps(settings)
    return (
        "(function(){var preset=" + preset + ",own;"
        "function merged(){var out={},k;for(k in preset){out[k]=preset[k];}"
        "if(own&&typeof own==='object'){for(k in own){out[k]=own[k];}}return out;}"
        "try{Object.defineProperty(window,'__spdtEmulatorConfig',{configurable:true,"
        "get:function(){return merged();},set:function(v){own=v;}});}catch(e){}})();"
    )


def with_query_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    query.append((name, value))
    return urlunsplit(parts._replace(query=urlencode(query)))


def new_click_id() -> str:
    return f"spdt-test-{secrets.token_hex(8)}"


@dataclass(frozen=True, slots=True)
class Landing:
    """Where a landing went: the URL asked for, the redirect chain, where it ended."""

    requested: str
    click_id: str | None
    param: str | None
    chain: tuple[str, ...]
    final_url: str
    status: int | None


class PixelContext:
    """One browser context whose pixel traffic the mock records under one session.

    :meth:`land` opens a page as an ad click does (with a click id); ``expect_*`` methods
    assert what the page sent, with the near misses in the failure message; :meth:`timeline`
    gathers everything captured (calls, network, cookies, storage, the mock's records) for the
    audit rules (:meth:`findings`). Made by :meth:`Harness.new_context`; close it, or use it
    as a context manager."""

    def __init__(
        self,
        context: BrowserContext,
        mock: MockEndpoint,
        session: str,
        click_id_param: str,
        *,
        capture: bool = True,
        scripted: bool = True,
    ) -> None:
        self.context = context
        self.mock = mock
        self.session = session
        self.click_id_param = click_id_param
        self._page: Page | None = None
        self.landings: list[Landing] = []
        self.click_id_storage = DEFAULT_CLICK_ID_STORAGE
        self.recorder = Recorder(context, scripted=scripted) if capture else None

    @classmethod
    def create(
        cls,
        browser: Browser,
        mock: MockEndpoint,
        *,
        session: str,
        user_agent: str,
        click_id_param: str,
        java_script_enabled: bool = True,
        capture: bool = True,
        click_id_storage: str = DEFAULT_CLICK_ID_STORAGE,
        **context_args: Any,
    ) -> PixelContext:
        if click_id_storage not in CLICK_ID_STORAGE_MODES:
            raise UsageError(
                f"click id storage {click_id_storage!r}: expected one of "
                f"{', '.join(CLICK_ID_STORAGE_MODES)}"
            )
        # The session's credential rides in the User-Agent, which Chromium applies to every
        # request of the context (fetch and its preflight, images, beacons, iframes,
        # WebSockets, workers) but not to a beacon sent while the page unloads. Only the mock
        # can make a credential, so a page cannot file hits under another context's session.
        # Not an extra HTTP header: that makes every CORS request of the site non-simple
        # (measured: a preflight the site's own APIs may refuse).
        try:
            credential = mock.session_credential(session)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        context = browser.new_context(
            user_agent=user_agent_with_session(user_agent, credential),
            java_script_enabled=java_script_enabled,
            **context_args,
        )
        # The mock lives on loopback. Chromium's Local Network Access checks block requests
        # from public pages (a real site under audit) to loopback unless this is granted; an
        # older Chromium without the permission does not need it.
        with contextlib.suppress(PlaywrightError):
            context.grant_permissions(["local-network-access"])
        try:
            if click_id_storage != DEFAULT_CLICK_ID_STORAGE:
                preset = {"clickIdStorage": click_id_storage}
                context.add_init_script(emulator_config_script(preset))
            made = cls(
                context,
                mock,
                session,
                click_id_param,
                capture=capture,
                scripted=java_script_enabled,
            )
            made.click_id_storage = click_id_storage
            return made
        except BaseException:
            context.close()
            raise

    # -- lifecycle -----------------------------------------------------------------------
    @property
    def page(self) -> Page:
        if self._page is None or self._page.is_closed():
            self._page = self.context.new_page()
            if self.recorder is not None:
                self.recorder.watch(self._page)
        return self._page

    def close(self) -> None:
        with contextlib.suppress(PlaywrightError):
            self.context.close()

    def __enter__(self) -> PixelContext:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- driving -------------------------------------------------------------------------
    def _open(self, url: str, timeout: float) -> Response | None:
        """Open ``url`` and wait for its load; a failure is a NavigationError in one line."""
        try:
            return self.page.goto(url, wait_until="load", timeout=timeout * 1000)
        except PlaywrightError as exc:
            raise NavigationError(f"could not open {url}: {_first_line(exc)}") from exc

    def goto(self, url: str, *, timeout: float = 15.0) -> None:
        self._open(url, timeout)

    def land(
        self,
        url: str,
        *,
        click_id: str | None = None,
        param: str | None = None,
        timeout: float = 15.0,
    ) -> Landing:
        """Open ``url`` with a click id (generated unless given) and record the redirect chain."""
        param = param or self.click_id_param
        click_id = click_id or new_click_id()
        target = with_query_param(url, param, click_id)
        response = self._open(target, timeout)
        chain: list[str] = []
        request = response.request if response is not None else None
        while request is not None:
            chain.insert(0, request.url)
            request = request.redirected_from
        landing = Landing(
            requested=target,
            click_id=click_id,
            param=param,
            chain=tuple(chain),
            final_url=self.page.url,
            status=response.status if response is not None else None,
        )
        self.landings.append(landing)
        return landing

    # -- what happened -------------------------------------------------------------------
    def snapshot(self) -> None:
        """Record cookies and web storage now (the flow runner calls this after each step)."""
        if self.recorder is not None and self._page is not None and not self._page.is_closed():
            self.recorder.snapshot(self._page)

    def settle(
        self,
        *,
        quiet: float = DEFAULT_QUIET,
        limit: float = DEFAULT_LIMIT,
        after_action: bool = False,
    ) -> SettleDecision:
        """Wait until the page is settled, from evidence (harness/capture/settle.py): load fired,
        the pixel's queue drained, no Spotify request in flight, ``quiet`` seconds without pixel
        activity; longer only while a reason holds (a tag manager without its pixel yet ...),
        never past ``limit``. The decision is kept in the timeline (``Timeline.settles``).

        ``after_action``: the quiet period counts from now, not from the last pixel activity
        seen: an action just taken (a consent decision ...) may have started something whose
        first evidence (a script element, a request) has not reached the recorder yet."""
        store = self.mock.store
        cursor = store.last_id()

        def records_since() -> bool:
            nonlocal cursor
            found = store.wait_for(lambda r: r.session == self.session, 0, after_id=cursor)
            cursor = store.last_id()
            return found is not None

        # no capture: only the mock's traffic is evidence
        evidence = Evidence() if self.recorder is None else self.recorder.evidence
        if after_action:
            evidence.touch()
        decision = settle(
            evidence, self._pump, quiet=quiet, limit=limit, records_since=records_since
        )
        if self.recorder is not None:
            self.recorder.settles.append(decision)
        return decision

    def consent_decided(self, *, granted: bool) -> None:
        """Tell settling the visitor's consent choice: once consent is withheld (rejected,
        withdrawn, no decision), a tag manager without a pixel is no reason to wait."""
        if self.recorder is not None:
            self.recorder.evidence.consent_decided(granted=granted)

    def _pump(self, seconds: float) -> None:
        """Wait ``seconds`` while Playwright delivers the browser's events (closed page: sleep)."""
        page = self._page
        if page is not None and not page.is_closed():
            try:
                page.wait_for_timeout(seconds * 1000)
                return
            except PlaywrightError:
                pass
        time.sleep(seconds)

    def timeline(
        self,
        *,
        consent_after_record: int | None = None,
        expected_events: tuple[str, ...] = (),
        unmet_expectations: tuple[str, ...] = (),
        noscript: Timeline | None = None,
    ) -> Timeline:
        """Everything captured in this context so far, with the mock's records for its session."""
        if self.recorder is None:
            raise NavigationError("this context was created with capture=False")
        landing = None
        if self.landings:
            first = self.landings[0]
            landing = LandingInfo(
                requested_url=first.requested,
                click_id=first.click_id,
                param=first.param,
                redirect_chain=first.chain,
                final_url=first.final_url,
            )
        return self.recorder.timeline(
            self.session,
            self.records(),
            landing=landing,
            consent_after_record=consent_after_record,
            expected_events=expected_events,
            unmet_expectations=unmet_expectations,
            noscript=noscript,
        )

    def records(self) -> list[Record]:
        return self.mock.records(self.session)

    def events(self, name: str | None = None) -> list[PixelEvent]:
        return self.mock.events(self.session, name)

    def cookies(self) -> list[dict[str, Any]]:
        return [dict(c) for c in self.context.cookies()]

    def storage(self) -> dict[str, dict[str, str]]:
        """localStorage and sessionStorage of the current page."""
        result: dict[str, dict[str, str]] = self.page.evaluate(
            """() => {
                const dump = (s) => { const o = {}; try { for (let i = 0; i < s.length; i++) {
                    const k = s.key(i); o[k] = s.getItem(k); } } catch (e) {} return o; };
                return {local: dump(window.localStorage), session: dump(window.sessionStorage)};
            }"""
        )
        return result

    # -- expectations --------------------------------------------------------------------
    def expect_event(
        self,
        name: str,
        *,
        timeout: float = 5.0,
        count: int | None = None,
        within: float | None = None,
        **fields: Any,
    ) -> PixelEvent:
        """The first matching event, the moment it reaches the mock; else fail with near misses.

        With ``count=N``, exactly N matching events must arrive in this context's session: the
        count is checked at the end of ``within`` seconds (default: ``timeout``), or as soon as
        more than N have arrived; the failure lists the events seen. ``count=0`` is
        :meth:`expect_no_event`."""
        return event_checks.expect_event(
            self, name, timeout=timeout, count=count, within=within, fields=fields
        )

    def expect_events(
        self, name: str, *, count: int, within: float = 5.0, **fields: Any
    ) -> list[PixelEvent]:
        """Exactly ``count`` matching events (see :meth:`expect_event`); returns them."""
        return event_checks.expect_events(self, name, count=count, within=within, fields=fields)

    def last_record_id(self) -> int:
        """The mock's newest record id now: a mark for ``expect_no_pixel_traffic(since=…)``."""
        return self.mock.store.last_id()

    def expect_no_pixel_traffic(self, *, during: float = 1.0, since: int | None = None) -> None:
        """Fail if any request of this context reaches Spotify's pixel hosts (script, events,
        image pixel) within the next ``during`` seconds; returns when the window ends.

        Traffic counts from ``since`` (a :meth:`last_record_id` taken before the action that
        must stay silent, so that a request which lands before this call is not missed), else
        from now."""
        event_checks.expect_no_pixel_traffic(self, during=during, since=since)

    def expect_no_event(self, name: str, *, during: float = 1.0, **fields: Any) -> None:
        """Fail if a matching event arrives within the next ``during`` seconds (or already has)."""
        event_checks.expect_no_event(self, name, during=during, fields=fields)

    def findings(self, config: RuleConfig | None = None) -> list[AuditFinding]:
        """Run the audit rules over everything this context captured so far."""
        self.settle()
        self.snapshot()
        return evaluate(self.timeline(), config or RuleConfig(click_id_params=self._params()))

    def expect_findings(
        self,
        *codes: str,
        absent: tuple[str, ...] = (),
        exact: bool = False,
        config: RuleConfig | None = None,
    ) -> list[AuditFinding]:
        """Fail unless the rules report ``codes`` (and none of ``absent``; nothing else with
        ``exact``). ``expect_findings(exact=True)`` asserts a clean install."""
        findings = self.findings(config)
        check_findings(findings, codes, absent=absent, exact=exact)
        return findings

    def _params(self) -> tuple[str, ...]:
        defaults = RuleConfig().click_id_params
        if self.click_id_param in defaults:
            return defaults
        return (self.click_id_param, *defaults)

    def click_id_locations(self, click_id: str) -> list[str]:
        """Every first-party place (cookie, localStorage, sessionStorage) holding ``click_id``."""
        found = [
            f"cookie {c['name']} (domain {c['domain']})"
            for c in self.cookies()
            if c.get("value") == click_id
        ]
        storage = self.storage()
        for area in ("local", "session"):
            found.extend(f"{area}Storage {k}" for k, v in storage[area].items() if v == click_id)
        return found

    def expect_cookie(self, name: str, *, timeout: float = 2.0, **attrs: Any) -> dict[str, Any]:
        """A cookie named ``name`` with these attributes (``value``, ``domain``, ``path``,
        ``secure``, ``http_only``, ``same_site``, ``min_days``, ``max_days``), as soon as the
        browser holds one; else fail listing the cookies of that name and what differs."""
        return expect_cookie(self, name, timeout=timeout, attrs=attrs)

    def expect_click_id_persisted(
        self, click_id: str | None = None, *, storage: tuple[str, ...] | None = None
    ) -> list[str]:
        """After a landing, the click id must be stored first-party; returns where it is.

        ``storage``: where it counts, any of "cookie", "local", "session". By default the
        context's click id storage mode decides: "live" (the live pixel) needs sessionStorage,
        "guide" (the setup guide) a first-party cookie."""
        return click_id_checks.expect_click_id_persisted(self, click_id, storage=storage)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
