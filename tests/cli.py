"""Run ``spdt-harness`` as a subprocess, as a user does (the tests' one copy of this)."""

from __future__ import annotations

import subprocess
import sys


def spdt(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``spdt-harness ARGS...`` with ``env``; its exit code, stdout and stderr (text)."""
    return subprocess.run(
        [sys.executable, "-m", "harness.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
