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

# `make test` runs pytest-xdist with --dist worksteal: each worker starts on its own contiguous
# share of the tests, and a worker that runs out takes half of what is left of the busiest
# worker's share, from its end. A long test that starts late ends the run alone, so the modules
# with the longest tests come first, by their longest test measured on the 2-core machine
# (a serial run: the CI recipes 12 s, the hostile pages 15 s, a worker with pages in flight
# 10.5 s, a catalogue part up to 24 s, 12 parts that other workers take over). A fresh clone has
# no duration cache, so the order is declared. Every other module keeps its collection order.
LONGEST_FIRST = (
    "test_ci_recipes.py",
    "test_audit_hostile.py",
    "test_audit_in_flight.py",
    "test_audit_catalogue.py",
    "test_wheel_install.py",
    "test_baseline.py",
    "test_audit.py",
    "test_remote_browser.py",
    "test_counts.py",
    "test_consent.py",
    "test_pytest_plugin.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONGEST_FIRST)))  # stable


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
