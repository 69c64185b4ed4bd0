"""Hostile pages met by a crawl (tests/test_audit_hostile.py audits them one by one): a site
whose links lead into a redirect loop, a page that never finishes, an endless generator of new
links, a page that reloads itself forever, popups opened on a timer, a beacon and fetch flood at
the ingest host, and a history.pushState flood. The crawl ends in a report (exit 1 or 2) within
the configured total time, never audits more than --crawl pages, and every page has findings or
a stated problem."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.audit_helpers import read_json, spdt
from tests.hostile import Handler, endless, redirect_loop, serve
from tests.hostile import page as _page
from tests.snippets import BASE_CODE

pytestmark = pytest.mark.browser

LINKS = [
    "/loop",
    "/forever",
    "/gen/1",
    "/reload",
    "/popups",
    "/beacon-flood",
    "/push-flood",
    "/ok",
]


async def index(_request: web.Request) -> web.Response:
    return _page("".join(f'<a href="{link}">{link}</a> ' for link in LINKS))


async def gen(request: web.Request) -> web.Response:
    n = int(request.match_info["n"]) if request.match_info["n"].isdigit() else 0
    links = "".join(f'<a href="/gen/{n * 10 + i}">next {i}</a> ' for i in range(10))
    return _page(f"<h1>generated {n}</h1>{links}")


async def reload(_request: web.Request) -> web.Response:
    return _page("<script>setTimeout(() => location.reload(), 100);</script><h1>reload</h1>")


async def popups(_request: web.Request) -> web.Response:
    return _page("<script>setInterval(() => window.open('/ok', '_blank'), 50);</script><h1>p</h1>")


async def beacon_flood(_request: web.Request) -> web.Response:
    return _page(
        "<script>const b = JSON.stringify({batch: [{pid: 'k', events: [{action: 'lead',"
        " body: {url: location.href}}]}]});"
        "for (let i = 0; i < 3000; i++) { navigator.sendBeacon("
        "'https://pixels.spotify.com/v1/ingest', b); }"
        "for (let i = 0; i < 300; i++) { fetch('https://pixels.spotify.com/v1/ingest',"
        " {method: 'POST', body: b, keepalive: false}).catch(() => 0); }</script><h1>flood</h1>"
    )


async def push_flood(_request: web.Request) -> web.Response:
    return _page(
        "<script>let i = 0; const t = setInterval(() => { history.pushState({}, '', '/push/' +"
        " (i++)); if (i > 5000) clearInterval(t); }, 0);</script><h1>push</h1>"
    )


async def ok(_request: web.Request) -> web.Response:
    return _page("<h1>ok</h1>")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    forever = endless(
        f"<!doctype html><html><head>{BASE_CODE}</head><body>".encode(), b"<p>more</p>", 0.2
    )
    routes: list[tuple[str, Handler]] = [
        ("/", index),
        ("/loop", redirect_loop),
        ("/forever", forever),
        ("/gen/{n}", gen),
        ("/reload", reload),
        ("/popups", popups),
        ("/beacon-flood", beacon_flood),
        ("/push-flood", push_flood),
        ("/push/{n}", ok),
        ("/ok", ok),
    ]
    with serve(routes, "spdt-soak-hostile") as url:
        yield url


def test_a_crawl_through_hostile_pages_ends_in_a_bounded_report(
    site: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "crawl.json"
    total = 240
    # Bounded: spdt() fails the test if the audit outlives its own total timeout by 2 minutes.
    done = spdt(
        "audit",
        f"{site}/",
        "--crawl",
        "25",
        "--offline",
        "--script",
        "emulated",
        "--page-timeout",
        "10",
        "--timeout",
        str(total),
        "--format",
        "json",
        "--output",
        str(out),
        env=cli_env,
        timeout=total + 120,
    )
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode in (1, 2), done.stderr[-2000:]
    report = read_json(out)
    pages = report["pages"]
    assert 1 <= len(pages) <= 25
    for page in pages:
        assert page["problem"] is not None or isinstance(page["findings"], list)
    by_path = {p["url"].split("?")[0].replace(site, ""): p for p in pages}
    if "/loop" in by_path:
        assert by_path["/loop"]["problem"]["kind"] == "navigation"
    if "/beacon-flood" in by_path:
        flood = by_path["/beacon-flood"]
        assert flood["problem"] is None or flood["problem"]["kind"] == "timeout"
    stderr = [line for line in done.stderr.splitlines() if line.strip()]
    assert all(
        line.startswith(("AuditProblem: ", "AuditTimeout", "Timeout")) or "%" in line
        for line in stderr
    ), stderr[:10]
