"""Shared by the audit tests: run ``spdt-harness audit`` (tests/cli.py), read its JSON."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from fixture_sites.server import FixtureServer
from tests import cli


def spdt(
    *args: str, env: dict[str, str], timeout: float = 600, process: bool = False
) -> subprocess.CompletedProcess[str]:
    """``spdt-harness`` (an audit may take minutes: a longer default timeout); see tests/cli.py."""
    return cli.spdt(*args, env=env, timeout=timeout, process=process)


# The lean audit most tests run: no JavaScript-disabled rerun, no screenshots, one browser. The
# quiet window and the settle limit stay at their defaults (already short; a shorter quiet window
# would drop late beacons on a loaded machine). A test of the rerun, the screenshots, the HTML
# report or the audit's workers asks for ``lean=False`` or names its own options after these
# (the last ``--workers`` given wins).
LEAN = ("--no-noscript", "--no-screenshots", "--workers", "1")


def site_args(sites: FixtureServer, *, lean: bool = True) -> list[str]:
    """Point the audit's browser at the fixture sites on loopback, trust their certificate,
    emulate the pixel script, and let nothing else resolve; lean (``LEAN``) unless told not."""
    args = ["--offline", "--script", "emulated", "--trust-spki", sites.spki]
    for host, target in sites.host_map().items():
        args += ["--map", f"{host}={target}"]
    return [*args, *LEAN] if lean else args


def read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def codes(page: dict[str, Any]) -> set[str]:
    return {f["code"] for f in page["findings"]}
