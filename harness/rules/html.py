"""Static checks of a page as served: the base code's shape, keys, script tags, noscript images.

Parsed with BeautifulSoup (``html.parser``); never raises on any HTML. What the browser did at run
time lives in the timeline; this module only says what the markup contains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import parse_qs, urljoin, urlsplit

StubKind = Literal["official", "guide", "loader", "calls"]

# The pixel's globals: Spotify's `spdt`, and `pdst` of the legacy Podsights loader (the same
# ping.min.js served from cdn.pdst.fm, with a `pdst-capture` guard id).
_GLOBAL = r"(?:spdt|pdst)"
# The official Ads Manager stub: spdt is assigned a function (`w.spdt = w.spdt || function(){…}`
# or the generic `w[n] = w[n] || function(){…}` with n = 'spdt').
_FUNCTION_STUB = re.compile(
    rf"(?:\b{_GLOBAL}|\[\s*\w+\s*\])\s*=\s*(?:[\w.$\[\]'\"]+\s*\|\|\s*)?function\b", re.S
)
# The guide's stub: spdt is assigned an object (`w[n] = w[n] || { _q: [], on…}`).
_OBJECT_STUB = re.compile(
    rf"(?:\b{_GLOBAL}|\[\s*\w+\s*\])\s*=\s*(?:[\w.$\[\]'\"]+\s*\|\|\s*)?\{{\s*_?q\s*:", re.S
)
_MENTIONS_SPDT = re.compile(rf"""\b{_GLOBAL}\b|['"]{_GLOBAL}['"]""")
_CALL = re.compile(rf"""\b{_GLOBAL}\s*\(\s*(['"])([^'"]{{0,60}})\1""")
_CONF_KEY = re.compile(
    rf"""\b{_GLOBAL}\s*\(\s*['"]conf['"]\s*,\s*\{{[^{{}}]*?['"]?\bkey['"]?\s*:\s*(['"])([^'"]{{0,200}})\1""",
    re.S,
)
# Signs of the legacy Podsights loader in a snippet: its CDN, its guard id or its global.
LEGACY_HOST = "cdn.pdst.fm"
_LEGACY = re.compile(r"cdn\.pdst\.fm|pdst-capture|\bpdst\s*(?:\.q\b|\(|=)")
_JS_URL = re.compile(r"""(['"])((?:https?:)?//[^'"\s]{1,300}?\.js(?:\?[^'"\s]*)?)\1""")
RUNNABLE_TYPES = frozenset(
    {"", "text/javascript", "application/javascript", "module", "text/ecmascript"}
)
_TAG_MANAGER = re.compile(r"googletagmanager\.com/gtm\.js|GTM-[A-Z0-9]{4,}|tags\.tiqcdn\.com")


@dataclass(frozen=True, slots=True)
class InlineScript:
    content: str
    nonce: str | None
    in_head: bool
    kind: StubKind | None  # None: not pixel code
    loads_script: bool  # references ping.min.js on a pixel host (a loader)
    calls: tuple[str, ...]  # spdt('…') commands in source order
    conf_keys: tuple[str, ...]  # literal keys of spdt('conf', {key: '…'})
    script_srcs: tuple[str, ...] = ()  # absolute URLs of .js files the snippet names
    legacy: bool = False  # the legacy Podsights loader (cdn.pdst.fm, pdst-capture, pdst)

    def snippet(self, limit: int = 90) -> str:
        text = " ".join(self.content.split())
        return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class ScriptTag:
    src: str  # absolute
    nonce: str | None
    in_head: bool
    is_async: bool


@dataclass(frozen=True, slots=True)
class ImagePixel:
    src: str  # absolute
    key: str | None
    in_noscript: bool


@dataclass(frozen=True, slots=True)
class HtmlFacts:
    inline: tuple[InlineScript, ...] = ()  # inline scripts that hold pixel code
    script_tags: tuple[ScriptTag, ...] = ()  # <script src=…ping.min.js>
    images: tuple[ImagePixel, ...] = ()  # <img> of an image pixel host (in noscript or not)
    tag_manager: bool = False
    held: int = 0  # pixel snippets parked as non-running scripts (consent managers' text/plain)

    @property
    def base_codes(self) -> tuple[InlineScript, ...]:
        """Inline scripts that install the pixel (a stub or a loader)."""
        return tuple(s for s in self.inline if s.kind in ("official", "guide", "loader"))

    @property
    def loaders(self) -> int:
        """How many copies would load ping.min.js: inline loaders plus script tags."""
        return sum(1 for s in self.inline if s.loads_script) + len(self.script_tags)

    @property
    def conf_keys(self) -> tuple[str, ...]:
        return tuple(k for s in self.inline for k in s.conf_keys)

    @property
    def legacy_loader(self) -> bool:
        """The markup installs the pixel through the legacy Podsights loader (cdn.pdst.fm)."""
        return any(s.legacy for s in self.base_codes) or any(
            _host(t.src) == LEGACY_HOST for t in self.script_tags
        )

    @property
    def has_pixel(self) -> bool:
        """A base code or a pixel script tag (event calls alone do not install the pixel)."""
        return bool(self.base_codes or self.script_tags)

    @property
    def noscript_images(self) -> tuple[ImagePixel, ...]:
        return tuple(i for i in self.images if i.in_noscript)


