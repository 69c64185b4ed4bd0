"""The captured timeline of one browser context: what the page did, what the network saw,
what was stored. Frozen values; rules (harness/rules) read them and never touch the browser.

Sources, cross-checked by the rules:
- JS layer (an init script): every ``spdt(...)`` call, CSP violation events, uncaught errors;
- network layer: the mock's records for this context's session, and Playwright's request,
  response and requestfailed events;
- storage: cookies, localStorage and sessionStorage after each page load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.capture.initiator import Initiator
from mock_endpoint.records import Record


@dataclass(frozen=True, slots=True)
class SpdtCall:
    """One call of ``window.spdt(...)`` as the page made it (before the script replaced spdt)."""

    seq: int
    page_url: str
    command: Any  # usually a str; pages pass anything
    args: tuple[Any, ...]  # arguments after the command, JSON-cloned
    time: float  # ms since the page's time origin
    threw: bool = False
    error: str | None = None
    stub: str = "unknown"  # "function" (official queue stub), "object" (guide's stub), "live"
    document: str = ""  # an id per document (page load); "" when unknown
    global_name: str = "spdt"  # the global called: "spdt", or "pdst" (legacy Podsights loader)
    initiator: Initiator | None = None  # the script that made the call (its stack); None: unknown


@dataclass(frozen=True, slots=True)
class CspViolation:
    page_url: str
    directive: str  # effectiveDirective, e.g. "connect-src"
    blocked_uri: str
    disposition: str  # "enforce" or "report"
    original_policy: str = ""


@dataclass(frozen=True, slots=True)
class PageError:
    page_url: str
    message: str
    source: str = "pageerror"  # "pageerror" (uncaught) or "console"


@dataclass(frozen=True, slots=True)
class NetworkEvent:
    url: str
    method: str
    resource_type: str
    page_url: str
    status: int | None = None  # None when it failed
    failure: str | None = None  # Playwright's requestfailed errorText, e.g. net::ERR_BLOCKED_BY_CSP
    initiator: Initiator | None = None  # who asked for it (Chromium's DevTools protocol); None:
    # unknown (another browser, a worker, a request made before the capture attached)


@dataclass(frozen=True, slots=True)
class Cookie:
    name: str
    value: str
    domain: str
    path: str
    expires: float  # -1 for a session cookie
    secure: bool
    http_only: bool
    same_site: str


@dataclass(frozen=True, slots=True)
class StorageSnapshot:
    page_url: str
    cookies: tuple[Cookie, ...]
    local: dict[str, str]
    session: dict[str, str]


@dataclass(frozen=True, slots=True)
class PageLoad:
    """A main-frame document the context loaded."""

    url: str  # final URL after redirects
    status: int | None
    headers: dict[str, str]  # response headers, lower-case names
    html: str  # the document as served (not the live DOM)
    redirect_chain: tuple[str, ...] = ()  # every URL from the first request to ``url``


@dataclass(frozen=True, slots=True)
class LandingInfo:
    requested_url: str
    click_id: str | None
    param: str | None
    redirect_chain: tuple[str, ...]
    final_url: str


@dataclass(frozen=True, slots=True)
class Timeline:
    session: str
    pages: tuple[PageLoad, ...] = ()
    calls: tuple[SpdtCall, ...] = ()
    violations: tuple[CspViolation, ...] = ()
    errors: tuple[PageError, ...] = ()
    network: tuple[NetworkEvent, ...] = ()
    storage: tuple[StorageSnapshot, ...] = ()
    records: tuple[Record, ...] = ()  # the mock's records for this session, in arrival order
    landing: LandingInfo | None = None
    consent_after_record: int | None = None  # mock record id at the flow's consent step
    consent_choice: str | None = None  # accept, reject, none, revoke: how the consent step ran
    consent_denied_after_record: int | None = None  # mock record id at a reject or withdrawal
    consent_outcome: dict[str, Any] | None = None  # what fired, was stored, survived (runner)
    expected_events: tuple[str, ...] = ()  # events the flow or journey said must fire
    unmet_expectations: tuple[str, ...] = ()  # near-miss messages of expectations not met
    noscript: Timeline | None = None  # the same landing with JavaScript disabled
    assignments: tuple[SpdtAssignment, ...] = ()  # values window.spdt held, in order
    extra: dict[str, Any] = field(default_factory=dict)
    settles: tuple[SettleDecision, ...] = ()  # each settle: why it waited, how long


@dataclass(frozen=True, slots=True)
class SpdtAssignment:
    """The page assigned a new value to ``window.spdt`` (the stub, then the live function)."""

    page_url: str
    generation: int  # 1 for the first value (the base code's stub), 2+ for replacements
    type: str  # "function", "object", ...
    keys: tuple[str, ...] = ()  # own keys of the value: ["_q", "on", "off", "emit"] for the guide's
    global_name: str = "spdt"  # "spdt", or "pdst" (legacy Podsights loader)
    initiator: Initiator | None = None  # the script that assigned it (a base-code run)


@dataclass(frozen=True, slots=True)
class SettleWait:
    """One reason a settle kept waiting, and for how long it held."""

    reason: str  # a stable code: load, pixel_script, queue, spotify_request, spdt_call, ...
    ms: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class SettleDecision:
    """When the capture judged a page settled (harness/capture/settle.py), and why it waited."""

    page_url: str
    waited_ms: float  # from the start of the settle to the decision
    outcome: str  # "settled" (every condition held) or "limit" (the longest wait ran out)
    waits: tuple[SettleWait, ...] = ()  # reasons that held during the wait, longest first
    quiet_ms: float = 0.0  # the quiet period asked for
    limit_ms: float = 0.0  # the longest wait allowed
    pending: tuple[str, ...] = ()  # reasons still holding when the limit ran out

    def to_json(self) -> dict[str, Any]:
        return {
            "page_url": self.page_url,
            "waited_ms": self.waited_ms,
            "outcome": self.outcome,
            "waits": [{"reason": w.reason, "ms": w.ms, "detail": w.detail} for w in self.waits],
            "quiet_ms": self.quiet_ms,
            "limit_ms": self.limit_ms,
            "pending": list(self.pending),
        }
