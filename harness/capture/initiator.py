"""Who loaded it: the script, inline script or tag-manager container behind a request or a call.

The browser says it two ways, and both become one :class:`Initiator`:

- a request's initiator from Chromium's DevTools protocol (``Network.requestWillBeSent``): the
  parser (an HTML tag at a line of the document) or the script stack that asked for it;
- the stack at the moment of a ``spdt(...)`` call or an assignment of ``window.spdt``, read by
  the capture script (``new Error().stack``, the frames outside the capture).

A frame whose URL is the document's is an inline script at that line of the document. A frame
without a URL (V8 writes ``<anonymous>``) is a script inserted at run time, the way a tag
manager runs a custom HTML tag; the first frame below it with a URL is the script that inserted
it. :func:`describe` says it in words, in one place, for evidence and reports.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_FRAMES = 4
MAX_URL = 300

# Tag-manager container scripts: (pattern on the script URL, product name). The container id
# is read from the URL's ``id`` parameter (GTM-…, G-…) or its path (Tealium, Adobe Launch).
_TAG_MANAGERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"//(www\.)?googletagmanager\.com/gtm\.js", re.I), "Google Tag Manager"),
    (re.compile(r"//(www\.)?googletagmanager\.com/gtag/js", re.I), "Google tag"),
    (re.compile(r"//tags\.tiqcdn\.com/utag/", re.I), "Tealium iQ"),
    (re.compile(r"//assets\.adobedtm\.com/", re.I), "Adobe Launch"),
    (re.compile(r"//cdn\.segment\.com/", re.I), "Segment"),
    (re.compile(r"/container\.js(\?|$)", re.I), ""),  # a self-hosted container
)
_CONTAINER_ID = re.compile(r"^(GTM|G|AW|DC)-[A-Z0-9]{3,12}$", re.I)
_TEALIUM = re.compile(r"/utag/([^/]+/[^/]+)/", re.I)


@dataclass(frozen=True, slots=True)
class Frame:
    """One stack frame: a script URL ("" for a script inserted at run time), 1-based line and
    column."""

    url: str
    line: int
    column: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "line": self.line, "column": self.column}


@dataclass(frozen=True, slots=True)
class Initiator:
    """Who made a request or a call.

    ``kind``: ``parser`` (an HTML tag of the document: ``url`` is the document, ``line`` the
    tag's line), ``script`` (script code: ``frames``, innermost first) or ``other`` (the browser
    itself: navigation, a preload).
    """

    kind: str
    url: str = ""
    line: int = 0
    column: int = 0
    frames: tuple[Frame, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "url": self.url,
            "line": self.line,
            "column": self.column,
            "frames": [f.to_json() for f in self.frames],
        }


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _url(value: Any) -> str:
    """A frame's URL: "" for a script without one (V8's ``<anonymous>``, eval code)."""
    text = value if isinstance(value, str) else ""
    if text.startswith("<") or text in ("eval", "native"):
        return ""
    return text[:MAX_URL]


def _frames(items: Any, *, zero_based: bool) -> tuple[Frame, ...]:
    out: list[Frame] = []
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict) or len(out) >= MAX_FRAMES:
            continue
        shift = 1 if zero_based else 0
        line = item.get("lineNumber" if zero_based else "line")
        column = item.get("columnNumber" if zero_based else "column")
        if not isinstance(line, int) or isinstance(line, bool):
            continue
        out.append(Frame(_url(item.get("url")), _int(line) + shift, _int(column) + shift))
    return tuple(out)


def from_stack(value: Any) -> Initiator | None:
    """The capture script's frames (``[{url, line, column}]``, 1-based), or None when the stack
    was not readable."""
    frames = _frames(value, zero_based=False)
    return Initiator("script", frames=frames) if frames else None


def from_cdp(value: Any) -> Initiator | None:
    """``Network.requestWillBeSent``'s ``initiator`` (0-based lines), or None."""
    if not isinstance(value, dict):
        return None
    kind = value.get("type")
    if kind == "parser":
        line = value.get("lineNumber")
        return Initiator(
            "parser",
            url=_url(value.get("url")),
            line=_int(line) + 1 if isinstance(line, int) else 0,
            column=_int(value.get("columnNumber")) + 1,
        )
    stack = value.get("stack")
    frames: tuple[Frame, ...] = ()
    while isinstance(stack, dict) and not frames:  # the first (a)synchronous part with frames
        frames = _frames(stack.get("callFrames"), zero_based=True)
        stack = stack.get("parent")
    if frames:
        return Initiator("script", frames=frames)
    if kind == "script" and isinstance(value.get("url"), str) and value["url"]:
        line = value.get("lineNumber")
        return Initiator(
            "script",
            frames=(Frame(_url(value["url"]), _int(line) + 1 if isinstance(line, int) else 0),),
        )
    return Initiator("other") if isinstance(kind, str) else None


