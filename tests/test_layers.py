"""The bottom layers stay light: importing the errors loads no browser driver and no server."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import harness.errors
import mock_endpoint
import mock_endpoint.errors

HEAVY = ("aiohttp", "playwright", "jinja2", "yaml", "bs4")


def loaded_after(statement: str) -> list[str]:
    """The top-level packages a fresh interpreter holds after running ``statement``."""
    probe = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    return sorted({name.split(".")[0] for name in json.loads(done.stdout)})


@pytest.mark.parametrize(
    "statement", ["import harness.errors", "import mock_endpoint.errors", "import mock_endpoint"]
)
def test_the_error_modules_load_nothing_heavy(statement: str) -> None:
    loaded = loaded_after(statement)
    assert [name for name in HEAVY if name in loaded] == [], loaded


def test_the_harness_errors_are_the_mocks_errors() -> None:
    for name in ("HarnessError", "UsageError", "MockEndpointError", "FixtureSiteError"):
        assert getattr(harness.errors, name) is getattr(mock_endpoint.errors, name), name
    assert issubclass(harness.errors.NavigationError, mock_endpoint.errors.HarnessError)


def test_the_mock_root_still_offers_its_public_names() -> None:
    assert mock_endpoint.MockEndpoint.__name__ == "MockEndpoint"
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = mock_endpoint.Nope
