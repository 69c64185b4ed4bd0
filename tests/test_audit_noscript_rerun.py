"""The JavaScript-disabled rerun in a crawl: one worker's reruns share a page, and each files
its hits under a session of its own, so a page without a noscript image is reported as such
even right after a page whose image reached the mock."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit_helpers import codes, read_json, spdt
from tests.pages import PageServer
from tests.snippets import BASE_CODE, BASE_CODE_KEY

pytestmark = pytest.mark.browser

WITH_IMAGE = (
    f"<!doctype html><html><head><title>with image</title>{BASE_CODE}</head><body><h1>a</h1>"
    '<noscript><img height="1" width="1" alt="" '
    f'src="https://pixel.byspotify.com/pixel?key={BASE_CODE_KEY}&ev=view"></noscript>'
    "</body></html>"
)
# a <noscript> element (so the page is rerun) that holds no image pixel
WITHOUT_IMAGE = (
    f"<!doctype html><html><head><title>without image</title>{BASE_CODE}</head><body>"
    "<h1>b</h1><noscript>Please turn on JavaScript.</noscript></body></html>"
)


def test_each_rerun_of_a_crawl_sees_only_its_own_hits(
    page_server: PageServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    urls = [
        page_server.serve(WITH_IMAGE),
        page_server.serve(WITHOUT_IMAGE),
        page_server.serve(WITH_IMAGE),
    ]
    out = tmp_path / "report.json"
    done = spdt(
        "audit",
        *urls,
        "--workers",
        "1",  # one worker: the three reruns share its JavaScript-disabled page
        "--offline",
        "--script",
        "emulated",
        "--format",
        "json",
        "--output",
        str(out),
        env=cli_env,
    )
    assert "Traceback" not in done.stderr
    pages = read_json(out)["pages"]
    assert [p["url"] for p in pages] == urls
    for page in pages:
        assert page["problem"] is None, page["problem"]
        assert "noscript" in page["timings"], page["timings"]  # each page was rerun
    assert codes(pages[0]) == set(), pages[0]["findings"]
    assert codes(pages[2]) == set(), pages[2]["findings"]
    missing = [f for f in pages[1]["findings"] if f["code"] == "NOSCRIPT_MISSING"]
    assert len(missing) == 1, pages[1]["findings"]
    assert (
        "JavaScript-disabled run: no request reached an image pixel host"
        in (missing[0]["evidence"])
    )
