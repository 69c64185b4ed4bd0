"""Facts every rule reads, computed once per timeline: pages, documents, events, policies, and
the judgements several rules share (what a page's CSP blocks, whether its base code works, the
validation table's findings).

Messages and evidence show URLs, text and parameters through :class:`Facts.redactor`
(:mod:`harness.rules.redaction`), which keeps them free of raw identifiers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

from harness.capture.initiator import Initiator, describe
from harness.capture.timeline import NetworkEvent, PageLoad, SpdtCall, Timeline
from harness.csp import Policy, page_policies
from harness.rules.base_code import broken_hit
from harness.rules.csp_blocks import Block, page_blocks
from harness.rules.html import LEGACY_HOST, HtmlFacts, analyse, is_script_url
from harness.rules.model import Hit, RuleConfig
from harness.rules.param_findings import ParamFinding, collect
from harness.rules.redaction import Redactor, show_key
from harness.rules.values import decode_arg, host_of, norm
from mock_endpoint.records import PixelEvent, Record

NON_EVENTS = frozenset({"conf", "alias"})
LEGACY_LOADER = f"the legacy Podsights loader {LEGACY_HOST}"


@dataclass(frozen=True, slots=True)
class Document:
    """The calls one document made (the capture's seq restarts with each document)."""

    index: int
    url: str  # the page URL of its first call
    calls: tuple[SpdtCall, ...]

    @property
    def conf_calls(self) -> tuple[SpdtCall, ...]:
        return tuple(c for c in self.calls if c.command == "conf")

    @property
    def event_calls(self) -> tuple[SpdtCall, ...]:
        return tuple(
            c
            for c in self.calls
            if not c.threw and isinstance(c.command, str) and c.command not in NON_EVENTS
        )


@dataclass(frozen=True, slots=True)
class Delivered:
    record: Record
    event: PixelEvent

    @property
    def page(self) -> str:
        return norm(self.event.url or self.record.page)


class Facts:
    """The timeline plus everything rules compute from it more than once."""

    def __init__(self, timeline: Timeline, config: RuleConfig) -> None:
        self.timeline = timeline
        self.config = config
        self.redactor = Redactor(timeline, config)
        # How messages and evidence show a URL, a text and parameters (identifiers shortened).
        self.url = self.redactor.url
        self.text = self.redactor.text
        self.params = self.redactor.params
        self._csp_blocks: dict[str, tuple[Block, ...]] = {}
        self._base_code_broken: dict[str, Hit | None] = {}

    # -- formatting for messages and evidence ---------------------------------------------
    def call(self, call: SpdtCall) -> str:
        """``spdt('purchase', {"value": "79,99"}) on https://shop.test/checkout``."""
        args = ", ".join(self.params(decode_arg(a)) for a in call.args)
        command = repr(call.command) if isinstance(call.command, str) else self.params(call.command)
        shown = f"{call.global_name}({command}{', ' + args if args else ''})"
        if call.threw:
            shown += f" threw {call.error or 'an error'}"
        return f"{shown} on {self.url(call.page_url)}"

    def source(self, initiator: Initiator | None, page_url: str) -> str:
        """Who made a call or a request, in words (harness/capture/initiator.py), for display."""
        return describe(initiator, page_url, self.url)

    def sources(self, label: str, items: Iterable[SpdtCall | NetworkEvent]) -> list[str]:
        """One evidence line per distinct source of ``items``: ``{label} {source}`` ("spdt('conf')
        called from inline script at line 22 of …"), with how many when a source made more than
        one; nothing for items whose source is unknown."""
        counts: dict[str, int] = {}
        for item in items:
            if item.initiator is not None:
                shown = self.source(item.initiator, item.page_url)
                counts[shown] = counts.get(shown, 0) + 1
        return [
            f"{label} {shown}" + (f" ({count} times)" if count > 1 else "")
            for shown, count in counts.items()
        ]

    def record(self, record: Record) -> str:
        return f"{record.method} {record.host}{record.path} → {record.status} (record #{record.id})"

    def show_delivered(self, item: Delivered) -> str:
        event = item.event
        params = self.params(event.params) if event.params else "{}"
        return (
            f"ingest record #{item.record.id}: {event.name} pid={show_key(event.key)} "
            f"{params} url={self.url(event.url)}"
        )

    def network(self, event: NetworkEvent) -> str:
        outcome = event.failure or (f"{event.status}" if event.status is not None else "pending")
        return f"{event.method} {self.url(event.url)} → {outcome} (from {self.url(event.page_url)})"

    # -- pages and documents ---------------------------------------------------------------
    @cached_property
    def hops(self) -> frozenset[str]:
        """URLs a redirect (HTTP or JavaScript) only passed through."""
        chains = [p.redirect_chain for p in self.timeline.pages]
        landing = self.timeline.landing
        if landing is not None:
            # A JavaScript redirect shows as a landing whose final URL is not the last of its
            # (HTTP) chain: every URL before the final one was only passed through.
            final = norm(landing.final_url)
            passed = (*landing.redirect_chain, landing.requested_url)
            chains.append((*(u for u in passed if norm(u) != final), landing.final_url))
        return frozenset(norm(u) for chain in chains for u in chain[:-1])

    @cached_property
    def pages(self) -> tuple[PageLoad, ...]:
        """HTML documents worth auditing: 2xx, HTML, not a redirect hop."""
        out: list[PageLoad] = []
        for page in self.timeline.pages:
            if page.status is not None and not 200 <= page.status < 300:
                continue
            if norm(page.url) in self.hops:
                continue
            kind = page.headers.get("content-type", "text/html").lower()
            if "html" not in kind:
                continue
            out.append(page)
        return tuple(out)

    def html(self, page: PageLoad) -> HtmlFacts:
        c = self.config
        return analyse(page.html, page.url, c.script_hosts, c.script_file, c.image_hosts)

    def policies(self, page: PageLoad) -> tuple[Policy, ...]:
        return page_policies(page.headers, page.html)

    @cached_property
    def documents(self) -> tuple[Document, ...]:
        """The calls split by the document that made them.

        The capture names each call's document; for calls without that id, a new document
        starts when the call's time (ms since its document's time origin) goes back, or when
        the call is made at the URL of a page loaded later than the current one
        (single-page-app routes to URLs that were never loaded stay in their document)."""
        loads = [norm(p.url) for p in self.timeline.pages]
        docs: list[tuple[str, list[SpdtCall]]] = []
        index = -1  # the page load the current document belongs to
        previous: SpdtCall | None = None
        for call in self.timeline.calls:
            url = norm(call.page_url)
            later = next((i for i in range(index + 1, len(loads)) if loads[i] == url), None)
            moved = previous is not None and url != norm(previous.page_url) and later is not None
            if previous is not None and call.document and previous.document:
                # the capture names each call's document: trust it over time and URL
                new_document = call.document != previous.document
            else:
                new_document = previous is None or call.time < previous.time or moved
            if new_document:
                if later is not None:
                    index = later
                elif index + 1 < len(loads) and loads[index + 1] == url:
                    index += 1
                docs.append((loads[index] if 0 <= index < len(loads) else url, []))
            docs[-1][1].append(call)
            previous = call
        return tuple(Document(i, url, tuple(calls)) for i, (url, calls) in enumerate(docs))

    def documents_of(self, page: PageLoad) -> tuple[Document, ...]:
        url = norm(page.url)
        return tuple(d for d in self.documents if d.url == url)

    def calls_on(self, page: PageLoad) -> tuple[SpdtCall, ...]:
        """Calls of the documents that started at this page's URL (SPA routes included)."""
        return tuple(c for d in self.documents_of(page) for c in d.calls)

    # -- network ---------------------------------------------------------------------------
    @cached_property
    def ingest_events_raw(self) -> tuple[tuple[Record, PixelEvent], ...]:
        return tuple(
            (r, e)
            for r in self.timeline.records
            if r.kind == "ingest" and r.host in self.config.ingest_hosts
            for e in r.events
        )

    @cached_property
    def delivered(self) -> tuple[Delivered, ...]:
        """Ingest events that reached the ingest host (whatever the mock answered), in order."""
        return tuple(Delivered(r, e) for r, e in self.ingest_events_raw)

    def delivered_on(self, page: PageLoad) -> tuple[Delivered, ...]:
        url = norm(page.url)
        return tuple(d for d in self.delivered if d.page == url)

    def is_script(self, url: str) -> bool:
        return is_script_url(url, self.config.script_hosts, self.config.script_file)

    def is_ingest(self, url: str) -> bool:
        try:
            parts = urlsplit(url)
        except ValueError:
            return False
        return (parts.hostname or "").lower() in self.config.ingest_hosts

    def network_from(self, page: PageLoad) -> tuple[NetworkEvent, ...]:
        url = norm(page.url)
        return tuple(n for n in self.timeline.network if norm(n.page_url) == url)

    def script_requests(self, page: PageLoad) -> tuple[NetworkEvent, ...]:
        return tuple(n for n in self.network_from(page) if self.is_script(n.url))

    def legacy_evidence(self, page: PageLoad) -> list[str]:
        """What shows the page uses the legacy Podsights loader (cdn.pdst.fm, ``pdst``): script
        requests to its CDN, ``pdst(...)`` calls, a ``pdst`` stub; the markup only as support."""
        url = norm(page.url)
        evidence = [
            self.network(n) for n in self.script_requests(page) if host_of(n.url) == LEGACY_HOST
        ]
        calls = [c for c in self.calls_on(page) if c.global_name == "pdst"]
        evidence += [self.call(c) for c in calls[:2]]
        if (
            any(
                a.global_name == "pdst" and norm(a.page_url) == url
                for a in self.timeline.assignments
            )
            and not calls
        ):
            evidence.append("window.pdst assigned (the legacy Podsights stub)")
        if evidence and self.html(page).legacy_loader:
            evidence.append("the base code in the HTML uses cdn.pdst.fm / pdst-capture")
        return evidence

    def loader_name(self, page: PageLoad) -> str:
        """How the page installs the pixel, for messages."""
        if self.legacy_evidence(page) or self.html(page).legacy_loader:
            return LEGACY_LOADER
        return "the base code"

    def loads_of(self, url: str) -> int:
        return sum(1 for p in self.timeline.pages if norm(p.url) == norm(url))

    def has_pixel(self, page: PageLoad) -> bool:
        """Any sign of the pixel on the page: markup, a script request, calls, events."""
        return bool(
            self.html(page).has_pixel
            or self.script_requests(page)
            or self.calls_on(page)
            or self.delivered_on(page)
            or any(norm(a.page_url) == norm(page.url) for a in self.timeline.assignments)
        )

    def pixel_pages(self) -> tuple[PageLoad, ...]:
        return tuple(p for p in self.pages if self.has_pixel(p))

    def keys_on(self, page: PageLoad) -> dict[str, list[str]]:
        """Every pixel key used on a page, with where it was seen."""
        keys: dict[str, list[str]] = {}
        for call in self.calls_on(page):
            if call.command == "conf" and call.args and isinstance(call.args[0], dict):
                key = call.args[0].get("key")
                if isinstance(key, str):
                    keys.setdefault(key, []).append(self.call(call))
        for item in self.delivered_on(page):
            if isinstance(item.event.key, str) and item.event.key:
                keys.setdefault(item.event.key, []).append(self.show_delivered(item))
        for key in self.html(page).conf_keys:
            keys.setdefault(key, []).append(f"inline base code: spdt('conf', {{key: {key!r}}})")
        return keys

    # -- judgements several rules share ----------------------------------------------------
    def csp_blocks(self, page: PageLoad) -> tuple[Block, ...]:
        """What each policy of ``page`` blocks of the pixel (:mod:`harness.rules.csp_blocks`),
        judged once per page."""
        blocks = self._csp_blocks.get(page.url)
        if blocks is None:
            blocks = self._csp_blocks[page.url] = page_blocks(self, page)
        return blocks

    def base_code_broken(self, page: PageLoad) -> Hit | None:
        """The BASE_CODE_BROKEN finding of ``page``, or None when its base code works
        (:mod:`harness.rules.base_code`), judged once per page."""
        if page.url not in self._base_code_broken:
            self._base_code_broken[page.url] = broken_hit(self, page)
        return self._base_code_broken[page.url]

    @cached_property
    def param_findings(self) -> tuple[ParamFinding, ...]:
        """The validation table's findings on every call and recorded event
        (:mod:`harness.rules.param_findings`)."""
        return collect(self)
