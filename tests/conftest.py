from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from fixture_sites.server import FixtureServer
from harness.pytest_plugin import SpdtConfig
from tests.pages import PageServer

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent

# The modules whose tests take longest start first, longest first, so that pytest-xdist's
# workers end together on short tests instead of one worker finishing a long test alone. A fresh
# clone has no duration cache, so the order is declared: by each module's longest test, as
# measured with `pytest --durations=0` (the CI recipes about 60 s, the hostile pages 30 s, a
# remote-browser audit 29 s, a consent matrix 25 s, a catalogue part 23 s). Every other test
# keeps its collection order after these.
LONGEST_FIRST = (
    "test_ci_recipes.py",
    "test_audit_hostile.py",
    "test_remote_browser.py",
    "test_consent.py",
    "test_audit_catalogue.py",
    "test_audit.py",
    "test_wheel_install.py",
    "test_pytest_plugin.py",
    "test_reliability_audit.py",
    "test_remote_units.py",
    "test_fixture_sites_browser.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONGEST_FIRST)))  # a stable sort


@pytest.fixture(scope="session")
def spdt_config(spdt_config: SpdtConfig) -> SpdtConfig:
    """This project's browser tests visit its own fixture sites (shop.test ...)."""
    return replace(spdt_config, sites=True)


@pytest.fixture(scope="session")
def cli_env() -> dict[str, str]:
    """Environment for running ``spdt-harness`` as a subprocess."""
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture(scope="session")
def page_server() -> Iterator[PageServer]:
    """Serves ad-hoc HTML pages over real HTTP on loopback (see tests/pages.py)."""
    server = PageServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sites() -> Iterator[FixtureServer]:
    """The fixture sites over real HTTPS on loopback, for tests that drive them without a
    harness (the CLI's audit, the server itself)."""
    with FixtureServer() as server:
        yield server
