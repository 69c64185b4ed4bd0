"""The Spotify host names the mock answers for (virtual hosting by Host header)."""

from __future__ import annotations

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
SCRIPT_URL = f"https://{SCRIPT_HOST}/ping.min.js"
LEGACY_SCRIPT_URL = f"https://{LEGACY_SCRIPT_HOST}/ping.min.js"
INGEST_URL = f"https://{INGEST_HOST}/v1/ingest"


def bare_host(host_header: str) -> str:
    """``pixels.spotify.com:443`` → ``pixels.spotify.com`` (IPv6 literals kept whole)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
