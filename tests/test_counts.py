"""Exact counts and expected silence: ``expect_event(name, count=N, within=…)``,
``expect_no_pixel_traffic(during=…)``, in the pytest plugin (a user's test file run by pytester)
and as journey steps of ``spdt-harness audit``."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixture_sites.server import FixtureServer
from tests.audit_helpers import codes, read_json, site_args, spdt
from tests.test_pytest_plugin import USER_CONFTEST

pytestmark = pytest.mark.browser

USER_TESTS = """
import time

import pytest

from harness.errors import AssertionFailed

pytestmark = pytest.mark.spdt(sites=True)  # this project's demo shop

SHOP = "https://shop.test/shop-correct/landing"
THANKS = "https://shop.test/shop-correct/thanks"


def test_exactly_one_view(spdt_context):
    spdt_context.land(SHOP)
    events = spdt_context.expect_events("view", count=1, within=1)
    assert [e.name for e in events] == ["view"]
    spdt_context.expect_event("view", count=1, within=0.2)


def test_too_many_fails_as_soon_as_the_second_arrives(spdt_context):
    spdt_context.land(SHOP)
    spdt_context.expect_event("view", count=1, within=1)
    spdt_context.page.evaluate("spdt('view')")
    started = time.monotonic()
    with pytest.raises(AssertionFailed) as failed:
        spdt_context.expect_event("view", count=1, within=20)
    assert time.monotonic() - started < 10  # did not wait for the window to end
    lines = str(failed.value).splitlines()
    assert lines[0] == "expected exactly 1 view within 20 s; saw 2:"
    assert lines[1].startswith("  - view on https://shop.test/shop-correct/landing?")
    assert lines[-1] == "events seen: view (2)"


def test_too_few_lists_the_near_misses(spdt_context):
    spdt_context.land(THANKS)
    with pytest.raises(AssertionFailed) as failed:
        spdt_context.expect_event("purchase", count=1, currency="EUR", within=0.5)
    assert str(failed.value).splitlines() == [
        "expected exactly 1 purchase currency='EUR' within 0.5 s; saw 0, "
        "and 1 purchase that differ:",
        "  - currency 'USD' (str) ≠ 'EUR'",
        "events seen: purchase (1), view (1)",
    ]


def test_no_pixel_traffic(spdt_context):
    spdt_context.land(SHOP)
    spdt_context.expect_event("view")
    spdt_context.settle()
    spdt_context.expect_no_pixel_traffic(during=0.5)
    mark = spdt_context.last_record_id()
    spdt_context.page.evaluate("spdt('view')")
    spdt_context.expect_no_pixel_traffic(during=3, since=mark)


def test_two_views_expected(spdt_context):
    spdt_context.land(SHOP)
    spdt_context.expect_event("view", count=2, within=0.5)
"""


def test_counts_in_the_pytest_plugin(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(USER_CONFTEST)
    pytester.makepyfile(test_counts_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--output", "results")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*expected no pixel traffic within 3 s; saw 1 request(s):*",
            "*  - POST pixels.spotify.com/v1/ingest → 2* (record #*): view*",
        ]
    )
    result.stdout.fnmatch_lines(
        ["*expected exactly 2 view within 0.5 s; saw 1*", "*events seen: view (1)*"]
    )


JOURNEY = """
steps:
  - land: landing
  - expect_event: {name: view, count: 1, within: 1}
  - expect_event: {name: purchase, count: 0, within: 0.5}
  - click: "#to-product"
  - expect_event: {name: product, count: 2, within: 1}
  - expect_no_pixel_traffic: {during: 0.5}
"""


def test_journey_counts_become_findings(
    sites: FixtureServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    journey = tmp_path / "counts.yaml"
    journey.write_text(JOURNEY, "utf-8")
    out = tmp_path / "r.json"
    done = spdt(
        "audit", "https://shop.test/shop-correct/landing", "--journey", str(journey),
        *site_args(sites), "--no-noscript", "--no-screenshots", "--format", "json",
        "--output", str(out), env=cli_env,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    (page,) = read_json(out)["pages"]
    assert page["problem"] is None
    assert codes(page) == {"EVENT_COUNT_MISMATCH"}
    (finding,) = page["findings"]
    assert finding["message"] == "The flow expected exactly 2 product events; 1 arrived."
    assert finding["evidence"][0] == "expected exactly 2 product within 1 s; saw 1"
    assert finding["evidence"][-1].startswith("events seen: ")
