"""Rules about the evidence itself: a page that tries to change what the mock recorded."""

from __future__ import annotations

from collections.abc import Iterator

from harness.rules.facts import Facts
from harness.rules.model import Hit, rule

# Findings the mock attaches to a hit that tried to reach the control API or forge a session.
TAMPERING_CODES = frozenset({"CONTROL_PATH_REFUSED", "SESSION_TAG_FORGED"})


@rule(
    "EVIDENCE_TAMPERING",
    "error",
    title="the page tried to change the recorded evidence (control path, forged session tag)",
    fix="Remove whatever sends requests to /__spdt/ paths or sets an X-Spdt-Session header: "
    "a page must not reach the recorder's control API.",
    source="harness",
)
def evidence_tampering(facts: Facts) -> Iterator[Hit]:
    hits = [r for r in facts.timeline.records if any(f.code in TAMPERING_CODES for f in r.findings)]
    if not hits:
        return
    refused = sum(1 for r in hits if r.kind == "tampering")
    forged = len(hits) - refused
    parts = []
    if refused:
        parts.append(f"{refused} request(s) to the recorder's control path")
    if forged:
        parts.append(f"{forged} request(s) with a forged session tag")
    page = next((r.page for r in hits if r.page), None)
    yield Hit(
        f"The page sent {' and '.join(parts)}; each was refused and nothing recorded changed.",
        page=facts.url(page) or None,
        evidence=tuple(
            f"{facts.record(r)}: "
            + "; ".join(facts.text(f.message) for f in r.findings if f.code in TAMPERING_CODES)
            for r in hits[:5]
        ),
    )
