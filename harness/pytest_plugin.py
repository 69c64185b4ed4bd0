"""pytest plugin (entry point ``pytest11``): fixtures and a marker; the logic lives in ``harness``.

Layered on pytest-playwright: it uses its ``playwright`` instance, its launch options
(``--headed``, ``--slowmo``), its ``browser_context_args`` and its ``output_path``
(``test-results/<test>``), so ``page`` and ``spdt_context`` can live in one test run.

Fixtures
- ``spdt_mock_options`` (session): keyword arguments for the mock (``tokens``, ``faults``,
  ``max_records`` ...); override it in a conftest.py.
- ``spdt_mock`` (session): the mock Spotify pixel hosts.
- ``spdt_mock_view`` (function): the mock as this test sees it, empty when the test starts.
- ``spdt_config`` (session): defaults for every test; override it in a conftest.py.
- ``spdt_harness`` (session): mock + a Chromium with the resolver rules, for ``spdt_config``'s
  script mode, hosts and (only when ``sites=True``) this project's demo fixture sites.
- ``spdt_context`` (function): a fresh browser context bound to its own recorder session, set
  up from ``spdt_config`` and the test's ``@pytest.mark.spdt(...)``.

Marker: ``@pytest.mark.spdt(click_id_param="sp_click_id", script="emulated"|"live",
hosts={"staging.example.com": "127.0.0.1:8443"}, sites=False, capture=True)``.

A test that used the mock fails when the mock caught an unexpected exception (an internal error:
a bug in the mock) while it ran.

``--spdt-tracing`` (``off``, ``on``, ``retain-on-failure``: the default) decides when
``test-results/<test>/spdt-trace.zip`` (a Playwright trace) is kept; ``--spdt-trace-screenshots
off`` leaves the screenshots out of the trace (its DOM snapshots, actions, console and network
stay). On failure the folder also receives ``spdt-screenshot.png`` and ``spdt-timeline.json``
(the pixel timeline).
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Playwright

from harness.browser.launch import parse_host_mapping
from harness.context import CLICK_ID_STORAGE_MODES, DEFAULT_CLICK_ID_STORAGE, PixelContext
from harness.errors import HarnessError
from harness.lab import Harness
from harness.mock_view import MockView
from harness.vocab import SCRIPT_MODES
from mock_endpoint.server import MockEndpoint
from mock_endpoint.studio.state import StudioState, studio_state
from mock_endpoint.vocab import DEFAULT_CLICK_ID_PARAM

MARKER = "spdt"
MARKER_KEYS = frozenset(
    {"click_id_param", "script", "hosts", "capture", "sites", "click_id_storage"}
)
TRACING_MODES = ("off", "on", "retain-on-failure")
_REPORT_KEY = pytest.StashKey[dict[str, pytest.TestReport]]()
# how many of each mock's internal errors earlier tests already reported
_ERRORS_SEEN = pytest.StashKey[dict[int, int]]()


@dataclass(frozen=True, slots=True)
class SpdtConfig:
    """What a test's browser context gets; the ``spdt`` marker overrides fields per test."""

    click_id_param: str = DEFAULT_CLICK_ID_PARAM
    script: str = "emulated"
    hosts: Mapping[str, str] = field(default_factory=dict)
    capture: bool = True
    # serve this project's demo fixture sites (shop.test ...) to the browser; off unless asked
    sites: bool = False
    click_id_storage: str = DEFAULT_CLICK_ID_STORAGE  # "live" (sessionStorage) or "guide" (cookie)

    def with_marker(self, marker: pytest.Mark | None) -> SpdtConfig:
        if marker is None:
            return self
        unknown = set(marker.kwargs) - MARKER_KEYS
        if marker.args or unknown:
            raise pytest.UsageError(
                "@pytest.mark.spdt takes keyword arguments click_id_param, script, hosts, "
                "capture, sites, click_id_storage; got "
                f"{', '.join(sorted(unknown)) or 'positional arguments'}"
            )
        merged = replace(self, **{k: v for k, v in marker.kwargs.items() if k != "hosts"})
        if "hosts" in marker.kwargs:
            merged = replace(merged, hosts={**self.hosts, **marker.kwargs["hosts"]})
        if merged.script not in SCRIPT_MODES:
            raise pytest.UsageError(f"spdt marker: script must be one of {SCRIPT_MODES}")
        if merged.click_id_storage not in CLICK_ID_STORAGE_MODES:
            raise pytest.UsageError(
                f"spdt marker: click_id_storage must be one of {CLICK_ID_STORAGE_MODES}"
            )
        return merged


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("spdt", "Spotify pixel harness (spdt-harness)")
    group.addoption(
        "--spdt-browser",
        default=None,
        metavar="PATH",
        help="Chromium/Chrome executable (default: $SPDT_BROWSER, Playwright's, the system's)",
    )
    group.addoption(
        "--spdt-host",
        action="append",
        default=[],
        metavar="HOST=ADDR[:PORT]",
        help="map a host name for the browser (e.g. your staging site); repeatable",
    )
    group.addoption(
        "--spdt-script",
        default="emulated",
        choices=SCRIPT_MODES,
        help="serve our emulated ping.min.js (default) or let the live one load",
    )
    group.addoption(
        "--spdt-click-id-storage",
        default=DEFAULT_CLICK_ID_STORAGE,
        choices=CLICK_ID_STORAGE_MODES,
        help="where the emulated pixel keeps the click id: live (sessionStorage, default) or "
        "guide (a first-party cookie too)",
    )
    group.addoption(
        "--spdt-click-id-param",
        default=DEFAULT_CLICK_ID_PARAM,
        help=f"click id query parameter for landings (default {DEFAULT_CLICK_ID_PARAM})",
    )
    group.addoption(
        "--spdt-connect",
        action="append",
        default=[],
        metavar="WS_ENDPOINT",
        help="use the Chromium of a Playwright browser server (`playwright run-server --unsafe`) "
        "instead of a local one; repeatable (harnesses take the servers in turn); the browser is "
        "probed and refused unless it is pinned to the mock (docs/pytest.md)",
    )
    group.addoption(
        "--spdt-tracing",
        default="retain-on-failure",
        choices=TRACING_MODES,
        help="keep a Playwright trace of each spdt_context: never, always, or only when the "
        "test failed (default retain-on-failure)",
    )
    group.addoption(
        "--spdt-trace-screenshots",
        default="on",
        choices=("on", "off"),
        help="record screenshots in the trace (default on); off keeps its DOM snapshots, "
        "actions, console and network, for less CPU per test",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "spdt(click_id_param=..., script='emulated'|'live', hosts={...}, capture=True, "
        "sites=False, click_id_storage='live'|'guide'): "
        "options for the spdt_context fixture",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(_REPORT_KEY, {})[report.when] = report
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Fail a test that used the mock when the mock caught an internal error meanwhile."""
    try:
        result = yield
    except BaseException:
        _new_internal_errors(item)  # the test failed already; count them, do not mask it
        raise
    new = _new_internal_errors(item)
    if new:
        pytest.fail(
            f"the mock caught {len(new)} internal error(s) during this test (each one is a bug "
            "in the mock):\n" + "\n".join(new),
            pytrace=False,
        )
    return result


def _new_internal_errors(item: pytest.Item) -> list[str]:
    """The internal errors of the test's ``spdt_mock`` that no earlier test was told about."""
    funcargs: dict[str, Any] = getattr(item, "funcargs", {})
    mock = funcargs.get("spdt_mock")
    if not isinstance(mock, MockEndpoint):
        return []
    seen = item.config.stash.setdefault(_ERRORS_SEEN, {})
    errors = mock.internal_errors
    start = seen.get(id(mock), 0)
    seen[id(mock)] = len(errors)
    return errors[start:] if len(errors) >= start else errors


@pytest.fixture(scope="session")
def spdt_mock_options() -> dict[str, Any]:
    """Keyword arguments for :class:`mock_endpoint.server.MockEndpoint` (none by default).

    Override in a conftest.py, e.g. ``return {"tokens": ["ci-token"], "max_records": 5000}``.
    """
    return {}


@pytest.fixture(scope="session")
def spdt_mock(spdt_mock_options: dict[str, Any]) -> Iterator[MockEndpoint]:
    try:
        mock = MockEndpoint(**spdt_mock_options)
    except (TypeError, HarnessError) as exc:
        pytest.fail(f"spdt_mock_options {spdt_mock_options!r}: {exc}", pytrace=False)
    with mock:
        yield mock


@pytest.fixture
def spdt_mock_view(spdt_mock: MockEndpoint) -> MockView:
    """The session's mock as this test sees it: empty when the test starts."""
    return MockView(spdt_mock)


@pytest.fixture(scope="session")
def spdt_config(pytestconfig: pytest.Config) -> SpdtConfig:
    try:
        hosts = dict(parse_host_mapping(m) for m in pytestconfig.getoption("spdt_host"))
    except HarnessError as exc:
        raise pytest.UsageError(str(exc)) from exc
    return SpdtConfig(
        click_id_param=pytestconfig.getoption("spdt_click_id_param"),
        script=pytestconfig.getoption("spdt_script"),
        hosts=hosts,
        click_id_storage=pytestconfig.getoption("spdt_click_id_storage"),
    )


class _Harnesses:
    """One harness (browser) per distinct (script, hosts), shared by the session."""

    def __init__(
        self,
        playwright: Playwright,
        mock: MockEndpoint,
        browser: str | None,
        launch_options: Mapping[str, Any],
        connect: tuple[str, ...] = (),
    ) -> None:
        self._connect = connect
        self._playwright = playwright
        self._mock = mock
        self._browser = browser
        self._launch_options = dict(launch_options)
        self._started: dict[tuple[str, tuple[tuple[str, str], ...], bool], Harness] = {}

    def get(self, config: SpdtConfig) -> Harness:
        key = (config.script, tuple(sorted(config.hosts.items())), config.sites)
        if key not in self._started:
            self._started[key] = Harness(
                sites=config.sites,
                browser=self._browser,
                mock=self._mock,
                playwright=self._playwright,
                script=config.script,
                extra_hosts=config.hosts,
                launch_options=self._launch_options,
                connect=(
                    self._connect[len(self._started) % len(self._connect)]
                    if self._connect
                    else None
                ),
            ).start()
        return self._started[key]

    def close(self) -> None:
        for harness in self._started.values():
            harness.stop()


@pytest.fixture(scope="session")
def _spdt_harnesses(
    playwright: Playwright,
    spdt_mock: MockEndpoint,
    browser_type_launch_args: dict[str, Any],
    pytestconfig: pytest.Config,
) -> Iterator[_Harnesses]:
    harnesses = _Harnesses(
        playwright,
        spdt_mock,
        pytestconfig.getoption("spdt_browser"),
        browser_type_launch_args,
        tuple(pytestconfig.getoption("spdt_connect")),
    )
    try:
        yield harnesses
    finally:
        harnesses.close()


@pytest.fixture(scope="session")
def spdt_harness(_spdt_harnesses: _Harnesses, spdt_config: SpdtConfig) -> Harness:
    try:
        return _spdt_harnesses.get(spdt_config)
    except HarnessError as exc:
        pytest.fail(f"{type(exc).__name__}: {exc}", pytrace=False)


@pytest.fixture
def spdt_context(
    request: pytest.FixtureRequest,
    _spdt_harnesses: _Harnesses,
    spdt_config: SpdtConfig,
    browser_context_args: dict[str, Any],
    output_path: str,
) -> Iterator[PixelContext]:
    config = spdt_config
    # module, class, then function markers: the closest wins, field by field
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        config = config.with_marker(marker)
    try:
        harness = _spdt_harnesses.get(config)
    except HarnessError as exc:
        pytest.fail(f"{type(exc).__name__}: {exc}", pytrace=False)
    context_args = {k: v for k, v in browser_context_args.items() if k != "user_agent"}
    ctx = harness.new_context(
        click_id_param=config.click_id_param,
        capture=config.capture,
        click_id_storage=config.click_id_storage,
        **context_args,
    )
    tracing = str(request.config.getoption("spdt_tracing"))
    if tracing != "off":
        screenshots = request.config.getoption("spdt_trace_screenshots") == "on"
        ctx.context.tracing.start(screenshots=screenshots, snapshots=True)
    try:
        yield ctx
    finally:
        reports = request.node.stash.get(_REPORT_KEY, {})
        failed = any(r.failed for r in reports.values())
        _finish(ctx, Path(output_path), failed=failed, tracing=tracing)


def _finish(ctx: PixelContext, folder: Path, *, failed: bool, tracing: str) -> None:
    try:
        keep_trace = tracing == "on" or (tracing == "retain-on-failure" and failed)
        if keep_trace:
            folder.mkdir(parents=True, exist_ok=True)
            ctx.context.tracing.stop(path=str(folder / "spdt-trace.zip"))
        elif tracing != "off":
            ctx.context.tracing.stop()
        if failed:
            folder.mkdir(parents=True, exist_ok=True)
            if ctx.recorder is not None:
                timeline = ctx.timeline()
                (folder / "spdt-timeline.json").write_text(
                    json.dumps(asdict(timeline), indent=2, default=str), encoding="utf-8"
                )
            if ctx.context.pages:
                ctx.context.pages[-1].screenshot(path=str(folder / "spdt-screenshot.png"))
    except PlaywrightError:
        pass
    finally:
        ctx.close()


@pytest.fixture
def spdt_studio(spdt_mock: MockEndpoint) -> Iterator[StudioState]:
    """The shared mock's studio simulation: campaigns, exposures, the simulated clock and
    ``attribution(records)`` (docs/studio.md). Forgotten (clock included) after the test."""
    state = studio_state(spdt_mock.store)
    try:
        yield state
    finally:
        state.reset()