def is_script_url(url: str, hosts: tuple[str, ...], file: str) -> bool:
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    return host in hosts and parts.path.rsplit("/", 1)[-1] == file


def _host(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def image_key(url: str) -> str | None:
    try:
        values = parse_qs(urlsplit(url).query).get("key")
    except ValueError:
        return None
    return values[0] if values else None


def _classify(content: str, file: str) -> StubKind | None:
    named = "spdt" in content or "pdst" in content
    if _OBJECT_STUB.search(content) and named:
        return "guide"
    if _FUNCTION_STUB.search(content) and named:
        return "official"
    if file in content and _MENTIONS_SPDT.search(content):
        return "loader"
    if _CALL.search(content):
        return "calls"
    return None


@lru_cache(maxsize=256)
def analyse(
    html: str, page_url: str, script_hosts: tuple[str, ...], file: str, image_hosts: tuple[str, ...]
) -> HtmlFacts:
    """What the served HTML says about the pixel. Never raises."""
    if not isinstance(html, str) or not html.strip():
        return HtmlFacts()
    try:
        return _analyse(html, page_url, script_hosts, file, image_hosts)
    except Exception:  # bs4 on hostile markup: a page we cannot parse has no static facts
        return HtmlFacts()


def _in_head(tag: object) -> bool:
    find_parent = getattr(tag, "find_parent", None)
    if find_parent is None:
        return False
    return find_parent("head") is not None or (
        find_parent("body") is None and find_parent("html") is not None
    )


def _analyse(
    html: str, page_url: str, script_hosts: tuple[str, ...], file: str, image_hosts: tuple[str, ...]
) -> HtmlFacts:
    from bs4 import BeautifulSoup
    from bs4.element import Tag

    soup = BeautifulSoup(html, "html.parser")
    inline: list[InlineScript] = []
    tags: list[ScriptTag] = []
    held = 0
    for script in soup.find_all("script"):
        if not isinstance(script, Tag):
            continue
        nonce_attr = script.get("nonce")
        nonce = nonce_attr if isinstance(nonce_attr, str) else None
        src = script.get("src")
        kind_attr = script.get("type")
        if isinstance(kind_attr, str) and kind_attr.strip().lower() not in RUNNABLE_TYPES:
            # JSON, templates and consent managers' text/plain placeholders do not run.
            if _classify(script.get_text(), file) in ("official", "guide", "loader") or (
                isinstance(src, str) and is_script_url(_absolute(page_url, src), script_hosts, file)
            ):
                held += 1
            continue
        if isinstance(src, str) and src.strip():
            absolute = _absolute(page_url, src)
            if is_script_url(absolute, script_hosts, file):
                tags.append(ScriptTag(absolute, nonce, _in_head(script), script.has_attr("async")))
            continue
        content = script.string if script.string is not None else script.get_text()
        kind = _classify(content, file)
        if kind is None:
            continue
        inline.append(
            InlineScript(
                content=content,
                nonce=nonce,
                in_head=_in_head(script),
                kind=kind,
                loads_script=file in content and any(h in content for h in script_hosts),
                script_srcs=tuple(
                    dict.fromkeys(
                        _absolute(page_url, m.group(2)) for m in _JS_URL.finditer(content)
                    )
                ),
                calls=tuple(m.group(2) for m in _CALL.finditer(content)),
                conf_keys=tuple(m.group(2) for m in _CONF_KEY.finditer(content)),
                legacy=bool(_LEGACY.search(content)),
            )
        )
    images = _images(soup, page_url, file, image_hosts)
    return HtmlFacts(
        tuple(inline), tuple(tags), tuple(images), bool(_TAG_MANAGER.search(html)), held
    )


def _images(soup: Any, page_url: str, file: str, image_hosts: tuple[str, ...]) -> list[ImagePixel]:
    from bs4 import BeautifulSoup
    from bs4.element import Tag

    images: list[ImagePixel] = []
    for img in soup.find_all("img"):
        if not isinstance(img, Tag):
            continue
        src = img.get("src")
        if not isinstance(src, str):
            continue
        absolute = _absolute(page_url, src)
        try:
            host = (urlsplit(absolute).hostname or "").lower()
        except ValueError:
            continue
        if host in image_hosts and not absolute.endswith(file):
            images.append(
                ImagePixel(absolute, image_key(absolute), img.find_parent("noscript") is not None)
            )
    # html.parser keeps <noscript> content as text when it is not markup-like; look there too.
    for noscript in soup.find_all("noscript"):
        if isinstance(noscript, Tag) and not noscript.find("img"):
            inner = BeautifulSoup(noscript.get_text(), "html.parser")
            for img in inner.find_all("img"):
                src = img.get("src") if isinstance(img, Tag) else None
                if isinstance(src, str):
                    absolute = _absolute(page_url, src)
                    host = (urlsplit(absolute).hostname or "").lower()
                    if host in image_hosts:
                        images.append(ImagePixel(absolute, image_key(absolute), True))
    return images


def _absolute(page_url: str, src: str) -> str:
    try:
        return urljoin(page_url or "https://invalid.test/", src.strip())
    except ValueError:
        return src
