"""Whether a page's base code works: the setup guide's object stub, spdt calls that threw, and
uncaught errors naming spdt. BASE_CODE_BROKEN reports it; MISSING_CONF leaves such pages to it
(both read :meth:`Facts.base_code_broken`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from harness.capture.timeline import PageLoad
from harness.rules.model import Hit
from harness.rules.values import norm

if TYPE_CHECKING:
    from harness.rules.facts import Facts

_SPDT_ERROR = re.compile(r"\bspdt\b")
_NOT_CALLABLE = re.compile(r"spdt(?:\.\w+)? is not a function|is not a function.*spdt", re.I)

GUIDE_STUB_MESSAGE = (
    "The setup guide's base code defines spdt as an object ({_q, on, off, emit}), so "
    "spdt('conf', …) throws “TypeError: spdt is not a function” and nothing is tracked."
)


def broken_hit(facts: Facts, page: PageLoad) -> Hit | None:
    """The BASE_CODE_BROKEN finding of a page, or None when its base code works: the guide's
    object stub, calls that threw, uncaught errors naming spdt. Read it through
    :meth:`Facts.base_code_broken`, which judges each page once."""
    html = facts.html(page)
    url = norm(page.url)
    guide = [s for s in html.inline if s.kind == "guide"]
    object_stub = [
        a for a in facts.timeline.assignments if norm(a.page_url) == url and a.type == "object"
    ]
    threw = [c for c in facts.calls_on(page) if c.threw]
    errors = [
        e.message
        for e in facts.timeline.errors
        if norm(e.page_url) == url and _SPDT_ERROR.search(e.message)
    ]
    has_base = bool(html.base_codes or html.script_tags or facts.calls_on(page))
    if not (guide or object_stub or threw or (errors and has_base)):
        return None
    evidence = [f"inline base code: {s.snippet()}" for s in guide]
    evidence += [
        f"window.spdt assigned a {a.type} (keys {', '.join(a.keys) or 'none'})" for a in object_stub
    ]
    evidence += [facts.call(c) for c in threw]
    evidence += [f"uncaught error: {facts.text(m)}" for m in errors]
    if guide or object_stub or any(_NOT_CALLABLE.search(m) for m in errors):
        message = (
            GUIDE_STUB_MESSAGE
            if guide or object_stub
            else (
                "spdt is not callable on this page, so spdt('conf', …) and every event throw "
                "and nothing is tracked."
            )
        )
    else:
        first_error = (threw[0].error if threw else None) or (errors[0] if errors else "")
        message = f"The pixel code throws on this page: {facts.text(str(first_error))}."
    return Hit(message, page=facts.url(page.url), evidence=tuple(evidence))
