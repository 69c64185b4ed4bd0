"""Rules about the noscript image fallback: present, and with the key the pixel confs."""

from __future__ import annotations

from collections.abc import Iterator

from harness.rules.facts import Facts
from harness.rules.model import Hit, rule
from harness.rules.redaction import show_key


@rule(
    "NOSCRIPT_MISSING",
    "info",
    title="no noscript image fallback",
    fix='Optionally add <noscript><img src="https://img.byspotify.com/?key=KEY&a=init"></noscript>'
    " (Spotify's documented image pixel).",
    source="guide",
)
def noscript_missing(facts: Facts) -> Iterator[Hit]:
    pages = [
        p for p in facts.pixel_pages() if facts.html(p).base_codes or facts.html(p).script_tags
    ]
    lacking = [p for p in pages if not facts.html(p).noscript_images]
    if not lacking:
        return
    evidence = [f"no <noscript><img> of the pixel on {facts.url(p.url)}" for p in lacking[:3]]
    run = facts.timeline.noscript
    if facts.config.noscript_run is not False and run is not None:
        hits = [r for r in run.records if r.kind in ("image", "noscript")]
        if hits:
            return  # the JavaScript-disabled run did reach an image pixel
        evidence.append("JavaScript-disabled run: no request reached an image pixel host")
    yield Hit(
        "No noscript image fallback: visitors without JavaScript are not counted.",
        page=facts.url(lacking[0].url),
        evidence=tuple(evidence),
    )


@rule(
    "NOSCRIPT_KEY_MISMATCH",
    "warning",
    title="noscript key differs from the conf key",
    fix="Use the same pixel key in the noscript image as in spdt('conf', …).",
    source="guide",
)
def noscript_key_mismatch(facts: Facts) -> Iterator[Hit]:
    yield from _static_mismatch(facts)
    yield from _run_mismatch(facts)


def _run_mismatch(facts: Facts) -> Iterator[Hit]:
    """What the JavaScript-disabled run really sent, against the keys the JS pixel used."""
    run = facts.timeline.noscript
    if run is None or facts.config.noscript_run is False:
        return
    keys = {k for p in facts.pages for k in facts.keys_on(p)}
    static = {i.key for p in facts.pages for i in facts.html(p).noscript_images}
    for record in run.records:
        if record.kind not in ("image", "noscript"):
            continue
        for event in record.events:
            if not keys or event.key in keys or event.key in static:
                continue  # the static check already names a key the markup holds
            yield Hit(
                f"The JavaScript-disabled run sent key {show_key(event.key)} but the pixel "
                f"confs {', '.join(show_key(k) for k in sorted(keys))}.",
                page=facts.url(record.page) or None,
                evidence=(facts.record(record),),
            )


def _static_mismatch(facts: Facts) -> Iterator[Hit]:
    for page in facts.pages:
        images = facts.html(page).noscript_images
        keys = facts.keys_on(page)
        if not images or not keys:
            continue
        for image in images:
            if image.key is None or image.key in keys:
                continue
            yield Hit(
                f"The noscript image uses key {show_key(image.key)} but the page confs "
                f"{', '.join(show_key(k) for k in keys)}.",
                page=facts.url(page.url),
                evidence=(
                    f"noscript image: {facts.url(image.src)}",
                    *(w for where in keys.values() for w in where[:1]),
                ),
            )
