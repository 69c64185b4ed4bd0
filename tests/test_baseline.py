"""Baselines: ``audit --baseline``, ``--fail-on``, ``report diff``, and the evidence fingerprint.

The CLI test audits two fixture pages for real, saves the report, then "fixes" one finding and
"introduces" another by editing the saved baseline (a finding the site no longer has, and one
the baseline did not know), and audits again against it.
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from fixture_sites.server import FixtureServer
from harness.audit.model import AuditReport, PageResult
from harness.reports.baseline import compare, fingerprint, gate_exit_code, page_key
from harness.rules.model import AuditFinding
from tests.audit_helpers import read_json, site_args, spdt

CURRENCY = "https://shop.test/currency-symbol/thanks"
ORDER_ID = "https://shop.test/purchase-without-order-id/thanks"
FAST = ("--no-noscript", "--no-screenshots", "--quiet", "0.5", "--workers", "1")


def _finding(code: str, *evidence: str, severity: str = "error", msg: str = "m") -> AuditFinding:
    return AuditFinding(code, severity, msg, "fix", None, tuple(evidence))  # type: ignore[arg-type]


def _report(*pages: tuple[str, tuple[AuditFinding, ...]]) -> AuditReport:
    return AuditReport(
        pages=tuple(PageResult(i, url, findings=f) for i, (url, f) in enumerate(pages))
    )


# -- the fingerprint and the matching, from Python ---------------------------------------------


def test_fingerprint_ignores_volatile_parts_but_not_the_evidence() -> None:
    one = _finding(
        "DUPLICATE_EVENT",
        "POST pixels.spotify.com/v1/ingest → 204 (record #6) at 2026-11-28T10:24:47Z",
        "spdt('view') on https://127.0.0.1:8443/landing?spclid=spdt-test-0123456789abcdef&_=171",
        "session 3f2a9c1e-7d4b-4e0a-9b1c-2d3e4f5a6b7c, 98.3 ms after load, t=1732789487123",
        "key 5c3f8a2b9d1e4f60a7b8c9d0e1f2a3b4, token Zx81kQp03LmN7vR2aa",
    )
    other_run = _finding(
        "DUPLICATE_EVENT",
        "key 5c3f8a2b9d1e4f60a7b8c9d0e1f2a3b4, token Qw27hLp99ZmA1bC5zz",
        "session 0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e, 120 ms after load, t=1732790000999",
        "spdt('view') on https://127.0.0.1:50123/landing?spclid=spdt-test-fedcba9876543210&_=9",
        "POST pixels.spotify.com/v1/ingest → 204 (record #41) at 2026-12-01T21:00:00.512Z",
    )
    assert fingerprint(one) == fingerprint(other_run)
    assert fingerprint(one).startswith("v1:")
    other_key = _finding(
        "DUPLICATE_EVENT",
        *(
            e.replace("5c3f8a2b9d1e4f60a7b8c9d0e1f2a3b4", "0123456789abcdef0123456789abcdef")
            for e in one.evidence
        ),
    )
    assert fingerprint(other_key) != fingerprint(one)
    assert fingerprint(_finding("INVALID_VALUE", "value '79,99'")) != fingerprint(
        _finding("INVALID_VALUE", "value '79.99'")
    )


def test_fingerprint_ignores_where_a_script_stands_in_its_document() -> None:
    def duplicate(line: int, source: str) -> AuditFinding:
        return _finding(
            "DUPLICATE_BASE_CODE",
            f"spdt('conf') called from inline script at line {line} of https://shop.test/",
            f"spdt('conf') called from {source}",
        )

    tag = "a script inserted by https://shop.test/container.js (a tag manager container)"
    moved = duplicate(52, tag)  # the theme gained twelve lines above its base code
    assert fingerprint(moved) == fingerprint(duplicate(40, tag))
    other = "GTM-K7T2QX custom HTML tag, inserted by https://www.googletagmanager.com/gtm.js"
    assert fingerprint(duplicate(40, other)) != fingerprint(duplicate(40, tag))


def test_page_key_drops_port_fragment_click_id_and_sorts_the_query() -> None:
    assert page_key("HTTPS://Shop.Test:8443/thanks?b=2&spclid=x&a=1#top") == (
        "https://shop.test/thanks?a=1&b=2"
    )
    assert page_key("https://shop.test/thanks?sp_click_id=y") == "https://shop.test/thanks"
    assert page_key("https://shop.test/a") != page_key("https://shop.test/b")


def test_matching_is_by_code_page_and_evidence_never_the_message() -> None:
    kept = _finding("INVALID_CURRENCY", "currency '£'", msg="old wording")
    reworded = _finding("INVALID_CURRENCY", "currency '£'", msg="new wording, 2 events")
    fixed = _finding("MISSING_CURRENCY", "purchase {}")
    introduced = _finding("MISSING_ORDER_ID", "purchase {}", severity="warning")
    baseline = _report(("https://shop.test/t?spclid=a", (kept, fixed, kept)))
    current = _report(("https://shop.test/t?spclid=b", (reworded, introduced)))
    result = compare(baseline, current)
    assert [c.state for c in result.current] == ["unchanged", "new"]
    # two identical findings in the baseline, one now: one unchanged, one resolved
    assert sorted(c.finding.code for c in result.resolved) == [
        "INVALID_CURRENCY",
        "MISSING_CURRENCY",
    ]
    assert result.counts() == {"new": 1, "unchanged": 1, "resolved": 2}
    assert gate_exit_code(current, result, "any") == 1  # an (unchanged) error is still there
    assert gate_exit_code(current, result, "new") == 0  # the only new finding is a warning
    assert gate_exit_code(current, None, "new") == 1  # no baseline: every finding is new
    worse = _report(("https://shop.test/t", (reworded, fixed)))
    assert gate_exit_code(worse, compare(current, worse), "new") == 1


# -- the CLI -----------------------------------------------------------------------------------


def _findings(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(p["url"], f) for p in report["pages"] for f in p["findings"]]


def test_audit_against_a_baseline_with_one_finding_fixed_and_one_new(
    sites: FixtureServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    first = tmp_path / "first.json"
    done = spdt(
        "audit", CURRENCY, ORDER_ID, *site_args(sites), *FAST,
        "--format", "json", "--output", str(first), env=cli_env,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    saved = read_json(first)
    by_page = {p["url"]: p for p in saved["pages"]}
    assert [f["code"] for f in by_page[CURRENCY]["findings"]] == ["INVALID_CURRENCY"]
    assert [f["code"] for f in by_page[ORDER_ID]["findings"]] == ["MISSING_ORDER_ID"]

    # The baseline: without the MISSING_ORDER_ID (so it is new now), with an error since fixed.
    baseline = copy.deepcopy(saved)
    base_pages = {p["url"]: p for p in baseline["pages"]}
    unknown = base_pages[ORDER_ID]["findings"].pop(0)
    base_pages[CURRENCY]["findings"].append(
        {
            "code": "MISSING_CURRENCY",
            "severity": "error",
            "message": "Purchase: currency is missing.",
            "fix": "Send currency.",
            "page": CURRENCY,
            "evidence": ["spdt('purchase', {\"value\": 79.99}) on " + CURRENCY],
        }
    )
    base_file = tmp_path / "baseline.json"
    base_file.write_text(json.dumps(baseline), "utf-8")

    sarif_file = tmp_path / "now.sarif"
    gated = spdt(
        "audit", CURRENCY, ORDER_ID, *site_args(sites), *FAST, "--baseline", str(base_file),
        "--fail-on", "new", "--format", "sarif", "--output", str(sarif_file), env=cli_env,
    )  # fmt: skip
    # the only new finding is a warning: --fail-on new passes while errors remain
    assert gated.returncode == 0, gated.stdout + gated.stderr
    assert "baseline: 1 new, 1 unchanged, 1 resolved (exit 0)" in gated.stdout
    results = json.loads(sarif_file.read_text("utf-8"))["runs"][0]["results"]
    states = sorted((r["ruleId"], r["baselineState"]) for r in results)
    assert states == [
        ("INVALID_CURRENCY", "unchanged"),
        ("MISSING_CURRENCY", "absent"),
        ("MISSING_ORDER_ID", "new"),
    ]
    new = next(r for r in results if r["baselineState"] == "new")
    assert new["message"]["text"] == unknown["message"]
    assert all(r["partialFingerprints"]["spdtEvidence/v1"].startswith("v1:") for r in results)

    junit_file = tmp_path / "now.xml"
    strict = spdt(
        "audit", CURRENCY, ORDER_ID, *site_args(sites), *FAST, "--baseline", str(base_file),
        "--format", "junit", "--output", str(junit_file), env=cli_env,
    )  # fmt: skip
    assert strict.returncode == 1, strict.stderr  # --fail-on any (the default): errors remain
    cases = ET.parse(junit_file).getroot().iter("testcase")
    names = {(c.get("classname"), c.get("name")): c.find("failure") is not None for c in cases}
    assert names[(ORDER_ID, "MISSING_ORDER_ID (warning) (new)")] is False
    assert names[(CURRENCY, "INVALID_CURRENCY")] is True
    assert names[(CURRENCY, "MISSING_CURRENCY (resolved)")] is False


def test_report_diff_text_json_and_exit_codes(cli_env: dict[str, str], tmp_path: Path) -> None:
    finding = {
        "code": "INVALID_CURRENCY",
        "severity": "error",
        "message": "Purchase: currency '£' is not a code",
        "fix": "Send GBP.",
        "page": CURRENCY + "?spclid=spdt…",
        "evidence": ["POST pixels.spotify.com/v1/ingest → 204 (record #6)"],
    }
    page = {"index": 0, "url": CURRENCY, "findings": [finding]}
    older = {"schema": "spdt-harness/audit", "schema_version": 1, "pages": [page]}
    moved = {**finding, "evidence": ["POST pixels.spotify.com/v1/ingest → 204 (record #9)"]}
    warning = {**finding, "code": "MISSING_ORDER_ID", "severity": "warning", "message": "<b>x"}
    newer = {**older, "pages": [{**page, "findings": [moved, warning]}]}
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(older), "utf-8")
    b.write_text(json.dumps(newer), "utf-8")

    done = spdt("report", "diff", str(a), str(b), env=cli_env)
    assert done.returncode == 0, done.stderr  # the new finding is a warning
    assert "  warning  NEW MISSING_ORDER_ID: <b>x" in done.stdout
    assert "  error    INVALID_CURRENCY: Purchase" in done.stdout  # unchanged: not marked
    assert "baseline: 1 new, 1 unchanged, 0 resolved (exit 0)" in done.stdout
    assert spdt("report", "diff", str(a), str(b), "--fail-on", "any", env=cli_env).returncode == 1
    backwards = spdt("report", "diff", str(b), str(a), "--format", "json", env=cli_env)
    assert backwards.returncode == 0, backwards.stderr
    data = json.loads(backwards.stdout)
    assert data["baseline"]["resolved"] == 1
    assert data["baseline"]["resolved_findings"][0]["code"] == "MISSING_ORDER_ID"
    assert data["pages"][0]["findings"][0]["baseline_state"] == "unchanged"
    worse = spdt("report", "diff", str(a), str(b), "--format", "html", env=cli_env)
    assert "state-new" in worse.stdout
    assert "&lt;b&gt;x" in worse.stdout
    bad = spdt("report", "diff", str(a), str(tmp_path / "missing.json"), env=cli_env)
    assert bad.returncode == 2
    assert bad.stderr.strip().startswith("UsageError:")
    assert "no such file" in bad.stderr


def test_a_bad_baseline_fails_before_the_audit(cli_env: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    done = spdt("audit", "https://shop.test/", "--baseline", str(missing), env=cli_env)
    assert done.returncode == 2
    assert done.stderr.strip() == f"UsageError: {missing}: no such file"
    other = tmp_path / "other.json"
    other.write_text('{"schema": "something/else"}', "utf-8")
    done = spdt("audit", "https://shop.test/", "--baseline", str(other), env=cli_env)
    assert done.returncode == 2
    assert "is this an `spdt-harness audit` JSON?" in done.stderr
    fail_on = spdt("audit", "https://shop.test/", "--fail-on", "old", env=cli_env)
    assert fail_on.returncode == 2
    assert "invalid choice: 'old'" in fail_on.stderr
