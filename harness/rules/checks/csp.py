"""Rules about Content Security Policy: the policy as served (headers and <meta>) judged by
harness.csp, tied to what the browser reported (violations, ERR_BLOCKED_BY_CSP).

A static "would block" is reported even when the flow never reached the request."""

from __future__ import annotations

from collections.abc import Iterator

from harness.capture.timeline import PageLoad
from harness.csp import allows
from harness.rules.csp_blocks import Block
from harness.rules.facts import Facts
from harness.rules.model import Hit, rule
from harness.rules.values import host_of, norm


def _runtime(facts: Facts, page: PageLoad, what: str, disposition: str) -> list[str]:
    def matches(url: str) -> bool:
        if what == "inline":
            return url in ("inline", "")
        if what == "script":
            return facts.is_script(url)
        if what == "events":
            return facts.is_ingest(url)
        return host_of(url) in facts.config.image_hosts and not facts.is_script(url)

    out = [
        f"CSP violation ({v.disposition}): {v.directive} blocked "
        f"{facts.url(v.blocked_uri) or 'inline'}"
        for v in facts.timeline.violations
        if norm(v.page_url) == norm(page.url)
        and v.disposition == disposition
        and matches(v.blocked_uri)
    ]
    if disposition == "enforce":
        out += [
            facts.network(n)
            for n in facts.network_from(page)
            if n.failure and "CSP" in n.failure.upper() and matches(n.url)
        ]
    return out


def _policy_line(block: Block) -> str:
    origin = "meta tag" if block.policy.source == "meta" else "header"
    kind = (
        "Content-Security-Policy"
        if block.policy.enforced
        else "Content-Security-Policy-Report-Only"
    )
    return f"{kind} ({origin}): {block.policy.describe(block.directive)}"


def _enforced_hits(
    facts: Facts, whats: tuple[str, ...]
) -> Iterator[tuple[PageLoad, list[Block], list[str]]]:
    for page in facts.pixel_pages():
        blocks = [b for b in facts.csp_blocks(page) if b.what in whats and b.policy.enforced]
        # An inline violation may be any inline script: evidence only when the base code is
        # statically blocked; a blocked pixel URL is proof on its own.
        runtime = [
            line
            for what in whats
            if what != "inline" or any(b.what == "inline" for b in blocks)
            for line in _runtime(facts, page, what, "enforce")
        ]
        if blocks or runtime:
            yield page, blocks, runtime


@rule(
    "CSP_BLOCKS_SCRIPT",
    "error",
    title="CSP blocks pixel.byspotify.com in script-src",
    fix="Add https://pixel.byspotify.com to script-src (and let the inline base code run: a "
    "nonce or hash, or 'unsafe-inline').",
    source="live pixel",
)
def csp_blocks_script(facts: Facts) -> Iterator[Hit]:
    for page, blocks, runtime in _enforced_hits(facts, ("script", "inline")):
        evidence = [_policy_line(b) for b in blocks] + [b.verdict.reason for b in blocks] + runtime
        inline = [b for b in blocks if b.what == "inline"]
        if blocks and not [b for b in blocks if b.what == "script"]:
            message = (
                "The Content-Security-Policy blocks the inline base code "
                f"({inline[0].verdict.reason}), so ping.min.js is never requested."
            )
        else:
            url = next((b.url for b in blocks if b.what == "script"), facts.config.script_url)
            message = (
                f"The Content-Security-Policy blocks {facts.url(url)} in script-src: the pixel "
                "never loads and nothing is tracked."
            )
        yield Hit(message, page=facts.url(page.url), evidence=tuple(evidence))


@rule(
    "CSP_BLOCKS_EVENTS",
    "error",
    title="CSP blocks pixels.spotify.com in connect-src",
    fix="Add https://pixels.spotify.com to connect-src.",
    source="guide vs live pixel",
)
def csp_blocks_events(facts: Facts) -> Iterator[Hit]:
    script_host = facts.config.script_hosts[0]
    ingest_host = facts.config.ingest_hosts[0]
    for page, blocks, runtime in _enforced_hits(facts, ("events",)):
        evidence = [_policy_line(b) for b in blocks] + runtime
        guide_like = any(
            allows(b.policy, "connect-src", f"https://{script_host}/", page_url=page.url).allowed
            for b in blocks
        )
        if guide_like:
            message = (
                f"connect-src allows {script_host} but not {ingest_host}: that is what the setup "
                f"guide's CSP does, and the live pixel sends its events to "
                f"{facts.config.ingest_url}, so every event is blocked."
            )
        else:
            message = (
                f"The Content-Security-Policy blocks {facts.config.ingest_url} in connect-src: "
                "every pixel event is blocked."
            )
        yield Hit(message, page=facts.url(page.url), evidence=tuple(evidence))


@rule(
    "CSP_BLOCKS_IMAGE",
    "warning",
    title="CSP blocks the image pixel host in img-src",
    fix="Add the image pixel host (https://img.byspotify.com) to img-src.",
    source="live pixel",
)
def csp_blocks_image(facts: Facts) -> Iterator[Hit]:
    for page, blocks, runtime in _enforced_hits(facts, ("image",)):
        urls = list(dict.fromkeys(facts.url(b.url) for b in blocks))
        target = ", ".join(urls) or "the image pixel"
        yield Hit(
            f"The Content-Security-Policy blocks {target} in img-src.",
            page=facts.url(page.url),
            evidence=tuple([_policy_line(b) for b in blocks] + runtime),
        )


_WHAT = {
    "script": "ping.min.js (script-src)",
    "inline": "the inline base code (script-src)",
    "events": "the pixel's events (connect-src)",
    "image": "the image pixel (img-src)",
}


@rule(
    "CSP_REPORT_ONLY_WOULD_BLOCK",
    "warning",
    title="a Report-Only policy would block the pixel if enforced",
    fix="Before enforcing the policy, allow https://pixel.byspotify.com in script-src and "
    "https://pixels.spotify.com in connect-src.",
    source="live pixel",
)
def csp_report_only(facts: Facts) -> Iterator[Hit]:
    for page in facts.pixel_pages():
        blocks = [b for b in facts.csp_blocks(page) if not b.policy.enforced]
        runtime = [
            line
            for what in ("script", "events", "image")
            for line in _runtime(facts, page, what, "report")
        ]
        if blocks and any(b.what == "inline" for b in blocks):
            runtime += _runtime(facts, page, "inline", "report")
        if not blocks and not runtime:
            continue
        whats = list(dict.fromkeys(_WHAT[b.what] for b in blocks)) or ["pixel requests"]
        yield Hit(
            f"The Report-Only policy would block {', '.join(whats)} if it were enforced.",
            page=facts.url(page.url),
            evidence=tuple([_policy_line(b) for b in blocks] + runtime),
        )
