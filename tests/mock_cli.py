"""Run ``spdt-harness mock`` as a subprocess, as a user does, and stop it with Ctrl-C."""

from __future__ import annotations

import re
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import unquote

from mock_endpoint.client import MockClient


@dataclass
class RunningMock:
    banner: str  # everything printed up to "Ctrl-C stops."
    port: int
    control_port: int = 0
    control_token: str | None = None
    stderr: str = ""  # filled in once the process has stopped
    returncode: int | None = None

    def client(self) -> MockClient:
        """A client by Spotify host name. The subprocess has its own CA: these tests check
        behaviour, not trust."""
        unverified = ssl.create_default_context()
        unverified.check_hostname = False
        unverified.verify_mode = ssl.CERT_NONE
        return MockClient(
            _Target("127.0.0.1", self.port, self.control_port, self.control_token),
            ssl_context=unverified,
        )


@dataclass(frozen=True)
class _Target:
    host: str
    port: int
    control_port: int
    control_token: str | None


@contextmanager
def running_mock(*args: str, env: dict[str, str]) -> Iterator[RunningMock]:
    """Start ``spdt-harness mock --port 0 ARGS``, yield once it prints "Ctrl-C stops.", then
    send SIGINT and record how it ended (``returncode``, ``stderr``)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness.cli.main", "mock", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    banner = ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "Ctrl-C stops." not in banner:
        line = proc.stdout.readline()
        if not line:
            break
        banner += line
    running = RunningMock(banner, 0)
    try:
        found = re.search(r"mock listening on https://127\.0\.0\.1:(\d+)", banner)
        assert found, banner
        running.port = int(found.group(1))
        control = re.search(r"control API: https://[^:/]+:(\d+)/__spdt/(?:\?token=(\S+))?", banner)
        assert control, banner
        running.control_port = int(control.group(1))
        running.control_token = unquote(control.group(2)) if control.group(2) else None
        yield running
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
        running.banner += out
        running.stderr = err
        running.returncode = proc.returncode
