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
