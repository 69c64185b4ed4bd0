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


_EXEC_WITH_SIGINT_IGNORED = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


@contextmanager
def running_mock(
    *args: str,
    env: dict[str, str],
    stop: signal.Signals = signal.SIGINT,
    sigint_ignored: bool = False,
) -> Iterator[RunningMock]:
    """Start ``spdt-harness mock --port 0 ARGS``, yield once it prints "Ctrl-C stops.", then
    send ``stop`` and record how it ended (``returncode``, ``stderr``). ``sigint_ignored``
    starts it as ``cmd &`` in a non-interactive shell does: with SIGINT ignored."""
    command = [sys.executable, "-m", "harness.cli.main", "mock", "--port", "0", *args]
    if sigint_ignored:  # a disposition of SIG_IGN survives exec, as a shell's does
        command[1:1] = ["-c", _EXEC_WITH_SIGINT_IGNORED]
    proc = subprocess.Popen(
        command,
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
        proc.send_signal(stop)
        try:
            out, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()  # never leave a mock behind; the caller's assertions then fail
            out, err = proc.communicate()
        running.banner += out
        running.stderr = err
        running.returncode = proc.returncode