def from_json(value: Any) -> Initiator | None:
    """The inverse of :meth:`Initiator.to_json` (None for anything else)."""
    if not isinstance(value, dict) or not isinstance(value.get("kind"), str):
        return None
    return Initiator(
        kind=value["kind"],
        url=_url(value.get("url")),
        line=_int(value.get("line")),
        column=_int(value.get("column")),
        frames=_frames(value.get("frames"), zero_based=False),
    )


def tag_manager(url: str) -> tuple[str, str] | None:
    """(product, container id) when ``url`` is a tag manager's container script, else None.
    The product is "" for a self-hosted ``container.js``, the id "" when the URL has none."""
    for pattern, product in _TAG_MANAGERS:
        if not pattern.search(url):
            continue
        try:
            parts = urlsplit(url)
        except ValueError:
            return product, ""
        ids = [v for v in parse_qs(parts.query).get("id", []) if _CONTAINER_ID.match(v)]
        if ids:
            return product, ids[0].upper()
        tealium = _TEALIUM.search(parts.path)
        return product, tealium.group(1) if tealium else ""
    return None


def _same_document(url: str, document: str) -> bool:
    """Whether a frame's URL is the document's (an inline script): fragments do not count."""
    return bool(url) and url.split("#", 1)[0] == document.split("#", 1)[0]


def _same(url: str) -> str:
    return url


def _script(url: str, show: Callable[[str], str] = _same) -> str:
    """A script URL in words, naming a tag manager's container."""
    found = tag_manager(url)
    if found is None:
        return show(url)
    product, container = found
    if container:
        return f"{show(url)} (tag manager container {container})"
    kind = f"{product} container" if product else "a tag manager container"
    return f"{show(url)} ({kind})"


def _inserted(below: Frame | None, document: str, show: Callable[[str], str]) -> str:
    """A script inserted at run time, by the script ``below`` it on the stack (None: unknown);
    a tag manager's inserted script is a custom HTML tag of its container."""
    if below is None:
        return "a script inserted at run time (its inserter is not on the stack)"
    if _same_document(below.url, document):
        return f"a script inserted by the inline script at line {below.line} of {show(below.url)}"
    found = tag_manager(below.url)
    if found is not None and found[1]:
        return f"{found[1]} custom HTML tag, inserted by {show(below.url)}"
    return f"a script inserted by {_script(below.url, show)}"


def describe(
    initiator: Initiator | None, document: str = "", show: Callable[[str], str] = _same
) -> str:
    """Who it was, in words: "inline script at line 40 of https://shop.test/…", "a <script> tag
    at line 9 of …", "https://shop.test/container.js (a tag manager container)", "GTM-XXXX
    custom HTML tag, inserted by https://www.googletagmanager.com/gtm.js?id=GTM-XXXX".
    ``document`` is the URL of the page that made it ("" when unknown); ``show`` formats each
    URL for display (callers redact click ids and the like there)."""
    if initiator is None:
        return "unknown (the browser gave no initiator)"
    if initiator.kind == "parser":
        where = show(initiator.url or document) or "the document"
        return f"a <script> tag at line {initiator.line} of {where}"
    if initiator.kind != "script" or not initiator.frames:
        return "the browser (no script asked for it)"
    top = initiator.frames[0]
    below = next((f for f in initiator.frames[1:] if f.url and f.url != top.url), None)
    if not top.url:
        return _inserted(below, document, show)
    if _same_document(top.url, document):
        shown = f"inline script at line {top.line} of {show(top.url)}"
    else:
        shown = _script(top.url, show)
    if below and tag_manager(below.url) is not None and not _same_document(below.url, document):
        shown += f", called from {_script(below.url, show)}"
    return shown
