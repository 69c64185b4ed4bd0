from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pages import PageServer

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent


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
