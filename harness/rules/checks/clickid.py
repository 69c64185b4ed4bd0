"""Rules about the click id: kept through redirects, persisted, visible where conversion happens."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl, quote, urlsplit

from harness.capture.timeline import Cookie, LandingInfo, StorageSnapshot
from harness.rules.facts import Facts
from harness.rules.model import Hit, rule
from harness.rules.redaction import redact
from harness.rules.values import host_of, norm


def _holds(value: str, click_id: str) -> bool:
    return bool(value) and (click_id in value or quote(click_id, safe="") in value)


def _cookie_visible(cookie: Cookie, host: str) -> bool:
    domain = cookie.domain.lower()
    if domain.startswith("."):
        return host == domain[1:] or host.endswith(domain)
    return host == domain


def _first_party(cookie: Cookie, host: str) -> bool:
    domain = cookie.domain.lower().lstrip(".")
    return bool(host) and (
        host == domain or host.endswith("." + domain) or domain.endswith("." + host)
    )


def _holders(
    facts: Facts, snapshot: StorageSnapshot, click_id: str, host: str
) -> list[tuple[str, str]]:
    """Where a snapshot holds the click id: (kind, name) pairs."""
    names = set(facts.config.click_id_names)
    allowed = set(facts.config.click_id_storage)
    found: list[tuple[str, str]] = []
    if "cookie" in allowed:
        found += [
            ("cookie", c.name)
            for c in snapshot.cookies
            if _holds(c.value, click_id)
            and _first_party(c, host)
            and (not names or c.name in names)
        ]
    for kind, store in (("local", snapshot.local), ("session", snapshot.session)):
        if kind in allowed:
            found += [
                (kind, k)
                for k, v in store.items()
                if isinstance(v, str) and _holds(v, click_id) and (not names or k in names)
            ]
    return found


def _landing_snapshots(facts: Facts, landing: LandingInfo) -> list[StorageSnapshot]:
    """Snapshots from the landing page on (storage is captured after each page load)."""
    snapshots = list(facts.timeline.storage)
    final = norm(landing.final_url)
    for i, snapshot in enumerate(snapshots):
        if norm(snapshot.page_url) == final:
            return snapshots[i:]
    return snapshots


def _landing(facts: Facts) -> LandingInfo | None:
    landing = facts.timeline.landing
    if landing is None or not landing.click_id:
        return None
    return landing


@rule(
    "CLICK_ID_NOT_PERSISTED",
    "error",
    title="after landing with a click id, no first-party storage holds it",
    fix="Load the base code on the landing page itself, keep the click id parameter in the URL "
    "until it runs, and do not clear the pixel's storage.",
    source="live pixel",
)
def click_id_not_persisted(facts: Facts) -> Iterator[Hit]:
    landing = _landing(facts)
    if landing is None or landing.click_id is None:
        return
    snapshots = _landing_snapshots(facts, landing)
    if not snapshots:
        return
    click_id = landing.click_id
    host = host_of(landing.final_url)
    held = [(s, _holders(facts, s, click_id, host_of(s.page_url) or host)) for s in snapshots]
    where = [h for _, hs in held for h in hs]
    page = facts.url(landing.final_url)
    if not where:
        last = snapshots[-1]
        evidence = [
            f"landed on {facts.url(landing.requested_url)} with "
            f"{landing.param or 'click id'}={redact(click_id)}",
            f"cookies: {', '.join(sorted({c.name for c in last.cookies})) or 'none'}",
            f"localStorage: {', '.join(sorted(last.local)) or 'empty'}",
            f"sessionStorage: {', '.join(sorted(last.session)) or 'empty'}",
        ]
        if norm(landing.final_url) != norm(landing.requested_url):
            evidence.append(f"final landing URL: {facts.url(landing.final_url)}")
        yield Hit(
            f"After landing with click id {redact(click_id)}, no first-party cookie, "
            "localStorage or sessionStorage entry holds it: conversions cannot be attributed to "
            "the ad click.",
            page=page,
            evidence=tuple(evidence),
        )
        return
    # Cleared: a later snapshot on a host where it was held no longer has it anywhere (a
    # different host not seeing it is CLICK_ID_COOKIE_SCOPE's business).
    hosts = {host_of(s.page_url) for s, hs in held if hs}
    last_snapshot, last_holders = next(
        ((s, hs) for s, hs in reversed(held) if host_of(s.page_url) in hosts), held[-1]
    )
    if not last_holders and len(held) > 1:
        kept = ", ".join(f"{k} {n}" for k, n in dict.fromkeys(where))
        yield Hit(
            f"The click id was stored ({kept}) but is gone by "
            f"{facts.url(last_snapshot.page_url)}: something cleared the pixel's storage.",
            page=facts.url(last_snapshot.page_url),
            evidence=(f"stored after landing: {kept}", "cleared later"),
        )


@rule(
    "CLICK_ID_DROPPED_BY_REDIRECT",
    "error",
    title="the landing redirect chain stripped the click id",
    fix="Make every redirect of ad landing URLs (HTTP 30x and JavaScript) keep the query string.",
    source="Spotify's advice",
)
def click_id_dropped(facts: Facts) -> Iterator[Hit]:
    landing = _landing(facts)
    if landing is None or landing.click_id is None:
        return
    final = landing.final_url or landing.requested_url
    params = {p.lower() for p in (*facts.config.click_id_params, landing.param or "")} - {""}
    try:
        pairs = parse_qsl(urlsplit(final).query, keep_blank_values=True)
    except ValueError:
        pairs = []
    if any(k.lower() in params and v == landing.click_id for k, v in pairs):
        return
    passed = (landing.requested_url, *landing.redirect_chain)
    chain = (*dict.fromkeys(u for u in passed if norm(u) != norm(final)), final)
    kind = "redirect" if len(landing.redirect_chain) > 1 else "JavaScript redirect or rewrite"
    yield Hit(
        f"The landing {kind} dropped the click id: {facts.url(landing.requested_url)} ended on "
        f"{facts.url(final)} without {landing.param or 'the click id parameter'}.",
        page=facts.url(final),
        evidence=tuple(f"{i + 1}. {facts.url(u)}" for i, u in enumerate(chain[:6])),
    )


@rule(
    "CLICK_ID_COOKIE_SCOPE",
    "warning",
    title="the click id cookie is not visible on the host where conversion happens",
    fix="Serve landing and conversion pages from one host (redirect apex → www before the pixel "
    "runs), or make the cookie domain-wide.",
    source="live pixel",
)
def click_id_cookie_scope(facts: Facts) -> Iterator[Hit]:
    landing = _landing(facts)
    if landing is None or landing.click_id is None:
        return
    conversion_hosts = set(facts.config.conversion_hosts) or {
        host_of(c.page_url)
        for c in facts.timeline.calls
        if c.command in facts.config.conversion_events and not c.threw
    } | {host_of(d.page) for d in facts.delivered if d.event.name in facts.config.conversion_events}
    conversion_hosts.discard("")
    if not conversion_hosts:
        return
    cookie_hits = 0
    cookies: dict[tuple[str, str, str], Cookie] = {}
    for snapshot in facts.timeline.storage:
        for cookie in snapshot.cookies:
            if _holds(cookie.value, landing.click_id):
                cookies[(cookie.name, cookie.domain, cookie.path)] = cookie
    for cookie in cookies.values():
        blind = sorted(h for h in conversion_hosts if not _cookie_visible(cookie, h))
        if not blind:
            continue
        scope = (
            f"host-only on {cookie.domain}"
            if not cookie.domain.startswith(".")
            else f"domain {cookie.domain}"
        )
        cookie_hits += 1
        yield Hit(
            f"The click id cookie {cookie.name} is {scope}, so it is not visible on "
            f"{', '.join(blind)} where conversions happen.",
            page=None,
            evidence=(
                f"cookie {cookie.name}={redact(cookie.value)}; Domain={cookie.domain}; "
                f"Path={cookie.path}",
                f"conversion host(s): {', '.join(sorted(conversion_hosts))}",
            ),
        )
    if not cookie_hits:
        yield from _storage_scope(facts, landing.click_id, conversion_hosts)


def _storage_scope(facts: Facts, click_id: str, conversion_hosts: set[str]) -> Iterator[Hit]:
    """The live pixel keeps the click id in sessionStorage, which is per origin (and per tab):
    kept on the apex, it is gone on www. Reported when no snapshot on a conversion host holds
    it anywhere and no conversion event from that host carried it."""
    kept: dict[str, list[str]] = {}
    seen_hosts: set[str] = set()
    holders: set[str] = set()
    for snapshot in facts.timeline.storage:
        host = host_of(snapshot.page_url)
        seen_hosts.add(host)
        found = _holders(facts, snapshot, click_id, host)
        if not found:
            continue
        holders.add(host)
        if all(kind != "cookie" for kind, _ in found):
            kept.setdefault(host, []).extend(
                f"{'localStorage' if kind == 'local' else 'sessionStorage'} {name}"
                for kind, name in found
            )
    carried = {
        host_of(d.page)
        for d in facts.delivered
        if d.event.name in facts.config.conversion_events and d.event.click_id == click_id
    }
    blind = sorted(h for h in conversion_hosts if h in seen_hosts - holders - carried)
    if not kept or not blind:
        return
    origins = ", ".join(sorted(kept))
    places = ", ".join(dict.fromkeys(p for ps in kept.values() for p in ps))
    yield Hit(
        f"The click id is kept in {places} on {origins}, which is per origin, so it is not "
        f"visible on {', '.join(blind)} where conversions happen.",
        page=None,
        evidence=(
            f"click id {redact(click_id)} stored on {origins}: {places}",
            f"conversion host(s) without it: {', '.join(blind)}",
        ),
    )
