"""A page's timeline for reports: script load → spdt calls → beacons → storage (plus CSP
violations, errors, dialogs and popups), bounded in size and with identifiers redacted."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from harness.audit.model import TimelineEntry
from harness.capture.timeline import NetworkEvent, SpdtCall, Timeline
from harness.rules import RuleConfig
from harness.rules.facts import Facts
from harness.rules.redaction import redact
from mock_endpoint.studio.status import ACTIVE, pixel_status

MAX_PER_STAGE = 60
MAX_TEXT = 400
STAGES = (
    "script",
    "call",
    "beacon",
    "storage",
    "csp",
    "error",
    "dialog",
    "popup",
    "download",
    "status",
    "settle",
)
BEACON_KINDS = ("ingest", "image", "noscript", "conversion", "capi")


def _cut(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _who(label: str, facts: Facts, item: NetworkEvent | SpdtCall) -> str:
    """``requested by …`` / ``called from …``: the item's initiator, "" when unknown."""
    if item.initiator is None:
        return ""
    return f"{label} {facts.source(item.initiator, item.page_url)}"


def _bounded(stage: str, entries: Iterable[TimelineEntry]) -> list[TimelineEntry]:
    out: list[TimelineEntry] = []
    extra = 0
    for entry in entries:
        if len(out) < MAX_PER_STAGE:
            out.append(entry)
        else:
            extra += 1
    if extra:
        out.append(TimelineEntry(stage, f"… and {extra} more (not shown)", flag="truncated"))
    return out


def _is_script(url: str, config: RuleConfig) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (parts.hostname or "") in config.script_hosts and parts.path.endswith(config.script_file)


def summarise(
    timeline: Timeline,
    config: RuleConfig,
    *,
    started: float,
    dialogs: Iterable[str] = (),
    popups: Iterable[str] = (),
    downloads: Iterable[str] = (),
) -> tuple[list[TimelineEntry], dict[str, int]]:
    """Entries in stage order, and counts. ``started``: epoch seconds the page audit began."""
    facts = Facts(timeline, config)
    entries: list[TimelineEntry] = []

    def ms(epoch: float) -> float:
        return round((epoch - started) * 1000, 1)

    scripts = [n for n in timeline.network if _is_script(n.url, config)]
    entries += _bounded(
        "script",
        (
            TimelineEntry(
                "script",
                _cut(f"{n.method} {facts.url(n.url)}"),
                detail=_cut(
                    "; ".join(
                        part
                        for part in (
                            n.failure or (f"HTTP {n.status}" if n.status is not None else ""),
                            _who("requested by", facts, n),
                        )
                        if part
                    )
                ),
                flag="failed" if n.failure else "",
            )
            for n in scripts
        ),
    )
    if not scripts:
        entries.append(TimelineEntry("script", "ping.min.js was not requested", flag="failed"))
    entries += _bounded(
        "call",
        (
            TimelineEntry(
                "call",
                _cut(facts.call(c)),
                detail=_cut(
                    "; ".join(p for p in (f"stub: {c.stub}", _who("called from", facts, c)) if p)
                ),
                time=round(c.time, 1),
                flag="threw" if c.threw else "",
            )
            for c in timeline.calls
        ),
    )
    beacons = [r for r in timeline.records if r.kind in BEACON_KINDS]
    entries += _bounded(
        "beacon",
        (
            TimelineEntry(
                "beacon",
                _cut(
                    f"{r.method} {r.host}{r.path} → {r.status}"
                    + (f": {', '.join(e.name for e in r.events[:10])}" if r.events else "")
                ),
                detail=_cut(
                    "; ".join(f"{e.name} {facts.params(e.params)}" for e in r.events[:5])
                    + ("; " if r.events and r.findings else "")
                    + "; ".join(f"{f.code}: {facts.text(f.message)}" for f in r.findings[:3])
                ),
                time=ms(r.time),
                flag="invalid" if r.findings else "",
            )
            for r in beacons
        ),
    )
    blocked = [
        n
        for n in timeline.network
        if n.failure and (urlsplit(n.url).hostname or "") in config.ingest_hosts
    ]
    entries += _bounded(
        "beacon",
        (
            TimelineEntry(
                "beacon", _cut(f"{n.method} {facts.url(n.url)}"), n.failure or "", flag="failed"
            )
            for n in blocked
        ),
    )
    entries += _bounded("storage", _storage(timeline, facts))
    entries += _bounded("status", _status(timeline, facts))
    entries += _bounded(
        "csp",
        (
            TimelineEntry(
                "csp",
                _cut(f"{v.directive} blocked {facts.url(v.blocked_uri) or v.blocked_uri}"),
                detail=_cut(v.original_policy, 300),
                flag="report-only" if v.disposition == "report" else "blocked",
            )
            for v in timeline.violations
        ),
    )
    entries += _bounded(
        "error",
        (
            TimelineEntry("error", _cut(facts.text(e.message)), detail=e.source, flag="error")
            for e in timeline.errors
        ),
    )
    entries += _bounded("dialog", (TimelineEntry("dialog", _cut(d)) for d in dialogs))
    entries += _bounded("popup", (TimelineEntry("popup", _cut(p), flag="closed") for p in popups))
    entries += _bounded(
        "download", (TimelineEntry("download", _cut(d), flag="refused") for d in downloads)
    )
    entries += _bounded(
        "settle",
        (
            TimelineEntry(
                "settle",
                _cut(
                    f"{'settled' if d.outcome == 'settled' else 'stopped waiting'} after "
                    f"{d.waited_ms:g} ms on {facts.url(d.page_url) or 'the page'}"
                    + (f" (still: {', '.join(d.pending)})" if d.outcome == "limit" else "")
                ),
                detail=_cut(
                    "; ".join(
                        f"waited for {w.reason} {w.ms:g} ms: {facts.text(w.detail)}"
                        for w in d.waits
                    )
                    or f"nothing to wait for beyond the {d.quiet_ms:g} ms quiet period"
                ),
                flag="limit" if d.outcome == "limit" else "",
            )
            for d in timeline.settles
        ),
    )
    counts = {
        "calls": len(timeline.calls),
        "records": len(timeline.records),
        "beacons": len(beacons),
        "events": sum(len(r.events) for r in beacons),
        "network": len(timeline.network),
        "violations": len(timeline.violations),
        "errors": len(timeline.errors),
        "pages": len(timeline.pages),
    }
    return entries, counts


