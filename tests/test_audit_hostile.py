"""Hostile and broken pages never hang the auditor: each ends in a report (exit 1 or 2) within
the configured page timeout. Served over real HTTP on loopback by a small aiohttp app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.audit_helpers import read_json, spdt
from tests.hostile import Handler, endless, redirect_loop, serve
from tests.hostile import page as _page

pytestmark = pytest.mark.browser

PAGE_TIMEOUT = "10"


async def never_loads(_request: web.Request) -> web.Response:
    return _page('<h1>slow</h1><iframe src="/forever.html"></iframe>')


async def dialogs(_request: web.Request) -> web.Response:
    return _page(
        "<script>alert('hi'); confirm('sure?'); prompt('name?');"
        "window.addEventListener('beforeunload', e => { e.preventDefault(); e.returnValue = ''; });"
        "</script><h1>dialogs</h1>"
    )


async def busy(_request: web.Request) -> web.Response:
    return _page("<h1>busy</h1><script>setTimeout(() => { while (true) {} }, 50);</script>")


async def popups(_request: web.Request) -> web.Response:
    return _page(
        "<script>for (let i = 0; i < 5; i++) window.open('/popup-target', '_blank');</script>"
        "<h1>popups</h1>"
    )


async def popup_target(_request: web.Request) -> web.Response:
    return _page("<h1>an ad</h1>", head="")


async def download(_request: web.Request) -> web.Response:
    return _page(
        "<a id=d href='/file.bin' download='evil.bin'>x</a>"
        "<script>document.getElementById('d').click();</script><h1>download</h1>"
    )


async def file_bin(_request: web.Request) -> web.Response:
    return web.Response(
        body=b"\0" * 1024,
        headers={"Content-Disposition": 'attachment; filename="evil.bin"'},
        content_type="application/octet-stream",
    )


async def huge(_request: web.Request) -> web.Response:
    return _page("<p>" + "lorem ipsum <a href='/huge#x'>link</a> " * 80_000 + "</p>")


async def flood(_request: web.Request) -> web.Response:
    return _page(
        "<script>for (let i = 0; i < 20000; i++) spdt('addtocart', {value: i, currency: 'USD',"
        " product_id: 'p' + i});</script><h1>flood</h1>"
    )


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    routes: list[tuple[str, Handler]] = [
        ("/never-loads", never_loads),
        # the frame's document never ends: the page's load event never fires
        ("/forever.html", endless(b"<!doctype html><p>loading", b" ", 0.5)),
        ("/dialogs", dialogs),
        ("/loop", redirect_loop),
        ("/busy", busy),
        ("/popups", popups),
        ("/popup-target", popup_target),
        ("/download", download),
        ("/file.bin", file_bin),
        ("/huge", huge),
        ("/flood", flood),
    ]
    with serve(routes, "spdt-test-hostile") as url:
        yield url


def test_hostile_pages_end_in_a_report(
    hostile: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    names = ["never-loads", "dialogs", "loop", "popups", "download", "huge", "flood", "busy"]
    out = tmp_path / "hostile.json"
    done = spdt(
        "audit",
        *(f"{hostile}/{n}" for n in names),
        "--offline",
        "--script",
        "emulated",
        "--page-timeout",
        PAGE_TIMEOUT,
        "--timeout",
        "300",
        "--format",
        "json",
        "--output",
        str(out),
        env=cli_env,
        timeout=400,
        process=True,  # a page that never yields may leave its browser stuck: a process of its own
    )
    assert "Traceback" not in done.stderr
    assert done.returncode == 2  # the never-ending load and the redirect loop
    report = read_json(out)
    pages = {p["url"].rsplit("/", 1)[1]: p for p in report["pages"]}
    assert list(pages) == names

    assert pages["never-loads"]["problem"]["kind"] == "timeout"
    assert pages["never-loads"]["findings"] is not None  # what was captured is still checked
    # a script that never yields: the audit notices, reads nothing more from it, and moves on
    assert pages["busy"]["problem"]["kind"] == "timeout"
    assert "stopped answering" in pages["busy"]["problem"]["message"]
    assert pages["loop"]["problem"]["kind"] == "navigation"
    assert "ERR_TOO_MANY_REDIRECTS" in pages["loop"]["problem"]["message"]
    assert pages["dialogs"]["problem"] is None
    assert pages["dialogs"]["counts"]["dialogs"] >= 3
    assert any("alert dialog: 'hi'" in e["summary"] for e in pages["dialogs"]["timeline"])
    assert pages["popups"]["problem"] is None
    assert pages["popups"]["counts"]["popups"] >= 1
    assert pages["download"]["problem"] is None
    assert any(e["stage"] == "download" for e in pages["download"]["timeline"])
    # 3 MB of HTML: audited (the capture keeps the first 2 MB), or stopped at the page timeout
    huge_page = pages["huge"]
    assert huge_page["problem"] is None or huge_page["problem"]["kind"] == "timeout"
    assert huge_page["status"] == 200
    flood_page = pages["flood"]
    # audited, or stopped at the page timeout on a slow machine: either way bounded
    assert flood_page["problem"] is None or flood_page["problem"]["kind"] == "timeout"
    assert flood_page["counts"]["calls"] >= 100
    assert flood_page["counts"]["calls"] <= 5000  # the capture's bound
    assert sum(1 for e in flood_page["timeline"] if e["stage"] == "call") <= 61
    assert len(json.dumps(flood_page)) < 2_000_000
    stderr = done.stderr.strip().splitlines()
    assert len(stderr) == sum(1 for p in report["pages"] if p["problem"]), done.stderr
    assert all(line.startswith("AuditProblem: ") for line in stderr)


def test_total_timeout_ends_the_audit_with_a_report(
    hostile: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "total.json"
    done = spdt(
        "audit",
        f"{hostile}/never-loads",
        f"{hostile}/dialogs",
        f"{hostile}/popups",
        "--offline",
        "--script",
        "emulated",
        "--workers",
        "1",
        "--pages-per-worker",
        "1",  # the later pages wait behind the page that never loads
        "--page-timeout",
        "120",
        "--timeout",
        "8",
        "--format",
        "json",
        "--output",
        str(out),
        env=cli_env,
        timeout=200,
        process=True,  # the total timeout abandons a stuck browser: a process of its own
    )
    assert done.returncode == 2
    pages = read_json(out)["pages"]
    assert len(pages) == 3
    assert pages[0]["problem"]["kind"] == "timeout"
    assert any("total --timeout (8 s)" in (p["problem"] or {}).get("message", "") for p in pages)
    assert "Traceback" not in done.stderr
