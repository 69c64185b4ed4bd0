"""The Spotify host names the mock answers for (virtual hosting by Host header).

This module is the one list of Spotify-owned names: the browser's resolver rules, the mock's
certificate, the HTTP client's resolver and the mock's host routing all read it. Every name under
``GUARDED_DOMAINS`` is mapped to the mock during audits, tests and e2e; a path the mock does not
emulate on one of them is answered 404 and recorded as "not emulated", never resolved for real.
"""

from __future__ import annotations

from functools import lru_cache

SCRIPT_HOST = "pixel.byspotify.com"  # ping.min.js, the guide's /pixel and /api/v1/conversion
INGEST_HOST = "pixels.spotify.com"  # the live pixel's event ingest
IMAGE_HOST = "img.byspotify.com"  # the documented image pixel
CAPI_HOST = "capi.spotify.com"  # the Conversions API
ADS_API_HOST = "ads-api.spotify.com"  # reporting (the guide)
# The legacy Podsights loader (Spotify-owned): the same ping.min.js on cdn.pdst.fm, and
# ping.pdst.fm/tr.gif, requested on some sites (docs/evidence.md, "Loaders").
LEGACY_SCRIPT_HOST = "cdn.pdst.fm"
LEGACY_PING_HOST = "ping.pdst.fm"

SPOTIFY_HOSTS: tuple[str, ...] = (
    SCRIPT_HOST,
    INGEST_HOST,
    IMAGE_HOST,
    CAPI_HOST,
    ADS_API_HOST,
    LEGACY_SCRIPT_HOST,
    LEGACY_PING_HOST,
)
# Every name under these domains (and the domain itself) belongs to Spotify.
GUARDED_DOMAINS: tuple[str, ...] = ("spotify.com", "byspotify.com", "pdst.fm", "podsights.com")
# Names the mock answers for on top of SPOTIFY_HOSTS (their routes may or may not exist yet).
GUARDED_HOSTS: tuple[str, ...] = SPOTIFY_HOSTS
# Host name patterns in Chromium's --host-resolver-rules syntax ("*" any run of characters).
GUARDED_PATTERNS: tuple[str, ...] = tuple(
    p for domain in GUARDED_DOMAINS for p in (domain, f"*.{domain}")
)
SCRIPT_URL = f"https://{SCRIPT_HOST}/ping.min.js"
LEGACY_SCRIPT_URL = f"https://{LEGACY_SCRIPT_HOST}/ping.min.js"
INGEST_URL = f"https://{INGEST_HOST}/v1/ingest"


def is_guarded(host: str) -> bool:
    """True for a Spotify-owned name (``pixels.spotify.com``, ``x.pdst.fm``, ``podsights.com``)."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in GUARDED_DOMAINS)


@lru_cache(maxsize=1024)  # every hit asks, and a run sees a handful of Host headers
def bare_host(host_header: str) -> str:
    """``pixels.spotify.com:443`` → ``pixels.spotify.com`` (IPv6 literals kept whole)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
