"""The Spotify host names the mock answers for (virtual hosting by Host header)."""

from __future__ import annotations

SCRIPT_HOST = "pixel.byspotify.com"  # ping.min.js, the guide's /pixel and /api/v1/conversion
INGEST_HOST = "pixels.spotify.com"  # the live pixel's event ingest
IMAGE_HOST = "img.byspotify.com"  # the documented image pixel
CAPI_HOST = "capi.spotify.com"  # the Conversions API
ADS_API_HOST = "ads-api.spotify.com"  # reporting (the guide)

SPOTIFY_HOSTS: tuple[str, ...] = (SCRIPT_HOST, INGEST_HOST, IMAGE_HOST, CAPI_HOST, ADS_API_HOST)
SCRIPT_URL = f"https://{SCRIPT_HOST}/ping.min.js"
INGEST_URL = f"https://{INGEST_HOST}/v1/ingest"


def bare_host(host_header: str) -> str:
    """``pixels.spotify.com:443`` → ``pixels.spotify.com`` (IPv6 literals kept whole)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
