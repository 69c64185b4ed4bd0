"""Content Security Policy: parse policies and decide whether a request would be allowed.

Follows CSP Level 3 (https://www.w3.org/TR/CSP3/) for what matters to the pixel:

- a header value may hold several policies separated by commas; each policy is a list of
  directives separated by semicolons; a repeated directive is ignored (the first one wins);
- ``Content-Security-Policy-Report-Only`` policies report and never block;
- ``<meta http-equiv="Content-Security-Policy">`` in the document head is enforced (a Report-Only
  meta tag is ignored by browsers, and so is ``frame-ancestors``/``report-uri``/``sandbox`` there);
- fallback: ``script-src-elem`` → ``script-src`` → ``default-src``; ``connect-src`` and ``img-src``
  → ``default-src``; no applicable directive means allowed;
- source expressions: ``'none'``, ``'self'``, ``*``, scheme sources (``https:``), host sources
  with scheme, port, path and a leading ``*.`` wildcard, nonces, hashes, ``'strict-dynamic'``
  (host and scheme sources, ``'self'`` and ``'unsafe-inline'`` are then ignored for scripts; a
  script inserted by a trusted script is allowed), ``'unsafe-inline'`` (ignored when a nonce or
  hash is present).

Nothing here raises on any input string: garbage parses to fewer directives, never to an error.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

Disposition = Literal["enforce", "report"]

FALLBACKS: dict[str, tuple[str, ...]] = {
    "script-src-elem": ("script-src-elem", "script-src", "default-src"),
    "script-src-attr": ("script-src-attr", "script-src", "default-src"),
    "script-src": ("script-src", "default-src"),
    "style-src-elem": ("style-src-elem", "style-src", "default-src"),
    "connect-src": ("connect-src", "default-src"),
    "img-src": ("img-src", "default-src"),
    "font-src": ("font-src", "default-src"),
    "frame-src": ("frame-src", "child-src", "default-src"),
    "worker-src": ("worker-src", "child-src", "script-src", "default-src"),
    "media-src": ("media-src", "default-src"),
}
SCRIPT_DIRECTIVES = frozenset({"script-src-elem", "script-src-attr", "script-src"})
# Directives a <meta> policy may not carry (CSP3 §3.3).
META_IGNORED = frozenset({"frame-ancestors", "report-uri", "sandbox", "report-to"})
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}
HTTP_SCHEMES = frozenset({"http", "https", "ws", "wss"})
_DIRECTIVE_NAME = re.compile(r"^[a-z0-9-]+$")
_SCHEME_SOURCE = re.compile(r"^([a-z][a-z0-9+.-]*):$")
_HOST_SOURCE = re.compile(
    r"^(?:(?P<scheme>[a-z][a-z0-9+.-]*)://)?"
    r"(?P<host>\*|(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?)"
    r"(?::(?P<port>[0-9]+|\*))?"
    r"(?P<path>/[^;,\s]*)?$",
    re.IGNORECASE,
)
_NONCE = re.compile(r"^'nonce-([A-Za-z0-9+/_=-]+)'$")
_HASH = re.compile(r"^'(sha256|sha384|sha512)-([A-Za-z0-9+/_=-]+)'$")
_WS = re.compile(r"[\t\n\f\r ]+")


@dataclass(frozen=True, slots=True)
class Policy:
    """One policy: its directives in source order (first occurrence only), how it is enforced."""

    directives: tuple[tuple[str, tuple[str, ...]], ...]
    disposition: Disposition = "enforce"
    source: str = "header"  # "header" or "meta"
    raw: str = ""

    def directive(self, name: str) -> tuple[str, ...] | None:
        """The source list of ``name`` exactly (no fallback), or None when absent."""
        for directive_name, values in self.directives:
            if directive_name == name:
                return values
        return None

    def effective(self, directive: str) -> tuple[str, tuple[str, ...]] | None:
        """The directive that governs ``directive`` after fallback, with its source list."""
        for name in FALLBACKS.get(directive, (directive, "default-src")):
            values = self.directive(name)
            if values is not None:
                return name, values
        return None

    @property
    def enforced(self) -> bool:
        return self.disposition == "enforce"

    def describe(self, directive: str) -> str:
        """``connect-src 'self' pixel.byspotify.com`` for the directive governing ``directive``."""
        found = self.effective(directive)
        if found is None:
            return f"no {directive} (nor default-src)"
        name, values = found
        return f"{name} {' '.join(values)}".strip()


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    directive_used: str  # the directive that decided, "" when none applies
    reason: str


def parse_policy(
    text: str, *, disposition: Disposition = "enforce", source: str = "header"
) -> Policy:
    """Parse one serialized policy (no commas). Unknown or malformed directives are kept or
    skipped as a browser would; never raises."""
    directives: list[tuple[str, tuple[str, ...]]] = []
    seen: set[str] = set()
    for chunk in str(text).split(";"):
        tokens = [t for t in _WS.split(chunk.strip()) if t]
        if not tokens:
            continue
        name = tokens[0].lower()
        if not _DIRECTIVE_NAME.match(name) or name in seen:
            continue
        if source == "meta" and name in META_IGNORED:
            continue
        seen.add(name)
        directives.append((name, tuple(tokens[1:])))
    return Policy(tuple(directives), disposition, source, str(text).strip())


def parse_policies(
    header_values: str | Iterable[str], report_only: bool = False, *, source: str = "header"
) -> tuple[Policy, ...]:
    """Every policy in one or more header values (comma- or newline-separated policies)."""
    values = [header_values] if isinstance(header_values, str) else list(header_values)
    disposition: Disposition = "report" if report_only else "enforce"
    policies: list[Policy] = []
    for value in values:
        if not isinstance(value, str):
            continue
        for part in re.split(r"[,\n]", value):
            if part.strip():
                policy = parse_policy(part, disposition=disposition, source=source)
                if policy.directives:
                    policies.append(policy)
    return tuple(policies)


def meta_policies(html: str) -> tuple[Policy, ...]:
    """Enforced policies from ``<meta http-equiv="Content-Security-Policy">`` outside the body.

    A Report-Only meta tag is ignored by browsers and so here."""
    if not isinstance(html, str) or "http-equiv" not in html.lower():
        return ()
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    contents: list[str] = []
    for meta in soup.find_all("meta"):
        equiv = meta.get("http-equiv")
        content = meta.get("content")
        if not isinstance(equiv, str) or not isinstance(content, str):
            continue
        if equiv.strip().lower() != "content-security-policy":
            continue
        if meta.find_parent("body") is not None:
            continue
        contents.append(content)
    return parse_policies(contents, source="meta")


def page_policies(headers: Mapping[str, str], html: str = "") -> tuple[Policy, ...]:
    """All policies of a page: enforced and Report-Only headers, then meta tags."""
    lowered = {str(k).lower(): v for k, v in headers.items()}
    policies = parse_policies(lowered.get("content-security-policy", ""))
    policies += parse_policies(
        lowered.get("content-security-policy-report-only", ""), report_only=True
    )
    return policies + meta_policies(html)


# -- matching -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Url:
    scheme: str
    host: str
    port: int | None
    path: str


def _split(url: str) -> _Url | None:
    try:
        parts = urlsplit(str(url).strip())
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return None
    if not scheme:
        return None
    if port is None:
        port = DEFAULT_PORTS.get(scheme)
    return _Url(scheme, host, port, parts.path or "/")


def _scheme_matches(source_scheme: str, url_scheme: str) -> bool:
    if source_scheme == url_scheme:
        return True
    upgrades = {"http": {"https"}, "ws": {"wss", "http", "https"}, "wss": {"https"}}
    return url_scheme in upgrades.get(source_scheme, set())


def _host_matches(pattern: str, host: str) -> bool:
    pattern = pattern.rstrip(".")
    host = host.rstrip(".")
    if pattern == "*":
        return True
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return pattern == host


def _port_matches(port: str | None, url: _Url, source_scheme: str | None) -> bool:
    if port == "*":
        return True
    if port is None:
        default = DEFAULT_PORTS.get(url.scheme)
        if url.port == default:
            return True
        # An http source without port also matches https on 443 (upgrade).
        return source_scheme == "http" and url.scheme == "https" and url.port == 443
    try:
        wanted = int(port)
    except ValueError:
        return False
    if url.port == wanted:
        return True
    return wanted == 80 and url.scheme == "https" and url.port == 443


def _path_matches(source_path: str | None, url_path: str) -> bool:
    if not source_path:
        return True
    wanted = unquote(source_path)
    actual = unquote(url_path)
    if wanted.endswith("/"):
        return actual.startswith(wanted)
    return actual == wanted


def source_matches(expression: str, url: str, *, page_url: str) -> bool:
    """Whether one source expression matches ``url`` for a page at ``page_url`` (URL only:
    nonces, hashes and keywords other than 'self' never match a URL)."""
    target = _split(url)
    if target is None:
        return False
    token = str(expression).strip()
    lowered = token.lower()
    page = _split(page_url)
    if lowered == "*":
        return target.scheme in HTTP_SCHEMES or (page is not None and page.scheme == target.scheme)
    if lowered == "'self'":
        return page is not None and _self_matches(page, target)
    if lowered.startswith("'"):
        return False
    scheme_only = _SCHEME_SOURCE.match(lowered)
    if scheme_only:
        return _scheme_matches(scheme_only.group(1), target.scheme)
    host = _HOST_SOURCE.match(token)
    return host is not None and _host_source_matches(host, target, page)


def _self_matches(page: _Url, target: _Url) -> bool:
    if target.host != page.host:
        return False
    if target.scheme == page.scheme and target.port == page.port:
        return True
    return _scheme_matches(page.scheme, target.scheme) and target.port in (443, page.port)


def _host_source_matches(host: re.Match[str], target: _Url, page: _Url | None) -> bool:
    source_scheme = (host.group("scheme") or "").lower() or None
    if source_scheme is not None:
        scheme_ok = _scheme_matches(source_scheme, target.scheme)
    elif page is not None:
        scheme_ok = _scheme_matches(page.scheme, target.scheme)
    else:
        scheme_ok = target.scheme in HTTP_SCHEMES
    if not scheme_ok or not target.host:
        return False
    if not _host_matches(host.group("host").lower(), target.host):
        return False
    effective_scheme = source_scheme or (page.scheme if page is not None else None)
    if not _port_matches(host.group("port"), target, effective_scheme):
        return False
    # The path is ignored after a redirect; we judge the first request.
    return _path_matches(host.group("path"), target.path)


def _has_nonce_or_hash(values: Iterable[str]) -> bool:
    return any(_NONCE.match(v) or _HASH.match(v) for v in values)


def allows(  # noqa: PLR0911 - one early answer per CSP rule reads best
    policy: Policy,
    directive: str,
    url: str,
    *,
    page_url: str,
    nonce: str | None = None,
    parser_inserted: bool = True,
) -> Verdict:
    """Would ``policy`` allow a request of type ``directive`` (``script-src-elem``,
    ``connect-src``, ``img-src`` …) to ``url`` from a page at ``page_url``?

    ``nonce`` is the element's nonce attribute (scripts); ``parser_inserted=False`` says the
    script element was created by another script, which ``'strict-dynamic'`` allows when that
    script was itself trusted. Report-Only policies get a verdict too: the caller decides."""
    directive = str(directive).lower()
    found = policy.effective(directive)
    if found is None:
        return Verdict(True, "", f"the policy has no {directive} and no default-src")
    name, values = found
    lowered = [v.lower() for v in values]
    script = directive in SCRIPT_DIRECTIVES
    if script and nonce:
        for value in values:
            match = _NONCE.match(value)
            if match and match.group(1) == nonce:
                return Verdict(True, name, f"the script's nonce matches {value}")
    if script and "'strict-dynamic'" in lowered:
        if not parser_inserted:
            return Verdict(
                True,
                name,
                f"{name} has 'strict-dynamic': a script inserted by a trusted (nonce or hash) "
                "script may load any URL",
            )
        return Verdict(
            False,
            name,
            f"{name} has 'strict-dynamic', so host sources are ignored and a parser-inserted "
            "script needs a matching nonce or hash",
        )
    if lowered == ["'none'"] or not values:
        return Verdict(False, name, f"{name} is {' '.join(values) or 'empty'}")
    for value in values:
        if source_matches(value, url, page_url=page_url):
            return Verdict(True, name, f"{value} in {name} matches")
    return Verdict(False, name, f"no source in {name} matches {_origin(url)}")


def allows_inline_script(
    policy: Policy, content: str, *, nonce: str | None = None, directive: str = "script-src-elem"
) -> Verdict:
    """Would ``policy`` run an inline ``<script>`` with this content (and nonce attribute)?"""
    found = policy.effective(directive)
    if found is None:
        return Verdict(True, "", f"the policy has no {directive} and no default-src")
    name, values = found
    for value in values:
        nonce_match = _NONCE.match(value)
        if nonce and nonce_match and nonce_match.group(1) == nonce:
            return Verdict(True, name, f"the script's nonce matches {value}")
        hash_match = _HASH.match(value)
        if hash_match and _digest(hash_match.group(1), content) == _b64norm(hash_match.group(2)):
            return Verdict(True, name, f"the script's hash matches {value}")
    lowered = [v.lower() for v in values]
    if "'unsafe-inline'" in lowered:
        if _has_nonce_or_hash(values) or "'strict-dynamic'" in lowered:
            return Verdict(
                False,
                name,
                f"{name} has a nonce, hash or 'strict-dynamic', so 'unsafe-inline' is ignored "
                "and this inline script has no matching nonce or hash",
            )
        return Verdict(True, name, f"{name} has 'unsafe-inline'")
    return Verdict(False, name, f"{name} has no 'unsafe-inline' and no matching nonce or hash")


def _digest(algorithm: str, content: str) -> str:
    digest = hashlib.new(algorithm, content.encode("utf-8", "surrogatepass")).digest()
    return base64.b64encode(digest).decode("ascii")


def _b64norm(value: str) -> str:
    return value.replace("-", "+").replace("_", "/")


def _origin(url: str) -> str:
    parts = _split(url)
    if parts is None:
        return repr(str(url)[:80])
    default = DEFAULT_PORTS.get(parts.scheme)
    port = "" if parts.port in (None, default) else f":{parts.port}"
    return f"{parts.scheme}://{parts.host}{port}"
