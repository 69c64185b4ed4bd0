"""Rules about installing the pixel: present, loaded, callable, once, configured with one key."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from harness.capture.timeline import NetworkEvent, PageLoad, SpdtCall
from harness.rules.facts import Document, Facts
from harness.rules.model import ADS_MANAGER, Hit, rule
from harness.rules.redaction import show_key
from harness.rules.values import norm
from mock_endpoint.validation import validate_pixel_event

_INTEGRITY = re.compile(r"\bintegrity\b", re.I)


@rule(
    "PIXEL_NOT_FOUND",
    "error",
    title="no base code or pixel script on the page",
    fix=f"Paste the base code from {ADS_MANAGER} into the <head> of every page (sitewide).",
    source="live pixel",
)
def pixel_not_found(facts: Facts) -> Iterator[Hit]:
    for page in facts.pages:
        if facts.has_pixel(page):
            continue
        evidence = [
            f"no inline base code, no <script src=…/{facts.config.script_file}> in the HTML"
        ]
        evidence.append(f"no request for {facts.config.script_file} from this page")
        evidence.extend(
            f"{e.message}" for e in facts.timeline.errors if norm(e.page_url) == norm(page.url)
        )
        held = facts.html(page).held
        if held:
            evidence.insert(0, f"{held} pixel snippet(s) parked as non-running <script type>")
        yield Hit(
            f"No Spotify pixel on {facts.url(page.url)}: no base code, no ping.min.js script "
            "and no spdt calls"
            + (
                " (a consent manager holds the base code back and did not release it in this run)."
                if held
                else "."
            ),
            page=facts.url(page.url),
            evidence=tuple(evidence[:4]),
        )


def _integrity_blocks(facts: Facts, page: PageLoad) -> list[str]:
    """Console errors of the page saying a pixel script failed its Subresource Integrity check
    (the request succeeds, the browser refuses to run the script)."""
    url = norm(page.url)
    return [
        e.message
        for e in facts.timeline.errors
        if norm(e.page_url) == url
        and _INTEGRITY.search(e.message)
        and any(h in e.message for h in facts.config.script_hosts)
    ]


def ran_requests(facts: Facts, page: PageLoad) -> list[NetworkEvent]:
    """Script requests that succeeded and were not refused by an integrity check."""
    requests = facts.script_requests(page)
    ok = [r for r in requests if r.failure is None and r.status is not None and r.status < 400]
    blocked = _integrity_blocks(facts, page)
    return [r for r in ok if not any(r.url in m for m in blocked)]


def script_loaded(facts: Facts, page: PageLoad) -> tuple[bool, list[str]]:
    """Whether ping.min.js ran on the page, and the failures seen when it did not."""
    requests = facts.script_requests(page)
    ok = ran_requests(facts, page)
    live = any(c.stub == "live" for c in facts.calls_on(page))
    assigned = any(
        a.generation >= 2 and norm(a.page_url) == norm(page.url) for a in facts.timeline.assignments
    )
    evidence = [facts.network(r) for r in requests if r not in ok]
    evidence += [f"blocked by the browser: {facts.text(m)}" for m in _integrity_blocks(facts, page)]
    evidence.extend(
        f"CSP violation ({v.disposition}): {v.directive} blocked {facts.url(v.blocked_uri)}"
        for v in facts.timeline.violations
        if norm(v.page_url) == norm(page.url)
        and v.disposition == "enforce"
        and facts.is_script(v.blocked_uri)
    )
    return bool(ok or live or assigned or facts.delivered_on(page)), evidence


@rule(
    "SCRIPT_NOT_LOADED",
    "error",
    title="base code present, ping.min.js did not load (blocked, failed)",
    fix="Make https://pixel.byspotify.com/ping.min.js load: allow it in the CSP, check the URL "
    "and that no consent tool or blocker removes it.",
    source="live pixel",
)
def script_not_loaded(facts: Facts) -> Iterator[Hit]:
    for page in facts.pages:
        html = facts.html(page)
        if not (html.base_codes or html.script_tags or facts.script_requests(page)):
            continue
        loaded, evidence = script_loaded(facts, page)
        if loaded:
            continue
        named = [u for s in html.base_codes for u in s.script_srcs if not facts.is_script(u)]
        evidence += [f"the base code loads {facts.url(u)}, not a pixel script URL" for u in named]
        evidence += [
            facts.network(n)
            for n in facts.network_from(page)
            if n.url in named and (n.failure or (n.status or 0) >= 400)
        ]
        if not evidence:
            evidence = [f"no successful request for {facts.config.script_file} from this page"]
        loader = facts.loader_name(page)
        yield Hit(
            f"{loader[0].upper()}{loader[1:]} is on {facts.url(page.url)} but "
            f"{facts.config.script_file} did not load, so no event is sent.",
            page=facts.url(page.url),
            evidence=tuple(evidence),
        )


@rule(
    "BASE_CODE_BROKEN",
    "error",
    title="the base code throws or spdt is not callable (e.g. the guide's object stub)",
    fix=f"Use the base code from {ADS_MANAGER} (the official function stub "
    "`w.spdt = w.spdt || function(){(w.spdt.q = w.spdt.q || []).push(arguments)}`).",
    source="guide vs live pixel",
)
def base_code_broken(facts: Facts) -> Iterator[Hit]:
    for page in facts.pages:
        hit = facts.base_code_broken(page)
        if hit is not None:
            yield hit


def _views_at_start(doc: Document) -> int:
    """Identical view calls made at the document's first URL (before any route change)."""
    first = norm(doc.calls[0].page_url) if doc.calls else ""
    views = [
        repr(c.args)
        for c in doc.calls
        if c.command == "view" and not c.threw and norm(c.page_url) == first
    ]
    return max((views.count(v) for v in set(views)), default=0)


