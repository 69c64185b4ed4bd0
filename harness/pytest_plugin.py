"""pytest plugin (entry point ``pytest11``): fixtures only; the logic lives in ``harness``.

- ``spdt_harness`` (session): one mock, the fixture sites and one Chromium with the resolver rules.
- ``spdt_context`` (function): a fresh browser context bound to its own recorder session.

Options: ``--spdt-browser PATH`` (else ``$SPDT_BROWSER``, Playwright's Chromium, the system's).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.context import PixelContext
from harness.lab import Harness


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("spdt", "Spotify pixel harness")
    group.addoption(
        "--spdt-browser",
        default=None,
        metavar="PATH",
        help="Chromium/Chrome executable for spdt-harness (default: discovered)",
    )
    group.addoption(
        "--spdt-headed", action="store_true", default=False, help="show spdt-harness's browser"
    )


@pytest.fixture(scope="session")
def spdt_harness(pytestconfig: pytest.Config) -> Iterator[Harness]:
    with Harness(
        sites=True,
        browser=pytestconfig.getoption("spdt_browser"),
        headless=not pytestconfig.getoption("spdt_headed"),
    ) as lab:
        yield lab


@pytest.fixture
def spdt_context(spdt_harness: Harness) -> Iterator[PixelContext]:
    with spdt_harness.new_context() as ctx:
        yield ctx