def _storage(timeline: Timeline, facts: Facts) -> Iterable[TimelineEntry]:
    """The last snapshot of each page: cookies and web storage, values redacted."""
    last = {}
    for snap in timeline.storage:
        last[snap.page_url] = snap
    shown = redact if facts.config.redact else str
    for snap in last.values():
        page = facts.url(snap.page_url)
        for c in snap.cookies[:30]:
            life = "session" if c.expires < 0 else "persistent"
            yield TimelineEntry(
                "storage",
                _cut(f"cookie {c.name}={shown(c.value)}"),
                detail=_cut(
                    f"Domain={c.domain}; Path={c.path}; SameSite={c.same_site or '-'}; "
                    f"{'Secure; ' if c.secure else ''}{life}; on {page}"
                ),
            )
        for area, values in (("localStorage", snap.local), ("sessionStorage", snap.session)):
            for key, value in list(values.items())[:30]:
                yield TimelineEntry(
                    "storage",
                    _cut(f"{area} {key}={shown(value)}"),
                    detail=_cut(f"on {page}"),
                )


def _status(timeline: Timeline, facts: Facts) -> Iterable[TimelineEntry]:
    """Each pixel key's status as Ad Studio would show it (mock_endpoint.studio.status)."""
    for k in pixel_status(timeline.records):
        counts = ", ".join(f"{name} {n}" for name, n in k.events.items())
        yield TimelineEntry(
            "status",
            _cut(f"pixel key {facts.text(k.key)}: {k.status}"),
            detail=_cut(facts.text(f"{k.reason}; events: {counts or 'none'}")),
            flag="" if k.status == ACTIVE else "failed",
        )