@rule(
    "DUPLICATE_BASE_CODE",
    "warning",
    title="base code or script included more than once",
    fix="Install the base code once per page: either directly or through the tag manager, "
    "not both.",
    source="Spotify's advice",
)
def duplicate_base_code(facts: Facts) -> Iterator[Hit]:
    for page in facts.pages:
        html = facts.html(page)
        loads = max(1, facts.loads_of(page.url))
        requests = facts.script_requests(page)
        per_doc_requests = len(requests) / loads
        # Two copies of the official snippet load the script once (the spdt-capture guard) but
        # conf and view twice. A tag manager may repeat conf with every event tag (Spotify's
        # advice), so only conf and view both repeated in one document count as copies.
        doubled_conf = max(
            (
                min(len(d.conf_calls), _views_at_start(d))
                for d in facts.documents_of(page)
                if len({repr(c.args) for c in d.conf_calls}) == 1
            ),
            default=0,
        )
        copies = max(html.loaders, int(per_doc_requests), doubled_conf)
        if copies < 2:
            continue
        evidence: list[str] = []
        if html.loaders > 1:
            evidence.append(
                f"{html.loaders} copies in the HTML: "
                f"{sum(1 for s in html.inline if s.loads_script)} inline base code(s), "
                f"{len(html.script_tags)} <script src> tag(s)"
            )
        if per_doc_requests >= 2:
            evidence.extend(facts.network(r) for r in requests[:3])
            evidence.extend(facts.sources(f"{facts.config.script_file} requested by", requests))
        if doubled_conf >= 2:
            doc = next(d for d in facts.documents_of(page) if len(d.conf_calls) == doubled_conf)
            evidence.extend(facts.call(c) for c in doc.conf_calls[:3])
            glob = doc.conf_calls[0].global_name
            evidence.extend(facts.sources(f"{glob}('conf') called from", doc.conf_calls))
        if html.tag_manager:
            evidence.append("a tag manager container is on the page too")
        yield Hit(
            f"The pixel base code is installed {copies} times on {facts.url(page.url)}.",
            page=facts.url(page.url),
            evidence=tuple(evidence),
        )


@rule(
    "MISSING_CONF",
    "error",
    title="events without any conf key, or ping.min.js loaded but never configured",
    fix="Call spdt('conf', {key: '<your 32-hex pixel key>'}) before any event (it is part of "
    "the base code).",
    source="live pixel",
)
def missing_conf(facts: Facts) -> Iterator[Hit]:
    seen: set[str] = set()
    # A conf that threw (the guide's stub) is BASE_CODE_BROKEN, the cause: not reported here.
    broken_pages = {norm(p.url) for p in facts.pages if facts.base_code_broken(p) is not None}
    for doc in facts.documents:
        events = doc.event_calls
        if not events or doc.conf_calls or doc.url in broken_pages:
            continue
        seen.add(doc.url)
        names = ", ".join(dict.fromkeys(str(c.command) for c in events))
        glob = events[0].global_name
        yield Hit(
            f"{glob} events ({names}) are called on {facts.url(doc.url)} but "
            f"{glob}('conf', {{key}}) never is: events without a pixel key are not attributed.",
            page=facts.url(doc.url),
            evidence=tuple(facts.call(c) for c in events[:4]),
        )
    for item in facts.delivered:
        if item.event.key or item.page in seen:
            continue
        seen.add(item.page)
        yield Hit(
            f"Events reached the ingest host from {facts.url(item.page)} without a pixel key "
            "(no pid).",
            page=facts.url(item.page),
            evidence=(facts.show_delivered(item),),
        )
    # ping.min.js ran but the page never called conf nor any event: loaded, never configured.
    for page in facts.pages:
        url = norm(page.url)
        if url in seen or url in broken_pages or facts.calls_on(page) or facts.delivered_on(page):
            continue
        ran = ran_requests(facts, page)
        if not ran:
            continue
        seen.add(url)
        yield Hit(
            f"{facts.config.script_file} is loaded on {facts.url(page.url)} but the pixel is "
            "never configured: no spdt('conf', {key}) and no event is called, so nothing is "
            "tracked.",
            page=facts.url(page.url),
            evidence=(
                *(facts.network(r) for r in ran[:2]),
                "no spdt(...) call on this page",
                "nothing reached the ingest host from this page",
            ),
        )


