"""``PixelContext``: one browser context, bound to its own recorder session at the mock."""

from __future__ import annotations

import contextlib
import secrets
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from harness.assertions.cookies import check_attrs, cookie_differences
from harness.assertions.findings import check_findings
from harness.assertions.matching import EventMatcher, near_miss_report
from harness.capture.recorder import Recorder
from harness.capture.settle import DEFAULT_LIMIT, DEFAULT_QUIET, Evidence, settle
from harness.capture.timeline import LandingInfo, SettleDecision, Timeline
from harness.errors import AssertionFailed, NavigationError
from harness.rules import AuditFinding, RuleConfig, evaluate
from mock_endpoint.records import PixelEvent, Record
from mock_endpoint.server import MockEndpoint
from mock_endpoint.session import user_agent_with_session

CLICK_ID_STORAGE_KEY = "click_id"


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
        **context_args: Any,
    ) -> PixelContext:
        context = browser.new_context(
            user_agent=user_agent_with_session(user_agent, session),
            java_script_enabled=java_script_enabled,
            **context_args,
        )
        # The mock lives on loopback. Chromium's Local Network Access checks block requests
        # from public pages (a real site under audit) to loopback unless this is granted; an
        # older Chromium without the permission does not need it.
        with contextlib.suppress(PlaywrightError):
            context.grant_permissions(["local-network-access"])
        try:
            return cls(
                context,
                mock,
                session,
                click_id_param,
                capture=capture,
                scripted=java_script_enabled,
            )
        except BaseException:
            context.close()
            raise

    # -- lifecycle -----------------------------------------------------------------------
    @property
    def page(self) -> Page:
        if self._page is None or self._page.is_closed():
            self._page = self.context.new_page()
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
    def goto(self, url: str, *, timeout: float = 15.0) -> None:
        try:
            self.page.goto(url, wait_until="load", timeout=timeout * 1000)
        except PlaywrightError as exc:
            raise NavigationError(f"could not open {url}: {_first_line(exc)}") from exc

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
        try:
            response = self.page.goto(target, wait_until="load", timeout=timeout * 1000)
        except PlaywrightError as exc:
            raise NavigationError(f"could not open {target}: {_first_line(exc)}") from exc
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
        self, *, quiet: float = DEFAULT_QUIET, limit: float = DEFAULT_LIMIT
    ) -> SettleDecision:
        """Wait until the page is settled, from evidence (harness/capture/settle.py): load fired,
        the pixel's queue drained, no Spotify request in flight, ``quiet`` seconds without pixel
        activity; longer only while a reason holds (a tag manager without its pixel yet ...),
        never past ``limit``. The decision is kept in the timeline (``Timeline.settles``)."""
        store = self.mock.store
        cursor = store.last_id()

        def records_since() -> bool:
            nonlocal cursor
            found = store.wait_for(lambda r: r.session == self.session, 0, after_id=cursor)
            cursor = store.last_id()
            return found is not None

        # no capture: only the mock's traffic is evidence
        evidence = Evidence() if self.recorder is None else self.recorder.evidence
        decision = settle(
            evidence, self._pump, quiet=quiet, limit=limit, records_since=records_since
        )
        if self.recorder is not None:
            self.recorder.settles.append(decision)
        return decision

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
    def expect_event(self, name: str, *, timeout: float = 5.0, **fields: Any) -> PixelEvent:
        """The first matching event, the moment it reaches the mock; else fail with near misses."""
        matcher = EventMatcher(name, fields)

        def match(record: Record) -> bool:
            return record.session == self.session and any(matcher.matches(e) for e in record.events)

        found = self.mock.wait_for(match, timeout)
        if found is None:
            raise AssertionFailed(
                near_miss_report(matcher, self.events()) + f"\n(waited {timeout:g} s)"
            )
        return next(e for e in found.events if matcher.matches(e))

    def expect_no_event(self, name: str, *, during: float = 1.0, **fields: Any) -> None:
        """Fail if a matching event arrives within the next ``during`` seconds (or already has)."""
        matcher = EventMatcher(name, fields)

        def match(record: Record) -> bool:
            return record.session == self.session and any(matcher.matches(e) for e in record.events)

        found = self.mock.wait_for(match, during)
        if found is not None:
            event = next(e for e in found.events if matcher.matches(e))
            raise AssertionFailed(
                f"expected no {matcher.describe()} within {during:g} s; got one from {event.url}"
            )

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
        check_attrs(attrs)
        deadline = time.monotonic() + timeout
        while True:
            cookies = [c for c in self.cookies() if c.get("name") == name]
            for cookie in cookies:
                if not cookie_differences(cookie, attrs):
                    return cookie
            if time.monotonic() >= deadline:
                break
            # cookies have no arrival event to wait on: look again shortly, within the bound
            self.page.wait_for_timeout(50)
        wanted = " ".join(f"{k}={v!r}" for k, v in attrs.items())
        if not cookies:
            names = sorted({str(c.get("name")) for c in self.cookies()})
            raise AssertionFailed(
                f"expected cookie {name} {wanted}".rstrip()
                + f"; no cookie named {name} (cookies: {', '.join(names) or 'none'})"
            )
        lines = [f"expected cookie {name} {wanted}; saw {len(cookies)} {name}:"]
        lines.extend(f"  - {', '.join(cookie_differences(c, attrs))}" for c in cookies)
        raise AssertionFailed("\n".join(lines))

    def expect_click_id_persisted(self, click_id: str | None = None) -> list[str]:
        """After a landing, the click id must be stored first-party; returns where it is."""
        if click_id is None:
            if not self.landings or self.landings[-1].click_id is None:
                raise AssertionFailed("expect_click_id_persisted: no landing with a click id yet")
            click_id = self.landings[-1].click_id
        assert click_id is not None
        places = self.click_id_locations(click_id)
        if not places:
            names = sorted(c["name"] for c in self.cookies())
            storage = self.storage()
            raise AssertionFailed(
                f"expected click id {click_id!r} in a first-party cookie or storage on "
                f"{self.page.url}; cookies: {names or 'none'}; sessionStorage keys: "
                f"{sorted(storage['session']) or 'none'}; localStorage keys: "
                f"{sorted(storage['local']) or 'none'}"
            )
        return places


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
