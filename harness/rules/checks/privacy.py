"""Rules about personal data: raw identifiers (an email address, a phone number) belong only in
spdt('alias', …), which hashes them."""

from __future__ import annotations

from collections.abc import Iterator

from harness.rules.checks.events import param_hits
from harness.rules.facts import Facts
from harness.rules.model import Hit, rule


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
