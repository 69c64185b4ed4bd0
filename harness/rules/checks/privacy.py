"""Rules about personal data: raw identifiers (an email address, a phone number) belong only in
spdt('alias', …), which hashes them; the page URL the pixel sends with every event must not
carry one either."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl, unquote, urlsplit

from harness.rules.checks.events import param_hits
from harness.rules.facts import Delivered, Facts
from harness.rules.model import Hit, rule
from harness.rules.redaction import redact
from mock_endpoint.validation.values import EMAIL_IN_TEXT_RE, personal_data


@rule(
    "PERSONAL_DATA_IN_EVENT",
    "warning",
    title="raw personal data (an email address, a phone number) in an event other than alias",
    fix="Send identifiers only with spdt('alias', {email, phone_number}) (the pixel hashes them "
    "itself); remove them from other events' parameters and from page URLs.",
    source="live pixel",
)
def personal_data_in_event(facts: Facts) -> Iterator[Hit]:
    return param_hits(facts, "PERSONAL_DATA_IN_EVENT")


def _where(url: str) -> str:
    """Where a URL holds an email address: its query parameters by name, else its path."""
    try:
        parts = urlsplit(url)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return "the URL"
    names = [name for name, value in pairs if personal_data(name, value) == "an email address"]
    if names:
        listed = ", ".join(dict.fromkeys(names))
        return f"query parameter{'s' if len(set(names)) > 1 else ''} {listed}"
    return "the path" if personal_data("", parts.path) else "the URL"


def _shown(facts: Facts, url: str) -> str:
    """A URL for display with every email address in it shortened, wherever it sits."""
    shown = facts.url(url)
    if not facts.config.redact:
        return shown
    return EMAIL_IN_TEXT_RE.sub(lambda m: redact(m.group(0)), unquote(shown))


@rule(
    "PERSONAL_DATA_IN_PAGE_URL",
    "warning",
    title="an email address in the page URL the pixel sends with each event",
    fix="Keep email addresses out of page URLs (submit forms with POST, or drop the field "
    "before the redirect): the pixel sends the page URL with every event. Send identifiers only "
    "with spdt('alias', {email}), which hashes them.",
    source="live pixel",
    optional=True,
)
def personal_data_in_page_url(facts: Facts) -> Iterator[Hit]:
    pages: dict[str, list[Delivered]] = {}
    for item in facts.delivered:
        url = item.event.url
        if url and personal_data("url", url) == "an email address":
            pages.setdefault(item.page, []).append(item)
    for page, items in pages.items():
        names = ", ".join(dict.fromkeys(i.event.name for i in items))
        yield Hit(
            f"The page URL {_shown(facts, page)} holds an email address in {_where(page)}, and "
            f"the pixel sent it with {len(items)} event(s) ({names}).",
            page=_shown(facts, page),
            evidence=tuple(
                f"ingest record #{i.record.id}: {i.event.name} "
                f"url={_shown(facts, i.event.url or '')}"
                for i in items[:4]
            ),
        )
