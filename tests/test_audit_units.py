"""The auditor's pure parts, without a browser: shards, crawl links, journeys, the report
schema and its loader, merging, and the five renderings (escaping included)."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.audit import (
    SCHEMA_VERSION,
    AuditFinding,
    AuditReport,
    PageResult,
    Problem,
    TimelineEntry,
    bind_journey,
    load_journey_file,
    merge_reports,
    options,
    parse_shard,
    report_from_json,
)
from harness.audit.crawl import normalise, same_origin_links
from harness.audit.lab import guard_patterns
from harness.audit.model import PROBLEM_KINDS
from harness.cli import audit_cmd
from harness.cli.audit_cmd import ProgressBar
from harness.errors import UsageError
from harness.flows.journey import parse_journey
from harness.flows.step import Step
from harness.reports.formats import render
from harness.rules import RULES
from tests.audit_helpers import spdt

EVIL = '<script>alert(1)</script>"&\x1b[31m'


def _report(*pages: PageResult, shards: tuple[str, ...] = ()) -> AuditReport:
    return AuditReport(pages=pages, options={"script": "emulated"}, shards=shards)


def _page(index: int = 0, *findings: AuditFinding, problem: Problem | None = None) -> PageResult:
    return PageResult(
        index=index,
        url=f"https://shop.test/p{index}",
        final_url=f"https://shop.test/p{index}",
        status=200,
        title=EVIL,
        findings=findings,
        problem=problem,
        timings={"total": 1000.0},
        screenshot="iVBORw0KGgo=",
        timeline=(TimelineEntry("call", f"spdt('purchase', {{\"product_name\": {EVIL!r}}})"),),
        counts={"calls": 1},
    )


ERROR = AuditFinding(
    "INVALID_CURRENCY", "error", f"currency {EVIL}", "Use an ISO code.", None, (EVIL,)
)
WARNING = AuditFinding("MISSING_ORDER_ID", "warning", "no order id", "Send order_id.")


def test_shards_split_deterministically_and_cover_everything() -> None:
    shards = [parse_shard(f"{i}/3") for i in (1, 2, 3)]
    owners = [[s.owns(k) for s in shards].index(True) for k in range(10)]
    assert owners == [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]
    assert all(sum(s.owns(k) for s in shards) == 1 for k in range(10))
    for bad in ("0/2", "3/2", "1/0", "x", "1-2"):
        with pytest.raises(UsageError, match="--shard"):
            parse_shard(bad)


def test_crawl_keeps_same_origin_pages_without_fragments_or_click_ids() -> None:
    links = [
        "https://shop.test/a#top",
        "https://shop.test/a?spclid=abc",
        "https://shop.test/b?x=1&sp_click_id=z",
        "https://other.test/c",
        "http://shop.test/a",  # another origin (scheme)
        "mailto:x@shop.test",
        "javascript:void(0)",
        "https://shop.test/brochure.pdf",
        "https://shop.test:99999/bad-port",
    ]
    got = same_origin_links(links, {"https://shop.test:443"}, ("spclid", "sp_click_id"))
    assert got == ["https://shop.test/a", "https://shop.test/b?x=1"]
    assert normalise("https://Shop.TEST", ()) == "https://shop.test/"


def test_journeys_resolve_relative_urls_and_land_first(tmp_path: Path) -> None:
    path = tmp_path / "j.yaml"
    path.write_text("- click: '#buy'\n- goto: /thanks\n- expect_event: purchase\n", "utf-8")
    journey = load_journey_file(path)
    bound = bind_journey(journey, "https://shop.test/shop/landing", click_id=True)
    assert bound == parse_journey(
        [
            {"land": "https://shop.test/shop/landing"},
            {"click": "#buy"},
            {"goto": "https://shop.test/thanks"},
            {"expect_event": "purchase"},
        ]
    )
    assert bind_journey(journey, "https://shop.test/", click_id=False).steps[0] == Step(
        "goto", target="https://shop.test/"
    )
    with pytest.raises(UsageError, match="does not start with land or goto"):
        bind_journey(journey, None, click_id=True)
    path.write_text("- land: {url: /go, click_id: qa-1, param: sp_click_id}\n", "utf-8")
    landing = load_journey_file(path)
    assert bind_journey(landing, "https://shop.test/", click_id=True).steps == (
        Step("land", target="https://shop.test/go", value="qa-1", param="sp_click_id"),
    )
    assert bind_journey(landing, "https://shop.test/", click_id=False).steps == (
        Step("goto", target="https://shop.test/go"),
    )
    path.write_text("- goto: javascript:alert(1)\n", "utf-8")
    with pytest.raises(UsageError, match="is not an http"):
        bind_journey(load_journey_file(path), "https://shop.test/", click_id=True)


def test_spotify_hosts_never_resolve_for_real() -> None:
    assert "*.spotify.com" in guard_patterns("live")
    assert "*.byspotify.com" not in guard_patterns("live")  # the live script host must resolve
    assert "*.byspotify.com" in guard_patterns("emulated")


def test_report_round_trips_through_json_and_exit_codes_follow_severity() -> None:
    report = _report(_page(0, ERROR, WARNING), _page(1))
    data = json.loads(report.dumps())
    assert data["schema"] == "spdt-harness/audit"
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["summary"] == {
        "pages": 2,
        "problems": 0,
        "error": 1,
        "warning": 1,
        "info": 0,
        "exit_code": 1,
    }
    again = report_from_json(data)
    assert again.pages == report.pages
    assert _report(_page(0, WARNING)).exit_code == 0
    assert _report(_page(0, problem=Problem("timeout", "slow"))).exit_code == 2


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(schema="other"), "schema: expected 'spdt-harness/audit'"),
        (lambda d: d.update(schema_version=2), "schema_version: 2 is not supported"),
        (lambda d: d.update(pages={}), "pages: expected a list, got an object"),
        (lambda d: d["pages"][0].update(index="0"), "pages[0].index: expected an integer"),
        (
            lambda d: d["pages"][0]["findings"][0].update(severity="fatal"),
            "pages[0].findings[0].severity: 'fatal' is not one of error, warning, info",
        ),
        (lambda d: d["pages"][0].update(screenshot='"><b>'), "pages[0].screenshot: not base64"),
        (
            lambda d: d["pages"][0].update(problem={"kind": "x", "message": ""}),
            "pages[0].problem.kind",
        ),
    ],
)
def test_loader_names_the_first_bad_field(mutate: object, message: str) -> None:
    data = json.loads(_report(_page(0, ERROR)).dumps())
    assert callable(mutate)
    mutate(data)
    with pytest.raises(
        UsageError, match="^saved: " + message.replace("[", r"\[").replace("(", r"\(")
    ):
        report_from_json(data, "saved")


def test_merge_orders_pages_and_refuses_the_same_part_twice() -> None:
    a = _report(_page(0), _page(2), shards=("1/2",))
    b = _report(_page(1, ERROR), shards=("2/2",))
    merged = merge_reports([("b.json", b), ("a.json", a)])
    assert [p.index for p in merged.pages] == [0, 1, 2]
    assert merged.shards == ("1/2", "2/2")
    assert merged.exit_code == 1
    with pytest.raises(UsageError, match="merge each shard once"):
        merge_reports([("a.json", a), ("again.json", a)])


def test_text_escapes_terminal_controls_and_colours_only_when_asked() -> None:
    report = _report(_page(0, ERROR))
    plain = render(report, "text")
    assert "\x1b" not in plain
    assert "\\x1b[31m" in plain
    assert "fix: Use an ISO code." in plain
    coloured = render(report, "text", colour=True)
    assert "\x1b[31merror" in coloured


def test_html_escapes_every_page_string() -> None:
    html = render(_report(_page(0, ERROR)), "html")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in html
    assert "<script" not in html


def test_junit_has_one_case_per_page_and_rule() -> None:
    xml = render(_report(_page(0, ERROR), _page(1, problem=Problem("timeout", "slow"))), "junit")
    root = ET.fromstring(xml.split("\n", 1)[1])
    cases = root.findall(".//testcase")
    assert len(cases) == len(RULES) + 1
    failed = [c for c in cases if c.find("failure") is not None]
    assert sorted(c.get("name", "") for c in failed) == ["INVALID_CURRENCY", "audit"]


def test_sarif_levels_and_locations() -> None:
    data = json.loads(
        render(
            _report(_page(0, ERROR, WARNING), _page(1, problem=Problem("timeout", "slow"))), "sarif"
        )
    )
    results = data["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("INVALID_CURRENCY", "error"),
        ("MISSING_ORDER_ID", "warning"),
        ("AUDIT_INCOMPLETE", "error"),
    ]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "https://shop.test/p0"
    )
    rules = {r["id"] for r in data["runs"][0]["tool"]["driver"]["rules"]}
    assert {"INVALID_CURRENCY", "AUDIT_INCOMPLETE"} <= rules


def test_progress_bar_draws_on_one_line_and_clears() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar(1, 4, "https://shop.test/a")
    bar(2, 4, "https://shop.test/b")
    bar.close()
    text = stream.getvalue()
    assert "\n" not in text
    assert "[######                  ] 1/4 https://shop.test/a" in text
    assert "[############            ] 2/4 https://shop.test/b" in text
    assert text.endswith("\r\x1b[2K")


def test_every_problem_kind_the_auditor_writes_merges_and_renders(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    assert set(PROBLEM_KINDS) == {
        "navigation",
        "timeout",
        "environment",
        "journey",
        "skipped",
        "crashed",
    }
    paths = []
    for i, kind in enumerate(PROBLEM_KINDS):
        report = _report(
            _page(i, problem=Problem(kind, f"{kind} went wrong")), shards=(f"{i + 1}/6",)
        )
        path = tmp_path / f"{kind}.json"
        path.write_text(json.dumps(report.to_json()), "utf-8")
        paths.append(str(path))
        rendered = spdt("report", "render", str(path), "--format", "html", env=cli_env)
        assert rendered.returncode in (0, 1, 2), (kind, rendered.stderr)
        assert "Traceback" not in rendered.stderr
        assert f"{kind} went wrong" in rendered.stdout, (kind, rendered.stderr)
    merged = tmp_path / "merged.json"
    done = spdt("report", "merge", *paths, "--output", str(merged), env=cli_env)
    assert "is not one of" not in done.stderr, done.stderr
    assert merged.exists(), done.stderr
    kinds = [p["problem"]["kind"] for p in json.loads(merged.read_text("utf-8"))["pages"]]
    assert kinds == list(PROBLEM_KINDS)


def test_the_cli_states_the_options_defaults() -> None:
    """``audit --help`` names the defaults without importing harness.audit: they must agree."""
    assert audit_cmd.DEFAULT_QUIET == options.DEFAULT_QUIET
    assert audit_cmd.DEFAULT_SETTLE_MAX == options.DEFAULT_SETTLE_MAX
    assert audit_cmd.DEFAULT_PAGES_PER_WORKER == options.DEFAULT_PAGES_PER_WORKER
