"""``spdt-harness audit`` against the fixture catalogue served on loopback: every scenario's
journey must produce exactly the scenario's declared findings (as ``make e2e`` checks, but
through the auditor's CLI and JSON), and a plain landing audit must not invent findings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fixture_sites.server import FixtureServer
from harness.catalogue import Scenario, load_catalogue
from harness.rules import RULES
from tests.audit_helpers import codes, read_json, site_args, spdt

pytestmark = pytest.mark.browser

# A plain audit has no flow: no expectations, no consent step, no later pages. Codes that only a
# flow can produce are therefore not compared on a plain landing audit (docs/audit.md).
FLOW_DEPENDENT = frozenset(
    {
        "EVENT_NOT_FIRED",  # needs the flow's expect_event steps
        "PIXEL_BEFORE_CONSENT",  # needs the flow's consent step
        "CLICK_ID_COOKIE_SCOPE",  # needs the conversion page of the flow
        "DUPLICATE_EVENT",  # SPA route changes happen in the flow
        "EVENT_NOT_DELIVERED",
        "MISSING_CURRENCY",  # conversion events fire on the flow's later pages
        "MISSING_VALUE",
        "MISSING_ORDER_ID",
        "INVALID_CURRENCY",
        "INVALID_VALUE",
        "INVALID_PARAMETER",
        "UNFILLED_PLACEHOLDER",
        "UNKNOWN_EVENT",
        "CSP_BLOCKS_SCRIPT",  # some scenarios set the policy on a later page only
        "CSP_BLOCKS_EVENTS",
        "CSP_BLOCKS_IMAGE",
        "CSP_REPORT_ONLY_WOULD_BLOCK",
        "SCRIPT_NOT_LOADED",
    }
)


# Each test audits the catalogue in parts of this many scenarios, one ``spdt-harness audit`` per
# part, so that pytest-xdist spreads the parts over its workers; every scenario is in one part.
# Each part pays for its own Playwright and Chromium: the whole module measured 114 CPU-s in
# parts of 8 and 102 CPU-s in parts of 12 (serial, same machine).
PART_SIZE = 12
# The audit's defaults (the JavaScript-disabled rerun, the quiet window, the settle limit), in one
# browser: pytest-xdist already keeps the cores busy, and a second browser per part cost about
# 1 CPU-s more (measured on a part of 8 journeys). The audit's workers have tests of their own.
DEFAULTS = ("--no-screenshots", "--workers", "1")


def _parts() -> list[tuple[str, ...]]:
    names = list(load_catalogue())
    return [tuple(names[i : i + PART_SIZE]) for i in range(0, len(names), PART_SIZE)]


PARTS = pytest.mark.parametrize(
    "names", _parts(), ids=lambda names: f"{names[0]}..{names[-1]}" if len(names) > 1 else names[0]
)


def _part(names: tuple[str, ...]) -> dict[str, Scenario]:
    catalogue = load_catalogue()
    return {name: catalogue[name] for name in names}


def _declared_exit(catalogue: dict[str, Scenario]) -> int:
    """1 when a scenario of ``catalogue`` declares a finding of severity error, else 0."""
    severity = {code: rule.severity for code, rule in RULES.items()}
    return int(any(severity[c] == "error" for s in catalogue.values() for c in s.findings))


def test_the_parts_cover_the_catalogue_once() -> None:
    names = [name for part in _parts() for name in part]
    assert names == list(load_catalogue())
    # some part declares an error finding, so some part's audit must exit 1
    assert any(_declared_exit(_part(part)) == 1 for part in _parts())


@PARTS
def test_each_scenario_journey_yields_exactly_its_findings(
    sites: FixtureServer, cli_env: dict[str, str], tmp_path: Path, names: tuple[str, ...]
) -> None:
    catalogue = _part(names)
    journeys = []
    for scenario in catalogue.values():
        path = tmp_path / f"{scenario.name}.yaml"
        path.write_text(yaml.safe_dump(scenario.resolved_flow()), "utf-8")
        journeys += ["--journey", str(path)]
    out = tmp_path / "catalogue.json"
    done = spdt(
        "audit",
        *journeys,
        *site_args(sites, lean=False),
        *DEFAULTS,
        "--format",
        "json",
        "--output",
        str(out),
        env=cli_env,
        timeout=900,
    )
    assert "Traceback" not in done.stderr
    report = read_json(out)
    pages = {p["journey"].removesuffix(".yaml"): p for p in report["pages"]}
    assert set(pages) == set(catalogue)
    mismatches = []
    for name, scenario in catalogue.items():
        page = pages[name]
        found = codes(page)
        if page["problem"] is not None or found != scenario.findings:
            mismatches.append(
                f"{name}: expected {sorted(scenario.findings)}, got {sorted(found)}"
                f" problem={page['problem']}"
            )
    assert not mismatches, "\n".join(mismatches)
    # exit 1 when the part declares an error finding (e.g. placeholder-key's INVALID_PIXEL_KEY)
    assert done.returncode == _declared_exit(catalogue), done.stderr
    assert report["summary"]["exit_code"] == done.returncode


@PARTS
def test_plain_landing_audit_reports_no_finding_the_scenario_does_not_declare(
    sites: FixtureServer, cli_env: dict[str, str], tmp_path: Path, names: tuple[str, ...]
) -> None:
    catalogue = _part(names)
    urls = [s.entry_url for s in catalogue.values()]
    out = tmp_path / "plain.json"
    done = spdt(
        "audit",
        *urls,
        *site_args(sites, lean=False),
        *DEFAULTS,
        "--format",
        "json",
        "--output",
        str(out),
        env=cli_env,
        timeout=900,
    )
    assert "Traceback" not in done.stderr
    report = read_json(out)
    assert [p["url"] for p in report["pages"]] == urls
    wrong = []
    for scenario, page in zip(catalogue.values(), report["pages"], strict=True):
        if any("consent" in step for step in scenario.flow):
            continue  # without the flow's consent click the pixel never loads, by design
        extra = codes(page) - scenario.findings - FLOW_DEPENDENT
        if page["problem"] is not None or extra:
            wrong.append(f"{scenario.name}: unexpected {sorted(extra)} problem={page['problem']}")
    assert not wrong, "\n".join(wrong)
    if "placeholder-key" in names:  # its landing: INVALID_PIXEL_KEY
        assert done.returncode == 1, done.stderr
    # exit 1 exactly when a page has an error finding (never 2: every page was audited)
    errors = [f for p in report["pages"] for f in p["findings"] if f["severity"] == "error"]
    assert done.returncode == (1 if errors else 0), done.stderr
