"""Pages in flight: a worker opens and loads the next page while one waits out its quiet period
(``--pages-per-worker``), and a crawl hands out a page as soon as the page linking to it is done,
yet numbers and reports the pages in breadth-first order whatever order they finish in."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit_helpers import read_json, spdt
from tests.pages import PageServer
from tests.snippets import BASE_CODE, BASE_CODE_KEY

pytestmark = pytest.mark.browser

# Pixel activity for 2 s (a conf call every 100 ms keeps the page from being quiet), then a
# request for LATE: the page settles only after that request.
BUSY = """<script>
(function () {{
  var started = Date.now();
  var timer = setInterval(function () {{
    spdt('conf', {{key: '{key}'}});
    if (Date.now() - started > 2000) {{ clearInterval(timer); fetch('{late}'); }}
  }}, 100);
}})();
</script>"""


def _page(title: str, links: list[str], extra: str = "") -> str:
    items = "".join(f'<li><a href="{u}">{u}</a></li>' for u in links)
    return (
        f"<!doctype html><html><head><title>{title}</title>{BASE_CODE}{extra}</head>"
        f"<body><h1>{title}</h1><ul>{items}</ul></body></html>"
    )


def _crawl(
    page_server: PageServer, env: dict[str, str], tmp_path: Path, per_worker: str
) -> tuple[list[str], list[str], list[str], list[str]]:
    """root links to busy and quick; busy links to c, quick to d (breadth-first: root, busy,
    quick, c, d). The report's URLs, the expected ones, the order the server was asked for
    them, and [busy, quick, late]."""
    late = page_server.serve("late")
    c = page_server.serve(_page("c", []))
    d = page_server.serve(_page("d", []))
    busy = page_server.serve(_page("busy", [c], BUSY.format(key=BASE_CODE_KEY, late=late)))
    quick = page_server.serve(_page("quick", [d]))
    root = page_server.serve(_page("root", [busy, quick]))
    out = tmp_path / f"report-{per_worker}.json"
    done = spdt(
        "audit",
        root,
        "--crawl",
        "5",
        "--workers",
        "1",
        "--pages-per-worker",
        per_worker,
        "--offline",
        "--script",
        "emulated",
        "--no-noscript",
        "--no-screenshots",
        "--no-click-id",
        "--format",
        "json",
        "--output",
        str(out),
        env=env,
    )
    assert "Traceback" not in done.stderr, done.stderr
    pages = read_json(out)["pages"]
    for page in pages:
        assert page["problem"] is None, page["problem"]
    ours = {root, busy, quick, c, d, late}
    asked = [u for u in page_server.requested if u in ours]
    return [p["url"] for p in pages], [root, busy, quick, c, d], asked, [busy, quick, late]


def test_a_worker_loads_the_next_page_while_one_settles_and_keeps_crawl_order(
    page_server: PageServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    urls, expected, asked, (_busy, quick, late) = _crawl(page_server, cli_env, tmp_path, "2")
    assert urls == expected  # breadth-first: c (found on busy) before d, though quick ended first
    # quick was opened while busy was still settling (before busy's late request)
    assert asked.index(quick) < asked.index(late), asked
    assert sorted(p for p in asked if p != late) == sorted(expected)  # each page loaded once

    # one page at a time: quick is opened only once busy has settled
    urls, expected, asked, (_busy, quick, late) = _crawl(page_server, cli_env, tmp_path, "1")
    assert urls == expected
    assert asked.index(late) < asked.index(quick), asked
