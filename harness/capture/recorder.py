"""Attach the capture to a browser context and turn what it saw into a :class:`Timeline`."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from functools import cache
from importlib import resources
from typing import Any

from playwright.sync_api import BrowserContext, Page, Request, Response
from playwright.sync_api import Error as PlaywrightError

from harness.capture.initiator import Initiator, from_cdp, from_stack
from harness.capture.settle import Evidence
from harness.capture.timeline import (
    Cookie,
    CspViolation,
    LandingInfo,
    NetworkEvent,
    PageError,
    PageLoad,
    SettleDecision,
    SpdtAssignment,
    SpdtCall,
    StorageSnapshot,
    Timeline,
)
from mock_endpoint.records import Record

MAX_NETWORK = 5000
MAX_ERRORS = 500
MAX_HTML = 2_000_000
MAX_INITIATORS = 5000  # request initiators kept per context (Chromium's DevTools protocol)
BINDING = "__spdtCaptureEmit"


@cache
def capture_script() -> str:
    return resources.files("harness.capture").joinpath("capture.js").read_text("utf-8")


def _tuple_of_any(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, list) else ()


# A request's identity for matching Chromium's initiators with Playwright's requests: the page,
# the URL, and the document it was made for (so a cross-site iframe's request, which another
# DevTools target reports, never takes the initiator of the main frame's request for that URL).
_Key = tuple[int, str, str]


def _document(url: str) -> str:
    return url.split("#", 1)[0]


def _global_name(value: Any) -> str:
    """The recorded global: "pdst" (legacy Podsights loader) or "spdt" (anything else)."""
    return "pdst" if value == "pdst" else "spdt"


class Recorder:
    """Collects the JS layer, the network layer and storage for one browser context.

    Playwright delivers events on the thread that drives the context, so the lists need no more
    than a lock for readers on other threads.
    """

    def __init__(self, context: BrowserContext, *, scripted: bool = True) -> None:
        """``scripted`` False: the context runs no JavaScript, so the capture script is not
        installed and settling looks only at the network."""
        self.context = context
        self._lock = threading.Lock()
        self.calls: list[SpdtCall] = []
        self.assignments: list[SpdtAssignment] = []
        self.violations: list[CspViolation] = []
        self.errors: list[PageError] = []
        self.network: list[NetworkEvent] = []
        self.pages: list[PageLoad] = []
        self.storage: list[StorageSnapshot] = []
        self._pending: dict[Request, NetworkEvent] = {}
        # Request initiators from each page's DevTools session, per key (_Key) in the order
        # Chromium announced them; the n-th Playwright request of a key takes the n-th one.
        self._cdp = True  # False once a browser without the DevTools protocol said so
        self._initiators: dict[_Key, list[Initiator | None]] = {}
        self._requested: dict[_Key, int] = {}
        self._order: dict[Request, tuple[_Key, int]] = {}
        # where each entry of ``network`` finds its initiator: DevTools events may arrive after
        # Playwright's request events, so the match is made when the timeline is built
        self._network_order: list[tuple[_Key, int] | None] = []
        self._watched: dict[int, Page] = {}
        self._sessions: set[int] = set()  # pages with a DevTools session
        self._kept = 0
        self._documents: list[tuple[Response, str]] = []
        self.evidence = Evidence(scripted=scripted)  # what settling is judged on (settle.py)
        self.settles: list[SettleDecision] = []
        if scripted:
            context.expose_binding(BINDING, self._on_binding)
            context.add_init_script(capture_script())
        context.on("request", self._on_request)
        context.on("requestfinished", self._on_request_finished)
        context.on("requestfailed", self._on_request_failed)
        context.on("page", self._watch_page)
        for page in context.pages:
            self._watch_page(page)

    # -- JS layer ------------------------------------------------------------------------
    def _on_binding(self, _source: Any, kind: str, payload: str) -> None:
        try:
            data = json.loads(payload)
        except (TypeError, ValueError):
            return
        if not isinstance(data, dict):
            return
        page_url = str(data.get("page_url", ""))
        document = str(data.get("document") or "")
        if kind == "doc":
            scripts = data.get("scripts")
            self.evidence.document_state(
                document,
                page_url,
                str(data.get("state", "")),
                scripts if isinstance(scripts, list) else [],
                noscript=bool(data.get("noscript")),
            )
            return
        if kind == "script":
            queue = data.get("queue")
            self.evidence.script_done(
                document,
                page_url,
                role=str(data.get("role", "")),
                src=str(data.get("src", "")),
                ok=bool(data.get("ok")),
                queue=queue if isinstance(queue, int) and not isinstance(queue, bool) else 0,
            )
            return
        if kind == "call":
            self.evidence.called(document, page_url, str(data.get("stub", "")), data.get("command"))
        elif kind == "assign":
            self.evidence.assigned(document, page_url)
        with self._lock:
            if kind == "call":
                self.calls.append(
                    SpdtCall(
                        seq=len(self.calls) + 1,
                        page_url=page_url,
                        command=data.get("command"),
                        args=_tuple_of_any(data.get("args")),
                        time=float(data.get("time") or 0),
                        threw=bool(data.get("threw")),
                        error=data.get("error"),
                        stub=str(data.get("stub", "unknown")),
                        document=str(data.get("document") or ""),
                        global_name=_global_name(data.get("global")),
                        initiator=from_stack(data.get("stack")),
                    )
                )
            elif kind == "assign":
                self.assignments.append(
                    SpdtAssignment(
                        page_url=page_url,
                        generation=int(data.get("generation") or 0),
                        type=str(data.get("type", "")),
                        keys=tuple(str(k) for k in data.get("keys") or ()),
                        global_name=_global_name(data.get("global")),
                        initiator=from_stack(data.get("stack")),
                    )
                )
            elif kind == "csp":
                self.violations.append(
                    CspViolation(
                        page_url=page_url,
                        directive=str(data.get("directive", "")),
                        blocked_uri=str(data.get("blocked_uri", "")),
                        disposition=str(data.get("disposition", "enforce")),
                        original_policy=str(data.get("original_policy", "")),
                    )
                )

    # -- pages ---------------------------------------------------------------------------
    def watch(self, page: Page) -> None:
        """Watch a page the harness opened, before it navigates: its DevTools session is set up
        here, synchronously (from the context's page event it would be ready only once the
        first navigation had started, and that navigation's requests would have no initiator).
        """
        self._watch_page(page, devtools=False)
        self._watch_initiators(page)

    def _watch_page(self, page: Page, *, devtools: bool = True) -> None:
        with self._lock:
            known = id(page) in self._watched
            self._watched[id(page)] = page
        if not known:
            page.on("pageerror", lambda error: self._on_page_error(page, error))
            page.on("console", lambda message: self._on_console(page, message))
            page.on("response", self._on_response)
        # From the page event: only a page the site opened (a popup) gets a session here; a
        # page the harness opens gets it from watch(). Two sessions would count each request
        # twice.
        if devtools and page.opener() is not None:
            self._watch_initiators(page)

    def _watch_initiators(self, page: Page) -> None:
        """Listen to the page's ``Network.requestWillBeSent`` for request initiators: Chromium
        only; any other browser (or a connection without the protocol) records none."""
        with self._lock:
            if not self._cdp or id(page) in self._sessions:
                return
            self._sessions.add(id(page))
        try:
            session = self.context.new_cdp_session(page)
            session.on("Network.requestWillBeSent", lambda event: self._on_cdp_request(page, event))
            session.send("Network.enable")
        except PlaywrightError:
            self._cdp = False  # not Chromium: no initiators, everything else as before

    def _on_cdp_request(self, page: Page, event: Any) -> None:
        if not isinstance(event, dict):
            return
        request = event.get("request")
        url = request.get("url") if isinstance(request, dict) else None
        if not isinstance(url, str):
            return
        with self._lock:
            if self._kept >= MAX_INITIATORS:
                return
            self._kept += 1
            document = _document(str(event.get("documentURL") or ""))
            self._initiators.setdefault((id(page), url, document), []).append(
                from_cdp(event.get("initiator"))
            )

    def _on_page_error(self, page: Page, error: Any) -> None:
        with self._lock:
            if len(self.errors) < MAX_ERRORS:
                name = getattr(error, "name", "") or "Error"
                message = getattr(error, "message", "") or str(error)
                self.errors.append(PageError(page.url, f"{name}: {message}", "pageerror"))

    def _on_console(self, page: Page, message: Any) -> None:
        if message.type != "error":
            return
        with self._lock:
            if len(self.errors) < MAX_ERRORS:
                self.errors.append(PageError(page.url, str(message.text), "console"))

    def _on_response(self, response: Response) -> None:
        request = response.request
        if not (request.is_navigation_request() and request.frame.parent_frame is None):
            return
        html = ""
        if not 300 <= response.status < 400:
            # Read the body now: once the page navigates on, Chromium may drop it.
            try:
                html = response.body()[:MAX_HTML].decode("utf-8", "replace")
            except PlaywrightError:
                html = ""
        with self._lock:
            self._documents.append((response, html))

    # -- network -------------------------------------------------------------------------
    def _page_url(self, request: Request) -> str:
        try:
            return request.frame.url
        except PlaywrightError:
            return ""

    def _request_key(self, request: Request) -> _Key | None:
        """(page, URL, document) of a page's request; None for a worker's (no page session)."""
        try:
            frame = request.frame
            document = request.url if request.is_navigation_request() else frame.url
            return id(frame.page), request.url, _document(document)
        except PlaywrightError:
            return None

    def _on_request(self, request: Request) -> None:
        self.evidence.request_started(request, request.url)
        event = NetworkEvent(
            request.url, request.method, request.resource_type, self._page_url(request)
        )
        key = self._request_key(request) if self._cdp else None
        with self._lock:
            if key is not None:
                self._requested[key] = self._requested.get(key, 0) + 1
            if len(self._pending) + len(self.network) < MAX_NETWORK:
                self._pending[request] = event
                if key is not None:
                    self._order[request] = (key, self._requested[key] - 1)

    def _resolve(self, event: NetworkEvent, order: tuple[_Key, int] | None) -> NetworkEvent:
        """The event with its DevTools initiator, once known (the lock held)."""
        if order is None or event.initiator is not None:
            return event
        key, index = order
        initiators = self._initiators.get(key, [])
        initiator = initiators[index] if index < len(initiators) else None
        return event if initiator is None else replace(event, initiator=initiator)

    def _on_request_finished(self, request: Request) -> None:
        self.evidence.request_ended(request)
        with self._lock:
            event = self._pending.pop(request, None)
            order = self._order.pop(request, None)
        if event is None:
            return
        status = None
        try:
            response = request.response()
            status = response.status if response is not None else None
        except PlaywrightError:
            pass
        with self._lock:
            self.network.append(
                NetworkEvent(
                    event.url,
                    event.method,
                    event.resource_type,
                    event.page_url,
                    status,
                )
            )
            self._network_order.append(order)

    def _on_request_failed(self, request: Request) -> None:
        self.evidence.request_ended(request)
        with self._lock:
            event = self._pending.pop(request, None)
            order = self._order.pop(request, None)
        if event is None:
            return
        with self._lock:
            self.network.append(
                NetworkEvent(
                    event.url,
                    event.method,
                    event.resource_type,
                    event.page_url,
                    None,
                    request.failure or "failed",
                )
            )
            self._network_order.append(order)

    # -- storage -------------------------------------------------------------------------
    def snapshot(self, page: Page) -> StorageSnapshot | None:
        """Cookies and web storage as the page sees them now (after each flow step)."""
        try:
            cookies = self.context.cookies()
            areas: dict[str, dict[str, str]] = page.evaluate(
                """() => { const dump = (name) => { const o = {}; try { const s = window[name];
                    for (let i = 0; i < s.length; i++) { const k = s.key(i); o[k] = s.getItem(k); }
                    } catch (e) {} return o; };
                    return {local: dump('localStorage'), session: dump('sessionStorage')}; }"""
            )
        except PlaywrightError:
            return None
        snap = StorageSnapshot(
            page_url=page.url,
            cookies=tuple(
                Cookie(
                    name=c.get("name", ""),
                    value=c.get("value", ""),
                    domain=c.get("domain", ""),
                    path=c.get("path", "/"),
                    expires=float(c.get("expires", -1)),
                    secure=bool(c.get("secure")),
                    http_only=bool(c.get("httpOnly")),
                    same_site=str(c.get("sameSite", "")),
                )
                for c in cookies
            ),
            local=dict(areas.get("local", {})),
            session=dict(areas.get("session", {})),
        )
        with self._lock:
            self.storage.append(snap)
        return snap

    def document_html(self) -> list[str]:
        """The HTML of each main-frame document loaded so far, as served."""
        with self._lock:
            return [html for _response, html in self._documents]

    def _page_loads(self) -> list[PageLoad]:
        loads = []
        with self._lock:
            documents = list(self._documents)
        for response, html in documents:
            chain: list[str] = []
            request: Request | None = response.request
            while request is not None:
                chain.insert(0, request.url)
                request = request.redirected_from
            try:
                headers = {k.lower(): v for k, v in response.all_headers().items()}
            except PlaywrightError:
                headers = {k.lower(): v for k, v in response.headers.items()}
            loads.append(PageLoad(response.url, response.status, headers, html, tuple(chain)))
        return loads

    # -- result --------------------------------------------------------------------------
    def timeline(
        self,
        session: str,
        records: list[Record],
        *,
        landing: LandingInfo | None = None,
        consent_after_record: int | None = None,
        expected_events: tuple[str, ...] = (),
        unmet_expectations: tuple[str, ...] = (),
        noscript: Timeline | None = None,
    ) -> Timeline:
        pages = self._page_loads()
        with self._lock:
            return Timeline(
                session=session,
                pages=tuple(pages),
                calls=tuple(self.calls),
                violations=tuple(self.violations),
                errors=tuple(self.errors),
                network=tuple(
                    self._resolve(event, order)
                    for event, order in zip(self.network, self._network_order, strict=True)
                ),
                storage=tuple(self.storage),
                records=tuple(records),
                landing=landing,
                consent_after_record=consent_after_record,
                expected_events=expected_events,
                unmet_expectations=unmet_expectations,
                noscript=noscript,
                assignments=tuple(self.assignments),
                settles=tuple(self.settles),
            )