@rule(
    "EVENT_BEFORE_CONF",
    "warning",
    title="an event called before conf",
    fix="Call spdt('conf', …) first: keep the base code above every event call.",
    source="live pixel",
)
def event_before_conf(facts: Facts) -> Iterator[Hit]:
    for doc in facts.documents:
        first_conf = next((i for i, c in enumerate(doc.calls) if c.command == "conf"), None)
        if first_conf is None:
            continue
        early = [
            c
            for c in doc.calls[:first_conf]
            if isinstance(c.command, str) and c.command != "conf" and not c.threw
        ]
        if not early:
            continue
        yield Hit(
            f"spdt('{early[0].command}') is called before spdt('conf', …) on {facts.url(doc.url)}.",
            page=facts.url(doc.url),
            evidence=(*(facts.call(c) for c in early[:3]), facts.call(doc.calls[first_conf])),
        )


@rule(
    "MULTIPLE_PIXEL_KEYS",
    "warning",
    title="more than one distinct key conf'd on a page",
    fix="Conf one pixel key per page; conf is global and the last call wins.",
    source="live pixel",
)
def multiple_pixel_keys(facts: Facts) -> Iterator[Hit]:
    for page in facts.pages:
        keys = facts.keys_on(page)
        if len(keys) < 2:
            continue
        shown = ", ".join(show_key(k) for k in keys)
        last = _last_conf_key(facts, page.url) or list(keys)[-1]
        evidence = [e for where in keys.values() for e in where[:2]]
        for key in keys:
            confs = [c for c in facts.calls_on(page) if _conf_key(c) == key]
            if confs:
                label = f"{confs[0].global_name}('conf') with key {show_key(key)} called from"
                evidence.extend(facts.sources(label, confs))
        yield Hit(
            f"{len(keys)} pixel keys are used on {facts.url(page.url)} ({shown}); conf is global "
            f"and the last call wins, so events are attributed to {show_key(last)}.",
            page=facts.url(page.url),
            evidence=tuple(evidence),
        )


def _conf_key(call: SpdtCall) -> str | None:
    """The key of a ``conf`` call, None for any other call."""
    if call.command != "conf" or not call.args or not isinstance(call.args[0], dict):
        return None
    key = call.args[0].get("key")
    return key if isinstance(key, str) else None


def _last_conf_key(facts: Facts, page_url: str) -> str | None:
    key = None
    for doc in facts.documents:
        if doc.url != norm(page_url):
            continue
        for call in doc.conf_calls:
            if call.args and isinstance(call.args[0], dict):
                value = call.args[0].get("key")
                key = value if isinstance(value, str) else key
    return key


@rule(
    "INVALID_PIXEL_KEY",
    "error",
    title="key not 32 hex characters, or a placeholder such as YOUR_PIXEL_ID",
    fix=f"Use the 32-character lowercase hex pixel key from {ADS_MANAGER}.",
    source="live pixel",
)
def invalid_pixel_key(facts: Facts) -> Iterator[Hit]:
    candidates: dict[tuple[str, str], list[str]] = {}
    key: Any
    for page in facts.pages:
        for key, where in facts.keys_on(page).items():
            candidates.setdefault((key, facts.url(page.url)), []).extend(where)
        for image in facts.html(page).images:
            if image.key is not None:
                candidates.setdefault((image.key, facts.url(page.url)), []).append(
                    f"image pixel: {facts.url(image.src)}"
                )
    for doc in facts.documents:
        for call in doc.conf_calls:
            arg = call.args[0] if call.args else None
            key = arg.get("key") if isinstance(arg, dict) else None
            if not isinstance(key, str):
                candidates.setdefault(("", facts.url(doc.url)), []).append(facts.call(call))
    for (key, shown_page), where in candidates.items():
        if not key:
            yield Hit(
                "spdt('conf', …) is called without a string key.",
                page=shown_page or None,
                evidence=tuple(where[:4]),
            )
            continue
        problems = [
            f.message
            for f in validate_pixel_event("conf", key or None, {})
            if f.code == "INVALID_PIXEL_KEY"
        ]
        if problems:
            yield Hit(
                f"{problems[0][0].upper()}{problems[0][1:]}.",
                page=shown_page or None,
                evidence=tuple(where[:4]),
            )
