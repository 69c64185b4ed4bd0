"""Rules about when and where the pixel starts: not before the flow's consent step, and from the
document head rather than late in the body."""

from __future__ import annotations

from collections.abc import Iterator

from harness.rules.facts import Facts
from harness.rules.model import Hit, rule
from harness.rules.values import host_of
from mock_endpoint.hosts import SPOTIFY_HOSTS


@rule(
    "PIXEL_BEFORE_CONSENT",
    "error",
    title="pixel traffic before the consent step of a flow",
    fix="Load the base code only after consent (or gate it in your consent tool).",
    source="flow",
)
def pixel_before_consent(facts: Facts) -> Iterator[Hit]:
    mark = facts.timeline.consent_after_record
    if mark is None:
        return
    kinds = {"script", "ingest", "image", "noscript", "preflight"}
    early = [
        r
        for r in facts.timeline.records
        if r.id <= mark and r.kind in kinds and r.host in SPOTIFY_HOSTS
    ]
    if not early:
        return
    page = next((r.page for r in early if r.page), None)
    yield Hit(
        f"{len(early)} request(s) reached Spotify's pixel hosts before the consent step.",
        page=facts.url(page) or None,
        evidence=tuple(facts.record(r) for r in early[:5]),
    )


@rule(
    "BASE_CODE_NOT_IN_HEAD",
    "info",
    title="the base code is in the body, not the document head",
    fix="Move the base code into <head> so it runs before any event and on every page.",
    source="Spotify's advice",
    optional=True,
)
def base_code_not_in_head(facts: Facts) -> Iterator[Hit]:
    for page in facts.pages:
        html = facts.html(page)
        installs = list(html.base_codes)
        tags = list(html.script_tags)
        if not installs and not tags:
            continue
        if any(s.in_head for s in installs) or any(t.in_head for t in tags):
            continue
        shown = installs[0].snippet(60) if installs else f"<script src={tags[0].src}>"
        yield Hit(
            f"The base code on {facts.url(page.url)} is in the body, not in <head>: events "
            "called earlier in the page find no spdt.",
            page=facts.url(page.url),
            evidence=(f"in <body>: {shown}", f"host {host_of(page.url)}"),
        )
