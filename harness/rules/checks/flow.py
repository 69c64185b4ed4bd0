"""Rules about what a flow or journey declared beyond single events: exact counts, no traffic,
and the consent choice it ran with."""

from __future__ import annotations

import re
from collections.abc import Iterator

from harness.rules.facts import Facts
from harness.rules.model import Hit, rule
from mock_endpoint.hosts import SPOTIFY_HOSTS

# The first line of a failed count expectation (harness.assertions.matching.count_report).
COUNTED = re.compile(r"^expected exactly (\d+) (\S+).*?; saw (\d+)")
NO_TRAFFIC = re.compile(r"^expected no pixel traffic within ([\d.]+) s; saw (\d+)")


@rule(
    "EVENT_COUNT_MISMATCH",
    "error",
    title="an event the flow expects exactly N times arrived another number of times",
    fix="Send the event once per action: look for a second copy of the base code, a tag that "
    "fires on every route change, or a handler bound twice.",
    source="flow",
)
def event_count_mismatch(facts: Facts) -> Iterator[Hit]:
    for message in facts.timeline.unmet_expectations:
        found = COUNTED.match(message)
        if found is None:
            continue
        wanted, name, seen = int(found.group(1)), found.group(2), int(found.group(3))
        events = "event" if wanted == 1 else "events"
        yield Hit(
            f"The flow expected exactly {wanted} {name} {events}; {seen} arrived.",
            evidence=tuple(facts.text(line.strip()) for line in message.splitlines()),
        )


@rule(
    "PIXEL_TRAFFIC_UNEXPECTED",
    "error",
    title="pixel traffic while the flow expected none",
    fix="Find what loads the pixel or sends the event at that point of the flow (the evidence "
    "lists each request) and gate it.",
    source="flow",
)
def pixel_traffic_unexpected(facts: Facts) -> Iterator[Hit]:
    for message in facts.timeline.unmet_expectations:
        found = NO_TRAFFIC.match(message)
        if found is None:
            continue
        yield Hit(
            f"The flow expected no pixel traffic for {found.group(1)} s; "
            f"{found.group(2)} request(s) reached Spotify's pixel hosts.",
            evidence=tuple(facts.text(line.strip()) for line in message.splitlines()),
        )


@rule(
    "PIXEL_IGNORES_CONSENT",
    "error",
    title="pixel traffic after the visitor rejected consent, or after a withdrawal",
    fix="Gate the base code on the consent value (targeting or marketing granted, ad_storage "
    "granted), not on a choice having been made; after a withdrawal, load it no more.",
    source="flow",
)
def pixel_ignores_consent(facts: Facts) -> Iterator[Hit]:
    timeline = facts.timeline
    mark = timeline.consent_denied_after_record
    if mark is None or timeline.consent_choice not in ("reject", "revoke"):
        return
    kinds = {"script", "ingest", "image", "noscript", "preflight"}
    late = [
        r for r in timeline.records if r.id > mark and r.kind in kinds and r.host in SPOTIFY_HOSTS
    ]
    if not late:
        return
    what = "rejected" if timeline.consent_choice == "reject" else "withdrew"
    page = next((r.page for r in late if r.page), None)
    outcome = timeline.consent_outcome or {}
    evidence = [f"consent step: {outcome['done']}"] if outcome.get("done") else []
    if outcome.get("withdrawn"):
        evidence.append(f"withdrawal: {outcome['withdrawn']}")
    evidence += [facts.record(r) for r in late[:5]]
    yield Hit(
        f"{len(late)} request(s) reached Spotify's pixel hosts after the visitor {what} consent.",
        page=facts.url(page) or None,
        evidence=tuple(evidence),
    )
