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


# A saved report is loaded, merged and rendered without a browser or a server: ``spdt-harness
# report`` loads neither Playwright nor aiohttp (jinja2 renders HTML; it may load).
@pytest.mark.parametrize(
    "statement",
    [
        "import harness.audit.model",
        "import harness.capture.timeline",
        "from harness.audit import load_report, merge_reports",
        "import harness.cli.report_cmd",
    ],
)
def test_the_report_model_loads_no_browser_driver_and_no_server(statement: str) -> None:
    loaded = loaded_after(statement)
    assert [name for name in ("aiohttp", "playwright") if name in loaded] == [], loaded


def test_the_lazy_audit_package_still_offers_its_public_names() -> None:
    import harness.audit  # noqa: PLC0415 - the laziness is what is tested

    assert harness.audit.run_audit.__name__ == "run_audit"
    assert harness.audit.AuditReport.__name__ == "AuditReport"
    # each name resolves in the module named as its home (a wrong home raises AttributeError)
    for name in harness.audit.__all__:
        assert getattr(harness.audit, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = harness.audit.Nope
