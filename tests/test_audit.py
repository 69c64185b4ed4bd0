"""``spdt-harness audit`` and ``report`` as users run them: subprocesses, real Chromium, the
fixture sites and ad-hoc pages on loopback. Exit codes, journeys, crawl + shards + merge, the
live-script environment problem, and the HTML report opened in Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fixture_sites.server import FixtureServer
from harness.lab import Harness
from tests.audit_helpers import codes, read_json, site_args, spdt
from tests.pages import PageServer
from tests.snippets import BASE_CODE

pytestmark = pytest.mark.browser

HOSTILE_NAME = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">'


def landing(sites: FixtureServer, scenario: str, page: str = "landing") -> str:
    host = "shop.test"
    return f"https://{host}/{scenario}/{page}"


# -- exit codes ------------------------------------------------------------------------------


def test_clean_install_exits_0_and_an_error_finding_exits_1(
    sites: FixtureServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "r.json"
    done = spdt(
        "audit",
        landing(sites, "shop-correct"),
        landing(sites, "placeholder-key"),
        *site_args(sites),
        "--format",
        "json",
        "--output",
        str(out),
        env=cli_env,
    )
    report = read_json(out)
    clean, broken = report["pages"]
    assert "INVALID_PIXEL_KEY" in codes(broken)
    assert not [f for f in clean["findings"] if f["severity"] == "error"]
    assert done.returncode == 1, done.stderr
    assert report["summary"]["exit_code"] == 1
    assert re.match(r"spdt-harness audit: 2 pages, \d+ errors?, ", done.stdout)

    only_clean = spdt("audit", landing(sites, "shop-correct"), *site_args(sites), env=cli_env)
    assert only_clean.returncode == 0, only_clean.stdout
    assert "https://shop.test/shop-correct/landing" in only_clean.stdout


def test_unreachable_host_exits_2_with_one_line(
    sites: FixtureServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "r.json"
    done = spdt(
        "audit",
        "https://unmapped.invalid/",
        *site_args(sites),
        "--format",
        "json",
        "--output",
        str(out),
        env=cli_env,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("AuditProblem: https://unmapped.invalid/: navigation: ")
    assert "ERR_NAME_NOT_RESOLVED" in lines[0]
    assert "DNS" in lines[0]
    page = read_json(out)["pages"][0]
    assert page["problem"]["kind"] == "navigation"
    assert page["findings"] == []


def test_untrusted_certificate_is_a_tls_problem(
    sites: FixtureServer, cli_env: dict[str, str]
) -> None:
    args = [a for a in site_args(sites) if a != sites.spki and a != "--trust-spki"]
    done = spdt("audit", landing(sites, "shop-correct"), *args, env=cli_env)
    assert done.returncode == 2
    assert "TLS" in done.stderr
    assert "--trust-spki" in done.stderr
    # --insecure accepts the certificate instead
    insecure = spdt("audit", landing(sites, "shop-correct"), *args, "--insecure", env=cli_env)
    assert insecure.returncode == 0, insecure.stderr  # shop-correct: no error finding


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://example.test/"], "UsageError: 'ftp://example.test/' is not an http(s) URL"),
        ([], "UsageError: nothing to audit: give at least one URL or --journey FILE"),
        (["https://a.test/", "--shard", "3/2"], "UsageError: --shard '3/2': I must be between"),
        (["https://a.test/", "--map", "nonsense"], "UsageError: host mapping 'nonsense' is not"),
        (["https://a.test/", "--trust-spki", "abc"], "UsageError: --trust-spki 'abc': expected"),
        (["https://a.test/", "--crawl", "0"], "UsageError: spdt-harness audit: argument --crawl"),
        (["https://a.test/", "--format", "pdf"], "UsageError: spdt-harness audit: argument"),
        (["--journey", "/no/such.yaml"], "UsageError: journey /no/such.yaml: no such file"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    args: list[str], message: str, cli_env: dict[str, str]
) -> None:
    done = spdt("audit", *args, env=cli_env)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(message), done.stderr
    assert "Traceback" not in done.stderr


def test_live_script_unreachable_is_an_environment_problem(
    sites: FixtureServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """What happens on a machine that cannot reach pixel.byspotify.com: simulated on loopback
    by pointing the live script host at a closed port (no real DNS is asked)."""
    args = [a for a in site_args(sites) if a not in ("--offline", "emulated", "--script")]
    out = tmp_path / "r.json"
    done = spdt(
        "audit",
        landing(sites, "shop-correct"),
        landing(sites, "placeholder-key"),
        *args,
        "--script",
        "live",
        "--map",
        "pixel.byspotify.com=127.0.0.1:9",
        "--workers",
        "1",
        "--format",
        "json",
        "--output",
        str(out),
        env=cli_env,
    )
    assert done.returncode == 2
    first = done.stderr.strip().splitlines()[0]
    assert first.startswith("AuditProblem: https://shop.test/shop-correct/landing: environment:")
    assert "not a site defect" in first
    assert "--script emulated" in first
    pages = read_json(out)["pages"]
    assert pages[0]["problem"]["kind"] == "environment"
    assert pages[0]["findings"] == []  # SCRIPT_NOT_LOADED would blame the site
    assert pages[1]["problem"]["kind"] in ("environment", "skipped")


# -- journeys --------------------------------------------------------------------------------


def test_journey_with_relative_urls_and_an_unmet_expectation(
    sites: FixtureServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    journey = tmp_path / "checkout.yaml"
    journey.write_text(
        "steps:\n"
        "  - land: landing\n"
        "  - goto: product\n"
        "  - goto: checkout\n"
        "  - click: '#place-order'\n"
        "  - expect_event: {name: purchase, timeout: 3}\n",
        "utf-8",
    )
    out = tmp_path / "r.json"
    base = "https://shop.test/purchase-never-fired/"
    done = spdt(
        "audit",
        base,
        "--journey",
        str(journey),
        *site_args(sites),
        "--format",
        "json",
        "--output",
        str(out),
        env=cli_env,
    )
    page = read_json(out)["pages"][0]
    assert page["journey"] == "checkout.yaml"
    assert page["problem"] is None, page["problem"]
    assert "EVENT_NOT_FIRED" in codes(page)
    fired = next(f for f in page["findings"] if f["code"] == "EVENT_NOT_FIRED")
    assert "purchase" in fired["message"]
    assert done.returncode == 1

    ok = tmp_path / "ok.yaml"
    ok.write_text(journey.read_text("utf-8"), "utf-8")
    good = spdt(
        "audit",
        "https://shop.test/shop-correct/",
        "--journey",
        str(ok),
        *site_args(sites),
        "--format",
        "json",
        "--output",
        str(out),
        env=cli_env,
    )
    page = read_json(out)["pages"][0]
    assert "EVENT_NOT_FIRED" not in codes(page), page["findings"]
    assert good.returncode == 0, good.stderr


def test_bad_journey_file_is_a_usage_error(cli_env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- land: https://shop.test/x\n- jump: '#nope'\n", "utf-8")
    done = spdt("audit", "--journey", str(bad), env=cli_env)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"UsageError: journey {bad}: journey step 2: unknown step 'jump'; steps are "
        "land, goto, click, fill, wait, consent, expect_event, expect_no_pixel_traffic, expose, "
        "advance, expect_attribution"
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("- land: [unclosed\n", "utf-8")
    done = spdt("audit", "--journey", str(broken), env=cli_env)
    assert done.returncode == 2
    assert done.stderr.startswith(f"UsageError: journey {broken}: ")
    assert "line" in done.stderr


# -- crawl, shards, merge --------------------------------------------------------------------


def test_crawl_in_two_shards_merges_into_the_whole_crawl(
    sites: FixtureServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    start = landing(sites, "shop-correct")
    parts = []
    for shard in ("1/2", "2/2"):
        out = tmp_path / f"part{shard[0]}.json"
        done = spdt(
            "audit",
            start,
            "--crawl",
            "4",
            "--shard",
            shard,
            *site_args(sites),
            "--no-screenshots",
            "--format",
            "json",
            "--output",
            str(out),
            env=cli_env,
        )
        assert done.returncode == 0, done.stderr  # a clean shop
        parts.append(out)
    first, second = (read_json(p) for p in parts)
    assert first["shards"] == ["1/2"]
    assert {p["index"] % 2 for p in first["pages"]} == {0}
    assert {p["index"] % 2 for p in second["pages"]} == {1}

    merged_path = tmp_path / "merged.json"
    merged = spdt("report", "merge", *map(str, parts), "--output", str(merged_path), env=cli_env)
    report = read_json(merged_path)
    pages = report["pages"]
    assert [p["index"] for p in pages] == list(range(len(pages)))
    assert len(pages) >= 3  # landing, product, checkout (and thanks) are linked
    urls = [p["url"] for p in pages]
    assert urls[0] == start
    assert len(set(urls)) == len(urls)
    assert all(urlsplit(u).hostname == "shop.test" for u in urls)
    assert "https://shop.test/shop-correct/product" in urls
    assert report["shards"] == ["1/2", "2/2"]
    assert merged.returncode == report["summary"]["exit_code"]

    again = spdt("report", "merge", str(parts[0]), str(parts[0]), env=cli_env)
    assert again.returncode == 2
    assert "merge each shard once" in again.stderr


def test_report_render_every_format_and_reject_bad_input(
    sites: FixtureServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    saved = tmp_path / "r.json"
    spdt(
        "audit",
        landing(sites, "currency-symbol", "thanks"),
        *site_args(sites),
        "--format",
        "json",
        "--output",
        str(saved),
        env=cli_env,
    )
    text = spdt("report", "render", str(saved), "--format", "text", env=cli_env)
    assert text.returncode == 0
    assert "https://shop.test/currency-symbol/thanks" in text.stdout
    assert "\x1b[" not in text.stdout  # no colour when not a terminal
    sarif = json.loads(
        spdt("report", "render", str(saved), "--format", "sarif", env=cli_env).stdout
    )
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == codes(read_json(saved)["pages"][0])
    junit = spdt("report", "render", str(saved), "--format", "junit", env=cli_env).stdout
    assert junit.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert 'name="INVALID_CURRENCY"' in junit

    not_json = tmp_path / "x.json"
    not_json.write_text("{", "utf-8")
    done = spdt("report", "render", str(not_json), env=cli_env)
    assert done.returncode == 2
    assert done.stderr.startswith(f"UsageError: {not_json}: not JSON")
    wrong = tmp_path / "w.json"
    wrong.write_text(json.dumps({"schema": "spdt-harness/audit", "schema_version": 99}), "utf-8")
    done = spdt("report", "render", str(wrong), env=cli_env)
    assert done.returncode == 2
    assert "99 is not supported" in done.stderr


# -- the HTML report in Chromium -------------------------------------------------------------


def test_html_report_opens_offline_with_screenshot_timeline_and_escaped_page_strings(
    page_server: PageServer, spdt_harness: Harness, cli_env: dict[str, str], tmp_path: Path
) -> None:
    name = json.dumps(HOSTILE_NAME).replace("</", "<\\/")  # keep the page's own script whole
    url = page_server.serve(
        f"<!doctype html><html><head><title>{'<'}b>t</title>{BASE_CODE}</head><body>"
        f"<h1>shop</h1><script>spdt('purchase', {{value: 5, currency: 'EUR', "
        f"order_id: 'o1', product_name: {name}}});</script></body></html>"
    )
    out = tmp_path / "report.html"
    done = spdt(
        "audit",
        url,
        "--offline",
        "--script",
        "emulated",
        "--format",
        "html",
        "--output",
        str(out),
        env=cli_env,
    )
    assert done.returncode == 0, done.stderr
    source = out.read_text("utf-8")
    assert "<script" not in source.replace("&lt;script", "")  # no script of ours, none of theirs
    assert "Content-Security-Policy" in source

    assert spdt_harness.browser is not None
    context = spdt_harness.browser.new_context()
    try:
        page = context.new_page()
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.goto(out.as_uri())
        assert all(u.startswith(("file:", "data:")) for u in requested), requested
        shot = page.locator(".shot img")
        assert shot.count() == 1
        assert shot.evaluate("img => img.complete && img.naturalWidth > 0")
        stages = page.locator("ol.timeline li .stage").all_inner_texts()
        assert "script load" in stages
        assert "spdt call" in stages
        assert "beacon" in stages
        assert "storage" in stages
        calls = " ".join(page.locator("ol.timeline li.stage-call").all_inner_texts())
        assert "<script>window.__pwned = 1</script>" in calls
        assert page.evaluate("window.__pwned") is None
        assert page.locator("body script").count() == 0
        assert page.locator("img").count() == 1  # the screenshot; the page's <img> is text
    finally:
        context.close()
