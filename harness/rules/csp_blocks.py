"""What a page's Content Security Policy blocks of the pixel, judged statically by
:mod:`harness.csp` from the policies as served (headers and <meta>): the facts the CSP rules
(:mod:`harness.rules.checks.csp`) read through :meth:`Facts.csp_blocks`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.capture.timeline import PageLoad
from harness.csp import Policy, Verdict, allows, allows_inline_script
from harness.rules.values import host_of

if TYPE_CHECKING:
    from harness.rules.facts import Facts


@dataclass(frozen=True, slots=True)
class Block:
    """One thing a policy blocks: what (the inline base code, the pixel script, events, an
    image), under which directive, the URL judged, and the evaluator's verdict."""

    what: str  # "script", "inline", "events", "image"
    directive: str
    url: str
    policy: Policy
    verdict: Verdict


def _script_subjects(facts: Facts, page: PageLoad) -> list[tuple[str, str | None, bool]]:
    """(url, nonce, parser_inserted) of every way the page loads ping.min.js."""
    html = facts.html(page)
    subjects = [(t.src, t.nonce, True) for t in html.script_tags]
    for script in html.inline:
        if script.loads_script:
            urls = [u for u in script.script_srcs if facts.is_script(u)]
            subjects += [(u, None, False) for u in urls or [facts.config.script_url]]
    for request in facts.script_requests(page):
        if all(request.url != s[0] for s in subjects):
            subjects.append((request.url, None, False))
    return subjects or [(facts.config.script_url, None, False)]


def _image_urls(facts: Facts, page: PageLoad, policy: Policy) -> list[str]:
    urls = [i.src for i in facts.html(page).images]
    urls += [
        n.url
        for n in facts.network_from(page)
        if host_of(n.url) in facts.config.image_hosts and not facts.is_script(n.url)
    ]
    # The site meant to allow the pixel's images (its img-src names a Spotify host, as the
    # guide's CSP does): judge Spotify's documented image pixel host too.
    rule = policy.effective("img-src")
    if rule and any("spotify" in v.lower() for v in rule[1]):
        urls.append(f"https://{facts.config.image_hosts[0]}/")
    return list(dict.fromkeys(urls))


def page_blocks(facts: Facts, page: PageLoad) -> tuple[Block, ...]:
    """What each policy of ``page`` (headers and <meta>) blocks of the pixel: the inline base
    code, the ways the page loads ping.min.js, the ingest URL and the image pixel URLs.
    Read it through :meth:`Facts.csp_blocks`, which judges each page once."""
    blocks: list[Block] = []
    html = facts.html(page)
    for policy in facts.policies(page):
        for script in html.base_codes:
            verdict = allows_inline_script(policy, script.content, nonce=script.nonce)
            if not verdict.allowed:
                blocks.append(Block("inline", "script-src-elem", "inline", policy, verdict))
        for url, nonce, parser_inserted in _script_subjects(facts, page):
            verdict = allows(
                policy,
                "script-src-elem",
                url,
                page_url=page.url,
                nonce=nonce,
                parser_inserted=parser_inserted,
            )
            if not verdict.allowed:
                blocks.append(Block("script", "script-src-elem", url, policy, verdict))
        verdict = allows(policy, "connect-src", facts.config.ingest_url, page_url=page.url)
        if not verdict.allowed:
            blocks.append(Block("events", "connect-src", facts.config.ingest_url, policy, verdict))
        for url in _image_urls(facts, page, policy):
            verdict = allows(policy, "img-src", url, page_url=page.url)
            if not verdict.allowed:
                blocks.append(Block("image", "img-src", url, policy, verdict))
    return tuple(blocks)
