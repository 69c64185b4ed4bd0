"""Rules about the legacy Podsights loader (cdn.pdst.fm, window.pdst): a supported install of
the same ping.min.js, reported for information."""

from __future__ import annotations

from collections.abc import Iterator

from harness.rules.checks.install import script_loaded
from harness.rules.facts import Facts
from harness.rules.model import ADS_MANAGER, Hit, rule


@rule(
    "LEGACY_PODSIGHTS_LOADER",
    "info",
    title="the pixel loads through the legacy Podsights loader (cdn.pdst.fm, window.pdst)",
    fix="Nothing is broken. When convenient, replace the snippet with the base code from "
    f"{ADS_MANAGER} (pixel.byspotify.com/ping.min.js, spdt, the spdt-capture guard id).",
    source="live pixel",
)
def legacy_podsights_loader(facts: Facts) -> Iterator[Hit]:
    """The legacy loader works (the same script, the same ingest): reported for information,
    only on pages where the script did load (otherwise SCRIPT_NOT_LOADED says so, naming it)."""
    for page in facts.pages:
        evidence = facts.legacy_evidence(page)
        if not evidence or not script_loaded(facts, page)[0]:
            continue
        yield Hit(
            f"{facts.url(page.url)} installs the pixel through the legacy Podsights loader "
            "(cdn.pdst.fm/ping.min.js, window.pdst): a supported install that loads the same "
            "ping.min.js as pixel.byspotify.com.",
            page=facts.url(page.url),
            evidence=tuple(evidence[:4]),
        )
