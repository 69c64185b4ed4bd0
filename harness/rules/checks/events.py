"""Rules about events: parameters (the mock's validation table), names, duplicates, delivery
and expectations."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from harness.capture.timeline import SpdtCall
from harness.rules.checks.flow import COUNTED
from harness.rules.checks.install import script_loaded
from harness.rules.facts import NON_EVENTS, Facts
from harness.rules.model import Hit, rule
from harness.rules.values import decode_arg, norm
from mock_endpoint.validation import KNOWN_EVENTS

VOLATILE = frozenset({"ts", "time", "timestamp", "sid", "uid", "seq", "nonce"})
CUSTOM_MESSAGE = (
    "spdt('custom', …) is the setup guide's custom event; the live pixel has no 'custom' "
    "event, only custom_event_1 … custom_event_5 (the slots cannot be renamed), so it is not "
    "counted."
)


def param_hits(facts: Facts, code: str) -> Iterator[Hit]:
    """The hits of a parameter rule: the validation table's findings of ``code``
    (:attr:`Facts.param_findings`), one per page and message."""
    for item in facts.param_findings:
        if item.code != code:
            continue
        if code == "UNKNOWN_EVENT" and item.name == "custom":
            message = CUSTOM_MESSAGE
        else:
            prefix = f"{item.name}: " if item.name and code != "UNKNOWN_EVENT" else ""
            message = f"{prefix}{facts.text(item.message)}"
            message = message[0].upper() + message[1:] if message else message
            if not message.endswith((".", "?", ")")):
                message += "."
        yield Hit(message, page=facts.url(item.page) or None, evidence=item.evidence)


# -- parameters and names ---------------------------------------------------------------------


@rule(
    "UNFILLED_PLACEHOLDER",
    "error",
    title="a documented parameter holds a template placeholder ({{…}}, ${…}, Spotify's INSERT_* "
    "and snippet tokens such as VARIANT_NAME, 'undefined', …) or an empty string",
    fix="Fill the template variable (or leave the parameter out) before the event is sent.",
    source="live pixel",
)
def unfilled_placeholder(facts: Facts) -> Iterator[Hit]:
    return param_hits(facts, "UNFILLED_PLACEHOLDER")


@rule(
    "UNKNOWN_EVENT",
    "warning",
    title="an event name the live pixel does not support (e.g. the guide's `custom`)",
    fix="Use a live event name: view, product, lead, signup, addtocart, checkout, purchase, "
    "alias or custom_event_1 … custom_event_5.",
    source="guide vs live pixel",
)
def unknown_event(facts: Facts) -> Iterator[Hit]:
    return param_hits(facts, "UNKNOWN_EVENT")


# -- duplicates -------------------------------------------------------------------------------


def _signature(params: Any) -> str:
    """What makes two events the same: their order_id/event_id when they carry one (the same
    order sent twice is double counting even if other fields differ), else every parameter."""
    if isinstance(params, list) and len(params) == 1:
        params = params[0]
    if isinstance(params, dict):
        ids = {k: params[k] for k in ("order_id", "event_id") if params.get(k) not in (None, "")}
        if ids:
            return "ids:" + json.dumps(ids, sort_keys=True, default=str)
        params = {k: v for k, v in params.items() if k not in VOLATILE}
    return json.dumps(params, sort_keys=True, default=str)


def _runs(urls: list[str]) -> Counter[str]:
    """How many separate runs of each URL a sequence has (``a a b a`` → a: 2, b: 1)."""
    runs: Counter[str] = Counter()
    previous = None
    for url in urls:
        if url != previous:
            runs[url] += 1
        previous = url
    return runs


def _arrivals(facts: Facts) -> Counter[str]:
    """How many times the page arrived at each URL (document loads and single-page-app route
    changes), as the calls of each document and the order of delivered events show it."""
    arrivals: Counter[str] = Counter()
    for doc in facts.documents:
        arrivals.update(_runs([norm(c.page_url) for c in doc.calls]))
    delivered = _runs([d.page for d in facts.delivered])
    for url, count in delivered.items():
        arrivals[url] = max(arrivals[url], count)
    return arrivals


@rule(
    "DUPLICATE_EVENT",
    "warning",
    title="the same event sent twice for one page view (e.g. a manual view on SPA navigation)",
    fix="Send each event once per page view; on a single-page app do not call spdt('view') on "
    "route changes: the pixel reports history navigation itself.",
    source="live pixel",
)
def duplicate_event(facts: Facts) -> Iterator[Hit]:
    repeatable = set(facts.config.repeatable_events)
    found: dict[tuple[str, str], tuple[int, list[str], bool]] = {}
    arrivals = _arrivals(facts)
    groups: dict[tuple[str, str, str, str], list[Any]] = {}
    for item in facts.delivered:
        event = item.event
        if event.name in repeatable or event.name in NON_EVENTS:
            continue  # alias may be sent once per product or tag firing: never a duplicate
        key = (event.name, str(event.key), item.page, _signature(event.params))
        groups.setdefault(key, []).append(item)
    for (name, _, page, _), items in groups.items():
        allowed = max(1, facts.loads_of(page), arrivals[page])
        if len(items) > allowed:
            found[(page, name)] = (len(items), [facts.show_delivered(i) for i in items[:3]], True)
    for doc in facts.documents:
        runs: dict[tuple[str, str, str], list[SpdtCall]] = {}
        run_index = 0
        previous = None
        for call in doc.event_calls:
            url = norm(call.page_url)
            if url != previous:
                run_index += 1
            previous = url
            if call.command in repeatable:
                continue
            args = _signature([decode_arg(a) for a in call.args])
            runs.setdefault((f"{run_index}|{url}", str(call.command), args), []).append(call)
        for (run, name, _), calls in runs.items():
            page = run.split("|", 1)[1]
            if len(calls) > 1 and (page, name) not in found:
                found[(page, name)] = (len(calls), [facts.call(c) for c in calls[:3]], False)
    for (page, name), (count, shown, from_ingest) in found.items():
        message = f"{name} is sent {count} times for one page view of {facts.url(page)}"
        made = [c for c in facts.timeline.calls if c.command == name and norm(c.page_url) == page]
        manual = len(made)
        evidence = shown + (
            facts.sources(f"{made[0].global_name}('{name}') called from", made) if made else []
        )
        if name == "view" and from_ingest and manual < count:
            message += (
                ": the pixel reports history (single-page-app) navigation itself, and the site "
                "also calls spdt('view') on the route change"
            )
        yield Hit(message + ".", page=facts.url(page), evidence=tuple(evidence))


# -- values, currencies and ids --------------------------------------------------------------


@rule(
    "MISSING_CURRENCY",
    "error",
    title="value without currency",
    fix="Send currency (an ISO 4217 code such as 'USD') with every value.",
    source="live pixel",
)
def missing_currency(facts: Facts) -> Iterator[Hit]:
    return param_hits(facts, "MISSING_CURRENCY")


@rule(
    "MISSING_VALUE",
    "warning",
    title="purchase without value",
    fix="Send the order's value (a number) and currency with purchase.",
    source="live pixel",
)
def missing_value(facts: Facts) -> Iterator[Hit]:
    return param_hits(facts, "MISSING_VALUE")


@rule(
    "INVALID_CURRENCY",
    "error",
    title="currency not an ISO 4217 code",
    fix="Send a three-letter ISO 4217 code ('GBP', not '£').",
    source="live pixel",
)
def invalid_currency(facts: Facts) -> Iterator[Hit]:
    return param_hits(facts, "INVALID_CURRENCY")


@rule(
    "INVALID_VALUE",
    "error",
    title="value not a number >= 0 (e.g. '79,99'; a clean numeric string such as '133.55' is "
    "valid)",
    fix="Send value as a JSON number with a dot decimal separator (79.99, not '79,99').",
    source="live pixel",
)
def invalid_value(facts: Facts) -> Iterator[Hit]:
    return param_hits(facts, "INVALID_VALUE")


@rule(
    "INVALID_PARAMETER",
    "warning",
    title="a documented parameter of the wrong type (quantity, is_new_customer, line_items …; '3' "
    "and 'true' are valid)",
    fix="Send documented parameters with their documented types (quantity an integer, "
    "is_new_customer a boolean, line_items a list of objects).",
    source="live pixel",
)
def invalid_parameter(facts: Facts) -> Iterator[Hit]:
    return param_hits(facts, "INVALID_PARAMETER")


@rule(
    "MISSING_ORDER_ID",
    "warning",
    title="purchase without order_id or event_id (event_id deduplicates with server-side events)",
    fix="Send event_id with purchase, the same event_id your server-side (Conversions API) "
    "event carries: Spotify deduplicates pixel and server events by event_id only; order_id "
    "is not a dedup key.",
    source="live pixel",
)
def missing_order_id(facts: Facts) -> Iterator[Hit]:
    return param_hits(facts, "MISSING_ORDER_ID")


# -- expectations and delivery ----------------------------------------------------------


def _fired(facts: Facts) -> set[str]:
    names = {str(c.command) for c in facts.timeline.calls if not c.threw}
    return names | {d.event.name for d in facts.delivered}


def _expected_name(message: str) -> str | None:
    """The event of an ``expected NAME …`` message (count and no-traffic messages: None)."""
    words = message.split()
    if len(words) >= 2 and words[0].lower() == "expected" and words[1] not in ("exactly", "no"):
        return words[1].strip(",;:")
    return None


@rule(
    "EVENT_NOT_FIRED",
    "error",
    title="an event the flow or journey expects never fired",
    fix="Call spdt('<event>', …) on the action itself (or its confirmation page).",
    source="flow",
)
def event_not_fired(facts: Facts) -> Iterator[Hit]:
    fired = _fired(facts)
    unmet = facts.timeline.unmet_expectations
    expected = list(dict.fromkeys(facts.timeline.expected_events))
    for message in unmet:
        name = _expected_name(message)
        if name and name not in expected:
            expected.append(name)
    seen = sorted(fired - {"conf"})
    counted = {m.group(2) for m in map(COUNTED.match, unmet) if m}  # EVENT_COUNT_MISMATCH's
    for name in expected:
        if name in fired or name in counted:
            continue
        evidence = [facts.text(m) for m in unmet if _expected_name(m) == name]
        threw = [c for c in facts.timeline.calls if c.command == name and c.threw]
        evidence += [facts.call(c) for c in threw[:2]]
        evidence.append(f"events seen: {', '.join(seen) if seen else 'none'}")
        yield Hit(
            f"The flow expected a {name} event, but it never fired.", evidence=tuple(evidence)
        )


@rule(
    "EVENT_NOT_DELIVERED",
    "error",
    title="spdt was called but no beacon reached the ingest host",
    fix="Let the pixel reach https://pixels.spotify.com/v1/ingest: allow it in connect-src and "
    "do not block it.",
    source="live pixel",
)
def event_not_delivered(facts: Facts) -> Iterator[Hit]:
    known = set(KNOWN_EVENTS) - {"conf", "alias"}
    delivered: Counter[tuple[str, str]] = Counter(
        (d.event.name, d.page) for d in facts.delivered if d.event.url
    )
    # Events whose body has no page URL (an ingest format we do not fully know) match by name.
    unplaced: Counter[str] = Counter(d.event.name for d in facts.delivered if not d.event.url)
    loaded_pages = {norm(p.url): script_loaded(facts, p)[0] for p in facts.pages}
    # No ingest record at all but the browser saw ingest requests succeed: the mock did not
    # record this session, so delivery cannot be compared event by event.
    unrecorded = (
        {
            norm(n.page_url)
            for n in facts.timeline.network
            if facts.is_ingest(n.url) and n.failure is None and (n.status or 0) in range(200, 400)
        }
        if not facts.ingest_events_raw
        else set()
    )
    for doc in facts.documents:
        if not doc.conf_calls or not loaded_pages.get(doc.url, True):
            continue  # MISSING_CONF or SCRIPT_NOT_LOADED is the cause; reported there
        called: dict[tuple[str, str], list[SpdtCall]] = {}
        for call in doc.event_calls:
            if call.command in known:
                called.setdefault((str(call.command), norm(call.page_url)), []).append(call)
        for (name, page), calls in called.items():
            if doc.url in unrecorded or page in unrecorded:
                continue
            missing = len(calls) - delivered[(name, page)]
            if missing > 0 and unplaced[name]:
                used = min(missing, unplaced[name])
                unplaced[name] -= used
                delivered[(name, page)] += used
                missing -= used
            if missing <= 0:
                delivered[(name, page)] -= len(calls)
                continue
            delivered[(name, page)] = 0
            evidence = [facts.call(c) for c in calls[:2]]
            evidence += _delivery_failures(facts, page)
            yield Hit(
                f"spdt('{name}') was called {len(calls)} time(s) on {facts.url(page)} but "
                f"{len(calls) - missing} {name} event(s) reached {facts.config.ingest_hosts[0]}.",
                page=facts.url(page),
                evidence=tuple(evidence),
            )


def _delivery_failures(facts: Facts, page: str) -> list[str]:
    out = [
        facts.network(n)
        for n in facts.timeline.network
        if facts.is_ingest(n.url) and (n.failure or (n.status or 0) >= 400)
    ]
    out += [
        f"CSP violation ({v.disposition}): {v.directive} blocked {facts.url(v.blocked_uri)}"
        for v in facts.timeline.violations
        if facts.is_ingest(v.blocked_uri) and v.disposition == "enforce"
    ]
    out += [
        facts.record(r)
        for r in facts.timeline.records
        if r.kind == "ingest" and r.status >= 400 and norm(r.page) in (page, "")
    ]
    if not out:
        out.append(f"no ingest request to {facts.config.ingest_url} was seen for this page")
    return out[:5]
