"""The pytest plugin as users use it: a test file of theirs, run by pytest in a subprocess."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

USER_TESTS = """
import pytest

SHOP = "https://shop.test/shop-correct/landing"
pytestmark = pytest.mark.spdt(sites=True)  # this project's demo shop


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


def test_sessions_are_isolated(spdt_context, spdt_mock_view):
    spdt_context.land(SHOP)
    spdt_context.expect_event("view")
    # every hit since this test started (whatever its session) carries this context's session
    sessions = {r.session for r in spdt_mock_view.records()}
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
    result = pytester.runpytest_subprocess("--output", "results")
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
    result = pytester.runpytest_subprocess()
    result.stdout.fnmatch_lines(["*@pytest.mark.spdt takes keyword arguments*click_param*"])
    result.assert_outcomes(errors=1)


def test_runs_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_par="""
import pytest

@pytest.mark.spdt(sites=True)
@pytest.mark.parametrize("n", range(4))
def test_each_worker_sees_only_its_own_hits(spdt_context, n):
    spdt_context.land("https://shop.test/shop-correct/landing", click_id=f"x{n}")
    event = spdt_context.expect_event("view", click_id=f"x{n}")
    assert {e.click_id for e in spdt_context.events()} == {f"x{n}"}
"""
    )
    result = pytester.runpytest_subprocess("-n", "2")
    result.assert_outcomes(passed=4)


def test_sites_only_when_asked_and_a_fresh_mock_view_per_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(USER_CONFTEST)
    pytester.makepyfile(
        test_views="""
import pytest

def test_no_demo_sites_by_default(spdt_harness):
    assert spdt_harness.sites is None
    assert "shop.test" not in spdt_harness.host_map().targets

@pytest.mark.spdt(sites=True)
def test_first_sends_a_view(spdt_context, spdt_mock_view):
    assert spdt_mock_view.records() == []
    spdt_context.land("https://shop.test/shop-correct/landing", click_id="first")
    spdt_context.expect_event("view")
    assert [e.click_id for e in spdt_mock_view.events(name="view")] == ["first"]

@pytest.mark.spdt(sites=True)
def test_second_starts_empty(spdt_mock_view, spdt_mock):
    assert len(spdt_mock.events(name="view")) == 1
    assert spdt_mock_view.records() == []
    assert spdt_mock_view.events() == []
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=3)


INTERNAL_ERROR_TESTS = """
from mock_endpoint.client import MockClient
from mock_endpoint.endpoints import control

def test_a_bug_in_the_mock_fails_the_test(spdt_mock, monkeypatch):
    def boom(*_args, **_kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(control, "dedup_report", boom)
    with MockClient(spdt_mock) as client:
        assert client.control("GET", "dedup").status == 500

def test_the_next_test_is_not_blamed(spdt_mock):
    assert len(spdt_mock.internal_errors) == 1

def test_options_reach_the_mock(spdt_mock):
    assert spdt_mock.config.tokens == frozenset({"ci-token"})
"""


def test_internal_errors_fail_the_test_and_options_reach_the_mock(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
import pytest

@pytest.fixture(scope="session")
def spdt_mock_options():
    return {"tokens": ["ci-token"]}
"""
    )
    pytester.makepyfile(test_mock=INTERNAL_ERROR_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-rA")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "the mock caught 1 internal error(s) during this test (each one is a bug in the mock):",
            "GET *__spdt/dedup: RuntimeError: simulated bug",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "PASSED test_mock.py::test_the_next_test_is_not_blamed",
            "PASSED test_mock.py::test_options_reach_the_mock",
            "FAILED test_mock.py::test_a_bug_in_the_mock_fails_the_test*",
        ]
    )


def test_bad_mock_options_are_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
import pytest

@pytest.fixture(scope="session")
def spdt_mock_options():
    return {"colour": "red"}
"""
    )
    pytester.makepyfile(test_x="def test_x(spdt_mock):\n    pass\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["spdt_mock_options {'colour': 'red'}: *got an unexpected keyword argument 'colour'"]
    )


TRACED_TESTS = """
import pytest

pytestmark = pytest.mark.spdt(sites=True)

def test_passes(spdt_context):
    spdt_context.land("https://shop.test/shop-correct/landing")

def test_fails(spdt_context):
    spdt_context.land("https://shop.test/shop-correct/landing")
    assert False, "on purpose"
"""


@pytest.mark.parametrize(
    ("mode", "traced"),
    [("on", {"passes", "fails"}), ("off", set())],  # retain-on-failure: the first test
)
def test_tracing_modes(pytester: pytest.Pytester, mode: str, traced: set[str]) -> None:
    pytester.makeconftest(USER_CONFTEST)
    pytester.makepyfile(test_t=TRACED_TESTS)
    result = pytester.runpytest_subprocess("--spdt-tracing", mode, "--output", "results")
    result.assert_outcomes(passed=1, failed=1)
    for name in ("passes", "fails"):
        trace = pytester.path / "results" / f"test-t-py-test-{name}" / "spdt-trace.zip"
        assert trace.exists() == (name in traced), (mode, name)
    failed = pytester.path / "results" / "test-t-py-test-fails"
    assert (failed / "spdt-timeline.json").exists()
    if mode == "on":  # screenshots are in the trace unless --spdt-trace-screenshots off
        assert "screencast-frame" in _trace_events(failed / "spdt-trace.zip")


def _trace_events(trace: Path) -> str:
    """The event lines of a Playwright trace file."""
    with zipfile.ZipFile(trace) as archive:
        return "".join(
            archive.read(n).decode("utf-8", "replace")
            for n in archive.namelist()
            if n.endswith(".trace")
        )


def test_trace_screenshots_can_be_left_out(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(USER_CONFTEST)
    pytester.makepyfile(test_t=TRACED_TESTS)
    result = pytester.runpytest_subprocess(
        "--spdt-tracing", "on", "--spdt-trace-screenshots", "off", "--output", "results"
    )
    result.assert_outcomes(passed=1, failed=1)
    events = _trace_events(pytester.path / "results" / "test-t-py-test-passes" / "spdt-trace.zip")
    assert "screencast-frame" not in events  # no screenshots (test_tracing_modes: there by default)
    assert '"frame-snapshot"' in events  # the DOM snapshots stay
