"""The e2e run's reports: the table, JUnit XML that parses, HTML that escapes page strings."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from harness.e2e import ScenarioResult
from harness.reports.e2e import explain, table, write_reports
from harness.rules import AuditFinding

HOSTILE = "<script>alert(1)</script>\x07"


def result(
    name: str, expected: set[str], found: list[str], problems: tuple[str, ...] = ()
) -> ScenarioResult:
    return ScenarioResult(
        scenario=name,
        summary=f"summary with {HOSTILE}",
        click_id_param="spclid",
        expected=frozenset(expected),
        findings=tuple(
            AuditFinding(
                code, "error", f"message {HOSTILE}", "fix it", f"https://x.test/?q={HOSTILE}"
            )
            for code in found
        ),
        problems=problems,
        seconds=1.25,
    )


def test_mismatch_is_explained_both_ways() -> None:
    r = result("s", {"MISSING_CONF", "NOSCRIPT_MISSING"}, ["NOSCRIPT_MISSING", "INVALID_VALUE"])
    assert not r.ok
    assert explain(r)[:2] == [
        "expected but not found: MISSING_CONF",
        "found but not expected: INVALID_VALUE",
    ]
    assert result("ok", {"INVALID_VALUE"}, ["INVALID_VALUE"]).ok
    assert not result("flow", set(), [], problems=("click #buy: timeout",)).ok


def test_table_lists_every_run() -> None:
    text = table([result("a", set(), []), result("b", {"X"}, [])])
    lines = text.splitlines()
    assert lines[0].split() == ["scenario", "result", "findings", "time"]
    assert lines[2].split() == ["a[spclid]", "PASS", "-", "1.2s"]
    assert lines[3].split() == ["b[spclid]", "FAIL", "-", "1.2s"]


def test_reports_escape_page_strings(tmp_path: Path) -> None:
    results = [result("bad", set(), ["INVALID_VALUE"]), result("good", set(), [])]
    paths = write_reports(results, tmp_path)
    html = paths["html"].read_text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    root = ET.parse(paths["junit"]).getroot()
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    failure = root.find(".//testcase[@classname='catalogue.bad']/failure")
    assert failure is not None
    assert "INVALID_VALUE" in (failure.get("message") or "")
    assert "\x07" not in (failure.text or "")
