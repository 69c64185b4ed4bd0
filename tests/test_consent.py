"""Consent choices and the consent matrix, as users run them: ``spdt-harness audit --consent``
and ``--consent-matrix`` on the fixture sites' consent scenarios, one per consent tool style
(OneTrust, Cookiebot and Google Consent Mode through their APIs, a plain banner through CSS
selectors), including a gate that ignores Reject."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fixture_sites.server import FixtureServer
from tests.audit_helpers import codes, read_json, site_args, spdt

pytestmark = pytest.mark.browser

FAST = ("--no-noscript", "--no-screenshots", "--quiet", "0.5", "--workers", "1")
SELECTORS = """
steps:
  - land: landing
  - consent: {accept: "#consent-accept", reject: "#consent-reject", withdraw: "#consent-withdraw"}
  - click: "#to-product"
"""


def _audit(
    sites: FixtureServer, env: dict[str, str], out: Path, *args: str
) -> tuple[int, str, dict[str, Any]]:
    done = spdt(
        "audit", *args, *site_args(sites), *FAST, "--format", "json", "--output", str(out), env=env
    )
    return done.returncode, done.stdout + done.stderr, read_json(out)


def _by_choice(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["consent"]["choice"]: p for p in report["pages"]}


@pytest.mark.parametrize(
    ("scenario", "done"),
    [
        ("consent-onetrust", "onetrust: OneTrust.RejectAll()"),
        ("consent-cookiebot", "cookiebot: Cookiebot.submitCustomConsent(false, false, false)"),
        ("consent-gcm", "gcm: gtag('consent', 'update', {\"ad_storage\": \"denied\""),
    ],
)
def test_consent_matrix_through_each_tools_api(
    scenario: str, done: str, sites: FixtureServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    url = f"https://shop.test/{scenario}/landing"
    code, output, report = _audit(sites, cli_env, tmp_path / "m.json", url, "--consent-matrix")
    assert code == 0, output
    pages = _by_choice(report)
    assert sorted(pages) == ["accept", "none", "reject", "revoke"]
    assert all(not p["findings"] and p["problem"] is None for p in pages.values()), output
    accept, reject, none, revoke = (
        pages[c]["consent"] for c in ("accept", "reject", "none", "revoke")
    )
    assert "view" in accept["fired"]
    assert "cookie __spdt" in accept["stored"]["names"]
    assert reject["done"].startswith(done)
    assert (reject["requests"], none["requests"]) == (0, 0)
    # consent withheld: the tool's container without a pixel held no settle to its limit
    for choice in ("reject", "none"):
        settles = [e["detail"] for e in pages[choice]["timeline"] if e["stage"] == "settle"]
        assert settles, choice
        assert not [d for d in settles if "waited for tag_manager" in d], (choice, settles)
    assert "cookie __spdt" not in reject["stored"]["names"]
    assert "view" in revoke["fired"]
    assert revoke["requests_after_withdrawal"] == 0
    # nothing deletes what the pixel stored before the withdrawal: the matrix says so
    assert "cookie __spdt" in revoke["survived"]["names"]


def test_onetrust_alias_cache_and_click_id_survive_a_withdrawal(
    sites: FixtureServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    url = "https://shop.test/consent-onetrust/landing"
    code, output, report = _audit(sites, cli_env, tmp_path / "r.json", url, "--consent", "revoke")
    assert code == 0, output
    (page,) = report["pages"]
    outcome = page["consent"]
    assert outcome["withdrawn"] == "onetrust: OneTrust.RejectAll()"
    assert outcome["survived"]["alias_cache"] == ["user_hashed_email"]
    assert outcome["survived"]["click_id"], outcome
    text = spdt("report", "render", str(tmp_path / "r.json"), "--format", "text", env=cli_env)
    assert "    pixel alias cache (localStorage): user_hashed_email" in text.stdout
    survived = (
        "    alias cache after it: user_hashed_email; click id after it: sessionStorage click_id"
    )
    assert survived in text.stdout
    html = spdt("report", "render", str(tmp_path / "r.json"), "--format", "html", env=cli_env)
    assert "[consent revoke] journey consent.yaml: " in html.stdout
    assert "alias cache: user_hashed_email" in html.stdout


def test_a_gate_that_ignores_reject_is_an_error_with_evidence(
    sites: FixtureServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    journey = tmp_path / "consent.yaml"
    journey.write_text(SELECTORS, "utf-8")
    url = "https://shop.test/consent-ignores-reject/landing"
    code, output, report = _audit(
        sites, cli_env, tmp_path / "m.json", url, "--journey", str(journey), "--consent-matrix"
    )
    assert code == 1, output
    pages = _by_choice(report)
    assert codes(pages["accept"]) == set()
    assert codes(pages["none"]) == set()
    assert codes(pages["reject"]) == {"PIXEL_IGNORES_CONSENT"}
    assert codes(pages["revoke"]) == {"PIXEL_IGNORES_CONSENT"}
    (finding,) = pages["reject"]["findings"]
    assert finding["message"].endswith("after the visitor rejected consent.")
    assert finding["evidence"][0] == "consent step: selector: click #consent-reject"
    assert any("GET pixel.byspotify.com/ping.min.js" in e for e in finding["evidence"]), finding
    (withdrawn,) = pages["revoke"]["findings"]
    assert withdrawn["message"].endswith("after the visitor withdrew consent.")
    assert "withdrawal: selector: click #consent-withdraw" in withdrawn["evidence"]


def test_consent_usage_errors(cli_env: dict[str, str], tmp_path: Path) -> None:
    both = spdt("audit", "https://a.test/", "--consent", "reject", "--consent-matrix", env=cli_env)
    assert both.returncode == 2
    assert "not allowed with argument" in both.stderr
    crawl = spdt("audit", "https://a.test/", "--consent", "reject", "--crawl", "3", env=cli_env)
    assert crawl.returncode == 2
    assert crawl.stderr.strip() == (
        "UsageError: --consent and --consent-matrix do not go with --crawl; use --journey"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("- consent: {accept: '#a', tool: didomi}\n", "utf-8")
    done = spdt("audit", "https://a.test/", "--journey", str(bad), env=cli_env)
    assert done.returncode == 2
    assert "consent tool 'didomi' is not one of auto, onetrust, cookiebot, gcm, selector" in (
        done.stderr
    )
