"""The pytest plugin as users use it: a test file of theirs, run by pytest in a subprocess."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser

USER_TESTS = """
import pytest

SHOP = "https://shop.test/shop-correct/landing"


@pytest.mark.spdt(click_id_param="sp_click_id")
def test_purchase_after_landing(spdt_context):
    landing = spdt_context.land(SHOP, click_id="user-click-1")
    assert "sp_click_id=user-click-1" in landing.final_url
    spdt_context.expect_click_id_persisted()
    spdt_context.page.click("#to-product")
    spdt_context.page.click("#to-checkout")
    spdt_context.page.click("#place-order")
    spdt_context.expect_event("purchase", currency="USD", click_id="user-click-1")


def test_wrong_value_fails_with_near_miss(spdt_context):
    spdt_context.land(SHOP.replace("landing", "thanks"))
    spdt_context.expect_event("purchase", value="79,99", timeout=0.5)


def test_pytest_playwright_page_still_works(page, spdt_context):
    spdt_context.land(SHOP)
    assert page.evaluate("1 + 1") == 2


def test_sessions_are_isolated(spdt_context, spdt_mock):
    spdt_context.land(SHOP)
    spdt_context.expect_event("view")
    sessions = {r.session for r in spdt_context.records()}
    assert sessions == {spdt_context.session}
"""


# Where Playwright could not download its own browser, pytest-playwright's ``page`` needs the
# system Chromium too; a user does this once in conftest.py (docs/pytest.md).
USER_CONFTEST = """
import pytest
from harness.browser import find_browser

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": find_browser().path}
"""


def test_plugin_from_a_users_test_file(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(USER_CONFTEST)
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--output", "results")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*expected purchase value='79,99'; saw 1 purchase:*",
            "*value 79.99 (float) ≠ '79,99'*",
        ]
    )
    failed = pytester.path / "results" / "test-user-py-test-wrong-value-fails-with-near-miss"
    assert (failed / "spdt-trace.zip").stat().st_size > 0
    assert (failed / "spdt-screenshot.png").read_bytes()[:4] == b"\x89PNG"
    timeline = json.loads((failed / "spdt-timeline.json").read_text())
    assert [c["command"] for c in timeline["calls"]][:2] == ["conf", "view"]
    passed = pytester.path / "results" / "test-user-py-test-purchase-after-landing"
    assert not passed.exists()


def test_bad_marker_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bad="""
import pytest

@pytest.mark.spdt(click_param="x")
def test_x(spdt_context):
    pass
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*@pytest.mark.spdt takes keyword arguments*click_param*"])
    assert result.ret != 0


def test_runs_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_par="""
import pytest

@pytest.mark.parametrize("n", range(4))
def test_each_worker_sees_only_its_own_hits(spdt_context, n):
    spdt_context.land("https://shop.test/shop-correct/landing", click_id=f"x{n}")
    event = spdt_context.expect_event("view", click_id=f"x{n}")
    assert {e.click_id for e in spdt_context.events()} == {f"x{n}"}
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=4)
