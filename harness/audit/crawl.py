"""Same-origin link filtering for ``--crawl``: which of a page's links are pages to audit."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Links to these are files, not pages: following them would start a download.
SKIPPED_EXTENSIONS = frozenset(
    {
        "pdf",
        "zip",
        "gz",
        "tgz",
        "bz2",
        "xz",
        "7z",
        "rar",
        "dmg",
        "exe",
        "msi",
        "apk",
        "iso",
        "jpg",
        "jpeg",
        "png",
        "gif",
        "webp",
        "svg",
        "ico",
        "bmp",
        "tif",
        "tiff",
        "mp3",
        "mp4",
        "m4a",
        "wav",
        "ogg",
        "webm",
        "mov",
        "avi",
        "mkv",
        "csv",
        "xls",
        "xlsx",
        "doc",
        "docx",
        "ppt",
        "pptx",
        "json",
        "xml",
        "txt",
        "woff",
        "woff2",
        "ttf",
        "otf",
        "eot",
        "css",
        "js",
    }
)


def origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def normalise(url: str, drop_params: Iterable[str]) -> str | None:
    """The page a link points to: no fragment, no click id; None for non-page links."""
    try:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        _ = parts.port  # raises on a bad port
    except ValueError:
        return None
    last = parts.path.rsplit("/", 1)[-1]
    if "." in last and last.rsplit(".", 1)[-1].lower() in SKIPPED_EXTENSIONS:
        return None
    dropped = {p.lower() for p in drop_params}
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k.lower() not in dropped
        ]
    )
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", query, ""))


def same_origin_links(
    links: Iterable[str], origins: set[str], drop_params: Iterable[str]
) -> list[str]:
    out: list[str] = []
    params = tuple(drop_params)
    for link in links:
        page = normalise(link, params)
        if page is not None and origin(page) in origins and page not in out:
            out.append(page)
    return out
